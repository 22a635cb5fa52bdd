/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What vmm/cluster/remote.c, remote_io.c and remote_time.c share, and nobody else.
 */
#ifndef UNUM_VMM_CLUSTER_REMOTE_INTERNAL_H
#define UNUM_VMM_CLUSTER_REMOTE_INTERNAL_H

#include "vmm/cluster/remote.h"
#include "vmm/cluster/remote_wire.h"

/* The guest as the message checks see it. */
struct remote_layout remote_layout_of(const struct vm *vm);
/* The counters remote_stats() reports. */
struct remote_stats *remote_counters(void);
/* A message for node dst, from any core (through the boot core); one that cannot be
 * queued stops the guest, saying why. */
void remote_send(struct vm *vm, u32 dst, u8 type, const void *body, size_t len);
/* The same on the boot core, at once. */
void remote_send_or_stop(struct vm *vm, u16 dst, u8 type, const void *body, size_t len);
/* Their message handlers, registered by remote_init(). */
int remote_io_init(struct vm *vm);
int remote_time_init(struct vm *vm);

#endif
