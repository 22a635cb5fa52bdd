/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM's shadow page tables (the core is vmm/virt/shadow.h): the pool in this
 * node's nested tables, each vCPU's switch between the guest's own tables and the
 * shadows, and the exits shadows add. A vCPU runs on shadows while its guest is in
 * 64-bit 4-level paging with CR0.WP (what Linux runs); in any other mode (real mode,
 * an AP's start-up trampoline) it walks the guest's tables through nested paging, as
 * without shadows. With shadows, the CPU's CR3 is the shadow root: CR3 reads and
 * writes and CR0 writes exit, and so do the guest's #PF (which may be a shadow entry
 * not filled yet) and its INVLPG. A write to a guest page table the shadows derive
 * from exits too (nested write protection): it is emulated, or the page table is
 * given back out of sync until the guest's next INVLPG of what it changed or CR3
 * load (vmm/virt/shadow.h), or the page is unshadowed, and the write runs again.
 *
 * `shadow` on the monitor's command line turns them on. Across nodes the guest's page
 * tables are read through the coherence protocol's rights, never taken for writing
 * to be walked; a page that leaves the node loses its shadows first. Node 0 runs on the
 * guest's own tables until it starts a vCPU on another node: until then no other node
 * uses them (a Linux guest boots on CPU 0 alone, about a third of a 2-node boot); and any
 * node does while every other node's vCPUs are idle (vmm/cluster/alone.h). All shadow
 * changes are made under one lock, under which nothing waits for the boot core.
 */
#ifndef UNUM_VMM_VIRT_SHADOW_VM_H
#define UNUM_VMM_VIRT_SHADOW_VM_H

#include "vmm/host/spinlock.h"
#include "vmm/virt/shadow.h"
#include "vmm/virt/vm.h"

#define SHADOW_POOL_PAGES 2048 /* 8 MiB of shadow tables per node */

struct vm_shadow {
	struct shadow core;
	struct spinlock lock;
	struct vm *vm;
	u64 emulated;	/* guest writes to its page tables, emulated */
	u64 unemulated; /* ... not (unshadowed instead), or a walk by a vCPU off shadows */
	/* Across nodes: each guest page's rights here as the cluster granted them
	 * (SPACE_*; shadow_vm_rights), which the nested tables have less W where the
	 * shadows protect; NULL on one node (all rights). */
	u8 *granted;
	gpa_t need_gpa; /* what a local access lacked (shadow_vm_local), and for writing */
	bool need_write;
	u64 waits;    /* fills and emulations that waited for the cluster */
	bool arming;  /* the first page table is going out of sync: cores intercept already */
	u32 holder;   /* the vCPU (id + 1) whose flush runs again natively: none goes out of
		      * sync until it has run it (core.hold) */
	u64 hold_rip; /* ... the flush's RIP: run once RIP moves */
	/* Across nodes, on node 0 until it starts a vCPU another node runs, and on any node
	 * while every other node's vCPUs are idle (vmm/cluster/alone.h): no other node walks
	 * or writes the guest's page tables, so this node's vCPUs walk them through nested
	 * paging, as on one node, without the shadows' exits. */
	bool alone;
	bool left_once; /* the first alone (node 0's from the start) is over */
	u64 alone_ns;	/* how long that lasted (time_now_ns at the start, then the length) */
};

/* After vm_create() (and cluster_init(): across nodes, every page starts with no
 * rights): the pool, mapped in vm->space. 0, or a negative error (said). */
int shadow_vm_init(struct vm *vm, u32 pool_pages, bool sync_only);
/* A SIPI leaves for a vCPU another node runs: every vCPU here runs on the shadows from its
 * next entry, until the node goes alone again (vm_shadow.alone). */
void shadow_vm_remote_start(struct vm *vm);
/* Every other node's vCPUs are idle (vmm/cluster/alone.h): this node's vCPUs go onto the
 * guest's own tables, every shadow freed and every page table unprotected (each core
 * flushed, waiting). false if they were already. Boot core. */
bool shadow_vm_go_alone(struct vm *vm);
/* A vCPU on another node may run: this node's vCPUs go back onto the shadows, each at its
 * next entry (one in the guest now is kicked out). false if they were not alone. Any core. */
bool shadow_vm_leave_alone(struct vm *vm);
static inline bool shadow_vm_is_alone(const struct vm *vm)
{
	return __atomic_load_n(&vm->shadow->alone, __ATOMIC_SEQ_CST);
}
/* Before each entry: runs the vCPU on the shadows, or on the guest's tables, as its
 * mode (and vm_shadow.alone) allows. */
void shadow_vm_before_entry(struct vcpu *v);
/* With v->in_guest set, just before the entry: false if a reset freed its root since
 * (it goes round its loop again, and is re-rooted). */
static inline bool shadow_vm_may_enter(const struct vcpu *v)
{
	return !v->shadow_cr3 ||
	       v->shadow_gen == __atomic_load_n(&v->vm->shadow->core.gen, __ATOMIC_SEQ_CST);
}
/* With v->in_guest set, just before the entry: does the vCPU intercept the TLB flushes
 * that are not CR3 writes (INVLPG, CR4 writes)? Only while a page table is out of sync
 * (vmm/virt/shadow.h), or is about to be: the first one flushes every core first, so
 * no core enters without seeing it. */
static inline bool shadow_vm_wants_flushes(const struct vcpu *v)
{
	const struct vm_shadow *vs = v->vm->shadow;

	/* (arming first: read clear, it was cleared after the page went on the list, so
	 * the count is seen; read clear before it was set, this core's entry came before
	 * the flush, which waits for it to leave the guest) */
	return v->shadow_cr3 && (__atomic_load_n(&vs->arming, __ATOMIC_SEQ_CST) ||
				 __atomic_load_n(&vs->core.nunsync, __ATOMIC_SEQ_CST));
}
/* After the vCPU ran: a hold it asked for ends (see shadow_vm.c, flush_again). */
void shadow_vm_after_run(struct vcpu *v);
/* The exits: a CR access (EXIT_CR), the guest's #PF (EXIT_GUEST_PF), its INVLPG
 * (EXIT_INVLPG). */
void shadow_vm_cr(struct vcpu *v);
void shadow_vm_pf(struct vcpu *v);
void shadow_vm_invlpg(struct vcpu *v);
/* A nested page fault: true if it was on a page the shadows protect (now unshadowed,
 * the access runs again). */
bool shadow_vm_npf(struct vcpu *v);
/* Under the lock (from shadow_vm_npf's emulation): guest RAM at gpa (len bytes,
 * within a page) as a pointer, if this node has the rights to read it (or write it);
 * else NULL, with what it lacks noted for the cluster's fault. */
void *shadow_vm_local(struct vm *vm, gpa_t gpa, u64 len, bool write);
/* Under the lock: guest RAM [gpa, gpa + len) was written. */
void shadow_vm_wrote(struct vm *vm, gpa_t gpa, u64 len);
/* The same for one aligned 8-byte entry written from old to val (shadow_write_entry). */
void shadow_vm_wrote_entry(struct vm *vm, gpa_t gpa, u64 old, u64 val);
/* The monitor wrote guest RAM [gpa, gpa + len) (vm_write_guest): as above, taking the
 * lock. */
void shadow_vm_monitor_wrote(struct vm *vm, gpa_t gpa, u64 len);
/* Across nodes, the coherence protocol set this node's rights to guest page gfn
 * (SPACE_*): into the nested tables, less W if the shadows protect it; a page that
 * leaves loses its shadows first. Returns the rights it had; *written says whether the
 * guest wrote the page since write rights came (through the nested tables or by an
 * emulated write; -1 if it had no write rights). */
u32 shadow_vm_rights(struct vm *vm, u64 gfn, u32 prot, int *written);
/* "shadow:" lines, after prefix. */
void shadow_vm_report(struct vm *vm, const char *prefix);

#endif
