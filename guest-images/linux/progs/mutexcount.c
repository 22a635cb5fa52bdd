// SPDX-License-Identifier: GPL-2.0-only
/*
 * mutexcount: threads taking turns at one lock, the opposite of parallel's
 * independent work. One thread per CPU the process may run on (or -t N,
 * assigned round robin), each pinned, each incrementing one shared counter -n
 * times under one pthread mutex (a futex: a waiter sleeps in the kernel and
 * the unlocker wakes it, an IPI when they are on different CPUs). The
 * increment is a plain read and write, so an exclusion that failed would lose
 * counts. Prints the elapsed time (CLOCK_MONOTONIC) and one last line:
 *   mutexcount: threads=N ok counter=X expected=X      (exit status 0)
 *   mutexcount: FAIL threads=N counter=X expected=Y    (exit status 1)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile uint64_t counter;
static uint64_t per_thread = 20000;
static pthread_barrier_t start_line;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET((int)(intptr_t)arg, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "mutexcount: cannot pin to cpu %d: %s\n", (int)(intptr_t)arg,
			strerror(errno));
	pthread_barrier_wait(&start_line);
	for (uint64_t i = 0; i < per_thread; i++) {
		pthread_mutex_lock(&lock);
		counter = counter + 1;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static pthread_t tids[MAX_THREADS];
	int cpus[MAX_THREADS], ncpus = 0, threads = 0, opt;
	cpu_set_t set;
	double t0;

	while ((opt = getopt(argc, argv, "t:n:")) != -1) {
		if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'n')
			per_thread = strtoull(optarg, NULL, 0);
		else {
			fprintf(stderr, "usage: mutexcount [-t THREADS] [-n INCREMENTS]\n");
			return 2;
		}
	}
	if (sched_getaffinity(0, sizeof(set), &set)) {
		perror("mutexcount: sched_getaffinity");
		return 1;
	}
	for (int c = 0; c < CPU_SETSIZE && ncpus < MAX_THREADS; c++)
		if (CPU_ISSET(c, &set))
			cpus[ncpus++] = c;
	if (threads <= 0)
		threads = ncpus;
	if (threads > MAX_THREADS || ncpus == 0) {
		fprintf(stderr, "mutexcount: from 1 to %d threads\n", MAX_THREADS);
		return 2;
	}
	pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&tids[i], NULL, worker, (void *)(intptr_t)cpus[i % ncpus])) {
			fprintf(stderr, "mutexcount: cannot start thread %d\n", i);
			return 1;
		}
	pthread_barrier_wait(&start_line);
	t0 = now();
	for (int i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	printf("mutexcount: elapsed %.6f s threads=%d increments=%llu\n", now() - t0, threads,
	       (unsigned long long)per_thread);
	if (counter != per_thread * (uint64_t)threads) {
		printf("mutexcount: FAIL threads=%d counter=%llu expected=%llu\n", threads,
		       (unsigned long long)counter, (unsigned long long)(per_thread * threads));
		return 1;
	}
	printf("mutexcount: threads=%d ok counter=%llu expected=%llu\n", threads,
	       (unsigned long long)counter, (unsigned long long)counter);
	return 0;
}
