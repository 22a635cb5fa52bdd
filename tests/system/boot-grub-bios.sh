#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boots the monitor from a GRUB rescue ISO under SeaBIOS (GRUB's multiboot2
# and module2 commands) and checks the boot report.
. "$(dirname "$0")/lib.sh"

cluster --boot iso --config examples/cluster.conf --append noguest
log=$LOGS/node0.log
check exit-status status_is 0
check loader has "$log" '^boot: multiboot 2 from "GRUB [^"]*", command line "id=0 poweroff noguest"$'
check module has "$log" "^boot:   module 0 'cluster.conf'"
check memory-map has "$log" '^memory map \([0-9]+ entries\):$'
check identity has "$log" '^node: this is node 0 of 2$'
check report-complete has "$log" '^unum: node 0 ready: boot report complete$'
