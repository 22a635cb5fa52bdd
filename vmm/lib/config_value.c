// SPDX-License-Identifier: GPL-2.0-only
/*
 * Value parsers for the cluster configuration (see vmm/lib/config_value.h).
 * Strict: a value is accepted only if all of it parses, so "7700x" is not a
 * port and "10.0.0" is not an address.
 */
#include "vmm/lib/config_value.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal or 0x-hex without sign; false on overflow past max64. */
static bool parse_u64(const char **sp, u64 max64, u64 *out)
{
	const char *s = *sp;
	unsigned base = 10;
	u64 v = 0;
	int d, ndig = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; (d = hexval(*s)) >= 0 && (unsigned)d < base; s++, ndig++) {
		if (v > (max64 - (u64)d) / base)
			return false;
		v = v * base + (u64)d;
	}
	*sp = s;
	*out = v;
	return ndig > 0;
}

bool cfgval_u32(const char *s, u32 min, u32 max, u32 *out, const char **why)
{
	u64 v;

	*why = "a whole number";
	if (!parse_u64(&s, 0xffffffffULL, &v) || *s)
		return false;
	if (v < min || v > max) {
		*why = "a number in range";
		return false;
	}
	*out = (u32)v;
	return true;
}

bool cfgval_mac(const char *s, u8 mac[6], const char **why)
{
	*why = "a MAC address of six hex pairs like 52:54:00:12:34:56";
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (hi < 0 || lo < 0)
			return false;
		mac[i] = (u8)(hi << 4 | lo);
		s += 2;
		if (i < 5 && *s++ != ':')
			return false;
	}
	if (*s)
		return false;
	if (mac[0] & 1) {
		*why = "a unicast MAC address (the first octet's low bit clear)";
		return false;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		*why = "a MAC address other than 00:00:00:00:00:00";
		return false;
	}
	return true;
}

bool cfgval_ipv4(const char *s, u32 *out, const char **why)
{
	u32 ip = 0;
	u64 part;

	*why = "an IPv4 address like 10.0.0.1";
	for (int i = 0; i < 4; i++) {
		if (*s < '0' || *s > '9' || !parse_u64(&s, 255, &part))
			return false;
		ip = ip << 8 | (u32)part;
		if (i < 3 && *s++ != '.')
			return false;
	}
	if (*s)
		return false;
	if (ip == 0 || ip == 0xffffffffU || (ip >> 28) == 0xe) {
		*why = "a unicast IPv4 address (not 0.0.0.0, broadcast or multicast)";
		return false;
	}
	*out = ip;
	return true;
}

bool cfgval_size(const char *s, u64 *out, const char **why)
{
	u64 v, mul = 1;

	*why = "a size like 512M or 2G (suffix K, M, G or T; no suffix: bytes)";
	if (*s < '0' || *s > '9' || !parse_u64(&s, ~0ULL, &v))
		return false;
	switch (*s) {
	case 'K':
	case 'k':
		mul = 1ULL << 10;
		s++;
		break;
	case 'M':
	case 'm':
		mul = 1ULL << 20;
		s++;
		break;
	case 'G':
	case 'g':
		mul = 1ULL << 30;
		s++;
		break;
	case 'T':
	case 't':
		mul = 1ULL << 40;
		s++;
		break;
	default: break;
	}
	if (*s || v > (~0ULL) / mul)
		return false;
	*out = v * mul;
	return true;
}

bool cfgval_hex(const char *s, u8 *out, size_t nbytes, const char **why)
{
	*why = "hex digits";
	for (size_t i = 0; i < nbytes; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (u8)(hi << 4 | lo);
	}
	return s[2 * nbytes] == '\0';
}

bool cfgval_word(const char *s, size_t max, const char **why)
{
	size_t n = 0;

	*why = "a name of letters, digits, '.', '_' or '-'";
	for (; s[n]; n++) {
		char c = s[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	if (n == 0 || n >= max) {
		*why = "a name of 1 to 63 characters";
		return false;
	}
	return true;
}
