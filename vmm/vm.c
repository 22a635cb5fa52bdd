// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest VM creation and the vCPU run loop (see vmm/vm.h).
 */
#include "vmm/vm.h"
#include "vmm/exit.h"
#include "vmm/exitstats.h"
#include "vmm/dev/devices.h"
#include "vmm/log.h"
#include "vmm/mm.h"
#include "vmm/paging.h"
#include "vmm/power.h"
#include "vmm/printf.h"
#include "vmm/virt.h"
#include "vmm/x86.h"
#include "drivers/lapic.h"
#include "drivers/tsc.h"
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
	vlapic_now_ns = time_now_ns;
	vlapic_tsc_to_ns = tsc_to_ns;
	for (u32 i = 0; i < nvcpus; i++) {
		vm->vcpus[i].id = i;
		vm->vcpus[i].vm = vm;
		vlapic_init(&vm->vcpus[i].lapic, i, i == 0);
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

/* Injects the highest deliverable interrupt, or asks for an exit once one can be. */
static void deliver_interrupts(struct vcpu *v)
{
	int vec = vlapic_pending(&v->lapic);

	if (vec < 0)
		return;
	if (virt->irq_window_open(v)) {
		virt->inject_irq(v, (u8)vec);
		vlapic_accept(&v->lapic, (u8)vec);
	} else {
		virt->request_irq_window(v);
	}
}

/* The earlier of two deadlines, 0 meaning none. */
static u64 earliest(u64 a, u64 b)
{
	return !a ? b : !b ? a : MIN(a, b);
}

/* The physical timer fires at the next virtual deadline, or after a heartbeat,
 * so the monitor regains control from a guest that never exits. */
static void arm_host_timer(u64 deadline_ns, u64 now_ns)
{
	u64 heartbeat = now_ns + VM_HEARTBEAT_NS;

	lapic_timer_arm(deadline_ns && deadline_ns < heartbeat ? deadline_ns : heartbeat);
}

int vm_run(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];
	u64 now, deadline, start = time_now_ns();

	while (!vm->stopped) {
		/* Interrupts stay off from here until the guest runs or the CPU halts
		 * (both enable them atomically), so the timer armed below cannot fire
		 * unseen in between. */
		irq_disable();
		now = time_now_ns();
		deadline = earliest(vlapic_timer_poll(&v->lapic, now), pit_poll(&vm->pit, now));
		uart16550_poll(now);
		if (v->halted && vlapic_pending(&v->lapic) >= 0)
			v->halted = false; /* HLT ends when an interrupt is deliverable */
		arm_host_timer(deadline, now);
		if (v->halted) {
			cpu_wait_irq(); /* sti; hlt */
			continue;
		}
		deliver_interrupts(v);
		virt->vcpu_run(v);
		exit_handle(v);
	}
	exitstats_report(time_now_ns() - start);
	return vm->exit_code;
}
