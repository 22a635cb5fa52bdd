/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The two multiboot headers, so one image boots from GRUB's `multiboot` and
 * `multiboot2` commands and from QEMU's -kernel (multiboot 1 only). Both sit
 * in .multiboot, which the linker script places first: the multiboot 1 header
 * must lie in the image's first 8 KiB, the multiboot 2 header in its first
 * 32 KiB (specs, section 3.1.1 of each). Neither asks for a video mode: the
 * monitor speaks on the serial port.
 */
#include "boot/multiboot.h"

	.section .multiboot, "a"

	.balign 4
mb1_header:
	.long MB1_HEADER_MAGIC
	.long MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO
	.long -(MB1_HEADER_MAGIC + (MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO))

	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	/* Information request: the tags the monitor cannot boot without. */
	.balign 8
mb2_info_req:
	.short MB2_HTAG_INFO_REQ, 0
	.long mb2_info_req_end - mb2_info_req
	.long MB2_TAG_CMDLINE
	.long MB2_TAG_MODULE
	.long MB2_TAG_MMAP
mb2_info_req_end:

	/* Modules on page boundaries, so each can be reserved as whole pages. */
	.balign 8
	.short MB2_HTAG_MODULE_ALIGN, 0
	.long 8

	.balign 8
	.short MB2_HTAG_END, 0
	.long 8
mb2_header_end:
