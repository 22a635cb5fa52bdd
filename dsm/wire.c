// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DSM wire format: a fixed 24-byte little-endian header, followed by the 4 KiB page in a
 * grant or a PUT that carries data. wire_decode() is the only door from the network into the
 * protocol: it checks every field against the node's configuration before a handler sees it,
 * so handlers only have to check the protocol's own consistency (see dir.c, cache.c).
 *
 *   0  u8  type        1  u8  flags (MF_*)     2  u16 requester     4  u16 acks
 *   6  u16 run         8  u64 page            16  u64 label (content version)
 *
 * `run` > 0 makes the header stand for run + 1 messages, the same but for their pages,
 * page .. page + run, sent back to back (proto.c; doc/dsm.md, "Runs"). A message that
 * carries a page, and a PUT or PUT_ACK, is never part of a run.
 */
#include "dsm/internal.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void wire_encode(uint8_t *buf, const struct dsm_rec *r)
{
	buf[0] = r->type;
	buf[1] = r->flags;
	put16(buf + 2, r->requester);
	put16(buf + 4, r->acks);
	put16(buf + 6, r->run);
	put64(buf + 8, r->page);
	put64(buf + 16, r->label);
}

bool wire_carries_page(const struct dsm_rec *r)
{
	return (r->type == DSM_MSG_GRANT || r->type == DSM_MSG_PUT) &&
	       (r->flags & MF_CONTENT) == MF_DATA;
}

bool wire_may_run(const struct dsm_rec *r)
{
	return r->type != DSM_MSG_PUT && r->type != DSM_MSG_PUT_ACK && !wire_carries_page(r);
}

/*
 * Decode and range-check a message from `from`. Returns 0 with *r filled and *payload set
 * (NULL unless the message carries the page), or DSM_EMSGSIZE / DSM_EPROTO.
 */
int wire_decode(const struct dsm_node *d, unsigned from, const void *msg, size_t len,
		struct dsm_rec *r, const void **payload)
{
	const uint8_t *p = msg;

	*payload = NULL;
	if (!msg || len < DSM_MSG_HDR)
		return DSM_EMSGSIZE;
	r->type = p[0];
	r->flags = p[1];
	r->requester = get16(p + 2);
	r->acks = get16(p + 4);
	r->run = get16(p + 6);
	r->page = get64(p + 8);
	r->label = get64(p + 16);
	r->from = (uint16_t)from;
	r->next = DSM_NIL;
	if (len != DSM_MSG_HDR + (wire_carries_page(r) ? DSM_PAGE_SIZE : 0))
		return DSM_EMSGSIZE;
	if (r->type < DSM_MSG_REQ || r->type >= DSM_MSG_NTYPES)
		return DSM_EPROTO;
	if (r->run && (r->run >= DSM_RUN_MAX || !wire_may_run(r) || wire_carries_page(r)))
		return DSM_EPROTO;
	if ((r->flags & ~MF_ALL) || (r->flags & MF_CONTENT) == MF_CONTENT)
		return DSM_EPROTO;
	if (from >= d->nnodes || r->requester >= d->nnodes || r->acks >= d->nnodes)
		return DSM_EPROTO;
	if (r->page >= d->npages || d->npages - r->page <= r->run || r->label > DSM_VER_MASK)
		return DSM_EPROTO;
	if (wire_carries_page(r))
		*payload = p + DSM_MSG_HDR;
	return 0;
}

int dsm_msg_peek(const void *msg, size_t len, unsigned *type, unsigned *requester, uint64_t *page,
		 unsigned *pages)
{
	const uint8_t *p = msg;

	if (!msg || len < DSM_MSG_HDR)
		return DSM_EMSGSIZE;
	*type = p[0];
	*requester = get16(p + 2);
	*page = get64(p + 8);
	*pages = 1u + get16(p + 6);
	return 0;
}
