# SPDX-License-Identifier: GPL-2.0-only
# drivers/: the node's physical devices.
MON_SRCS += drivers/pic.c drivers/uart.c drivers/tsc.c drivers/lapic.c
# PCI enumeration and the NIC drivers (issue 5; doc/net.md). pci.c and virtq.c are pure and
# also build into host tests (tests/net/).
MON_SRCS += drivers/pci.c drivers/pci_port.c drivers/virtq.c drivers/virtio_pci.c \
	drivers/virtio_net.c drivers/e1000.c
