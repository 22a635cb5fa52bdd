/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The node's epoch for the message layer (net/msg.h, doc/net.md): a number that is larger at
 * every restart of the node. It is made from the battery-backed real-time clock: the network
 * context watches the RTC until its seconds change and takes that second, in nanoseconds
 * since 1970, as the epoch. Each boot sees a later tick than any earlier boot saw, so the
 * epoch grows across restarts however quickly a node restarts, as long as the RTC never goes
 * back (nobody sets it backwards while the cluster runs). Under QEMU the RTC is the host's
 * clock. net/epoch.c holds the pure date arithmetic; drivers/rtc.c reads the CMOS clock.
 */
#ifndef UNUM_NET_EPOCH_H
#define UNUM_NET_EPOCH_H

#include "drivers/rtc.h"

/* Seconds since 1970-01-01 00:00 UTC for @t (the RTC keeps UTC), or 0 if a field is invalid. */
u64 epoch_rtc_to_unix(const struct rtc_time *t);

#endif
