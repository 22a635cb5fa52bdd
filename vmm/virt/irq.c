// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt routing (see vmm/virt/irq.h) and the MMIO faces of the IOAPIC
 * and of the local APIC page.
 */
#include "vmm/virt/irq.h"
#include "vmm/dev/platform.h"
#include "vmm/dev/ioapic.h"
#include "vmm/host/log.h"
#include "vmm/virt/mmio.h"
#include "vmm/virt/vm.h"
#include "vmm/virt/cluster.h"
#include "vmm/virt/shadow_vm.h"
#include "vmm/host/idt.h"
#include "vmm/host/percpu.h"
#include "vmm/host/lapic.h"

#define DELIVERY_FIXED	 0
#define DELIVERY_LOWEST	 1
#define DELIVERY_NMI	 4
#define DELIVERY_INIT	 5
#define DELIVERY_STARTUP 6
#define ICR_LOGICAL	 (1u << 11)
#define ICR_ASSERT	 (1u << 14)
#define ICR_LEVEL	 (1u << 15)

static void level_eoi(void *ctx, u8 vector);

/* vCPU i runs on physical CPU i: a vCPU other than this CPU's gets an IPI. */
void vcpu_kick(struct vcpu *v)
{
	if (vcpu_is_local(v->vm, v->id) && v->id - v->vm->first_local != this_cpu_id())
		lapic_send_ipi(v->apic_id_phys, VEC_KICK);
}

/* The targets of one interrupt, as a bitmap of vCPU ids. */
struct irq_set {
	u64 map[VM_MAX_VCPUS / 64];
};

static void set_add(struct irq_set *s, u32 id)
{
	s->map[id / 64] |= 1ULL << (id % 64);
}

static bool set_has(const u64 *map, u32 id)
{
	return (map[id / 64] >> (id % 64)) & 1;
}

/* This node's targets get the interrupt now; each other node gets one message
 * naming all of its targets (a broadcast IPI is one message per node). */
void irq_deliver_set(struct vm *vm, const u64 *map, u8 mode, u8 vector, bool level)
{
	for (u32 n = 0; n < vm->nnodes; n++) {
		struct irq_set there = { { 0 } };
		bool any = false;
		for (u32 i = 0; i < vm->nvcpus; i++) {
			if (vm->vcpu_node[i] != n || !set_has(map, i))
				continue;
			if (n == vm->self) {
				irq_deliver_vcpu(&vm->vcpus[i], mode, vector, level);
			} else {
				set_add(&there, i);
				any = true;
			}
		}
		if (!any)
			continue;
		if (mode == DELIVERY_STARTUP && vm->shadow)
			shadow_vm_remote_start(vm); /* (before: the vCPU may run at once) */
		vm->cluster->deliver(vm, n, there.map, mode, vector, level);
	}
}

void irq_deliver_vcpu(struct vcpu *t, u8 mode, u8 vector, bool level)
{
	switch (mode) {
	case DELIVERY_FIXED:
	case DELIVERY_LOWEST: vlapic_set_irr(&t->lapic, vector, level); break;
	case DELIVERY_NMI: __atomic_store_n(&t->pending_nmi, 1, __ATOMIC_RELEASE); break;
	case DELIVERY_INIT: __atomic_store_n(&t->pending_init, 1, __ATOMIC_RELEASE); break;
	case DELIVERY_STARTUP:
		__atomic_store_n(&t->pending_sipi, 0x100u | vector, __ATOMIC_RELEASE);
		break;
	default: return; /* SMI and reserved modes: nothing to do */
	}
	vcpu_kick(t);
}

/* Does vCPU t answer to dest? A vCPU another node runs has a LAPIC here that
 * never sees its register writes: match it as if in the mode of `like` (the
 * sender, or this node's first vCPU), as guests switch all CPUs to x2APIC
 * together. (Remote xAPIC logical IDs are not known yet: flat logical
 * destinations reach only this node's vCPUs.) */
static bool matches(const struct vm *vm, const struct vcpu *t, const struct vlapic *like, u32 dest,
		    bool logical)
{
	struct vlapic copy;

	if (vcpu_is_local(vm, t->id))
		return vlapic_match_dest(&t->lapic, dest, logical);
	copy = t->lapic;
	copy.apic_base = like->apic_base;
	return vlapic_match_dest(&copy, dest, logical);
}

void irq_deliver(struct vm *vm, u32 dest, bool logical, u8 mode, u8 vector, bool level)
{
	const struct vlapic *like = &vm->vcpus[vm->first_local].lapic;
	struct irq_set s = { { 0 } };

	for (u32 i = 0; i < vm->nvcpus; i++) {
		if (!matches(vm, &vm->vcpus[i], like, dest, logical))
			continue;
		set_add(&s, i);
		if (mode == DELIVERY_LOWEST)
			break; /* any one of them will do */
	}
	irq_deliver_set(vm, s.map, mode, vector, level);
}

/* An interrupt command from a vCPU's LAPIC: shorthands, then destinations. */
static void send_ipi(void *ctx, struct vlapic *from, u32 lo, u32 dest)
{
	struct vm *vm = ctx;
	u32 shorthand = (lo >> 18) & 3, mode = (lo >> 8) & 7;
	struct irq_set s = { { 0 } };

	/* An INIT with level de-assert is the old handshake's second half: nothing. */
	if (mode == DELIVERY_INIT && (lo & ICR_LEVEL) && !(lo & ICR_ASSERT))
		return;
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = &vm->vcpus[i];
		bool self = &t->lapic == from;
		bool hit = shorthand == 1   ? self
			   : shorthand == 2 ? true
			   : shorthand == 3 ? !self
					    : matches(vm, t, from, dest, lo & ICR_LOGICAL);
		if (!hit)
			continue;
		set_add(&s, i);
		if (mode == DELIVERY_LOWEST)
			break;
	}
	irq_deliver_set(vm, s.map, (u8)mode, (u8)lo, false);
}

void irq_attach_vcpu(struct vm *vm, struct vcpu *v)
{
	v->lapic.level_eoi = level_eoi;
	v->lapic.eoi_ctx = vm;
	v->lapic.send_ipi = send_ipi;
	v->lapic.ipi_ctx = vm;
}

static void ioapic_to_lapics(void *ctx, u32 dest, bool logical, u8 mode, u8 vector, bool level)
{
	irq_deliver(ctx, dest, logical, mode, vector, level);
}

/* A level-triggered EOI reaches the IOAPIC, a platform device: under dev_lock
 * (already held when the EOI came through the xAPIC page, not through MSR 0x80b). */
static void level_eoi(void *ctx, u8 vector)
{
	struct vm *vm = ctx;
	bool held;

	if (vm->nnodes > 1 && vm->self != 0) { /* the IOAPIC that matters is node 0's */
		vm->cluster->eoi(vm, vector);
		return;
	}
	held = spin_held_by_me(&vm->dev_lock);
	if (!held)
		spin_lock(&vm->dev_lock);
	ioapic_eoi(&vm->ioapic, vector);
	if (!held)
		spin_unlock(&vm->dev_lock);
}

void irq_set_isa(struct vm *vm, u32 isa_irq, bool level)
{
	ioapic_set_pin(&vm->ioapic, isa_irq == 0 ? 2 : isa_irq, level);
}

static int ioapic_read(struct vcpu *v, void *ctx, u64 off, unsigned size, u64 *val)
{
	*val = size == 4 ? ioapic_mmio_read(ctx, off) : 0;
	return 0;
}

static int ioapic_write(struct vcpu *v, void *ctx, u64 off, unsigned size, u64 val)
{
	if (size == 4)
		ioapic_mmio_write(ctx, off, (u32)val);
	return 0;
}

/* The xAPIC page is per vCPU: the accessing vCPU reaches its own LAPIC. */
static int lapic_read(struct vcpu *v, void *ctx, u64 off, unsigned size, u64 *val)
{
	*val = size == 4 && !(off & 3) ? vlapic_mmio_read(&v->lapic, (u32)off) : 0;
	return 0;
}

static int lapic_write(struct vcpu *v, void *ctx, u64 off, unsigned size, u64 val)
{
	if (size == 4 && !(off & 3))
		vlapic_mmio_write(&v->lapic, (u32)off, (u32)val);
	return 0;
}

int irq_init(struct vm *vm)
{
	struct mmio_device io = { "IOAPIC",	IOAPIC_GPA,  PAGE_SIZE, ioapic_read,
				  ioapic_write, &vm->ioapic, false };
	struct mmio_device lapic = { "local APIC", LAPIC_GPA, PAGE_SIZE, lapic_read,
				     lapic_write,  NULL,      true };
	int rc;

	/* The IOAPIC's id: the first after the vCPUs' APIC ids, as firmware numbers them,
	 * while that fits its 4-bit register, else 0 (its ids and the local APICs' are apart
	 * since the Pentium 4's system bus). */
	ioapic_init(&vm->ioapic, vm->nvcpus < 16 ? vm->nvcpus : 0, ioapic_to_lapics, vm);
	for (u32 i = 0; i < vm->nvcpus; i++)
		irq_attach_vcpu(vm, &vm->vcpus[i]);
	rc = mmio_register(&io);
	return rc ? rc : mmio_register(&lapic);
}
