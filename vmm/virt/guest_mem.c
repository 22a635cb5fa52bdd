// SPDX-License-Identifier: GPL-2.0-only
/*
 * The monitor's accesses to guest RAM (see vmm/virt/guest_mem.h).
 */
#include "vmm/virt/guest_mem.h"
#include "vmm/virt/shadow_vm.h"
#include "vmm/virt/cluster.h"
#include "vmm/lib/klib.h"

static int copy_guest(struct vm *vm, gpa_t gpa, u8 *buf, u64 len, bool write)
{
	if (len && !vm_gpa_is_ram(vm, gpa, len))
		return -E_NOENT;
	if (vm->cluster)
		return vm->cluster->copy(vm, gpa, buf, len, write);
	while (len) { /* (chunk by chunk: each is its own host allocation) */
		u64 piece = MIN(len, VM_CHUNK - (gpa & (VM_CHUNK - 1)));
		u8 *p = vm_gpa_ptr(vm, gpa, piece);

		if (write)
			memcpy(p, buf, piece);
		else
			memcpy(buf, p, piece);
		gpa += piece;
		buf += piece;
		len -= piece;
	}
	return 0;
}

int vm_read_guest(struct vm *vm, gpa_t gpa, void *dst, u64 len)
{
	return copy_guest(vm, gpa, dst, len, false);
}

int vm_write_guest(struct vm *vm, gpa_t gpa, const void *src, u64 len)
{
	int rc = copy_guest(vm, gpa, (u8 *)src, len, true);

	if (rc == 0 && vm->shadow) /* (a guest page table, maybe) */
		shadow_vm_monitor_wrote(vm, gpa, len);
	return rc;
}

void *vm_guest_writable(struct vm *vm, gpa_t gpa, u64 len)
{
	/* (the pointer after the take: across nodes, a page homed elsewhere gets its cache
	 * frame there) */
	if (!vm_gpa_is_ram(vm, gpa, len) ||
	    (vm->cluster && vm->cluster->take(vm, gpa, len, true) != 0))
		return NULL;
	return vm_gpa_ptr(vm, gpa, len);
}
