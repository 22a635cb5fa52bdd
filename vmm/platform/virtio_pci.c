// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtio over PCI, the modern interface (see vmm/platform/virtio_pci.h).
 *
 * The BAR (VIRTIO_PCI_BAR_SIZE bytes at VIRTIO_PCI_BAR_BASE + slot * 64 KiB):
 *   0x0000 common configuration (4.1.4.3)      0x2000 notifications, queue n at n * 4
 *   0x1000 ISR status (4.1.4.5)                0x3000 MSI-X table (16 bytes a vector)
 *   0x1800 the device's configuration          0x3800 MSI-X pending bits
 * The BAR is where the monitor put it, as firmware would: a driver's write of all ones
 * reads back its size, any other write leaves it in place.
 *
 * PCI configuration space: a type 0 header, then the capability list (PCI 3.0, 6.7):
 * MSI-X at 0x40, then the virtio capabilities (4.1.4): common at 0x4c, notify at 0x5c,
 * ISR at 0x70 and the device's at 0x80. No INTx: interrupt pin 0. No
 * VIRTIO_PCI_CAP_PCI_CFG window either: drivers that map the BAR (Linux's) do not use it.
 */
#include "vmm/platform/virtio_pci.h"
#include "vmm/platform/devices.h"
#include "vmm/virt/guest_mem.h"
#include "vmm/virt/irq.h"
#include "vmm/virt/mmio.h"
#include "vmm/virt/vm.h"
#include "vmm/host/log.h"
#include "vmm/lib/klib.h"

#define VENDOR_VIRTIO	0x1af4
#define DEVICE_MODERN	0x1040
#define STATUS_CAP_LIST 0x0010
#define CMD_WRITABLE	0x0407 /* I/O, memory, bus master, INTx disable */

#define BAR_COMMON 0x0000
#define BAR_ISR	   0x1000
#define BAR_DEVICE 0x1800
#define BAR_NOTIFY 0x2000
#define BAR_MSIX   0x3000
#define BAR_PBA	   0x3800
#define NOTIFY_MULTIPLIER 4
#define COMMON_LEN 0x38
#define DEVICE_LEN 0x100

#define CAP_MSIX   0x40
#define CAP_COMMON 0x4c
#define CAP_NOTIFY 0x5c
#define CAP_ISR	   0x70
#define CAP_DEVICE 0x80
#define CAP_END	   0x90
#define PCI_CAP_ID_MSIX	  0x11
#define PCI_CAP_ID_VENDOR 0x09
#define MSIX_ENABLE	  0x8000
#define MSIX_MASKALL	  0x4000

#define VIRTIO_CAP_COMMON 1
#define VIRTIO_CAP_NOTIFY 2
#define VIRTIO_CAP_ISR	  3
#define VIRTIO_CAP_DEVICE 4

static gpa_t bar_of(const struct virtio_pci *p)
{
	return VIRTIO_PCI_BAR_BASE + (gpa_t)p->slot * 0x10000;
}

static void msix_send_pending(struct virtio_pci *p);

int virtio_copy(void *ctx, gpa_t gpa, void *buf, u64 len, bool write)
{
	return write ? vm_write_guest(ctx, gpa, buf, len) : vm_read_guest(ctx, gpa, buf, len);
}

/* ---- PCI configuration space -------------------------------------------------- */

/* The capability list as bytes, built once per read (it never changes but for MSI-X's
 * control word). */
static void caps(const struct virtio_pci *p, u8 *c)
{
	static const struct {
		u8 at, next, len, type;
		u32 offset, length;
	} v[] = {
		{ CAP_COMMON, CAP_NOTIFY, 16, VIRTIO_CAP_COMMON, BAR_COMMON, COMMON_LEN },
		{ CAP_NOTIFY, CAP_ISR, 20, VIRTIO_CAP_NOTIFY, BAR_NOTIFY,
		  VIRTIO_MAX_QUEUES * NOTIFY_MULTIPLIER },
		{ CAP_ISR, CAP_DEVICE, 16, VIRTIO_CAP_ISR, BAR_ISR, 4 },
		{ CAP_DEVICE, 0, 16, VIRTIO_CAP_DEVICE, BAR_DEVICE, DEVICE_LEN },
	};
	u16 ctrl = (VIRTIO_MSIX_VECTORS - 1) | p->msix_ctrl;

	c[CAP_MSIX] = PCI_CAP_ID_MSIX;
	c[CAP_MSIX + 1] = CAP_COMMON;
	memcpy(c + CAP_MSIX + 2, &ctrl, 2);
	*(u32 *)(c + CAP_MSIX + 4) = BAR_MSIX;	/* BIR 0 */
	*(u32 *)(c + CAP_MSIX + 8) = BAR_PBA;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		u8 *e = c + v[i].at;
		e[0] = PCI_CAP_ID_VENDOR;
		e[1] = v[i].next;
		e[2] = v[i].len;
		e[3] = v[i].type;
		e[4] = 0; /* BAR 0 */
		memcpy(e + 8, &v[i].offset, 4);
		memcpy(e + 12, &v[i].length, 4);
		if (v[i].type == VIRTIO_CAP_NOTIFY)
			*(u32 *)(e + 16) = NOTIFY_MULTIPLIER;
	}
}

static u32 cfg_read(void *ctx, u32 reg)
{
	struct virtio_pci *p = ctx;
	const struct virtio_dev_ops *o = p->ops;
	u8 c[CAP_END] = { 0 };

	switch (reg) {
	case 0x00: return VENDOR_VIRTIO | (u32)(DEVICE_MODERN + o->type) << 16;
	case 0x04: return p->command | (u32)STATUS_CAP_LIST << 16;
	case 0x08: return 1 | o->class_code << 8; /* revision 1: a modern device */
	case 0x10: return p->bar_sizing ? (u32)~(VIRTIO_PCI_BAR_SIZE - 1) : (u32)bar_of(p);
	case 0x2c: return VENDOR_VIRTIO | (u32)o->type << 16;
	case 0x34: return CAP_MSIX;
	default:
		if (reg >= CAP_MSIX && reg < CAP_END) {
			u32 dword;
			caps(p, c);
			memcpy(&dword, c + reg, 4);
			return dword;
		}
		return 0; /* no other BARs; interrupt line and pin 0 */
	}
}

static void cfg_write(void *ctx, u32 reg, u32 val, u32 mask)
{
	struct virtio_pci *p = ctx;

	if (reg == 0x04 && (mask & 0xffff))
		p->command = (u16)((p->command & ~mask) | (val & mask & CMD_WRITABLE));
	else if (reg == 0x10 && mask == 0xffffffff)
		p->bar_sizing = (val & ~0xfu) == (u32)~0xfu; /* else: it stays where it is */
	else if (reg == CAP_MSIX && (mask & 0xffff0000)) {
		u16 m = (u16)(mask >> 16), was = p->msix_ctrl;
		p->msix_ctrl = (u16)((was & ~m) | ((val >> 16) & m)) & (MSIX_ENABLE | MSIX_MASKALL);
		if ((p->msix_ctrl & MSIX_ENABLE) && !(p->msix_ctrl & MSIX_MASKALL) &&
		    ((was & MSIX_MASKALL) || !(was & MSIX_ENABLE)))
			msix_send_pending(p); /* the function unmasked: what waited goes */
	}
}

/* ---- interrupts -------------------------------------------------------------- */

/* Sends vector vec's message (PCI 3.0 6.8.2; the address and data of an x86 MSI, Intel
 * SDM vol. 3 11.11): held as pending while it or the function is masked. dev_lock. */
static void msix_signal(struct virtio_pci *p, u16 vec)
{
	const struct msix_entry *e;

	if (vec >= VIRTIO_MSIX_VECTORS || !(p->msix_ctrl & MSIX_ENABLE))
		return; /* (no INTx to fall back on: the driver asked for no interrupt) */
	e = &p->msix[vec];
	if ((p->msix_ctrl & MSIX_MASKALL) || (e->ctrl & 1)) {
		p->msix_pending |= 1u << vec;
		return;
	}
	p->msix_pending &= ~(1u << vec);
	if ((e->addr_lo & 0xfff00000) != 0xfee00000 || e->addr_hi) {
		pr_warn("%s: MSI-X vector %u has address %#x:%08x, not the local APICs': "
			"dropped\n", p->ops->name, vec, e->addr_hi, e->addr_lo);
		return;
	}
	irq_deliver(p->vm, (e->addr_lo >> 12) & 0xff, e->addr_lo & 4, (e->data >> 8) & 7,
		    e->data & 0xff, false);
}

/* Every vector with a message pending that is no longer masked. dev_lock. */
static void msix_send_pending(struct virtio_pci *p)
{
	for (u16 vec = 0; vec < VIRTIO_MSIX_VECTORS; vec++)
		if ((p->msix_pending & (1u << vec)) && !(p->msix[vec].ctrl & 1))
			msix_signal(p, vec);
}

void virtio_pci_queue_interrupt(struct virtio_pci *p, u16 qi, struct virtq *q)
{
	/* The used index is stored; the driver's flags are loaded after it (2.6.7.2): the
	 * driver clears NO_INTERRUPT, then reads the used index, so one of the two sees
	 * the other's store. Without a full fence the load could pass the store. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!virtq_wants_interrupt(q, virtio_copy, p->vm))
		return;
	spin_lock(&p->vm->dev_lock);
	p->isr |= 1;
	msix_signal(p, q->msix_vector);
	spin_unlock(&p->vm->dev_lock);
}

void virtio_pci_refuse(struct virtio_pci *p, u16 qi, const char *why)
{
	spin_lock(&p->vm->dev_lock);
	if (!p->refused)
		pr_warn("%s: queue %u refused: %s; the device needs a reset (the guest's "
			"driver is told)\n", p->ops->name, qi, why);
	p->refused = true;
	p->status |= VIRTIO_S_NEEDS_RESET;
	p->isr |= 2; /* a configuration change */
	msix_signal(p, p->msix_config);
	spin_unlock(&p->vm->dev_lock);
}

/* ---- the common configuration ------------------------------------------------ */

static void reset(struct virtio_pci *p)
{
	p->dfselect = p->gfselect = 0;
	p->driver_features = 0;
	p->msix_config = VIRTIO_NO_VECTOR;
	p->queue_sel = 0;
	p->status = 0;
	p->isr = 0;
	p->refused = false;
	p->reset_pending = false;
	for (u32 i = 0; i < VIRTIO_MAX_QUEUES; i++)
		p->q[i] = (struct virtq){ .size = p->ops->queue_max, .msix_vector = VIRTIO_NO_VECTOR };
	__atomic_store_n(&p->kicked, 0, __ATOMIC_RELAXED);
	p->generation++;
}

static u64 offered(const struct virtio_pci *p)
{
	return p->ops->features | VIRTIO_F_VERSION_1;
}

static struct virtq *selected(struct virtio_pci *p)
{
	return p->queue_sel < p->ops->nqueues ? &p->q[p->queue_sel] : NULL;
}

/* One field of the common configuration; size is the access's (the 64-bit addresses
 * may come as two 32-bit halves). */
static u64 common_read(struct virtio_pci *p, u32 off, unsigned size)
{
	struct virtq *q = selected(p);
	u64 v;

	switch (off) {
	case 0x00: return p->dfselect;
	case 0x04: return p->dfselect < 2 ? (u32)(offered(p) >> (32 * p->dfselect)) : 0;
	case 0x08: return p->gfselect;
	case 0x0c: return p->gfselect < 2 ? (u32)(p->driver_features >> (32 * p->gfselect)) : 0;
	case 0x10: return p->msix_config;
	case 0x12: return p->ops->nqueues;
	case 0x14: return p->status;
	case 0x15: return p->config_gen;
	case 0x16: return p->queue_sel;
	case 0x18: return q ? q->size : 0;
	case 0x1a: return q ? q->msix_vector : VIRTIO_NO_VECTOR;
	case 0x1c: return q ? q->enabled : 0;
	case 0x1e: return q ? p->queue_sel : 0; /* queue_notify_off */
	}
	if (!q || off < 0x20 || off >= COMMON_LEN)
		return 0;
	v = off < 0x28 ? q->desc : off < 0x30 ? q->avail : q->used;
	return size == 8 ? v : (u32)(v >> (off & 4 ? 32 : 0));
}

static void set_half(gpa_t *a, u32 off, unsigned size, u64 val)
{
	if (size == 8)
		*a = val;
	else if (off & 4)
		*a = (*a & 0xffffffffULL) | (u64)(u32)val << 32;
	else
		*a = (*a & ~0xffffffffULL) | (u32)val;
}

static void write_status(struct virtio_pci *p, u8 val)
{
	if (val == 0) {
		if (p->in_serve)
			p->reset_pending = true; /* (serve_kicked resets when it is done) */
		else
			reset(p);
		return;
	}
	if (p->reset_pending)
		return; /* a driver that did not wait for the reset to be done */
	if ((val & VIRTIO_S_FEATURES_OK) && !(p->status & VIRTIO_S_FEATURES_OK) &&
	    ((p->driver_features & ~offered(p)) || !(p->driver_features & VIRTIO_F_VERSION_1))) {
		pr_warn("%s: the driver accepted features %#llx of %#llx offered: FEATURES_OK "
			"refused\n", p->ops->name, (unsigned long long)p->driver_features,
			(unsigned long long)offered(p));
		val &= ~VIRTIO_S_FEATURES_OK;
	}
	p->status = val | (p->status & VIRTIO_S_NEEDS_RESET);
}

static void common_write(struct virtio_pci *p, u32 off, unsigned size, u64 val)
{
	struct virtq *q = selected(p);
	bool live = q && q->enabled; /* a live queue's set-up is read-only */

	switch (off) {
	case 0x00: p->dfselect = (u32)val; return;
	case 0x08: p->gfselect = (u32)val; return;
	case 0x0c:
		if (p->gfselect < 2 && !(p->status & VIRTIO_S_FEATURES_OK)) {
			u32 sh = 32 * p->gfselect;
			p->driver_features = (p->driver_features & ~(0xffffffffULL << sh)) |
					     (u64)(u32)val << sh;
		}
		return;
	case 0x10:
		p->msix_config = (u16)val < VIRTIO_MSIX_VECTORS ? (u16)val : VIRTIO_NO_VECTOR;
		return;
	case 0x14: write_status(p, (u8)val); return;
	case 0x16: p->queue_sel = (u16)val; return;
	case 0x18:
		if (q && !live)
			q->size = (u16)val; /* checked when enabled */
		return;
	case 0x1a:
		if (q)
			q->msix_vector = (u16)val < VIRTIO_MSIX_VECTORS ? (u16)val : VIRTIO_NO_VECTOR;
		return;
	case 0x1c:
		if (!q || live || (u16)val != 1)
			return;
		if (q->size > p->ops->queue_max || !virtq_layout_ok(q)) {
			pr_warn("%s: queue %u not enabled: size %u (at most %u, a power of two), "
				"areas at %#llx, %#llx, %#llx (aligned 16, 2, 4)\n", p->ops->name,
				p->queue_sel, q->size, p->ops->queue_max,
				(unsigned long long)q->desc, (unsigned long long)q->avail,
				(unsigned long long)q->used);
			p->status |= VIRTIO_S_NEEDS_RESET;
			p->isr |= 2;
			msix_signal(p, p->msix_config);
			return;
		}
		q->enabled = true;
		q->last_avail = q->used_idx = 0;
		return;
	}
	if (q && !live && off >= 0x20 && off < COMMON_LEN)
		set_half(off < 0x28 ? &q->desc : off < 0x30 ? &q->avail : &q->used, off, size, val);
}

/* ---- the BAR ------------------------------------------------------------------ */

/* The MSI-X table's dword at BAR offset off, for an access of size bytes: NULL unless
 * it is a naturally aligned dword or qword inside the table (PCI 3.0, 6.8.2). */
static u32 *msix_word(struct virtio_pci *p, u64 off, unsigned size)
{
	u64 i = (off - BAR_MSIX) / 16;

	if (off < BAR_MSIX || i >= VIRTIO_MSIX_VECTORS || (size != 4 && size != 8) ||
	    (off & (size - 1)))
		return NULL;
	return (u32 *)&p->msix[i] + (off % 16) / 4;
}

static int bar_read(struct vcpu *v, void *ctx, u64 off, unsigned size, u64 *val)
{
	struct virtio_pci *p = ctx;

	*val = 0;
	if (off < BAR_COMMON + COMMON_LEN)
		*val = common_read(p, (u32)off, size);
	else if (off == BAR_ISR) {
		*val = p->isr; /* reading it clears it (4.1.4.5) */
		p->isr = 0;
	} else if (off >= BAR_DEVICE && off < BAR_DEVICE + p->ops->config_len)
		*val = p->ops->config_read(p, (u32)(off - BAR_DEVICE), size);
	else if (msix_word(p, off, size))
		*val = size == 4 ? *msix_word(p, off, size)
				 : msix_word(p, off, 8)[0] | (u64)msix_word(p, off, 8)[1] << 32;
	else if (off == BAR_PBA && (size == 4 || size == 8))
		*val = p->msix_pending;
	return 0;
}

static void notify(struct virtio_pci *p, u64 off)
{
	u64 qi = (off - BAR_NOTIFY) / NOTIFY_MULTIPLIER;
	struct vm *vm = p->vm;

	if (qi >= p->ops->nqueues || !p->q[qi].enabled || p->refused || p->reset_pending ||
	    !(p->status & VIRTIO_S_DRIVER_OK))
		return;
	__atomic_or_fetch(&p->kicked, 1u << qi, __ATOMIC_RELEASE);
	/* The boot core serves it: between its exits, so end its guest run or its HLT. */
	vcpu_kick(&vm->vcpus[vm->first_local]);
}

void virtio_pci_kick(struct virtio_pci *p, u16 qi)
{
	__atomic_or_fetch(&p->kicked, 1u << qi, __ATOMIC_RELEASE);
}

bool virtio_pci_queue_ready(const struct virtio_pci *p, u16 qi)
{
	/* (racy reads of what the vCPUs write under dev_lock: a frame that slips past a
	 * reset waits for the driver's next bring-up; serve_kicked checks under the lock) */
	return qi < p->ops->nqueues && __atomic_load_n(&p->q[qi].enabled, __ATOMIC_RELAXED) &&
	       (__atomic_load_n(&p->status, __ATOMIC_RELAXED) & VIRTIO_S_DRIVER_OK) &&
	       !__atomic_load_n(&p->refused, __ATOMIC_RELAXED);
}

static int bar_write(struct vcpu *v, void *ctx, u64 off, unsigned size, u64 val)
{
	struct virtio_pci *p = ctx;

	if (off < BAR_COMMON + COMMON_LEN)
		common_write(p, (u32)off, size, val);
	else if (off >= BAR_NOTIFY && off < BAR_NOTIFY + VIRTIO_MAX_QUEUES * NOTIFY_MULTIPLIER)
		notify(p, off);
	else if (msix_word(p, off, size)) {
		u32 vec = (u32)(off - BAR_MSIX) / 16, *w = msix_word(p, off, size);
		w[0] = (u32)val;
		if (size == 8) /* (aligned: the entry's next dword) */
			w[1] = (u32)(val >> 32);
		p->msix[vec].ctrl &= 1;
		if (!(p->msix[vec].ctrl & 1) && (p->msix_pending & (1u << vec)))
			msix_signal(p, (u16)vec); /* unmasked with a message pending */
	}
	/* (the ISR, the device's configuration and the pending bits are read-only) */
	return 0;
}

/* ---- serving the queues (node 0's boot core) --------------------------------- */

/* Chains served per queue per call: the boot core also runs the network, the protocol
 * and the PIT, which a guest that keeps its queue full must not starve. */
#define SERVE_BUDGET 32

static u64 serve_kicked(struct vm *vm, u64 now, void *ctx)
{
	struct virtio_pci *p = ctx;
	u32 kicked = __atomic_exchange_n(&p->kicked, 0, __ATOMIC_ACQUIRE), again = 0;

	for (u16 qi = 0; kicked && qi < p->ops->nqueues; qi++) {
		struct virtq q;
		bool go;
		if (!(kicked & (1u << qi)))
			continue;
		spin_lock(&vm->dev_lock);
		q = p->q[qi];
		go = q.enabled && !p->refused && !p->reset_pending;
		p->in_serve = go;
		spin_unlock(&vm->dev_lock);
		if (!go)
			continue;
		if (p->ops->serve(p, qi, &q, SERVE_BUDGET))
			again |= 1u << qi;
		spin_lock(&vm->dev_lock);
		p->in_serve = false;
		if (p->reset_pending) { /* the driver reset it meanwhile: now it is done */
			p->reset_pending = false;
			again &= ~(1u << qi);
			reset(p);
		} else {
			p->q[qi].last_avail = q.last_avail;
			p->q[qi].used_idx = q.used_idx;
		}
		spin_unlock(&vm->dev_lock);
	}
	if (again)
		__atomic_or_fetch(&p->kicked, again, __ATOMIC_RELEASE);
	return __atomic_load_n(&p->kicked, __ATOMIC_ACQUIRE) ? now : 0;
}

int virtio_pci_init(struct virtio_pci *p, struct vm *vm, u8 slot,
		    const struct virtio_dev_ops *ops, void *dev, bool serving)
{
	struct mmio_device m = { ops->name, 0, VIRTIO_PCI_BAR_SIZE, bar_read, bar_write, p, false };
	int rc;

	_Static_assert(VIRTIO_MSIX_VECTORS <= 32 && VIRTIO_MAX_QUEUES <= 32, "bit masks");
	*p = (struct virtio_pci){ .ops = ops, .dev = dev, .vm = vm, .slot = slot,
				  .serving = serving };
	reset(p);
	for (u32 i = 0; i < VIRTIO_MSIX_VECTORS; i++)
		p->msix[i].ctrl = 1; /* masked at reset */
	m.base = bar_of(p);
	rc = pci_add_device(slot, cfg_read, cfg_write, p);
	if (rc == 0)
		rc = mmio_register(&m);
	if (rc == 0 && serving)
		rc = vm_add_work(vm, serve_kicked, p);
	if (rc)
		pr_err("%s: cannot register it in PCI slot %u with its BAR at %#llx: error %d\n",
		       ops->name, slot, (unsigned long long)m.base, rc);
	return rc;
}
