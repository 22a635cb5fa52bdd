/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The narrow interface between the generic monitor and a hardware
 * virtualization back end (AMD SVM in vmm/svm/, Intel VMX in vmm/vmx/). One
 * is chosen at boot from CPUID, so one image runs on AMD and Intel nodes.
 */
#ifndef UNUM_VMM_VIRT_VIRT_H
#define UNUM_VMM_VIRT_VIRT_H

#include "vmm/virt/vcpu.h"
#include "vmm/virt/nested.h"

/* Guest execution mode, for the instruction decoder. */
enum cpu_mode {
	CPU_MODE_REAL,	 /* 16-bit, no paging */
	CPU_MODE_PROT16, /* protected, CS.D = 0 */
	CPU_MODE_PROT32, /* protected or compatibility, CS.D = 1 */
	CPU_MODE_LONG64, /* 64-bit */
};

/* The guest's system state the generic code reads (get_sys) and writes (set_sys). */
struct vcpu_sys {
	u64 cr0, cr2, cr3, cr4;
	u64 efer;	 /* as the guest sees it: without the back end's own bits (SVME) */
	u64 pat;	 /* IA32_PAT */
	u64 seg_base[6]; /* ES, CS, SS, DS, FS, GS: for the decoder's effective addresses */
	enum cpu_mode mode;
	u8 cpl;
	bool intr_shadow; /* a STI or MOV SS interrupt shadow is in effect */
};

/* The fields set_sys() writes; the others it leaves alone. */
#define SYS_CR2		(1u << 0)
#define SYS_EFER	(1u << 1) /* LMA stays the CPU's: it follows CR0.PG with LME */
#define SYS_PAT		(1u << 2)
#define SYS_INTR_SHADOW (1u << 3)
#define SYS_CR0		(1u << 4) /* not PE or PG: paging stays as it is */

/* An event for the guest at its next entry. */
enum vcpu_event_kind { EVENT_EXCEPTION, EVENT_NMI, EVENT_IRQ };
struct vcpu_event {
	enum vcpu_event_kind kind;
	u8 vector;
	bool has_error; /* exceptions: push error */
	u32 error;
};

/* A vCPU's start: as an AP after INIT and a SIPI with sipi_vector (real mode at its page),
 * or, with long64, directly in 64-bit mode (Linux's 64-bit boot protocol). */
struct long_mode_entry {
	u64 rip, cr0, cr3, cr4, efer;
	u64 gdt_base;
	u16 gdt_limit, cs, ds;
};
struct vcpu_reset {
	bool long64;
	u8 sipi_vector;
	struct long_mode_entry entry; /* with long64 */
};

/*
 * A back end's operations. Generic code keeps what it can in struct vcpu and the back end
 * takes it at every entry (vcpu_run): the registers, v->tsc_offset (the guest's TSC is the
 * host's plus it), v->flush_tlb (the nested page tables changed), v->intercept_pause.
 */
struct virt_ops {
	const char *name;
	/* Enables the extension on this CPU; 0 or -E_NOTSUP with the reason printed. */
	int (*cpu_enable)(void);
	/* Its nested page tables' entries (NPT or EPT); the walker is shared
	 * (vmm/virt/nested.c) and the VM owns the tables (vm->space). */
	const struct nested_format *nested_format;
	/* Creates the back-end state of a vCPU running in the given nested space. */
	int (*vcpu_create)(struct vcpu *v, struct nested *space);
	/* Puts the vCPU in the state r describes. */
	void (*vcpu_reset)(struct vcpu *v, const struct vcpu_reset *r);
	/* Runs the guest until an exit generic code must see; fills v->exit. */
	void (*vcpu_run)(struct vcpu *v);
	void (*get_sys)(struct vcpu *v, struct vcpu_sys *sys);
	void (*set_sys)(struct vcpu *v, const struct vcpu_sys *sys, u32 fields);
	/* Can an event of this kind be injected at the next entry (for an IRQ: IF set; no
	 * interrupt shadow; no event already queued)? An IRQ that cannot makes the back end
	 * ask for an exit as soon as one can. */
	bool (*event_window)(struct vcpu *v, enum vcpu_event_kind kind);
	void (*inject)(struct vcpu *v, const struct vcpu_event *e);
	/* Prints the guest's state (for crash reports). */
	void (*dump)(struct vcpu *v);
};

extern const struct virt_ops *virt;
extern const struct virt_ops svm_ops;
extern const struct virt_ops vmx_ops;

/* Picks SVM or VMX from CPUID; returns 0 or -E_NOTSUP having printed why not. */
int virt_select(void);

static inline void virt_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct vcpu_event e = { EVENT_EXCEPTION, vector, has_error, error };

	virt->inject(v, &e);
}

#endif
