// SPDX-License-Identifier: GPL-2.0-only
/*
 * The message layer over lwIP's raw UDP API (see net/transport.h). Sending is best effort, as
 * msg_ops.send must be: a packet lwIP cannot take (no memory, ARP queue full) is counted and
 * left to the message layer's retransmission.
 */
#include "net/transport.h"
#include "vmm/host/tsc.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "net/addr.h"
#include "vmm/host/log.h"

static void net_transport_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
			       const ip_addr_t *addr, u16_t port)
{
	struct net_transport *t = arg;
	u16 len = p->tot_len;

	if (len > sizeof(t->rx)) {
		t->stats.rx_too_long++;
	} else if (net_node_by_addr(t->cfg, lwip_ntohl(ip4_addr_get_u32(addr)), port) < 0) {
		t->stats.rx_unknown_src++;
	} else {
		pbuf_copy_partial(p, t->rx, len, 0);
		t->stats.rx_datagrams++;
		pbuf_free(p);
		p = NULL;
		/* msg_input() may send (acks, replies): the pbuf is already back in its pool. */
		if (msg_input(t->msg, t->rx, len) != MSG_DROP_NONE)
			t->stats.rx_rejected++;
	}
	if (p)
		pbuf_free(p);
}

int net_transport_open(struct net_transport *t, const struct cluster_config *cfg, u32 self,
		       struct msg_layer *msg)
{
	u32 ip;
	u16 port;
	err_t err;

	t->cfg = cfg;
	t->msg = msg;
	if (net_node_addr(cfg, self, &ip, &port))
		return -E_NOENT;
	t->pcb = udp_new();
	if (!t->pcb)
		return -E_NOMEM;
	err = udp_bind(t->pcb, IP4_ADDR_ANY, port);
	if (err != ERR_OK) {
		pr_err("net: cannot bind UDP port %u (lwIP error %d)\n", port, err);
		udp_remove(t->pcb);
		return -E_EXIST;
	}
	udp_recv(t->pcb, net_transport_recv, t);
	return 0;
}

void net_transport_send(void *ctx, uint16_t dst, const void *pkt, size_t len)
{
	struct net_transport *t = ctx;
	struct pbuf *p;
	ip_addr_t addr;
	u32 ip;
	u16 port;

	if (net_node_addr(t->cfg, dst, &ip, &port) || len > MSG_MAX_PACKET) {
		t->stats.tx_no_dst++;
		return;
	}
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p) {
		t->stats.tx_no_mem++;
		return;
	}
	pbuf_take(p, pkt, (u16_t)len);
	ip_addr_set_ip4_u32(&addr, lwip_htonl(ip));
	if (udp_sendto(t->pcb, p, &addr, port) == ERR_OK)
		t->stats.tx_datagrams++;
	else
		t->stats.tx_err++;
	pbuf_free(p);
}

uint64_t net_transport_now(void *ctx)
{
	return time_now_ns();
}
