# SPDX-License-Identifier: GPL-2.0-only
# drivers/: the node's physical devices.
MON_SRCS += drivers/pic.c drivers/uart.c drivers/tsc.c drivers/lapic.c
