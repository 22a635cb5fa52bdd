/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest MMIO: devices register guest-physical ranges; the nested page tables
 * leave those ranges unmapped, so every access faults, and the faulting
 * instruction is fetched through the guest's page tables, decoded and
 * executed against the device (vmm/emu/emulate.c). An access to an address with
 * neither RAM nor a device stops the guest with a report: no device the
 * monitor offers lives there, so the guest has gone astray.
 */
#ifndef UNUM_VMM_VIRT_MMIO_H
#define UNUM_VMM_VIRT_MMIO_H

#include "vmm/virt/vcpu.h"
#include "vmm/emu/gwalk.h"

struct mmio_device {
	const char *name;
	gpa_t base;
	u64 size;
	/* offset from base; size 1, 2, 4 or 8; 0 or a negative error (stops the guest) */
	int (*read)(struct vcpu *v, void *ctx, u64 offset, unsigned size, u64 *val);
	int (*write)(struct vcpu *v, void *ctx, u64 offset, unsigned size, u64 val);
	void *ctx;
	bool per_vcpu; /* state kept with each vCPU (the LAPIC): never sent to node 0 */
};

/* 0, -E_EXIST if the range overlaps a registered one, -E_NOSPC if full. */
int mmio_register(const struct mmio_device *dev);
void mmio_handle_npf(struct vcpu *v);
/* The write to guest RAM that made this nested page fault, emulated through the
 * shadow page tables (shadow_vm_wrote): 0, or a negative error (not emulated). */
int mmio_emulate_pt_write(struct vcpu *v);
/* The vCPU's paging state, for the guest walker (its own CR3, shadows or not). */
void vcpu_walk_state(struct vcpu *v, struct gwalk_cpu *cpu);
/* Reads len bytes of instructions at linear address la: how many could be read. */
int vcpu_fetch(struct vcpu *v, gva_t la, u8 *buf, unsigned len);
/* An access to the device at gpa, for a vCPU of another node (node 0 serves
 * them): 0, -E_NOENT where there is no device, or the device's error. */
int mmio_access(struct vcpu *v, gpa_t gpa, unsigned size, bool write, u64 *val);

#endif
