/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One guest across nodes, as the VM sees it: cluster_init() builds the cluster's parts
 * (remote vCPUs and forwarded I/O, the coherence protocol, the turns) and gives the VM
 * its hooks (vm->cluster, vmm/virt/cluster.h). Only main.c calls it, for a guest that
 * spans several nodes; with one node there is no cluster.
 */
#ifndef UNUM_VMM_CLUSTER_CLUSTER_H
#define UNUM_VMM_CLUSTER_CLUSTER_H

#include "vmm/virt/vm.h"

/* How the cluster runs (the monitor's command line and this node's cluster-file line). */
struct cluster_options {
	bool prefetch;	 /* ask for pages before a vCPU faults (vmm/cluster/vmdsm_prefetch.h) */
	u32 slice_ms;	 /* turns of slice_ms ms; 0: the nodes do not take turns (slice=0) */
	bool adaptive;	 /* turns only while running at once would cost more (turns=adaptive) */
	u64 cache_bytes; /* the cache of pages homed elsewhere (0: the node's free memory) */
	u32 cache_ahead; /* its frames kept free by evicting ahead (cacheahead=) */
	u32 pin_us;	 /* the protocol's pin window (pin=) */
	bool nap;	 /* the boot core's waits for the network pause between polls (vmdsm_nap) */
	bool alone;	 /* on shadows, the guest's own tables while the others idle (alone.h) */
};

/* After vm_create(), before the devices: 0, or a negative error (reason printed). */
int cluster_init(struct vm *vm, const struct cluster_options *o);

#endif
