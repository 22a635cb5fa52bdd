/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boot report the monitor prints on its console: what the loader gave
 * it, the memory it will manage, and the cluster it belongs to. Tests read
 * these lines, so their wording is part of the interface (doc/boot.md).
 */
#ifndef UNUM_VMM_NODE_REPORT_H
#define UNUM_VMM_NODE_REPORT_H

#include "vmm/host/bootinfo.h"
#include "vmm/lib/config.h"

void report_boot_info(const struct boot_info *bi);
void report_memory(const struct boot_info *bi);
void report_cluster(const struct cluster_config *cfg, u32 self);
/* Prints the raw boot information as "bootinfo-*" lines (tests/data fixtures). */
void report_dump_bootinfo(u32 magic, u32 info, bootinfo_map_fn map);

#endif
