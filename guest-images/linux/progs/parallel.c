// SPDX-License-Identifier: GPL-2.0-only
/*
 * parallel: the Linux guest's test and benchmark program for many CPUs. It
 * starts one thread per CPU the process may run on (or -t N, assigned round
 * robin), pins each with sched_setaffinity, and has every thread (1) compute
 * a checksum over a deterministic pseudo-random sequence of -n steps, checked
 * against the value the main thread computed alone beforehand, then (2) add 1
 * to one shared counter -m times with __atomic_fetch_add, checked exactly at
 * the end. Each thread reports the CPU it ran on (sched_getcpu) at its start
 * and end, which must be the CPU it was pinned to. The program prints the
 * elapsed time of the parallel part (CLOCK_MONOTONIC) and of the reference
 * run, so a benchmark can compute a speed-up, and ends with one line:
 *   parallel: threads=N ok counter=X expected=X       (exit status 0)
 *   parallel: FAIL threads=N ...                      (exit status 1)
 * Under Unum's distributed shared memory every thread's data sits on pages of
 * its own, so only the counter is shared between vCPUs on different nodes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE   4096
#define MAX_THREADS 4096

struct options {
	unsigned threads; /* 0: one per allowed CPU */
	uint64_t steps;	  /* checksum steps per thread */
	uint64_t adds;	  /* counter increments per thread */
};

/* One page per worker: no false sharing, no DSM page bouncing. */
struct worker {
	pthread_t tid;
	unsigned index;
	int cpu;       /* the CPU the thread is pinned to */
	int cpu_start; /* sched_getcpu() after pinning */
	int cpu_end;   /* sched_getcpu() after the work */
	int pin_errno; /* sched_setaffinity's errno, 0 if it worked */
	uint64_t checksum;
	double start, end; /* CLOCK_MONOTONIC around all the thread's work */
	double seconds;	   /* the thread's checksum time */
} __attribute__((aligned(PAGE_SIZE)));

static struct options opts = { .threads = 0, .steps = 100000000, .adds = 100000 };
static uint64_t counter __attribute__((aligned(PAGE_SIZE)));
static pthread_barrier_t start_line;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The work: an xorshift64 sequence folded into a rotating sum. Every step
 * depends on the previous one, so the compiler can neither vectorise nor
 * skip it, and any wrong result of an instruction changes the checksum.
 * Not inlined, so the reference run and the threads execute the same code.
 */
static __attribute__((noinline)) uint64_t checksum_run(uint64_t steps)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL, sum = 0;

	for (uint64_t i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum = ((sum << 5) | (sum >> 59)) ^ (x * 0xff51afd7ed558ccdULL);
		sum += i / 3;
	}
	return sum;
}

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? errno : 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->pin_errno = pin_to(w->cpu);
	w->cpu_start = sched_getcpu();
	pthread_barrier_wait(&start_line);
	w->start = now();
	w->checksum = checksum_run(opts.steps);
	w->seconds = now() - w->start;
	for (uint64_t i = 0; i < opts.adds; i++)
		__atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
	w->end = now();
	w->cpu_end = sched_getcpu();
	return NULL;
}

/* Fills cpus[] with the CPUs this process may run on; returns how many. */
static int allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		perror("parallel: sched_getaffinity");
		return 0;
	}
	for (int c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	return n;
}

/* Prints one thread's report; returns the number of errors found in it. */
static int worker_report(const struct worker *w, uint64_t expected)
{
	int errors = 0;

	printf("parallel: thread %u cpu %d (start %d, end %d) %.6f s checksum %s\n", w->index,
	       w->cpu, w->cpu_start, w->cpu_end, w->seconds,
	       w->checksum == expected ? "ok" : "WRONG");
	if (w->checksum != expected) {
		printf("parallel: thread %u checksum 0x%016" PRIx64 ", expected 0x%016" PRIx64 "\n",
		       w->index, w->checksum, expected);
		errors++;
	}
	if (w->pin_errno) {
		printf("parallel: thread %u cannot pin to cpu %d: %s\n", w->index, w->cpu,
		       strerror(w->pin_errno));
		errors++;
	} else if (w->cpu_start != w->cpu || w->cpu_end != w->cpu) {
		printf("parallel: thread %u pinned to cpu %d but ran on %d and %d\n", w->index,
		       w->cpu, w->cpu_start, w->cpu_end);
		errors++;
	}
	return errors;
}

/*
 * Starts the workers and waits for them; returns the time from the first
 * worker's start to the last one's end. The workers' own clock readings are
 * used because the main thread shares a CPU with a pinned worker and may be
 * scheduled late after the barrier or the joins.
 */
static double run_workers(struct worker *w, unsigned n)
{
	double first, last;
	int err;

	for (unsigned i = 0; i < n; i++) {
		err = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
		if (err) {
			fprintf(stderr, "parallel: thread %u: %s\n", i, strerror(err));
			exit(1); /* the others wait at the barrier forever */
		}
	}
	pthread_barrier_wait(&start_line);
	for (unsigned i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	first = w[0].start;
	last = w[0].end;
	for (unsigned i = 1; i < n; i++) {
		first = w[i].start < first ? w[i].start : first;
		last = w[i].end > last ? w[i].end : last;
	}
	return last - first;
}

static int run(void)
{
	static int cpus[MAX_THREADS];
	int ncpus = allowed_cpus(cpus, MAX_THREADS);
	unsigned n = opts.threads ? opts.threads : (unsigned)ncpus;
	uint64_t expected, want_counter;
	struct worker *w;
	double t0, ref, elapsed;
	int errors = 0;

	if (ncpus == 0 || n == 0 || n > MAX_THREADS) {
		fprintf(stderr, "parallel: no CPU to run on\n");
		return 1;
	}
	t0 = now();
	expected = checksum_run(opts.steps);
	ref = now() - t0;
	printf("parallel: reference checksum 0x%016" PRIx64 " in %.6f s on cpu %d\n", expected, ref,
	       sched_getcpu());
	w = aligned_alloc(PAGE_SIZE, n * sizeof(*w));
	if (!w) {
		fprintf(stderr, "parallel: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		w[i] = (struct worker){
			.index = i,
			.cpu = cpus[i % (unsigned)ncpus],
			.cpu_start = -1,
			.cpu_end = -1,
		};
	pthread_barrier_init(&start_line, NULL, n + 1);
	elapsed = run_workers(w, n);
	for (unsigned i = 0; i < n; i++)
		errors += worker_report(&w[i], expected);
	want_counter = opts.adds * n;
	printf("parallel: elapsed %.6f s threads=%u steps=%" PRIu64 " adds=%" PRIu64 "\n", elapsed,
	       n, opts.steps, opts.adds);
	free(w);
	if (errors || counter != want_counter) {
		printf("parallel: FAIL threads=%u errors=%d counter=%" PRIu64 " expected=%" PRIu64
		       "\n",
		       n, errors, counter, want_counter);
		return 1;
	}
	printf("parallel: threads=%u ok counter=%" PRIu64 " expected=%" PRIu64 "\n", n, counter,
	       want_counter);
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: parallel [-t THREADS] [-n STEPS] [-m ADDS]\n"
		   "  -t THREADS  threads, pinned round robin (default: one per allowed CPU)\n"
		   "  -n STEPS    checksum steps per thread (default 100000000)\n"
		   "  -m ADDS     shared-counter increments per thread (default 100000)\n");
}

int main(int argc, char **argv)
{
	uint64_t v;
	int c;

	while ((c = getopt(argc, argv, "t:n:m:h")) != -1) {
		const char *arg = optarg;

		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		/* -n and -m are capped so that ADDS x THREADS cannot overflow. */
		if (c == '?' ||
		    parse_u64(arg, c == 't' ? MAX_THREADS : UINT64_MAX / MAX_THREADS, &v)) {
			usage(stderr);
			return 2;
		}
		if (c == 't')
			opts.threads = (unsigned)v;
		else if (c == 'n')
			opts.steps = v;
		else
			opts.adds = v;
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* The console is not a terminal under the init's tee: flush per line. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return run();
}
