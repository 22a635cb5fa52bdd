// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AMD SVM back end (struct virt_ops svm_ops): enabling SVM on a CPU,
 * creating and resetting vCPUs, nested page tables, entering the guest and
 * re-injecting an event whose delivery an exit interrupted. Exit decoding is
 * in vmm/svm/exit.c. Optional features (next-RIP, decode assists, clean
 * bits, flush-by-ASID, pause filter) are not relied on: QEMU's emulation has
 * none of them, and hardware without them must work too.
 */
#include "vmm/svm/svm.h"
#include "vmm/virt/vm.h"
#include "vmm/host/cpu.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/panic.h"
#include "vmm/host/percpu.h"
#include "vmm/svm/npt.h"
#include "vmm/virt/msr.h"
#include "vmm/lib/x86.h"

#define IOPM_PAGES  3
#define MSRPM_PAGES 2

static struct svm_vcpu svm_vcpus[SVM_MAX_VCPUS];
static hpa_t iopm_pa, msrpm_pa;

/* Lets the guest reach an MSR without an exit (vmm/virt/msr.h: msr_passthrough). */
static void msrpm_pass(u8 *pm, u32 msr)
{
	u32 base = msr >= 0xC0010000 ? 0x1000 : msr >= 0xC0000000 ? 0x800 : 0;
	u32 bit = (msr & 0x1fff) * 2;

	pm[base + bit / 8] &= (u8) ~(3u << (bit % 8));
}

static int svm_global_init(void)
{
	iopm_pa = page_alloc(IOPM_PAGES, 1);
	msrpm_pa = page_alloc(MSRPM_PAGES, 1);
	if (!iopm_pa || !msrpm_pa)
		return -E_NOMEM;
	/* Intercept every port and every MSR, then open the few that are safe. */
	memset(hpa_to_ptr(iopm_pa), 0xff, IOPM_PAGES * PAGE_SIZE);
	memset(hpa_to_ptr(msrpm_pa), 0xff, MSRPM_PAGES * PAGE_SIZE);
	for (u32 i = 0; i < msr_passthrough_count; i++)
		msrpm_pass(hpa_to_ptr(msrpm_pa), msr_passthrough[i]);
	return 0;
}

static int svm_cpu_enable(void)
{
	const struct cpu_features *f = &boot_cpu;
	hpa_t hsave, host_area;

	if (!f->svm || !f->npt || f->svm_disabled) {
		pr_err("svm: cannot run guests: %s\n",
		       !f->svm ? "the CPU has no SVM (CPUID 8000_0001h ECX bit 2)"
		       : f->svm_disabled
			       ? "SVM is disabled by the firmware (VM_CR.SVMDIS)"
			       : "the CPU has no nested paging (CPUID 8000_000Ah EDX bit 0)");
		return -E_NOTSUP;
	}
	if (!iopm_pa && svm_global_init() != 0)
		return -E_NOMEM;
	hsave = page_alloc(1, 1);
	host_area = page_alloc(1, 1);
	if (!hsave || !host_area)
		return -E_NOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	this_cpu()->virt_host_area = host_area;
	return 0;
}

static void vmcb_init_control(struct vmcb_control *c, hpa_t n_cr3)
{
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
			     INTERCEPT_CPUID | INTERCEPT_INVD | INTERCEPT_HLT |
			     INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT | INTERCEPT_SHUTDOWN;
	/* VMRUN must be intercepted (APM 15.5.1 consistency checks); the rest hide SVM. */
	c->intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
			     INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI | INTERCEPT_SKINIT |
			     INTERCEPT_XSETBV | INTERCEPT_ICEBP;
	/* #DB and #AC, whose delivery can raise them again forever (generic exit.c); INT1,
	 * whose #DB no intercept sees and EXITINTINFO could not tell from another */
	c->intercept_exceptions = INTERCEPT_EXC(VEC_DB) | INTERCEPT_EXC(VEC_AC);
	c->iopm_base_pa = iopm_pa;
	c->msrpm_base_pa = msrpm_pa;
	c->guest_asid = 1;
	c->tlb_control = TLB_CONTROL_FLUSH_ALL;
	/* The guest's RFLAGS.IF masks only virtual interrupts; physical ones exit. */
	c->vintr = V_INTR_MASKING;
	c->np_enable = 1;
	c->n_cr3 = n_cr3;
}

static int svm_vcpu_create(struct vcpu *v, struct nested *space)
{
	struct svm_vcpu *s;
	hpa_t pa;

	if (v->id >= SVM_MAX_VCPUS)
		return -E_RANGE;
	pa = page_alloc(1, 1);
	if (!pa)
		return -E_NOMEM;
	s = &svm_vcpus[v->id];
	s->vmcb = hpa_to_ptr(pa);
	s->vmcb_pa = pa;
	s->npt = space;
	v->arch = s;
	vmcb_init_control(&s->vmcb->control, s->npt->root);
	return 0;
}

static void seg_set(struct vmcb_seg *s, u16 sel, u64 base, u32 limit, u16 attrib)
{
	*s = (struct vmcb_seg){ .selector = sel, .attrib = attrib, .limit = limit, .base = base };
}

/* The state after INIT followed by SIPI (Intel SDM vol. 3 table 9-1; APM 14.1.3). */
static void reset_sipi(struct vcpu *v, u8 vector)
{
	struct vmcb_save *s = &svm_of(v)->vmcb->save;

	memset(s, 0, sizeof(*s));
	seg_set(&s->cs, (u16)(vector << 8), (u64)vector << 12, 0xffff, 0x009b);
	seg_set(&s->ds, 0, 0, 0xffff, 0x0093);
	s->es = s->ss = s->fs = s->gs = s->ds;
	seg_set(&s->gdtr, 0, 0, 0xffff, 0);
	seg_set(&s->idtr, 0, 0, 0xffff, 0);
	seg_set(&s->ldtr, 0, 0, 0xffff, 0x0082);
	seg_set(&s->tr, 0, 0, 0xffff, 0x008b);
	s->cr0 = 0x60000010; /* CD, NW, ET */
	s->efer = EFER_SVME; /* required by VMRUN; hidden from the guest by the MSR policy */
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ULL;
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rflags = 0x2;
	v->regs.gpr[GPR_RDX] = cpuid(1, 0).eax; /* family/model/stepping, as after RESET */
	svm_of(v)->vmcb->control.eventinj = 0;
	svm_of(v)->vmcb->control.tlb_control = TLB_CONTROL_FLUSH_ALL;
}

/* Flat 64-bit code and data segments; attributes in VMCB form (type S DPL P | AVL L DB G). */
static void reset_long64(struct vcpu *v, const struct long_mode_entry *e)
{
	struct vmcb_save *s = &svm_of(v)->vmcb->save;

	reset_sipi(v, 0);
	seg_set(&s->cs, e->cs, 0, 0xffffffff, 0x0a9b);
	seg_set(&s->ds, e->ds, 0, 0xffffffff, 0x0c93);
	s->es = s->ss = s->fs = s->gs = s->ds;
	seg_set(&s->gdtr, 0, e->gdt_base, e->gdt_limit, 0);
	seg_set(&s->idtr, 0, 0, 0, 0);
	s->cr0 = e->cr0;
	s->cr3 = e->cr3;
	s->cr4 = e->cr4;
	s->efer = e->efer | EFER_SVME;
	v->regs.rip = e->rip;
	v->regs.gpr[GPR_RDX] = 0;
}

/* What shadow page tables intercept (vmm/virt/shadow_vm.h). */
#define SHADOW_INTERCEPTS (INTERCEPT_CR_READ(3) | INTERCEPT_CR_WRITE(3) | INTERCEPT_CR_WRITE(0))

static void svm_vcpu_reset(struct vcpu *v, const struct vcpu_reset *r)
{
	struct vmcb_control *c = &svm_of(v)->vmcb->control;

	/* Off shadows: the new state's CR3 is the guest's (the next entry decides). */
	v->shadow_cr3 = 0;
	v->guest_cr3 = 0;
	c->intercept_cr &= ~(SHADOW_INTERCEPTS | INTERCEPT_CR_WRITE(4));
	c->intercept_misc1 &= ~INTERCEPT_INVLPG;
	c->intercept_exceptions &= ~INTERCEPT_EXC(VEC_PF);
	if (r->long64)
		reset_long64(v, &r->entry);
	else
		reset_sipi(v, r->sipi_vector);
}

/* An event the exit interrupted is delivered again at the next entry (APM 15.7.2).
 * Not one an instruction raised itself (INT n, and #BP/#OF from INT3/INTO, which
 * EXITINTINFO reports as exceptions): RIP still points at that instruction and,
 * without next-RIP, re-injecting would leave it there; it simply runs again. */
static void requeue_interrupted_event(struct vmcb_control *c)
{
	u64 info = c->exitintinfo;
	u64 type = (info >> EVENT_TYPE_SHIFT) & 7, vector = info & EVENT_VECTOR_MASK;

	if (!(info & EVENT_VALID) || type == EVENT_TYPE_SOFT_INT)
		return;
	if (type == EVENT_TYPE_EXCEPTION && (vector == 3 || vector == 4))
		return;
	c->eventinj = info;
}

/* The CPU walks the shadow page tables (v->shadow_cr3) or the guest's own: the VMCB's
 * CR3, and the intercepts that keep the guest from seeing or changing it. */
static void svm_shadow_state(struct vcpu *v, struct vmcb *vmcb)
{
	struct vmcb_control *c = &vmcb->control;
	bool was = c->intercept_cr & INTERCEPT_CR_READ(3);

	if (v->shadow_cr3) {
		if (vmcb->save.cr3 != v->shadow_cr3)
			v->flush_tlb = true;
		vmcb->save.cr3 = v->shadow_cr3;
		c->intercept_cr |= SHADOW_INTERCEPTS;
		if (v->intercept_flushes) {
			c->intercept_misc1 |= INTERCEPT_INVLPG;
			c->intercept_cr |= INTERCEPT_CR_WRITE(4);
		} else {
			c->intercept_misc1 &= ~INTERCEPT_INVLPG;
			c->intercept_cr &= ~INTERCEPT_CR_WRITE(4);
		}
		c->intercept_exceptions |= INTERCEPT_EXC(VEC_PF);
	} else if (was) {
		vmcb->save.cr3 = v->guest_cr3;
		c->intercept_cr &= ~(SHADOW_INTERCEPTS | INTERCEPT_CR_WRITE(4));
		c->intercept_misc1 &= ~INTERCEPT_INVLPG;
		c->intercept_exceptions &= ~INTERCEPT_EXC(VEC_PF);
		v->flush_tlb = true;
	}
}

static void svm_vcpu_run(struct vcpu *v)
{
	struct svm_vcpu *s = svm_of(v);
	struct vmcb *vmcb = s->vmcb;

	vmcb->save.rax = v->regs.gpr[GPR_RAX];
	vmcb->save.rsp = v->regs.gpr[GPR_RSP];
	vmcb->save.rip = v->regs.rip;
	vmcb->save.rflags = v->regs.rflags;
	if (v->intercept_pause)
		vmcb->control.intercept_misc1 |= INTERCEPT_PAUSE;
	else
		vmcb->control.intercept_misc1 &= ~INTERCEPT_PAUSE;
	vmcb->control.tsc_offset = v->tsc_offset;
	svm_shadow_state(v, vmcb);
	if (v->flush_tlb) {
		vmcb->control.tlb_control = TLB_CONTROL_FLUSH_ALL;
		v->flush_tlb = false;
	}
	svm_vmrun(s->vmcb_pa, this_cpu()->virt_host_area, &v->regs);
	v->regs.gpr[GPR_RAX] = vmcb->save.rax;
	v->regs.gpr[GPR_RSP] = vmcb->save.rsp;
	v->regs.rip = vmcb->save.rip;
	v->regs.rflags = vmcb->save.rflags;
	vmcb->control.tlb_control = 0;
	vmcb->control.eventinj = 0;
	requeue_interrupted_event(&vmcb->control);
	svm_decode_exit(v, vmcb);
}

/* Is an event already queued, or the interrupt shadow on? Then nothing more can go in.
 * An NMI is not held off by RFLAGS.IF, only by those (NMI blocking during the guest's
 * handler is not tracked yet: a second NMI may nest). */
static bool svm_event_window(struct vcpu *v, enum vcpu_event_kind kind)
{
	struct vmcb_control *c = &svm_of(v)->vmcb->control;
	bool open = !(c->interrupt_shadow & 1) && !(c->eventinj & EVENT_VALID);

	if (kind != EVENT_IRQ)
		return open;
	if (open && (v->regs.rflags & (1ULL << 9)))
		return true;
	/* A virtual interrupt request the CPU takes as soon as the guest can accept one;
	 * the VINTR intercept turns that moment into an exit (APM 15.21.4), and the real
	 * vector is then injected through EVENTINJ. */
	c->vintr |= V_IRQ | V_IGN_TPR;
	c->intercept_misc1 |= INTERCEPT_VINTR;
	return false;
}

static void svm_inject(struct vcpu *v, const struct vcpu_event *e)
{
	static const u64 type[] = { [EVENT_EXCEPTION] = EVENT_TYPE_EXCEPTION,
				    [EVENT_NMI] = EVENT_TYPE_NMI,
				    [EVENT_IRQ] = EVENT_TYPE_INTR };
	u64 ev = (e->kind == EVENT_NMI ? 2 : e->vector) | type[e->kind] << EVENT_TYPE_SHIFT |
		 EVENT_VALID;

	if (e->kind == EVENT_EXCEPTION && e->has_error)
		ev |= EVENT_ERROR_VALID | ((u64)e->error << 32);
	svm_of(v)->vmcb->control.eventinj = ev;
}

static void svm_get_sys(struct vcpu *v, struct vcpu_sys *sys)
{
	const struct vmcb *vmcb = svm_of(v)->vmcb;
	const struct vmcb_save *s = &vmcb->save;
	const struct vmcb_seg *segs[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs };

	sys->cr0 = s->cr0;
	sys->cr2 = s->cr2;
	/* (with shadows, or just leaving them: the guest's own) */
	sys->cr3 = v->shadow_cr3 || (vmcb->control.intercept_cr & INTERCEPT_CR_READ(3))
			   ? v->guest_cr3
			   : s->cr3;
	sys->cr4 = s->cr4;
	sys->efer = s->efer & ~EFER_SVME;
	sys->pat = s->g_pat;
	for (int i = 0; i < 6; i++)
		sys->seg_base[i] = segs[i]->base;
	if (!(s->cr0 & 1))
		sys->mode = CPU_MODE_REAL;
	else if ((s->efer & (1ULL << 10)) && (s->cs.attrib & (1u << 9))) /* EFER.LMA, CS.L */
		sys->mode = CPU_MODE_LONG64;
	else
		sys->mode = (s->cs.attrib & (1u << 10)) ? CPU_MODE_PROT32 : CPU_MODE_PROT16;
	sys->cpl = s->cpl;
	sys->intr_shadow = vmcb->control.interrupt_shadow & 1;
}

static void svm_set_sys(struct vcpu *v, const struct vcpu_sys *sys, u32 fields)
{
	struct vmcb *vmcb = svm_of(v)->vmcb;

	if (fields & SYS_CR2)
		vmcb->save.cr2 = sys->cr2;
	if (fields & SYS_CR0)
		vmcb->save.cr0 = (sys->cr0 & ~(X86_CR0_PE | X86_CR0_PG)) |
				 (vmcb->save.cr0 & (X86_CR0_PE | X86_CR0_PG));
	/* LMA is the CPU's to set when paging turns on with LME; keep it as it is. */
	if (fields & SYS_EFER)
		vmcb->save.efer =
			(sys->efer & ~(1ULL << 10)) | (vmcb->save.efer & (1ULL << 10)) | EFER_SVME;
	if (fields & SYS_PAT)
		vmcb->save.g_pat = sys->pat;
	if (fields & SYS_INTR_SHADOW)
		vmcb->control.interrupt_shadow =
			(vmcb->control.interrupt_shadow & ~1ULL) | sys->intr_shadow;
}

const struct virt_ops svm_ops = {
	.name = "AMD SVM with nested paging",
	.cpu_enable = svm_cpu_enable,
	.nested_format = &npt_format,
	.vcpu_create = svm_vcpu_create,
	.vcpu_reset = svm_vcpu_reset,
	.vcpu_run = svm_vcpu_run,
	.get_sys = svm_get_sys,
	.set_sys = svm_set_sys,
	.event_window = svm_event_window,
	.inject = svm_inject,
	.dump = svm_dump,
};
