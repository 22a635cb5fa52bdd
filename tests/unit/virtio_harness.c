// SPDX-License-Identifier: GPL-2.0-only
/* The virtio device tests' VM stubs and driver helpers (tests/unit/virtio_harness.h). */
#include "tests/unit/virtio_harness.h"
#include "tests/unit/check.h"
#include "vmm/platform/devices.h"
#include "vmm/virt/guest_mem.h"
#include "vmm/virt/irq.h"
#include "vmm/virt/mmio.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include <stdarg.h>

u8 ram[RAM_SIZE];
struct vm vm;
int delivered, last_dest, last_vector;
bool quiet;
static struct mmio_device bar_dev;
static pci_cfg_read_fn cfg_rd;
static pci_cfg_write_fn cfg_wr;
static void *cfg_ctx;
static vm_work_fn work_fn;
static void *work_ctx;

/* ---- the VM's services, stubbed ---------------------------------------------- */

void spin_lock(struct spinlock *l) { (void)l; }
void spin_unlock(struct spinlock *l) { (void)l; }
bool spin_held_by_me(const struct spinlock *l) { (void)l; return false; }
void log_printf(int level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
void kprintf(const char *fmt, ...)
{
	(void)fmt;
}
void irq_deliver(struct vm *v, u32 dest, bool logical, u8 mode, u8 vector, bool level)
{
	(void)v, (void)logical, (void)mode, (void)level;
	delivered++;
	last_dest = (int)dest;
	last_vector = vector;
}
void vcpu_kick(struct vcpu *v) { (void)v; }
int mmio_register(const struct mmio_device *d)
{
	bar_dev = *d;
	return 0;
}
int vm_add_work(struct vm *v, vm_work_fn fn, void *ctx)
{
	(void)v;
	work_fn = fn;
	work_ctx = ctx;
	return 0;
}
int pci_add_device(u8 slot, pci_cfg_read_fn r, pci_cfg_write_fn w, void *ctx)
{
	(void)slot;
	cfg_rd = r;
	cfg_wr = w;
	cfg_ctx = ctx;
	return 0;
}
static int guest_copy(gpa_t gpa, void *buf, u64 len, bool write)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -E_NOENT;
	if (write)
		memcpy(ram + gpa, buf, len);
	else
		memcpy(buf, ram + gpa, len);
	return 0;
}
int vm_read_guest(struct vm *v, gpa_t gpa, void *dst, u64 len)
{
	(void)v;
	return guest_copy(gpa, dst, len, false);
}
int vm_write_guest(struct vm *v, gpa_t gpa, const void *src, u64 len)
{
	(void)v;
	return guest_copy(gpa, (void *)src, len, true);
}
hpa_t page_alloc(u64 npages, u64 align_pages)
{
	(void)npages, (void)align_pages;
	return 0;
}

/* ---- register access and a driver -------------------------------------------- */

u64 rd(u64 off, unsigned size)
{
	u64 v = 0;

	bar_dev.read(NULL, bar_dev.ctx, off, size, &v);
	return v;
}
u64 rd32(u64 off)
{
	return rd(off, 4);
}
void wr(u64 off, unsigned size, u64 val)
{
	bar_dev.write(NULL, bar_dev.ctx, off, size, val);
}
u32 cfg(u32 reg)
{
	return cfg_rd(cfg_ctx, reg);
}
void cfg_write(u32 reg, u32 val, u32 mask)
{
	cfg_wr(cfg_ctx, reg, val, mask);
}
void serve(void)
{
	work_fn(&vm, 0, work_ctx);
}

void driver_up(u32 features_lo, u16 nqueues)
{
	wr(0x14, 1, 0);
	CHECK_EQ(rd(0x14, 1), 0);
	wr(0x14, 1, 3);
	wr(0x08, 4, 1);
	wr(0x0c, 4, 1); /* VERSION_1 */
	wr(0x08, 4, 0);
	wr(0x0c, 4, features_lo);
	wr(0x14, 1, 0xb);
	CHECK(rd(0x14, 1) & 8);
	cfg_write(0x40, 0xc000u << 16, 0xffff0000); /* MSI-X enable | mask all */
	for (u16 q = 0; q < nqueues; q++) {
		u32 e = 0x3000 + 16 * (1 + q);
		wr(e + 0, 4, 0xfee02000); /* to APIC 2 */
		wr(e + 4, 4, 0);
		wr(e + 8, 4, 0x41u + q);
		wr(e + 12, 4, 0); /* entry unmasked */
	}
	wr(0x10, 2, 0);
	for (u16 q = 0; q < nqueues; q++) {
		wr(0x16, 2, q);
		wr(0x18, 2, QSIZE);
		wr(0x1a, 2, 1u + q);
		CHECK_EQ(rd(0x1a, 2), 1u + q);
		wr(0x20, 4, QDESC(q));
		wr(0x24, 4, 0);
		wr(0x28, 4, QAVAIL(q));
		wr(0x2c, 4, 0);
		wr(0x30, 4, QUSED(q));
		wr(0x34, 4, 0);
		wr(0x1c, 2, 1);
		CHECK_EQ(rd(0x1c, 2), 1);
	}
	wr(0x14, 1, 0xf);
}

void unmask(void)
{
	cfg_write(0x40, 0x8000u << 16, 0xffff0000);
}

void desc(u16 q, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 *d = ram + QDESC(q) + 16 * i;

	memcpy(d, &addr, 8), memcpy(d + 8, &len, 4), memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

void avail(u16 q, u16 idx, u16 head)
{
	memcpy(ram + QAVAIL(q) + 4 + 2 * (idx % QSIZE), &head, 2);
	idx++;
	memcpy(ram + QAVAIL(q) + 2, &idx, 2);
	wr(0x2000 + 4 * q, 2, q); /* (the notify multiplier is 4) */
}

u16 used_idx(u16 q)
{
	u16 v;

	memcpy(&v, ram + QUSED(q) + 2, 2);
	return v;
}

void used_elem(u16 q, u16 i, u32 *id, u32 *len)
{
	memcpy(id, ram + QUSED(q) + 4 + 8 * (i % QSIZE), 4);
	memcpy(len, ram + QUSED(q) + 8 + 8 * (i % QSIZE), 4);
}
