// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of net/epoch.c: RTC fields in BCD and binary, 12- and 24-hour modes, the
 * century register, known dates, and invalid fields from a broken clock giving 0.
 */
#include "net/epoch.h"
#include "tests/unit/check.h"

static struct rtc_time bcd(u8 cc, u8 yy, u8 mo, u8 dd, u8 hh, u8 mi, u8 ss)
{
	return (struct rtc_time){ .sec = ss,
				  .min = mi,
				  .hour = hh,
				  .day = dd,
				  .month = mo,
				  .year = yy,
				  .century = cc,
				  .status_b = RTC_B_24H };
}

TEST(known_dates_bcd)
{
	struct rtc_time t = bcd(0x19, 0x70, 0x01, 0x01, 0x00, 0x00, 0x00);

	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 0);
	t = bcd(0x20, 0x00, 0x02, 0x29, 0x12, 0x34, 0x56); /* leap day 2000 */
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 951827696);
	t = bcd(0x20, 0x38, 0x01, 0x19, 0x03, 0x14, 0x08);
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 2147483648ull);
	t = bcd(0x20, 0x26, 0x12, 0x31, 0x23, 0x59, 0x59);
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 1798761599);
}

TEST(binary_and_12_hour)
{
	struct rtc_time t = { .sec = 56,
			      .min = 34,
			      .hour = 12,
			      .day = 29,
			      .month = 2,
			      .year = 0,
			      .century = 20,
			      .status_b = RTC_B_24H | RTC_B_BINARY };

	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 951827696);
	t.status_b = RTC_B_BINARY; /* 12-hour: 12 | PM is noon */
	t.hour = 12 | RTC_HOUR_PM;
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 951827696);
	t.hour = 12; /* 12 AM is midnight */
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 951827696 - 12 * 3600);
	t.hour = 0; /* no hour 0 in 12-hour mode */
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 0);
}

TEST(missing_century_and_broken_fields)
{
	struct rtc_time t = bcd(0x00, 0x26, 0x11, 0x21, 0x06, 0x20, 0x28);

	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 1795242028); /* century 0: the 2000s */
	t.century = 0xff;
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 1795242028);
	t.sec = 0x5a; /* not BCD */
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 0);
	t.sec = 0x60;
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 0);
	t.sec = 0x00;
	t.month = 0x13;
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 0);
	t.month = 0x00;
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 0);
	t.month = 0x11;
	t.hour = 0x24;
	CHECK_EQ_U64(epoch_rtc_to_unix(&t), 0);
}
