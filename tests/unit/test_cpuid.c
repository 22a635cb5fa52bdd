// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's CPUID policy: virtualization extensions hidden, hypervisor bit
 * and Unum signature present, per-vCPU APIC id and count, XSAVE hidden while
 * XSETBV is not emulated, the rest of the host's answer untouched; and the
 * back end (SVM or VMX) picked from the host's CPUID.
 */
#include "tests/unit/check.h"
#include "vmm/virt/cpuid.h"
#include "vmm/virt/virt_pick.h"

static const struct cpuid_regs all_ones = { ~0u, ~0u, ~0u, ~0u };

TEST(leaf1)
{
	struct cpuid_regs r = cpuid_policy(1, 0, all_ones, 3, 8);

	CHECK(r.ecx & (1u << 31));    /* hypervisor */
	CHECK(!(r.ecx & (1u << 5)));  /* VMX */
	CHECK(!(r.ecx & (1u << 3)));  /* MONITOR */
	CHECK(!(r.ecx & (1u << 26))); /* XSAVE */
	CHECK(!(r.ecx & (1u << 27))); /* OSXSAVE */
	CHECK(r.ecx & (1u << 0));     /* SSE3 passes through */
	CHECK(r.ecx & (1u << 21));    /* x2APIC: the virtual LAPIC has it */
	CHECK(r.ecx & (1u << 24));    /* TSC deadline */
	CHECK_EQ(r.ebx >> 24, 3);
	CHECK_EQ((r.ebx >> 16) & 0xff, 8);
	CHECK_EQ(r.ebx & 0xffff, 0xffff);
	CHECK_EQ(r.edx, ~0u & ~((1u << 7) | (1u << 12) | (1u << 14))); /* no MCE, MTRR, MCA */
	CHECK_EQ(r.eax, ~0u);
	r = cpuid_policy(1, 0, (struct cpuid_regs){ 0, 0, 0, 0 }, 0, 1);
	CHECK(r.ecx & (1u << 21)); /* even when the host has no x2APIC */
}

/* The topology leaves: the vCPU's x2APIC id (up to the 256th vCPU's), and each vCPU a
 * package of one core of one thread, whatever the host says (its shifts would make
 * vCPUs of different nodes siblings). */
TEST(topology_leaves_give_the_vcpus_x2apic_id)
{
	struct cpuid_regs r;

	CHECK_EQ(cpuid_policy(0xb, 0, all_ones, 3, 8).edx, 3);
	CHECK_EQ(cpuid_policy(0xb, 1, all_ones, 255, 256).edx, 255);
	CHECK_EQ(cpuid_policy(0x1f, 0, all_ones, 200, 256).edx, 200);
	r = cpuid_policy(0xb, 0, all_ones, 3, 8);
	CHECK_EQ(r.eax, 0);	/* shift to the next level */
	CHECK_EQ(r.ebx, 1);	/* one thread */
	CHECK_EQ(r.ecx, 0x100); /* level 0, SMT */
	r = cpuid_policy(0xb, 1, all_ones, 3, 8);
	CHECK_EQ(r.eax, 0);
	CHECK_EQ(r.ebx, 1);
	CHECK_EQ(r.ecx, 0x201); /* level 1, core */
	r = cpuid_policy(0x1f, 2, all_ones, 3, 8);
	CHECK_EQ(r.ebx, 0); /* no more levels */
	CHECK_EQ(r.ecx, 2);
	CHECK_EQ((cpuid_policy(1, 0, all_ones, 255, 256).ebx >> 24), 255);
}

TEST(svm_hidden)
{
	struct cpuid_regs r = cpuid_policy(0x80000001, 0, all_ones, 0, 1);

	CHECK(!(r.ecx & (1u << 2)));
	CHECK(r.ecx & (1u << 0));
	r = cpuid_policy(0x8000000a, 0, all_ones, 0, 1);
	CHECK_EQ(r.eax | r.ebx | r.ecx | r.edx, 0);
}

TEST(signature)
{
	struct cpuid_regs r = cpuid_policy(CPUID_UNUM_BASE, 0, all_ones, 0, 1);
	char sig[13] = { 0 };

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	CHECK_STR(sig, "UnumUnumUnum");
	CHECK_EQ(r.eax, CPUID_UNUM_BASE);
	r = cpuid_policy(CPUID_UNUM_BASE + 0x200, 0, all_ones, 0, 1);
	CHECK_EQ(r.eax | r.ebx | r.ecx | r.edx, 0);
}

TEST(kvm_paravirtual_leaves)
{
	struct cpuid_regs r = cpuid_policy(CPUID_KVM_BASE, 0, all_ones, 0, 1);
	char sig[13] = { 0 };

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	CHECK(memcmp(sig, "KVMKVMKVM\0\0\0", 12) == 0);
	CHECK_EQ(r.eax, CPUID_KVM_FEATURES);
	r = cpuid_policy(CPUID_KVM_FEATURES, 0, all_ones, 0, 1);
	/* only what is implemented: kvmclock (new MSRs) and its stable bit, PV EOI,
	 * PV unhalt, PV send-IPI */
	CHECK_EQ(r.eax, (1u << 3) | (1u << 24) | (1u << 6) | (1u << 7) | (1u << 11));
	CHECK_EQ(r.edx, 0);
}

TEST(invariant_tsc_and_passthrough)
{
	struct cpuid_regs zero = { 0, 0, 0, 0 };
	struct cpuid_regs r = cpuid_policy(0x80000007, 0, zero, 0, 1);

	CHECK(r.edx & (1u << 8));
	r = cpuid_policy(0, 0, all_ones, 0, 1);
	CHECK_EQ(r.ebx, ~0u);
	r = cpuid_policy(0xd, 0, all_ones, 0, 1);
	CHECK_EQ(r.eax | r.ebx | r.ecx | r.edx, 0);
}

/* Leaf 6 shows only ARAT: no APERF/MPERF (ECX bit 0), no thermal sensor or HWP,
 * whose MSRs the monitor does not have; whatever the host has, or lacks. */
TEST(power_leaf)
{
	struct cpuid_regs zero = { 0, 0, 0, 0 };
	struct cpuid_regs r = cpuid_policy(6, 0, all_ones, 0, 1);

	CHECK_EQ(r.eax, 1u << 2);
	CHECK_EQ(r.ebx | r.ecx | r.edx, 0);
	r = cpuid_policy(6, 0, zero, 0, 1);
	CHECK_EQ(r.eax, 1u << 2);
}

/* Shadow page tables hide the paging features they do not shadow; without them,
 * those pass through. */
TEST(shadow_paging_hides_features)
{
	struct cpuid_regs r;

	cpuid_shadow_paging = false;
	CHECK(cpuid_policy(1, 0, all_ones, 0, 1).ecx & (1u << 17)); /* PCID */
	CHECK_EQ(cpuid_policy(7, 0, all_ones, 0, 1).ecx, ~0u);
	cpuid_shadow_paging = true;
	CHECK(!(cpuid_policy(1, 0, all_ones, 0, 1).ecx & (1u << 17)));
	r = cpuid_policy(7, 0, all_ones, 0, 1);
	CHECK(!(r.ebx & (1u << 10)));			       /* INVPCID */
	CHECK(!(r.ecx & (1u << 3)));			       /* PKU */
	CHECK(!(r.ecx & (1u << 7)));			       /* CET shadow stacks */
	CHECK(!(r.ecx & (1u << 16)));			       /* LA57 */
	CHECK(r.ebx & (1u << 7));			       /* SMEP passes through */
	CHECK_EQ(cpuid_policy(7, 1, all_ones, 0, 1).ecx, ~0u); /* other subleaves untouched */
	CHECK_EQ(cpuid_policy(0x80000008, 0, all_ones, 0, 1).ebx, ~(1u << 3)); /* INVLPGB */
	cpuid_shadow_paging = false;
	CHECK_EQ(cpuid_policy(0x80000008, 0, all_ones, 0, 1).ebx, ~0u);
}

/* The back end comes from CPUID: a fake CPU answers from these words. */
static u32 fake_max, fake_max_ext, fake_c1_ecx, fake_e1_ecx;

static struct cpuid_regs fake_cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	(void)subleaf;
	if (leaf == 0)
		r.eax = fake_max;
	else if (leaf == 1)
		r.ecx = fake_c1_ecx;
	else if (leaf == 0x80000000)
		r.eax = fake_max_ext;
	else if (leaf == 0x80000001)
		r.ecx = fake_e1_ecx;
	return r;
}

static enum virt_kind pick(u32 max, u32 c1_ecx, u32 max_ext, u32 e1_ecx)
{
	fake_max = max;
	fake_c1_ecx = c1_ecx;
	fake_max_ext = max_ext;
	fake_e1_ecx = e1_ecx;
	return virt_kind_of(fake_cpuid);
}

TEST(back_end_from_cpuid)
{
	/* an AMD CPU: SVM in 8000_0001h ECX bit 2 (QEMU's qemu64,+svm) */
	CHECK_EQ(pick(0xd, 0x80a02201, 0x8000000a, 0x25), VIRT_SVM);
	/* an Intel CPU: VMX in leaf 1 ECX bit 5 (Bochs's Sandy Bridge), no SVM bit */
	CHECK_EQ(pick(0xd, 0x1fbae3ff, 0x80000008, 0x1), VIRT_VMX);
	/* neither: no back end */
	CHECK_EQ(pick(0xd, 0x80a02001, 0x80000008, 0x1), VIRT_NONE);
	/* 8000_0001h beyond the CPU's extended leaves is not believed */
	CHECK_EQ(pick(0xd, 0, 0x80000000, 1u << 2), VIRT_NONE);
	/* nor leaf 1 on a CPU whose leaf 0 says it has none */
	CHECK_EQ(pick(0, 1u << 5, 0x80000008, 0), VIRT_NONE);
}
