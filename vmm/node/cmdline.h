/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The monitor's own command line (from the loader): `id=N` (this node's id
 * in the cluster file), `loglevel=0..3` (console verbosity: errors, warnings,
 * info, debug), `poweroff` (end the emulator through isa-debug-exit when the
 * monitor stops: for tests), `dumpbootinfo` (print the raw boot information
 * for test fixtures), `selftest=fault|bug` (deliberately fault or trip a
 * BUG_ON after the boot report, to test the crash dump), `nopv` (offer the
 * guest no PV EOI, PV unhalt or PV send-IPI: to measure them), `noguest`
 * (stop after the boot report: check a node without running the guest),
 * `noprefetch` (across nodes, ask for no page before a vCPU faults on it,
 * vmm/cluster/vmdsm_prefetch.h: to measure the prefetch), `shadow` (the CPU walks
 * per-node shadow page tables, vmm/virt/shadow_vm.h: the default on AMD across nodes,
 * this asks for them on one node too), `noshadow` (across nodes, an AMD node walks the
 * guest's own tables through nested paging, and the nodes take turns),
 * `netbench=rtt|pages|all` (the network benchmark, net/nettest.h),
 * `stats=SECONDS` (a "stats:" line every SECONDS while the guest runs: exits,
 * each local vCPU's state, coherence faults, pages held, forwarded I/O),
 * `slice=MS` (across nodes, the nodes' vCPUs take turns of MS ms of progress,
 * vmm/cluster/turns.h; 0: all run at once; default 200, or 0 when every node walks
 * the guest's page tables with reads, an Intel node or an AMD one on shadows:
 * vmm/cluster/turns.h, turns_settle), `tsclag=US` (a test of the
 * periodic time re-check: a node other than 0 starts its guest TSC US
 * microseconds behind node 0's, which the re-check must find and correct), `joinlag=MS` (a
 * test: a node other than 0 waits MS ms on the network before it builds its part of the
 * guest, so node 0's first requests come before it can take them, and must wait),
 * `cacheahead=N` (across nodes, the frames of the cache of pages homed elsewhere kept
 * free by evicting ahead, vmm/cluster/vmdsm_cache.h; default 64, 0: evict only when a
 * fault finds none), `pin=US` (across nodes, how long after a vCPU or the monitor took a
 * page a peer that asks must wait for it, the protocol's pin window, 0..1000000; default
 * 2000; a test shrinks it to make pages leave before their taker comes back), `nonap`
 * (across nodes, the boot core polls without a pause while the monitor waits for a page
 * or an MMIO answer, vmm/cluster/vmdsm.h, vmdsm_nap: to measure the nap, and for a test
 * of a race its quicker wake-ups hide), `noalone` (across nodes on shadow page tables, a
 * node does not walk the guest's own tables while the others' vCPUs are idle,
 * vmm/cluster/alone.h, node 0's start before its first INIT or SIPI to another node
 * aside: to measure it), `msgbufs=N` (the message layer's pool of
 * buffers, each one frame's packet, 32..16384 plus the 2 per peer kept for parts of messages,
 * instead of the default 12 x 16 per peer, at least 768: a test fills it to exercise
 * vmm/cluster/remote.c's backlog), `stay` (after a guest that spanned
 * nodes ends, the node stays on the cluster network instead of halting, so that a node
 * that restarts is told it cannot rejoin; `poweroff` wins). Builds on the host.
 */
#ifndef UNUM_VMM_NODE_CMDLINE_H
#define UNUM_VMM_NODE_CMDLINE_H

#include "vmm/lib/types.h"

#define CMDLINE_DEFAULT_SLICE_MS 200
#define CMDLINE_DEFAULT_CACHEAHEAD 64
#define CMDLINE_DEFAULT_PIN_US	   2000

struct monitor_options {
	bool has_id;
	u32 id;
	int loglevel;
	bool poweroff;
	bool dump_bootinfo;
	bool nopv;	 /* offer the guest no exit-saving KVM features (kvmclock stays) */
	bool noguest;	 /* stop after the boot report, even with a guest line */
	bool noprefetch; /* across nodes, ask for no page before a vCPU faults (to measure) */
	bool nonap;	 /* across nodes, the boot core's waits poll without a pause */
	bool noalone;	 /* across nodes on shadows, never alone (vmm/cluster/alone.h) */
	bool stay;	 /* after a guest spanning nodes: stay on the network */
	bool shadow;	 /* shadow page tables (vmm/virt/shadow_vm.h), on one node too */
	bool noshadow;	 /* across nodes on AMD, nested paging and turns instead */
	bool shadow_sync; /* ... with no page table out of sync (shadow=sync) */
	enum { SELFTEST_NONE, SELFTEST_FAULT, SELFTEST_BUG } selftest;
	u32 slice_ms;  /* slice=MS: nodes take turns of MS ms (vmm/cluster/turns.h); 0: no turns */
	bool slice_given; /* slice= was on the command line (else: by the nodes' CPUs: where all
			   * walk with reads, at once, turns only while the running nodes wait) */
	bool turns_given; /* turns= was: turns asked for too, whatever the nodes' CPUs */
	/* turns=always (the default where turns are asked or needed) / turns=adaptive
	 * (vmm/cluster/turns.h) */
	enum { TURNS_ALWAYS, TURNS_ADAPTIVE } turns;
	u32 stats;     /* stats=S: a status line every S seconds (0: off) */
	u32 tsclag_us; /* tsclag=US: start this node's guest TSC behind node 0's (a test) */
	u32 joinlag_ms; /* joinlag=MS: build this node's part of the guest MS ms late (a test) */
	u32 cacheahead; /* cacheahead=N: cache frames kept free by evicting ahead */
	u32 pin_us;	/* pin=US: the protocol's pin window */
	u32 msgbufs;	/* msgbufs=N: the message layer's buffers (0: the default) */
	u32 nettest;   /* nettest=N: network self-test, N messages to every peer (0: off) */
	enum { NETBENCH_OFF, NETBENCH_RTT = 1, NETBENCH_PAGES = 2, NETBENCH_ALL = 3 } netbench;
	char unknown[256]; /* words not understood, for a warning */
};

/* Returns 0 or -E_INVAL with err naming the bad word and what was expected. */
int cmdline_parse(const char *cmdline, struct monitor_options *opt, char *err, size_t errlen);

#endif
