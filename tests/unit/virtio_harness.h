/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the virtio device tests share: the VM's services stubbed (guest RAM is an
 * array, locks do nothing, an MSI-X message is counted with its APIC and vector), the
 * device's BAR and PCI configuration reached as a vCPU would, the boot core's serve,
 * and a driver's bring-up as Linux does it.
 */
#ifndef UNUM_TESTS_UNIT_VIRTIO_HARNESS_H
#define UNUM_TESTS_UNIT_VIRTIO_HARNESS_H

#include "vmm/platform/virtio_pci.h"
#include "vmm/virt/vm.h"

#define RAM_SIZE (1 << 20)
/* Queue q's rings (8 entries): descriptors, available and used, 16 KiB apart. */
#define QDESC(q)  (0x10000 + (q) * 0x4000)
#define QAVAIL(q) (QDESC(q) + 0x1000)
#define QUSED(q)  (QDESC(q) + 0x2000)
#define QSIZE	  8

extern u8 ram[RAM_SIZE];
extern struct vm vm;
extern int delivered, last_dest, last_vector; /* MSI-X messages sent, the last one's */
extern bool quiet;			      /* the device's messages not printed */

u64 rd(u64 off, unsigned size);
u64 rd32(u64 off);
void wr(u64 off, unsigned size, u64 val);
u32 cfg(u32 reg);
void cfg_write(u32 reg, u32 val, u32 mask);
/* The boot core's work: the device's queues served. */
void serve(void);
/* Reset, features (VERSION_1 and the low word features_lo), nqueues queues of QSIZE
 * at QDESC(q), MSI-X enabled but the function masked (queue q on vector 1 + q, to APIC
 * 2, vector 0x41 + q), DRIVER_OK. */
void driver_up(u32 features_lo, u16 nqueues);
/* The MSI-X function unmasked. */
void unmask(void);
/* Descriptor i of queue q. */
void desc(u16 q, u16 i, u64 addr, u32 len, u16 flags, u16 next);
/* The driver makes chain head available in queue q (its idx-th) and notifies. */
void avail(u16 q, u16 idx, u16 head);
/* The used ring's index of queue q, and its element i's id and length. */
u16 used_idx(u16 q);
void used_elem(u16 q, u16 i, u32 *id, u32 *len);

#endif
