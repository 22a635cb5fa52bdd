// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-CPU GDT and TSS. The boot GDT (boot/entry.S) has only flat code and
 * data segments; each CPU replaces it with its own table that adds a 64-bit
 * TSS (AMD APM vol. 2 section 12.2.5), whose IST1 stack serves #DF, NMI and
 * #MC. Selectors 0x08 (code) and 0x10 (data) keep their meaning.
 */
#include "vmm/host/idt.h"
#include "vmm/host/percpu.h"

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3, iomap_base;
} __packed;
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS layout");

#define GDT_TSS_SEL    0x18
#define IST_STACK_SIZE 8192

struct cpu_gdt {
	u64 entries[5]; /* null, code, data, TSS (two slots) */
	struct tss64 tss;
	u8 ist_stack[IST_STACK_SIZE] __aligned(16);
};

static struct cpu_gdt cpu_gdts[MAX_CPUS] __aligned(16);

static void gdt_set_tss(u64 *slot, struct tss64 *tss)
{
	u64 base = (u64)(uintptr_t)tss, limit = sizeof(*tss) - 1;

	/* Available 64-bit TSS (type 9), present, DPL 0. */
	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_init_cpu(u32 cpu_id)
{
	struct cpu_gdt *g = &cpu_gdts[cpu_id];
	struct {
		u16 limit;
		u64 base;
	} __packed ptr = { sizeof(g->entries) - 1, (u64)(uintptr_t)g->entries };

	g->entries[0] = 0;
	g->entries[1] = 0x00af9a000000ffffULL; /* 64-bit code, DPL 0 */
	g->entries[2] = 0x00cf92000000ffffULL; /* data */
	gdt_set_tss(&g->entries[3], &g->tss);
	g->tss.ist[0] = (u64)(uintptr_t)(g->ist_stack + IST_STACK_SIZE);
	g->tss.iomap_base = sizeof(g->tss); /* no I/O permission bitmap */
	__asm__ volatile("lgdt %0" : : "m"(ptr));
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS_SEL));
}
