// SPDX-License-Identifier: GPL-2.0-only
/*
 * diskbench: the guest disk's throughput, past the page cache (O_DIRECT).
 *   diskbench DEVICE [-m MIB] [-n OPS] [-s SEED]
 * Four phases, each timed with CLOCK_MONOTONIC: sequential writes then reads of
 * MIB MiB (default 16) in 256 KiB requests from the start of DEVICE, then OPS
 * (default 500) random 4 KiB writes and reads at 4 KiB-aligned offsets in that
 * range. Every block written carries its offset and the phase, and every read
 * checks them, so a lost or misplaced write is seen. One line per phase:
 *   diskbench: seq-write 16 MiB 1.234 s 12.97 MiB/s
 *   diskbench: rand-read 500 ops 0.900 s 555 IOPS
 * and last "diskbench: ok" (exit 0) or "diskbench: FAIL ..." (exit 1). It
 * overwrites DEVICE's first MIB MiB.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK  (256 * 1024)
#define RAND_BLOCK 4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fills a block with words naming its offset and the phase's tag. */
static void fill(uint64_t *b, size_t len, uint64_t off, uint64_t tag)
{
	for (size_t i = 0; i < len / 8; i++)
		b[i] = (off + i * 8) ^ tag;
}

static int verify(const uint64_t *b, size_t len, uint64_t off, uint64_t tag)
{
	for (size_t i = 0; i < len / 8; i++)
		if (b[i] != ((off + i * 8) ^ tag)) {
			printf("diskbench: FAIL at byte %llu: read %#llx, wrote %#llx\n",
			       (unsigned long long)(off + i * 8), (unsigned long long)b[i],
			       (unsigned long long)((off + i * 8) ^ tag));
			return -1;
		}
	return 0;
}

static int io(int fd, void *buf, size_t len, uint64_t off, int write)
{
	ssize_t n = write ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);

	if (n != (ssize_t)len) {
		printf("diskbench: FAIL: %s of %zu bytes at %llu gave %zd\n", write ? "write" : "read",
		       len, (unsigned long long)off, n);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t mib = 16, ops = 500, seed = 1, size, *offs;
	const uint64_t seq_tag = 0x5e95e95e95e95e9ULL, rand_tag = 0xa5a5a5a5a5a5a5a5ULL;
	void *buf;
	double t;
	int fd, opt;

	while ((opt = getopt(argc, argv, "m:n:s:")) != -1) {
		if (opt == 'm')
			mib = strtoull(optarg, NULL, 0);
		else if (opt == 'n')
			ops = strtoull(optarg, NULL, 0);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else
			goto usage;
	}
	if (optind + 1 != argc || !mib || !ops || ops > (mib << 20) / RAND_BLOCK ||
	    ops % 7919 == 0 || ops % 104729 == 0) {
usage:
		fprintf(stderr, "usage: diskbench DEVICE [-m MIB] [-n OPS] [-s SEED] (OPS at most "
				"MIB * 256, not a multiple of 7919 or 104729)\n");
		return 2;
	}
	size = mib << 20;
	fd = open(argv[optind], O_RDWR | O_DIRECT | O_SYNC);
	if (fd < 0 || posix_memalign(&buf, 4096, SEQ_BLOCK) || !(offs = calloc(ops, 8))) {
		perror("diskbench");
		return 1;
	}
	t = now();
	for (uint64_t off = 0; off < size; off += SEQ_BLOCK) {
		fill(buf, SEQ_BLOCK, off, seq_tag);
		if (io(fd, buf, SEQ_BLOCK, off, 1))
			return 1;
	}
	t = now() - t;
	printf("diskbench: seq-write %llu MiB %.3f s %.2f MiB/s\n", (unsigned long long)mib, t,
	       mib / t);
	t = now();
	for (uint64_t off = 0; off < size; off += SEQ_BLOCK)
		if (io(fd, buf, SEQ_BLOCK, off, 0) || verify(buf, SEQ_BLOCK, off, seq_tag))
			return 1;
	t = now() - t;
	printf("diskbench: seq-read %llu MiB %.3f s %.2f MiB/s\n", (unsigned long long)mib, t,
	       mib / t);
	srandom((unsigned)seed);
	for (uint64_t i = 0; i < ops; i++) /* distinct blocks: each read knows its write */
		offs[i] = (i * (size / RAND_BLOCK / ops) + (uint64_t)random() % (size / RAND_BLOCK / ops)) *
			  RAND_BLOCK;
	t = now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t o = offs[(i * 7919) % ops];
		fill(buf, RAND_BLOCK, o, rand_tag);
		if (io(fd, buf, RAND_BLOCK, o, 1))
			return 1;
	}
	t = now() - t;
	printf("diskbench: rand-write %llu ops %.3f s %.0f IOPS\n", (unsigned long long)ops, t,
	       ops / t);
	t = now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t o = offs[(i * 104729) % ops];
		if (io(fd, buf, RAND_BLOCK, o, 0) || verify(buf, RAND_BLOCK, o, rand_tag))
			return 1;
	}
	t = now() - t;
	printf("diskbench: rand-read %llu ops %.3f s %.0f IOPS\n", (unsigned long long)ops, t,
	       ops / t);
	printf("diskbench: ok\n");
	return 0;
}
