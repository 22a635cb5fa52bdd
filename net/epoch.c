// SPDX-License-Identifier: GPL-2.0-only
/*
 * From the RTC's calendar fields to seconds since the Unix epoch (see net/epoch.h). The fields
 * come from hardware: BCD digits over 9, months over 12 and the like make the result 0 (no
 * usable time) rather than a wrong one.
 */
#include "net/epoch.h"

static int epoch_field(const struct rtc_time *t, u8 v)
{
	if (t->status_b & RTC_B_BINARY)
		return v;
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0f);
}

static int epoch_hour(const struct rtc_time *t)
{
	bool pm = !(t->status_b & RTC_B_24H) && (t->hour & RTC_HOUR_PM);
	int h = epoch_field(t, pm ? (u8)(t->hour & ~RTC_HOUR_PM) : t->hour);

	if (h < 0)
		return -1;
	if (!(t->status_b & RTC_B_24H)) {
		if (h < 1 || h > 12)
			return -1;
		h = h % 12 + (pm ? 12 : 0);
	}
	return h;
}

/* Days from 1970-01-01 to @y-@m-@d in the proleptic Gregorian calendar. */
static s64 epoch_days(s64 y, int m, int d)
{
	s64 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

u64 epoch_rtc_to_unix(const struct rtc_time *t)
{
	int sec = epoch_field(t, t->sec), min = epoch_field(t, t->min), hour = epoch_hour(t);
	int day = epoch_field(t, t->day), mon = epoch_field(t, t->month);
	int yy = epoch_field(t, t->year), cc = epoch_field(t, t->century);
	s64 days;

	if (cc < 19 || cc > 99)
		cc = 20; /* no century register: this century */

	if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || hour > 23 || day < 1 ||
	    day > 31 || mon < 1 || mon > 12 || yy < 0 || yy > 99)
		return 0;
	days = epoch_days(cc * 100 + yy, mon, day);
	if (days < 0)
		return 0;
	return (u64)days * 86400 + (u64)hour * 3600 + (u64)min * 60 + (u64)sec;
}
