// SPDX-License-Identifier: GPL-2.0-only
/*
 * SVM exit decoding: a table indexed by exit code turns each #VMEXIT into
 * the vendor-neutral struct vm_exit generic code handles, or deals with it
 * here when it is purely an SVM matter (the guest trying SVM instructions
 * gets #UD, as on a CPU without SVM). Without next-RIP support the length of
 * an instruction is known from the exit (CPUID, RDMSR/WRMSR: 2 bytes; HLT:
 * 1; VMMCALL: 3; IOIO gives the next RIP in EXITINFO2, APM 15.10.2).
 */
#include "vmm/svm/svm.h"
#include "vmm/host/cpu.h"
#include "vmm/host/log.h"

#define VEC_UD 6
#define DR7_GD (1ULL << 13)

typedef void (*svm_exit_fn)(struct vcpu *v, struct vmcb *vmcb);

static void exit_simple(struct vcpu *v, enum exit_kind kind, u32 len)
{
	v->exit.kind = kind;
	v->exit.insn_len = len;
}

static void exit_intr(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, EXIT_INTR, 0);
}

static void exit_cpuid(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, EXIT_CPUID, 2);
}

static void exit_hlt(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, EXIT_HLT, 1);
}

static void exit_vmmcall(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, EXIT_HYPERCALL, 3);
}

static void exit_pause(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, EXIT_PAUSE, 2);
}

static void exit_shutdown(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, EXIT_SHUTDOWN, 0);
}

static void exit_ioio(struct vcpu *v, struct vmcb *vmcb)
{
	u64 info = vmcb->control.exitinfo1;

	exit_simple(v, EXIT_IO, (u32)(vmcb->control.exitinfo2 - vmcb->save.rip));
	v->exit.io.port = (u16)(info >> IOIO_PORT_SHIFT);
	v->exit.io.size = (info >> IOIO_SZ_SHIFT) & 1 ? 1 : (info >> IOIO_SZ_SHIFT) & 2 ? 2 : 4;
	v->exit.io.in = info & IOIO_TYPE_IN;
	v->exit.io.string = info & IOIO_STR;
	v->exit.io.rep = info & IOIO_REP;
}

static void exit_msr(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, vmcb->control.exitinfo1 ? EXIT_MSR_WRITE : EXIT_MSR_READ, 2);
	v->exit.msr.index = (u32)v->regs.gpr[GPR_RCX];
}

/* SVM instructions in the guest: the guest's CPU has no SVM, so they are #UD. */
static void exit_svm_insn(struct vcpu *v, struct vmcb *vmcb)
{
	struct vcpu_event ud = { EVENT_EXCEPTION, VEC_UD, false, 0 };

	svm_ops.inject(v, &ud);
	exit_simple(v, EXIT_NONE, 0);
}

/* INVD would drop the host's dirty cache lines: done as the harmless WBINVD,
 * i.e. nothing, as KVM does; the guest's instruction completes. */
static void exit_invd(struct vcpu *v, struct vmcb *vmcb)
{
	v->regs.rip += 2; /* copied into the VMCB at the next entry */
	vmcb->control.interrupt_shadow &= ~1ULL;
	exit_simple(v, EXIT_NONE, 0);
}

/* The interrupt window opened: stop asking; the run loop injects. */
static void exit_vintr(struct vcpu *v, struct vmcb *vmcb)
{
	vmcb->control.vintr &= ~(V_IRQ | V_IGN_TPR);
	vmcb->control.intercept_misc1 &= ~INTERCEPT_VINTR;
	exit_simple(v, EXIT_NONE, 0);
}

/* A read or write of CRn, intercepted for the shadow page tables: without decode
 * assists the monitor decodes the instruction itself. */
static void exit_cr(struct vcpu *v, struct vmcb *vmcb)
{
	u64 code = vmcb->control.exitcode;

	exit_simple(v, EXIT_CR, 0);
	v->exit.cr.write = code >= VMEXIT_CR_WRITE_BASE;
	v->exit.cr.cr = (u8)(code & 15);
}

/* The guest's INVLPG, intercepted for the shadow page tables: without decode assists
 * EXITINFO1 does not hold the address, so the monitor decodes the instruction. */
static void exit_invlpg(struct vcpu *v, struct vmcb *vmcb)
{
	(void)vmcb;
	exit_simple(v, EXIT_INVLPG, 0);
}

/* The guest's #PF: EXITINFO1 is its error code, EXITINFO2 the address; CR2 is
 * left alone (APM vol. 2 15.12). */
static void exit_pf(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, EXIT_GUEST_PF, 0);
	v->exit.pf.error = (u32)vmcb->control.exitinfo1;
	v->exit.pf.addr = vmcb->control.exitinfo2;
	v->exit.pf.in_event = vmcb->control.exitintinfo & EVENT_VALID;
}

/* A #DB or #AC (intercepted: generic exit.c). The CPU has already set the guest's DR6
 * in the VMCB as it would for the delivery; DR7.GD, which every #DB's delivery clears
 * (SDM vol. 3B 17.2.4), is cleared here. EXITINFO1 holds #AC's error code (APM vol. 2
 * 15.12). */
static void exit_exception(struct vcpu *v, struct vmcb *vmcb)
{
	u8 vector = (u8)(vmcb->control.exitcode - VMEXIT_EXCEPTION_BASE);

	exit_simple(v, EXIT_EXCEPTION, 0);
	v->exit.exc.vector = vector;
	v->exit.exc.has_error = vector == VEC_AC;
	v->exit.exc.error = (u32)vmcb->control.exitinfo1;
	if (vector == VEC_DB)
		vmcb->save.dr7 &= ~DR7_GD;
}

/* INT1 (ICEBP, one byte: F1), intercepted before it runs (APM 15.12 says its #DB
 * meets no #DB intercept): it completes, and its #DB, a trap, goes to the guest. */
static void exit_icebp(struct vcpu *v, struct vmcb *vmcb)
{
	v->regs.rip += 1;
	vmcb->control.interrupt_shadow &= ~1ULL;
	exit_simple(v, EXIT_EXCEPTION, 0);
	v->exit.exc.vector = VEC_DB;
	vmcb->save.dr7 &= ~DR7_GD;
}

/* INIT, SMI and NMI addressed to this physical CPU while it ran the guest. */
static void exit_ignore(struct vcpu *v, struct vmcb *vmcb)
{
	exit_simple(v, EXIT_NONE, 0);
}

static const svm_exit_fn svm_exit_table[0x90] = {
	[VMEXIT_INTR] = exit_intr,
	[VMEXIT_NMI] = exit_ignore,
	[VMEXIT_SMI] = exit_ignore,
	[VMEXIT_INIT] = exit_ignore,
	[VMEXIT_VINTR] = exit_vintr,
	[VMEXIT_CPUID] = exit_cpuid,
	[VMEXIT_INVD] = exit_invd,
	[VMEXIT_HLT] = exit_hlt,
	[VMEXIT_IOIO] = exit_ioio,
	[VMEXIT_MSR] = exit_msr,
	[VMEXIT_SHUTDOWN] = exit_shutdown,
	[VMEXIT_ICEBP] = exit_icebp,
	[VMEXIT_VMRUN] = exit_svm_insn,
	[VMEXIT_VMMCALL] = exit_vmmcall,
	[VMEXIT_VMLOAD] = exit_svm_insn,
	[VMEXIT_VMSAVE] = exit_svm_insn,
	[VMEXIT_STGI] = exit_svm_insn,
	[VMEXIT_CLGI] = exit_svm_insn,
	[VMEXIT_SKINIT] = exit_svm_insn,
	[VMEXIT_XSETBV] = exit_svm_insn,
	[VMEXIT_PAUSE] = exit_pause,
	[VMEXIT_CR_READ_BASE + 3] = exit_cr,
	[VMEXIT_CR_WRITE_BASE + 0] = exit_cr,
	[VMEXIT_CR_WRITE_BASE + 3] = exit_cr,
	[VMEXIT_CR_WRITE_BASE + 4] = exit_cr,
	[VMEXIT_INVLPG] = exit_invlpg,
	[VMEXIT_EXCEPTION_BASE + VEC_DB] = exit_exception,
	[VMEXIT_EXCEPTION_BASE + VEC_PF] = exit_pf,
	[VMEXIT_EXCEPTION_BASE + VEC_AC] = exit_exception,
};

void svm_decode_exit(struct vcpu *v, struct vmcb *vmcb)
{
	u64 code = vmcb->control.exitcode;

	v->exit = (struct vm_exit){ .kind = EXIT_UNHANDLED };
	v->exit.raw.code = code;
	v->exit.raw.info1 = vmcb->control.exitinfo1;
	v->exit.raw.info2 = vmcb->control.exitinfo2;
	/* QEMU stores VMEXIT_INVALID through a 32-bit field: compare the low half only. */
	if ((u32)code == VMEXIT_INVALID) {
		v->exit.kind = EXIT_INVALID_STATE;
	} else if (code == VMEXIT_NPF) {
		v->exit.kind = EXIT_NPF;
		v->exit.npf.gpa = vmcb->control.exitinfo2;
		/* EXITINFO1 is a #PF error code plus two bits (APM vol. 2, 15.25.6): 1 the
		 * access was a write, 4 an instruction fetch; 33 on the guest's own table
		 * walk, else 32, the final access. */
		v->exit.npf.qual = vmcb->control.exitinfo1;
		v->exit.npf.write = (vmcb->control.exitinfo1 >> 1) & 1;
		v->exit.npf.fetch = (vmcb->control.exitinfo1 >> 4) & 1;
		v->exit.npf.walk = (vmcb->control.exitinfo1 >> 33) & 1;
		v->exit.npf.in_event = vmcb->control.exitintinfo & EVENT_VALID;
	} else if (code < ARRAY_SIZE(svm_exit_table) && svm_exit_table[code]) {
		svm_exit_table[code](v, vmcb);
	}
	v->exits[v->exit.kind]++;
}

static void dump_seg(const char *name, const struct vmcb_seg *s)
{
	kprintf("  %-4s sel %04x attr %04x limit %08x base %016llx\n", name, s->selector, s->attrib,
		s->limit, (unsigned long long)s->base);
}

void svm_dump(struct vcpu *v)
{
	const struct vmcb *vm = svm_of(v)->vmcb;
	const struct vmcb_save *s = &vm->save;

	kprintf("vCPU %u (SVM): exit code %#llx info1 %#llx info2 %#llx exitintinfo %#llx\n", v->id,
		(unsigned long long)vm->control.exitcode, (unsigned long long)vm->control.exitinfo1,
		(unsigned long long)vm->control.exitinfo2,
		(unsigned long long)vm->control.exitintinfo);
	kprintf("  RIP %016llx RSP %016llx RFLAGS %016llx CPL %u\n",
		(unsigned long long)v->regs.rip, (unsigned long long)v->regs.gpr[GPR_RSP],
		(unsigned long long)v->regs.rflags, s->cpl);
	kprintf("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
		(unsigned long long)v->regs.gpr[GPR_RAX], (unsigned long long)v->regs.gpr[GPR_RBX],
		(unsigned long long)v->regs.gpr[GPR_RCX], (unsigned long long)v->regs.gpr[GPR_RDX]);
	kprintf("  CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx EFER %016llx\n",
		(unsigned long long)s->cr0, (unsigned long long)s->cr2, (unsigned long long)s->cr3,
		(unsigned long long)s->cr4, (unsigned long long)s->efer);
	if (v->shadow_cr3)
		kprintf("  (on shadow page tables: the guest's own CR3 is %016llx)\n",
			(unsigned long long)v->guest_cr3);
	dump_seg("CS", &s->cs);
	dump_seg("SS", &s->ss);
	dump_seg("DS", &s->ds);
	dump_seg("GDTR", &s->gdtr);
	dump_seg("IDTR", &s->idtr);
	dump_seg("TR", &s->tr);
}
