/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The messages of vmm/cluster/remote.c as they travel between nodes, and their checks.
 * A peer is authenticated by the message layer but not trusted to be bug-free: every
 * message is checked here, field by field, against the guest's layout before anything
 * acts on it. Pure code: tests/cluster/remote_wire_test.c feeds it malformed messages on
 * the host. All fields are little-endian, as the nodes are.
 */
#ifndef UNUM_VMM_CLUSTER_REMOTE_WIRE_H
#define UNUM_VMM_CLUSTER_REMOTE_WIRE_H

#include "vmm/lib/types.h"

#define REMOTE_MAX_VCPUS 256 /* VM_MAX_VCPUS: the interrupt map's bits */

/* An interrupt for every vCPU of the receiving node whose bit is set in map
 * (cluster vCPU ids): one message per node, however many of its vCPUs it hits. */
struct vcpu_msg {
	u8 mode, vector, level, reserved[5];
	u64 map[REMOTE_MAX_VCPUS / 64];
} __packed;

/* A port access of vCPU `vcpu` for node 0's devices, or (answer) its result. */
struct io_msg {
	u32 vcpu;
	u16 port;
	u8 size, in;
	u32 val;
	u8 answer, reserved[3];
} __packed;

/* An MMIO access for node 0's devices, or (answer) its result; seq tells answers to a
 * vCPU's earlier, abandoned access from the one it waits for. */
struct mmio_msg {
	u32 vcpu;
	u32 seq;
	u64 gpa;
	u64 val;
	u8 size, write, answer;
	s8 status; /* in an answer: 0 or minus an error code */
	u8 reserved[4];
} __packed;

/* A level-triggered interrupt's EOI, for node 0's I/O APIC. */
struct eoi_msg {
	u8 vector;
} __packed;

/* The guest stopped on the sender: stop here too, with its exit code. */
struct stop_msg {
	s32 exit_code;
} __packed;

/* A TSC probe to node 0, or (answer) node 0's clock. */
struct time_msg {
	u64 t1;		 /* the asker's TSC when it asked */
	u64 t2;		 /* node 0's TSC when it answered */
	u64 base, epoch; /* node 0's kvmclock time base (its TSC) and wall clock */
	u64 hz;		 /* node 0's TSC frequency: the guest's, on every node */
	u8 answer, reserved[7];
} __packed;

/* To a node that restarted under the guest: it cannot rejoin. Its previous
 * incarnation (as the sender knew it) and this one; whether the guest had stopped
 * already when it came back, and the exit code it stopped with (then or now). */
struct refused_msg {
	u64 old_epoch, new_epoch;
	s32 exit_code;
	u8 stopped_before, reserved[3];
} __packed;

/* The sender's vCPUs are idle (none could run for a while), or one may run again
 * (vmm/cluster/alone.h). */
struct activity_msg {
	u8 idle; /* 1 idle, 0 may run */
} __packed;

/* What the checks need of the guest: this node, the vCPUs, the node that runs each. */
struct remote_layout {
	u32 self, nvcpus;
	const u32 *vcpu_node; /* [nvcpus] */
};

/* Each: 0 with *out filled when a message of len bytes from node src is well formed for
 * this node, else -E_INVAL (and *out is not to be used). */
int remote_check_vcpu(const struct remote_layout *l, const void *data, size_t len,
		      struct vcpu_msg *out);
int remote_check_io(const struct remote_layout *l, u32 src, const void *data, size_t len,
		    struct io_msg *out);
int remote_check_mmio(const struct remote_layout *l, u32 src, const void *data, size_t len,
		      struct mmio_msg *out);
int remote_check_eoi(const struct remote_layout *l, const void *data, size_t len,
		     struct eoi_msg *out);
int remote_check_stop(const void *data, size_t len, struct stop_msg *out);
int remote_check_time(const void *data, size_t len, struct time_msg *out);
/* ... and, for activity, that it comes from another node of the guest (one that runs a
 * vCPU). */
int remote_check_activity(const struct remote_layout *l, u32 src, const void *data, size_t len,
			  struct activity_msg *out);
/* ... and, for a refusal, that it names this incarnation (my_epoch) and an earlier one. */
int remote_check_refused(u64 my_epoch, const void *data, size_t len, struct refused_msg *out);

#endif
