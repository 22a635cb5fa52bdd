/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page-table entry bits for the tests that build x86 page tables by hand (the guest
 * walker's and the shadow page tables'): Intel SDM vol. 3A 4.5, AMD APM vol. 2 5.3.
 */
#ifndef UNUM_TESTS_UNIT_PTE_BITS_H
#define UNUM_TESTS_UNIT_PTE_BITS_H

#define P  0x1ULL
#define RW 0x2ULL
#define US 0x4ULL
#define A  0x20ULL
#define D  0x40ULL
#define PS 0x80ULL
#define G  0x100ULL
#define XD (1ULL << 63)

#endif
