// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM paravirtual hypercalls and PV EOI (see vmm/virt/pv.h).
 */
#include "vmm/virt/pv.h"
#include "vmm/virt/cluster.h"
#include "vmm/virt/cpuid.h"
#include "vmm/virt/irq.h"
#include "vmm/virt/exit.h"
#include "vmm/virt/vm.h"
#include "vmm/virt/virt.h"

#define PV_EOI_PENDING 1u /* bit 0 of the guest's PV EOI word */

static struct vcpu *vcpu_by_apic_id(struct vm *vm, u64 apic_id)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].lapic.id == apic_id)
			return &vm->vcpus[i];
	return NULL;
}

/* KICK_CPU: the target waits in a PV spinlock (HLT, maybe with interrupts off). */
static u64 hc_kick_cpu(struct vm *vm, u64 apic_id)
{
	struct vcpu *t = vcpu_by_apic_id(vm, apic_id);

	if (!t)
		return (u64)-22; /* -EINVAL */
	__atomic_store_n(&t->pv_unhalt, 1, __ATOMIC_RELEASE);
	vcpu_kick(t);
	return 0;
}

/* SEND_IPI: a 128-bit map of APIC ids from min upwards, and the ICR's low word. */
static u64 hc_send_ipi(struct vm *vm, u64 lo, u64 hi, u64 min, u64 icr)
{
	u64 sent = 0, map[VM_MAX_VCPUS / 64] = { 0 };

	for (u32 bit = 0; bit < 128; bit++) {
		struct vcpu *t;
		if (!((bit < 64 ? lo >> bit : hi >> (bit - 64)) & 1))
			continue;
		t = vcpu_by_apic_id(vm, min + bit);
		if (!t)
			continue;
		map[t->id / 64] |= 1ULL << (t->id % 64);
		sent++;
	}
	/* (one message per other node, whatever the number of its targets) */
	irq_deliver_set(vm, map, (u8)((icr >> 8) & 7), (u8)icr, false);
	return sent;
}

void pv_hypercall(struct vcpu *v)
{
	u64 *r = v->regs.gpr, ret;
	struct vcpu_sys p;

	/* Only the guest kernel may make hypercalls: a user process that could send
	 * INIT or NMI to other vCPUs would take the guest down (KVM: -KVM_EPERM). */
	virt->get_sys(v, &p);
	if (p.cpl != 0) {
		r[GPR_RAX] = (u64)-KVM_EPERM;
		vcpu_skip_insn(v);
		return;
	}
	switch (r[GPR_RAX]) {
	/* (Only what CPUID offers: across nodes PV unhalt is not, nopv hides both.) */
	case KVM_HC_KICK_CPU:
		ret = (cpuid_kvm_pv_features & KVM_FEATURE_PV_UNHALT)
			      ? hc_kick_cpu(v->vm, r[GPR_RCX])
			      : (u64)-KVM_ENOSYS;
		break;
	case KVM_HC_SEND_IPI:
		ret = (cpuid_kvm_pv_features & KVM_FEATURE_PV_SEND_IPI)
			      ? hc_send_ipi(v->vm, r[GPR_RBX], r[GPR_RCX], r[GPR_RDX], r[GPR_RSI])
			      : (u64)-KVM_ENOSYS;
		break;
	default: ret = (u64)-KVM_ENOSYS; break;
	}
	r[GPR_RAX] = ret;
	vcpu_skip_insn(v);
}

int pv_eoi_enable(struct vcpu *v, u64 val)
{
	if ((val & 1) && (val & 2))
		return -E_INVAL; /* the word must be 4-byte aligned */
	v->pv_eoi_msr = val;
	v->pv_eoi_offered = false;
	return 0;
}

/*
 * The guest's PV EOI word, or NULL. Across nodes its page is the coherence protocol's:
 * the monitor offers PV EOI (writes the word) only from the boot core's vCPU and only
 * while this node holds the page for writing. Between that vCPU's entry and the exit's
 * take-back the protocol does not run (vm.c takes the offer back before its poll if the
 * entry did not happen), so the page is still here, with one exception: the VMX back
 * end reads the guest's PDPTEs through the protocol while it decodes a CR write under
 * PAE paging (a 32-bit PAE guest; not Linux in 64-bit mode). Then the page may have
 * left, and the monitor takes it back (waiting) rather than lose an EOI the guest made:
 * the guest's write to the word went with the page.
 */
static u32 *pv_eoi_word(struct vcpu *v, bool offer)
{
	struct vm *vm = v->vm;
	gpa_t gpa = v->pv_eoi_msr & ~3ULL;

	if (!(v->pv_eoi_msr & 1))
		return NULL;
	if (vm->cluster && offer &&
	    (v->id != vm->first_local || !vm->cluster->writable_here(vm, gpa)))
		return NULL;
	if (vm->cluster && !offer && !vm->cluster->writable_here(vm, gpa) &&
	    vm->cluster->take(vm, gpa, sizeof(u32), true) != 0)
		return NULL;
	return vm_gpa_ptr(vm, gpa, sizeof(u32));
}

/* Safe only when nothing else waits, deliverable or not (the EOI would have to
 * deliver it: an interrupt blocked by the one in service would otherwise sit
 * until the next exit), and the
 * interrupt in service is edge-triggered (a level one must reach the IOAPIC). */
void pv_eoi_before_entry(struct vcpu *v)
{
	u32 *word;

	if (v->pv_eoi_offered || vlapic_irr_any(&v->lapic) || !vlapic_isr_edge_only(&v->lapic))
		return;
	word = pv_eoi_word(v, true);
	if (!word) {
		v->pv_eoi_declined += v->vm->cluster && (v->pv_eoi_msr & 1);
		return;
	}
	__atomic_fetch_or(word, PV_EOI_PENDING, __ATOMIC_RELEASE);
	v->pv_eoi_offered = true;
}

void pv_eoi_after_exit(struct vcpu *v)
{
	u32 *word;

	if (!v->pv_eoi_offered)
		return;
	word = pv_eoi_word(v, false);
	if (!word)
		return;
	v->pv_eoi_offered = false;
	/* Still set: the guest has not ended the interrupt yet; take the offer back. */
	if (__atomic_fetch_and(word, ~PV_EOI_PENDING, __ATOMIC_ACQ_REL) & PV_EOI_PENDING)
		return;
	vlapic_eoi_pv(&v->lapic);
	v->pv_eois++;
}
