// SPDX-License-Identifier: GPL-2.0-only
/*
 * lwIP netif over a struct nic (see net/lwip/netif.h). lwIP's Ethernet layer (ethernet_input,
 * etharp_output) does ARP and framing; this file only moves whole frames. A frame lwIP
 * cannot take (no pbuf, queue full) is dropped and counted: the message layer above
 * retransmits, and a full queue means the network context fell behind the wire.
 */
#include "net/lwip/netif.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "vmm/lib/klib.h"

static u8 net_tx_frame[NIC_MAX_FRAME];

static err_t net_netif_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct net_netif *nif = netif->state;
	int rc;

	if (p->tot_len > sizeof(net_tx_frame)) {
		nif->stats.tx_too_long++;
		return ERR_IF;
	}
	pbuf_copy_partial(p, net_tx_frame, p->tot_len, 0);
	rc = nif->nic->ops->send(nif->nic, net_tx_frame, p->tot_len);
	if (rc) {
		nif->stats.tx_nic_full++;
		return ERR_IF;
	}
	nif->stats.tx_frames++;
	return ERR_OK;
}

static err_t net_netif_init(struct netif *netif)
{
	struct net_netif *nif = netif->state;

	netif->name[0] = 'u';
	netif->name[1] = 'n';
	netif->mtu = NIC_MTU;
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, nif->nic->mac, ETH_HWADDR_LEN);
	netif->flags =
		NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	netif->output = etharp_output;
	netif->linkoutput = net_netif_linkoutput;
	return ERR_OK;
}

int net_netif_add(struct net_netif *nif, struct nic *nic, u32 ip, u32 netmask)
{
	ip4_addr_t addr, mask, gw;

	memset(nif, 0, sizeof(*nif));
	nif->nic = nic;
	ip4_addr_set_u32(&addr, lwip_htonl(ip));
	ip4_addr_set_u32(&mask, lwip_htonl(netmask));
	ip4_addr_set_zero(&gw);
	if (!netif_add(&nif->netif, &addr, &mask, &gw, nif, net_netif_init, ethernet_input))
		return -E_NOMEM;
	netif_set_default(&nif->netif);
	netif_set_up(&nif->netif);
	return 0;
}

void net_netif_queue_frame(void *ctx, const void *frame, size_t len)
{
	struct net_netif *nif = ctx;
	struct pbuf *p;

	if (nif->rxq_head - nif->rxq_tail >= NET_RXQ_SIZE) {
		nif->stats.rx_queue_full++;
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		nif->stats.rx_no_pbuf++;
		return;
	}
	pbuf_take(p, frame, (u16_t)len);
	nif->rxq[nif->rxq_head++ % NET_RXQ_SIZE] = p;
	nif->stats.rx_queued++;
}

int net_netif_input(struct net_netif *nif)
{
	int n = 0;

	while (nif->rxq_tail != nif->rxq_head) {
		struct pbuf *p = nif->rxq[nif->rxq_tail++ % NET_RXQ_SIZE];
		if (nif->netif.input(p, &nif->netif) != ERR_OK) {
			nif->stats.rx_lwip_err++;
			pbuf_free(p);
		}
		n++;
	}
	return n;
}
