/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The narrow interface between the generic monitor and a hardware
 * virtualization back end (AMD SVM in vmm/svm/, Intel VMX in vmm/vmx/). One
 * is chosen at boot from CPUID, so one image runs on AMD and Intel nodes.
 */
#ifndef UNUM_VMM_VIRT_VIRT_H
#define UNUM_VMM_VIRT_VIRT_H

#include "vmm/virt/vcpu.h"

/* Guest execution mode, for the instruction decoder. */
enum cpu_mode {
	CPU_MODE_REAL,	 /* 16-bit, no paging */
	CPU_MODE_PROT16, /* protected, CS.D = 0 */
	CPU_MODE_PROT32, /* protected or compatibility, CS.D = 1 */
	CPU_MODE_LONG64, /* 64-bit */
};

struct guest_paging {
	u64 cr0, cr3, cr4, efer;
	u8 cpl;
};

/* A vCPU's state for entering a 64-bit kernel directly (Linux's 64-bit boot protocol). */
struct long_mode_entry {
	u64 rip, cr0, cr3, cr4, efer;
	u64 gdt_base;
	u16 gdt_limit, cs, ds;
};

struct virt_ops {
	const char *name;
	/* Enables the extension on this CPU; 0 or -E_NOTSUP with the reason printed. */
	int (*cpu_enable)(void);
	/* Nested address space (NPT or EPT): create, map, change rights. */
	void *(*space_create)(void);
	int (*space_map)(void *space, gpa_t gpa, hpa_t hpa, u64 size, u32 prot);
	int (*space_protect)(void *space, gpa_t gpa, u32 prot);
	/* The rights gpa is mapped with now (SPACE_*), or a negative error. */
	int (*space_rights)(void *space, gpa_t gpa);
	/* Creates the back-end state of a vCPU running in the given nested space. */
	int (*vcpu_create)(struct vcpu *v, void *space);
	/* Puts the vCPU in the state an AP has after INIT and a SIPI with this vector. */
	void (*vcpu_reset_sipi)(struct vcpu *v, u8 vector);
	/* Puts the vCPU in 64-bit mode at e->rip with the given control state. */
	void (*vcpu_reset_long64)(struct vcpu *v, const struct long_mode_entry *e);
	/* Runs the guest until an exit generic code must see; fills v->exit. */
	void (*vcpu_run)(struct vcpu *v);
	/* Interrupts: can one be injected at the next entry (IF set, no shadow,
	 * nothing else pending)? If not, ask for an exit as soon as one can. */
	bool (*irq_window_open)(struct vcpu *v);
	void (*inject_irq)(struct vcpu *v, u8 vector);
	void (*inject_nmi)(struct vcpu *v);
	bool (*nmi_window_open)(struct vcpu *v);
	void (*clear_interrupt_shadow)(struct vcpu *v);
	/* The guest's TSC is the host's plus this (to agree across nodes). */
	void (*set_tsc_offset)(struct vcpu *v, u64 offset);
	void (*request_irq_window)(struct vcpu *v);
	/* Sets CR2 (before injecting a #PF). */
	void (*set_cr2)(struct vcpu *v, u64 cr2);
	/* The guest's PAT (IA32_PAT), which the back end keeps in its own state. */
	u64 (*get_pat)(struct vcpu *v);
	void (*set_pat)(struct vcpu *v, u64 pat);
	/* Queues an exception for delivery at the next entry. */
	void (*inject_exception)(struct vcpu *v, u8 vector, bool has_error, u32 error);
	enum cpu_mode (*cpu_mode)(struct vcpu *v);
	void (*get_paging)(struct vcpu *v, struct guest_paging *p);
	u64 (*get_efer)(struct vcpu *v);
	void (*set_efer)(struct vcpu *v, u64 efer);
	/* Segment base, for the decoder's effective addresses (seg: ES=0, CS, SS, DS, FS, GS). */
	u64 (*seg_base)(struct vcpu *v, int seg);
	/* The nested page tables changed: flush the guest TLB at the next entry. */
	void (*flush_tlb)(struct vcpu *v);
	/* Prints the guest's state (for crash reports). */
	void (*dump)(struct vcpu *v);
};

/* Rights in a nested address space. */
#define SPACE_R	  1u
#define SPACE_W	  2u
#define SPACE_X	  4u
#define SPACE_RWX 7u
#define SPACE_4K  (1ULL << 12)
#define SPACE_2M  (1ULL << 21)

extern const struct virt_ops *virt;
extern const struct virt_ops svm_ops;

/* Picks SVM or VMX from CPUID; returns 0 or -E_NOTSUP having printed why not. */
int virt_select(void);

#endif
