/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Intel VMX back end (behind vmm/virt/virt.h's vendor seam, as vmm/svm/ is
 * for AMD). Intel SDM vol. 3C: chapter 24 (VMX operation and the VMXON region),
 * appendix A (the capability MSRs), chapter 31.5 (entering VMX operation).
 *
 * vmx.c: VMX operation on every CPU (VMXON, with the fixed CR0/CR4 bits and
 * IA32_FEATURE_CONTROL), the capabilities a node needs checked and reported;
 * vcpu.c: the VMCS, entry and exit, the exits decoded into the generic ones,
 * event injection; exit.c: the exits decoded into the generic ones, and those
 * the back end handles itself (control-register accesses, NMI windows, VMX
 * instructions); ept.c: the EPT entry format. Not yet: shadow page tables.
 */
#ifndef UNUM_VMM_VMX_VMX_H
#define UNUM_VMM_VMX_VMX_H

#include "vmm/lib/types.h"
#include "vmm/virt/vcpu.h"

/* Capability MSRs (SDM vol. 3D appendix A). */
#define MSR_IA32_VMX_PINBASED_CTLS	 0x481
#define MSR_IA32_VMX_EXIT_CTLS		 0x483
#define MSR_IA32_VMX_ENTRY_CTLS		 0x484
#define MSR_IA32_VMX_MISC		 0x485
#define MSR_IA32_VMX_CR0_FIXED0		 0x486
#define MSR_IA32_VMX_CR0_FIXED1		 0x487
#define MSR_IA32_VMX_CR4_FIXED0		 0x488
#define MSR_IA32_VMX_CR4_FIXED1		 0x489
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	 0x490

/* IA32_FEATURE_CONTROL (SDM vol. 3C 24.7). */
#define FEATURE_CONTROL_LOCKED	      (1ULL << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ULL << 2)

/* IA32_VMX_BASIC (appendix A.1). */
#define VMX_BASIC_REVISION(b)	 ((u32)(b) & 0x7fffffffu)
#define VMX_BASIC_REGION_SIZE(b) ((u32)((b) >> 32) & 0x1fffu)
#define VMX_BASIC_32BIT_ADDR	 (1ULL << 48)
#define VMX_BASIC_MEMTYPE(b)	 ((u32)((b) >> 50) & 0xfu)
#define VMX_BASIC_TRUE_CTLS	 (1ULL << 55)
#define VMX_MEMTYPE_WB		 6

/* Secondary processor-based controls (table 24-7) the back end needs. */
#define SECONDARY_EPT		   (1u << 1)
#define SECONDARY_VPID		   (1u << 5)
#define SECONDARY_UNRESTRICTED	   (1u << 7)
#define PRIMARY_SECONDARY_CONTROLS (1u << 31)

/* IA32_VMX_EPT_VPID_CAP (appendix A.10). */
#define EPT_CAP_WALK4	     (1ULL << 6)
#define EPT_CAP_WB	     (1ULL << 14)
#define EPT_CAP_2M	     (1ULL << 16)
#define EPT_CAP_INVEPT	     (1ULL << 20)
#define EPT_CAP_AD	     (1ULL << 21)
#define EPT_CAP_INVEPT_CTX   (1ULL << 25)
#define EPT_CAP_INVEPT_ALL   (1ULL << 26)
#define VPID_CAP_INVVPID     (1ULL << 32)
#define VPID_CAP_INVVPID_CTX (1ULL << 41)

#define CR4_VMXE (1ULL << 13)

/* Controls (SDM vol. 3C tables 24-5 to 24-13). */
#define PIN_EXTINT_EXITING    (1u << 0)
#define PIN_NMI_EXITING	      (1u << 3)
#define PIN_VIRTUAL_NMIS      (1u << 5)
#define PIN_PREEMPTION_TIMER  (1u << 6)
#define PROC_INTR_WINDOW      (1u << 2)
#define PROC_TSC_OFFSETTING   (1u << 3)
#define PROC_HLT_EXITING      (1u << 7)
#define PROC_CR3_LOAD_EXITING (1u << 15)
#define PROC_CR3_STORE_EXITING (1u << 16)
#define PROC_CR8_LOAD_EXITING (1u << 19)
#define PROC_CR8_STORE_EXITING (1u << 20)
#define PROC_NMI_WINDOW	      (1u << 22)
#define PROC_UNCOND_IO	      (1u << 24)
#define PROC_MSR_BITMAPS      (1u << 28)
#define PROC_PAUSE_EXITING    (1u << 30)
#define SECONDARY_RDTSCP      (1u << 3)
#define SECONDARY_INVPCID     (1u << 12)
#define EXIT_SAVE_DEBUG	      (1u << 2)
#define EXIT_HOST_64	      (1u << 9)
#define EXIT_SAVE_PAT	      (1u << 18)
#define EXIT_LOAD_PAT	      (1u << 19)
#define EXIT_SAVE_EFER	      (1u << 20)
#define EXIT_LOAD_EFER	      (1u << 21)
#define ENTRY_LOAD_DEBUG      (1u << 2)
#define ENTRY_IA32E	      (1u << 9)
#define ENTRY_LOAD_PAT	      (1u << 14)
#define ENTRY_LOAD_EFER	      (1u << 15)
#define EXIT_PAT_EFER  (EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER)
#define ENTRY_PAT_EFER (ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)

/* Exit reasons (appendix C). */
#define REASON_EXCEPTION_NMI 0
#define REASON_EXTINT	     1
#define REASON_TRIPLE_FAULT  2
#define REASON_INIT	     3
#define REASON_INTR_WINDOW   7
#define REASON_NMI_WINDOW    8
#define REASON_CPUID	     10
#define REASON_GETSEC	     11
#define REASON_HLT	     12
#define REASON_INVD	     13
#define REASON_VMCALL	     18
#define REASON_VMCLEAR	     19 /* 19-27: VMCLEAR ... VMXON */
#define REASON_VMXON	     27
#define REASON_CR_ACCESS     28
#define REASON_IO	     30
#define REASON_RDMSR	     31
#define REASON_WRMSR	     32
#define REASON_ENTRY_INVALID 33
#define REASON_PAUSE	     40
#define REASON_EPT_VIOLATION 48
#define REASON_EPT_MISCONFIG 49
#define REASON_INVEPT	     50
#define REASON_INVVPID	     53
#define REASON_PREEMPTION    52
#define REASON_XSETBV	     55
#define REASON_VMFUNC	     59
#define REASON_ENTRY_FAILED  (1u << 31)

/* Event injection and exit interruption information (24.8.3, 24.9.2). */
#define INTR_VALID	   (1u << 31)
#define INTR_ERROR	   (1u << 11)
#define INTR_TYPE_EXTINT   (0u << 8)
#define INTR_TYPE_NMI	   (2u << 8)
#define INTR_TYPE_HW_EXC   (3u << 8)
#define INTR_TYPE_SOFT_INT (4u << 8)
#define INTR_TYPE_PRIV_SOFT (5u << 8) /* ICEBP (INT1) */
#define INTR_TYPE_SOFT_EXC (6u << 8)
#define INTR_TYPE_MASK	   (7u << 8)

#define INTR_NMI_UNBLOCKED (1u << 12) /* exit interruption information: by IRET */

#define VEC_DB 1
#define VEC_AC 17

/* Guest interruptibility state (table 24-3). */
#define INTERRUPTIBILITY_STI	(1u << 0)
#define INTERRUPTIBILITY_MOV_SS (1u << 1)
#define INTERRUPTIBILITY_NMI	(1u << 3)

#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

/* What this CPU's VMX offers, read once from the capability MSRs. */
struct vmx_caps {
	u32 revision;	    /* of the VMXON region and the VMCS */
	u32 region_size;    /* bytes, at most 4096 */
	bool true_ctls;	    /* the TRUE_* control MSRs exist */
	u64 ept_vpid;	    /* IA32_VMX_EPT_VPID_CAP */
	u32 secondary_may1; /* secondary controls that may be 1 */
};


struct seg {
	u16 sel;
	u32 limit, ar;
	u64 base;
};

/* The guest state a reset sets (written into the VMCS at the next entry). */
struct reset_state {
	struct seg seg[8]; /* ES CS SS DS FS GS LDTR TR: the VMCS's order */
	u64 gdt_base, idt_base;
	u32 gdt_limit, idt_limit;
	u64 cr0, cr3, cr4, efer, pat;
};

struct vmx_vcpu {
	hpa_t vmcs;
	struct nested *ept;
	bool set_up, launched, pending;
	s32 cpu;
	struct reset_state reset;
	/* CR0 and CR4 bits the guest's registers must hold (NE, VMXE), and the bits the
	 * guest/host masks give the read shadows: those, and CR0's CD and NW (the guest's
	 * cache-disable settings stay in the shadow; the memory types are EPT's). */
	u64 cr0_fixed, cr4_fixed, cr0_mask;
	u32 pin, proc; /* pin-based and primary controls as last written */
	u32 preemption_ticks; /* the VMX-preemption timer's start value: the heartbeat */
	bool clear_shadow;    /* end the interrupt shadow at the next entry (vmx_set_sys) */
};

static inline struct vmx_vcpu *vmx_of(struct vcpu *v)
{
	return v->arch;
}

/* vcpu.c: the control registers as the guest sees them (the register's own bits, and
 * the read shadow's where the mask is set), and their writes (the shadow the guest's
 * value, the register that with the fixed bits); EFER with IA-32e mode following LMA. */
u64 vmx_guest_cr0(void);
u64 vmx_guest_cr4(void);
void vmx_write_cr0(struct vmx_vcpu *x, u64 cr0);
void vmx_write_cr4(struct vmx_vcpu *x, u64 cr4);
void vmx_write_efer(u64 efer);

/* exit.c: the exit just taken, decoded into v->exit (or handled: EXIT_NONE); an event
 * whose delivery it interrupted queued again first. */
void vmx_decode_exit(struct vcpu *v, u32 reason);
/* The MSR bitmap every VMCS uses (vmx.c). */
extern hpa_t vmx_msr_bitmap;

/* Reads the capabilities; 0, or -E_NOTSUP with the first missing one in *why. */
int vmx_read_caps(struct vmx_caps *c, const char **why);
/* This node's, once a CPU has entered VMX operation. */
const struct vmx_caps *vmx_caps_of(void);
/* virt_ops.cpu_enable: VMX operation on this CPU (vmx.c). */
int vmx_cpu_enable(void);

#endif
