/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Registers and descriptors of the Intel 82540EM (PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual, 8254x, rev. 4.0: table 13-2 for the register map,
 * sections 3.2.3 and 3.3.3 for the legacy descriptors). The driver is drivers/e1000.c; it
 * offers struct nic (drivers/nic.h).
 */
#ifndef UNUM_DRIVERS_E1000_H
#define UNUM_DRIVERS_E1000_H

#include "drivers/nic.h"

#define E1000_CTRL   0x0000
#define E1000_STATUS 0x0008
#define E1000_EERD   0x0014
#define E1000_ICR    0x00c0
#define E1000_IMS    0x00d0
#define E1000_IMC    0x00d8
#define E1000_RCTL   0x0100
#define E1000_RDTR   0x2820
#define E1000_TCTL   0x0400
#define E1000_TIPG   0x0410
#define E1000_RDBAL  0x2800
#define E1000_RDBAH  0x2804
#define E1000_RDLEN  0x2808
#define E1000_RDH    0x2810
#define E1000_RDT    0x2818
#define E1000_TDBAL  0x3800
#define E1000_TDBAH  0x3804
#define E1000_TDLEN  0x3808
#define E1000_TDH    0x3810
#define E1000_TDT    0x3818
#define E1000_MTA    0x5200
#define E1000_RAL0   0x5400
#define E1000_RAH0   0x5404
#define E1000_RAL1   0x5408 /* receive address 1: a bridged guest's */
#define E1000_RAH1   0x540c

#define E1000_CTRL_ASDE	      (1u << 5)
#define E1000_CTRL_SLU	      (1u << 6)
#define E1000_CTRL_RST	      (1u << 26)
#define E1000_EERD_START      (1u << 0)
#define E1000_EERD_DONE	      (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16
#define E1000_RAH_AV	      (1u << 31)
/* interrupt causes (ICR, IMS: section 13.4.17): receiver timer (a frame written back),
 * receive descriptors below the threshold, receiver overrun */
#define E1000_INT_RXDMT0      (1u << 4)
#define E1000_INT_RXO	      (1u << 6)
#define E1000_INT_RXT0	      (1u << 7)

#define E1000_RCTL_EN	      (1u << 1)
#define E1000_RCTL_BAM	      (1u << 15)
#define E1000_RCTL_MPE	      (1u << 4) /* multicast promiscuous */
#define E1000_RCTL_BSIZE_2048 (0u << 16)
#define E1000_RCTL_SECRC      (1u << 26)

#define E1000_TCTL_EN	      (1u << 1)
#define E1000_TCTL_PSP	      (1u << 3)
#define E1000_TCTL_CT_DEFAULT (0x0fu << 4)
#define E1000_TCTL_COLD_FULL  (0x40u << 12)
/* IPGT 10, IPGR1 8, IPGR2 6: the values section 13.4.34 gives for copper. */
#define E1000_TIPG_DEFAULT (10u | 8u << 10 | 6u << 20)

struct e1000_rx_desc {
	u64 addr;
	u16 length;
	u16 csum;
	u8 status;
	u8 errors;
	u16 special;
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "8254x section 3.2.3");
_Static_assert(__builtin_offsetof(struct e1000_rx_desc, status) == 12, "8254x section 3.2.3");

#define E1000_RXD_STAT_DD  0x01
#define E1000_RXD_STAT_EOP 0x02

struct e1000_tx_desc {
	u64 addr;
	u16 length;
	u8 cso;
	u8 cmd;
	u8 status;
	u8 css;
	u16 special;
};
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "8254x section 3.3.3");
_Static_assert(__builtin_offsetof(struct e1000_tx_desc, status) == 12, "8254x section 3.3.3");

#define E1000_TXD_CMD_EOP  0x01
#define E1000_TXD_CMD_IFCS 0x02
#define E1000_TXD_CMD_RS   0x08
#define E1000_TXD_STAT_DD  0x01

#endif
