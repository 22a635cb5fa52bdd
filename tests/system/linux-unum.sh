#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An unmodified Debian Linux kernel boots under the monitor (AMD SVM with
# nested paging, under QEMU), runs commands from its kernel command line
# through the initramfs's /init, reports their output and status, and powers
# the guest off through ACPI; a command's exit status reaches the launcher.
. "$(dirname "$0")/lib.sh"

if [ ! -f build/guest/linux/bzImage ] || [ ! -f build/guest/linux/initrd.img ]; then
	echo "FAIL: $NAME (no Linux guest image: run make guest-linux)"
	exit 1
fi
log=$LOGS/node0.log
TIMEOUT=300 cluster --guest linux --memory 512 --exec 'nproc; grep -c processor /proc/cpuinfo; uname -r; dmesg | grep -i unum'
check exit-status status_is 0
check booted has "$log" '^===UNUM-INIT-READY=== kernel=[0-9.]+-[0-9]+-amd64 cpus=1 '
out=$(exec_out "$log")
check nproc-is-1 [ "$(echo "$out" | sed -n 2p)" = 1 ]
check one-processor [ "$(echo "$out" | sed -n 3p)" = 1 ]
check uname [ "$(echo "$out" | sed -n 4p)" = "$(cat build/guest/linux/kernel-release)" ]
# the guest found the monitor's ACPI tables (OEM id UNUM) and its CPUID signature
check dmesg-acpi-tables has "$log" 'ACPI: (RSDP|XSDT|FACP|APIC) .*UNUM'
check command-status has "$log" '^===UNUM-EXEC-END status=0===$'
check acpi-poweroff has "$log" '^guest: powered off \(ACPI S5\)$'
check launcher-output has "$LOGS/launcher.out" '^6\.[0-9]+\.[0-9]+-[0-9]+-amd64$'

TIMEOUT=300 cluster --guest linux --memory 512 --exec 'echo failing on purpose; exit 7'
check exit-status-propagates status_is 7
check failing-output has "$LOGS/launcher.out" '^failing on purpose$'
