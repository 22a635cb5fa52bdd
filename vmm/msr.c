// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest MSR policy (see vmm/msr.h).
 */
#include "vmm/msr.h"
#include "vmm/log.h"
#include "vmm/virt.h"
#include "vmm/x86.h"
#include "vmm/dev/vlapic.h"

#define MSR_IA32_TSC 0x10
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_PAT 0x277
#define MSR_UCODE_REV 0x8b
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

/* Unknown MSRs are reported once each (a guest probing in a loop must not flood the log). */
static void report_unknown(struct vcpu *v, u32 msr, bool write)
{
	static u32 reported[32];
	static u32 nreported;

	for (u32 i = 0; i < nreported; i++)
		if (reported[i] == msr)
			return;
	if (nreported < ARRAY_SIZE(reported))
		reported[nreported++] = msr;
	pr_warn("guest: vCPU %u %s unknown MSR %#x at RIP %#llx: #GP\n", v->id,
		write ? "wrote" : "read", msr, (unsigned long long)v->regs.rip);
}

static bool is_lapic_msr(u32 msr)
{
	return msr == MSR_IA32_APIC_BASE || msr == 0x6e0 || (msr >= 0x800 && msr <= 0x8ff);
}

int msr_guest_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (is_lapic_msr(msr))
		return vlapic_msr_read(&v->lapic, msr, val);
	switch (msr) {
	case MSR_EFER:
		*val = virt->get_efer(v);
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc();
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = 1; /* fast strings */
		return 0;
	case MSR_IA32_PAT:
		*val = virt->get_pat(v);
		return 0;
	case MSR_UCODE_REV:
		*val = 0; /* no microcode patch level to report */
		return 0;
	default:
		report_unknown(v, msr, false);
		return -E_INVAL;
	}
}

int msr_guest_write(struct vcpu *v, u32 msr, u64 val)
{
	if (is_lapic_msr(msr))
		return vlapic_msr_write(&v->lapic, msr, val);
	switch (msr) {
	case MSR_EFER:
		if (val & ~EFER_GUEST_BITS)
			return -E_INVAL; /* reserved bits (and SVME: the guest has no SVM) */
		virt->set_efer(v, val);
		return 0;
	case MSR_IA32_MISC_ENABLE:
	case MSR_UCODE_REV:
		return 0;
	case MSR_IA32_PAT:
		/* each byte a memory type 0, 1, 4, 5, 6 or 7 (SDM 11.12.2) */
		for (int i = 0; i < 8; i++)
			if (((val >> (8 * i)) & 0xf8) || ((val >> (8 * i)) & 0xff) == 2 ||
			    ((val >> (8 * i)) & 0xff) == 3)
				return -E_INVAL;
		virt->set_pat(v, val);
		return 0;
	default:
		report_unknown(v, msr, true);
		return -E_INVAL;
	}
}
