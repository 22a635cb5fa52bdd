/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lwIP 2.1.3's configuration for the monitor (lwIP's src/include/lwip/opt.h documents every
 * option). One context owns lwIP (NO_SYS, raw API, no locking): the network context, which
 * feeds it frames from the NIC and runs its timers (net/net.c). IPv4 with ARP, ICMP echo
 * (so a node answers ping) and UDP for the cluster message layer; TCP for node 0's one
 * client connection, to the guest disk's NBD server (net/nbd.c).
 * Addresses come from the cluster file, so no DHCP, AutoIP or DNS. A message-layer packet is
 * up to 4224 bytes, three IP fragments on a 1500-byte MTU: fragmentation and reassembly are
 * on, with enough buffers for a full send window from every peer to be in reassembly at once.
 * Memory is static (lwIP's own pools in the monitor's .bss); sizes are in doc/net.md.
 */
#ifndef UNUM_NET_LWIP_LWIPOPTS_H
#define UNUM_NET_LWIP_LWIPOPTS_H

#define NO_SYS		     1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS	     1
#define LWIP_NETCONN	     0
#define LWIP_SOCKET	     0

#define LWIP_IPV4	    1
#define LWIP_IPV6	    0
#define LWIP_ARP	    1
#define LWIP_ETHERNET	    1
#define LWIP_ICMP	    1
#define LWIP_RAW	    0
#define LWIP_UDP	    1
#define LWIP_TCP	    1
#define LWIP_DHCP	    0
#define LWIP_AUTOIP	    0
#define LWIP_IGMP	    0
#define LWIP_DNS	    0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF    0
#define LWIP_SINGLE_NETIF   1

#define IP_FORWARD	   0
#define IP_FRAG		   1
#define IP_REASSEMBLY	   1
#define IP_REASS_MAXAGE	   2   /* seconds a partial datagram waits for its fragments */
#define IP_REASS_MAX_PBUFS 192 /* fragments held in reassembly, all datagrams together */
#define MEMP_NUM_REASSDATA 64  /* datagrams in reassembly at once */
#define MEMP_NUM_FRAG_PBUF 64  /* fragments being sent at once */
#define IP_DEFAULT_TTL	   64

#define ARP_TABLE_SIZE		      64
#define ARP_QUEUEING		      1
#define MEMP_NUM_ARP_QUEUE	      64
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_ETHERNET_PAD	      0
#define ETH_PAD_SIZE		      0

#define MEM_ALIGNMENT	  8
#define MEM_SIZE	  (768 * 1024) /* PBUF_RAM: outgoing packets */
#define MEMP_NUM_PBUF	  128	       /* PBUF_REF/ROM: fragments referencing a packet */
#define MEMP_NUM_UDP_PCB  4
#define PBUF_POOL_SIZE	  512 /* receive buffers: 512 x 1.6 KiB */
#define PBUF_POOL_BUFSIZE 1600

/* TCP: one client connection (the NBD disk), a 64,240-byte window each way. */
#define MEMP_NUM_TCP_PCB	2
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define TCP_MSS			1460
#define TCP_WND			(44 * TCP_MSS)
#define TCP_SND_BUF		(44 * TCP_MSS)
#define TCP_SND_QUEUELEN	(2 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG	TCP_SND_QUEUELEN
#define CHECKSUM_GEN_TCP	1
#define CHECKSUM_CHECK_TCP	1

#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0
#define LWIP_NETIF_TX_SINGLE_PBUF  0
#define LWIP_CHECKSUM_ON_COPY	   0
/* No UDP checksums (0 on the wire, which IPv4 allows): the one UDP user, the message layer,
 * authenticates every byte of its datagrams with SipHash, so a corrupted one fails that check
 * anyway, and a checksum over every 4 KiB page costs each end a pass over it. */
#define CHECKSUM_GEN_UDP	   0
#define CHECKSUM_CHECK_UDP	   0

#define LWIP_STATS	   1
#define LWIP_STATS_DISPLAY 0
#define MIB2_STATS	   0

#define LWIP_NO_CTYPE_H 1 /* lwIP's own isdigit() and friends: the monitor has no locale */

#endif
