// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMX vCPUs: the VMCS, entry and exit, event injection, the guest's system state
 * (Intel SDM vol. 3C chapters 24-28; the exits are decoded in exit.c).
 *
 * A vCPU runs on one physical CPU only (its vCPU thread's), where its VMCS is made
 * current at its first entry; until then (vm_create and the loader run on the boot
 * CPU) a reset fills a copy of the guest state, written into the VMCS at the next
 * entry. The guest's CR0 and CR4 keep the bits VMX operation fixes (NE, VMXE): the
 * guest/host masks cover those bits (and CR0's CD and NW) and the read shadows show
 * the guest its own; a guest write that would change a masked bit exits (exit.c).
 */
#include "vmm/vmx/vmx.h"
#include "vmm/vmx/vmcs.h"
#include "vmm/vmx/ept.h"
#include "vmm/virt/virt.h"
#include "vmm/host/cpu.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/percpu.h"
#include "vmm/host/tsc.h"
#include "vmm/virt/vm.h"
#include "vmm/host/panic.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/x86.h"

#define VMX_MAX_VCPUS 256
#define MSR_IA32_PAT  0x277

/* Access rights: the VMCB's packed form (type S DPL P in 7:0, AVL L DB G in 11:8)
 * widened to VMX's (AVL L DB G in 15:12; bit 16 unusable). */
#define AR_UNUSABLE (1u << 16)

static struct vmx_vcpu vmx_vcpus[VMX_MAX_VCPUS];
static hpa_t current_vmcs[MAX_CPUS];

extern int vmx_enter(struct guest_regs *regs, int launched);
extern char vmx_exit_point[];

u64 vmcs_read(enum vmcs_field f)
{
	u64 val;
	u8 failed;

	__asm__ volatile("vmread %2, %0; setna %1" : "=rm"(val), "=qm"(failed) : "r"((u64)f) : "cc");
	if (failed)
		panic("vmx: VMREAD of field %#x failed", f);
	return val;
}

void vmcs_write(enum vmcs_field f, u64 value)
{
	u8 failed;

	__asm__ volatile("vmwrite %1, %2; setna %0" : "=qm"(failed) : "rm"(value), "r"((u64)f) : "cc");
	if (failed)
		panic("vmx: VMWRITE of %#llx to field %#x failed (VM-instruction error %llu)",
		      (unsigned long long)value, f,
		      (unsigned long long)(f == VMCS_INSN_ERROR ? 0 : vmcs_read(VMCS_INSN_ERROR)));
}

static int vmptrld(hpa_t pa)
{
	u8 failed;

	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(failed) : "m"(pa) : "cc", "memory");
	return failed ? -E_FAULT : 0;
}

static int vmclear(hpa_t pa)
{
	u8 failed;

	__asm__ volatile("vmclear %1; setna %0" : "=qm"(failed) : "m"(pa) : "cc", "memory");
	return failed ? -E_FAULT : 0;
}

/* A control value: the bits wanted, with those the CPU requires, and none it forbids. */
static u32 adjust(u32 msr, u32 want, u32 need, const char *what)
{
	u64 cap = rdmsr(msr);
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);

	if (need & ~may1)
		panic("vmx: the CPU does not allow %s controls %#x", what, need & ~may1);
	return (want | must1) & may1;
}

static u32 true_or(u32 true_msr, u32 msr)
{
	return vmx_caps_of()->true_ctls ? true_msr : msr;
}

static void set_up_vmcs(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_of(v);
	const struct vmx_caps *c = vmx_caps_of();
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdtr, idtr;
	u64 *gdt;
	u32 sec;

	/* Physical interrupts and NMIs exit; the guest's NMI blocking is tracked apart
	 * from the CPU's (virtual NMIs), which an NMI window needs. The VMX-preemption
	 * timer ends every entry after the heartbeat at the latest, even where an
	 * interrupt would not: Bochs 2.7 takes no external-interrupt exit while the
	 * guest keeps RFLAGS.IF clear (it decides what IF masks before it marks the
	 * CPU as in the guest). */
	x->pin = adjust(true_or(MSR_IA32_VMX_TRUE_PINBASED_CTLS, MSR_IA32_VMX_PINBASED_CTLS),
			PIN_EXTINT_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS |
				PIN_PREEMPTION_TIMER,
			PIN_EXTINT_EXITING | PIN_NMI_EXITING, "pin-based");
	vmcs_write(VMCS_PIN_CONTROLS, x->pin);
	if (x->pin & PIN_PREEMPTION_TIMER) {
		/* it counts down at the TSC rate divided by 2^(IA32_VMX_MISC bits 4:0) */
		u64 ticks = (tsc_hz() / (1000000000ULL / VM_HEARTBEAT_NS)) >>
			    (rdmsr(MSR_IA32_VMX_MISC) & 0x1f);

		x->preemption_ticks = ticks > 0xffffffffULL ? 0xffffffffU : ticks ? (u32)ticks : 1;
	}
	/* Every port and HLT exit; MSRs by the bitmap; CR8 is the virtual LAPIC's TPR
	 * (without exits, MOV to CR8 would set the physical one). CR3 accesses exit only
	 * on a CPU that cannot turn that off (no TRUE controls). */
	x->proc = adjust(true_or(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, MSR_IA32_VMX_PROCBASED_CTLS),
			 PROC_TSC_OFFSETTING | PROC_HLT_EXITING | PROC_UNCOND_IO |
				 PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING |
				 PROC_MSR_BITMAPS | PRIMARY_SECONDARY_CONTROLS,
			 PROC_HLT_EXITING | PROC_UNCOND_IO | PROC_CR8_LOAD_EXITING |
				 PROC_CR8_STORE_EXITING | PROC_MSR_BITMAPS |
				 PRIMARY_SECONDARY_CONTROLS,
			 "processor-based");
	vmcs_write(VMCS_PROC_CONTROLS, x->proc);
	vmcs_write(VMCS_MSR_BITMAP, vmx_msr_bitmap);
	/* RDTSCP (and RDPID) and INVPCID would raise #UD without theirs: enabled where the
	 * CPU has them, so the guest can use what its CPUID shows. */
	sec = adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
		     SECONDARY_EPT | SECONDARY_UNRESTRICTED | SECONDARY_RDTSCP | SECONDARY_INVPCID |
			     (c->secondary_may1 & SECONDARY_VPID),
		     SECONDARY_EPT | SECONDARY_UNRESTRICTED, "secondary");
	vmcs_write(VMCS_PROC_CONTROLS2, sec);
	if (sec & SECONDARY_VPID)
		vmcs_write(VMCS_VPID, v->id + 1);
	vmcs_write(VMCS_EXIT_CONTROLS,
		   adjust(true_or(MSR_IA32_VMX_TRUE_EXIT_CTLS, MSR_IA32_VMX_EXIT_CTLS),
			  EXIT_HOST_64 | EXIT_SAVE_DEBUG | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
				  EXIT_SAVE_EFER | EXIT_LOAD_EFER,
			  EXIT_HOST_64 | EXIT_SAVE_DEBUG | EXIT_PAT_EFER, "VM-exit"));
	/* #DB and #AC, whose delivery can raise them again forever (generic exit.c) */
	vmcs_write(VMCS_EXCEPTION_BITMAP, (1u << VEC_DB) | (1u << VEC_AC));
	/* Fields the CPU reads that stay 0 here, written all the same (24.11.3): no #PF
	 * error-code filter, no CR3-target values, no MSRs loaded or stored. */
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_EPT_POINTER, ept_pointer(x->ept->root));
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write(VMCS_CR0_MASK, x->cr0_mask);
	vmcs_write(VMCS_CR4_MASK, x->cr4_fixed);

	/* The host: this CPU's monitor state, as VM exit loads it (27.5). */
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	gdt = (u64 *)(uintptr_t)gdtr.base;
	vmcs_write(VMCS_HOST_CR0, read_cr0());
	vmcs_write(VMCS_HOST_CR3, read_cr3());
	vmcs_write(VMCS_HOST_CR4, read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, 0x08);
	vmcs_write(VMCS_HOST_SS_SEL, 0x10);
	vmcs_write(VMCS_HOST_DS_SEL, 0x10);
	vmcs_write(VMCS_HOST_ES_SEL, 0x10);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, 0x18);
	vmcs_write(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	/* The TSS descriptor (GDT slot 3, 16 bytes): base 15:0 in 31:16, 23:16 in 39:32,
	 * 31:24 in 63:56, 63:32 in the next quadword. */
	vmcs_write(VMCS_HOST_TR_BASE, ((gdt[3] >> 16) & 0xffffff) | ((gdt[3] >> 32) & 0xff000000) |
					      (gdt[4] << 32));
	vmcs_write(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_write(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	vmcs_write(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (u64)(uintptr_t)vmx_exit_point);
	x->set_up = true;
}

static int vmx_vcpu_create(struct vcpu *v, struct nested *space)
{
	struct vmx_vcpu *x;
	hpa_t pa;

	if (v->id >= VMX_MAX_VCPUS)
		return -E_RANGE;
	pa = page_alloc(1, 1);
	if (!pa)
		return -E_NOMEM;
	memset(hpa_to_ptr(pa), 0, PAGE_SIZE);
	*(u32 *)hpa_to_ptr(pa) = vmx_caps_of()->revision;
	x = &vmx_vcpus[v->id];
	*x = (struct vmx_vcpu){ .vmcs = pa, .ept = space, .cpu = -1 };
	/* NE and VMXE, and whatever else this CPU fixes to 1 (PE and PG are free with
	 * unrestricted guest). */
	x->cr0_fixed = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(X86_CR0_PE | X86_CR0_PG);
	x->cr4_fixed = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	x->cr0_mask = x->cr0_fixed | X86_CR0_CD | X86_CR0_NW;
	v->arch = x;
	return 0;
}

static void seg_set(struct seg *s, u16 sel, u64 base, u32 limit, u16 attrib)
{
	*s = (struct seg){ sel, limit, (attrib & 0xffu) | ((u32)(attrib & 0xf00) << 4), base };
}

/* The state after INIT followed by SIPI (SDM vol. 3A table 9-1), as svm.c's. */
static void reset_sipi(struct vcpu *v, u8 vector)
{
	struct reset_state *r = &vmx_of(v)->reset;

	memset(r, 0, sizeof(*r));
	seg_set(&r->seg[1], (u16)(vector << 8), (u64)vector << 12, 0xffff, 0x009b);
	seg_set(&r->seg[3], 0, 0, 0xffff, 0x0093);
	r->seg[0] = r->seg[2] = r->seg[4] = r->seg[5] = r->seg[3];
	seg_set(&r->seg[6], 0, 0, 0xffff, 0x0082);
	seg_set(&r->seg[7], 0, 0, 0xffff, 0x008b);
	r->gdt_limit = r->idt_limit = 0xffff;
	r->cr0 = 0x60000010; /* CD, NW, ET */
	r->pat = 0x0007040600070406ULL;
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rflags = 0x2;
	v->regs.gpr[GPR_RDX] = cpuid(1, 0).eax;
}

static void reset_long64(struct vcpu *v, const struct long_mode_entry *e)
{
	struct reset_state *r = &vmx_of(v)->reset;

	reset_sipi(v, 0);
	seg_set(&r->seg[1], e->cs, 0, 0xffffffff, 0x0a9b);
	seg_set(&r->seg[3], e->ds, 0, 0xffffffff, 0x0c93);
	r->seg[0] = r->seg[2] = r->seg[4] = r->seg[5] = r->seg[3];
	r->seg[6].ar = AR_UNUSABLE;
	r->gdt_base = e->gdt_base;
	r->gdt_limit = e->gdt_limit;
	r->idt_limit = 0;
	r->cr0 = e->cr0;
	r->cr3 = e->cr3;
	r->cr4 = e->cr4;
	r->efer = e->efer;
	v->regs.rip = e->rip;
	v->regs.gpr[GPR_RDX] = 0;
}

static void vmx_vcpu_reset(struct vcpu *v, const struct vcpu_reset *r)
{
	if (r->long64)
		reset_long64(v, &r->entry);
	else
		reset_sipi(v, r->sipi_vector);
	vmx_of(v)->pending = true;
	v->flush_tlb = true; /* (the VPID's translations are the old life's) */
}

static u64 guest_cr(enum vmcs_field reg, enum vmcs_field shadow, enum vmcs_field mask)
{
	u64 m = vmcs_read(mask);

	return (vmcs_read(reg) & ~m) | (vmcs_read(shadow) & m);
}

u64 vmx_guest_cr0(void)
{
	return guest_cr(VMCS_GUEST_CR0, VMCS_CR0_SHADOW, VMCS_CR0_MASK);
}

u64 vmx_guest_cr4(void)
{
	return guest_cr(VMCS_GUEST_CR4, VMCS_CR4_SHADOW, VMCS_CR4_MASK);
}

void vmx_write_cr0(struct vmx_vcpu *x, u64 cr0)
{
	vmcs_write(VMCS_CR0_SHADOW, cr0);
	vmcs_write(VMCS_GUEST_CR0, (cr0 & ~(x->cr0_mask & ~x->cr0_fixed)) | x->cr0_fixed);
}

void vmx_write_cr4(struct vmx_vcpu *x, u64 cr4)
{
	vmcs_write(VMCS_CR4_SHADOW, cr4);
	vmcs_write(VMCS_GUEST_CR4, cr4 | x->cr4_fixed);
}

void vmx_write_efer(u64 efer)
{
	u32 entry = (u32)vmcs_read(VMCS_ENTRY_CONTROLS);

	vmcs_write(VMCS_GUEST_EFER, efer);
	/* IA-32e mode guest follows EFER.LMA (26.2.4) */
	vmcs_write(VMCS_ENTRY_CONTROLS, (efer & EFER_LMA) ? entry | ENTRY_IA32E
							 : entry & ~ENTRY_IA32E);
}

/* The reset state into the VMCS (on the vCPU's own CPU). */
static void load_reset(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_of(v);
	const struct reset_state *r = &x->reset;

	for (int i = 0; i < 8; i++) {
		vmcs_write(VMCS_GUEST_ES_SEL + 2 * i, r->seg[i].sel);
		vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * i, r->seg[i].limit);
		vmcs_write(VMCS_GUEST_ES_AR + 2 * i, r->seg[i].ar);
		vmcs_write(VMCS_GUEST_ES_BASE + 2 * i, r->seg[i].base);
	}
	vmcs_write(VMCS_GUEST_GDTR_BASE, r->gdt_base);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, r->gdt_limit);
	vmcs_write(VMCS_GUEST_IDTR_BASE, r->idt_base);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, r->idt_limit);
	vmcs_write(VMCS_ENTRY_CONTROLS,
		   adjust(true_or(MSR_IA32_VMX_TRUE_ENTRY_CTLS, MSR_IA32_VMX_ENTRY_CTLS),
			  ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER,
			  ENTRY_LOAD_DEBUG | ENTRY_PAT_EFER, "VM-entry"));
	vmx_write_cr0(x, r->cr0);
	vmx_write_cr4(x, r->cr4);
	vmcs_write(VMCS_GUEST_CR3, r->cr3);
	vmx_write_efer(r->efer);
	vmcs_write(VMCS_GUEST_PAT, r->pat);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	x->pending = false;
}

/* The vCPU's VMCS current on this CPU, set up, with any reset state in it: before the
 * first entry, generic code may already ask for an event window or inject (the first
 * pass of vcpu_loop delivers pending interrupts before it enters). */
static void ensure_current(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_of(v);
	u32 cpu = this_cpu_id();

	if (x->cpu != (s32)cpu) {
		BUG_ON(x->cpu >= 0); /* a vCPU stays on its physical CPU */
		if (vmclear(x->vmcs) != 0 || vmptrld(x->vmcs) != 0)
			panic("vmx: vCPU %u: VMCLEAR/VMPTRLD of its VMCS failed", v->id);
		x->cpu = (s32)cpu;
		current_vmcs[cpu] = x->vmcs;
		set_up_vmcs(v);
	}
	if (x->pending)
		load_reset(v);
}

/* The guest-physical and combined translations of this vCPU's EPT dropped (28.3.3.1,
 * 30.3 INVEPT): single-context where the CPU has it, all contexts otherwise. */
static void invept(void)
{
	struct {
		u64 eptp, zero;
	} desc = { vmcs_read(VMCS_EPT_POINTER), 0 };
	u64 type = (vmx_caps_of()->ept_vpid & EPT_CAP_INVEPT_CTX) ? 1 : 2;
	u8 failed;

	__asm__ volatile("invept %1, %2; setna %0"
			 : "=qm"(failed)
			 : "m"(desc), "r"(type)
			 : "cc", "memory");
	if (failed)
		panic("vmx: INVEPT type %llu failed (VM-instruction error %llu)",
		      (unsigned long long)type, (unsigned long long)vmcs_read(VMCS_INSN_ERROR));
}

static void vmx_vcpu_run(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_of(v);
	u32 reason;

	ensure_current(v);
	/* RIP wraps at 4 GiB outside 64-bit mode, where VM entry wants bits 63:32 clear
	 * (26.3.1.4): an instruction skipped at the top of the address space ends at 0. */
	if (!((vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) &&
	      (vmcs_read(VMCS_GUEST_ES_AR + 2) & (1u << 13))))
		v->regs.rip = (u32)v->regs.rip;
	if (x->clear_shadow) { /* (asked for by another core: vmx_set_sys) */
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) &
				   ~(u64)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
		x->clear_shadow = false;
	}
	vmcs_write(VMCS_GUEST_RSP, v->regs.gpr[GPR_RSP]);
	vmcs_write(VMCS_GUEST_RIP, v->regs.rip);
	vmcs_write(VMCS_GUEST_RFLAGS, v->regs.rflags);
	vmcs_write(VMCS_TSC_OFFSET, v->tsc_offset);
	if (x->pin & PIN_PREEMPTION_TIMER)
		vmcs_write(VMCS_GUEST_PREEMPTION_TIMER, x->preemption_ticks);
	x->proc = v->intercept_pause ? x->proc | PROC_PAUSE_EXITING : x->proc & ~PROC_PAUSE_EXITING;
	vmcs_write(VMCS_PROC_CONTROLS, x->proc);
	if (v->flush_tlb) {
		invept();
		v->flush_tlb = false;
	}
	if (vmx_enter(&v->regs, x->launched) != 0) {
		v->exit = (struct vm_exit){ .kind = EXIT_INVALID_STATE };
		v->exit.raw.code = ~0ULL;
		v->exit.raw.info1 = vmcs_read(VMCS_INSN_ERROR);
		v->exits[EXIT_INVALID_STATE]++;
		return;
	}
	reason = (u32)vmcs_read(VMCS_EXIT_REASON);
	if (!(reason & REASON_ENTRY_FAILED))
		x->launched = true; /* (an entry that failed leaves the VMCS clear: 30.3) */
	v->regs.gpr[GPR_RSP] = vmcs_read(VMCS_GUEST_RSP);
	v->regs.rip = vmcs_read(VMCS_GUEST_RIP);
	v->regs.rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	if (reason & REASON_ENTRY_FAILED) {
		v->exit = (struct vm_exit){ .kind = EXIT_INVALID_STATE };
		v->exit.raw.code = reason;
		v->exit.raw.info1 = vmcs_read(VMCS_EXIT_QUALIFICATION);
		v->exits[EXIT_INVALID_STATE]++;
		return;
	}
	vmx_decode_exit(v, reason);
}

static bool vmx_event_window(struct vcpu *v, enum vcpu_event_kind kind)
{
	struct vmx_vcpu *x = vmx_of(v);
	u32 intr;

	ensure_current(v);
	intr = (u32)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	bool open = !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) && !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_VALID);

	if (kind == EVENT_NMI) {
		if (open && !(intr & INTERRUPTIBILITY_NMI))
			return true;
		if (x->pin & PIN_VIRTUAL_NMIS) { /* an exit once the guest's IRET unblocks */
			x->proc |= PROC_NMI_WINDOW;
			vmcs_write(VMCS_PROC_CONTROLS, x->proc);
		}
		return false;
	}
	if (kind != EVENT_IRQ)
		return open;
	if (open && (v->regs.rflags & (1ULL << 9)))
		return true;
	x->proc |= PROC_INTR_WINDOW; /* an exit as soon as the guest can take one */
	vmcs_write(VMCS_PROC_CONTROLS, x->proc);
	return false;
}

static void vmx_inject(struct vcpu *v, const struct vcpu_event *e)
{
	u32 info = INTR_VALID;
	bool error;

	ensure_current(v);
	/* In real mode an exception pushes no error code, and VM entry refuses one
	 * (26.2.1.3): a guest's real-mode fault must not stop the monitor. */
	error = e->kind == EVENT_EXCEPTION && e->has_error &&
		(vmx_guest_cr0() & X86_CR0_PE);
	if (e->kind == EVENT_NMI)
		info |= INTR_TYPE_NMI | 2;
	else if (e->kind == EVENT_IRQ)
		info |= INTR_TYPE_EXTINT | e->vector;
	else
		info |= INTR_TYPE_HW_EXC | e->vector | (error ? INTR_ERROR : 0);
	if (error)
		vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, e->error);
	vmcs_write(VMCS_ENTRY_INTR_INFO, info);
}

static void vmx_get_sys(struct vcpu *v, struct vcpu_sys *sys)
{
	u32 cs_ar;

	ensure_current(v);
	cs_ar = (u32)vmcs_read(VMCS_GUEST_ES_AR + 2);

	/* (the guest reads the register's own bits, and the shadow's where the mask is set) */
	sys->cr0 = vmx_guest_cr0();
	sys->cr2 = read_cr2(); /* (VMX does not switch CR2: the guest's is live) */
	sys->cr3 = vmcs_read(VMCS_GUEST_CR3);
	sys->cr4 = vmx_guest_cr4();
	sys->efer = vmcs_read(VMCS_GUEST_EFER);
	sys->pat = vmcs_read(VMCS_GUEST_PAT);
	for (int i = 0; i < 6; i++)
		sys->seg_base[i] = vmcs_read(VMCS_GUEST_ES_BASE + 2 * i);
	if (!(sys->cr0 & X86_CR0_PE))
		sys->mode = CPU_MODE_REAL;
	else if ((sys->efer & (1ULL << 10)) && (cs_ar & (1u << 13)))
		sys->mode = CPU_MODE_LONG64;
	else
		sys->mode = (cs_ar & (1u << 14)) ? CPU_MODE_PROT32 : CPU_MODE_PROT16;
	sys->cpl = (u8)((vmcs_read(VMCS_GUEST_ES_AR + 4) >> 5) & 3); /* SS.DPL */
	sys->intr_shadow = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & 3;
}

static void vmx_set_sys(struct vcpu *v, const struct vcpu_sys *sys, u32 fields)
{
	struct vmx_vcpu *x = vmx_of(v);

	/* Another core (the boot core completing a port access forwarded to node 0,
	 * vmm/cluster/remote_io.c) may end the interrupt shadow of a vCPU that waits; the
	 * VMCS is its own core's, so that waits for its next entry. */
	if (x->cpu >= 0 && x->cpu != (s32)this_cpu_id()) {
		if (fields != SYS_INTR_SHADOW || sys->intr_shadow)
			panic("vmx: vCPU %u's state (fields %#x) written from CPU %u, not its own",
			      v->id, fields, this_cpu_id());
		x->clear_shadow = true;
		return;
	}
	ensure_current(v);
	if (fields & SYS_CR2)
		__asm__ volatile("mov %0, %%cr2" : : "r"(sys->cr2));
	if (fields & SYS_CR0)
		vmx_write_cr0(x, (sys->cr0 & ~(X86_CR0_PE | X86_CR0_PG)) |
					 (vmx_guest_cr0() & (X86_CR0_PE | X86_CR0_PG)));
	if (fields & SYS_EFER)
		vmx_write_efer((sys->efer & ~EFER_LMA) | (vmcs_read(VMCS_GUEST_EFER) & EFER_LMA));
	if (fields & SYS_PAT)
		vmcs_write(VMCS_GUEST_PAT, sys->pat);
	if (fields & SYS_INTR_SHADOW)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY,
			   (vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & ~3ULL) | (sys->intr_shadow ? 1 : 0));
}

static void vmx_dump(struct vcpu *v)
{
	static const char *const names[8] = { "ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR" };

	kprintf("vCPU %u (VMX): exit reason %#llx qualification %#llx, VM-instruction error %llu\n",
		v->id, (unsigned long long)v->exit.raw.code, (unsigned long long)v->exit.raw.info1,
		(unsigned long long)vmcs_read(VMCS_INSN_ERROR));
	kprintf("  RIP %016llx RSP %016llx RFLAGS %016llx\n", (unsigned long long)v->regs.rip,
		(unsigned long long)v->regs.gpr[GPR_RSP], (unsigned long long)v->regs.rflags);
	kprintf("  CR0 %016llx (guest sees %016llx) CR3 %016llx CR4 %016llx EFER %016llx\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_CR0),
		(unsigned long long)vmx_guest_cr0(),
		(unsigned long long)vmcs_read(VMCS_GUEST_CR3),
		(unsigned long long)vmcs_read(VMCS_GUEST_CR4),
		(unsigned long long)vmcs_read(VMCS_GUEST_EFER));
	for (int i = 0; i < 8; i++)
		kprintf("  %-4s sel %04llx ar %05llx limit %08llx base %016llx\n", names[i],
			(unsigned long long)vmcs_read(VMCS_GUEST_ES_SEL + 2 * i),
			(unsigned long long)vmcs_read(VMCS_GUEST_ES_AR + 2 * i),
			(unsigned long long)vmcs_read(VMCS_GUEST_ES_LIMIT + 2 * i),
			(unsigned long long)vmcs_read(VMCS_GUEST_ES_BASE + 2 * i));
	kprintf("  GDTR limit %08llx base %016llx\n  IDTR limit %08llx base %016llx\n",
		(unsigned long long)vmcs_read(VMCS_GUEST_GDTR_LIMIT),
		(unsigned long long)vmcs_read(VMCS_GUEST_GDTR_BASE),
		(unsigned long long)vmcs_read(VMCS_GUEST_IDTR_LIMIT),
		(unsigned long long)vmcs_read(VMCS_GUEST_IDTR_BASE));
}

const struct virt_ops vmx_ops = {
	.name = "Intel VMX with EPT",
	.cpu_enable = vmx_cpu_enable,
	.nested_format = &ept_format,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_reset = vmx_vcpu_reset,
	.vcpu_run = vmx_vcpu_run,
	.get_sys = vmx_get_sys,
	.set_sys = vmx_set_sys,
	.event_window = vmx_event_window,
	.inject = vmx_inject,
	.dump = vmx_dump,
};
