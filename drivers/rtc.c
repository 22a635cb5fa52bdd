// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the node's CMOS real-time clock (Motorola MC146818A layout, as every PC emulates
 * it) for the epoch (drivers/rtc.h, net/epoch.h): index port 0x70, data port 0x71. The clock
 * updates its registers once a second; a read is taken while status A's update-in-progress
 * flag is clear and repeated until two reads agree, so it never mixes two seconds. Register 0x32 holds the
 * century on PCs whose ACPI FADT says so; a value outside 19..99 is ignored (20 is assumed).
 */
#include "drivers/rtc.h"
#include "vmm/lib/x86.h"

#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define RTC_SEC	     0x00
#define RTC_MIN	     0x02
#define RTC_HOUR     0x04
#define RTC_DAY	     0x07
#define RTC_MONTH    0x08
#define RTC_YEAR     0x09
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_CENTURY  0x32
#define RTC_A_UIP    0x80

static u8 rtc_reg(u8 reg)
{
	outb(CMOS_INDEX, reg); /* bit 7 clear: NMIs stay enabled */
	return inb(CMOS_DATA);
}

static bool rtc_read_once(struct rtc_time *t)
{
	for (int i = 0; i < 100000 && (rtc_reg(RTC_STATUS_A) & RTC_A_UIP); i++)
		cpu_relax();
	if (rtc_reg(RTC_STATUS_A) & RTC_A_UIP)
		return false;
	t->sec = rtc_reg(RTC_SEC);
	t->min = rtc_reg(RTC_MIN);
	t->hour = rtc_reg(RTC_HOUR);
	t->day = rtc_reg(RTC_DAY);
	t->month = rtc_reg(RTC_MONTH);
	t->year = rtc_reg(RTC_YEAR);
	t->century = rtc_reg(RTC_CENTURY);
	t->status_b = rtc_reg(RTC_STATUS_B);
	return true;
}

int rtc_read(struct rtc_time *t)
{
	struct rtc_time again;

	for (int i = 0; i < 10; i++) {
		if (!rtc_read_once(t) || !rtc_read_once(&again))
			continue;
		if (t->sec == again.sec && t->min == again.min && t->hour == again.hour &&
		    t->day == again.day && t->month == again.month && t->year == again.year)
			return 0;
	}
	return -E_TIMEDOUT;
}
