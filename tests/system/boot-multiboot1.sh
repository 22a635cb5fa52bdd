#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boots build/unum.elf32 through QEMU's -kernel (multiboot 1) with the example
# cluster file and checks every part of the boot report.
. "$(dirname "$0")/lib.sh"

cluster --boot kernel --config examples/cluster.conf --append noguest
log=$LOGS/node0.log
check exit-status status_is 0
check loader has "$log" '^boot: multiboot 1 from "qemu", command line ".*id=0 poweroff noguest"$'
check module has "$log" "^boot:   module 0 'cluster.conf' at 0x[0-9a-f]+-0x[0-9a-f]+ \([0-9]+ bytes\)$"
yn='(yes|no)'
check cpu-features has "$log" "^cpu: SVM yes, NPT yes; optional: NRIPS $yn, VMCB clean bits $yn, flush by ASID $yn, decode assists $yn, pause filter $yn, AVIC $yn, vGIF $yn; [1-9][0-9]* ASIDs$"
check memory-map has "$log" '^  0x000000100000-0x[0-9a-f]{12} usable$'
check memory-free has "$log" '^memory: 255 MiB usable, [0-9]+ MiB free'
check tsc has "$log" '^time: TSC [1-9][0-9]*\.[0-9]{3} MHz'
check timer-ticks has "$log" 'periodic at 100 Hz: [1-9][0-9]* ticks'
check cluster has "$log" '^cluster: id 1 name example, 2 nodes, 2 vCPUs in all$'
check node-line has "$log" '^cluster:   node 1 mac 52:54:00:00:00:11 ip 10.77.0.11 port 7700 cpus 1$'
check guest-line has "$log" "^cluster: guest 256 MiB, kernel 'kernel', initrd 'initrd', cmdline \"console=ttyS0 quiet\"$"
check identity has "$log" '^node: this is node 0 of 2$'
check report-complete has "$log" '^unum: node 0 ready: boot report complete$'
