// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel VMX: entering VMX operation on each CPU, and what the CPU offers (see
 * vmm/vmx/vmx.h; the vCPUs are in vcpu.c).
 */
#include "vmm/vmx/vmx.h"
#include "vmm/vmx/ept.h"
#include "vmm/virt/virt.h"
#include "vmm/host/cpu.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/percpu.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/x86.h"
#include "vmm/virt/msr.h"

static struct vmx_caps caps;
static bool caps_read;
static hpa_t vmxon_region[MAX_CPUS];
hpa_t vmx_msr_bitmap;

/* The MSR bitmap (SDM vol. 3C 24.6.9): read bitmaps for MSRs 0-1FFFh and
 * C0000000h-C0001FFFh at bytes 0 and 1024, write bitmaps at 2048 and 3072; a set
 * bit makes the access exit. Every MSR exits but msr_passthrough's. */
static int msr_bitmap_init(void)
{
	u8 *bm;

	vmx_msr_bitmap = page_alloc(1, 1);
	if (!vmx_msr_bitmap)
		return -E_NOMEM;
	bm = hpa_to_ptr(vmx_msr_bitmap);
	memset(bm, 0xff, PAGE_SIZE);
	for (u32 i = 0; i < msr_passthrough_count; i++) {
		u32 msr = msr_passthrough[i], at = (msr >= 0xc0000000 ? 1024 : 0) + (msr & 0x1fff) / 8;

		bm[at] &= (u8) ~(1u << (msr & 7));
		bm[2048 + at] &= (u8) ~(1u << (msr & 7));
	}
	return 0;
}

/* The controls that may be 1 in a capability MSR (its high half, appendix A.3). */
static u32 may_be_one(u32 msr)
{
	return (u32)(rdmsr(msr) >> 32);
}

int vmx_read_caps(struct vmx_caps *c, const char **why)
{
	u64 basic = rdmsr(MSR_IA32_VMX_BASIC);

	memset(c, 0, sizeof(*c));
	c->revision = VMX_BASIC_REVISION(basic);
	c->region_size = VMX_BASIC_REGION_SIZE(basic);
	c->true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	if (c->region_size == 0 || c->region_size > PAGE_SIZE) {
		*why = "IA32_VMX_BASIC gives a VMXON/VMCS region size outside 1-4096 bytes";
		return -E_NOTSUP;
	}
	if (VMX_BASIC_MEMTYPE(basic) != VMX_MEMTYPE_WB) {
		*why = "the VMCS must be accessed uncached (IA32_VMX_BASIC memory type)";
		return -E_NOTSUP;
	}
	if (!(may_be_one(MSR_IA32_VMX_PROCBASED_CTLS) & PRIMARY_SECONDARY_CONTROLS)) {
		*why = "no secondary processor-based controls (so no EPT)";
		return -E_NOTSUP;
	}
	c->secondary_may1 = may_be_one(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (!(c->secondary_may1 & SECONDARY_EPT)) {
		*why = "no EPT (extended page tables)";
		return -E_NOTSUP;
	}
	if (!(c->secondary_may1 & SECONDARY_UNRESTRICTED)) {
		*why = "no unrestricted guest (needed for real-mode starts and SIPI)";
		return -E_NOTSUP;
	}
	c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(c->ept_vpid & EPT_CAP_WALK4) || !(c->ept_vpid & EPT_CAP_WB)) {
		*why = "EPT without 4-level tables in write-back memory";
		return -E_NOTSUP;
	}
	if (!(c->ept_vpid & EPT_CAP_2M)) {
		*why = "EPT without 2 MiB pages (guest RAM is mapped with them)";
		return -E_NOTSUP;
	}
	/* PAT and EFER switched by entry and exit: the guest's must never be the host's */
	if ((may_be_one(MSR_IA32_VMX_EXIT_CTLS) & EXIT_PAT_EFER) != EXIT_PAT_EFER ||
	    (may_be_one(MSR_IA32_VMX_ENTRY_CTLS) & ENTRY_PAT_EFER) != ENTRY_PAT_EFER) {
		*why = "VM entry and exit cannot load and save IA32_PAT and IA32_EFER";
		return -E_NOTSUP;
	}
	if (!(c->ept_vpid & EPT_CAP_INVEPT) ||
	    !(c->ept_vpid & (EPT_CAP_INVEPT_CTX | EPT_CAP_INVEPT_ALL))) {
		*why = "no INVEPT (the DSM must flush a page's translations before it leaves)";
		return -E_NOTSUP;
	}
	return 0;
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

/* VMXON with the region at pa: 0, or -E_FAULT if the CPU refused (VMfail). */
static int vmxon(hpa_t pa)
{
	u8 failed;

	__asm__ volatile("vmxon %1; setna %0" : "=qm"(failed) : "m"(pa) : "cc", "memory");
	return failed ? -E_FAULT : 0;
}

/* SDM vol. 3C 24.7-24.8 and 31.5: IA32_FEATURE_CONTROL allows VMX outside SMX
 * (locked by the firmware, or set and locked here), CR0 and CR4 hold the bits
 * VMX operation fixes, CR4.VMXE is set, and VMXON gets a region stamped with
 * the VMCS revision. */
int vmx_cpu_enable(void)
{
	const struct cpu_features *f = &boot_cpu;
	u32 cpu = this_cpu_id();
	const char *why = NULL;
	u64 fc, cr0, cr4;
	hpa_t region;

	if (!f->vmx) {
		pr_err("vmx: cannot run guests: the CPU has no VMX (CPUID 1 ECX bit 5)\n");
		return -E_NOTSUP;
	}
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		pr_err("vmx: cannot run guests: the firmware locked IA32_FEATURE_CONTROL with "
		       "VMX off (enable VT-x in its set-up)\n");
		return -E_NOTSUP;
	}
	if (!caps_read) {
		if (vmx_read_caps(&caps, &why) != 0) {
			pr_err("vmx: cannot run guests: %s\n", why);
			return -E_NOTSUP;
		}
		if (msr_bitmap_init() != 0)
			return -E_NOMEM;
		caps_read = true;
		kprintf("vmx: VMCS revision %#x, %u-byte regions; EPT 4-level write-back, "
			"2 MiB pages %s, A/D bits %s, INVEPT single-context %s; VPID %s "
			"(INVVPID %s); unrestricted guest yes; preemption timer %s\n",
			caps.revision, caps.region_size, yn(caps.ept_vpid & EPT_CAP_2M),
			yn(caps.ept_vpid & EPT_CAP_AD), yn(caps.ept_vpid & EPT_CAP_INVEPT_CTX),
			yn(caps.secondary_may1 & SECONDARY_VPID),
			yn(caps.ept_vpid & VPID_CAP_INVVPID),
			yn(may_be_one(MSR_IA32_VMX_PINBASED_CTLS) & PIN_PREEMPTION_TIMER));
	}
	cr0 = (read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	cr4 = ((read_cr4() | CR4_VMXE) | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
	      rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);
	region = vmxon_region[cpu];
	if (!region) {
		region = page_alloc(1, 1);
		if (!region)
			return -E_NOMEM;
		memset(hpa_to_ptr(region), 0, PAGE_SIZE);
		*(u32 *)hpa_to_ptr(region) = caps.revision;
		vmxon_region[cpu] = region;
	}
	if (vmxon(region) != 0) {
		pr_err("vmx: CPU %u: VMXON failed (CR0 %#llx, CR4 %#llx)\n", cpu,
		       (unsigned long long)cr0, (unsigned long long)cr4);
		return -E_FAULT;
	}
	kprintf("vmx: CPU %u in VMX root operation\n", cpu);
	return 0;
}

const struct vmx_caps *vmx_caps_of(void)
{
	return &caps;
}
