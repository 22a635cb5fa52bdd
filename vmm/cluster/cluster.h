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

/* After vm_create(), before the devices: 0, or a negative error (reason printed). With
 * slice_ms 0 the nodes do not take turns (slice=0 on the command line); with adaptive,
 * only while running at once would cost them more (turns=adaptive, vmm/cluster/turns.h). */
int cluster_init(struct vm *vm, bool prefetch, u32 slice_ms, bool adaptive);

#endif
