/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed 64-bit
 * pseudo-random function. The message layer (net/msg_wire.c) uses it as the MAC of every cluster
 * packet, keyed by the 128-bit cluster secret. Plain integer C with no tables, no floating point
 * and no library calls, so the same file builds for the host tests and the freestanding monitor.
 */
#ifndef UNUM_NET_SIPHASH_H
#define UNUM_NET_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_SIZE 16

struct siphash_key {
	uint64_t k0, k1;
};

/* The key from its 16-byte form: two little-endian halves, as in the paper's reference code. */
struct siphash_key siphash_key_from_bytes(const uint8_t bytes[SIPHASH_KEY_SIZE]);

/*
 * SipHash-2-4 of @len bytes at @data under @key. The paper's test vectors are the eight
 * little-endian bytes of the result.
 */
uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len);

#endif
