/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MMIO instruction emulator. On a nested page fault on an emulated device
 * page the monitor fills a struct emu_vcpu with the guest's registers and
 * calls emulate_mmio() with the faulting guest-physical address: the
 * instruction is fetched (callback), decoded (vmm/emu/decode.c) and executed, the
 * device operand going through mmio_read/mmio_write and, for MOVS/STOS, the
 * RAM side through mem_read/mem_write after translating its guest-virtual
 * address (callback, normally vmm/emu/gwalk.c). Registers are updated with x86
 * partial-register rules, RFLAGS exactly for the ALU ops, and RIP advanced.
 * Guest faults come back as an exception to inject, never as a monitor error.
 * Pure code: it builds into the monitor and into host unit tests.
 * doc/mmio-emulation.md describes the contract, REP handling and flags.
 */
#ifndef UNUM_VMM_EMU_EMULATE_H
#define UNUM_VMM_EMU_EMULATE_H

#include "vmm/emu/decode.h"

/* emulate_mmio()/emulate_insn() results besides negative errors. */
#define EMU_DONE      0 /* executed; RIP advanced */
#define EMU_REPEAT    1 /* REP string op paused: RIP unchanged, re-enter the guest */
#define EMU_EXCEPTION 2 /* inject emu_mmio.exc; registers and RIP unchanged */

/* RFLAGS bits (SDM vol. 1 3.4.3). */
#define EMU_RFLAGS_CF (1ULL << 0)
#define EMU_RFLAGS_PF (1ULL << 2)
#define EMU_RFLAGS_AF (1ULL << 4)
#define EMU_RFLAGS_ZF (1ULL << 6)
#define EMU_RFLAGS_SF (1ULL << 7)
#define EMU_RFLAGS_DF (1ULL << 10)
#define EMU_RFLAGS_OF (1ULL << 11)
#define EMU_RFLAGS_ARITH                                                                 \
	(EMU_RFLAGS_CF | EMU_RFLAGS_PF | EMU_RFLAGS_AF | EMU_RFLAGS_ZF | EMU_RFLAGS_SF | \
	 EMU_RFLAGS_OF)

/* Exception vectors the emulator can raise (SDM vol. 3A table 6-1). */
#define EMU_VEC_UD 6
#define EMU_VEC_SS 12
#define EMU_VEC_GP 13
#define EMU_VEC_PF 14

/* Access flags passed to translate(): the #PF error-code positions, as gwalk.h's. */
#define EMU_ACC_WRITE (1u << 1)
#define EMU_ACC_USER  (1u << 2)
#define EMU_ACC_FETCH (1u << 4)

struct emu_regs {
	u64 gpr[DECODE_NGPR]; /* enum decode_gpr order: RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 */
	u64 rip;
	u64 rflags;
};

struct emu_vcpu {
	struct emu_regs regs;
	u64 seg_base[DECODE_SEG_COUNT]; /* only FS and GS are used in long mode */
	u8 mode;			/* enum decode_mode of the current code segment */
	u8 cpl;				/* 3 makes translations user accesses */
	bool la57;			/* 57-bit canonical addresses (CR4.LA57) */
};

struct emu_exception {
	u8 vector;
	bool has_error_code;
	u32 error_code;
	u64 cr2; /* #PF: the linear address */
};

struct emu_ops {
	/* Copies up to len bytes of code at linear address la into buf, stopping
	 * early only where the next page cannot be read. Bytes copied, or -errno. */
	int (*fetch)(void *opaque, gva_t la, u8 *buf, unsigned len);
	/* Guest-virtual to guest-physical for an access (EMU_ACC_*): 0, or
	 * EMU_EXCEPTION with *exc filled (a #PF), or -errno. */
	int (*translate)(void *opaque, gva_t la, u32 access, gpa_t *gpa, struct emu_exception *exc);
	/* The device: size is 1, 2, 4 or 8; values are zero-extended. 0 or -errno. */
	int (*mmio_read)(void *opaque, gpa_t gpa, unsigned size, u64 *val);
	int (*mmio_write)(void *opaque, gpa_t gpa, unsigned size, u64 val);
	/* Guest RAM, for the non-device side of MOVS/STOS. 0 or -errno. */
	int (*mem_read)(void *opaque, gpa_t gpa, unsigned size, u64 *val);
	int (*mem_write)(void *opaque, gpa_t gpa, unsigned size, u64 val);
};

struct emu_mmio {
	/* in */
	gpa_t fault_gpa;    /* address of the faulting access (EXITINFO2 / EPT GPA) */
	unsigned max_iters; /* REP: iterations per call, 0 = as many as allowed */
	/* out */
	u8 fetched[DECODE_MAX_LEN]; /* what fetch() returned, for reports */
	u8 nfetched;
	struct decode_insn insn;  /* emulate_mmio() decodes here; emulate_insn() reads it */
	struct emu_exception exc; /* on EMU_EXCEPTION */
	unsigned iters;		  /* string iterations done by this call */
};

/*
 * Fetches the instruction at the guest's CS:RIP, decodes and executes it.
 * Returns EMU_DONE, EMU_REPEAT or EMU_EXCEPTION (encodings hardware rejects
 * become #UD or #GP(0), an unreadable code page a #PF), or a negative error:
 * DECODE_ERR_UNSUPPORTED for an instruction not emulated (m->fetched holds
 * its bytes), DECODE_ERR_TRUNCATED when the fetch stopped short of the end of
 * the instruction though the next page translates, -E_INVAL when no operand
 * lies in the faulting page (the guest changed its mappings meanwhile), or a
 * callback's error. EMU_REPEAT and EMU_DONE leave the new register state in
 * v->regs for the monitor to copy back; EMU_EXCEPTION leaves v->regs as it was
 * (a fault is only ever taken before the first element a call handles). After
 * a negative error v->regs may hold REP iterations already done; the guest is
 * not expected to continue.
 */
int emulate_mmio(struct emu_vcpu *v, const struct emu_ops *ops, void *opaque, struct emu_mmio *m);

/* The same for an instruction already decoded into m->insn (no fetch). */
int emulate_insn(struct emu_vcpu *v, const struct emu_ops *ops, void *opaque, struct emu_mmio *m);

/* Register access with x86 partial-register rules: a 32-bit write zero-extends
 * to 64 bits, 8- and 16-bit writes keep the rest; high8 names AH, CH, DH, BH. */
u64 emu_read_reg(const struct emu_regs *r, unsigned reg, unsigned size, bool high8);
void emu_write_reg(struct emu_regs *r, unsigned reg, unsigned size, bool high8, u64 val);

#endif
