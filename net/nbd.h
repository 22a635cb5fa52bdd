/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A client of the network block device protocol (the NBD protocol of nbd-server and
 * qemu-nbd: fixed newstyle negotiation, NBD_OPT_EXPORT_NAME, simple replies), over lwIP
 * TCP from node 0, for the guest's disk. One connection, one request at a time: every
 * call sends its request and waits for the answer, polling the network (and the extra
 * work nbd_set_wait_poll names: the coherence protocol) meanwhile. Boot core only, never
 * from inside a network message handler. A server that closes the connection, resets
 * it, answers garbage or sends nothing for NBD_TIMEOUT_NS while an answer is due is
 * lost: the call fails, says why
 * once, and every later call fails at once (-E_IO), so the guest sees I/O errors and
 * nothing waits for ever.
 */
#ifndef UNUM_NET_NBD_H
#define UNUM_NET_NBD_H

#include "vmm/lib/types.h"

#define NBD_TIMEOUT_NS	 10000000000ULL /* 10 s without an answer: the server is lost */
#define NBD_MAX_REQUEST	 (64 * 1024)	/* bytes one read or write moves */
#define NBD_DEFAULT_PORT 10809

#define NBD_TFLAG_HAS_FLAGS  (1u << 0)
#define NBD_TFLAG_READ_ONLY  (1u << 1)
#define NBD_TFLAG_SEND_FLUSH (1u << 2)
#define NBD_TFLAG_SEND_FUA   (1u << 3)

struct nbd_export {
	u64 size;
	u16 flags; /* transmission flags */
};

/* Connects to ip:port (host byte order) and opens export `name`: 0 with *out, or a
 * negative error with the reason printed. */
int nbd_open(u32 ip, u16 port, const char *name, struct nbd_export *out);
/* len at most NBD_MAX_REQUEST: 0, or -E_IO (the server said an error, or is lost). */
int nbd_read(u64 off, void *buf, u32 len);
int nbd_write(u64 off, const void *buf, u32 len, bool fua);
int nbd_flush(void);
/* Work to do while waiting for the server (each time round the wait). */
void nbd_set_wait_poll(void (*fn)(void *ctx), void *ctx);
/* One line of what went over the connection, after prefix. */
void nbd_line(const char *prefix);
/* At the guest's stop: NBD_CMD_DISC, then the connection closed once the server has
 * acknowledged it (at most 2 s), so the server ends the session rather than keep a
 * connection nobody will use. Nothing if the server was lost. */
void nbd_close(void);
/* On a node whose guest does not span nodes, nothing else polls the network: the boot
 * core calls this between exits so the connection's acknowledgements, window updates
 * and retransmissions go on between requests. Returns the next deadline. */
u64 nbd_idle_poll(u64 now);

#endif
