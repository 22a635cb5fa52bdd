// SPDX-License-Identifier: GPL-2.0-only
/*
 * The C library functions the freestanding monitor needs (declared in
 * vmm/lib/klib.h). The compiler is told -fno-builtin, so these are what memcpy and
 * friends are. memcpy and memset use the string instructions, 8 bytes a step: the
 * monitor copies every page that crosses the network and every block of the guest's
 * disk, and a byte loop cost the disk 60% of its sequential throughput under QEMU
 * (doc/benchmarks.md). The rest are simple loops.
 */
#include "vmm/lib/klib.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t words = n / 8;

	/* String moves: 8 bytes a step, then the tail (the monitor runs with DF clear). */
	__asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
	n %= 8;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t words = n / 8;
	u64 pattern = 0x0101010101010101ULL * (u8)c;

	__asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
	n %= 8;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(pattern) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* Decimal only, optional sign, stops at the first non-digit; overflow wraps (as lwIP's
 * small interface numbers never do). */
int atoi(const char *s)
{
	int sign = 1;
	unsigned int v = 0;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned int)(*s++ - '0');
	return sign * (int)v;
}
