// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's NIC: a virtio-net device (Virtual I/O Device (VIRTIO) Version 1.1,
 * section 5.1) on the virtio PCI transport (vmm/platform/virtio_pci.h), in PCI slot 2,
 * served by node 0 and bridged onto node 0's own NIC (net/net.h, net_guest_attach).
 *
 * Two queues: receive (0) and transmit (1). No offloads are offered (no checksum, no
 * segmentation, no merged receive buffers), so every buffer carries one whole Ethernet
 * frame behind the 12-byte virtio-net header, and the header's fields are all zero
 * but num_buffers (1). The MAC address is the cluster file's (the nic line).
 *
 * Transmit: each chain the guest makes available is read through the guest-memory
 * path (across nodes the coherence protocol brings its pages to node 0) and sent by
 * the link (node 0's NIC). A frame that is too short or too long, asks for an offload
 * that was not offered, or does not come from the guest's own MAC address is dropped
 * and counted: the guest cannot speak for the monitor. A full NIC ring leaves the
 * chain where it is, to be sent at the next serve.
 *
 * Receive: the network context (net/net.c) hands over each frame for the guest's MAC
 * address and each broadcast or multicast frame but the cluster's own; they wait in a
 * ring of RX_PENDING frames here (dropped and counted when it is full, or when the
 * guest's driver is not up) until the boot core's serve copies them into the buffers
 * the guest made available.
 */
#include "vmm/platform/virtio_pci.h"
#include "vmm/platform/devices.h"
#include "vmm/virt/guest_mem.h"
#include "vmm/virt/vm.h"
#include "vmm/host/log.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/printf.h"

#define NET_SLOT	   2
#define NET_QUEUE_SIZE	   256
#define NET_RX		   0
#define NET_TX		   1
#define NET_F_MTU	   (1ULL << 3)
#define NET_F_MAC	   (1ULL << 5)
#define NET_MTU		   1500
#define NET_HDR		   12 /* struct virtio_net_hdr with num_buffers (5.1.6) */
#define NET_HDR_F_NEEDS_CSUM 1
#define NET_ETH_HLEN	   14
#define NET_MAX_FRAME	   1514 /* without the FCS: an MTU of 1500 */
#define RX_PENDING	   128
#define CLASS_NETWORK_ETHERNET 0x020000

struct net_stats {
	u64 rx_frames, rx_bytes;
	u64 rx_full;	 /* the pending ring was full: dropped */
	u64 rx_not_ready; /* the guest's driver was not up: dropped */
	u64 rx_small;	 /* the guest's buffer could not hold it: dropped */
	u64 rx_lost;	 /* its buffer could not be written (the DSM failed): dropped */
	u64 tx_frames, tx_bytes;
	u64 tx_bad;	 /* too short, too long, an offload not offered, not in guest RAM */
	u64 tx_spoofed;	 /* not from the guest's MAC address, or as a node (the link's -E_PERM) */
	u64 tx_link_err; /* the link refused it */
	u64 tx_nic_full; /* times the link held a frame back (sent later) */
};

struct pending {
	u16 len;
	u8 frame[NET_MAX_FRAME];
};

static struct virtio_net {
	struct virtio_pci pci;
	u8 mac[6];
	struct guest_link link;
	struct net_stats st;
	bool said_bad;
	u32 rx_head, rx_tail; /* free-running: head - tail frames pending */
	u32 rx_generation;    /* the transport's the pending frames are for (a reset drops them) */
	struct pending rx[RX_PENDING];
	u8 buf[NET_HDR + NET_MAX_FRAME]; /* one frame with its header (boot core) */
	/* a frame the link held back: sent before any other, its chain used after */
	bool holding;
	u32 hold_generation;
	u16 hold_head;
	u16 hold_len;
	u8 hold[NET_MAX_FRAME];
} net;

static u64 net_config_read(struct virtio_pci *p, u32 off, unsigned size)
{
	struct virtio_net *n = p->dev;
	u8 c[12] = { 0 };
	u64 v = 0;

	u16 mtu = NET_MTU;

	memcpy(c, n->mac, 6); /* mac; status (6), max_virtqueue_pairs (8): not offered */
	memcpy(c + 10, &mtu, 2);
	if (off < sizeof(c))
		memcpy(&v, c + off, MIN((u64)size, sizeof(c) - off));
	return v;
}

static void bad_frame(struct virtio_net *n, const char *what)
{
	n->st.tx_bad++;
	if (n->said_bad)
		return;
	n->said_bad = true;
	pr_warn("virtio-net: a frame from the guest dropped: %s (said once; counted after)\n",
		what);
}

/* The chain's device-readable bytes, in chain order, into n->buf: how many (at most
 * cap), or a negative error. */
static long gather(struct virtio_net *n, const struct virtq_seg *segs, u32 nseg, u64 cap)
{
	u64 got = 0;

	for (u32 i = 0; i < nseg; i++) {
		if (segs[i].write)
			continue;
		if (segs[i].len > cap - got)
			return -E_INVAL;
		int rc = vm_read_guest(n->pci.vm, segs[i].addr, n->buf + got, segs[i].len);
		if (rc)
			return rc == -E_INVAL ? -E_IO : rc; /* (-E_INVAL: too long, below) */
		got += segs[i].len;
	}
	return (long)got;
}

/* The link's answer to a frame: 0 (done: sent or dropped), or -E_NOSPC (held back). */
static int link_result(struct virtio_net *n, int rc, size_t len)
{
	if (rc == -E_NOSPC) {
		n->st.tx_nic_full++;
		return rc;
	}
	if (rc == -E_PERM)
		n->st.tx_spoofed++;
	else if (rc)
		n->st.tx_link_err++;
	else {
		n->st.tx_frames++;
		n->st.tx_bytes += len;
	}
	return 0;
}

/* One chain of the transmit queue: 0 (used: sent or dropped), or -E_NOSPC (the link
 * held it back: it is kept in n->hold, its chain used once it is sent). */
static int transmit(struct virtio_net *n, u16 head, const struct virtq_seg *segs, u32 nseg)
{
	long len = gather(n, segs, nseg, sizeof(n->buf));
	const u8 *frame = n->buf + NET_HDR;
	int rc;

	if (len == -E_NOENT) {
		bad_frame(n, "a buffer is not in guest RAM");
		return 0;
	}
	if (len < 0 && len != -E_INVAL) {
		bad_frame(n, "its buffers could not be read (the coherence protocol failed)");
		return 0;
	}
	if (len < 0 || len > NET_HDR + NET_MAX_FRAME) {
		bad_frame(n, "longer than a 1514-byte frame and its header");
		return 0;
	}
	if (len < NET_HDR + NET_ETH_HLEN) {
		bad_frame(n, "shorter than an Ethernet header behind the virtio-net header");
		return 0;
	}
	if ((n->buf[0] & NET_HDR_F_NEEDS_CSUM) || n->buf[1] != 0) {
		bad_frame(n, "it asks for a checksum or segmentation offload, not offered");
		return 0;
	}
	if (memcmp(frame + 6, n->mac, 6) != 0) {
		n->st.tx_spoofed++;
		return 0;
	}
	rc = link_result(n, n->link.send(n->link.ctx, frame, (size_t)len - NET_HDR),
			 (size_t)len - NET_HDR);
	if (rc == -E_NOSPC) {
		n->holding = true;
		n->hold_generation = n->pci.generation;
		n->hold_head = head;
		n->hold_len = (u16)(len - NET_HDR);
		memcpy(n->hold, frame, n->hold_len);
	}
	return rc;
}

/* The held frame again: true if it went (its chain is then used). */
static bool send_held(struct virtio_net *n)
{
	if (link_result(n, n->link.send(n->link.ctx, n->hold, n->hold_len), n->hold_len) != 0)
		return false;
	n->holding = false;
	return true;
}

/* The oldest pending frame into one receive chain: the bytes written (0: dropped), or
 * a negative error if a buffer is not in guest RAM. */
static long receive(struct virtio_net *n, const struct pending *f, const struct virtq_seg *segs,
		    u32 nseg)
{
	u64 room = 0, len = NET_HDR + (u64)f->len, done = 0;

	for (u32 i = 0; i < nseg; i++)
		if (segs[i].write)
			room += segs[i].len;
	if (room < len) {
		n->st.rx_small++;
		return 0;
	}
	memset(n->buf, 0, NET_HDR);
	n->buf[10] = 1; /* num_buffers */
	memcpy(n->buf + NET_HDR, f->frame, f->len);
	for (u32 i = 0; i < nseg && done < len; i++) {
		u64 k;
		if (!segs[i].write)
			continue;
		k = MIN((u64)segs[i].len, len - done);
		int rc = vm_write_guest(n->pci.vm, segs[i].addr, n->buf + done, k);
		if (rc == -E_NOENT)
			return rc;
		if (rc) {
			n->st.rx_lost++; /* (the guest's driver gets it back empty) */
			return 0;
		}
		done += k;
	}
	n->st.rx_frames++;
	n->st.rx_bytes += f->len;
	return (long)len;
}

static bool net_serve(struct virtio_pci *p, u16 qi, struct virtq *q, u32 budget)
{
	struct virtio_net *n = p->dev;
	static struct virtq_seg segs[NET_QUEUE_SIZE]; /* (the boot core's alone) */
	bool used = false, more = false;

	if (n->rx_generation != p->generation) { /* a reset: they were for the last driver */
		n->rx_generation = p->generation;
		n->rx_tail = n->rx_head;
	}
	if (n->holding && n->hold_generation != p->generation)
		n->holding = false;
	if (qi == NET_TX && n->holding) {
		if (!send_held(n))
			return true;
		if (virtq_push(q, virtio_copy, p->vm, n->hold_head, 0) != 0) {
			virtio_pci_refuse(p, qi, "its used ring is not in guest RAM");
			return false;
		}
		used = true;
	}
	for (u32 done = 0;; done++) {
		const char *why;
		u32 nseg;
		u16 head;
		long wrote = 0;
		int rc;
		if (qi == NET_RX && n->rx_head == n->rx_tail)
			break; /* nothing to deliver: the buffers wait */
		if (done == budget) {
			more = true;
			break;
		}
		rc = virtq_pop(q, virtio_copy, p->vm, &head, segs, NET_QUEUE_SIZE, &nseg, &why);
		if (rc == 0)
			break;
		if (rc < 0) {
			virtio_pci_refuse(p, qi, why);
			break;
		}
		if (qi == NET_TX && transmit(n, head, segs, nseg) == -E_NOSPC) {
			more = true; /* (held: the next serve sends it first) */
			break;
		}
		if (qi == NET_RX) {
			wrote = receive(n, &n->rx[n->rx_tail % RX_PENDING], segs, nseg);
			n->rx_tail++;
			if (wrote < 0) {
				virtio_pci_refuse(p, qi, "a receive buffer is not in guest RAM");
				break;
			}
		}
		if (virtq_push(q, virtio_copy, p->vm, head, (u32)wrote) != 0) {
			virtio_pci_refuse(p, qi, "its used ring is not in guest RAM");
			break;
		}
		used = true;
	}
	if (used)
		virtio_pci_queue_interrupt(p, qi, q);
	return more;
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.type = 1,
	.class_code = CLASS_NETWORK_ETHERNET,
	.features = NET_F_MAC | NET_F_MTU,
	.nqueues = 2,
	.queue_max = NET_QUEUE_SIZE,
	.config_read = net_config_read,
	.config_len = 12,
	.serve = net_serve,
};

void virtio_net_receive(const void *frame, size_t len)
{
	struct pending *f;

	if (!virtio_pci_queue_ready(&net.pci, NET_RX)) {
		net.st.rx_not_ready++;
		return;
	}
	if (net.rx_generation != net.pci.generation) { /* (the frames of a driver before) */
		net.rx_generation = net.pci.generation;
		net.rx_tail = net.rx_head;
	}
	if (len > NET_MAX_FRAME) {
		net.st.rx_small++;
		return;
	}
	if (net.rx_head - net.rx_tail == RX_PENDING) {
		net.st.rx_full++;
		return;
	}
	f = &net.rx[net.rx_head % RX_PENDING];
	memcpy(f->frame, frame, len);
	f->len = (u16)len;
	net.rx_head++;
	virtio_pci_kick(&net.pci, NET_RX);
}

void virtio_net_report(void)
{
	const struct net_stats *s = &net.st;

	if (!net.pci.serving)
		return;
	kprintf("nic: received %llu frames (%llu KiB), dropped %llu (%llu with its ring full, "
		"%llu before its driver was up, %llu too big for its buffer, %llu not written); "
		"sent %llu frames (%llu KiB), dropped %llu (%llu malformed, %llu not from its MAC "
		"or as a node, %llu refused by the link); held back %llu times\n",
		(unsigned long long)s->rx_frames, (unsigned long long)(s->rx_bytes >> 10),
		(unsigned long long)(s->rx_full + s->rx_not_ready + s->rx_small + s->rx_lost),
		(unsigned long long)s->rx_full, (unsigned long long)s->rx_not_ready,
		(unsigned long long)s->rx_small, (unsigned long long)s->rx_lost,
		(unsigned long long)s->tx_frames,
		(unsigned long long)(s->tx_bytes >> 10),
		(unsigned long long)(s->tx_bad + s->tx_spoofed + s->tx_link_err),
		(unsigned long long)s->tx_bad, (unsigned long long)s->tx_spoofed,
		(unsigned long long)s->tx_link_err, (unsigned long long)s->tx_nic_full);
}

int virtio_net_init(struct vm *vm, const u8 mac[6], const struct guest_link *link)
{
	memcpy(net.mac, mac, 6);
	if (link) {
		char m[24];
		net.link = *link;
		ksnprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
			  mac[3], mac[4], mac[5]);
		pr_info("virtio-net: the guest's NIC, mac %s, in PCI slot %u; %s\n", m, NET_SLOT,
			link->about);
	}
	return virtio_pci_init(&net.pci, vm, NET_SLOT, &net_ops, &net, link != NULL);
}
