// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest MSR policy (see vmm/virt/msr.h).
 */
#include "vmm/virt/msr.h"
#include "vmm/virt/cpuid.h"
#include "vmm/host/log.h"
#include "vmm/virt/virt.h"
#include "vmm/lib/x86.h"
#include "vmm/dev/vlapic.h"
#include "vmm/dev/kvmclock.h"
#include "vmm/virt/vm.h"
#include "vmm/virt/pv.h"
#include "vmm/virt/guest_mem.h"
#include "vmm/host/tsc.h"

#define MSR_IA32_TSC	     0x10
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_PAT	     0x277
#define MSR_UCODE_REV	     0x8b
#define EFER_SCE	     (1ULL << 0)
#define EFER_LME	     (1ULL << 8)
#define EFER_LMA	     (1ULL << 10)
#define EFER_NXE	     (1ULL << 11)
#define EFER_GUEST_BITS	     (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

const u32 msr_passthrough[] = {
	MSR_FS_BASE, MSR_GS_BASE, 0xc0000102,		/* KERNEL_GS_BASE */
	0xc0000081,  0xc0000082,  0xc0000083, 0xc0000084, /* STAR LSTAR CSTAR SFMASK */
	0x174,	     0x175,	  0x176,		/* SYSENTER_CS ESP EIP */
	0xc0000103,					/* TSC_AUX (RDTSCP, RDPID) */
};
const u32 msr_passthrough_count = ARRAY_SIZE(msr_passthrough);

/* Unknown MSRs are reported once each, the first 32 of them, then said to be no longer
 * reported: a guest probing in a loop, or a hostile one trying every index, must not
 * flood the log (tests/fuzz/fuzz-guest tried 2,733 in 10,000 operations). (Any core:
 * the table is best effort, the count atomic.) */
static void report_unknown(struct vcpu *v, u32 msr, bool write)
{
	static u32 reported[32];
	static u32 nreported;
	u32 n = __atomic_load_n(&nreported, __ATOMIC_RELAXED);

	for (u32 i = 0; i < n && i < ARRAY_SIZE(reported); i++)
		if (reported[i] == msr)
			return;
	n = __atomic_fetch_add(&nreported, 1, __ATOMIC_RELAXED);
	if (n < ARRAY_SIZE(reported)) {
		reported[n] = msr;
		pr_warn("guest: vCPU %u %s unknown MSR %#x at RIP %#llx: #GP\n", v->id,
			write ? "wrote" : "read", msr, (unsigned long long)v->regs.rip);
	} else if (n == ARRAY_SIZE(reported)) {
		pr_warn("guest: vCPU %u %s unknown MSR %#x at RIP %#llx: #GP; unknown MSRs are "
			"not reported one by one from now on (each is a #GP)\n",
			v->id, write ? "wrote" : "read", msr, (unsigned long long)v->regs.rip);
	}
}

static bool is_lapic_msr(u32 msr)
{
	return msr == MSR_IA32_APIC_BASE || msr == 0x6e0 || (msr >= 0x800 && msr <= 0x8ff);
}

/* kvmclock: the guest names where its time pages are; the monitor fills them. */
static int kvmclock_write(struct vcpu *v, u32 msr, u64 val)
{
	struct vm *vm = v->vm;
	u64 tsc = rdtsc();

	/* Filled in a copy, written back whole: across nodes the accessors take the
	 * page through the coherence protocol, from any core. (No reader runs
	 * meanwhile: the vCPU that reads it is in this exit; the wall clock is read
	 * at boot, before the other vCPUs start.) An address outside RAM is ignored. */
	if (msr == MSR_KVM_SYSTEM_TIME_NEW) {
		struct pvclock_vcpu_time_info t = { 0 };
		v->kvm_system_time = val;
		if ((val & 1) && vm_read_guest(vm, val & ~1ULL, &t, sizeof(t)) == 0) {
			/* (one read of the offset: the time re-check may move it) */
			u64 guest_tsc = tsc + __atomic_load_n(&vm->tsc_offset, __ATOMIC_RELAXED);
			u64 since = guest_tsc - vm->tsc_base; /* in the guest's frequency */
			kvmclock_fill(&t, guest_tsc,
				      (u64)((unsigned __int128)since * 1000000000u / vm->tsc_hz),
				      vm->tsc_hz);
			vm_write_guest(vm, val & ~1ULL, &t, sizeof(t));
		}
		return 0;
	}
	struct pvclock_wall_clock w = { 0 };
	vm->kvm_wall_clock = val;
	if (vm_read_guest(vm, val, &w, sizeof(w)) == 0) {
		w.version = (w.version | 1) + 1;
		w.sec = (u32)vm->boot_epoch;
		w.nsec = 0;
		vm_write_guest(vm, val, &w, sizeof(w));
	}
	return 0;
}

void kvmclock_guest_stopped(struct vcpu *v)
{
	struct pvclock_vcpu_time_info t;
	gpa_t gpa = v->kvm_system_time & ~1ULL;
	u32 version;

	if (!(v->kvm_system_time & 1) || vm_read_guest(v->vm, gpa, &t, sizeof(t)) != 0)
		return;
	/* The version protocol, as for any change: odd while the page changes (the vDSO
	 * reads vCPU 0's page from every CPU). */
	version = (t.version | 1) + 1;
	t.version |= 1;
	t.flags |= PVCLOCK_GUEST_STOPPED;
	vm_write_guest(v->vm, gpa, &t.version, sizeof(t.version));
	vm_write_guest(v->vm, gpa + __builtin_offsetof(struct pvclock_vcpu_time_info, flags), &t.flags,
		       sizeof(t.flags));
	vm_write_guest(v->vm, gpa, &version, sizeof(version));
}

int msr_guest_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (msr == MSR_KVM_SYSTEM_TIME_NEW || msr == MSR_KVM_WALL_CLOCK_NEW) {
		*val = msr == MSR_KVM_SYSTEM_TIME_NEW ? v->kvm_system_time : v->vm->kvm_wall_clock;
		return 0;
	}
	if (msr == MSR_KVM_PV_EOI_EN && (cpuid_kvm_pv_features & KVM_FEATURE_PV_EOI)) {
		*val = v->pv_eoi_msr;
		return 0;
	}
	if (is_lapic_msr(msr))
		return vlapic_msr_read(&v->lapic, msr, val);
	struct vcpu_sys sys;

	switch (msr) {
	case MSR_EFER:
		virt->get_sys(v, &sys);
		*val = sys.efer;
		return 0;
	case MSR_IA32_TSC: *val = vm_guest_tsc(v->vm); return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = 1; /* fast strings */
		return 0;
	case MSR_IA32_PAT:
		virt->get_sys(v, &sys);
		*val = sys.pat;
		return 0;
	case MSR_UCODE_REV:
		*val = 0; /* no microcode patch level to report */
		return 0;
	default: report_unknown(v, msr, false); return -E_INVAL;
	}
}

int msr_guest_write(struct vcpu *v, u32 msr, u64 val)
{
	struct vcpu_sys sys;

	if (msr == MSR_KVM_SYSTEM_TIME_NEW || msr == MSR_KVM_WALL_CLOCK_NEW)
		return kvmclock_write(v, msr, val);
	/* (PV EOI only where CPUID offers it: `nopv` hides it.) */
	if (msr == MSR_KVM_PV_EOI_EN && (cpuid_kvm_pv_features & KVM_FEATURE_PV_EOI))
		return pv_eoi_enable(v, val);
	if (is_lapic_msr(msr))
		return vlapic_msr_write(&v->lapic, msr, val);
	switch (msr) {
	case MSR_EFER:
		if (val & ~EFER_GUEST_BITS)
			return -E_INVAL; /* reserved bits (and SVME: the guest has no SVM) */
		/* NXE only on a CPU with NX; LME cannot change while paging is on (SDM vol. 3A
		 * 10.8.5, AMD APM vol. 2 14.6.1): VM entry would refuse that state. */
		if ((val & EFER_NXE) && !(cpuid(0x80000001, 0).edx & (1u << 20)))
			return -E_INVAL;
		virt->get_sys(v, &sys);
		if ((sys.cr0 & X86_CR0_PG) && ((val ^ sys.efer) & EFER_LME))
			return -E_INVAL;
		sys.efer = val;
		virt->set_sys(v, &sys, SYS_EFER);
		return 0;
	case MSR_IA32_MISC_ENABLE:
	case MSR_UCODE_REV: return 0;
	case MSR_IA32_PAT:
		/* each byte a memory type 0, 1, 4, 5, 6 or 7 (SDM 11.12.2) */
		for (int i = 0; i < 8; i++)
			if (((val >> (8 * i)) & 0xf8) || ((val >> (8 * i)) & 0xff) == 2 ||
			    ((val >> (8 * i)) & 0xff) == 3)
				return -E_INVAL;
		sys.pat = val;
		virt->set_sys(v, &sys, SYS_PAT);
		return 0;
	default: report_unknown(v, msr, true); return -E_INVAL;
	}
}
