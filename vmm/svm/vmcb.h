/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SVM virtual machine control block (AMD64 APM vol. 2, appendix B,
 * "Layout of VMCB"): a 4 KiB page with the control area at 0x000 and the
 * state-save area at 0x400. Field names follow the manual; every offset is
 * checked. Exit codes: APM vol. 2 appendix C.
 */
#ifndef UNUM_VMM_SVM_VMCB_H
#define UNUM_VMM_SVM_VMCB_H

#include "vmm/lib/types.h"

struct vmcb_seg {
	u16 selector;
	u16 attrib; /* type:4 S:1 DPL:2 P:1 | AVL:1 L:1 DB:1 G:1 */
	u32 limit;
	u64 base;
} __packed;

struct vmcb_control {
	u32 intercept_cr; /* reads: bits 0-15, writes: bits 16-31 */
	u32 intercept_dr;
	u32 intercept_exceptions;
	u32 intercept_misc1;
	u32 intercept_misc2;
	u32 intercept_misc3;
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_threshold;
	u16 pause_filter_count;
	u64 iopm_base_pa;
	u64 msrpm_base_pa;
	u64 tsc_offset;
	u32 guest_asid;
	u8 tlb_control;
	u8 reserved_05d[3];
	u64 vintr;
	u64 interrupt_shadow;
	u64 exitcode;
	u64 exitinfo1;
	u64 exitinfo2;
	u64 exitintinfo;
	u64 np_enable;
	u64 avic_apic_bar;
	u64 ghcb_pa;
	u64 eventinj;
	u64 n_cr3;
	u64 lbr_virtualization_enable;
	u32 vmcb_clean;
	u32 reserved_0c4;
	u64 nrip;
	u8 num_bytes_fetched;
	u8 guest_instruction_bytes[15];
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
	u8 reserved_4a0[0x4cb - 0x4a0];
	u8 cpl;
	u32 reserved_4cc;
	u64 efer;
	u8 reserved_4d8[0x548 - 0x4d8];
	u64 cr4, cr3, cr0, dr7, dr6, rflags, rip;
	u8 reserved_580[0x5d8 - 0x580];
	u64 rsp;
	u64 s_cet, ssp, isst_addr;
	u64 rax;
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;
	u8 reserved_648[0x668 - 0x648];
	u64 g_pat;
	u64 dbgctl, br_from, br_to, lastexcpfrom, lastexcpto;
	u8 reserved_698[0x1000 - 0x698];
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __packed;

#define VMCB_CHECK(f, off) _Static_assert(__builtin_offsetof(struct vmcb, f) == (off), #f)
VMCB_CHECK(control.pause_filter_threshold, 0x03c);
VMCB_CHECK(control.iopm_base_pa, 0x040);
VMCB_CHECK(control.guest_asid, 0x058);
VMCB_CHECK(control.tlb_control, 0x05c);
VMCB_CHECK(control.vintr, 0x060);
VMCB_CHECK(control.exitcode, 0x070);
VMCB_CHECK(control.exitintinfo, 0x088);
VMCB_CHECK(control.np_enable, 0x090);
VMCB_CHECK(control.eventinj, 0x0a8);
VMCB_CHECK(control.n_cr3, 0x0b0);
VMCB_CHECK(control.vmcb_clean, 0x0c0);
VMCB_CHECK(control.nrip, 0x0c8);
VMCB_CHECK(control.guest_instruction_bytes, 0x0d1);
VMCB_CHECK(save.es, 0x400);
VMCB_CHECK(save.tr, 0x490);
VMCB_CHECK(save.cpl, 0x4cb);
VMCB_CHECK(save.efer, 0x4d0);
VMCB_CHECK(save.cr4, 0x548);
VMCB_CHECK(save.rip, 0x578);
VMCB_CHECK(save.rsp, 0x5d8);
VMCB_CHECK(save.rax, 0x5f8);
VMCB_CHECK(save.star, 0x600);
VMCB_CHECK(save.sysenter_eip, 0x638);
VMCB_CHECK(save.cr2, 0x640);
VMCB_CHECK(save.g_pat, 0x668);
VMCB_CHECK(save.lastexcpto, 0x690);
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
#undef VMCB_CHECK

/* intercept_misc1 (APM vol. 2 table B-1, offset 0x0c) */
#define INTERCEPT_INTR	    (1u << 0)
#define INTERCEPT_NMI	    (1u << 1)
#define INTERCEPT_SMI	    (1u << 2)
#define INTERCEPT_INIT	    (1u << 3)
#define INTERCEPT_VINTR	    (1u << 4)
#define INTERCEPT_CPUID	    (1u << 18)
#define INTERCEPT_INVD	    (1u << 22)
#define INTERCEPT_PAUSE	    (1u << 23)
#define INTERCEPT_HLT	    (1u << 24)
#define INTERCEPT_INVLPG    (1u << 25)
#define INTERCEPT_IOIO_PROT (1u << 27)
#define INTERCEPT_MSR_PROT  (1u << 28)
#define INTERCEPT_SHUTDOWN  (1u << 31)
/* intercept_misc2 (offset 0x10) */
#define INTERCEPT_VMRUN	  (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD  (1u << 2)
#define INTERCEPT_VMSAVE  (1u << 3)
#define INTERCEPT_STGI	  (1u << 4)
#define INTERCEPT_CLGI	  (1u << 5)
#define INTERCEPT_SKINIT  (1u << 6)
#define INTERCEPT_ICEBP	  (1u << 8)
#define INTERCEPT_XSETBV  (1u << 13)

/* intercept_cr (offset 0x00): reads of CRn at bit n, writes at bit 16 + n; and
 * intercept_exceptions (offset 0x08): exception vector n at bit n (APM vol. 2 15.9, 15.12) */
#define INTERCEPT_CR_READ(n)  (1u << (n))
#define INTERCEPT_CR_WRITE(n) (1u << (16 + (n)))
#define INTERCEPT_EXC(n)      (1u << (n))
#define VEC_DB		      1
#define VEC_PF		      14
#define VEC_AC		      17

/* vintr (offset 0x60) */
#define V_IRQ		    (1ULL << 8)
#define V_INTR_VECTOR_SHIFT 32
#define V_INTR_PRIO_SHIFT   16
#define V_IGN_TPR	    (1ULL << 20)
#define V_INTR_MASKING	    (1ULL << 24)

#define TLB_CONTROL_FLUSH_ALL 1

/* eventinj and exitintinfo (APM vol. 2 section 15.20) */
#define EVENT_VECTOR_MASK    0xffULL
#define EVENT_TYPE_SHIFT     8
#define EVENT_TYPE_INTR	     0
#define EVENT_TYPE_NMI	     2
#define EVENT_TYPE_EXCEPTION 3
#define EVENT_TYPE_SOFT_INT  4
#define EVENT_ERROR_VALID    (1ULL << 11)
#define EVENT_VALID	     (1ULL << 31)

/* exit codes (APM vol. 2 appendix C) */
#define VMEXIT_CR_READ_BASE   0x000 /* + n: a read of CRn; 0x010 + n: a write */
#define VMEXIT_CR_WRITE_BASE  0x010
#define VMEXIT_EXCEPTION_BASE 0x040
#define VMEXIT_INTR	      0x060
#define VMEXIT_NMI	      0x061
#define VMEXIT_SMI	      0x062
#define VMEXIT_INIT	      0x063
#define VMEXIT_VINTR	      0x064
#define VMEXIT_CPUID	      0x072
#define VMEXIT_INVD	      0x076
#define VMEXIT_HLT	      0x078
#define VMEXIT_INVLPG	      0x079
#define VMEXIT_IOIO	      0x07b
#define VMEXIT_MSR	      0x07c
#define VMEXIT_SHUTDOWN	      0x07f
#define VMEXIT_ICEBP	      0x088
#define VMEXIT_VMRUN	      0x080
#define VMEXIT_VMMCALL	      0x081
#define VMEXIT_VMLOAD	      0x082
#define VMEXIT_VMSAVE	      0x083
#define VMEXIT_STGI	      0x084
#define VMEXIT_CLGI	      0x085
#define VMEXIT_SKINIT	      0x086
#define VMEXIT_PAUSE	      0x077
#define VMEXIT_XSETBV	      0x08d
#define VMEXIT_NPF	      0x400
#define VMEXIT_INVALID	      0xffffffffu

/* IOIO exitinfo1 (APM vol. 2 section 15.10.2) */
#define IOIO_TYPE_IN	(1ULL << 0)
#define IOIO_STR	(1ULL << 2)
#define IOIO_REP	(1ULL << 3)
#define IOIO_SZ_SHIFT	4
#define IOIO_PORT_SHIFT 16

/* MSRs */
#define MSR_VM_HSAVE_PA 0xC0010117
#define EFER_SVME	(1ULL << 12)

#endif
