// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runner half of the host unit-test framework (see check.h): runs every
 * registered test in registration order, or only those named on the command
 * line, and prints one PASS/FAIL line each. Exit status is 1 if any failed.
 */
#include "tests/unit/check.h"

#include <stdarg.h>
#include <stdlib.h>

static struct check_test *check_head, **check_tail = &check_head;
static int check_fails_now;

void check_register(struct check_test *t)
{
	*check_tail = t;
	check_tail = &t->next;
}

void check_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	check_fails_now++;
	fprintf(stdout, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

int check_failures(void)
{
	return check_fails_now;
}

static int check_selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *suite = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct check_test *t = check_head; t; t = t->next) {
		if (!check_selected(t->name, argc, argv))
			continue;
		check_fails_now = 0;
		t->fn();
		printf("%s: %s/%s\n", check_fails_now ? "FAIL" : "PASS", suite, t->name);
		failed += check_fails_now != 0;
	}
	return failed ? 1 : 0;
}
