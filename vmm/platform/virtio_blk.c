// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's disk: a virtio-blk device (Virtual I/O Device (VIRTIO) Version 1.1,
 * section 5.2) on the virtio PCI transport (vmm/platform/virtio_pci.h), in PCI slot 1,
 * served by node 0 from a raw image in a boot module with a copy-on-write overlay
 * (vmm/platform/disk.h). One request queue. Each request is a chain: a 16-byte header
 * the device reads (type, reserved, sector), the data buffers, and one status byte the
 * device writes last. The guest's buffers are read and written through the monitor's
 * guest-memory path: across nodes the coherence protocol brings each page to node 0.
 * A buffer outside guest RAM, a length that is not whole sectors, or a sector past the
 * end fails the request (VIRTIO_BLK_S_IOERR); a chain the device cannot follow at all
 * (virtq_pop's reasons, or no status byte) stops the queue until the driver resets it.
 */
#include "vmm/platform/virtio_pci.h"
#include "vmm/platform/devices.h"
#include "vmm/platform/disk.h"
#include "vmm/virt/guest_mem.h"
#include "vmm/virt/vm.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/lib/klib.h"

#define BLK_SLOT	1
#define BLK_QUEUE_SIZE	128
#define BLK_SEG_MAX	(BLK_QUEUE_SIZE - 2) /* header and status take two descriptors */
#define BLK_F_SEG_MAX	(1ULL << 2)
#define BLK_F_RO	(1ULL << 5)
#define BLK_F_BLK_SIZE	(1ULL << 6)
#define BLK_F_FLUSH	(1ULL << 9)
#define BLK_T_IN	0
#define BLK_T_OUT	1
#define BLK_T_FLUSH	4
#define BLK_T_GET_ID	8
#define BLK_S_OK	0
#define BLK_S_IOERR	1
#define BLK_S_UNSUPP	2
#define BLK_ID_BYTES	20
#define CLASS_STORAGE_OTHER 0x018000

#define BLK_BOUNCE (64 * 1024) /* bytes moved per back-end call, at most */

struct blk_header {
	u32 type, reserved;
	u64 sector;
} __packed;

struct blk_stats {
	u64 reads, writes, flushes, others, errors;
	u64 bytes_read, bytes_written;
};

static struct virtio_blk {
	struct virtio_pci pci;
	struct disk_backend be; /* where the sectors are (node 0) */
	struct disk image;	/* the module back end's image and overlay */
	struct blk_stats st;
	bool said_bad_buffer;
	u8 bounce[BLK_BOUNCE];
} blk;

static u64 blk_config_read(struct virtio_pci *p, u32 off, unsigned size)
{
	struct virtio_blk *b = p->dev;
	u8 c[24] = { 0 };
	u64 cap = b->be.size / DISK_SECTOR, v = 0;
	u32 seg_max = BLK_SEG_MAX, blk_size = DISK_SECTOR;

	memcpy(c + 0, &cap, 8);	      /* capacity, in 512-byte sectors */
	memcpy(c + 12, &seg_max, 4);  /* (size_max at 8: not offered) */
	memcpy(c + 20, &blk_size, 4); /* (geometry at 16: not offered) */
	if (off < sizeof(c))
		memcpy(&v, c + off, MIN((u64)size, sizeof(c) - off));
	return v;
}

/*
 * A chain's buffers as two byte streams (VIRTIO 1.1, 2.6.4: the device may assume no
 * particular arrangement of descriptors): the bytes the device reads, in chain order,
 * and the bytes it writes. A request is the header (the first 16 readable bytes), then
 * the data (the rest of the readable bytes for a write; the writable bytes but the last
 * for a read), then the status (the last writable byte).
 */
struct chain {
	const struct virtq_seg *segs;
	u32 n;
	u64 readable, writable; /* bytes of each kind */
};

/* Moves len bytes between the stream of one kind (writable or not), from byte start
 * of it, and the disk at disk_off (buf non-NULL: to or from buf instead), through the
 * bounce buffer: 0, or the error that ended it. */
static int stream(struct virtio_blk *b, const struct chain *c, bool writable, u64 start, u64 len,
		  u64 disk_off, void *buf)
{
	struct vm *vm = b->pci.vm;
	u64 pos = 0; /* the stream's byte where segment i starts */

	for (u32 i = 0; i < c->n && len; i++) {
		const struct virtq_seg *s = &c->segs[i];
		if (s->write != writable)
			continue;
		if (start >= pos + s->len) {
			pos += s->len;
			continue;
		}
		for (u64 in = start - pos; in < s->len && len;) {
			u64 k = MIN(MIN((u64)s->len - in, len), (u64)BLK_BOUNCE);
			if (b->be.max_io)
				k = MIN(k, (u64)b->be.max_io);
			u8 *tmp = buf ? buf : b->bounce;
			int rc = 0;
			if (writable) { /* to the guest */
				if (!buf)
					rc = b->be.read(b->be.ctx, disk_off, tmp, (u32)k);
				if (rc == 0)
					rc = vm_write_guest(vm, s->addr + in, tmp, k);
			} else {
				rc = vm_read_guest(vm, s->addr + in, tmp, k);
				if (rc == 0 && !buf)
					rc = b->be.write(b->be.ctx, disk_off, tmp, (u32)k);
			}
			if (rc)
				return rc;
			if (buf)
				buf = (u8 *)buf + k;
			in += k;
			start += k;
			disk_off += k;
			len -= k;
		}
		pos += s->len;
	}
	return 0;
}

static void bad_buffer(struct virtio_blk *b, const char *what, int rc)
{
	if (b->said_bad_buffer)
		return;
	b->said_bad_buffer = true;
	pr_warn("virtio-blk: a request failed: %s (error %d); the guest sees an I/O error "
		"(said once)\n", what, rc);
}

/* One request: its status, and the bytes the device wrote before the status byte. */
static u8 request(struct virtio_blk *b, const struct chain *c, u32 *written)
{
	struct blk_header h;
	u64 off, total;
	bool in;
	int rc;

	*written = 0;
	if (c->readable < sizeof(h)) {
		bad_buffer(b, "the header is not 16 device-readable bytes", -E_INVAL);
		return BLK_S_IOERR;
	}
	rc = stream(b, c, false, 0, sizeof(h), 0, &h);
	if (rc) {
		bad_buffer(b, "the header is not in guest RAM", rc);
		return BLK_S_IOERR;
	}
	if (h.type == BLK_T_FLUSH) {
		b->st.flushes++; /* (the module's image is in memory: nothing to flush to) */
		if (b->be.flush && b->be.flush(b->be.ctx) != 0) {
			bad_buffer(b, "the disk's server failed a flush", -E_IO);
			return BLK_S_IOERR;
		}
		return BLK_S_OK;
	}
	if (h.type == BLK_T_GET_ID) {
		static const char id[BLK_ID_BYTES] = "unum-virtio-blk";
		u64 k = MIN(c->writable - 1, (u64)BLK_ID_BYTES);
		b->st.others++;
		if (stream(b, c, true, 0, k, 0, (void *)id) != 0)
			return BLK_S_IOERR;
		*written = (u32)k;
		return BLK_S_OK;
	}
	if (h.type != BLK_T_IN && h.type != BLK_T_OUT) {
		b->st.others++;
		return BLK_S_UNSUPP;
	}
	in = h.type == BLK_T_IN;
	total = in ? c->writable - 1 : c->readable - sizeof(h);
	if (h.sector > b->be.size / DISK_SECTOR || total % DISK_SECTOR ||
	    total > b->be.size - h.sector * DISK_SECTOR || total > 0xfffffffeULL) {
		if (!b->said_bad_buffer)
			pr_warn("virtio-blk: a request failed: sector %llu, %llu bytes: past the "
				"end of the disk (%llu sectors) or not whole sectors; the guest "
				"sees an I/O error (said once)\n",
				(unsigned long long)h.sector, (unsigned long long)total,
				(unsigned long long)(b->be.size / DISK_SECTOR));
		b->said_bad_buffer = true;
		return BLK_S_IOERR;
	}
	off = h.sector * DISK_SECTOR;
	rc = stream(b, c, in, in ? 0 : sizeof(h), total, off, NULL);
	if (rc) {
		bad_buffer(b, rc == -E_NOMEM ? "no memory left for the disk's overlay"
			      : rc == -E_IO  ? "the disk's server failed it"
					     : "a data buffer is not in guest RAM",
			   rc);
		return BLK_S_IOERR;
	}
	if (in) {
		b->st.reads++;
		b->st.bytes_read += total;
		*written = (u32)total;
	} else {
		b->st.writes++;
		b->st.bytes_written += total;
	}
	return BLK_S_OK;
}

/* The last writable byte of the chain: where the status goes. */
static gpa_t status_byte(const struct chain *c)
{
	const struct virtq_seg *s = &c->segs[c->n - 1]; /* (writable ones come last) */

	return s->addr + s->len - 1;
}

static bool blk_serve(struct virtio_pci *p, u16 qi, struct virtq *q, u32 budget)
{
	struct virtio_blk *b = p->dev;
	static struct virtq_seg segs[BLK_QUEUE_SIZE]; /* (the boot core's alone) */
	bool used = false, more = false;

	for (u32 done = 0;; done++) {
		struct chain c = { segs, 0, 0, 0 };
		const char *why;
		u32 written;
		u16 head;
		u8 status;
		int rc;
		if (done == budget) {
			more = true;
			break;
		}
		rc = virtq_pop(q, virtio_copy, p->vm, &head, segs, BLK_QUEUE_SIZE, &c.n, &why);
		if (rc == 0)
			break;
		if (rc < 0) {
			virtio_pci_refuse(p, qi, why);
			break;
		}
		for (u32 i = 0; i < c.n; i++)
			*(segs[i].write ? &c.writable : &c.readable) += segs[i].len;
		if (c.writable < 1) {
			virtio_pci_refuse(p, qi, "a request without a device-writable status byte "
						 "at the end of its chain");
			break;
		}
		status = request(b, &c, &written);
		if (status != BLK_S_OK)
			b->st.errors++;
		rc = vm_write_guest(p->vm, status_byte(&c), &status, 1);
		if (rc == 0)
			rc = virtq_push(q, virtio_copy, p->vm, head, written + 1);
		if (rc) {
			virtio_pci_refuse(p, qi, "its used ring or a status byte is not in guest "
						 "RAM");
			break;
		}
		used = true;
	}
	if (used)
		virtio_pci_queue_interrupt(p, qi, q);
	return more;
}

static struct virtio_dev_ops blk_ops = { /* (features: BLK_F_RO added for a read-only disk) */
	.name = "virtio-blk",
	.type = 2,
	.class_code = CLASS_STORAGE_OTHER,
	.features = BLK_F_SEG_MAX | BLK_F_BLK_SIZE | BLK_F_FLUSH,
	.nqueues = 1,
	.queue_max = BLK_QUEUE_SIZE,
	.config_read = blk_config_read,
	.config_len = 24,
	.serve = blk_serve,
};

static void *overlay_block(void *ctx)
{
	hpa_t pa = page_alloc(1, 1);

	return pa ? hpa_to_ptr(pa) : NULL;
}

/* ---- the module back end: the image in memory, writes to the overlay ---------- */

static int image_read(void *ctx, u64 off, void *buf, u32 len)
{
	return disk_read(ctx, off, buf, len);
}

static int image_write(void *ctx, u64 off, const void *buf, u32 len)
{
	return disk_write(ctx, off, buf, len);
}

static void image_report(void *ctx)
{
	const struct disk *d = ctx;

	kprintf("disk: %llu KiB written to the overlay in memory (lost at power-off)\n",
		(unsigned long long)(d->copied * DISK_BLOCK >> 10));
}

int virtio_blk_image(const u8 *image, u64 len, struct disk_backend *out)
{
	u64 table = ALIGN_UP(disk_table_bytes(len), PAGE_SIZE) / PAGE_SIZE;
	hpa_t pa;

	if (len < DISK_SECTOR) {
		pr_err("virtio-blk: the disk image is %llu bytes: less than one 512-byte "
		       "sector\n", (unsigned long long)len);
		return -E_INVAL;
	}
	pa = page_alloc(table, 1);
	if (!pa) {
		pr_err("virtio-blk: no memory for the overlay table of a %llu MiB disk (%llu "
		       "pages)\n", (unsigned long long)(len >> 20), (unsigned long long)table);
		return -E_NOMEM;
	}
	disk_init(&blk.image, image, len, hpa_to_ptr(pa), overlay_block, NULL);
	if (len % DISK_SECTOR)
		pr_warn("virtio-blk: the image's last %llu bytes are not a whole sector: the "
			"guest does not see them\n", (unsigned long long)(len % DISK_SECTOR));
	*out = (struct disk_backend){
		.size = blk.image.size,
		.read = image_read,
		.write = image_write,
		.ctx = &blk.image,
		.about = "the guest's writes go to an overlay in node 0's memory, lost at "
			 "power-off",
		.report = image_report,
	};
	return 0;
}

void virtio_blk_report(void)
{
	if (!blk.pci.serving)
		return;
	kprintf("disk: %llu reads (%llu KiB), %llu writes (%llu KiB), %llu flushes, %llu "
		"other, %llu failed\n",
		(unsigned long long)blk.st.reads, (unsigned long long)(blk.st.bytes_read >> 10),
		(unsigned long long)blk.st.writes,
		(unsigned long long)(blk.st.bytes_written >> 10),
		(unsigned long long)blk.st.flushes, (unsigned long long)blk.st.others,
		(unsigned long long)blk.st.errors);
	if (blk.be.report)
		blk.be.report(blk.be.ctx);
}

int virtio_blk_init(struct vm *vm, const struct disk_backend *be)
{
	if (be) {
		blk.be = *be;
		if (be->read_only)
			blk_ops.features |= BLK_F_RO;
		pr_info("virtio-blk: a %llu KiB disk (%llu sectors) in PCI slot %u; %s\n",
			(unsigned long long)(be->size >> 10),
			(unsigned long long)(be->size / DISK_SECTOR), BLK_SLOT, be->about);
	}
	return virtio_pci_init(&blk.pci, vm, BLK_SLOT, &blk_ops, &blk, be != NULL);
}
