# SPDX-License-Identifier: GPL-2.0-only
# drivers/: the node's physical devices (the CPU's own, LAPIC and TSC, are in vmm/host/).
MON_SRCS += drivers/pic.c drivers/ioapic.c drivers/uart.c drivers/rtc.c
# PCI enumeration and the NIC drivers (issue 5; doc/net.md). pci.c and virtq.c are pure and
# also build into host tests (tests/drivers/).
MON_SRCS += drivers/pci.c drivers/pci_port.c drivers/virtq.c drivers/virtio_pci.c \
	drivers/virtio_net.c drivers/e1000.c
UNIT_TESTS += drivers_pci drivers_virtq
drivers_pci_SRCS := tests/drivers/pci_test.c drivers/pci.c
drivers_virtq_SRCS := tests/drivers/virtq_test.c drivers/virtq.c
