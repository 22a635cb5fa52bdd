// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU identification and the virtualization feature report (see vmm/host/cpu.h).
 * VMX capability MSRs are read only when CPUID says VMX exists (reading
 * them otherwise raises #GP), and VM_CR only on SVM-capable CPUs.
 */
#include "vmm/host/cpu.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/lib/x86.h"

struct cpu_features boot_cpu;

#define BIT(n) (1u << (n))

static void detect_ident(struct cpu_features *f)
{
	struct cpuid_regs r = cpuid(0, 0);
	u32 fam;

	f->max_leaf = r.eax;
	memcpy(f->vendor, &r.ebx, 4);
	memcpy(f->vendor + 4, &r.edx, 4);
	memcpy(f->vendor + 8, &r.ecx, 4);
	f->amd = strcmp(f->vendor, "AuthenticAMD") == 0;
	f->intel = strcmp(f->vendor, "GenuineIntel") == 0;
	r = cpuid(1, 0);
	fam = (r.eax >> 8) & 0xf;
	f->family = fam == 0xf ? fam + ((r.eax >> 20) & 0xff) : fam;
	f->model = (r.eax >> 4) & 0xf;
	if (fam == 0x6 || fam == 0xf)
		f->model |= ((r.eax >> 16) & 0xf) << 4;
	f->stepping = r.eax & 0xf;
	f->x2apic = r.ecx & BIT(21);
	f->hypervisor = r.ecx & BIT(31);
	f->vmx = r.ecx & BIT(5);
	f->max_ext_leaf = cpuid(0x80000000, 0).eax;
	if (f->max_ext_leaf >= 0x80000004)
		for (u32 i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i, 0);
			memcpy(f->brand + 16 * i, &r, 16);
		}
}

static void detect_ext(struct cpu_features *f)
{
	struct cpuid_regs r;

	if (f->max_ext_leaf < 0x80000001)
		return;
	r = cpuid(0x80000001, 0);
	f->nx = r.edx & BIT(20);
	f->pdpe1gb = r.edx & BIT(26);
	f->svm = r.ecx & BIT(2);
	if (f->max_ext_leaf >= 0x80000007)
		f->tsc_invariant = cpuid(0x80000007, 0).edx & BIT(8);
	f->phys_addr_bits = f->max_ext_leaf >= 0x80000008 ? cpuid(0x80000008, 0).eax & 0xff : 36;
}

static void detect_svm(struct cpu_features *f)
{
	struct cpuid_regs r;

	if (!f->svm || f->max_ext_leaf < 0x8000000A)
		return;
	f->svm_disabled = rdmsr(MSR_VM_CR) & BIT(4);
	r = cpuid(0x8000000A, 0);
	f->svm_revision = r.eax & 0xff;
	f->svm_nasid = r.ebx;
	f->npt = r.edx & BIT(0);
	f->lbrv = r.edx & BIT(1);
	f->nrips = r.edx & BIT(3);
	f->vmcb_clean = r.edx & BIT(5);
	f->flush_by_asid = r.edx & BIT(6);
	f->decode_assists = r.edx & BIT(7);
	f->pause_filter = r.edx & BIT(10);
	f->pause_filter_threshold = r.edx & BIT(12);
	f->avic = r.edx & BIT(13);
	f->vgif = r.edx & BIT(16);
}

static void detect_vmx(struct cpu_features *f)
{
	u64 fc, ctls, ctls2;

	if (!f->vmx)
		return;
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	f->vmx_disabled = (fc & BIT(0)) && !(fc & BIT(2));
	ctls = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	if (!(ctls >> 32 & BIT(31)))
		return; /* no secondary controls: no EPT, no VPID */
	ctls2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;
	f->ept = ctls2 & BIT(1);
	f->vpid = ctls2 & BIT(5);
	f->unrestricted_guest = ctls2 & BIT(7);
}

void cpu_detect(struct cpu_features *f)
{
	memset(f, 0, sizeof(*f));
	detect_ident(f);
	detect_ext(f);
	detect_svm(f);
	detect_vmx(f);
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

void cpu_report(const struct cpu_features *f)
{
	const char *brand = f->brand;

	while (*brand == ' ')
		brand++;
	kprintf("cpu: %s family %#x model %#x stepping %u: %s\n", f->vendor, f->family, f->model,
		f->stepping, *brand ? brand : "(no brand string)");
	kprintf("cpu: %u physical address bits, NX %s, 1G pages %s, x2APIC %s, invariant TSC "
		"%s%s\n",
		f->phys_addr_bits, yn(f->nx), yn(f->pdpe1gb), yn(f->x2apic), yn(f->tsc_invariant),
		f->hypervisor ? ", running under a hypervisor" : "");
	kprintf("cpu: SVM %s%s, NPT %s; optional: NRIPS %s, VMCB clean bits %s, flush by ASID %s, "
		"decode assists %s, pause filter %s, AVIC %s, vGIF %s; %u ASIDs\n",
		yn(f->svm), f->svm_disabled ? " (disabled by firmware: VM_CR.SVMDIS)" : "",
		yn(f->npt), yn(f->nrips), yn(f->vmcb_clean), yn(f->flush_by_asid),
		yn(f->decode_assists), yn(f->pause_filter), yn(f->avic), yn(f->vgif), f->svm_nasid);
	kprintf("cpu: VMX %s%s, EPT %s, VPID %s, unrestricted guest %s\n", yn(f->vmx),
		f->vmx_disabled ? " (disabled by firmware: IA32_FEATURE_CONTROL)" : "", yn(f->ept),
		yn(f->vpid), yn(f->unrestricted_guest));
}
