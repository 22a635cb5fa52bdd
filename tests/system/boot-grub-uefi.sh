#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boots the monitor from the GRUB rescue ISO under UEFI firmware (OVMF). UEFI
# GRUB may leave the modules and the boot information in low memory (seen at
# 0x2d000; where exactly depends on the image's size), which the allocator
# and the AP trampoline must keep clear of: tests/unit/test_bootinfo.c checks
# that with a captured UEFI structure.
. "$(dirname "$0")/lib.sh"

if [ ! -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || [ ! -f /usr/lib/grub/x86_64-efi/multiboot2.mod ]; then
	echo "SKIP: $NAME (needs Debian packages ovmf and grub-efi-amd64-bin)"
	exit 0
fi
cluster --boot uefi --config examples/cluster.conf --append noguest
log=$LOGS/node0.log
check exit-status status_is 0
check loader has "$log" '^boot: multiboot 2 from "GRUB [^"]*", command line "id=0 poweroff noguest"$'
check module has "$log" "^boot:   module 0 'cluster.conf' at 0x[0-9a-f]+-0x[0-9a-f]+ \\($(wc -c <examples/cluster.conf) bytes\\)"
check report-complete has "$log" '^unum: node 0 ready: boot report complete$'
