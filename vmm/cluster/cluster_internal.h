/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One node's cluster: the state of every part of vmm/cluster in one struct, built by
 * cluster_init() (vmm/cluster/cluster.c) and reached from the VM through its hooks
 * (vm->cluster points at c->hooks). No part keeps state of its own elsewhere: each is
 * handed the struct, or the VM it hangs from. Only vmm/cluster includes this.
 */
#ifndef UNUM_VMM_CLUSTER_CLUSTER_INTERNAL_H
#define UNUM_VMM_CLUSTER_CLUSTER_INTERNAL_H

#include "vmm/cluster/alone.h"
#include "vmm/cluster/handoff.h"
#include "vmm/cluster/remote_internal.h"
#include "vmm/cluster/turns.h"
#include "vmm/cluster/vmdsm_internal.h"
#include "vmm/virt/cluster.h"

struct cluster {
	struct vm_cluster hooks; /* what the VM calls: first, see cluster_of() */
	struct vm *vm;
	struct handoff_ring handoff; /* work for the boot core (handoff.c) */
	struct remote_state remote;  /* remote vCPUs, forwarded I/O, time (remote*.c) */
	struct vm_dsm dsm;	     /* the coherence protocol's glue (vmdsm*.c) */
	struct turns_node turns;     /* the turns (turns.c) */
	struct alone_state alone;    /* what the nodes' vCPUs do, and alone (alone.c) */
	struct {		     /* long waits said on the console (cluster.c) */
		u64 last, said[VM_MAX_VCPUS];
	} waits;
};

_Static_assert(__builtin_offsetof(struct cluster, hooks) == 0, "cluster_of()");

/* The cluster of a VM that spans nodes (called only through its hooks, or after
 * cluster_init() succeeded, so vm->cluster is set). */
static inline struct cluster *cluster_of(const struct vm *vm)
{
	return (struct cluster *)(uintptr_t)vm->cluster;
}

/* Its coherence protocol's glue. */
static inline struct vm_dsm *vmdsm_of(const struct vm *vm)
{
	return &cluster_of(vm)->dsm;
}

#endif
