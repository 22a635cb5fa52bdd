// SPDX-License-Identifier: GPL-2.0-only
/*
 * SipHash-2-4, written from the description in the SipHash paper (section 2): the 128-bit key
 * initialises four 64-bit words, each 8-byte little-endian message block is absorbed with two
 * SipRounds, the last block carries the message length in its top byte, and four more rounds
 * finish. Checked against the paper's 64 reference vectors by tests/net/siphash_test.c.
 */
#include "net/siphash.h"

/*
 * The state lives in four locals and every round is inlined, so the compiler keeps it in
 * registers: out of line, with the state in memory and a byte loop per word, the MAC cost more
 * than the guest's own work on a node under emulation (doc/benchmarks.md).
 */
#define SIPHASH_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound: the ARX network of the paper's figure 2.1. */
#define SIPHASH_ROUND(v0, v1, v2, v3)                                                     \
	do {                                                                              \
		v0 += v1;                                                                 \
		v1 = SIPHASH_ROTL(v1, 13);                                                \
		v1 ^= v0;                                                                 \
		v0 = SIPHASH_ROTL(v0, 32);                                                \
		v2 += v3;                                                                 \
		v3 = SIPHASH_ROTL(v3, 16);                                                \
		v3 ^= v2;                                                                 \
		v0 += v3;                                                                 \
		v3 = SIPHASH_ROTL(v3, 21);                                                \
		v3 ^= v0;                                                                 \
		v2 += v1;                                                                 \
		v1 = SIPHASH_ROTL(v1, 17);                                                \
		v1 ^= v2;                                                                 \
		v2 = SIPHASH_ROTL(v2, 32);                                                \
	} while (0)

/* Absorb one message word with c = 2 compression rounds. */
#define SIPHASH_ABSORB(v0, v1, v2, v3, m)                                                 \
	do {                                                                              \
		v3 ^= (m);                                                                \
		SIPHASH_ROUND(v0, v1, v2, v3);                                            \
		SIPHASH_ROUND(v0, v1, v2, v3);                                            \
		v0 ^= (m);                                                                \
	} while (0)

/* An 8-byte little-endian word at any alignment: one load on x86, the only target. */
typedef uint64_t siphash_word __attribute__((may_alias, aligned(1)));

static uint64_t siphash_load_le64(const uint8_t *p)
{
	return *(const siphash_word *)p;
}

struct siphash_key siphash_key_from_bytes(const uint8_t bytes[SIPHASH_KEY_SIZE])
{
	struct siphash_key key = {
		.k0 = siphash_load_le64(bytes),
		.k1 = siphash_load_le64(bytes + 8),
	};

	return key;
}

uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t full = len & ~(size_t)7;
	uint64_t last = (uint64_t)(len & 0xff) << 56, m;
	/* The constants spell "somepseudorandomlygeneratedbytes". */
	uint64_t v0 = key->k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = key->k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key->k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = key->k1 ^ 0x7465646279746573ULL;

	for (size_t i = 0; i < full; i += 8) {
		m = siphash_load_le64(p + i);
		SIPHASH_ABSORB(v0, v1, v2, v3, m);
	}
	for (size_t i = full; i < len; i++)
		last |= (uint64_t)p[i] << (8 * (i - full));
	SIPHASH_ABSORB(v0, v1, v2, v3, last);

	/* Finalisation: d = 4 rounds after marking the end in v2. */
	v2 ^= 0xff;
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	SIPHASH_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
