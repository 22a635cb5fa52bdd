// SPDX-License-Identifier: GPL-2.0-only
/*
 * MMIO dispatch and the glue between a nested page fault and the
 * instruction emulator (see vmm/virt/mmio.h): the emulator's callbacks fetch code
 * and reach memory through the guest's own page tables (vmm/emu/gwalk.c), so
 * what it sees is what the guest's instruction saw.
 */
#include "vmm/virt/mmio.h"
#include "vmm/virt/shadow_vm.h"
#include "vmm/host/cpu.h"
#include "vmm/emu/emulate.h"
#include "vmm/emu/gwalk.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/power.h"
#include "vmm/lib/printf.h"
#include "vmm/virt/cluster.h"
#include "vmm/virt/guest_mem.h"
#include "vmm/virt/virt.h"
#include "vmm/virt/vm.h"

#define MMIO_MAX_DEVICES 16
#define MMIO_REP_BATCH	 64 /* REP iterations per exit, so interrupts are not held off long */

static struct mmio_device mmio_devices[MMIO_MAX_DEVICES];
static u32 mmio_ndevices;

int mmio_register(const struct mmio_device *dev)
{
	for (u32 i = 0; i < mmio_ndevices; i++) {
		const struct mmio_device *d = &mmio_devices[i];
		if (dev->base < d->base + d->size && d->base < dev->base + dev->size) {
			pr_err("mmio: %s at %#llx overlaps %s at %#llx\n", dev->name,
			       (unsigned long long)dev->base, d->name, (unsigned long long)d->base);
			return -E_EXIST;
		}
	}
	if (mmio_ndevices == MMIO_MAX_DEVICES) {
		pr_err("mmio: no room for %s: more than %d devices\n", dev->name, MMIO_MAX_DEVICES);
		return -E_NOSPC;
	}
	mmio_devices[mmio_ndevices++] = *dev;
	return 0;
}

static const struct mmio_device *mmio_find(gpa_t gpa)
{
	for (u32 i = 0; i < mmio_ndevices; i++)
		if (gpa >= mmio_devices[i].base &&
		    gpa - mmio_devices[i].base < mmio_devices[i].size)
			return &mmio_devices[i];
	return NULL;
}

/* Platform devices live on node 0: other nodes' vCPUs reach them over the network. */
static bool forwarded(const struct vcpu *v, const struct mmio_device *d)
{
	return !d->per_vcpu && v->vm->nnodes > 1 && v->vm->self != 0;
}

/* One access to a device of this node. Devices are shared by every vCPU: one
 * access at a time, under dev_lock (only around the access: the instruction's
 * memory operands may have to wait for the boot core, vmm/cluster/vmdsm.h). */
static int device_access(struct vcpu *v, const struct mmio_device *d, gpa_t gpa, unsigned size,
			 bool write, u64 *val)
{
	bool held = spin_held_by_me(&v->vm->dev_lock);
	int rc;

	if (!held)
		spin_lock(&v->vm->dev_lock);
	if (write)
		rc = d->write ? d->write(v, d->ctx, gpa - d->base, size, *val) : 0;
	else
		rc = d->read ? d->read(v, d->ctx, gpa - d->base, size, val) : (*val = 0, 0);
	if (!held)
		spin_unlock(&v->vm->dev_lock);
	return rc;
}

static int cb_mmio_read(void *opaque, gpa_t gpa, unsigned size, u64 *val)
{
	struct vcpu *v = opaque;
	const struct mmio_device *d = mmio_find(gpa);

	if (!d) {
		v->mmio_nowhere = gpa;
		return -E_NOENT;
	}
	if (forwarded(v, d))
		return v->vm->cluster->mmio(v, gpa, size, false, val);
	return device_access(v, d, gpa, size, false, val);
}

static int cb_mmio_write(void *opaque, gpa_t gpa, unsigned size, u64 val)
{
	struct vcpu *v = opaque;
	const struct mmio_device *d = mmio_find(gpa);

	if (!d) {
		v->mmio_nowhere = gpa;
		return -E_NOENT;
	}
	if (forwarded(v, d))
		return v->vm->cluster->mmio(v, gpa, size, true, &val);
	return device_access(v, d, gpa, size, true, &val);
}

int mmio_access(struct vcpu *v, gpa_t gpa, unsigned size, bool write, u64 *val)
{
	const struct mmio_device *d = mmio_find(gpa);

	if (!d || d->per_vcpu)
		return -E_NOENT;
	if (write)
		return d->write ? d->write(v, d->ctx, gpa - d->base, size, *val) : 0;
	*val = 0;
	return d->read ? d->read(v, d->ctx, gpa - d->base, size, val) : 0;
}

/* Guest RAM the emulator touches goes through the coherence protocol across nodes. */
static int cb_mem_read(void *opaque, gpa_t gpa, unsigned size, u64 *val)
{
	struct vcpu *v = opaque;

	if (!vm_gpa_is_ram(v->vm, gpa, size))
		return cb_mmio_read(opaque, gpa, size, val);
	*val = 0;
	return vm_read_guest(v->vm, gpa, val, size);
}

static int cb_mem_write(void *opaque, gpa_t gpa, unsigned size, u64 val)
{
	struct vcpu *v = opaque;

	if (!vm_gpa_is_ram(v->vm, gpa, size))
		return cb_mmio_write(opaque, gpa, size, val);
	return vm_write_guest(v->vm, gpa, &val, size);
}

static int walk_read(void *opaque, gpa_t gpa, unsigned size, u64 *val)
{
	return cb_mem_read(opaque, gpa, size, val);
}

void vcpu_walk_state(struct vcpu *v, struct gwalk_cpu *cpu)
{
	struct vcpu_sys p;

	virt->get_sys(v, &p);
	*cpu = (struct gwalk_cpu){ p.cr0,	p.cr3,		p.cr4,
				   p.efer,	v->regs.rflags, (u8)boot_cpu.phys_addr_bits,
				   boot_cpu.amd };
}

static int translate_with(void *opaque, gva_t la, u32 access, gpa_t *gpa, struct emu_exception *exc,
			  int (*rd)(void *opaque, gpa_t gpa, unsigned size, u64 *val))
{
	struct vcpu *v = opaque;
	struct gwalk_cpu cpu;
	struct gwalk_mem mem = { rd, NULL, v };
	struct gwalk_result res;
	int rc;

	vcpu_walk_state(v, &cpu);
	rc = gwalk_translate(&cpu, &mem, la, access, &res);
	if (rc == GWALK_FAULT) {
		*exc = (struct emu_exception){ EMU_VEC_PF, true, res.error_code, la };
		return EMU_EXCEPTION;
	}
	*gpa = res.gpa;
	return rc;
}

static int cb_translate(void *opaque, gva_t la, u32 access, gpa_t *gpa, struct emu_exception *exc)
{
	return translate_with(opaque, la, access, gpa, exc, walk_read);
}

static int guest_copy(struct vcpu *v, gpa_t gpa, void *buf, unsigned len, bool write)
{
	return write ? vm_write_guest(v->vm, gpa, buf, len) : vm_read_guest(v->vm, gpa, buf, len);
}

/* The bytes at la that translate and read, page by page. */
static int fetch_with(void *opaque, gva_t la, u8 *buf, unsigned len,
		      int (*tr)(void *, gva_t, u32, gpa_t *, struct emu_exception *),
		      int (*copy)(struct vcpu *, gpa_t, void *, unsigned, bool))
{
	unsigned done = 0;

	while (done < len) {
		struct emu_exception exc;
		gpa_t gpa;
		unsigned chunk =
			(unsigned)MIN((u64)(len - done), PAGE_SIZE - ((la + done) & ~PAGE_MASK));

		if (tr(opaque, la + done, EMU_ACC_FETCH, &gpa, &exc) != 0 ||
		    copy(opaque, gpa, buf + done, chunk, false) != 0)
			break;
		done += chunk;
	}
	return (int)done;
}

static int cb_fetch(void *opaque, gva_t la, u8 *buf, unsigned len)
{
	return fetch_with(opaque, la, buf, len, cb_translate, guest_copy);
}

int vcpu_fetch(struct vcpu *v, gva_t la, u8 *buf, unsigned len)
{
	return cb_fetch(v, la, buf, len);
}

static const struct emu_ops mmio_emu_ops = {
	cb_fetch, cb_translate, cb_mmio_read, cb_mmio_write, cb_mem_read, cb_mem_write,
};

/*
 * A guest page table the shadows derive from, written by an emulated instruction,
 * under the shadows' lock: every guest access goes through shadow_vm_local (this
 * node's frames, with the cluster's rights, never waiting for the boot core), the
 * write lands in guest RAM and the shadow entries derived from it go. An access
 * that lacks rights fails with -E_AGAIN, and the page is fetched first.
 */
static int pt_copy(struct vcpu *v, gpa_t gpa, void *buf, unsigned size, bool write)
{
	while (size) {
		unsigned n = (unsigned)MIN((u64)size, PAGE_SIZE - (gpa & ~PAGE_MASK));
		u8 *p = shadow_vm_local(v->vm, gpa, n, write);

		if (n < size) /* (the next page of the access need not be the next gpa) */
			return -E_INVAL;
		if (!p)
			return vm_gpa_is_ram(v->vm, gpa, 1) ? -E_AGAIN : -E_NOENT;
		if (!write) {
			memcpy(buf, p, n);
		} else if (n == 8 && !(gpa & 7)) {
			u64 val = *(u64 *)buf,
			    old = __atomic_exchange_n((u64 *)(void *)p, val, __ATOMIC_ACQ_REL);
			shadow_vm_wrote_entry(v->vm, gpa, old, val);
		} else {
			memcpy(p, buf, n);
			shadow_vm_wrote(v->vm, gpa, n);
		}
		gpa += n;
		buf = (u8 *)buf + n;
		size -= n;
	}
	return 0;
}

static int pt_read(void *opaque, gpa_t gpa, unsigned size, u64 *val)
{
	*val = 0;
	return pt_copy(opaque, gpa, val, size, false);
}

static int pt_write(void *opaque, gpa_t gpa, unsigned size, u64 val)
{
	return pt_copy(opaque, gpa, &val, size, true);
}

static int pt_translate(void *opaque, gva_t la, u32 access, gpa_t *gpa, struct emu_exception *exc)
{
	return translate_with(opaque, la, access, gpa, exc, pt_read);
}

static int pt_fetch(void *opaque, gva_t la, u8 *buf, unsigned len)
{
	return fetch_with(opaque, la, buf, len, pt_translate, pt_copy);
}

static const struct emu_ops pt_emu_ops = {
	pt_fetch, pt_translate, pt_read, pt_write, pt_read, pt_write,
};

static u8 decode_mode_of(enum cpu_mode mode)
{
	switch (mode) {
	case CPU_MODE_LONG64: return DECODE_MODE_64;
	case CPU_MODE_PROT32: return DECODE_MODE_32;
	default: return DECODE_MODE_16;
	}
}

static void emu_vcpu_from(struct vcpu *v, struct emu_vcpu *e)
{
	struct vcpu_sys p;

	_Static_assert(sizeof(e->regs) == sizeof(v->regs),
		       "emulator and vCPU register files match");
	_Static_assert(DECODE_SEG_COUNT <= 6, "the segments vcpu_sys has");
	memcpy(&e->regs, &v->regs, sizeof(e->regs));
	virt->get_sys(v, &p);
	for (int s = 0; s < DECODE_SEG_COUNT; s++)
		e->seg_base[s] = p.seg_base[s];
	e->mode = decode_mode_of(p.mode);
	e->cpl = p.cpl;
	e->la57 = p.cr4 & GWALK_CR4_LA57;
}

static const char *failure_reason(int rc)
{
	switch (rc) {
	case DECODE_ERR_UNSUPPORTED: return "an instruction the monitor does not emulate for MMIO";
	case -E_NOENT: return "no RAM and no device there";
	case -E_INVAL: return "the guest's mappings changed under the access";
	default: return "the instruction could not be fetched or emulated";
	}
}

static void report_failure(struct vcpu *v, const struct emu_mmio *m, int rc)
{
	char bytes[3 * DECODE_MAX_LEN + 1];
	gpa_t where = rc == -E_NOENT ? v->mmio_nowhere : v->exit.npf.gpa;

	for (unsigned i = 0; i < m->nfetched; i++)
		ksnprintf(bytes + 3 * i, 4, "%02x ", m->fetched[i]);
	bytes[m->nfetched ? 3 * m->nfetched - 1 : 0] = '\0';
	vm_stop(v->vm, EXIT_GUEST_STOPPED,
		"vCPU %u accessed guest-physical %#llx at RIP %#llx (instruction bytes: %s): %s",
		v->id, (unsigned long long)where, (unsigned long long)v->regs.rip,
		m->nfetched ? bytes : "unreadable", failure_reason(rc));
}

static u8 decode_mode_of(enum cpu_mode mode);
static void emu_vcpu_from(struct vcpu *v, struct emu_vcpu *e);

int mmio_emulate_pt_write(struct vcpu *v)
{
	struct emu_vcpu e;
	struct emu_mmio m = { .fault_gpa = v->exit.npf.gpa, .max_iters = MMIO_REP_BATCH };
	int rc;

	emu_vcpu_from(v, &e);
	rc = emulate_mmio(&e, &pt_emu_ops, v, &m);
	if (rc == EMU_DONE || rc == EMU_REPEAT) {
		memcpy(&v->regs, &e.regs, sizeof(v->regs));
		return 0;
	}
	if (rc == EMU_EXCEPTION) {
		if (m.exc.vector == EMU_VEC_PF) {
			struct vcpu_sys cr2 = { .cr2 = m.exc.cr2 };
			virt->set_sys(v, &cr2, SYS_CR2);
		}
		virt_inject_exception(v, m.exc.vector, m.exc.has_error_code, m.exc.error_code);
		return 0;
	}
	return rc;
}

void mmio_handle_npf(struct vcpu *v)
{
	struct emu_vcpu e;
	struct emu_mmio m = { .fault_gpa = v->exit.npf.gpa, .max_iters = MMIO_REP_BATCH };
	int rc;

	if (v->vm->shadow && shadow_vm_npf(v))
		return; /* (a write to a page table the shadows derive from) */
	if (vm_gpa_is_ram(v->vm, v->exit.npf.gpa, 1) && v->vm->cluster) {
		/* Guest RAM this node lacks rights to: the protocol fetches them. */
		v->vm->cluster->fault(v, v->exit.npf.gpa, v->exit.npf.write, v->exit.npf.fetch,
				      v->exit.npf.walk);
		return;
	}
	if (vm_gpa_is_ram(v->vm, v->exit.npf.gpa, 1)) {
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u: nested page fault on guest RAM at "
			"%#llx (%s, qualification %#llx): a monitor mapping bug",
			v->id, (unsigned long long)v->exit.npf.gpa,
			v->exit.npf.fetch   ? "fetch"
			: v->exit.npf.write ? "write"
					    : "read",
			(unsigned long long)v->exit.npf.qual);
		return;
	}
	emu_vcpu_from(v, &e);
	rc = emulate_mmio(&e, &mmio_emu_ops, v, &m);
	if (rc == EMU_DONE || rc == EMU_REPEAT) {
		memcpy(&v->regs, &e.regs, sizeof(v->regs));
	} else if (rc == EMU_EXCEPTION) {
		if (m.exc.vector == EMU_VEC_PF) {
			struct vcpu_sys cr2 = { .cr2 = m.exc.cr2 };
			virt->set_sys(v, &cr2, SYS_CR2);
		}
		virt_inject_exception(v, m.exc.vector, m.exc.has_error_code, m.exc.error_code);
	} else if (!__atomic_load_n(&v->vm->stopped, __ATOMIC_ACQUIRE)) {
		report_failure(v, &m, rc); /* (not an access cut short by the guest's stop) */
	}
}
