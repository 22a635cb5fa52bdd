/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 instruction decoder for MMIO exits. When a guest touches an emulated
 * device page (IOAPIC, xAPIC, HPET, virtio) the nested page fault tells the
 * monitor the address but not the access: the monitor fetches the instruction
 * through the guest's page tables, decodes it here and hands the result to
 * vmm/emu/emulate.c. Only the forms a guest uses on device memory are decoded:
 * MOV (88-8B, C6, C7, A0-A3), MOVZX/MOVSX (0F B6/B7/BE/BF), MOVSXD (63), the
 * ALU ops ADD/OR/ADC/SBB/AND/SUB/XOR/CMP (00-3B ModRM forms, 80-83), TEST (84,
 * 85, F6/F7 /0), XCHG (86, 87), BT (0F A3), STOS (AA, AB) and MOVS (A4, A5); and
 * INVLPG (0F 01 /7), whose operand the shadow page tables need (it accesses no
 * memory, so it is never an MMIO access). Everything else is refused with
 * DECODE_ERR_UNSUPPORTED rather than guessed.
 * Pure code: it builds into the monitor and into host unit tests.
 * Encodings: Intel SDM vol. 2, chapter 2 and appendix A; AMD APM vol. 3,
 * chapter 1 and appendix A. doc/mmio-emulation.md has the whole story.
 */
#ifndef UNUM_VMM_EMU_DECODE_H
#define UNUM_VMM_EMU_DECODE_H

#include "vmm/lib/types.h"

/* SDM vol. 2 section 2.3.11: longer instructions raise #GP(0). */
#define DECODE_MAX_LEN 15

/* Failures, each distinct so the monitor can act on it (doc/mmio-emulation.md). */
#define DECODE_ERR_UNSUPPORTED (-E_NOTSUP) /* an instruction this decoder refuses */
#define DECODE_ERR_TOO_LONG    (-E_RANGE)  /* over 15 bytes: #GP(0) on hardware */
#define DECODE_ERR_TRUNCATED   (-E_NOSPC)  /* needs bytes past those supplied */
#define DECODE_ERR_UD	       (-E_INVAL)  /* #UD on hardware (LOCK misuse, 82 in long mode) */

/* Default operand and address size of the code segment, in bytes. Real mode
 * and 16-bit protected mode decode alike; compatibility mode is DECODE_MODE_32. */
enum decode_mode {
	DECODE_MODE_16 = 2,
	DECODE_MODE_32 = 4,
	DECODE_MODE_64 = 8,
};

/* Segment registers, numbered as the Sreg field encodes them (SDM vol. 2 table B-6). */
enum decode_seg {
	DECODE_SEG_ES,
	DECODE_SEG_CS,
	DECODE_SEG_SS,
	DECODE_SEG_DS,
	DECODE_SEG_FS,
	DECODE_SEG_GS,
	DECODE_SEG_COUNT,
	DECODE_SEG_NONE = 0xff,
};

/* General registers in encoding order: RAX RCX RDX RBX RSP RBP RSI RDI R8-R15. */
enum decode_gpr {
	DECODE_RAX,
	DECODE_RCX,
	DECODE_RDX,
	DECODE_RBX,
	DECODE_RSP,
	DECODE_RBP,
	DECODE_RSI,
	DECODE_RDI,
	DECODE_R8,
	DECODE_R9,
	DECODE_R10,
	DECODE_R11,
	DECODE_R12,
	DECODE_R13,
	DECODE_R14,
	DECODE_R15,
	DECODE_NGPR,
};
#define DECODE_NO_REG (-1)

/* Operation classes. ADD..CMP follow the opcode-row and group-1 /reg order. */
enum decode_op {
	DECODE_OP_NONE,
	DECODE_OP_ADD,
	DECODE_OP_OR,
	DECODE_OP_ADC,
	DECODE_OP_SBB,
	DECODE_OP_AND,
	DECODE_OP_SUB,
	DECODE_OP_XOR,
	DECODE_OP_CMP,
	DECODE_OP_TEST,
	DECODE_OP_MOV,
	DECODE_OP_MOVZX,
	DECODE_OP_MOVSX,
	DECODE_OP_MOVSXD,
	DECODE_OP_XCHG,
	DECODE_OP_BT,
	DECODE_OP_STOS,
	DECODE_OP_MOVS,
	DECODE_OP_INVLPG, /* 0F 01 /7 with a memory operand: decoded, never emulated as an access */
};

/* Prefixes seen (any order, repeats allowed as on hardware). */
#define DECODE_PFX_OPSIZE   (1u << 0) /* 0x66 */
#define DECODE_PFX_ADDRSIZE (1u << 1) /* 0x67 */
#define DECODE_PFX_LOCK	    (1u << 2) /* 0xf0 */
#define DECODE_PFX_REPE	    (1u << 3) /* 0xf3, REP/REPE */
#define DECODE_PFX_REPNE    (1u << 4) /* 0xf2 */
#define DECODE_PFX_SEG	    (1u << 5) /* any segment override; see seg_override */

/* REX bits (SDM vol. 2 section 2.2.1). */
#define DECODE_REX_B 0x1
#define DECODE_REX_X 0x2
#define DECODE_REX_R 0x4
#define DECODE_REX_W 0x8

enum decode_opnd_type {
	DECODE_OPND_NONE,
	DECODE_OPND_REG,    /* a general register, see reg/high8 */
	DECODE_OPND_MEM,    /* the ModRM or moffs memory operand, see decode_insn.mem */
	DECODE_OPND_IMM,    /* decode_insn.imm */
	DECODE_OPND_STRING, /* implicit seg:[rSI] (source) or ES:[rDI] (destination) */
};

struct decode_opnd {
	u8 type;    /* enum decode_opnd_type */
	u8 size;    /* bytes: 1, 2, 4 or 8 */
	u8 reg;	    /* DECODE_OPND_REG: enum decode_gpr */
	bool high8; /* AH, CH, DH, BH: bits 15:8 of reg 0-3 (byte operand, no REX) */
};

/* Memory operand: offset = base + index * scale + disp (+ next RIP when
 * rip_rel), truncated to the address size; decode_mem_offset() computes it. */
struct decode_mem {
	s8 base;  /* enum decode_gpr or DECODE_NO_REG */
	s8 index; /* enum decode_gpr or DECODE_NO_REG */
	u8 scale; /* 1, 2, 4 or 8 */
	bool rip_rel;
	u8 seg;	  /* enum decode_seg in effect: the override, else DS or SS */
	s64 disp; /* sign-extended displacement; for moffs the offset itself */
};

struct decode_insn {
	u8 bytes[DECODE_MAX_LEN]; /* the instruction, for reports */
	u8 len;
	u8 mode;	 /* enum decode_mode it was decoded for */
	u8 op;		 /* enum decode_op */
	u8 opcode;	 /* primary opcode byte (the one after 0F for two-byte opcodes) */
	bool escape_0f;	 /* two-byte opcode */
	u8 op_size;	 /* operand size in bytes; the destination's for MOVZX/MOVSX/MOVSXD */
	u8 addr_size;	 /* address size in bytes: 2, 4 or 8 */
	u32 prefixes;	 /* DECODE_PFX_* */
	u8 rep;		 /* last of 0xf3/0xf2 seen, or 0 */
	u8 rex;		 /* REX byte in effect (0x40-0x4f), or 0 */
	u8 seg_override; /* last segment override prefix (enum decode_seg), or DECODE_SEG_NONE */
	bool has_modrm;
	u8 modrm;
	bool has_sib;
	u8 sib;
	u8 disp_size; /* bytes of displacement or moffs encoded */
	u8 imm_size;  /* bytes of immediate encoded */
	u64 imm;      /* immediate, sign-extended and truncated to op_size */
	struct decode_opnd dst, src;
	struct decode_mem mem; /* valid when dst or src is DECODE_OPND_MEM, or src is STRING */
};

/*
 * Decodes the instruction at bytes[0..avail) for a code segment of the given
 * mode into *insn. Returns 0, or DECODE_ERR_TRUNCATED when the instruction
 * runs past avail bytes (avail < 15: a short fetch), DECODE_ERR_TOO_LONG past
 * 15 bytes, DECODE_ERR_UD for an encoding hardware rejects with #UD, or
 * DECODE_ERR_UNSUPPORTED for an opcode outside the list above. An unsupported
 * opcode is reported as soon as it is seen, even in a truncated buffer.
 */
int decode_insn(const u8 *bytes, size_t avail, enum decode_mode mode, struct decode_insn *insn);

/*
 * The memory operand's offset within its segment (the effective address),
 * given the general registers and the instruction's own RIP (RIP-relative
 * operands count from the next instruction). Truncated to the address size.
 */
u64 decode_mem_offset(const struct decode_insn *insn, const u64 gpr[DECODE_NGPR], u64 rip);

/* Mnemonic of an operation class, for reports ("mov", "movzx", ...; "?" if unknown). */
const char *decode_op_name(u8 op);

#endif
