// SPDX-License-Identifier: GPL-2.0-only
/*
 * SipHash-2-4, written from the description in the SipHash paper (section 2): the 128-bit key
 * initialises four 64-bit words, each 8-byte little-endian message block is absorbed with two
 * SipRounds, the last block carries the message length in its top byte, and four more rounds
 * finish. Checked against the paper's 64 reference vectors by tests/net/siphash_test.c.
 */
#include "net/siphash.h"

struct siphash_state {
	uint64_t v0, v1, v2, v3;
};

static uint64_t siphash_rotl(uint64_t x, unsigned int bits)
{
	return (x << bits) | (x >> (64 - bits));
}

static uint64_t siphash_load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* One SipRound: the ARX network of the paper's figure 2.1. */
static void siphash_round(struct siphash_state *s)
{
	s->v0 += s->v1;
	s->v1 = siphash_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = siphash_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = siphash_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = siphash_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = siphash_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = siphash_rotl(s->v2, 32);
}

/* Absorb one message word with c = 2 compression rounds. */
static void siphash_absorb(struct siphash_state *s, uint64_t m)
{
	s->v3 ^= m;
	siphash_round(s);
	siphash_round(s);
	s->v0 ^= m;
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
	uint64_t last = (uint64_t)(len & 0xff) << 56;
	/* The constants spell "somepseudorandomlygeneratedbytes". */
	struct siphash_state s = {
		.v0 = key->k0 ^ 0x736f6d6570736575ULL,
		.v1 = key->k1 ^ 0x646f72616e646f6dULL,
		.v2 = key->k0 ^ 0x6c7967656e657261ULL,
		.v3 = key->k1 ^ 0x7465646279746573ULL,
	};

	for (size_t i = 0; i < full; i += 8)
		siphash_absorb(&s, siphash_load_le64(p + i));
	for (size_t i = full; i < len; i++)
		last |= (uint64_t)p[i] << (8 * (i - full));
	siphash_absorb(&s, last);

	/* Finalisation: d = 4 rounds after marking the end in v2. */
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		siphash_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
