// SPDX-License-Identifier: GPL-2.0-only
/*
 * The network context (see net/net.h): NIC selection, lwIP bring-up, the message layer with
 * its UDP transport, membership and the self-test, all driven from net_poll(). The message
 * layer starts only once the epoch is known (net/epoch.h): the network context watches the
 * RTC for the next tick of its seconds, at most a second after net_start(); until then lwIP
 * already answers ARP and ping.
 */
#include "net/net.h"
#include "vmm/host/tsc.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "net/addr.h"
#include "net/epoch.h"
#include "net/membership.h"
#include "net/lwip/netif.h"
#include "net/nettest.h"
#include "vmm/lib/printf.h"
#include "net/nics.h"
#include "net/transport.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"

#define NET_RX_BUDGET	  64
#define NET_RX_ROUNDS	  8
#define NET_EPOCH_WAIT_NS 2500000000ull /* the RTC ticks every second; allow 2.5 */
#define NET_RTC_POLL_NS	  2000000ull
#define NS_PER_S	  1000000000ull
/*
 * Retransmission timeout before the round trip is measured. The message layer's 5 ms default
 * assumes a fast round trip; here a polled NIC (e1000) is serviced at the 100 Hz timer tick,
 * so a round trip can take two ticks: with 5 ms half the messages of a 3-node self-test were
 * retransmitted needlessly, with 25 ms none were, at the same throughput (doc/net.md). Once
 * measured, the timeout follows the round trip, down to NET_RTO_FLOOR_NS: an emulated node's
 * answer can lag by a host scheduling slice (with the layer's 1 ms floor a clean 2-node Linux
 * boot retransmitted 1,200 of 30,000 messages needlessly).
 */
#define NET_RTO_MIN_NS	 25000000ull
#define NET_RTO_FLOOR_NS 5000000ull
/* The guest's frames sent between two polls of the NIC, at most: a guest that keeps its
 * transmit queue full leaves the NIC's ring room for the cluster's messages (an eighth
 * of the 128 slots of e1000's and virtio-net's rings). */
#define NET_GUEST_TX_PER_POLL 16

/* NET_ALONE: a cluster of one node: lwIP is up (for the disk's NBD server), with no
 * message layer. */
enum net_state { NET_OFF, NET_ALONE, NET_WAIT_EPOCH, NET_RUNNING };

struct net_handler {
	net_msg_handler fn;
	void *ctx;
};

static struct {
	enum net_state state;
	bool polling;
	bool rx_left; /* the last poll of the NIC stopped at its budget */
	const struct cluster_config *cfg;
	u32 self;
	struct nic *nic;
	struct net_netif nif;
	struct net_transport tp;
	struct msg_layer msg;
	struct membership members;
	struct nettest test;
	u32 test_count;
	bool stats_shown;
	u64 start_ns, rtc_checked_ns, rtc_sec0;
	struct net_handler handlers[256];
	/* the guest's NIC (net_guest_attach) */
	void (*guest_rx)(const void *frame, size_t len);
	u8 guest_mac[6];
	u64 guest_rx_frames, guest_tx_frames, guest_tx_full, guest_echoes, guest_refused;
	u32 guest_sent_this_poll;
} net;

/* Messages for the guest that come before this node has set up what takes them (a peer that
 * came up first asks for pages while this one still allocates the guest) wait in the message
 * layer (struct msg_ops, ready) while held_from is set, from that type on. */
static u8 held_from;
static u64 unhandled;
static bool retry_rx; /* a handler came: deliver what waited for it */

void net_hold_unhandled(u8 from_type)
{
	held_from = from_type;
}

static bool net_ready(void *ctx, uint8_t type)
{
	return net.handlers[type].fn || !held_from || type < held_from;
}

static void net_deliver(void *ctx, uint16_t src, uint8_t type, const void *data, size_t len)
{
	if (net.handlers[type].fn) {
		net.handlers[type].fn(net.handlers[type].ctx, src, data, len);
	} else if (unhandled++ == 0) {
		kprintf("net: a message of type %u from node %u, and nothing here takes that type: "
			"dropped (further ones counted in the end report)\n",
			type, src);
	}
}

static void net_peer_reset(void *ctx, uint16_t node)
{
	membership_peer_reset(&net.members, node);
}

static uint64_t net_last_heard(void *ctx, uint16_t node)
{
	return msg_peer_last_heard(&net.msg, node);
}

static void (*peer_lost_fn)(void *ctx, u32 node, bool restarted, u64 old_epoch);
static void *peer_lost_ctx;
static u64 epoch_known[MSG_MAX_NODES]; /* each peer's incarnation at its last event */

void net_on_peer_lost(void (*fn)(void *ctx, u32 node, bool restarted, u64 old_epoch), void *ctx)
{
	peer_lost_ctx = ctx;
	peer_lost_fn = fn;
}

u64 net_peer_epoch(u32 node)
{
	return net_msg_layer() ? msg_peer_epoch(net_msg_layer(), (u16)node) : 0;
}

u64 net_epoch(void)
{
	return net_msg_layer() ? net_msg_layer()->epoch : 0;
}

static void net_member_event(void *ctx, uint16_t node, enum member_event ev, uint64_t silent)
{
	char ip[20];
	u64 old = epoch_known[node], now = net_peer_epoch(node);

	if (ev == MEMBER_UP) {
		config_format_ip(net.cfg->nodes[node].ip, ip, sizeof(ip));
		kprintf("net: node %u (%s) is up\n", node, ip);
	} else if (ev == MEMBER_DOWN) {
		kprintf("net: node %u is DOWN: no word for %llu ms\n", node,
			(unsigned long long)(silent / 1000000));
	} else {
		kprintf("net: node %u restarted (epoch %llu, before %llu): messages in flight "
			"to it are lost\n",
			node, (unsigned long long)now, (unsigned long long)old);
	}
	if (now)
		epoch_known[node] = now;
	if (ev != MEMBER_UP && peer_lost_fn)
		peer_lost_fn(peer_lost_ctx, node, ev == MEMBER_RESTARTED, old);
}

static void net_test_deliver(void *ctx, u16 src, const void *data, size_t len)
{
	nettest_deliver(&net.test, src, data, len);
}

int net_register(u8 type, net_msg_handler fn, void *ctx)
{
	if (type < MSG_T_USER || !fn)
		return -E_INVAL;
	/* type is a u8: every value indexes the 256 handlers. */
	// cppcheck-suppress arrayIndexOutOfBoundsCond
	if (net.handlers[type].fn)
		return -E_EXIST;
	net.handlers[type] = (struct net_handler){ fn, ctx };
	retry_rx = true; /* (one may wait for it, held: at the next poll, once set up) */
	return 0;
}

/* A send and a receive window per peer (doc/net.md), and room for a send queue
 * as long again, counted in packets of one frame (a page takes 3): a guest spanning
 * nodes sends in bursts (pages, invalidations, interrupts) and a message the pool
 * cannot take is refused. At least 768 (half of it for sending, about 1.1 MiB in all):
 * a node answers every request its peers have out (each vCPU's pinned pages and the
 * working-set prefetch: vmm/cluster/vmdsm.c) with a grant, while its own requests are
 * out too; 64 buffers of a whole page each ran out there. */
static u32 pool_given; /* msgbufs=N */

void net_set_pool(u32 slots)
{
	pool_given = slots;
}

/* msgbufs=N gives N buffers to share between sending and holding out-of-order data, as
 * many whatever the number of peers; the part reserve comes on top. */
static u32 net_pool_slots(u32 nnodes)
{
	if (pool_given)
		return pool_given + msg_part_reserve((u16)nnodes);
	return MIN(MAX(768u, 12 * MSG_WINDOW * (nnodes - 1)), 12288u);
}

static struct msg_slot *net_alloc_slots(u32 nnodes, u32 *nr)
{
	u32 n = net_pool_slots(nnodes);
	u64 pages;
	hpa_t pa;

	pages = (n * sizeof(struct msg_slot) + PAGE_SIZE - 1) / PAGE_SIZE;
	pa = page_alloc(pages, 1);
	*nr = n;
	return pa ? hpa_to_ptr(pa) : NULL;
}

static int net_start_messages(u64 epoch)
{
	struct msg_config mc = { .cluster_id = net.cfg->cluster_id,
				 .self = (u16)net.self,
				 .nr_nodes = (u16)net.cfg->nnodes,
				 .epoch = epoch,
				 .rto_min_ns = NET_RTO_MIN_NS,
				 .rto_floor_ns = NET_RTO_FLOOR_NS };
	struct msg_ops ops = { .ctx = &net.tp,
			       .send = net_transport_send,
			       .now_ns = net_transport_now,
			       .deliver = net_deliver,
			       .peer_reset = net_peer_reset,
			       .ready = net_ready };
	struct membership_ops mops = { .last_heard = net_last_heard, .event = net_member_event };
	int rc;

	memcpy(mc.secret, net.cfg->secret, sizeof(mc.secret));
	mc.slots = net_alloc_slots(net.cfg->nnodes, &mc.nr_slots);
	if (!mc.slots)
		return -E_NOMEM;
	rc = msg_init(&net.msg, &mc, &ops);
	if (rc == 0)
		rc = net_transport_open(&net.tp, net.cfg, net.self, &net.msg);
	if (rc)
		return rc;
	membership_init(&net.members, (u16)net.self, (u16)net.cfg->nnodes, 0, &mops);
	nettest_init(&net.test, &net.msg, &net.members, (u16)net.self, (u16)net.cfg->nnodes,
		     net.test_count);
	if (net.test_count)
		net_register(NETTEST_MSG_TYPE, net_test_deliver, NULL);
	kprintf("net: message layer up: epoch %llu, %u buffers, %u peers\n",
		(unsigned long long)epoch, mc.nr_slots, net.cfg->nnodes - 1);
	return 0;
}

/* Waits for the RTC's next second (see net/epoch.h), then starts the message layer. */
static void net_try_epoch(u64 now)
{
	struct rtc_time t;
	u64 sec = 0, epoch;

	if (now - net.rtc_checked_ns < NET_RTC_POLL_NS)
		return;
	net.rtc_checked_ns = now;
	if (rtc_read(&t) == 0)
		sec = epoch_rtc_to_unix(&t);
	if (sec && sec == net.rtc_sec0 && now - net.start_ns < NET_EPOCH_WAIT_NS)
		return;
	if (sec && sec != net.rtc_sec0) {
		epoch = sec * NS_PER_S;
	} else {
		pr_warn("net: the RTC %s: the epoch falls back to its seconds plus the TSC, which "
			"a restart within the same second could repeat\n",
			sec ? "did not tick within 2.5 s" : "is unreadable");
		epoch = (sec ? sec : 1) * NS_PER_S + now % NS_PER_S;
	}
	net.state = NET_RUNNING;
	if (net_start_messages(epoch)) {
		pr_err("net: cannot start the message layer (out of memory for its %u buffers?); "
		       "network off\n",
		       net_pool_slots(net.cfg->nnodes));
		net.state = NET_OFF;
	}
}

static void net_format_mac(const u8 *m, char *buf, size_t size)
{
	config_format_mac(m, buf, size);
}

int net_identify(const struct cluster_config *cfg, u32 *id)
{
	struct nic **nics;
	int n = net_nics_probe(&nics);
	char mac[20];

	for (int i = 0; i < n; i++) {
		int node = net_node_by_mac(cfg, nics[i]->mac);
		if (node >= 0) {
			net_format_mac(nics[i]->mac, mac, sizeof(mac));
			kprintf("net: this is node %d: its mac= %s is %s NIC %d\n", node, mac,
				nics[i]->name, i);
			*id = (u32)node;
			return 0;
		}
	}
	if (n == 0)
		kprintf("net: no NIC found (drivers: virtio-net, e1000 82540EM)\n");
	for (int i = 0; i < n; i++) {
		net_format_mac(nics[i]->mac, mac, sizeof(mac));
		kprintf("net: NIC %d (%s, mac %s) is no node's mac= in %s\n", i, nics[i]->name, mac,
			cfg->filename);
	}
	return -E_NOENT;
}

static struct nic *net_choose_nic(const struct cfg_node *node)
{
	struct nic **nics;
	int n = net_nics_probe(&nics);
	struct nic *nic = net_nics_find(node->mac);
	char want[20], have[20];

	if (nic || n == 0)
		return nic;
	net_format_mac(node->mac, want, sizeof(want));
	net_format_mac(nics[0]->mac, have, sizeof(have));
	pr_warn("net: no NIC has node %u's mac=%s; using the first, %s (mac %s)\n", node->id, want,
		nics[0]->name, have);
	return nics[0];
}

int net_start(const struct cluster_config *cfg, u32 self)
{
	const struct cfg_node *node = config_node(cfg, self);
	u32 mask = net_cluster_netmask(cfg);
	struct rtc_time t;
	char ip[20];
	int rc;

	if (!node || net.state != NET_OFF)
		return -E_INVAL;
	net.cfg = cfg;
	net.self = self;
	net.nic = net_choose_nic(node);
	if (!net.nic) {
		pr_err("net: no NIC found (drivers: virtio-net, e1000 82540EM): node %u runs "
		       "without the cluster network\n",
		       self);
		return -E_NOENT;
	}
	lwip_init();
	rc = net_netif_add(&net.nif, net.nic, node->ip, mask);
	if (rc)
		return rc;
	/* Every node's address, fixed from the cluster file: no ARP answer (a guest's
	 * bridged onto a node's NIC included) can redirect the cluster's traffic. */
	for (u32 i = 0; i < cfg->nnodes; i++) {
		ip4_addr_t a;
		if (i == self)
			continue;
		ip4_addr_set_u32(&a, lwip_htonl(cfg->nodes[i].ip));
		if (etharp_add_static_entry(&a, (struct eth_addr *)(void *)cfg->nodes[i].mac) !=
		    ERR_OK)
			pr_warn("net: no room for node %u's fixed ARP entry (ARP_TABLE_SIZE): its "
				"address is learned instead\n", i);
	}
	config_format_ip(node->ip, ip, sizeof(ip));
	kprintf("net: node %u on %s: %s/%d, UDP port %u, lwIP 2.1.3\n", self, net.nic->name, ip,
		__builtin_popcount(mask), node->port);
	if (cfg->nnodes < 2) {
		/* (the message layer needs a peer: it refused to start, later, in the
		 * middle of the guest's console output) */
		kprintf("net: a cluster of one node: no cluster messages\n");
		net.state = NET_ALONE;
		return 0;
	}
	net.start_ns = time_now_ns();
	net.rtc_sec0 = rtc_read(&t) == 0 ? epoch_rtc_to_unix(&t) : 0;
	net.state = NET_WAIT_EPOCH;
	return 0;
}

void net_stats_line(void)
{
	if (net.state == NET_OFF || !net.nic)
		return;
	const struct nic_stats *n = &net.nic->stats;
	const struct msg_stats *m = &net.msg.stats;
	u64 drops = 0;

	for (int i = 1; i < MSG_DROP_NR; i++)
		drops += m->drops[i];
	kprintf("net: stats: NIC rx %llu tx %llu (own echoes %llu, bad %llu, tx ring full %llu, "
		"doorbells %llu, %llu not needed, irqs %llu); rx queue full %llu, no pbuf %llu; UDP rx %llu tx %llu (lwIP "
		"refused %llu); messages delivered %llu, retransmitted %llu, dropped %llu\n",
		(unsigned long long)n->rx_frames, (unsigned long long)n->tx_frames,
		(unsigned long long)n->rx_own, (unsigned long long)(n->rx_bad + n->rx_bad_desc),
		(unsigned long long)n->tx_full, (unsigned long long)n->kicks,
		(unsigned long long)n->kicks_saved, (unsigned long long)net_nics_irqs(),
		(unsigned long long)net.nif.stats.rx_queue_full,
		(unsigned long long)net.nif.stats.rx_no_pbuf,
		(unsigned long long)net.tp.stats.rx_datagrams,
		(unsigned long long)net.tp.stats.tx_datagrams,
		(unsigned long long)(net.tp.stats.tx_err + net.tp.stats.tx_no_mem),
		(unsigned long long)m->delivered, (unsigned long long)m->tx_retrans,
		(unsigned long long)drops);
}

/* Is this broadcast or multicast frame an IPv4 UDP datagram to a node's port: the
 * cluster's own, never the guest's? */
static bool net_is_cluster_frame(const u8 *f, size_t len)
{
	size_t ihl;
	u16 port;

	if (len < NIC_ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00 || f[NIC_ETH_HLEN + 9] != 17)
		return false;
	if ((f[NIC_ETH_HLEN + 6] & 0x1f) | f[NIC_ETH_HLEN + 7])
		return true; /* (a later fragment: no UDP header to tell; not the guest's) */
	ihl = (size_t)(f[NIC_ETH_HLEN] & 0xf) * 4;
	if (len < NIC_ETH_HLEN + ihl + 8)
		return true; /* (too short to say: not the guest's either) */
	port = (u16)(f[NIC_ETH_HLEN + ihl + 2] << 8 | f[NIC_ETH_HLEN + ihl + 3]);
	for (u32 i = 0; i < net.cfg->nnodes; i++)
		if (net.cfg->nodes[i].port == port)
			return true;
	return false;
}

/* nic_rx_fn: a received frame to lwIP, to the guest's NIC, or to both. */
static void net_rx_frame(void *ctx, const void *frame, size_t len)
{
	const u8 *f = frame;

	if (net.guest_rx) {
		if (memcmp(f + 6, net.guest_mac, 6) == 0) {
			net.guest_echoes++; /* (a hub-like link echoing the guest's own) */
			return;
		}
		if (memcmp(f, net.guest_mac, 6) == 0) {
			net.guest_rx_frames++;
			net.guest_rx(frame, len);
			return;
		}
		if ((f[0] & 1) && !net_is_cluster_frame(f, len)) {
			net.guest_rx_frames++;
			net.guest_rx(frame, len);
		}
	}
	net_netif_queue_frame(&net.nif, frame, len);
}

int net_guest_attach(const u8 mac[6], void (*rx)(const void *frame, size_t len))
{
	if (net.state == NET_OFF || net.guest_rx || !rx)
		return -E_INVAL;
	memcpy(net.guest_mac, mac, 6);
	if (net.nic->ops->accept_mac)
		net.nic->ops->accept_mac(net.nic, mac);
	net.guest_rx = rx;
	return 0;
}

static bool net_is_node_ip(const u8 *a)
{
	u32 ip = (u32)a[0] << 24 | (u32)a[1] << 16 | (u32)a[2] << 8 | a[3];

	for (u32 i = 0; i < net.cfg->nnodes; i++)
		if (net.cfg->nodes[i].ip == ip)
			return true;
	return false;
}

/* May the guest send this frame? Not to a node's MAC address; not as a node's IPv4
 * address (its source, or the sender of an ARP message, whose sender MAC must be the
 * guest's); no link control (802.3x PAUSE, and the bridge group addresses
 * 01:80:c2:00:00:0x that switches keep for themselves). */
static bool net_guest_frame_allowed(const u8 *f, size_t len)
{
	static const u8 link_local[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };
	u16 type = (u16)(f[12] << 8 | f[13]);

	if (memcmp(f, link_local, 5) == 0 && f[5] < 0x10)
		return false;
	if (type == 0x8808 || net_node_by_mac(net.cfg, f) >= 0)
		return false;
	if (type == 0x0806) /* ARP: sender MAC at 8, sender IP at 14 of its body */
		return len >= NIC_ETH_HLEN + 28 &&
		       memcmp(f + NIC_ETH_HLEN + 8, net.guest_mac, 6) == 0 &&
		       !net_is_node_ip(f + NIC_ETH_HLEN + 14);
	if (type == 0x0800)
		return len >= NIC_ETH_HLEN + 20 && !net_is_node_ip(f + NIC_ETH_HLEN + 12);
	return true;
}

int net_guest_send(const void *frame, size_t len)
{
	int rc;

	if (!net.guest_rx || len < NIC_MIN_FRAME || len > NIC_MAX_FRAME)
		return -E_INVAL;
	if (!net_guest_frame_allowed(frame, len)) {
		net.guest_refused++;
		return -E_PERM;
	}
	if (net.guest_sent_this_poll >= NET_GUEST_TX_PER_POLL) {
		net.guest_tx_full++;
		return -E_NOSPC; /* (the cluster's own frames keep their room on the NIC) */
	}
	net.guest_sent_this_poll++;
	rc = net.nic->ops->send(net.nic, frame, len);
	if (rc == -E_NOSPC)
		net.guest_tx_full++;
	else if (rc == 0)
		net.guest_tx_frames++;
	return rc;
}

void net_guest_line(void)
{
	if (!net.guest_rx)
		return;
	kprintf("net: guest: %llu frames to the guest's NIC, %llu from it (%llu times held back "
		"for the cluster's share of the NIC), %llu refused (a node's address, link "
		"control), %llu of its own echoed back and dropped\n",
		(unsigned long long)net.guest_rx_frames, (unsigned long long)net.guest_tx_frames,
		(unsigned long long)net.guest_tx_full, (unsigned long long)net.guest_refused,
		(unsigned long long)net.guest_echoes);
}

static void net_poll_nic(void)
{
	net.rx_left = false;
	for (int round = 0; round < NET_RX_ROUNDS; round++) {
		int n = net.nic->ops->poll(net.nic, net_rx_frame, NULL, NET_RX_BUDGET);
		net_netif_input(&net.nif);
		if (n < NET_RX_BUDGET)
			return;
	}
	/* Frames may be left in the ring, and they raise no new interrupt: poll again at
	 * once (net_next_deadline), not at the next exit of a vCPU that computes. */
	net.rx_left = true;
}

void net_poll(void)
{
	u64 now;

	if (net.state == NET_OFF || net.polling)
		return;
	net.polling = true;
	net.guest_sent_this_poll = 0;
	net_poll_nic();
	sys_check_timeouts();
	now = time_now_ns();
	if (net.state == NET_WAIT_EPOCH)
		net_try_epoch(now);
	if (net.state == NET_RUNNING) {
		if (retry_rx) {
			retry_rx = false;
			msg_rx_retry(&net.msg);
		}
		if (now >= msg_next_deadline(&net.msg))
			msg_poll(&net.msg, now);
		membership_poll(&net.members, now);
		nettest_poll(&net.test, now);
		if (net.test.finished && !net.stats_shown) {
			net.stats_shown = true;
			net_stats_line();
		}
	}
	net.polling = false;
}

u64 net_next_deadline(u64 now)
{
	u64 t = now + NET_IDLE_MAX_NS;
	u32 ms = sys_timeouts_sleeptime();

	if (net.rx_left)
		return now;

	if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		t = MIN(t, now + ms * 1000000ULL);
	if (net.state == NET_WAIT_EPOCH || (net.state == NET_RUNNING && net.test_count))
		t = MIN(t, now + 1000000ULL); /* (the epoch's second; the self-test's pace) */
	if (net.state == NET_RUNNING)
		t = MIN(t, MAX(msg_next_deadline(&net.msg), now));
	return t;
}

void net_set_test(u32 messages)
{
	net.test_count = messages;
}

bool net_test_over(void)
{
	return net.state == NET_RUNNING && net.test_count && nettest_over(&net.test, time_now_ns());
}

bool net_rx_wakes(void)
{
	return net.nic && net.nic->irq_vector;
}

bool net_in_poll(void)
{
	return net.polling;
}

bool net_lwip_up(void)
{
	return net.state != NET_OFF;
}

bool net_node_up(u32 node)
{
	return node == net.self ||
	       (net.state == NET_RUNNING && membership_is_up(&net.members, (u16)node));
}

struct msg_layer *net_msg_layer(void)
{
	return net.state == NET_RUNNING ? &net.msg : NULL;
}

/* The round trips the layer measured to its peers and the timeouts they give, lowest and
 * highest over the peers with a session: what a loss costs (doc/net.md, Retransmission). */
static void net_rtt_line(const char *prefix)
{
	u32 srtt_lo = ~0u, srtt_hi = 0, var_hi = 0, shift_hi = 0, peers = 0;
	u64 rto_lo = ~0ull, rto_hi = 0;

	for (u32 n = 0; n < net.cfg->nnodes; n++) {
		const struct msg_peer *p = &net.msg.peers[n];
		u64 rto;

		if (n == net.self || !p->epoch || !p->srtt_ns)
			continue;
		rto = msg_rto(&net.msg, p);
		peers++;
		srtt_lo = MIN(srtt_lo, p->srtt_ns);
		srtt_hi = MAX(srtt_hi, p->srtt_ns);
		var_hi = MAX(var_hi, p->rttvar_ns);
		shift_hi = MAX(shift_hi, p->rto_shift);
		rto_lo = MIN(rto_lo, rto);
		rto_hi = MAX(rto_hi, rto);
	}
	if (!peers)
		return;
	kprintf("%sround trip to %u peer(s): %u-%u us (variation up to %u us); a new message's "
		"timeout %llu-%llu us (doubled %u times at most after timeouts)\n",
		prefix, peers, srtt_lo / 1000, srtt_hi / 1000, var_hi / 1000,
		(unsigned long long)(rto_lo / 1000), (unsigned long long)(rto_hi / 1000), shift_hi);
}

void net_msg_line(const char *prefix)
{
	const struct msg_stats *s = &net.msg.stats;
	u32 queued = 0, unacked = 0;

	if (net.state != NET_RUNNING)
		return;
	char drops[256];
	size_t n = 0;

	msg_backlog(&net.msg, &unacked, &queued);
	/* packets dropped, by reason (msg_drop_name), the ones that happened */
	drops[0] = 0;
	for (int i = 1; i < MSG_DROP_NR && n < sizeof(drops); i++)
		if (s->drops[i])
			n += (size_t)ksnprintf(drops + n, sizeof(drops) - n, "%s%llu %s",
					       n ? ", " : "", (unsigned long long)s->drops[i],
					       msg_drop_name(i));
	if (s->rx_bad_parts && n < sizeof(drops))
		n += (size_t)ksnprintf(drops + n, sizeof(drops) - n,
				       "%s%llu messages whose parts did not fit together",
				       n ? ", " : "", (unsigned long long)s->rx_bad_parts);
	if (unhandled && n < sizeof(drops))
		n += (size_t)ksnprintf(drops + n, sizeof(drops) - n,
				       "%s%llu messages of a type nothing here takes",
				       n ? ", " : "", (unsigned long long)unhandled);
	kprintf("%s%u of %u buffers free (%u held out of order, %u parts of messages); %u packets "
		"unacknowledged, %u waiting for the window; %llu messages sent in %llu packets, "
		"%llu retransmitted, %llu received, %llu duplicates, %llu not held for want of a "
		"buffer; %llu packets sent, %llu of them acknowledgements alone; packets dropped: "
		"%s\n",
		prefix, net.msg.nr_free, net.msg.nr_slots, net.msg.rx_held, net.msg.parts_held,
		unacked, queued, (unsigned long long)s->tx_queued, (unsigned long long)s->tx_data,
		(unsigned long long)s->tx_retrans, (unsigned long long)s->delivered,
		(unsigned long long)s->rx_dup, (unsigned long long)s->rx_no_buffer,
		(unsigned long long)s->tx_packets, (unsigned long long)s->tx_acks,
		n ? drops : "none");
	net_rtt_line(prefix);
}
