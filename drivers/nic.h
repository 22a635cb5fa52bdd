/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one interface every NIC driver offers to net/: send a frame, poll for received ones,
 * the MAC address and a name, plus counters. Drivers copy frames in and out of their own DMA
 * buffers, so the caller's buffer is free again when send() returns and the frame handed to
 * the poll callback is valid only during the call. Only one context (the network context)
 * calls a NIC; drivers take no locks.
 *
 * Drivers check everything the device writes back (lengths, descriptor indices, status) and
 * count and drop what is inconsistent. They also drop frames whose source address is their
 * own: hub-like emulated links (and some switches) echo a node's frames back to it.
 */
#ifndef UNUM_DRIVERS_NIC_H
#define UNUM_DRIVERS_NIC_H

#include "drivers/pci.h"

#define NIC_MTU	      1500
#define NIC_ETH_HLEN  14
#define NIC_MAX_FRAME (NIC_ETH_HLEN + NIC_MTU) /* without the FCS, which devices strip */
#define NIC_MIN_FRAME 14
/* LAPIC vectors 0x50..0x57 wake the network context for NICs that can interrupt (the
 * first half virtio-net's, the second e1000's). */
#define NIC_IRQ_VECTOR_BASE 0x50
#define NIC_IRQ_VECTORS	    8

struct nic;

/* Called for each received frame, in the order received. */
typedef void (*nic_rx_fn)(void *ctx, const void *frame, size_t len);

struct nic_stats {
	u64 rx_frames, tx_frames;
	u64 rx_bytes, tx_bytes;
	u64 rx_own;	 /* frames from our own MAC (echoes), dropped */
	u64 rx_bad;	 /* device reported an error or a length out of range, dropped */
	u64 rx_bad_desc; /* device returned a descriptor index or state it cannot, ignored */
	u64 tx_full;	 /* send() found no free transmit slot */
	u64 tx_too_long; /* send() refused a frame over NIC_MAX_FRAME */
	u64 kicks;	 /* doorbells written: virtio notifications, e1000 tail writes */
	u64 kicks_saved; /* virtio notifications the device said it did not need */
};

struct nic_ops {
	/* Queues one frame (@len <= NIC_MAX_FRAME). Returns 0, -E_NOSPC (ring full) or -E_INVAL. */
	int (*send)(struct nic *nic, const void *frame, size_t len);
	/* Hands up to @budget received frames to @fn and returns how many it handed. */
	int (*poll)(struct nic *nic, nic_rx_fn fn, void *ctx, int budget);
	/* Acknowledges the device's interrupt; false if the device had not raised one (may
	 * be NULL: nothing to acknowledge at the device). */
	bool (*irq_ack)(struct nic *nic);
	/* Turns the receive interrupt on, once the NIC is bound and its handler installed;
	 * clears irq_vector (polled) if it cannot (may be NULL). */
	void (*irq_enable)(struct nic *nic);
	/* Turns it off for good (a line another device keeps raising): polled after. */
	void (*irq_disable)(struct nic *nic);
	/* Also accepts frames for @mac (a guest's NIC bridged onto this one), and multicast
	 * frames; NULL if the device takes every frame anyway. */
	void (*accept_mac)(struct nic *nic, const u8 mac[6]);
};

struct nic {
	const char *name; /* driver: "virtio-net", "e1000" */
	u8 mac[6];
	pci_bdf_t bdf;
	u8 irq_vector; /* 0: polled only; else the LAPIC vector its receive interrupt uses */
	u8 irq_line;   /* 0: MSI-X; else the I/O APIC input it comes through */
	const struct nic_ops *ops;
	void *priv;
	struct nic_stats stats;
};

/* True when @frame's source address (bytes 6..11) is @nic's own. */
static inline bool nic_frame_is_own(const struct nic *nic, const u8 *frame)
{
	for (int i = 0; i < 6; i++)
		if (frame[6 + i] != nic->mac[i])
			return false;
	return true;
}

/*
 * Checks a frame a device reports received: counts it, and returns false (frame to drop) for
 * a length outside [NIC_MIN_FRAME, @max_len] or a frame from our own address.
 */
static inline bool nic_rx_accept(struct nic *nic, const u8 *frame, size_t len, size_t max_len)
{
	if (len < NIC_MIN_FRAME || len > max_len) {
		nic->stats.rx_bad++;
		return false;
	}
	if (nic_frame_is_own(nic, frame)) {
		nic->stats.rx_own++;
		return false;
	}
	nic->stats.rx_frames++;
	nic->stats.rx_bytes += len;
	return true;
}

/* Drivers: each returns 0 with *@out set, -E_NOENT if @d is not its device, or an error. */
int virtio_net_probe(const struct pci_access *a, struct pci_dev *d, struct nic **out);
int e1000_probe(const struct pci_access *a, struct pci_dev *d, struct nic **out);

#endif
