// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt routing (see vmm/dev/irq.h) and the MMIO faces of the IOAPIC
 * and of the local APIC page.
 */
#include "vmm/dev/irq.h"
#include "vmm/acpi.h"
#include "vmm/dev/ioapic.h"
#include "vmm/log.h"
#include "vmm/mmio.h"
#include "vmm/vm.h"

#define DELIVERY_FIXED 0
#define DELIVERY_LOWEST 1

void irq_deliver(struct vm *vm, u32 dest, bool logical, u8 mode, u8 vector, bool level)
{
	if (mode != DELIVERY_FIXED && mode != DELIVERY_LOWEST) {
		pr_debug("irq: delivery mode %u to %#x not routed yet\n", mode, dest);
		return;
	}
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vlapic *a = &vm->vcpus[i].lapic;
		if (!vlapic_match_dest(a, dest, logical))
			continue;
		vlapic_set_irr(a, vector, level);
		if (mode == DELIVERY_LOWEST)
			break; /* any one of them will do */
	}
}

static void ioapic_to_lapics(void *ctx, u32 dest, bool logical, u8 mode, u8 vector, bool level)
{
	irq_deliver(ctx, dest, logical, mode, vector, level);
}

static void level_eoi(void *ctx, u8 vector)
{
	ioapic_eoi(&((struct vm *)ctx)->ioapic, vector);
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
	struct mmio_device io = { "IOAPIC", IOAPIC_GPA, PAGE_SIZE, ioapic_read, ioapic_write,
				  &vm->ioapic };
	struct mmio_device lapic = { "local APIC", LAPIC_GPA, PAGE_SIZE, lapic_read, lapic_write,
				     NULL };
	int rc;

	ioapic_init(&vm->ioapic, vm->nvcpus, ioapic_to_lapics, vm);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i].lapic.level_eoi = level_eoi;
		vm->vcpus[i].lapic.eoi_ctx = vm;
	}
	rc = mmio_register(&io);
	return rc ? rc : mmio_register(&lapic);
}
