/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtual CPU as the generic monitor sees it: the guest's general
 * registers (indexed by their x86 encoding, so the instruction emulator can
 * use them directly), the exit that just happened in vendor-neutral form, and
 * a pointer to the vendor back end's own state (a VMCB or a VMCS). Generic
 * code never includes a vendor header: it reaches the hardware through
 * struct virt_ops (vmm/virt/virt.h).
 */
#ifndef UNUM_VMM_VIRT_VCPU_H
#define UNUM_VMM_VIRT_VCPU_H

#include "vmm/lib/types.h"
#include "vmm/dev/vlapic.h"
#include "vmm/lib/x86.h"

enum gpr {
	GPR_RAX,
	GPR_RCX,
	GPR_RDX,
	GPR_RBX,
	GPR_RSP,
	GPR_RBP,
	GPR_RSI,
	GPR_RDI,
	GPR_R8,
	GPR_R9,
	GPR_R10,
	GPR_R11,
	GPR_R12,
	GPR_R13,
	GPR_R14,
	GPR_R15,
	NR_GPRS
};

struct guest_regs {
	u64 gpr[NR_GPRS];
	u64 rip, rflags;
};

/* Why the guest stopped running, decoded by the back end. */
enum exit_kind {
	EXIT_NONE, /* nothing for generic code (handled in the back end) */
	EXIT_INTR, /* a physical interrupt: the host took it on STGI */
	EXIT_CPUID,
	EXIT_IO,
	EXIT_MSR_READ,
	EXIT_MSR_WRITE,
	EXIT_HLT,
	EXIT_NPF,	    /* nested page fault: guest-physical access not mapped as needed */
	EXIT_SHUTDOWN,	    /* triple fault */
	EXIT_HYPERCALL,	    /* VMMCALL or VMCALL */
	EXIT_PAUSE,	    /* a spin-wait hint (intercepted only across nodes) */
	EXIT_CR,	    /* a control-register access (intercepted with shadow page tables) */
	EXIT_GUEST_PF,	    /* the guest's #PF (intercepted with shadow page tables) */
	EXIT_INVLPG,	    /* the guest's INVLPG (intercepted with shadow page tables) */
	EXIT_EXCEPTION,	    /* a #DB or #AC, intercepted so that no loop of them holds the CPU */
	EXIT_INVALID_STATE, /* the hardware refused to enter the guest */
	EXIT_UNHANDLED,	    /* an intercept generic code has no handler for */
	NR_EXIT_KINDS
};

struct vm_exit {
	enum exit_kind kind;
	u32 insn_len; /* length of the instruction that exited, when known */
	union {
		struct {
			u16 port;
			u8 size; /* 1, 2 or 4 */
			bool in, string, rep;
		} io;
		struct {
			u32 index;
		} msr;
		struct {
			gpa_t gpa;
			bool write;    /* the access was a write (a walk's always is on AMD) */
			bool fetch;    /* an instruction fetch */
			bool walk;     /* on the guest's own page-table walk */
			bool in_event; /* while the CPU delivered an interrupt or exception */
			u64 qual;      /* the back end's own description, for reports only */
		} npf;
		struct {
			u8 cr; /* CRn */
			bool write;
		} cr;
		struct {
			u32 error; /* the #PF error code */
			gva_t addr;
			bool in_event; /* raised while delivering another event */
		} pf;
		struct {
			u8 vector; /* with its error code, as the guest is to see it again */
			bool has_error;
			u32 error;
		} exc;
		struct {
			u64 code; /* vendor exit code, for the report */
			u64 info1, info2;
		} raw;
	};
};

struct vm;

struct vcpu {
	u32 id;
	struct vm *vm;
	struct guest_regs regs;
	struct vm_exit exit;
	gpa_t mmio_nowhere; /* where the MMIO emulator last found neither RAM nor a device */
	void *arch;	    /* back-end state */
	bool halted;	    /* in HLT, waiting for an interrupt */
	bool parked;	    /* halted with interrupts off: only NMI or INIT wake it */
	bool wait_sipi;	    /* after INIT: waiting for a start-up IPI, as an AP does */
	/* Set by other CPUs, taken by the vCPU's own: INIT, SIPI (vector | 0x100), NMI. */
	volatile u32 pending_init, pending_sipi, pending_nmi;
	u32 apic_id_phys;	  /* the physical CPU running this vCPU, for kicks */
	u64 kvm_system_time;	  /* MSR_KVM_SYSTEM_TIME_NEW as the guest wrote it */
	u32 inits, sipis, starts; /* statistics: taken INITs, SIPIs seen, real-mode starts */
	volatile u32 pv_unhalt;	  /* KICK_CPU: end this vCPU's HLT even without an interrupt */
	u64 pv_eoi_msr;		  /* MSR_KVM_PV_EOI_EN as the guest wrote it */
	bool pv_eoi_offered;	  /* the guest's PV EOI bit was set at the last entry */
	u64 pv_eois;		  /* statistics: EOIs the guest did without an exit */
	u64 pv_eoi_declined;	  /* ... entries that could have offered it, across nodes */
	u64 yield_until;	  /* after a PAUSE across nodes: stay out of the guest until then */
	bool intercept_pause;	  /* for the next entry: another node waits for the turn */
	bool intercept_flushes;	  /* ... on shadows, a page table here is out of sync: INVLPG
				   * and CR4 writes exit */
	u64 pause_yields;	  /* statistics: yields after PAUSE */
	/* Set by the cluster (vmm/virt/cluster.h) while the vCPU cannot run: it waits for
	 * guest memory this node has no rights to, or for node 0's answer to a port access. */
	volatile bool mem_waiting;
	volatile bool io_waiting;
	/* Nested TLB shootdown (vm_flush_guest_tlbs): set while the core runs the guest
	 * (from before it reads vm->tlb_gen to after the exit); the generation it last
	 * flushed at. */
	volatile bool in_guest;
	volatile u64 tlb_gen;
	u64 tsc_offset; /* the guest's TSC is the host's plus this: taken at every entry */
	/* Shadow page tables (vmm/virt/shadow_vm.h): at the next entry the CPU's CR3 is
	 * shadow_cr3, with CR3 and CR0 writes, CR3 reads and #PF intercepted; 0 for the
	 * guest's own tables. guest_cr3 is then the guest's CR3, as it reads it. */
	gpa_t shadow_cr3;
	u64 guest_cr3;
	u64 shadow_gen; /* the shadows' generation shadow_cr3 belongs to */
	/* The last exit was a #PF that changed nothing (a stale TLB entry?): if the very
	 * next exit is the same fault again with the shadows unchanged, the guest gets it. */
	bool pf_again;
	gva_t pf_again_at;
	u64 pf_again_rip, pf_again_mods;
	u32 pf_again_error;
	bool flush_tlb; /* the back end flushes the guest's TLB at the next entry */
	u8 start_vector;
	/* Gaps: a pass of the vCPU's loop that took over VM_STOPPED_NS (the node did not
	 * run it, or the monitor held it), vm.c's vcpu_stopped(). */
	u64 loop_ns;	     /* when the current pass began */
	u64 held_ns;	     /* the core's held_ns then (vmm/host/percpu.h) */
	u64 step_ns;	     /* when its current step began */
	const char *doing;   /* that step, for the line a gap prints */
	const char *longest; /* the pass's longest step so far, and how long */
	u64 longest_ns;
	u32 stops;
	u64 longest_pass_ns;
	struct vlapic lapic;
	u64 exits[NR_EXIT_KINDS];
	/* TSC cycles from each entry to its exit (the world switches included): the stats=
	 * line's share of the time this vCPU's core gave the guest. Its core writes it. */
	u64 guest_cycles;
	u64 out_since;	     /* TSC at the last exit, 0 before the first */
	enum exit_kind out_kind; /* that exit's kind */
};

/*
 * Whether a vCPU that yielded after PAUSE goes back into the guest at `now`: its yield
 * is over, or an NMI or an interrupt it can take now is pending (RFLAGS, as at its last
 * exit, has IF set). A masked interrupt does not end it: Linux spins with interrupts off
 * (stop_machine, spin_lock_irqsave, waits for other CPUs), and a timer interrupt pending
 * meanwhile used to end every yield at once. Measured on a 3-node boot: node 0 yielded
 * 14,000 times in 2 s, each an exit and a TLB flush, and kept the turn it spun in.
 */
static inline bool vcpu_yield_over(const struct vcpu *v, u64 now)
{
	return v->yield_until <= now || v->pending_nmi ||
	       ((v->regs.rflags & X86_RFLAGS_IF) && vlapic_pending(&v->lapic) >= 0);
}

#endif
