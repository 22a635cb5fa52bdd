/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few C library functions the monitor implements itself (vmm/lib/klib.c).
 * On the host the same declarations come from the C library, so code shared
 * with host tests includes this header and nothing else for them.
 */
#ifndef UNUM_VMM_LIB_KLIB_H
#define UNUM_VMM_LIB_KLIB_H

#include "vmm/lib/types.h"

#ifdef UNUM_HOST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
int atoi(const char *s); /* lwIP's netif.c uses it */
#endif

#endif
