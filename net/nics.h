/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node's NICs: every PCI function a driver of drivers/ takes (virtio-net, e1000), probed
 * once, listed in the boot report, and chosen for the cluster network by MAC.
 */
#ifndef UNUM_NET_NICS_H
#define UNUM_NET_NICS_H

#include "drivers/nic.h"

#define NET_MAX_NICS 4

/* Probes the PCI devices once and prints the PCI report; returns the number of NICs. */
int net_nics_probe(struct nic ***nics);
/* The NIC with @mac, or NULL. */
struct nic *net_nics_find(const u8 mac[6]);
/* Counter of NIC interrupts taken (they only wake the CPU). */
u64 net_nics_irqs(void);

#endif
