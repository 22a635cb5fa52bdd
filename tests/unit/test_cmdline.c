// SPDX-License-Identifier: GPL-2.0-only
/*
 * The monitor's command-line options.
 */
#include "tests/unit/check.h"
#include "vmm/node/cmdline.h"

static struct monitor_options opt;
static char err[160];

TEST(options)
{
	CHECK_EQ(cmdline_parse("/boot/unum.elf id=3 loglevel=3 poweroff", &opt, err, sizeof(err)),
		 0);
	CHECK(opt.has_id);
	CHECK_EQ(opt.id, 3);
	CHECK_EQ(opt.loglevel, 3);
	CHECK(opt.poweroff);
	CHECK(!opt.dump_bootinfo);
	CHECK_STR(opt.unknown, "");
}

TEST(defaults_and_unknown_words)
{
	CHECK_EQ(cmdline_parse("noguest nopv shadow nonap noalone", &opt, err, sizeof(err)), 0);
	CHECK(opt.noguest && opt.nopv && opt.shadow && opt.nonap && opt.noalone &&
	      !opt.shadow_sync);
	CHECK_EQ(cmdline_parse("shadow=sync", &opt, err, sizeof(err)), 0);
	CHECK(opt.shadow && opt.shadow_sync);
	CHECK(cmdline_parse("shadow=yes", &opt, err, sizeof(err)) < 0);
	CHECK(strstr(err, "'shadow=yes': expected shadow or shadow=sync"));
	CHECK_EQ(cmdline_parse("noshadow", &opt, err, sizeof(err)), 0);
	CHECK(opt.noshadow && !opt.shadow);
	CHECK(cmdline_parse("shadow slice=0 noshadow", &opt, err, sizeof(err)) < 0);
	CHECK(strstr(err, "'shadow' and 'noshadow' contradict each other"));
	CHECK(cmdline_parse("shadow=sync noshadow", &opt, err, sizeof(err)) < 0);
	CHECK_EQ(cmdline_parse("  dumpbootinfo  quiet  x=1 ", &opt, err, sizeof(err)), 0);
	CHECK(!opt.noguest && !opt.nopv && !opt.shadow && !opt.noshadow && !opt.nonap &&
	      !opt.noalone);
	CHECK(!opt.has_id);
	CHECK_EQ(opt.loglevel, 2);
	CHECK(opt.dump_bootinfo);
	CHECK_STR(opt.unknown, "quiet x=1");
	CHECK_EQ(cmdline_parse("", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.netbench, NETBENCH_OFF);
	CHECK_EQ(cmdline_parse("netbench=pages", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.netbench, NETBENCH_PAGES);
	CHECK_EQ(cmdline_parse("netbench=all", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.netbench, NETBENCH_ALL);
}

TEST(bad_values)
{
	CHECK(cmdline_parse("id=256", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'id=256': expected id=N with N from 0 to 255");
	CHECK(cmdline_parse("id=", &opt, err, sizeof(err)) != 0);
	CHECK(cmdline_parse("loglevel=9", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'loglevel=9': expected loglevel=N with N from 0 to 3");
	CHECK(cmdline_parse("stats=0", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err,
		  "command line: 'stats=0': expected stats=SECONDS with SECONDS from 1 to 3600");
	CHECK_EQ(cmdline_parse("stats=5", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.stats, 5);
	CHECK_EQ(opt.slice_ms, CMDLINE_DEFAULT_SLICE_MS);
	CHECK(!opt.slice_given); /* (the nodes' CPUs decide: turns_settle) */
	CHECK_EQ(cmdline_parse("slice=0", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.slice_ms, 0);
	CHECK(opt.slice_given);
	CHECK_EQ(cmdline_parse("tsclag=2000", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.tsclag_us, 2000);
	CHECK_EQ(cmdline_parse("joinlag=3000", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.joinlag_ms, 3000);
	CHECK(cmdline_parse("joinlag=60001", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err,
		  "command line: 'joinlag=60001': expected joinlag=MS with MS from 1 to 60000");
	CHECK(cmdline_parse("tsclag=0", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'tsclag=0': expected tsclag=US with US from 1 to 1000000");
	CHECK_EQ(opt.cacheahead, CMDLINE_DEFAULT_CACHEAHEAD);
	CHECK_EQ(opt.pin_us, CMDLINE_DEFAULT_PIN_US);
	CHECK_EQ(cmdline_parse("pin=0", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.pin_us, 0);
	CHECK(cmdline_parse("pin=2000000", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'pin=2000000': expected pin=US with US from 0 to 1000000");
	CHECK_EQ(cmdline_parse("cacheahead=0", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.cacheahead, 0);
	CHECK(cmdline_parse("cacheahead=x", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'cacheahead=x': expected cacheahead=N with N from 0 to 65536");
	CHECK(!opt.stay);
	CHECK_EQ(cmdline_parse("stay", &opt, err, sizeof(err)), 0);
	CHECK(opt.stay);
	CHECK_EQ(opt.msgbufs, 0);
	CHECK_EQ(cmdline_parse("msgbufs=32", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.msgbufs, 32);
	CHECK(cmdline_parse("msgbufs=31", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'msgbufs=31': expected msgbufs=N with N from 32 to 16384");
	CHECK(cmdline_parse("slice=1001", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'slice=1001': expected slice=MS with MS from 0 to 1000");
	CHECK_EQ(opt.turns, TURNS_ALWAYS);
	CHECK_EQ(cmdline_parse("turns=adaptive", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.turns, TURNS_ADAPTIVE);
	CHECK_EQ(cmdline_parse("turns=adaptive turns=always", &opt, err, sizeof(err)), 0);
	CHECK_EQ(opt.turns, TURNS_ALWAYS);
	CHECK(cmdline_parse("turns=sometimes", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'turns=sometimes': expected turns=always or turns=adaptive");
}

TEST(path_only_skipped_when_first)
{
	CHECK_EQ(cmdline_parse("id=1 a/b", &opt, err, sizeof(err)), 0);
	CHECK_STR(opt.unknown, "a/b");
}

TEST(flags_survive_a_bad_word)
{
	/* poweroff must work even when the line is refused, or a test would hang */
	CHECK(cmdline_parse("loglevel=9 poweroff id=x", &opt, err, sizeof(err)) != 0);
	CHECK(opt.poweroff);
	CHECK_STR(err, "command line: 'loglevel=9': expected loglevel=N with N from 0 to 3");
	CHECK(cmdline_parse("selftest=nope", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'selftest=nope': expected selftest=fault or selftest=bug");
	CHECK(cmdline_parse("netbench=x", &opt, err, sizeof(err)) != 0);
	CHECK_STR(err, "command line: 'netbench=x': expected netbench=rtt, pages or all");
}
