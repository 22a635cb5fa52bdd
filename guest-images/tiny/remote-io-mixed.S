/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * remote-io without its TSC checks, for a cluster whose nodes' TSCs run at different
 * rates: an AMD node under QEMU (the host's rate, about 2 GHz) and an Intel node under
 * Bochs (its ips setting, 15 MHz). The monitor synchronises the nodes' TSC offsets once,
 * not their rates, so one vCPU's later reading can be the smaller (doc/design.md, mixed
 * cluster). Everything else is remote-io's: port I/O and MMIO from vCPU 1, on node 1,
 * done by node 0's devices.
 */
#define REMOTE_IO_NO_TSC
#include "remote-io.S"
