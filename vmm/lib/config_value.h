/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Value parsers for the cluster configuration (vmm/lib/config.c). Each returns
 * true and stores the value, or false with `why` set to what was expected,
 * phrased to follow "expected ".
 */
#ifndef UNUM_VMM_LIB_CONFIG_VALUE_H
#define UNUM_VMM_LIB_CONFIG_VALUE_H

#include "vmm/lib/types.h"

bool cfgval_u32(const char *s, u32 min, u32 max, u32 *out, const char **why);
bool cfgval_mac(const char *s, u8 mac[6], const char **why);
bool cfgval_ipv4(const char *s, u32 *out, const char **why);
bool cfgval_size(const char *s, u64 *out, const char **why);
bool cfgval_hex(const char *s, u8 *out, size_t nbytes, const char **why);
/* A word of [A-Za-z0-9._-], 1 to max-1 characters. */
bool cfgval_word(const char *s, size_t max, const char **why);

#endif
