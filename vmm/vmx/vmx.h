/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Intel VMX back end (behind vmm/virt/virt.h's vendor seam, as vmm/svm/ is
 * for AMD). Intel SDM vol. 3C: chapter 24 (VMX operation and the VMXON region),
 * appendix A (the capability MSRs), chapter 31.5 (entering VMX operation).
 *
 * vmx.c: VMX operation on every CPU (VMXON, with the fixed CR0/CR4 bits and
 * IA32_FEATURE_CONTROL), the capabilities a node needs checked and reported;
 * vcpu.c: the VMCS, entry and exit, the exits decoded into the generic ones,
 * event injection; ept.c: the EPT entry format. Not yet: MOV to CR0/CR4 exits
 * (a guest setting CR0.NE or CR4.VMXE stops as unhandled), shadow page tables,
 * and guests across nodes on Intel (the tiny guests run on one node).
 */
#ifndef UNUM_VMM_VMX_VMX_H
#define UNUM_VMM_VMX_VMX_H

#include "vmm/lib/types.h"

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

/* What this CPU's VMX offers, read once from the capability MSRs. */
struct vmx_caps {
	u32 revision;	    /* of the VMXON region and the VMCS */
	u32 region_size;    /* bytes, at most 4096 */
	bool true_ctls;	    /* the TRUE_* control MSRs exist */
	u64 ept_vpid;	    /* IA32_VMX_EPT_VPID_CAP */
	u32 secondary_may1; /* secondary controls that may be 1 */
};

/* Reads the capabilities; 0, or -E_NOTSUP with the first missing one in *why. */
int vmx_read_caps(struct vmx_caps *c, const char **why);
/* This node's, once a CPU has entered VMX operation. */
const struct vmx_caps *vmx_caps_of(void);
/* virt_ops.cpu_enable: VMX operation on this CPU (vmx.c). */
int vmx_cpu_enable(void);

#endif
