// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port I/O dispatch (see vmm/virt/io.h). IN results are merged into RAX as the
 * CPU does: an 8- or 16-bit IN keeps the rest of RAX, a 32-bit IN clears
 * bits 63:32 (AMD APM vol. 3, "IN"; any 32-bit register write zero-extends).
 */
#include "vmm/virt/io.h"
#include "vmm/host/log.h"
#include "vmm/virt/exit.h"
#include "vmm/host/power.h"
#include "vmm/virt/vm.h"
#include "vmm/virt/cluster.h"

#define IO_MAX_DEVICES 32

static struct io_device io_devices[IO_MAX_DEVICES];
static u32 io_ndevices;

int io_register(const struct io_device *dev)
{
	for (u32 i = 0; i < io_ndevices; i++) {
		const struct io_device *d = &io_devices[i];
		if (dev->base < d->base + d->count && d->base < dev->base + dev->count) {
			pr_err("io: %s (ports %#x-%#x) overlaps %s (%#x-%#x)\n", dev->name,
			       dev->base, dev->base + dev->count - 1, d->name, d->base,
			       d->base + d->count - 1);
			return -E_EXIST;
		}
	}
	if (io_ndevices == IO_MAX_DEVICES) {
		pr_err("io: no room for %s: more than %d port devices\n", dev->name,
		       IO_MAX_DEVICES);
		return -E_NOSPC;
	}
	io_devices[io_ndevices++] = *dev;
	return 0;
}

static const struct io_device *io_find(u16 port)
{
	for (u32 i = 0; i < io_ndevices; i++)
		if (port >= io_devices[i].base && port < io_devices[i].base + io_devices[i].count)
			return &io_devices[i];
	return NULL;
}

static void io_merge_in(struct vcpu *v, u8 size, u32 val)
{
	u64 *rax = &v->regs.gpr[GPR_RAX];

	if (size == 1)
		*rax = (*rax & ~0xffULL) | (val & 0xff);
	else if (size == 2)
		*rax = (*rax & ~0xffffULL) | (val & 0xffff);
	else
		*rax = val;
}

void io_handle_exit(struct vcpu *v)
{
	u16 port = v->exit.io.port;
	u8 size = v->exit.io.size;
	u32 mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1, val;

	if (v->exit.io.string) {
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u: string port I/O (INS/OUTS) on port %#x at RIP %#llx is not "
			"supported yet",
			v->id, port, (unsigned long long)v->regs.rip);
		return;
	}
	/* The devices live on node 0: another node's vCPU asks it (vmm/cluster/remote.c). */
	if (v->vm->self != 0) {
		v->vm->cluster->io(v, port, size, v->exit.io.in, (u32)v->regs.gpr[GPR_RAX] & mask);
		return;
	}
	spin_lock(&v->vm->dev_lock); /* (devices are shared by every vCPU: one at a time) */
	val = io_access(v, port, size, v->exit.io.in, (u32)v->regs.gpr[GPR_RAX] & mask);
	spin_unlock(&v->vm->dev_lock);
	io_complete(v, val);
}

u32 io_access(struct vcpu *v, u16 port, u8 size, bool in, u32 val)
{
	const struct io_device *d = io_find(port);
	u32 mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

	spin_assert_held(&v->vm->dev_lock);
	if (!d)
		pr_debug("guest: vCPU %u %s unclaimed port %#x\n", v->id, in ? "read" : "wrote",
			 port);
	if (in)
		return d && d->read ? d->read(v, d->ctx, port, size) & mask : mask;
	if (d && d->write)
		d->write(v, d->ctx, port, size, val & mask);
	return 0;
}

void io_complete(struct vcpu *v, u32 val)
{
	if (v->exit.io.in)
		io_merge_in(v, v->exit.io.size, val);
	vcpu_skip_insn(v);
}
