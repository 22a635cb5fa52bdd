/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the guest's exits go: counts by exit kind and, within port I/O, MSR
 * and MMIO exits, by port, MSR and page; CR exits (shadow page tables) by register
 * and direction. The monitor prints the profile when
 * the guest stops; `make bench` reads it to say where the time goes.
 */
#ifndef UNUM_VMM_VIRT_EXITSTATS_H
#define UNUM_VMM_VIRT_EXITSTATS_H

#include "vmm/virt/vcpu.h"

void exitstats_record(const struct vcpu *v);
u64 exitstats_total(void);
/* The time from an exit of @kind to the vCPU's next entry (its handling, the polls
 * and the waits that followed), counted by the vCPU's own core. */
void exitstats_out(enum exit_kind kind, u64 cycles);
/* For the stats= lines: "N kind (T us out), ..." for the exits since the last call (the
 * first call: since the guest started), with the time they kept their vCPUs out of the
 * guest, into @buf; only one caller (the boot core's stats line). */
void exitstats_kinds_since(char *buf, size_t size);
/* Prints "exits:" lines: the total, then the top reasons. */
void exitstats_report(u64 guest_ns);

#endif
