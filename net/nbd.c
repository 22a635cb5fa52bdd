// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NBD client (see net/nbd.h). Numbers on the wire are big-endian (the NBD protocol,
 * github.com/NetworkBlockDevice/nbd doc/proto.md):
 *   negotiation, server: "NBDMAGIC", "IHAVEOPT", u16 handshake flags;
 *               client:  u32 client flags, then "IHAVEOPT", u32 option 1 (EXPORT_NAME),
 *                        u32 length, the name;
 *               server:  u64 export size, u16 transmission flags, and 124 zero bytes
 *                        unless both said NO_ZEROES.
 *   request:  u32 0x25609513, u16 command flags (FUA 1), u16 type (READ 0, WRITE 1,
 *             DISC 2, FLUSH 3), u64 handle, u64 offset, u32 length; a write's data.
 *   reply:    u32 0x67446698, u32 error, u64 handle; a successful read's data.
 * Received bytes go into a ring from lwIP's receive callback, and the waiting call takes
 * them from there; the window opens as they are taken.
 */
#include "net/nbd.h"
#include "lwip/tcp.h"
#include "lwip/ip_addr.h"
#include "vmm/host/log.h"
#include "vmm/host/panic.h"
#include "vmm/host/tsc.h"
#include "vmm/lib/klib.h"
#include "net/net.h"
#include "vmm/lib/config.h"

#define NBD_MAGIC      0x4e42444d41474943ULL /* "NBDMAGIC" */
#define NBD_IHAVEOPT   0x49484156454f5054ULL /* "IHAVEOPT" */
#define NBD_REQ_MAGIC  0x25609513u
#define NBD_REP_MAGIC  0x67446698u
#define HS_FIXED       1
#define HS_NO_ZEROES   2
#define OPT_EXPORT_NAME 1
#define CMD_READ       0
#define CMD_WRITE      1
#define CMD_DISC       2
#define CMD_FLUSH      3
#define CMD_FLAG_FUA   1
#define RING	       (2 * NBD_MAX_REQUEST) /* a power of two */
#define CONNECT_NS     10000000000ULL
#define CLOSE_NS       2000000000ULL /* for the disconnect to be acknowledged */

static struct {
	struct tcp_pcb *pcb;
	bool connected, lost;
	bool closing, closed; /* nbd_close: the disconnect sent; and acknowledged */
	const char *why; /* why it was lost (said once) */
	u8 ring[RING];
	u32 head, tail; /* free-running: taken at head, added at tail */
	u64 handle;
	u32 ip;
	u16 port;
	void (*wait_poll)(void *ctx);
	void *wait_ctx;
	u64 requests, bytes, errors;
} c;

void nbd_set_wait_poll(void (*fn)(void *ctx), void *ctx)
{
	c.wait_poll = fn;
	c.wait_ctx = ctx;
}

/* The connection, without our callbacks: no lwIP call reaches us about it again. */
static struct tcp_pcb *detach(void)
{
	struct tcp_pcb *p = c.pcb;

	c.pcb = NULL;
	tcp_arg(p, NULL);
	tcp_recv(p, NULL);
	tcp_err(p, NULL);
	return p;
}

static void lose(const char *why)
{
	if (c.lost)
		return;
	c.lost = true;
	c.why = why;
	pr_err("nbd: the server at %u.%u.%u.%u:%u is lost (%s): the guest's disk requests fail "
	       "from now on\n", c.ip >> 24, (c.ip >> 16) & 0xff, (c.ip >> 8) & 0xff, c.ip & 0xff,
	       c.port, why);
	if (c.pcb)
		tcp_abort(detach());
}

/* ---- lwIP's callbacks (inside net_poll) ---------------------------------------- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	if (!p) {
		c.pcb = NULL; /* (lwIP frees it after a close we answer with tcp_close) */
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_err(pcb, NULL);
		if (!c.closing)
			lose("it closed the connection");
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	if (err != ERR_OK || p->tot_len > RING - (c.tail - c.head)) {
		/* (the window is smaller than the ring: this cannot come from a TCP peer) */
		pbuf_free(p);
		lose("its data overran the receive ring");
		return ERR_ABRT;
	}
	for (struct pbuf *q = p; q; q = q->next)
		for (u16 i = 0; i < q->len; i++)
			c.ring[c.tail++ % RING] = ((const u8 *)q->payload)[i];
	pbuf_free(p);
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	c.pcb = NULL; /* (already freed by lwIP) */
	if (!c.closing)
		lose(err == ERR_RST ? "it reset the connection" : "the connection failed");
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	c.connected = true;
	return ERR_OK;
}

/* ---- waiting ---------------------------------------------------------------- */

/* Waits until done() or the server is lost or silent for NBD_TIMEOUT_NS. */
static int wait_for(bool (*done)(u32 want), u32 want, u64 timeout_ns)
{
	u64 t0 = time_now_ns();

	BUG_ON(net_in_poll());
	for (;;) {
		if (done(want))
			return 0; /* (even if the server closed right after: what came is good) */
		if (c.lost)
			return -E_IO;
		if (time_now_ns() - t0 > timeout_ns) {
			lose("no answer in 10 s");
			return -E_IO;
		}
		net_poll();
		if (c.wait_poll)
			c.wait_poll(c.wait_ctx);
	}
}

static bool have_bytes(u32 n)
{
	return c.tail - c.head >= n;
}

static bool is_connected(u32 unused)
{
	return c.connected;
}

/* Takes n received bytes into buf, as they come: each wait is for at least one more
 * byte (silent 10 s: lost), and the window opens by what was taken, so a reply larger
 * than the window still flows. */
static int take(void *buf, u32 n)
{
	u8 *b = buf;

	while (n) {
		u32 k;
		if (wait_for(have_bytes, 1, NBD_TIMEOUT_NS))
			return -E_IO;
		k = MIN(n, c.tail - c.head);
		for (u32 i = 0; i < k; i++, c.head++)
			b[i] = c.ring[c.head % RING];
		b += k;
		n -= k;
		for (u32 left = k; c.pcb && left;) {
			u16 piece = (u16)MIN(left, 0xffffu);
			tcp_recved(c.pcb, piece);
			left -= piece;
		}
	}
	return 0;
}

static bool can_send(u32 n)
{
	return c.pcb && tcp_sndbuf(c.pcb) >= MIN(n, (u32)TCP_SND_BUF / 2);
}

static int send(const void *buf, u32 n)
{
	const u8 *b = buf;
	u32 tries = 0;
	err_t err;

	while (n) {
		u32 k;
		if (wait_for(can_send, n, NBD_TIMEOUT_NS))
			return -E_IO;
		k = MIN(n, (u32)tcp_sndbuf(c.pcb));
		err = tcp_write(c.pcb, b, (u16)k, TCP_WRITE_FLAG_COPY);
		if (err == ERR_MEM) { /* (queue or heap full for now: send, poll, again) */
			tcp_output(c.pcb);
			if (++tries > 100000) {
				lose("no memory to send to it");
				return -E_IO;
			}
			net_poll();
			continue;
		}
		if (err != ERR_OK) {
			lose("it stopped taking data");
			return -E_IO;
		}
		tries = 0;
		tcp_output(c.pcb);
		b += k;
		n -= k;
	}
	return 0;
}

static u64 be64(const u8 *p)
{
	u64 v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(u8 *p, u64 v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (u8)v;
}

/* ---- the protocol ------------------------------------------------------------ */

int nbd_open(u32 ip, u16 port, const char *name, struct nbd_export *out)
{
	u8 hello[18], opt[20 + CFG_MODNAME_MAX], reply[10 + 124];
	u32 namelen = (u32)strlen(name), client_flags = 0;
	ip_addr_t addr;
	u16 hs;

	c.ip = ip;
	c.port = port;
	if (namelen > sizeof(opt) - 20)
		return -E_INVAL;
	if (!net_lwip_up()) {
		pr_err("nbd: node 0 has no network (see its net: lines above) to reach the "
		       "server\n");
		return -E_IO;
	}
	c.pcb = tcp_new();
	if (!c.pcb) {
		pr_err("nbd: no TCP connection block\n");
		return -E_NOMEM;
	}
	tcp_nagle_disable(c.pcb); /* (a write's last piece must not wait for an ACK) */
	tcp_recv(c.pcb, on_recv);
	tcp_err(c.pcb, on_err);
	IP4_ADDR(ip_2_ip4(&addr), ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
	if (tcp_connect(c.pcb, &addr, port, on_connected) != ERR_OK) {
		lose("cannot start a TCP connection");
		return -E_IO;
	}
	if (wait_for(is_connected, 0, CONNECT_NS) || take(hello, sizeof(hello)))
		return -E_IO;
	if (be64(hello) != NBD_MAGIC || be64(hello + 8) != NBD_IHAVEOPT) {
		lose("it does not speak the newstyle NBD protocol");
		return -E_IO;
	}
	hs = (u16)(hello[16] << 8 | hello[17]);
	if (hs & HS_FIXED)
		client_flags |= HS_FIXED;
	if (hs & HS_NO_ZEROES)
		client_flags |= HS_NO_ZEROES;
	put_be(opt, client_flags, 4);
	put_be(opt + 4, NBD_IHAVEOPT, 8);
	put_be(opt + 12, OPT_EXPORT_NAME, 4);
	put_be(opt + 16, namelen, 4);
	memcpy(opt + 20, name, namelen);
	if (send(opt, 20 + namelen))
		return -E_IO;
	if (take(reply, 10 + (client_flags & HS_NO_ZEROES ? 0 : 124))) {
		pr_err("nbd: (a server closes the connection for an export it does not have: is "
		       "there one named '%s'?)\n", name);
		return -E_IO;
	}
	out->size = be64(reply);
	out->flags = (u16)(reply[8] << 8 | reply[9]);
	if (!(out->flags & NBD_TFLAG_HAS_FLAGS))
		out->flags = 0; /* (the other bits mean nothing without it) */
	return 0;
}

/* One request and its simple reply (with a read's data into buf). */
static int request(u16 type, u16 flags, u64 off, void *buf, u32 len)
{
	u8 req[28], rep[16];
	u64 handle = ++c.handle;
	u32 error;

	if (c.lost || !c.pcb)
		return -E_IO;
	put_be(req, NBD_REQ_MAGIC, 4);
	put_be(req + 4, flags, 2);
	put_be(req + 6, type, 2);
	put_be(req + 8, handle, 8);
	put_be(req + 16, off, 8);
	put_be(req + 24, len, 4);
	c.requests++;
	if (send(req, sizeof(req)) || (type == CMD_WRITE && send(buf, len)) ||
	    take(rep, sizeof(rep)))
		return -E_IO;
	if ((u32)(be64(rep) >> 32) != NBD_REP_MAGIC || be64(rep + 8) != handle) {
		lose("it sent a reply that is not one (bad magic or handle)");
		return -E_IO;
	}
	error = (u32)be64(rep);
	if (error) {
		c.errors++;
		return -E_IO; /* (no data follows an error, even a read's) */
	}
	if (type == CMD_READ && take(buf, len))
		return -E_IO;
	c.bytes += len;
	return 0;
}

int nbd_read(u64 off, void *buf, u32 len)
{
	return len > NBD_MAX_REQUEST ? -E_INVAL : request(CMD_READ, 0, off, buf, len);
}

int nbd_write(u64 off, const void *buf, u32 len, bool fua)
{
	return len > NBD_MAX_REQUEST ? -E_INVAL
				     : request(CMD_WRITE, fua ? CMD_FLAG_FUA : 0, off, (void *)buf,
					       len);
}

int nbd_flush(void)
{
	return request(CMD_FLUSH, 0, 0, NULL, 0);
}

/* Everything sent has been acknowledged (or the connection is gone). */
static bool all_acked(void)
{
	return !c.pcb || (!c.pcb->unsent && !c.pcb->unacked);
}

void nbd_close(void)
{
	u8 req[28];
	u64 t0;

	if (c.lost || !c.pcb || c.closing)
		return;
	memset(req, 0, sizeof(req));
	put_be(req, NBD_REQ_MAGIC, 4);
	put_be(req + 6, CMD_DISC, 2);
	put_be(req + 8, ++c.handle, 8);
	if (send(req, sizeof(req)) != 0)
		return; /* (lost: said so) */
	c.closing = true; /* (the server may close first now: that is not a loss) */
	t0 = time_now_ns();
	while (!all_acked() && time_now_ns() - t0 < CLOSE_NS) {
		net_poll();
		if (c.wait_poll)
			c.wait_poll(c.wait_ctx);
	}
	c.closed = all_acked();
	if (!c.closed)
		pr_warn("nbd: the server at %u.%u.%u.%u:%u did not acknowledge the disconnect in "
			"2 s; the connection is closed anyway\n", c.ip >> 24, (c.ip >> 16) & 0xff,
			(c.ip >> 8) & 0xff, c.ip & 0xff, c.port);
	if (c.pcb) {
		struct tcp_pcb *p = detach();
		if (tcp_close(p) != ERR_OK)
			tcp_abort(p);
		net_poll(); /* (the FIN on its way) */
	}
}

u64 nbd_idle_poll(u64 now)
{
	if (!net_in_poll())
		net_poll();
	return net_next_deadline(now);
}

void nbd_line(const char *prefix)
{
	kprintf("%s%llu requests, %llu KiB, %llu answered with an error%s%s%s\n", prefix,
		(unsigned long long)c.requests, (unsigned long long)(c.bytes >> 10),
		(unsigned long long)c.errors, c.lost ? "; lost: " : "", c.lost ? c.why : "",
		c.closed ? "; disconnected (NBD_CMD_DISC acknowledged)" : "");
}
