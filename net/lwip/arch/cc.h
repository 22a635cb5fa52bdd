/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lwIP's architecture header (lwIP's src/include/lwip/arch.h lists what it may define) for the
 * freestanding monitor: little-endian x86-64, diagnostics to the monitor's log, failed
 * assertions are monitor bugs (panic), and random numbers for ARP and IP ids from the TSC
 * mixed by net/lwip/port.c. lwIP calls memcpy, memset, memmove, memcmp, strlen and strncmp,
 * which vmm/lib/klib.c provides.
 */
#ifndef UNUM_NET_LWIP_ARCH_CC_H
#define UNUM_NET_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN

void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void lwip_port_assert(const char *msg, const char *file, int line);
uint32_t lwip_port_rand(void);

#define LWIP_PLATFORM_DIAG(x)     \
	do {                      \
		lwip_port_diag x; \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __FILE__, __LINE__)
#define LWIP_RAND()		lwip_port_rand()

#endif
