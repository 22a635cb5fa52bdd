/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Formatted output for the monitor: a vsnprintf with the conversions the
 * monitor uses (d i u x X o p s c %, with the l, ll, z and h length
 * modifiers, width, precision, and the - 0 + space # flags). It builds on the
 * host too, where tests compare it with the C library's.
 */
#ifndef UNUM_VMM_LIB_PRINTF_H
#define UNUM_VMM_LIB_PRINTF_H

#include <stdarg.h>
#include "vmm/lib/types.h"

/* Like C99 vsnprintf: writes at most size bytes including the NUL, returns
 * the length the full output would have had. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
