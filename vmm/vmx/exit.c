// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMX exits (Intel SDM vol. 3C chapter 27; reasons: appendix C): decoded into the
 * generic ones (vmm/virt/vcpu.h), or handled here when they are the back end's own
 * business: the interrupt and NMI windows, a physical NMI, MOV to and from the
 * control registers the guest/host masks and CR8 exiting catch, INVD, and the
 * instructions a guest without VMX or XSAVE gets #UD for. As svm/exit.c is for AMD.
 */
#include "vmm/vmx/vmx.h"
#include "vmm/vmx/vmcs.h"
#include "vmm/vmx/ept.h"
#include "vmm/virt/virt.h"
#include "vmm/virt/guest_mem.h"
#include "vmm/lib/x86.h"

#define CR4_PSE	  (1ULL << 4)
#define CR4_PAE	  (1ULL << 5)
#define CR4_PGE	  (1ULL << 7)
#define CR4_PCIDE (1ULL << 17)
#define CR4_SMEP  (1ULL << 20)
#define CS_AR_L	  (1u << 13)
#define AR_TYPE	  0xfu
#define RFLAGS_TF      (1ULL << 8)
#define DR7_GD	       (1ULL << 13)
#define DEBUGCTL_BTF   (1ULL << 1)
#define PENDING_DBG_BS (1ULL << 14)

/* The instruction the exit was for completes: RIP past it, and the interrupt shadow
 * of a STI or MOV SS before it has ended. */
static void skip_insn(struct vcpu *v)
{
	v->regs.rip += vmcs_read(VMCS_EXIT_INSN_LEN);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
		   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
			   ~(u64)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

static void raise(struct vcpu *v, u8 vector, bool has_error)
{
	struct vcpu_event e = { EVENT_EXCEPTION, vector, has_error, 0 };

	vmx_ops.inject(v, &e);
}

static bool long_mode_64(void)
{
	return (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) &&
	       (vmcs_read(VMCS_GUEST_ES_AR + 2) & CS_AR_L); /* (CS) */
}

static u32 max_phys_bits(void)
{
	return cpuid(0x80000008, 0).eax & 0xff;
}

/* Under PAE paging (not IA-32e) the write that changes CR3, or CR0 and CR4 paging
 * bits, loads the four PDPTEs (SDM vol. 3A 4.4.1); with EPT the VMCS carries them
 * into the guest (26.3.2.4). false if one that is present has reserved bits set, or
 * the table is not in RAM: #GP, as on hardware. */
static bool read_pdptes(struct vcpu *v, u64 cr3, u64 pdpte[4])
{
	if (vm_read_guest(v->vm, cr3 & 0xffffffe0u, pdpte, 4 * sizeof(u64)) != 0)
		return false;
	for (int i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && ((pdpte[i] & 0x1e6) || (pdpte[i] >> max_phys_bits())))
			return false;
	return true;
}

static void write_pdptes(const u64 pdpte[4])
{
	for (int i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

static bool pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA);
}

/* MOV to CR0 (CLTS and LMSW too) changing a masked bit: the checks MOV makes
 * (SDM vol. 2B "MOV to/from control registers"), IA-32e mode entered or left as
 * CR0.PG changes with EFER.LME (SDM vol. 3A 10.8.5), the TLB and PDPTEs as the
 * write would have them. */
static bool emulate_cr0(struct vcpu *v, u64 val)
{
	struct vmx_vcpu *x = vmx_of(v);
	u64 old = vmx_guest_cr0(), cr4 = vmx_guest_cr4();
	u64 efer = vmcs_read(VMCS_GUEST_EFER), new_efer = efer;
	u64 real = (val & ~(x->cr0_mask & ~x->cr0_fixed)) | x->cr0_fixed;
	u64 pdpte[4];

	if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
	    (real & ~rdmsr(MSR_IA32_VMX_CR0_FIXED1)))
		return false;
	if ((val & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & EFER_LME)) {
		/* IA-32e mode needs PAE, and a CS without L (L and D both set are invalid
		 * there: the CPU refuses, and so would VM entry) */
		if (!(cr4 & CR4_PAE) || (vmcs_read(VMCS_GUEST_ES_AR + 2) & CS_AR_L))
			return false;
		new_efer |= EFER_LMA;
	} else if (!(val & X86_CR0_PG) && (old & X86_CR0_PG) && (efer & EFER_LMA)) {
		/* not from 64-bit code, and not with PCIDs on (both #GP) */
		if (long_mode_64() || (cr4 & CR4_PCIDE))
			return false;
		new_efer &= ~EFER_LMA;
	}
	if (pae_paging(val, cr4, new_efer) &&
	    ((val ^ old) & (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW))) {
		if (!read_pdptes(v, vmcs_read(VMCS_GUEST_CR3), pdpte))
			return false;
		write_pdptes(pdpte);
	}
	vmx_write_cr0(x, val);
	if (new_efer != efer) {
		u64 tr_ar = vmcs_read(VMCS_GUEST_ES_AR + 2 * 7);

		vmx_write_efer(new_efer);
		/* VM entry wants a busy 64-bit TSS in IA-32e mode (26.3.1.2); the CPU itself
		 * would have let a 32-bit one stand until the next task switch. */
		if ((new_efer & EFER_LMA) && (tr_ar & AR_TYPE) != 11)
			vmcs_write(VMCS_GUEST_ES_AR + 2 * 7, (tr_ar & ~(u64)AR_TYPE) | 11);
	}
	if ((val ^ old) & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP | X86_CR0_CD))
		v->flush_tlb = true;
	return true;
}

/* MOV to CR4 changing a masked bit (VMXE: the guest has no VMX, so #GP). */
static bool emulate_cr4(struct vcpu *v, u64 val)
{
	struct vmx_vcpu *x = vmx_of(v);
	u64 old = vmx_guest_cr4(), cr0 = vmx_guest_cr0(), efer = vmcs_read(VMCS_GUEST_EFER);
	u64 cr3 = vmcs_read(VMCS_GUEST_CR3), pdpte[4];

	if ((val & CR4_VMXE) || ((val | x->cr4_fixed) & ~rdmsr(MSR_IA32_VMX_CR4_FIXED1)) ||
	    ((efer & EFER_LMA) && !(val & CR4_PAE)) ||
	    ((val & CR4_PCIDE) && !(old & CR4_PCIDE) && (!(efer & EFER_LMA) || (cr3 & 0xfff))))
		return false;
	if (pae_paging(cr0, val, efer) &&
	    ((val ^ old) & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_SMEP))) {
		if (!read_pdptes(v, cr3, pdpte))
			return false;
		write_pdptes(pdpte);
	}
	vmx_write_cr4(x, val);
	if ((val ^ old) & (CR4_PAE | CR4_PSE | CR4_PGE | CR4_PCIDE | CR4_SMEP))
		v->flush_tlb = true;
	return true;
}

/* MOV to CR3, on a CPU that cannot leave it to the guest (no TRUE controls). */
static bool emulate_cr3(struct vcpu *v, u64 val)
{
	u64 cr4 = vmx_guest_cr4(), pdpte[4];
	bool keep_tlb = (cr4 & CR4_PCIDE) && (val >> 63);

	if (cr4 & CR4_PCIDE)
		val &= ~(1ULL << 63);
	if (val >> max_phys_bits())
		return false;
	if (pae_paging(vmx_guest_cr0(), cr4, vmcs_read(VMCS_GUEST_EFER))) {
		if (!read_pdptes(v, val, pdpte))
			return false;
		write_pdptes(pdpte);
	}
	vmcs_write(VMCS_GUEST_CR3, val);
	if (!keep_tlb)
		v->flush_tlb = true;
	return true;
}

/* A control-register access (qualification: table 27-3): CR number in 3:0, access
 * type in 5:4 (MOV to, MOV from, CLTS, LMSW), the register in 11:8, LMSW's source
 * in 31:16. CR8 is the virtual LAPIC's TPR, bits 7:4 (SDM vol. 3A 11.8.6). */
static void exit_cr(struct vcpu *v, u64 q)
{
	u32 cr = q & 15, type = (q >> 4) & 3;
	u64 *reg = &v->regs.gpr[(q >> 8) & 15];
	u64 val = long_mode_64() ? *reg : (u32)*reg, cr0 = vmx_guest_cr0();
	bool ok = true;

	if (type == 1) { /* MOV from CR3 or CR8 */
		u64 from = cr == 8 ? v->lapic.tpr >> 4 : vmcs_read(VMCS_GUEST_CR3);

		*reg = long_mode_64() ? from : (u32)from;
	} else if (type == 2) {
		ok = emulate_cr0(v, cr0 & ~X86_CR0_TS);
	} else if (type == 3) { /* LMSW: PE, MP, EM, TS; it never clears PE */
		ok = emulate_cr0(v, (cr0 & ~0xeULL) | ((q >> 16) & 0xf));
	} else if (cr == 0) {
		ok = emulate_cr0(v, val);
	} else if (cr == 3) {
		ok = emulate_cr3(v, val);
	} else if (cr == 4) {
		ok = emulate_cr4(v, val);
	} else if (cr == 8) {
		ok = val <= 15;
		if (ok)
			v->lapic.tpr = (u32)val << 4;
	} else {
		ok = false;
	}
	if (ok)
		skip_insn(v);
	else
		raise(v, 13, true); /* #GP(0) */
}

/* An event whose delivery the exit interrupted is delivered again at the next entry
 * (27.2.4, 28.2.1); not one an instruction raised (INT n, INT3/INTO, ICEBP), which
 * simply runs again. An NMI's delivery left "blocking by NMI" set, which would make
 * its injection fail: cleared (SDM vol. 3C 31.7.1.2). */
static void requeue_interrupted_event(void)
{
	u32 info = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);
	u32 type = info & INTR_TYPE_MASK;

	if (!(info & INTR_VALID) || type == INTR_TYPE_SOFT_INT || type == INTR_TYPE_PRIV_SOFT ||
	    type == INTR_TYPE_SOFT_EXC)
		return;
	if (type == INTR_TYPE_NMI)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~(u64)INTERRUPTIBILITY_NMI);
	vmcs_write(VMCS_ENTRY_INTR_INFO, info & ~(1u << 12));
	if (info & INTR_ERROR)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
}

/* DR6 as a #DB delivered by the CPU would leave it: B0-B3 replaced, BD and BS set as
 * the exit qualification says (table 27-1), BLD (11) and RTM (16), which read 1 unless
 * their condition occurred, cleared when the qualification reports it. DR6 is the
 * guest's own, never switched: the monitor uses no debug register and a vCPU keeps
 * its core. */
static void set_dr6(u64 q)
{
	const u64 active_low = (1u << 11) | (1u << 16);
	u64 dr6;

	__asm__ volatile("mov %%db6, %0" : "=r"(dr6));
	dr6 = ((dr6 & ~0xfULL) | (q & 0x600f) | 0xffff0ff0) & ~(q & active_low);
	__asm__ volatile("mov %0, %%db6" ::"r"(dr6));
}

static void vmcs_set_bits(u32 field, u64 bits)
{
	vmcs_write(field, vmcs_read(field) | bits);
}

/*
 * A #DB or #AC (intercepted: generic exit.c), made ready to be delivered again.
 * - An event whose delivery raised either is dropped: both are benign, so the CPU
 *   would have handled them serially (SDM vol. 3A table 6-5), delivering only the new
 *   one. An NMI's delivery had begun, so NMIs stay blocked until the guest's IRET.
 * - An exit on a #DB leaves the debug state as it was (27.1): DR6 gets the
 *   qualification, and DR7.GD is cleared as every #DB's delivery clears it (17.2.4).
 *   INT1 exits on the instruction itself, which completes.
 * - A single step that leaves STI or MOV SS blocking behind must show as a pending
 *   BS, or VM entry fails (26.3.1.5; Bochs does not check it).
 */
static enum exit_kind exit_exception(struct vcpu *v, u32 info, u64 q)
{
	u8 vector = info & 0xff;
	u32 type = info & INTR_TYPE_MASK, idt = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);
	bool vnmi = vmx_of(v)->pin & PIN_VIRTUAL_NMIS;

	if (!(vector == VEC_DB && (type == INTR_TYPE_HW_EXC || type == INTR_TYPE_PRIV_SOFT)) &&
	    !(vector == VEC_AC && type == INTR_TYPE_HW_EXC))
		return EXIT_UNHANDLED;
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	if ((idt & INTR_VALID) && (idt & INTR_TYPE_MASK) == INTR_TYPE_NMI && vnmi)
		vmcs_set_bits(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
	v->exit.exc.vector = vector;
	if (vector == VEC_AC) {
		v->exit.exc.has_error = true;
		v->exit.exc.error = (u32)vmcs_read(VMCS_EXIT_INTR_ERROR);
		/* a fault in the guest's IRET, which had unblocked NMIs: they are blocked
		 * again while it runs again (27.2.2, 31.7.1.2) */
		if ((info & INTR_NMI_UNBLOCKED) && !(idt & INTR_VALID) && vnmi)
			vmcs_set_bits(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
	} else {
		if (type == INTR_TYPE_PRIV_SOFT)
			skip_insn(v);
		else
			set_dr6(q);
		vmcs_write(VMCS_GUEST_DR7, vmcs_read(VMCS_GUEST_DR7) & ~DR7_GD);
	}
	if ((v->regs.rflags & RFLAGS_TF) && !(vmcs_read(VMCS_GUEST_DEBUGCTL) & DEBUGCTL_BTF) &&
	    (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
	     (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)))
		vmcs_set_bits(VMCS_GUEST_PENDING_DBG, PENDING_DBG_BS);
	return EXIT_EXCEPTION;
}

static void exit_io(struct vcpu *v, u64 q)
{
	/* exit qualification (table 27-5): size-1 in 2:0, IN in 3, string 4, REP 5, port 31:16 */
	v->exit.io.size = (u8)((q & 7) + 1);
	v->exit.io.in = q & 8;
	v->exit.io.string = q & 16;
	v->exit.io.rep = q & 32;
	v->exit.io.port = (u16)(q >> 16);
}

static void exit_ept_violation(struct vcpu *v, u64 q)
{
	struct ept_violation e = ept_violation_of(q); /* (host-tested: ept.c) */

	v->exit.npf.gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
	v->exit.npf.qual = q;
	v->exit.npf.write = e.write;
	v->exit.npf.fetch = e.fetch;
	v->exit.npf.walk = e.walk;
	v->exit.npf.in_event = vmcs_read(VMCS_IDT_VECTORING_INFO) & INTR_VALID;
	/* bit 12: the guest's IRET had unblocked NMIs before the fault; it runs again, so
	 * they are blocked again until it does (27.2.3, 31.7.1.2) */
	if ((q & (1u << 12)) && !v->exit.npf.in_event && (vmx_of(v)->pin & PIN_VIRTUAL_NMIS))
		vmcs_set_bits(VMCS_GUEST_INTERRUPTIBILITY, INTERRUPTIBILITY_NMI);
}

/* Turns off a window exit the back end asked for; the run loop injects next. */
static void window_open(struct vmx_vcpu *x, u32 control)
{
	x->proc &= ~control;
	vmcs_write(VMCS_PROC_CONTROLS, x->proc);
}

static enum exit_kind decode(struct vcpu *v, u32 reason, u64 q)
{
	u32 info;

	switch (reason) {
	case REASON_EXTINT:
		__asm__ volatile("sti; nop; cli" ::: "memory"); /* the host takes it now */
		return EXIT_INTR;
	case REASON_EXCEPTION_NMI:
		info = (u32)vmcs_read(VMCS_EXIT_INTR_INFO);
		if ((info & (INTR_VALID | INTR_TYPE_MASK)) != (INTR_VALID | INTR_TYPE_NMI))
			return exit_exception(v, info, q);
		/* A physical NMI (another core stopping the node: power.c) goes to the
		 * monitor's own handler, as the host's STGI does it on AMD. */
		__asm__ volatile("int $2" ::: "memory");
		return EXIT_NONE;
	case REASON_INIT: return EXIT_NONE; /* (the monitor sends none once up) */
	case REASON_PREEMPTION: return EXIT_NONE; /* the heartbeat: the run loop looks around */
	case REASON_INTR_WINDOW: window_open(vmx_of(v), PROC_INTR_WINDOW); return EXIT_NONE;
	case REASON_NMI_WINDOW: window_open(vmx_of(v), PROC_NMI_WINDOW); return EXIT_NONE;
	case REASON_TRIPLE_FAULT: return EXIT_SHUTDOWN;
	case REASON_CPUID: return EXIT_CPUID;
	case REASON_HLT: return EXIT_HLT;
	case REASON_VMCALL: return EXIT_HYPERCALL;
	case REASON_PAUSE: return EXIT_PAUSE;
	case REASON_IO: exit_io(v, q); return EXIT_IO;
	case REASON_RDMSR:
	case REASON_WRMSR:
		v->exit.msr.index = (u32)v->regs.gpr[GPR_RCX];
		return reason == REASON_RDMSR ? EXIT_MSR_READ : EXIT_MSR_WRITE;
	case REASON_EPT_VIOLATION: exit_ept_violation(v, q); return EXIT_NPF;
	case REASON_ENTRY_INVALID: return EXIT_INVALID_STATE;
	case REASON_CR_ACCESS: exit_cr(v, q); return EXIT_NONE;
	case REASON_INVD:
		/* INVD would drop the host's dirty cache lines: done as a WBINVD that the
		 * coherent caches make unnecessary, i.e. nothing (as svm/exit.c) */
		skip_insn(v);
		return EXIT_NONE;
	case REASON_GETSEC:
	case REASON_XSETBV:
	case REASON_INVEPT:
	case REASON_INVVPID:
	case REASON_VMFUNC:
		raise(v, 6, false); /* #UD: the guest's CPUID shows no SMX, XSAVE or VMX */
		return EXIT_NONE;
	default:
		if (reason >= REASON_VMCLEAR && reason <= REASON_VMXON) {
			raise(v, 6, false);
			return EXIT_NONE;
		}
		return EXIT_UNHANDLED;
	}
}

void vmx_decode_exit(struct vcpu *v, u32 reason)
{
	u64 q = vmcs_read(VMCS_EXIT_QUALIFICATION);

	requeue_interrupted_event();
	v->exit = (struct vm_exit){ .kind = EXIT_UNHANDLED };
	v->exit.raw.code = reason;
	v->exit.raw.info1 = q;
	v->exit.kind = decode(v, reason & 0xffff, q);
	switch (v->exit.kind) { /* (the length is defined for instruction exits only) */
	case EXIT_CPUID:
	case EXIT_HLT:
	case EXIT_HYPERCALL:
	case EXIT_PAUSE:
	case EXIT_IO:
	case EXIT_MSR_READ:
	case EXIT_MSR_WRITE: v->exit.insn_len = (u32)vmcs_read(VMCS_EXIT_INSN_LEN); break;
	default: break;
	}
	v->exits[v->exit.kind]++;
}
