#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A fault inside the monitor and a failed BUG_ON must each print a dump that
# names what happened, with registers and a backtrace, and stop the node.
. "$(dirname "$0")/lib.sh"

cluster --boot kernel --config examples/cluster.conf --append selftest=fault
log=$LOGS/node0.log
check fault-status status_is 3
check fault-vector has "$log" '^EXCEPTION in the monitor on CPU 0: vector 14 \(#PF page fault\)'
check fault-address has "$log" '^page fault address \(CR2\) 0x8000001000: page not present, read'
check fault-registers has "$log" '^RIP=0008:0000000000[0-9a-f]{6} RFLAGS='
check fault-backtrace has "$log" '^backtrace: 0x'

cluster --boot kernel --config examples/cluster.conf --append selftest=bug
check bug-status status_is 3
check bug-message has "$log" '^PANIC on CPU 0 at vmm/main.c:[0-9]+: BUG: options.selftest == SELFTEST_BUG$'
check bug-registers has "$log" '^CR0=[0-9a-f]{16} CR2='
