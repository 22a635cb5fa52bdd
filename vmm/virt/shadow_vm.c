// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM's shadow page tables (see vmm/virt/shadow_vm.h).
 *
 * Ordering with the other vCPUs. A page newly protected for shadowing may still be
 * writable in another core's TLB: the fill that protected it flushes every local
 * core (vm_flush_guest_tlbs, waiting) before anything is derived from the page, and
 * does so under the lock, so no other fill can rely on it first. A reset frees every
 * shadow page, roots included: it flushes every core the same way, and a vCPU whose
 * root is from before a reset does not enter (shadow_vm_before_entry re-roots it).
 * Page tables out of sync are protected again at a CR3 load the same way. While any
 * is out of sync, every vCPU on shadows intercepts INVLPG and CR4 writes (before the
 * first page goes out of sync every core is flushed, waiting, so none runs on without
 * the intercepts), so a guest that changes an entry out of sync on one core and
 * flushes it on another finds the shadow synced by whichever flush comes first: no
 * core's flush passes the monitor by.
 */
#include "vmm/virt/shadow_vm.h"
#include "vmm/virt/cluster.h"
#include "vmm/virt/cpuid.h"
#include "vmm/virt/irq.h"
#include "vmm/virt/exit.h"
#include "vmm/virt/mmio.h"
#include "vmm/virt/virt.h"
#include "vmm/host/cpu.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/power.h"
#include "vmm/host/tsc.h"
#include "vmm/emu/decode.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/x86.h"

#define VEC_GP 13
#define VEC_PF 14

/* ---- The core's view of guest memory: this node's RAM and nested tables ---------- */

/* In granted[], beside the rights: the guest wrote the page since write rights came
 * (through the nested tables, or by an emulated write). */
#define GRANTED_WRITTEN 0x80u

static u32 granted(const struct vm_shadow *vs, u64 gfn)
{
	return vs->granted ? vs->granted[gfn] & SPACE_RWX : SPACE_RWX;
}

void *shadow_vm_local(struct vm *vm, gpa_t gpa, u64 len, bool write)
{
	struct vm_shadow *vs = vm->shadow;
	void *p;

	spin_assert_held(&vs->lock);
	if (!vm_gpa_is_ram(vm, gpa, len) || ((gpa & ~PAGE_MASK) + len > PAGE_SIZE))
		return NULL;
	/* (rights first: a page homed elsewhere has a cache frame while it has rights) */
	if ((granted(vs, gpa >> PAGE_SHIFT) & (write ? SPACE_W : SPACE_R)) &&
	    (p = vm_gpa_ptr(vm, gpa, len))) {
		/* (an emulated write: no dirty mark in the nested tables) */
		if (write && vs->granted)
			vs->granted[gpa >> PAGE_SHIFT] |= GRANTED_WRITTEN;
		return p;
	}
	vs->need_gpa = gpa;
	vs->need_write = write;
	return NULL;
}

/* Why a local access failed: no rights here yet (-E_AGAIN), or not RAM at all. */
static int local_error(struct vm *vm, gpa_t gpa)
{
	return vm_gpa_is_ram(vm, gpa, 1) ? -E_AGAIN : -E_FAULT;
}

static int op_read(void *ctx, gpa_t gpa, u64 *val)
{
	u64 *p = (gpa & 7) ? NULL : shadow_vm_local(ctx, gpa, 8, false);

	if (!p)
		return (gpa & 7) ? -E_FAULT : local_error(ctx, gpa);
	*val = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	return 0;
}

static int op_cmpxchg(void *ctx, gpa_t gpa, u64 old, u64 val)
{
	u64 *p = (gpa & 7) ? NULL : shadow_vm_local(ctx, gpa, 8, true);

	if (!p)
		return (gpa & 7) ? -E_FAULT : local_error(ctx, gpa);
	return __atomic_compare_exchange_n(p, &old, val, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
		       ? 0
		       : 1;
}

/* The nested tables' rights to a page: the cluster's, less W while the shadows
 * protect it. */
static int op_protect(void *ctx, u64 gfn, bool on)
{
	struct vm *vm = ctx;
	struct vm_shadow *vs = vm->shadow;
	u32 prot = granted(vs, gfn);
	int written, rc;

	rc = nested_protect_written(&vm->space, gfn << PAGE_SHIFT, on ? prot & ~SPACE_W : prot,
				    &written);
	if (written == 1 && vs->granted) /* (the entry starts afresh: its mark kept here) */
		vs->granted[gfn] |= GRANTED_WRITTEN;
	return rc;
}

int shadow_vm_init(struct vm *vm, u32 pool_pages, bool sync_only)
{
	const struct shadow_ops ops = { op_read, op_cmpxchg, op_protect, vm };
	u64 guest_pages = vm->gpa_end >> PAGE_SHIFT;
	u64 meta_size = shadow_meta_size(pool_pages, guest_pages);
	/* Far above the guest's RAM and devices, inside the physical address width: the
	 * CPU checks the shadow's entries against it. */
	gpa_t pool_gpa = 1ULL << (MIN(boot_cpu.phys_addr_bits, 48u) - 1); /* (4-level nested) */
	u64 mirror = vm->cluster ? guest_pages : 0;
	hpa_t pool, meta;
	struct vm_shadow *vs;
	int rc;

	if (vm->gpa_end > pool_gpa) {
		pr_err("shadow: the guest's RAM reaches %#llx, where the shadow tables live: at "
		       "most %llu GiB of guest RAM on shadow page tables (`noshadow` on the "
		       "monitor's command line: nested paging, across nodes with turns)\n",
		       (unsigned long long)vm->gpa_end,
		       (unsigned long long)((pool_gpa - VM_HIGH_RAM_BASE + VM_LOW_RAM_MAX) >> 30));
		return -E_NOSPC;
	}
	pool = page_alloc(pool_pages, 512);
	meta = page_alloc(ALIGN_UP(sizeof(*vs) + meta_size + mirror, PAGE_SIZE) / PAGE_SIZE, 1);
	if (!pool || !meta) {
		pr_err("shadow: cannot allocate %u KiB of shadow page tables and %llu KiB for "
		       "their bookkeeping (`noshadow`: nested paging, across nodes with turns)\n",
		       pool_pages * 4,
		       (unsigned long long)(ALIGN_UP(sizeof(*vs) + meta_size + mirror, PAGE_SIZE) /
					    1024));
		return -E_NOMEM;
	}
	memset(hpa_to_ptr(pool), 0, (u64)pool_pages * PAGE_SIZE);
	memset(hpa_to_ptr(meta), 0, sizeof(*vs) + meta_size + mirror);
	vs = hpa_to_ptr(meta);
	/* (across nodes every page starts with no rights here, as vmdsm_init left it) */
	vs->granted = mirror ? (u8 *)(vs + 1) + meta_size : NULL;
	vs->vm = vm;
	vs->lock = (struct spinlock)SPINLOCK_INIT("shadow");
	rc = shadow_init(&vs->core, &ops, hpa_to_ptr(pool), pool_gpa, pool_pages, vs + 1,
			 guest_pages);
	vs->core.sync_only = sync_only;
	for (u64 off = 0; rc == 0 && off < (u64)pool_pages * PAGE_SIZE; off += SPACE_2M)
		rc = nested_map(&vm->space, pool_gpa + off, pool + off,
				MIN(SPACE_2M, (u64)pool_pages * PAGE_SIZE - off) == SPACE_2M
					? SPACE_2M
					: SPACE_4K,
				SPACE_R | SPACE_W);
	if (rc) {
		pr_err("shadow: cannot map the shadow page tables (error %d)\n", rc);
		return rc;
	}
	cpuid_shadow_paging = true;
	vs->alone = vm->cluster && vm->self == 0;
	vs->alone_ns = time_now_ns();
	vs->left_once = !vs->alone;
	vm->shadow = vs;
	pr_info("shadow: guest page tables shadowed on this node: %u KiB of shadow tables at "
		"guest-physical %#llx; %s\n",
		pool_pages * 4, (unsigned long long)pool_gpa,
		sync_only ? "every write to a page table emulated (shadow=sync)"
			  : "page tables the guest writes given back out of sync until its flush");
	return 0;
}

/* Under the lock: every shadow freed, every core out of the guest or flushed. */
static void reset_all(struct vm_shadow *vs)
{
	spin_assert_held(&vs->lock);
	shadow_reset(&vs->core);
	vm_flush_guest_tlbs(vs->vm, true);
}

/* A flush of the whole TLB (a CR3 or CR4 write, a vCPU coming onto shadows): the page
 * tables out of sync are synced and protected again (every core flushed, waiting,
 * between the halves, so that none still writes them when their entries are read). */
static void sync_all(struct vm_shadow *vs)
{
	spin_lock(&vs->lock);
	if (vs->core.nunsync && shadow_sync_begin(&vs->core))
		vm_flush_guest_tlbs(vs->vm, true); /* (no core writes them any more) */
	shadow_sync_end(&vs->core);
	spin_unlock(&vs->lock);
}

/* A flush the monitor does not emulate (a CR4 write; an INVLPG it could not decode):
 * every page is synced, and the vCPU runs the instruction again natively, as then no
 * page is out of sync and the next entry intercepts nothing. Until it has run, none
 * goes out of sync (a hold), so it does run. */
static void flush_again(struct vcpu *v)
{
	struct vm_shadow *vs = v->vm->shadow;

	spin_lock(&vs->lock);
	vs->core.hold = true;
	vs->hold_rip = v->regs.rip;
	__atomic_store_n(&vs->holder, v->id + 1, __ATOMIC_SEQ_CST);
	spin_unlock(&vs->lock);
	sync_all(vs);
}

void shadow_vm_after_run(struct vcpu *v)
{
	struct vm_shadow *vs = v->vm->shadow;

	if (__atomic_load_n(&vs->holder, __ATOMIC_SEQ_CST) != v->id + 1)
		return;
	spin_lock(&vs->lock);
	/* (a run that ended before the instruction, on an interrupt or a page, holds on;
	 * a second vCPU that took the hold meanwhile holds it for both) */
	if (vs->holder == v->id + 1 && v->regs.rip != vs->hold_rip) {
		vs->core.hold = false;
		__atomic_store_n(&vs->holder, 0, __ATOMIC_SEQ_CST);
	}
	spin_unlock(&vs->lock);
}

/* The vCPU's shadow root for its guest CR3. */
static void set_root(struct vcpu *v)
{
	struct vm_shadow *vs = v->vm->shadow;
	gpa_t root;

	spin_lock(&vs->lock);
	if (__atomic_load_n(&vs->alone, __ATOMIC_SEQ_CST)) {
		/* (gone alone since the caller looked: no root, nothing filled or protected
		 * while the node walks the guest's own tables) */
		v->shadow_cr3 = 0;
		spin_unlock(&vs->lock);
		return;
	}
	if (shadow_root(&vs->core, v->guest_cr3, &root) == -E_NOMEM) {
		reset_all(vs);
		BUG_ON(shadow_root(&vs->core, v->guest_cr3, &root) != 0); /* (an empty pool) */
	}
	v->shadow_cr3 = root;
	v->shadow_gen = vs->core.gen;
	spin_unlock(&vs->lock);
}

bool shadow_vm_leave_alone(struct vm *vm)
{
	struct vm_shadow *vs = vm->shadow;
	bool was = true;

	if (!__atomic_compare_exchange_n(&vs->alone, &was, false, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return false;
	if (!__atomic_exchange_n(&vs->left_once, true, __ATOMIC_SEQ_CST)) {
		vs->alone_ns = time_now_ns() - vs->alone_ns;
		pr_info("shadow: a vCPU on another node starts: this node's vCPUs go onto shadow "
			"page tables (on the guest's own tables for the first %llu ms)\n",
			(unsigned long long)(vs->alone_ns / 1000000));
	}
	/* (each of this node's vCPUs comes onto them at its next entry; one in the guest
	 * now walks the guest's tables until it leaves, and the protocol keeps that
	 * coherent: a walk through nested paging asks for write rights, as without shadows) */
	for (u32 i = 0; i < vm->nlocal; i++)
		vcpu_kick(&vm->vcpus[vm->first_local + i]);
	return true;
}

void shadow_vm_remote_start(struct vm *vm)
{
	shadow_vm_leave_alone(vm);
}

bool shadow_vm_go_alone(struct vm *vm)
{
	struct vm_shadow *vs = vm->shadow;
	bool was = false;

	spin_lock(&vs->lock);
	if (!__atomic_compare_exchange_n(&vs->alone, &was, true, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		spin_unlock(&vs->lock);
		return false;
	}
	/* (every shadow freed, every page table unprotected, every core flushed: a vCPU
	 * whose root is from before does not enter, and re-roots, here onto the guest's
	 * own tables; should a peer wake meanwhile, the shadows are only filled anew) */
	reset_all(vs);
	spin_unlock(&vs->lock);
	return true;
}

void shadow_vm_before_entry(struct vcpu *v)
{
	struct vm_shadow *vs = v->vm->shadow;
	struct gwalk_cpu cpu;

	vcpu_walk_state(v, &cpu); /* (CR3 is the guest's own, shadowed or not) */
	if (!shadow_mode_ok(&cpu) || __atomic_load_n(&vs->alone, __ATOMIC_SEQ_CST)) {
		v->shadow_cr3 = 0; /* the back end gives the guest its CR3 back */
		return;
	}
	if (!v->shadow_cr3) {
		v->guest_cr3 = cpu.cr3;
		sync_all(vs); /* (its flushes off shadows were not intercepted) */
	}
	if (!v->shadow_cr3 || v->shadow_gen != __atomic_load_n(&vs->core.gen, __ATOMIC_ACQUIRE))
		set_root(v);
}

/* ---- CR accesses ---------------------------------------------------------------- */

/* MOV to or from CRn, or CLTS, decoded at RIP (no decode assists): the GPR and the
 * length. -1 for anything else. */
static int decode_cr(const u8 *b, int n, bool is64, u8 *cr, u8 *gpr, bool *clts)
{
	int i = 0;
	u8 rex = 0;

	while (i < n &&
	       (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x26 ||
		b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x64 || b[i] == 0x65))
		i++;
	if (is64 && i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 2 > n || b[i] != 0x0f)
		return -1;
	*clts = b[i + 1] == 0x06;
	if (*clts) {
		*cr = 0;
		return i + 2;
	}
	if (i + 3 > n || (b[i + 1] != 0x20 && b[i + 1] != 0x22))
		return -1;
	/* (the mod field is ignored: the operand is always a register) */
	*cr = (u8)(((rex >> 2) & 1) << 3 | ((b[i + 2] >> 3) & 7));
	*gpr = (u8)((rex & 1) << 3 | (b[i + 2] & 7));
	return i + 3;
}

static void cr3_write(struct vcpu *v, u64 val)
{
	if (val >> boot_cpu.phys_addr_bits) {
		virt_inject_exception(v, VEC_GP, true, 0);
		return;
	}
	sync_all(v->vm->shadow);
	v->guest_cr3 = val;
	set_root(v);
	v->flush_tlb = true; /* (all of it, globals too: allowed) */
	vcpu_skip_insn(v);
}

/* Paging stays on, in the same mode: turning it off under shadows is not emulated. */
static void cr0_write(struct vcpu *v, u64 val)
{
	struct vcpu_sys sys;

	virt->get_sys(v, &sys);
	if ((val >> 32) || ((val & X86_CR0_NW) && !(val & X86_CR0_CD))) {
		virt_inject_exception(v, VEC_GP, true, 0);
		return;
	}
	if ((val ^ sys.cr0) & (X86_CR0_PE | X86_CR0_PG)) {
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u turned paging or protection %s (CR0 %#llx -> %#llx) under shadow "
			"page tables, which do not emulate that (run with `noshadow`, or without "
			"`shadow` on one node)",
			v->id, (val & X86_CR0_PG) ? "on" : "off", (unsigned long long)sys.cr0,
			(unsigned long long)val);
		return;
	}
	sys.cr0 = val | X86_CR0_ET;
	virt->set_sys(v, &sys, SYS_CR0);
	v->flush_tlb = true; /* (WP may have changed: the next entry looks at the mode) */
	vcpu_skip_insn(v);
}

void shadow_vm_cr(struct vcpu *v)
{
	struct vcpu_sys sys;
	u8 b[15], cr = 0, gpr = 0;
	bool clts = false;
	int n, len;

	if (v->exit.cr.write && v->exit.cr.cr == 4) {
		/* A CR4 write, intercepted while a page table is out of sync: it may flush
		 * the TLB (PGE, PAE, SMEP), so they are synced, and the write runs again,
		 * natively, as the guest made it. */
		flush_again(v);
		return;
	}
	virt->get_sys(v, &sys);
	n = vcpu_fetch(v, sys.seg_base[DECODE_SEG_CS] + v->regs.rip, b, sizeof(b));
	len = decode_cr(b, n, sys.mode == CPU_MODE_LONG64, &cr, &gpr, &clts);
	if (len < 0 || cr != v->exit.cr.cr || (clts && !v->exit.cr.write)) {
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u: a %s of CR%u at RIP %#llx by an instruction the monitor does not "
			"emulate (first bytes %02x %02x %02x %02x)",
			v->id, v->exit.cr.write ? "write" : "read", v->exit.cr.cr,
			(unsigned long long)v->regs.rip, n > 0 ? b[0] : 0, n > 1 ? b[1] : 0,
			n > 2 ? b[2] : 0, n > 3 ? b[3] : 0);
		return;
	}
	v->exit.insn_len = (u32)len;
	if (!v->exit.cr.write) { /* (only CR3 reads are intercepted) */
		v->regs.gpr[gpr] = v->guest_cr3;
		vcpu_skip_insn(v);
	} else if (cr == 3) {
		u64 val = v->regs.gpr[gpr];
		cr3_write(v, sys.mode == CPU_MODE_LONG64 ? val : (u32)val);
	} else {
		cr0_write(v, clts ? sys.cr0 & ~X86_CR0_TS : v->regs.gpr[gpr]);
	}
}

/* ---- INVLPG ---------------------------------------------------------------------- */

/* The guest's INVLPG (CPL 0: the CPU raises #GP before the intercept otherwise): the
 * entry out of sync its address uses, if any, is synced; this core's TLB is flushed. */
void shadow_vm_invlpg(struct vcpu *v)
{
	struct vm_shadow *vs = v->vm->shadow;
	struct decode_insn in;
	struct vcpu_sys sys;
	u8 b[DECODE_MAX_LEN];
	gva_t la;
	int n, rc;

	virt->get_sys(v, &sys);
	n = vcpu_fetch(v, sys.seg_base[DECODE_SEG_CS] + v->regs.rip, b, sizeof(b));
	rc = decode_insn(b, n > 0 ? (size_t)n : 0,
			 sys.mode == CPU_MODE_LONG64   ? DECODE_MODE_64
			 : sys.mode == CPU_MODE_PROT32 ? DECODE_MODE_32
						       : DECODE_MODE_16,
			 &in);
	if (rc || in.op != DECODE_OP_INVLPG) {
		/* (bytes the guest changed since, a fetch cut short: no address, so every
		 * page is synced, and the instruction runs again, natively, as for CR4) */
		flush_again(v);
		return;
	}
	la = decode_mem_offset(&in, v->regs.gpr, v->regs.rip);
	/* (in 64-bit mode only FS and GS have a base) */
	if (sys.mode != CPU_MODE_LONG64 || in.mem.seg == DECODE_SEG_FS ||
	    in.mem.seg == DECODE_SEG_GS)
		la += sys.seg_base[in.mem.seg];
	if (sys.mode != CPU_MODE_LONG64)
		la = (u32)la;
	if (v->shadow_cr3) {
		spin_lock(&vs->lock);
		if (v->shadow_gen == vs->core.gen)
			shadow_invlpg(&vs->core, v->shadow_cr3, la);
		spin_unlock(&vs->lock);
	}
	v->flush_tlb = true;
	v->exit.insn_len = in.len;
	vcpu_skip_insn(v);
}

/* ---- The guest's #PF -------------------------------------------------------------- */

static void inject_pf(struct vcpu *v, gva_t va, u32 error)
{
	struct vcpu_sys cr2 = { .cr2 = va };

	if (v->exit.pf.in_event) {
		/* The fault hit the delivery of another event, and the guest's own tables
		 * refuse it: a real CPU would raise #DF or lose the interrupt. Not modelled. */
		virt->dump(v);
		vm_stop(v->vm, EXIT_GUEST_CRASH,
			"vCPU %u: #PF at %#llx (error %#x) while delivering an event: the guest's "
			"tables do not map its IDT, stack or handler",
			v->id, (unsigned long long)va, error);
		return;
	}
	virt->set_sys(v, &cr2, SYS_CR2);
	virt_inject_exception(v, VEC_PF, true, error);
}

/* Changes to the shadows so far (racy reads are fine: a change seen late only costs
 * one more spurious round). */
static u64 shadow_mods(const struct vm_shadow *vs)
{
	const struct shadow_stats *s = &vs->core.st;

	return s->fills + s->zapped + s->drops + s->resets;
}

/* The vCPU waits for the page a local access lacked (the access runs again then).
 * A table read for a shadow asks for read rights only: the page stays shared. */
static void need_page(struct vcpu *v)
{
	struct vm_shadow *vs = v->vm->shadow;

	vs->waits++;
	v->vm->cluster->fault(v, vs->need_gpa & PAGE_MASK, vs->need_write, false, true);
}

void shadow_vm_pf(struct vcpu *v)
{
	struct vm_shadow *vs = v->vm->shadow;
	gva_t va = v->exit.pf.addr;
	u32 error = v->exit.pf.error;
	struct gwalk_cpu cpu;
	int rc;

	vcpu_walk_state(v, &cpu);
	spin_lock(&vs->lock);
	if (v->shadow_gen != vs->core.gen) {
		spin_unlock(&vs->lock);
		return; /* its root is gone: re-rooted at entry, the access faults again */
	}
	while ((rc = shadow_fault(&vs->core, &cpu, va, &error)) == SHADOW_FLUSH)
		vm_flush_guest_tlbs(v->vm, true);
	if (rc == -E_NOMEM)
		reset_all(vs);
	spin_unlock(&vs->lock);
	if (rc == -E_AGAIN) { /* a guest table not here: the cluster brings it */
		need_page(v);
		return;
	}
	if (rc != SHADOW_SPURIOUS)
		v->pf_again = false;
	switch (rc) {
	case SHADOW_FILLED:
	case -E_NOMEM: /* (filled into the new shadows when it faults again) */ return;
	case SHADOW_INJECT: inject_pf(v, va, error); return;
	case SHADOW_SPURIOUS:
		/* Nothing to fill: a stale TLB entry, or, the second time, a check the
		 * guest walker does not model: the CPU's own fault goes to the guest. */
		if (v->pf_again && v->pf_again_at == va && v->pf_again_rip == v->regs.rip &&
		    v->pf_again_error == v->exit.pf.error && v->pf_again_mods == shadow_mods(vs)) {
			v->pf_again = false;
			inject_pf(v, va, v->exit.pf.error);
		} else {
			v->pf_again = true;
			v->pf_again_at = va;
			v->pf_again_rip = v->regs.rip;
			v->pf_again_error = v->exit.pf.error;
			v->pf_again_mods = shadow_mods(vs);
			v->flush_tlb = true;
		}
		return;
	default:
		virt->dump(v);
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u: #PF at %#llx: the guest's page tables %s (error %d)", v->id,
			(unsigned long long)va,
			rc == -E_FAULT ? "map the monitor's shadow tables, or lie outside its RAM"
				       : "cannot be read",
			rc);
	}
}

/* ---- Writes to protected guest page tables ---------------------------------------- */

bool shadow_vm_npf(struct vcpu *v)
{
	struct vm_shadow *vs = v->vm->shadow;
	gpa_t gpa = v->exit.npf.gpa;
	bool ours;

	if (!vm_gpa_is_ram(v->vm, gpa, 1))
		return false;
	int rc = 0;

	spin_lock(&vs->lock);
	ours = shadow_protected(&vs->core, gpa >> PAGE_SHIFT);
	/* The write is emulated under the lock, so the shadows see every change to the
	 * page in order; one the emulator cannot do (or an unshadowed vCPU's own walk)
	 * unshadows the page, and the access runs again. */
	/* (not the instruction's own write: the walk of a vCPU not on shadows, or an
	 * event's delivery; the emulator takes the write at the faulting address to be
	 * its operand's) */
	if (ours && !v->exit.npf.walk && !v->exit.npf.in_event &&
	    (granted(vs, gpa >> PAGE_SHIFT) & SPACE_W) &&
	    shadow_can_unsync(&vs->core, gpa >> PAGE_SHIFT)) {
		/* A page table given back out of sync: the write runs again. The first: every
		 * core intercepts INVLPG and CR4 writes before it is writable (a core that
		 * entered before would flush it natively). */
		if (!vs->core.nunsync) {
			__atomic_store_n(&vs->arming, true, __ATOMIC_SEQ_CST);
			vm_flush_guest_tlbs(v->vm, true);
		}
		rc = shadow_unsync(&vs->core, gpa >> PAGE_SHIFT) == 0 ? 1 : -E_INVAL;
		__atomic_store_n(&vs->arming, false, __ATOMIC_SEQ_CST);
	} else if (ours)
		rc = v->exit.npf.walk || v->exit.npf.in_event ? -E_INVAL : mmio_emulate_pt_write(v);
	else if (!v->vm->cluster && nested_rights(&v->vm->space, gpa) == (int)SPACE_RWX)
		rc = 1; /* unprotected meanwhile: this core's TLB held the old rights */
	if (ours && rc == 0)
		vs->emulated++;
	if (rc < 0 && rc != -E_AGAIN) {
		shadow_drop(&vs->core, gpa >> PAGE_SHIFT);
		vs->unemulated++;
	}
	spin_unlock(&vs->lock);
	if (rc == -E_AGAIN)
		need_page(v);
	if (rc == 1)
		v->flush_tlb = true;
	return ours || rc == 1;
}

void shadow_vm_wrote(struct vm *vm, gpa_t gpa, u64 len)
{
	spin_assert_held(&vm->shadow->lock);
	shadow_write(&vm->shadow->core, gpa, len);
}

void shadow_vm_wrote_entry(struct vm *vm, gpa_t gpa, u64 old, u64 val)
{
	spin_assert_held(&vm->shadow->lock);
	shadow_write_entry(&vm->shadow->core, gpa, old, val);
}

void shadow_vm_monitor_wrote(struct vm *vm, gpa_t gpa, u64 len)
{
	spin_lock(&vm->shadow->lock);
	shadow_write(&vm->shadow->core, gpa, len);
	spin_unlock(&vm->shadow->lock);
}

u32 shadow_vm_rights(struct vm *vm, u64 gfn, u32 prot, int *written)
{
	struct vm_shadow *vs = vm->shadow;
	u32 old;

	spin_lock(&vs->lock);
	old = granted(vs, gfn);
	/* (the written mark stays through the change: op_protect adds the entry's to it) */
	vs->granted[gfn] = (u8)(prot | (vs->granted[gfn] & GRANTED_WRITTEN));
	if (!(prot & SPACE_R))
		shadow_drop(&vs->core, gfn); /* (before the page leaves: the caller flushes) */
	(void)op_protect(vm, gfn, shadow_protected(&vs->core, gfn));
	*written = (old & SPACE_W) ? (vs->granted[gfn] & GRANTED_WRITTEN) != 0 : -1;
	if (!(prot & SPACE_W) || !(old & SPACE_W)) /* (a tenure of write rights ended or begins) */
		vs->granted[gfn] &= (u8)~GRANTED_WRITTEN;
	spin_unlock(&vs->lock);
	return old;
}

void shadow_vm_report(struct vm *vm, const char *prefix)
{
	const struct shadow_stats *s;

	if (!vm->shadow)
		return;
	s = &vm->shadow->core.st;
	kprintf("%s%llu fills (and %llu entries mapped beside them), %llu #PF given to the "
		"guest, %llu spurious, %llu TLB flushes for new protections; %llu page-table "
		"writes emulated (%llu of them mapping a page, derived at once), %llu pages "
		"unshadowed for a write not emulated or a walk off "
		"shadows, %llu for writes like data's; %llu entries dropped in all; %llu resets; "
		"%llu of %u shadow pages in use; %llu waits for the cluster\n",
		prefix, (unsigned long long)s->fills, (unsigned long long)s->ahead,
		(unsigned long long)s->injected, (unsigned long long)s->spurious,
		(unsigned long long)s->flushes, (unsigned long long)vm->shadow->emulated,
		(unsigned long long)s->prefilled, (unsigned long long)vm->shadow->unemulated,
		(unsigned long long)s->floods, (unsigned long long)s->zapped,
		(unsigned long long)s->resets, (unsigned long long)s->spages,
		vm->shadow->core.npages, (unsigned long long)vm->shadow->waits);
	kprintf("%sout of sync: %llu page tables given back, %llu synced again (%llu entries "
		"dropped then), %llu INVLPGs that reached one\n",
		prefix, (unsigned long long)s->unsyncs, (unsigned long long)s->syncs,
		(unsigned long long)s->synced, (unsigned long long)s->invlpgs);
}
