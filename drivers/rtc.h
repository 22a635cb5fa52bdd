/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node's CMOS real-time clock (drivers/rtc.c), read for the message layer's epoch
 * (net/epoch.h, which turns the fields into seconds since 1970).
 */
#ifndef UNUM_DRIVERS_RTC_H
#define UNUM_DRIVERS_RTC_H

#include "vmm/lib/types.h"

/* The RTC's fields as read from CMOS (MC146818A layout), before any decoding. */
struct rtc_time {
	u8 sec, min, hour, day, month, year, century; /* century outside 19..99: 20 */
	u8 status_b;				      /* binary vs BCD, 12 vs 24 hours */
};

#define RTC_B_24H    0x02
#define RTC_B_BINARY 0x04
#define RTC_HOUR_PM  0x80

/* Reads the CMOS clock: 0, or -E_TIMEDOUT if it stays in an update. */
int rtc_read(struct rtc_time *t);

#endif
