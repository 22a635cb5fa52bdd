// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvsnprintf() against the C library's snprintf: every case is formatted by
 * both and must agree byte for byte, including the returned length and
 * truncation into small buffers.
 */
#include "tests/unit/check.h"
#include "vmm/lib/printf.h"

#include <stdarg.h>

static void same(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Formats with both implementations into buffers of several sizes and compares. */
static void same(const char *fmt, ...)
{
	static const size_t sizes[] = { 0, 1, 2, 5, 16, 256 };
	char want[256], got[256];
	va_list a, b;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(want, 'X', sizeof(want));
		memset(got, 'X', sizeof(got));
		va_start(a, fmt);
		va_start(b, fmt);
		int wn = vsnprintf(want, sizes[i], fmt, a);
		int gn = kvsnprintf(got, sizes[i], fmt, b);
		va_end(a);
		va_end(b);
		if (wn != gn || memcmp(want, got, sizeof(want)) != 0) {
			check_fail(__FILE__, __LINE__,
				   "format \"%s\" size %zu: libc \"%.*s\" (%d), "
				   "ours \"%.*s\" (%d)",
				   fmt, sizes[i], (int)sizes[i], want, wn, (int)sizes[i], got, gn);
			return;
		}
	}
}

TEST(integers)
{
	same("%d %d %d %i", 0, 42, -42, 2147483647);
	same("%d", (int)-2147483647 - 1);
	same("%u %u", 0u, 4294967295u);
	same("%ld %lu %lld %llu", -1L, 123456789012UL, -9223372036854775807LL - 1,
	     18446744073709551615ULL);
	same("%zu %zd", (size_t)77, (ssize_t)-5);
	same("%hd %hhu", (short)-3, (unsigned char)200);
}

TEST(hex_octal_pointer)
{
	same("%x %X %#x %#X %#x", 0xdeadbeefu, 0xdeadbeefu, 255u, 255u, 0u);
	same("%llx %#llx %016llx %#018llx", 0x123456789abcdefULL, 1ULL, 0xabcULL, 0xabcULL);
	same("%o %#o %#o", 8u, 8u, 0u);
	same("%p", (void *)0x1234);
}

TEST(width_precision_flags)
{
	same("[%5d] [%-5d] [%05d] [%+d] [% d] [%+d]", 42, 42, 42, 42, 42, -42);
	same("[%8.3d] [%-8.3d] [%.0d] [%.0d]", 7, 7, 0, 5);
	same("[%*d] [%-*d] [%*d]", 6, 1, 6, 2, -6, 3);
	same("[%08x] [%-8x] [%8.4x]", 0xabu, 0xabu, 0xabu);
	same("[%05d] [%05d]", -42, 0);
}

TEST(strings_and_chars)
{
	same("[%s] [%10s] [%-10s] [%.2s] [%.*s]", "abc", "abc", "abc", "abc", 1, "xyz");
	same("[%c] [%3c] [%-3c]", 'a', 'b', 'c');
	same("100%% sure");
	same("%s", "");
	same("a string much longer than sixteen bytes, to truncate");
}

TEST(null_string_prints_marker)
{
	char buf[32];
	const char *volatile nothing = NULL; /* hidden from -Wformat */

	ksnprintf(buf, sizeof(buf), "%s", nothing);
	CHECK_STR(buf, "(null)");
}
