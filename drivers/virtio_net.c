// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net over modern virtio-pci (Virtual I/O Device (VIRTIO) Version 1.1: section 4.1 for
 * the PCI transport, 5.1 for the network device), as QEMU's virtio-net-pci offers it. The
 * driver negotiates VIRTIO_F_VERSION_1 and VIRTIO_NET_F_MAC and nothing else (no offloads,
 * no merged buffers), so every frame is one 12-byte header plus at most 1514 bytes in one
 * buffer. Queue 0 receives and queue 1 transmits, 128 buffers of 2 KiB each (drivers/virtq.c).
 * When the device has MSI-X, the receive queue raises a LAPIC interrupt whose only job is to
 * wake the network context; otherwise the driver is polled.
 */
#include "drivers/nic.h"
#include "drivers/virtio_pci.h"
#include "drivers/virtq.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"

#define VIRTIO_VENDOR	      0x1af4
#define VIRTIO_DEV_NET_LEGACY 0x1000 /* transitional device: modern interface too */
#define VIRTIO_DEV_NET	      0x1041

#define VIRTIO_NET_F_MAC   (1ull << 5)
#define VIRTIO_F_VERSION_1 (1ull << 32)

#define VNET_HDR_LEN	 12 /* struct virtio_net_hdr with num_buffers: section 5.1.6 */
#define VNET_RXQ	 0
#define VNET_TXQ	 1
#define VNET_QSIZE	 128
#define VNET_BUF	 2048
#define VNET_BUF_PAGES	 (VNET_QSIZE * VNET_BUF / PAGE_SIZE)
#define VNET_RESET_TRIES 100000

struct vnet {
	struct nic nic;
	struct virtio_pci vp;
	struct virtq rx, tx;
	u8 *rx_buf, *tx_buf;
	u16 tx_next;
};

static struct vnet vnet_devices[2];
static int vnet_count;

/* Sets up queue @q over a fresh page and buffers; returns 0 or a negative error. */
static int vnet_setup_queue(struct vnet *v, u16 q, struct virtq *vq, u8 **bufs, u16 msix)
{
	hpa_t page = page_alloc(1, 1), buf = page_alloc(VNET_BUF_PAGES, 1);
	u16 size;

	if (!page || !buf)
		return -E_NOMEM;
	size = virtio_pci_queue_size(&v->vp, q);
	if (size < VNET_QSIZE)
		return -E_NOTSUP; /* a device with tiny queues is not worth a second path */
	if (virtq_init(vq, hpa_to_ptr(page), page, VNET_QSIZE, buf, VNET_BUF))
		return -E_INVAL;
	*bufs = hpa_to_ptr(buf);
	return virtio_pci_queue_enable(&v->vp, q, VNET_QSIZE, virtq_desc_addr(vq),
				       virtq_avail_addr(vq), virtq_used_addr(vq), msix);
}

/*
 * Tells the device of buffers just posted on queue @q, unless it said it needs no telling.
 * Each notification is a write to device memory, which an emulator handles in its device
 * model under its global lock: on a host short of cores that is a wait for another thread.
 */
static void vnet_kick(struct vnet *v, u16 q, struct virtq *vq)
{
	if (virtq_device_wants_notify(vq)) {
		virtio_pci_notify(&v->vp, q);
		v->nic.stats.kicks++;
	} else {
		v->nic.stats.kicks_saved++;
	}
}

static void vnet_fill_rx(struct vnet *v)
{
	for (u16 i = 0; i < VNET_QSIZE; i++)
		if (virtq_is_free(&v->rx, i))
			virtq_post(&v->rx, i, VNET_BUF, true);
	virtio_pci_notify(&v->vp, VNET_RXQ);
}

static void vnet_reclaim_tx(struct vnet *v)
{
	u16 id;
	u32 len;
	int rc;

	while ((rc = virtq_take_used(&v->tx, &id, &len)) != 0)
		if (rc < 0)
			v->nic.stats.rx_bad_desc++;
}

static int vnet_send(struct nic *nic, const void *frame, size_t len)
{
	struct vnet *v = nic->priv;
	u16 id = v->tx_next;
	u8 *buf;

	if (len > NIC_MAX_FRAME || len < NIC_MIN_FRAME) {
		nic->stats.tx_too_long++;
		return -E_INVAL;
	}
	if (!virtq_is_free(&v->tx, id))
		vnet_reclaim_tx(v);
	if (!virtq_is_free(&v->tx, id)) {
		nic->stats.tx_full++;
		return -E_NOSPC;
	}
	buf = v->tx_buf + (size_t)id * VNET_BUF;
	memset(buf, 0, VNET_HDR_LEN); /* no checksum offload, no segmentation */
	memcpy(buf + VNET_HDR_LEN, frame, len);
	virtq_post(&v->tx, id, (u32)(VNET_HDR_LEN + len), false);
	vnet_kick(v, VNET_TXQ, &v->tx);
	v->tx_next = (u16)((id + 1) % VNET_QSIZE);
	nic->stats.tx_frames++;
	nic->stats.tx_bytes += len;
	return 0;
}

static int vnet_poll(struct nic *nic, nic_rx_fn fn, void *ctx, int budget)
{
	struct vnet *v = nic->priv;
	int n = 0, reposted = 0, rc;
	u16 id;
	u32 len;

	while (n < budget && (rc = virtq_take_used(&v->rx, &id, &len)) != 0) {
		if (rc == -E_INVAL) {
			nic->stats.rx_bad_desc++;
			continue;
		}
		if (rc > 0 && len >= VNET_HDR_LEN) {
			const u8 *frame = v->rx_buf + (size_t)id * VNET_BUF + VNET_HDR_LEN;
			if (nic_rx_accept(nic, frame, len - VNET_HDR_LEN, NIC_MAX_FRAME)) {
				fn(ctx, frame, len - VNET_HDR_LEN);
				n++;
			}
		} else {
			nic->stats.rx_bad++;
		}
		virtq_post(&v->rx, id, VNET_BUF, true);
		reposted++;
	}
	/*
	 * A device that ran out of buffers waits for this notification before it looks at the
	 * ring again (QEMU stops receiving until then); it clears VIRTQ_USED_F_NO_NOTIFY first.
	 */
	if (reposted)
		vnet_kick(v, VNET_RXQ, &v->rx);

	vnet_reclaim_tx(v);
	return n;
}

static bool vnet_irq_ack(struct nic *nic)
{
	/* MSI-X needs no acknowledgement at the device; only the LAPIC's EOI. Its vector
	 * is its own, so the interrupt is always this device's. */
	return true;
}

static const struct nic_ops vnet_ops = {
	.send = vnet_send,
	.poll = vnet_poll,
	.irq_ack = vnet_irq_ack,
};

static int vnet_start(struct vnet *v)
{
	u64 features;
	u16 msix;
	int rc;

	rc = virtio_pci_begin(&v->vp, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC, &features);
	if (rc)
		return rc;
	if (!(features & VIRTIO_NET_F_MAC)) {
		pr_err("virtio-net: device offers no MAC address; not used\n");
		return -E_NOTSUP;
	}
	virtio_pci_read_device_cfg(&v->vp, 0, v->nic.mac, 6);
	msix = virtio_pci_msix_enable(&v->vp, v->nic.irq_vector);
	if (msix == VIRTIO_NO_VECTOR)
		v->nic.irq_vector = 0;
	rc = vnet_setup_queue(v, VNET_RXQ, &v->rx, &v->rx_buf, msix);
	if (rc == 0)
		rc = vnet_setup_queue(v, VNET_TXQ, &v->tx, &v->tx_buf, VIRTIO_NO_VECTOR);
	if (rc)
		return rc;
	virtio_pci_driver_ok(&v->vp);
	vnet_fill_rx(v);
	return 0;
}

int virtio_net_probe(const struct pci_access *a, struct pci_dev *d, struct nic **out)
{
	struct vnet *v;
	int rc;

	if (d->vendor != VIRTIO_VENDOR ||
	    (d->device != VIRTIO_DEV_NET && d->device != VIRTIO_DEV_NET_LEGACY))
		return -E_NOENT;
	if (vnet_count == (int)ARRAY_SIZE(vnet_devices))
		return -E_NOSPC;
	v = &vnet_devices[vnet_count];
	memset(v, 0, sizeof(*v));
	v->nic = (struct nic){ .name = "virtio-net",
			       .bdf = d->bdf,
			       .ops = &vnet_ops,
			       .priv = v,
			       .irq_vector = (u8)(NIC_IRQ_VECTOR_BASE + vnet_count) };
	rc = virtio_pci_attach(&v->vp, a, d);
	if (rc == 0)
		rc = vnet_start(v);
	if (rc) {
		virtio_pci_fail(&v->vp);
		return rc;
	}
	vnet_count++;
	d->driver = v->nic.name;
	*out = &v->nic;
	return 0;
}
