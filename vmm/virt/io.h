/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest port I/O: devices register the port ranges they emulate; every IN
 * and OUT the guest executes is intercepted and dispatched here. A port no
 * device claims reads as all ones and ignores writes, like an empty ISA bus.
 */
#ifndef UNUM_VMM_VIRT_IO_H
#define UNUM_VMM_VIRT_IO_H

#include "vmm/virt/vcpu.h"

struct io_device {
	const char *name;
	u16 base, count;
	u32 (*read)(struct vcpu *v, void *ctx, u16 port, u8 size);
	void (*write)(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val);
	void *ctx;
};

/* Returns 0, or -E_EXIST if the range overlaps a registered one, -E_NOSPC if full. */
int io_register(const struct io_device *dev);
void io_handle_exit(struct vcpu *v);
/* One access to a port on behalf of v (possibly a vCPU of another node);
 * returns what an IN reads. Caller holds dev_lock. */
u32 io_access(struct vcpu *v, u16 port, u8 size, bool in, u32 val);
/* Finishes v's port I/O exit with the value read (IN) and advances RIP. */
void io_complete(struct vcpu *v, u32 val);

#endif
