/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Basic types for the monitor and the parts of it that build on the host.
 * Address spaces get distinct types so that a guest-physical address is never
 * used as a host-physical one by accident: gpa_t (guest physical), gva_t (guest
 * virtual), hpa_t (host physical) and hva_t (host virtual, a pointer-sized
 * integer). Conversions are explicit functions, never casts in passing.
 */
#ifndef UNUM_VMM_LIB_TYPES_H
#define UNUM_VMM_LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef u64 gpa_t;
typedef u64 gva_t;
typedef u64 hpa_t;
typedef uintptr_t hva_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	 (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

#define __packed       __attribute__((packed))
#define __aligned(n)   __attribute__((aligned(n)))
#define __noreturn     __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __unused       __attribute__((unused))

/* Error codes: functions return 0 or a negative one of these. */
enum {
	E_OK = 0,
	E_INVAL = 22,  /* malformed input */
	E_NOMEM = 12,  /* out of memory */
	E_NOENT = 2,   /* not found */
	E_FAULT = 14,  /* a bad address */
	E_AGAIN = 11,  /* not here yet: try again once it is */
	E_RANGE = 34,  /* out of range */
	E_EXIST = 17,  /* already exists */
	E_BUSY = 16,   /* in use */
	E_NOSPC = 28,  /* no room left */
	E_NOTSUP = 95, /* not supported */
	E_TIMEDOUT = 110,
	E_CANCELED = 125, /* the guest stopped meanwhile */
	E_IO = 5,	  /* an I/O error: a device or its server failed */
	E_PERM = 1,	  /* not allowed */
};

#endif
