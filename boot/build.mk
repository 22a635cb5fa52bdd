# SPDX-License-Identifier: GPL-2.0-only
# boot/: multiboot headers and the 32-to-64-bit entry (see boot/entry.S).
MON_SRCS += boot/header.S boot/entry.S boot/trampoline.S
