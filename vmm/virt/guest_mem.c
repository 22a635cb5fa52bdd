// SPDX-License-Identifier: GPL-2.0-only
/*
 * The monitor's accesses to guest RAM (see vmm/virt/guest_mem.h).
 */
#include "vmm/virt/guest_mem.h"
#include "vmm/virt/shadow_vm.h"
#include "vmm/virt/cluster.h"
#include "vmm/lib/klib.h"

static int copy_guest(struct vm *vm, gpa_t gpa, void *buf, u64 len, bool write)
{
	u8 *p;

	if (vm->cluster)
		return vm->cluster->copy(vm, gpa, buf, len, write);
	p = vm_gpa_ptr(vm, gpa, len);
	if (!p)
		return -E_NOENT;
	if (write)
		memcpy(p, buf, len);
	else
		memcpy(buf, p, len);
	return 0;
}

int vm_read_guest(struct vm *vm, gpa_t gpa, void *dst, u64 len)
{
	return copy_guest(vm, gpa, dst, len, false);
}

int vm_write_guest(struct vm *vm, gpa_t gpa, const void *src, u64 len)
{
	int rc = copy_guest(vm, gpa, (void *)src, len, true);

	if (rc == 0 && vm->shadow) /* (a guest page table, maybe) */
		shadow_vm_monitor_wrote(vm, gpa, len);
	return rc;
}

void *vm_guest_writable(struct vm *vm, gpa_t gpa, u64 len)
{
	void *p = vm_gpa_ptr(vm, gpa, len);

	if (!p || (vm->cluster && len && vm->cluster->take(vm, gpa, len, true) != 0))
		return NULL;
	return p;
}
