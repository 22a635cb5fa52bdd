// SPDX-License-Identifier: GPL-2.0-only
/*
 * Monitor command-line parsing (see vmm/node/cmdline.h). A first word containing
 * '/' is the image path some loaders put first (QEMU, GRUB's multiboot 1)
 * and is skipped. Unknown words are collected and warned about rather than
 * refused: a new option on an old monitor should not stop a node.
 */
#include "vmm/node/cmdline.h"
#include "vmm/lib/config_value.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/printf.h"

static void add_unknown(struct monitor_options *opt, const char *w)
{
	size_t used = strlen(opt->unknown);

	ksnprintf(opt->unknown + used, sizeof(opt->unknown) - used, "%s%s", used ? " " : "", w);
}

static int parse_word(const char *w, struct monitor_options *opt, char *err, size_t errlen)
{
	const char *why;
	u32 v;

	if (strncmp(w, "id=", 3) == 0) {
		if (!cfgval_u32(w + 3, 0, 255, &opt->id, &why))
			goto bad;
		opt->has_id = true;
	} else if (strncmp(w, "loglevel=", 9) == 0) {
		if (!cfgval_u32(w + 9, 0, 3, &v, &why))
			goto bad;
		opt->loglevel = (int)v;
	} else if (strncmp(w, "nettest=", 8) == 0) {
		if (!cfgval_u32(w + 8, 1, 1000000, &opt->nettest, &why))
			goto bad;
	} else if (strncmp(w, "slice=", 6) == 0) {
		if (!cfgval_u32(w + 6, 0, 1000, &opt->slice_ms, &why))
			goto bad;
		opt->slice_given = true;
	} else if (strncmp(w, "tsclag=", 7) == 0) {
		if (!cfgval_u32(w + 7, 1, 1000000, &opt->tsclag_us, &why))
			goto bad;
	} else if (strncmp(w, "joinlag=", 8) == 0) {
		if (!cfgval_u32(w + 8, 1, 60000, &opt->joinlag_ms, &why))
			goto bad;
	} else if (strncmp(w, "cacheahead=", 11) == 0) {
		if (!cfgval_u32(w + 11, 0, 65536, &opt->cacheahead, &why))
			goto bad;
	} else if (strncmp(w, "msgbufs=", 8) == 0) {
		if (!cfgval_u32(w + 8, 32, 16384, &opt->msgbufs, &why))
			goto bad;
	} else if (strncmp(w, "pin=", 4) == 0) {
		if (!cfgval_u32(w + 4, 0, 1000000, &opt->pin_us, &why))
			goto bad;
	} else if (strncmp(w, "stats=", 6) == 0) {
		if (!cfgval_u32(w + 6, 1, 3600, &opt->stats, &why))
			goto bad;
	} else if (strcmp(w, "netbench=rtt") == 0) {
		opt->netbench = NETBENCH_RTT;
	} else if (strcmp(w, "netbench=pages") == 0) {
		opt->netbench = NETBENCH_PAGES;
	} else if (strcmp(w, "netbench=all") == 0) {
		opt->netbench = NETBENCH_ALL;
	} else if (strncmp(w, "netbench=", 9) == 0) {
		ksnprintf(err, errlen, "command line: '%s': expected netbench=rtt, pages or all",
			  w);
		return -E_INVAL;
	} else if (strcmp(w, "poweroff") == 0) {
		opt->poweroff = true;
	} else if (strcmp(w, "dumpbootinfo") == 0) {
		opt->dump_bootinfo = true;
	} else if (strcmp(w, "nopv") == 0) {
		opt->nopv = true;
	} else if (strcmp(w, "noguest") == 0) {
		opt->noguest = true;
	} else if (strcmp(w, "noprefetch") == 0) {
		opt->noprefetch = true;
	} else if (strcmp(w, "nonap") == 0) {
		opt->nonap = true;
	} else if (strcmp(w, "noalone") == 0) {
		opt->noalone = true;
	} else if (strcmp(w, "stay") == 0) {
		opt->stay = true;
	} else if (strcmp(w, "turns=always") == 0) {
		opt->turns = TURNS_ALWAYS;
		opt->turns_given = true;
	} else if (strcmp(w, "turns=adaptive") == 0) {
		opt->turns = TURNS_ADAPTIVE;
		opt->turns_given = true;
	} else if (strncmp(w, "turns=", 6) == 0) {
		ksnprintf(err, errlen, "command line: '%s': expected turns=always or turns=adaptive",
			  w);
		return -E_INVAL;
	} else if (strcmp(w, "shadow") == 0) {
		opt->shadow = true;
	} else if (strcmp(w, "noshadow") == 0) {
		opt->noshadow = true;
	} else if (strcmp(w, "shadow=sync") == 0) {
		opt->shadow = opt->shadow_sync = true;
	} else if (strncmp(w, "shadow=", 7) == 0) {
		ksnprintf(err, errlen, "command line: '%s': expected shadow or shadow=sync", w);
		return -E_INVAL;
	} else if (strcmp(w, "selftest=fault") == 0) {
		opt->selftest = SELFTEST_FAULT;
	} else if (strcmp(w, "selftest=bug") == 0) {
		opt->selftest = SELFTEST_BUG;
	} else if (strncmp(w, "selftest=", 9) == 0) {
		ksnprintf(err, errlen,
			  "command line: '%s': expected selftest=fault or selftest=bug", w);
		return -E_INVAL;
	} else {
		add_unknown(opt, w);
	}
	return 0;
bad:
	ksnprintf(err, errlen, "command line: '%s': expected %s", w,
		  w[0] == 'i'	? "id=N with N from 0 to 255"
		  : w[0] == 't' ? "tsclag=US with US from 1 to 1000000"
		  : w[0] == 'j' ? "joinlag=MS with MS from 1 to 60000"
		  : w[0] == 'n' ? "nettest=N with N from 1 to 1000000"
		  : w[1] == 't' ? "stats=SECONDS with SECONDS from 1 to 3600"
		  : w[0] == 's' ? "slice=MS with MS from 0 to 1000"
		  : w[0] == 'c' ? "cacheahead=N with N from 0 to 65536"
		  : w[0] == 'p' ? "pin=US with US from 0 to 1000000"
		  : w[0] == 'm' ? "msgbufs=N with N from 32 to 16384"
				: "loglevel=N with N from 0 to 3");
	return -E_INVAL;
}

int cmdline_parse(const char *cmdline, struct monitor_options *opt, char *err, size_t errlen)
{
	char word[128];
	bool first = true;
	int rc = 0;

	memset(opt, 0, sizeof(*opt));
	opt->slice_ms = CMDLINE_DEFAULT_SLICE_MS;
	opt->cacheahead = CMDLINE_DEFAULT_CACHEAHEAD;
	opt->pin_us = CMDLINE_DEFAULT_PIN_US;
	opt->loglevel = 2;
	/* Every word is read even after an error, so that `poweroff` still takes
	 * effect and a test sees the refusal instead of a hung emulator. */
	while (*cmdline) {
		size_t n = 0;
		while (*cmdline == ' ')
			cmdline++;
		while (cmdline[n] && cmdline[n] != ' ')
			n++;
		if (n == 0)
			break;
		if (n >= sizeof(word)) {
			if (!rc)
				ksnprintf(err, errlen,
					  "command line: a word is longer than %zu characters",
					  sizeof(word) - 1);
			rc = -E_INVAL;
		} else {
			memcpy(word, cmdline, n);
			word[n] = '\0';
			if (!(first && strchr(word, '/')) && parse_word(word, opt, err, errlen) &&
			    !rc) {
				rc = -E_INVAL;
				err = NULL; /* keep the first error's message */
				errlen = 0;
			}
		}
		first = false;
		cmdline += n;
	}
	if (!rc && opt->shadow && opt->noshadow) {
		ksnprintf(err, errlen, "command line: 'shadow' and 'noshadow' contradict each other");
		rc = -E_INVAL;
	}
	return rc;
}
