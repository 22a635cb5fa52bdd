/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest page-table walker: translates a guest-virtual (linear) address to a
 * guest-physical one the way the guest's own MMU would, from its CR0, CR3,
 * CR4 and EFER, reading its page tables through a callback. The MMIO
 * emulator needs it to fetch the faulting instruction and to find the other
 * operand of MOVS/STOS; a failed walk yields the #PF error code real hardware
 * would push, so the monitor can inject exactly that fault. Supports paging
 * off, 32-bit paging (4K, and 4M pages with CR4.PSE, PSE-36), PAE (4K, 2M) and
 * 4- and 5-level long mode (4K, 2M, 1G), with U/S, R/W (CR0.WP), NX
 * (EFER.NXE), SMEP, SMAP and reserved-bit checks, and optionally sets the
 * accessed and dirty bits. Pure code: it builds into host unit tests too.
 * Formats: Intel SDM vol. 3A chapter 4; AMD APM vol. 2 chapter 5.
 */
#ifndef UNUM_VMM_EMU_GWALK_H
#define UNUM_VMM_EMU_GWALK_H

#include "vmm/lib/types.h"

/* Control-register bits the walk depends on (SDM vol. 3A 2.5, APM vol. 2 3.1). */
#define GWALK_CR0_WP	(1ULL << 16)
#define GWALK_CR0_PG	(1ULL << 31)
#define GWALK_CR4_PSE	(1ULL << 4)
#define GWALK_CR4_PAE	(1ULL << 5)
#define GWALK_CR4_LA57	(1ULL << 12)
#define GWALK_CR4_SMEP	(1ULL << 20)
#define GWALK_CR4_SMAP	(1ULL << 21)
#define GWALK_EFER_LMA	(1ULL << 10)
#define GWALK_EFER_NXE	(1ULL << 11)
#define GWALK_RFLAGS_AC (1ULL << 18)

/* #PF error code bits (SDM vol. 3A 4.7). The access flags below use the same
 * positions, so a fault's code is the access flags plus P and RSVD. */
#define GWALK_PF_P    (1u << 0) /* protection violation (clear: not present) */
#define GWALK_PF_W    (1u << 1) /* the access was a write */
#define GWALK_PF_U    (1u << 2) /* the access was made at CPL 3 */
#define GWALK_PF_RSVD (1u << 3) /* a reserved bit was set in some entry */
#define GWALK_PF_I    (1u << 4) /* instruction fetch (only with NX or SMEP on) */

/* Access flags for gwalk_translate(). */
#define GWALK_ACC_WRITE	 GWALK_PF_W
#define GWALK_ACC_USER	 GWALK_PF_U
#define GWALK_ACC_FETCH	 GWALK_PF_I
#define GWALK_ACC_SET_AD (1u << 31) /* set A (and D for a write) as the CPU would */

/* gwalk_translate() results besides 0 and negative errors. */
#define GWALK_FAULT 1

struct gwalk_cpu {
	u64 cr0, cr3, cr4, efer;
	u64 rflags;    /* only AC matters, for SMAP */
	u8 maxphyaddr; /* physical address width the guest sees (CPUID 80000008h EAX[7:0]) */
	bool amd;      /* AMD reserves bit 8 of PML4Es and PML5Es (APM vol. 2 5.3.3) */
};

struct gwalk_mem {
	/* Reads size (4 or 8) bytes of guest-physical memory, little-endian. 0 or -errno. */
	int (*read)(void *opaque, gpa_t gpa, unsigned size, u64 *val);
	/*
	 * Atomically replaces old by val at gpa: 0 when done, 1 when the entry no
	 * longer held old (the walk then restarts), or -errno. Only needed for
	 * GWALK_ACC_SET_AD; without it the A/D bits are left alone.
	 */
	int (*cmpxchg)(void *opaque, gpa_t gpa, unsigned size, u64 old, u64 val);
	void *opaque;
};

struct gwalk_result {
	gpa_t gpa;	/* the translation, on success */
	u64 page_size;	/* 4K, 2M, 4M, 1G; 4G with paging off */
	u64 entry;	/* the last entry read: the leaf, or the one that failed */
	u8 level;	/* level of that entry: 1 = PTE, 2 = PDE, ... */
	u32 error_code; /* on GWALK_FAULT: the #PF error code */
	/* Every entry the walk used, by level - 1, from the top level down to `level`:
	 * where it was read and what it held (with the A/D bits this walk set). The
	 * shadow page tables (vmm/virt/shadow.h) are built from them. */
	gpa_t entry_gpa[5];
	u64 entries[5];
};

/*
 * Translates va for an access (GWALK_ACC_* flags) by the CPU state in *cpu.
 * Returns 0 with res->gpa set; GWALK_FAULT when the guest's MMU would raise
 * #PF, with res->error_code set (CR2 is va); -E_INVAL for a non-canonical
 * address in long mode (hardware raises #GP, not #PF); or the read/cmpxchg
 * callback's negative error when a page table cannot be read.
 */
int gwalk_translate(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem, gva_t va, u32 access,
		    struct gwalk_result *res);

#endif
