/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest virtual machine on this node: its RAM (2 MiB chunks of host memory
 * mapped in the nested address space from guest-physical 0 up to the devices'
 * window, the rest from 4 GiB), its vCPUs, and how it ended. vm_run() enters vCPU 0 and handles its exits
 * (vmm/virt/exit.c) until the guest stops.
 */
#ifndef UNUM_VMM_VIRT_VM_H
#define UNUM_VMM_VIRT_VM_H

#include "vmm/virt/vcpu.h"
#include "vmm/dev/ioapic.h"
#include "vmm/dev/pit.h"
#include "vmm/host/spinlock.h"
#include "vmm/virt/nested.h"

struct vm_cluster;
struct vm;

/* A device the boot core polls between guest exits, under dev_lock (vm_add_poll): returns
 * its next deadline in ns, or 0 for none. */
typedef u64 (*vm_poll_fn)(struct vm *vm, u64 now);

/* Device work the boot core does between guest exits, outside dev_lock and outside the
 * network's message handlers, so it may read and write guest RAM (which across nodes may
 * wait for pages): returns its next deadline in ns (now: more to do at once), or 0. */
typedef u64 (*vm_work_fn)(struct vm *vm, u64 now, void *ctx);

#define VM_MAX_VCPUS	  256
#define VM_MAX_WORKS	  4
#define VM_MAX_POLLS	  4
#define VM_HEARTBEAT_NS	  50000000ULL	/* 50 ms */
#define VM_STOPPED_NS	  1000000000ULL /* a pass of a vCPU's loop this long: a gap */
#define VM_PAUSE_YIELD_NS 1000000ULL	/* a spinning vCPU across nodes stays out 1 ms */
#define VM_HOME_ALIGN	  0x200000ULL	/* home ranges start on 2 MiB: the guest's large pages */
/* Guest RAM: [0, low_size) below the devices' window, the rest from 4 GiB up. */
#define VM_LOW_RAM_MAX	 0xfe000000ULL
#define VM_HIGH_RAM_BASE 0x100000000ULL
#define VM_CHUNK	 0x200000ULL /* guest RAM is backed by 2 MiB host chunks */

struct vm {
	u64 mem_size;  /* bytes of guest RAM */
	u64 low_size;  /* of them below VM_LOW_RAM_MAX; the rest at VM_HIGH_RAM_BASE */
	gpa_t gpa_end; /* the end of guest RAM: every guest page number is below gpa_end */
	/* Host address of each 2 MiB of guest RAM, in guest-physical order; across nodes
	 * only this node's home range has chunks (0 elsewhere). */
	hpa_t *chunks;
	gpa_t home_base, home_end; /* this node's home range (all of RAM on one node) */
	/* Across nodes, pages homed elsewhere live in 4 KiB frames of a bounded cache
	 * (vmm/cluster/vmdsm_cache.c): per guest page, 0 or 1 + its frame's index; the
	 * frames are 512 to each 2 MiB of frame_chunks. NULL on one node. */
	u32 *page_frame;
	hpa_t *frame_chunks;
	struct nested space; /* nested page tables (the back end's entry format) */
	/* Serialises the platform devices (ports, MMIO, PIT, UART) between vCPUs;
	 * taken with interrupts off, never while waiting for another CPU. */
	struct spinlock dev_lock;
	struct ioapic ioapic;
	struct pit pit;
	u32 nvcpus;		     /* in the whole cluster */
	u32 first_local, nlocal;     /* the vCPUs this node runs: vCPU first_local + i on core i */
	u32 self, nnodes;	     /* cluster node ids */
	u32 vcpu_node[VM_MAX_VCPUS]; /* which node runs each vCPU */
	u64 home_weight[VM_MAX_VCPUS];	  /* per node: its share of the homes (vm_home_range) */
	const struct vm_cluster *cluster; /* when the guest spans nodes (vmm/virt/cluster.h) */
	struct vm_shadow *shadow;	  /* shadow page tables (vmm/virt/shadow_vm.h), or NULL */
	vm_poll_fn polls[VM_MAX_POLLS];	  /* devices the boot core polls (vm_add_poll) */
	u32 npolls;
	struct {
		vm_work_fn fn;
		void *ctx;
	} works[VM_MAX_WORKS]; /* device work on the boot core (vm_add_work) */
	u32 nworks;
	void (*stats_fns[VM_MAX_WORKS])(void); /* devices' stats= lines (vm_add_stats) */
	u32 nstats;
	struct vcpu vcpus[VM_MAX_VCPUS];
	u64 tsc_base;	    /* guest system time 0, as a guest TSC value (node 0's), for kvmclock */
	u64 tsc_offset;	    /* guest TSC = host TSC + tsc_offset (0 on node 0) */
	u64 boot_epoch;	    /* wall-clock seconds at tsc_base, from the node's RTC */
	u64 tsc_hz;	    /* the guest's TSC frequency: node 0's calibration, on every node */
	u64 kvm_wall_clock; /* MSR_KVM_WALL_CLOCK_NEW as the guest wrote it */
	u64 tlb_gen;	    /* bumped at every nested page-table change: vCPUs flush at entry */
	bool stopped;
	bool started;  /* across nodes: every node was up as it started, so a node lost from
		       * now on stops the guest (vmm/cluster/remote.c); before, it is waited for */
	int exit_code; /* enum monitor_exit_code, valid once stopped */
};

/* The guest's layout across the cluster: how many vCPUs each node runs. */
struct vm_layout {
	u32 self, nnodes;
	u32 cpus[VM_MAX_VCPUS]; /* per node */
	/* Per node: the share of guest RAM it is home for, in MiB of its memory (at most
	 * 2^20 each); all 0: equal shares. */
	u64 home_weight[VM_MAX_VCPUS];
};

/* Allocates and maps guest RAM (across nodes: this node's home range) and creates this
 * node's vCPUs; returns 0 or a negative error, reason printed. */
int vm_create(struct vm *vm, u64 mem_size, const struct vm_layout *layout);
static inline bool vcpu_is_local(const struct vm *vm, u32 id)
{
	return id >= vm->first_local && id < vm->first_local + vm->nlocal;
}
/* Node `node`'s home range of guest RAM: contiguous shares in proportion to the layout's
 * home weights (equal without), 2 MiB aligned, the last to the end. The coherence
 * protocol's homes, the ACPI tables' NUMA nodes, and the RAM a node allocates. */
void vm_home_range(const struct vm *vm, u32 node, gpa_t *base, u64 *size);
/* Bytes of guest RAM in this node's home range (the hole not counted). */
u64 vm_home_ram(const struct vm *vm);
/* A pointer to guest-physical [gpa, gpa+len) if all of it is RAM this node has memory for
 * now and within one 2 MiB chunk of the home range (one host allocation) or one 4 KiB
 * frame of the cache, else NULL. Longer copies go piece by piece (guest_mem.h). Whether
 * the node may use the memory is the coherence protocol's business (vmm/cluster/). */
void *vm_gpa_ptr(struct vm *vm, gpa_t gpa, u64 len);
/* Is all of guest-physical [gpa, gpa+len) RAM (of any length, len > 0)? */
bool vm_gpa_is_ram(const struct vm *vm, gpa_t gpa, u64 len);
/* The first guest RAM address at or after gpa (gpa_end if none): walks skip the hole. */
gpa_t vm_next_ram(const struct vm *vm, gpa_t gpa);
/* Where guest RAM of a size is: low part, and the end of guest-physical RAM. */
void vm_ram_layout(u64 mem_size, u64 *low_size, gpa_t *gpa_end);
/* A device (the UART's console input, say) asks to be polled by the boot core between
 * guest exits. 0, or -E_NOSPC past VM_MAX_POLLS. */
int vm_add_poll(struct vm *vm, vm_poll_fn fn);
/* A device asks for work time on the boot core (vm_work_fn): 0, or -E_NOSPC. */
int vm_add_work(struct vm *vm, vm_work_fn fn, void *ctx);
/* A device's lines for the periodic stats= report (boot core): 0, or -E_NOSPC. */
int vm_add_stats(struct vm *vm, void (*fn)(void));
/* Runs vCPU 0 here and vCPU i on CPU i until the guest stops; returns the
 * monitor exit code. */
int vm_run(struct vm *vm);
/* The guest's TSC now; and a guest TSC value in the monitor's nanoseconds. */
u64 vm_guest_tsc(const struct vm *vm);
u64 vm_guest_tsc_to_ns(u64 guest_tsc);
/* stats=S: the boot core prints "stats:" lines every S seconds (0: never). */
extern u64 vm_stats_ns;
/* The nested page tables changed: every local vCPU flushes its TLB before it
 * enters the guest again. With `wait` (rights were taken away), also waits until
 * no other core still runs the guest on the old rights: it kicks those out. */
void vm_flush_guest_tlbs(struct vm *vm, bool wait);
/* Ends the guest with a reason for the console and a monitor exit code. */
void vm_stop(struct vm *vm, int exit_code, const char *fmt, ...) __printf(3, 4);

#endif
