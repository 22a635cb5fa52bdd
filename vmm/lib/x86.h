/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Thin wrappers around the x86 instructions the monitor uses directly:
 * port I/O, MSRs, CPUID, control registers, TSC, interrupt flag. MSR numbers
 * are named after the AMD64 Architecture Programmer's Manual vol. 2,
 * appendix A, and the Intel SDM vol. 4.
 */
#ifndef UNUM_VMM_LIB_X86_H
#define UNUM_VMM_LIB_X86_H

#include "vmm/lib/types.h"

/* CR0 bits (Intel SDM vol. 3A 2.5, AMD APM vol. 2 3.1.1). */
#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_TS (1ULL << 3)
#define X86_CR0_ET (1ULL << 4)
#define X86_CR0_WP (1ULL << 16)
#define X86_CR0_NW (1ULL << 29)
#define X86_CR0_CD (1ULL << 30)
#define X86_CR0_PG (1ULL << 31)

#define MSR_IA32_APIC_BASE	     0x0000001B
#define MSR_IA32_FEATURE_CONTROL     0x0000003A
#define MSR_IA32_VMX_BASIC	     0x00000480
#define MSR_IA32_VMX_PROCBASED_CTLS  0x00000482
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x0000048B
#define MSR_IA32_VMX_EPT_VPID_CAP    0x0000048C
#define MSR_EFER		     0xC0000080
#define MSR_FS_BASE		     0xC0000100
#define MSR_GS_BASE		     0xC0000101
#define MSR_VM_CR		     0xC0010114

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};
static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define DEFINE_READ_CR(n)                                         \
	static inline u64 read_cr##n(void)                        \
	{                                                         \
		u64 v;                                            \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); \
		return v;                                         \
	}
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)
#undef DEFINE_READ_CR

static inline void write_cr3(u64 v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void write_cr0(u64 v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void write_cr4(u64 v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline u64 read_rflags(void)
{
	u64 v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

#define X86_RFLAGS_IF (1ULL << 9) /* interrupts enabled */

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}
/* Interrupts off; returns whether they were on, for irq_restore(). */
static inline bool irq_save_off(void)
{
	bool on = read_rflags() & X86_RFLAGS_IF;

	irq_disable();
	return on;
}
static inline void irq_restore(bool on)
{
	if (on)
		irq_enable();
}
static inline void cpu_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
/* Wait for an interrupt with interrupts enabled, atomically (sti;hlt). */
static inline void cpu_wait_irq(void)
{
	__asm__ volatile("sti; hlt" ::: "memory");
}

#endif
