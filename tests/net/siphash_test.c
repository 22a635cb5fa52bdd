// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of net/siphash.c: the 64 SipHash-2-4 vectors of the paper's reference
 * implementation (key 00 01 .. 0f, message i = the i bytes 00 01 .. i-1, result as eight
 * little-endian bytes), plus checks that the result depends on every key and message bit and not
 * on the alignment of the input.
 */
#include "net/siphash.h"
#include "tests/unit/check.h"

/* From vectors.h of the reference code (github.com/veorq/SipHash), vectors_sip64[]. */
static const char *const siphash_vectors[64] = {
	"310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
	"b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
	"6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
	"fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
	"db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
	"98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
	"94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
	"a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
	"ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
	"b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
	"d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
	"f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
	"51a9cb9ecba312e6", "96afadfc2ce666c7", "72fe52975a4364ee", "5a1645b276d592a1",
	"b274cb8ebf87870a", "6f9bb4203de7b381", "eaecb2a30b22a87f", "9924a43cc1315724",
	"bd838d3aafbf8db7", "0b1a2a3265d51aea", "135079a3231ce660", "932b2846e4d70666",
	"e1915f5cb1eca46c", "f325965ca16d629f", "575ff28e60381be5", "724506eb4c328a95",
};

/* The vector's eight bytes, first byte least significant: the result as the paper prints it. */
static uint64_t siphash_test_vector(int i)
{
	uint64_t v = 0;

	for (int b = 7; b >= 0; b--) {
		unsigned int byte = 0;

		sscanf(siphash_vectors[i] + 2 * b, "%2x", &byte);
		v = (v << 8) | byte;
	}
	return v;
}

static struct siphash_key siphash_test_key(void)
{
	uint8_t k[SIPHASH_KEY_SIZE];

	for (int i = 0; i < SIPHASH_KEY_SIZE; i++)
		k[i] = (uint8_t)i;
	return siphash_key_from_bytes(k);
}

TEST(reference_vectors)
{
	struct siphash_key key = siphash_test_key();
	uint8_t msg[64];

	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (int len = 0; len < 64; len++)
		CHECK_EQ_U64(siphash24(&key, msg, (size_t)len), siphash_test_vector(len));
}

TEST(key_layout)
{
	struct siphash_key key = siphash_test_key();

	CHECK_EQ_U64(key.k0, 0x0706050403020100ULL);
	CHECK_EQ_U64(key.k1, 0x0f0e0d0c0b0a0908ULL);
}

/* Any key or message bit flipped must change the result: a MAC that ignores a bit is forgeable. */
TEST(every_bit_matters)
{
	struct siphash_key key = siphash_test_key();
	uint8_t msg[37];
	uint64_t ref;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	ref = siphash24(&key, msg, sizeof(msg));
	for (int bit = 0; bit < 128; bit++) {
		struct siphash_key k2 = key;

		if (bit < 64)
			k2.k0 ^= 1ULL << bit;
		else
			k2.k1 ^= 1ULL << (bit - 64);
		CHECK(siphash24(&k2, msg, sizeof(msg)) != ref);
	}
	for (size_t bit = 0; bit < sizeof(msg) * 8; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(siphash24(&key, msg, sizeof(msg)) != ref);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* A shorter message with the same prefix differs too: the length is in the last block. */
	CHECK(siphash24(&key, msg, sizeof(msg) - 1) != ref);
}

TEST(alignment_independent)
{
	struct siphash_key key = siphash_test_key();
	uint8_t buf[4096 + 8];
	uint64_t ref;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 17);
	ref = siphash24(&key, buf, 4096);
	for (int off = 1; off < 8; off++) {
		memmove(buf + off, buf + off - 1, 4096);
		CHECK_EQ_U64(siphash24(&key, buf + off, 4096), ref);
	}
}
