// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ports test guests use: 0xf4, where a write ends the guest with that code
 * (the interface of QEMU's isa-debug-exit, which kvm-unit-tests-style test
 * binaries expect), and 0x80, the POST/delay port Linux writes to, ignored.
 * For test guests only, a scratch MMIO page at TESTDEV_SCRATCH_GPA that
 * behaves like memory for every access size, so a guest can drive each
 * instruction form of the MMIO emulator and check the results.
 */
#include "vmm/platform/devices.h"
#include "vmm/virt/io.h"
#include "vmm/host/power.h"
#include "vmm/virt/vm.h"
#include "vmm/lib/klib.h"
#include "vmm/virt/mmio.h"

#define TEST_EXIT_PORT 0xf4
#define POST_PORT      0x80

static void test_exit_write(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
	u32 code = val & 63;

	vm_stop(v->vm, EXIT_GUEST_BASE + (int)code,
		"test guest wrote %#x to port %#x: exit code %u", val, port, code);
}

static void post_write(struct vcpu *v, void *ctx, u16 port, u8 size, u32 val)
{
}

static u8 scratch[PAGE_SIZE];

static int scratch_read(struct vcpu *v, void *ctx, u64 off, unsigned size, u64 *val)
{
	*val = 0;
	if (off + size > sizeof(scratch))
		return -E_RANGE;
	memcpy(val, scratch + off, size);
	return 0;
}

static int scratch_write(struct vcpu *v, void *ctx, u64 off, unsigned size, u64 val)
{
	if (off + size > sizeof(scratch))
		return -E_RANGE;
	memcpy(scratch + off, &val, size);
	return 0;
}

int testdev_scratch_init(void)
{
	struct mmio_device d = { "test scratch", TESTDEV_SCRATCH_GPA, PAGE_SIZE,
				 scratch_read,	 scratch_write,	      NULL,
				 false };

	return mmio_register(&d);
}

int testdev_init(void)
{
	struct io_device exitdev = { "test exit", TEST_EXIT_PORT, 4, NULL, test_exit_write, NULL };
	struct io_device post = { "POST", POST_PORT, 1, NULL, post_write, NULL };
	int rc = io_register(&exitdev);

	return rc ? rc : io_register(&post);
}
