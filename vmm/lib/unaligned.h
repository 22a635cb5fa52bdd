/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Little-endian fields at any alignment (boot protocol headers, firmware
 * tables): the monitor and the host tests read them the same way.
 */
#ifndef UNUM_VMM_LIB_UNALIGNED_H
#define UNUM_VMM_LIB_UNALIGNED_H

#include "vmm/lib/types.h"

static inline u32 rd32(const u8 *p)
{
	u32 v;
	__builtin_memcpy(&v, p, 4);
	return v;
}

static inline u64 rd64(const u8 *p)
{
	u64 v;
	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void wr32(u8 *p, u32 v)
{
	__builtin_memcpy(p, &v, 4);
}

static inline void wr64(u8 *p, u64 v)
{
	__builtin_memcpy(p, &v, 8);
}

#endif
