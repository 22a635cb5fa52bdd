// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit handlers, in a table indexed by enum exit_kind. A handler either
 * completes the guest's instruction (and advances RIP), injects the fault
 * real hardware would raise, or stops the guest with a report: nothing a
 * guest does stops the monitor itself.
 */
#include "vmm/virt/exit.h"
#include "vmm/virt/cpuid.h"
#include "vmm/virt/exitstats.h"
#include "vmm/virt/io.h"
#include "vmm/host/log.h"
#include "vmm/virt/mmio.h"
#include "vmm/virt/pv.h"
#include "vmm/virt/shadow_vm.h"
#include "vmm/virt/msr.h"
#include "vmm/host/panic.h"
#include "vmm/host/power.h"
#include "vmm/virt/virt.h"
#include "vmm/virt/vm.h"
#include "vmm/virt/cluster.h"
#include "vmm/host/tsc.h"
#include "vmm/lib/x86.h"

#define RFLAGS_RF (1ULL << 16)

void vcpu_skip_insn(struct vcpu *v)
{
	static const struct vcpu_sys no_shadow = { .intr_shadow = false };

	v->regs.rip += v->exit.insn_len;
	virt->set_sys(v, &no_shadow, SYS_INTR_SHADOW);
}

static void handle_nothing(struct vcpu *v)
{
}

static void handle_cpuid(struct vcpu *v)
{
	struct cpuid_regs r = cpuid_guest(v, (u32)v->regs.gpr[GPR_RAX], (u32)v->regs.gpr[GPR_RCX]);

	v->regs.gpr[GPR_RAX] = r.eax;
	v->regs.gpr[GPR_RBX] = r.ebx;
	v->regs.gpr[GPR_RCX] = r.ecx;
	v->regs.gpr[GPR_RDX] = r.edx;
	vcpu_skip_insn(v);
}

static void handle_msr_read(struct vcpu *v)
{
	u64 val;

	if (msr_guest_read(v, v->exit.msr.index, &val) != 0) {
		virt_inject_exception(v, 13, true, 0); /* #GP(0), as hardware */
		return;
	}
	v->regs.gpr[GPR_RAX] = (u32)val;
	v->regs.gpr[GPR_RDX] = val >> 32;
	vcpu_skip_insn(v);
}

static void handle_msr_write(struct vcpu *v)
{
	u64 val = (v->regs.gpr[GPR_RDX] << 32) | (u32)v->regs.gpr[GPR_RAX];

	if (msr_guest_write(v, v->exit.msr.index, val) != 0) {
		virt_inject_exception(v, 13, true, 0);
		return;
	}
	vcpu_skip_insn(v);
}

/* True when no vCPU can run again: each is parked or waiting for a SIPI
 * nobody can send. */
static bool all_parked(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++) {
		const struct vcpu *t = &vm->vcpus[i];
		bool wake_pending = t->pending_nmi || t->pending_init || t->pv_unhalt ||
				    (t->wait_sipi && t->pending_sipi);
		if (wake_pending ||
		    (!__atomic_load_n(&t->parked, __ATOMIC_ACQUIRE) && !t->wait_sipi))
			return false;
	}
	return true;
}

static void handle_hlt(struct vcpu *v)
{
	vcpu_skip_insn(v);
	v->halted = true;
	if (v->regs.rflags & X86_RFLAGS_IF)
		return;
	/* Interrupts off: only an NMI or INIT from another vCPU can wake it (Linux
	 * parks CPUs like this when it stops them). */
	__atomic_store_n(&v->parked, true, __ATOMIC_RELEASE);
	/* Across nodes a vCPU elsewhere may still wake it: only a one-node guest is known dead. */
	if (v->vm->nnodes == 1 && all_parked(v->vm))
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u halted with interrupts disabled at RIP %#llx: it can never wake "
			"up",
			v->id, (unsigned long long)v->regs.rip);
}

/*
 * PAUSE while another node waits for the turn (only then is it intercepted):
 * the vCPU spins, most likely for a vCPU of another node, which cannot run
 * until this node passes the turn. So it lets go of its pages and stays out of
 * the guest for a moment, or until an interrupt is pending; a node whose
 * vCPUs cannot run passes the turn (vmm/cluster/turns.c).
 */
static void handle_pause(struct vcpu *v)
{
	vcpu_skip_insn(v);
	if (v->vm->cluster) /* (PAUSE is intercepted only across nodes) */
		v->vm->cluster->yield(v);
	v->yield_until = time_now_ns() + VM_PAUSE_YIELD_NS;
	v->pause_yields++;
}

/*
 * A #DB or #AC the back end intercepted and made ready to deliver (the debug
 * registers set as the CPU would have them): it goes to the guest as it came.
 * The intercept exists because delivering either can raise the same exception
 * again before one guest instruction runs (a data breakpoint on the stack the
 * delivery writes, a misaligned stack under alignment checking at CPL 3); the
 * CPU would loop in microcode and never take an interrupt again, holding its
 * core from the monitor (CVE-2015-8104, CVE-2015-5307). Intercepted, each turn
 * of such a loop is an exit: the guest only hangs itself.
 */
static void handle_exception(struct vcpu *v)
{
	/* #AC is a fault: the RFLAGS its handler returns to has RF set, so that an
	 * instruction breakpoint there does not fire again (SDM vol. 3B 17.3.1.1) */
	if (v->exit.exc.vector == 17)
		v->regs.rflags |= RFLAGS_RF;
	virt_inject_exception(v, v->exit.exc.vector, v->exit.exc.has_error, v->exit.exc.error);
}

static void handle_shutdown(struct vcpu *v)
{
	virt->dump(v);
	vm_stop(v->vm, EXIT_GUEST_CRASH, "vCPU %u triple fault (shutdown): the guest crashed",
		v->id);
}

/* The CPU refused to enter the guest. The state is the guest's own making or a monitor
 * bug; either way the guest stops with its state dumped, and the monitor stays up. */
static void handle_invalid(struct vcpu *v)
{
	virt->dump(v);
	vm_stop(v->vm, EXIT_GUEST_CRASH,
		"vCPU %u: the CPU refused to enter the guest (exit %#llx, %#llx: invalid "
		"VMCB/VMCS state); the guest stops",
		v->id, (unsigned long long)v->exit.raw.code, (unsigned long long)v->exit.raw.info1);
}

static void handle_unhandled(struct vcpu *v)
{
	virt->dump(v);
	vm_stop(v->vm, EXIT_GUEST_STOPPED, "vCPU %u: exit %#llx is not handled by the monitor",
		v->id, (unsigned long long)v->exit.raw.code);
}

static void (*const exit_handlers[NR_EXIT_KINDS])(struct vcpu *v) = {
	[EXIT_NONE] = handle_nothing,
	[EXIT_INTR] = handle_nothing, /* the host took the interrupt already */
	[EXIT_CPUID] = handle_cpuid,
	[EXIT_IO] = io_handle_exit,
	[EXIT_MSR_READ] = handle_msr_read,
	[EXIT_MSR_WRITE] = handle_msr_write,
	[EXIT_HLT] = handle_hlt,
	[EXIT_NPF] = mmio_handle_npf,
	[EXIT_SHUTDOWN] = handle_shutdown,
	[EXIT_HYPERCALL] = pv_hypercall,
	[EXIT_PAUSE] = handle_pause,
	[EXIT_CR] = shadow_vm_cr,
	[EXIT_GUEST_PF] = shadow_vm_pf,
	[EXIT_INVLPG] = shadow_vm_invlpg,
	[EXIT_EXCEPTION] = handle_exception,
	[EXIT_INVALID_STATE] = handle_invalid,
	[EXIT_UNHANDLED] = handle_unhandled,
};

void exit_handle(struct vcpu *v)
{
	BUG_ON(v->exit.kind >= NR_EXIT_KINDS || !exit_handlers[v->exit.kind]);
	exitstats_record(v);
	if (v->exit.kind != EXIT_GUEST_PF)
		v->pf_again = false; /* (only the very next exit counts: vmm/virt/shadow_vm.c) */
	/* (Platform devices are shared by every vCPU: the port and MMIO paths take
	 * dev_lock around each device access, not around the exit, which may wait
	 * for the boot core: for a page, or an answer from node 0.) */
	exit_handlers[v->exit.kind](v);
}
