// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest VM creation and the vCPU run loop (see vmm/vm.h).
 */
#include "vmm/vm.h"
#include "vmm/exit.h"
#include "vmm/log.h"
#include "vmm/mm.h"
#include "vmm/paging.h"
#include "vmm/power.h"
#include "vmm/printf.h"
#include "vmm/virt.h"
#include "vmm/x86.h"
#include <stdarg.h>

int vm_create(struct vm *vm, u64 mem_size, u32 nvcpus)
{
	int rc;

	vm->mem_size = mem_size;
	vm->nvcpus = nvcpus;
	vm->mem_hpa = page_alloc(mem_size / PAGE_SIZE, SPACE_2M / PAGE_SIZE);
	if (!vm->mem_hpa) {
		pr_err("vm: cannot allocate %llu MiB of guest RAM (%llu MiB free)\n",
		       (unsigned long long)(mem_size >> 20),
		       (unsigned long long)(mm_free_pages() * PAGE_SIZE >> 20));
		return -E_NOMEM;
	}
	vm->space = virt->space_create();
	if (!vm->space)
		return -E_NOMEM;
	for (u64 off = 0; off < mem_size; off += SPACE_2M) {
		rc = virt->space_map(vm->space, off, vm->mem_hpa + off, SPACE_2M, SPACE_RWX);
		if (rc)
			return rc;
	}
	for (u32 i = 0; i < nvcpus; i++) {
		vm->vcpus[i].id = i;
		vm->vcpus[i].vm = vm;
		rc = virt->vcpu_create(&vm->vcpus[i], vm->space);
		if (rc)
			return rc;
	}
	pr_info("vm: %llu MiB of guest RAM at host %#llx, %u vCPU%s, %s\n",
		(unsigned long long)(mem_size >> 20), (unsigned long long)vm->mem_hpa, nvcpus,
		nvcpus == 1 ? "" : "s", virt->name);
	return 0;
}

void *vm_gpa_ptr(struct vm *vm, gpa_t gpa, u64 len)
{
	if (gpa >= vm->mem_size || len > vm->mem_size - gpa)
		return NULL;
	return hpa_to_ptr(vm->mem_hpa + gpa);
}

void vm_stop(struct vm *vm, int exit_code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("guest: %s\n", msg);
	vm->stopped = true;
	vm->exit_code = exit_code;
}

int vm_run(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];

	irq_enable(); /* physical interrupts must be able to end a guest run (INTR exits) */
	while (!vm->stopped) {
		if (v->halted) {
			cpu_wait_irq(); /* nothing can wake it yet but a future virtual interrupt */
			continue;
		}
		virt->vcpu_run(v);
		exit_handle(v);
	}
	return vm->exit_code;
}
