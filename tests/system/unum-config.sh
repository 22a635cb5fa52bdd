#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The unum-config command line: check, show, errors for unreadable files and
# bad usage.
. "$(dirname "$0")/lib.sh"

out=$LOGS/out
tools/unum-config check examples/cluster.conf >"$out" 2>&1
check example-ok [ $? -eq 0 ]
check example-summary has "$out" '^examples/cluster.conf: ok: 2 nodes, 2 vCPUs, guest$'
tools/unum-config show examples/cluster.conf >"$out" 2>&1
check show has "$out" '^node 1 mac 52:54:00:00:00:11 ip 10.77.0.11 port 7700 cpus 1$'
tools/unum-config check /nonexistent.conf >"$out" 2>&1
check missing-file [ $? -eq 1 ]
check missing-file-message has "$out" '^/nonexistent.conf: cannot open: No such file or directory$'
tools/unum-config frobnicate >"$out" 2>&1
check bad-usage [ $? -eq 2 ]
tools/unum-config --help >"$out" 2>&1
check help has "$out" '^Usage: unum-config check \[--netboot DIR\] FILE'
