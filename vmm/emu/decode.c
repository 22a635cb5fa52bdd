// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMIO instruction decoder (see vmm/emu/decode.h): prefixes, then the opcode,
 * which picks one of a few operand forms, then ModRM/SIB/displacement and the
 * immediate. Each step reads through a cursor that enforces both the bytes
 * actually fetched and the architectural 15-byte limit, so a short fetch and
 * an over-long instruction fail distinctly. Opcode map: Intel SDM vol. 2
 * appendix A (tables ), AMD APM vol. 3 appendix A.
 */
#include "vmm/emu/decode.h"
#include "vmm/lib/klib.h"

/* Where an opcode's operands come from, in the SDM's appendix A.2 notation. */
enum decode_form {
	FORM_EG,	  /* Eb,Gb / Ev,Gv: r/m destination, register source */
	FORM_GE,	  /* Gb,Eb / Gv,Ev: register destination, r/m source */
	FORM_EI,	  /* Eb,Ib / Ev,Iz / Ev,Ib: r/m destination, immediate */
	FORM_GE_EXT,	  /* Gv,Eb / Gv,Ew / Gv,Ed: widening load */
	FORM_MOFFS_LOAD,  /* AL/rAX, Ob/Ov */
	FORM_MOFFS_STORE, /* Ob/Ov, AL/rAX */
	FORM_STRING,	  /* Yb/Yv and Xb/Xv: implicit rSI/rDI */
	FORM_M_INVLPG,	  /* 0F 01 /7, a memory operand only (the other /n are not decoded) */
};

enum decode_imm { IMM_NONE, IMM_B, IMM_Z };

struct decode_spec {
	u8 op;	     /* enum decode_op, or DECODE_OP_NONE until ModRM.reg picks it */
	u8 form;     /* enum decode_form */
	u8 imm;	     /* enum decode_imm */
	u8 src_size; /* FORM_GE_EXT: size of the r/m source */
	bool byte;   /* byte operands (the low opcode bit clear, for these opcodes) */
};

struct decode_cursor {
	const u8 *bytes;
	size_t avail;
	size_t pos;
};

static u64 decode_size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static int decode_fetch(struct decode_cursor *c, u8 *b)
{
	/* The limit is checked first: 15 bytes fetched but a 16th needed is
	 * over-long, never truncated. */
	if (c->pos >= DECODE_MAX_LEN)
		return DECODE_ERR_TOO_LONG;
	if (c->pos >= c->avail)
		return DECODE_ERR_TRUNCATED;
	*b = c->bytes[c->pos++];
	return 0;
}

/* Reads an n-byte little-endian field, sign-extended to 64 bits when asked. */
static int decode_fetch_le(struct decode_cursor *c, unsigned n, bool sign, u64 *val)
{
	u64 v = 0;
	u8 b;

	for (unsigned i = 0; i < n; i++) {
		int err = decode_fetch(c, &b);
		if (err)
			return err;
		v |= (u64)b << (8 * i);
	}
	if (sign && n && n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~decode_size_mask(n);
	*val = v;
	return 0;
}

/*
 * Legacy prefixes in any order, then in long mode an optional REX, which only
 * counts when the opcode follows it directly (SDM vol. 2 section 2.2.1): a
 * legacy prefix after a REX cancels it. Leaves the first opcode byte in *opc.
 */
static int decode_prefixes(struct decode_cursor *c, struct decode_insn *in, u8 *opc)
{
	for (;;) {
		u8 b;
		int err = decode_fetch(c, &b);

		if (err)
			return err;
		if (in->mode == DECODE_MODE_64 && (b & 0xf0) == 0x40) {
			in->rex = b;
			continue;
		}
		switch (b) {
		case 0x66: in->prefixes |= DECODE_PFX_OPSIZE; break;
		case 0x67: in->prefixes |= DECODE_PFX_ADDRSIZE; break;
		case 0xf0: in->prefixes |= DECODE_PFX_LOCK; break;
		case 0xf2:
		case 0xf3:
			in->prefixes |= b == 0xf3 ? DECODE_PFX_REPE : DECODE_PFX_REPNE;
			in->rep = b;
			break;
		case 0x26: /* ES */
		case 0x2e: /* CS */
		case 0x36: /* SS */
		case 0x3e: /* DS */
			in->prefixes |= DECODE_PFX_SEG;
			in->seg_override = (b >> 3) & 3;
			break;
		case 0x64:
		case 0x65:
			in->prefixes |= DECODE_PFX_SEG;
			in->seg_override = b == 0x64 ? DECODE_SEG_FS : DECODE_SEG_GS;
			break;
		default: *opc = b; return 0;
		}
		in->rex = 0;
	}
}

/* Two-byte opcodes 0F xx: only the widening loads, BT and INVLPG (SDM table A-3). */
static int decode_spec_0f(u8 opc, struct decode_spec *s)
{
	switch (opc) {
	case 0x01: /* group 7: only /7 with a memory operand, INVLPG (SDM table A-6) */
		s->op = DECODE_OP_INVLPG;
		s->form = FORM_M_INVLPG;
		s->byte = true;
		return 0;
	case 0xb6: /* MOVZX Gv,Eb */
	case 0xb7: /* MOVZX Gv,Ew */
	case 0xbe: /* MOVSX Gv,Eb */
	case 0xbf: /* MOVSX Gv,Ew */
		s->op = opc < 0xb8 ? DECODE_OP_MOVZX : DECODE_OP_MOVSX;
		s->form = FORM_GE_EXT;
		s->src_size = (opc & 1) ? 2 : 1;
		return 0;
	case 0xa3: /* BT Ev,Gv */
		s->op = DECODE_OP_BT;
		s->form = FORM_EG;
		return 0;
	}
	return DECODE_ERR_UNSUPPORTED;
}

/* One-byte opcodes (SDM table A-2). For all of them bit 0 clear means bytes. */
static int decode_spec_onebyte(const struct decode_insn *in, u8 opc, struct decode_spec *s)
{
	s->byte = !(opc & 1);
	/* Rows 00-38, columns 0-3: ADD OR ADC SBB AND SUB XOR CMP with ModRM. */
	if (opc < 0x40 && (opc & 7) < 4) {
		s->op = DECODE_OP_ADD + (opc >> 3);
		s->form = (opc & 2) ? FORM_GE : FORM_EG;
		return 0;
	}
	switch (opc) {
	case 0x63: /* MOVSXD Gv,Ed in long mode; ARPL elsewhere */
		if (in->mode != DECODE_MODE_64)
			return DECODE_ERR_UNSUPPORTED;
		s->op = DECODE_OP_MOVSXD;
		s->form = FORM_GE_EXT;
		s->src_size = 4;
		s->byte = false;
		return 0;
	case 0x82: /* alias of 80, invalid in long mode */
		if (in->mode == DECODE_MODE_64)
			return DECODE_ERR_UD;
		/* fall through */
	case 0x80:
	case 0x81:
	case 0x83: /* group 1: the op is ModRM.reg */
		s->form = FORM_EI;
		s->imm = opc == 0x81 ? IMM_Z : IMM_B;
		return 0;
	case 0x84:
	case 0x85:
		s->op = DECODE_OP_TEST;
		s->form = FORM_EG;
		return 0;
	case 0x86:
	case 0x87:
		s->op = DECODE_OP_XCHG;
		s->form = FORM_EG;
		return 0;
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
		s->op = DECODE_OP_MOV;
		s->form = (opc & 2) ? FORM_GE : FORM_EG;
		return 0;
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		s->op = DECODE_OP_MOV;
		s->form = (opc & 2) ? FORM_MOFFS_STORE : FORM_MOFFS_LOAD;
		return 0;
	case 0xa4:
	case 0xa5:
	case 0xaa:
	case 0xab:
		s->op = opc < 0xa8 ? DECODE_OP_MOVS : DECODE_OP_STOS;
		s->form = FORM_STRING;
		return 0;
	case 0xc6: /* group 11: MOV Eb,Ib / Ev,Iz */
	case 0xc7:
	case 0xf6: /* group 3: only TEST Eb,Ib / Ev,Iz */
	case 0xf7:
		s->form = FORM_EI;
		s->imm = s->byte ? IMM_B : IMM_Z;
		return 0;
	}
	return DECODE_ERR_UNSUPPORTED;
}

/* Groups 1, 3 and 11 pick the operation with ModRM.reg (SDM table A-6). */
static int decode_group_op(u8 opc, u8 reg, struct decode_spec *s)
{
	if (s->op != DECODE_OP_NONE)
		return 0;
	if (opc >= 0x80 && opc <= 0x83) {
		s->op = DECODE_OP_ADD + reg;
		return 0;
	}
	/* C6/C7 /7 are XABORT/XBEGIN; F6/F7 /2-/7 are NOT NEG MUL IMUL DIV IDIV:
	 * none of them belongs on device memory. */
	if (reg != 0)
		return DECODE_ERR_UNSUPPORTED;
	s->op = (opc & 0xfe) == 0xc6 ? DECODE_OP_MOV : DECODE_OP_TEST;
	return 0;
}

/* Operand and address size from the mode, 66, 67 and REX.W (SDM vol. 1 3.6, 3.6.1). */
static void decode_sizes(struct decode_insn *in, bool byte)
{
	bool o = in->prefixes & DECODE_PFX_OPSIZE, a = in->prefixes & DECODE_PFX_ADDRSIZE;

	switch (in->mode) {
	case DECODE_MODE_64:
		in->op_size = (in->rex & DECODE_REX_W) ? 8 : o ? 2 : 4;
		in->addr_size = a ? 4 : 8;
		break;
	case DECODE_MODE_32:
		in->op_size = o ? 2 : 4;
		in->addr_size = a ? 2 : 4;
		break;
	default:
		in->op_size = o ? 4 : 2;
		in->addr_size = a ? 4 : 2;
		break;
	}
	if (byte)
		in->op_size = 1;
}

/* Register numbers 4-7 of a byte operand are AH CH DH BH unless a REX is present. */
static void decode_set_reg(const struct decode_insn *in, struct decode_opnd *o, u8 size, u8 num)
{
	o->type = DECODE_OPND_REG;
	o->size = size;
	o->reg = num;
	o->high8 = false;
	if (size == 1 && !in->rex && num >= 4 && num < 8) {
		o->reg = num - 4;
		o->high8 = true;
	}
}

/* 16-bit ModRM addressing (SDM vol. 2 table 2-1). BP-based forms default to SS. */
static void decode_mem16(struct decode_insn *in, u8 mod, u8 rm)
{
	static const s8 base[8] = { DECODE_RBX, DECODE_RBX, DECODE_RBP, DECODE_RBP,
				    DECODE_RSI, DECODE_RDI, DECODE_RBP, DECODE_RBX };
	static const s8 index[8] = { DECODE_RSI,    DECODE_RDI,	   DECODE_RSI,	  DECODE_RDI,
				     DECODE_NO_REG, DECODE_NO_REG, DECODE_NO_REG, DECODE_NO_REG };

	in->disp_size = mod == 1 ? 1 : mod == 2 ? 2 : 0;
	if (mod == 0 && rm == 6) {
		in->disp_size = 2; /* [disp16], no base */
		return;
	}
	in->mem.base = base[rm];
	in->mem.index = index[rm];
	if (in->mem.base == DECODE_RBP)
		in->mem.seg = DECODE_SEG_SS;
}

/*
 * 32/64-bit ModRM and SIB addressing (SDM vol. 2 tables 2-2, 2-3; section
 * 2.2.1.6 for RIP-relative). The no-base and RIP-relative special cases test
 * the 3-bit fields, so REX.B does not change them (r13 still needs a disp).
 */
static int decode_mem32(struct decode_cursor *c, struct decode_insn *in, u8 mod, u8 rm)
{
	u8 rex_b = (in->rex & DECODE_REX_B) ? 8 : 0;
	int err;

	in->disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	if (rm == 4) {
		u8 idx;

		err = decode_fetch(c, &in->sib);
		if (err)
			return err;
		in->has_sib = true;
		in->mem.scale = 1 << (in->sib >> 6);
		idx = ((in->sib >> 3) & 7) | ((in->rex & DECODE_REX_X) ? 8 : 0);
		if (idx != DECODE_RSP) /* 100b without REX.X means no index */
			in->mem.index = idx;
		if ((in->sib & 7) == 5 && mod == 0)
			in->disp_size = 4;
		else
			in->mem.base = (in->sib & 7) | rex_b;
	} else if (rm == 5 && mod == 0) {
		in->disp_size = 4;
		in->mem.rip_rel = in->mode == DECODE_MODE_64;
	} else {
		in->mem.base = rm | rex_b;
	}
	if (in->mem.base == DECODE_RSP || in->mem.base == DECODE_RBP)
		in->mem.seg = DECODE_SEG_SS;
	return 0;
}

/* ModRM: the reg field into *reg, the r/m operand (register or memory) into *rm. */
static int decode_modrm(struct decode_cursor *c, struct decode_insn *in, u8 rm_size, u8 *reg,
			struct decode_opnd *rm)
{
	u8 mod, rmf;
	u64 disp;
	int err;

	err = decode_fetch(c, &in->modrm);
	if (err)
		return err;
	in->has_modrm = true;
	mod = in->modrm >> 6;
	rmf = in->modrm & 7;
	*reg = ((in->modrm >> 3) & 7) | ((in->rex & DECODE_REX_R) ? 8 : 0);
	if (mod == 3) {
		decode_set_reg(in, rm, rm_size, rmf | ((in->rex & DECODE_REX_B) ? 8 : 0));
		return 0;
	}
	rm->type = DECODE_OPND_MEM;
	rm->size = rm_size;
	if (in->addr_size == 2) {
		decode_mem16(in, mod, rmf);
	} else {
		err = decode_mem32(c, in, mod, rmf);
		if (err)
			return err;
	}
	err = decode_fetch_le(c, in->disp_size, true, &disp);
	in->mem.disp = (s64)disp;
	return err;
}

static int decode_imm(struct decode_cursor *c, struct decode_insn *in, u8 kind)
{
	int err;

	if (kind == IMM_NONE)
		return 0;
	/* Iz is 16 bits with a 16-bit operand, else 32 sign-extended (SDM A.2.2). */
	in->imm_size = kind == IMM_B ? 1 : in->op_size == 2 ? 2 : 4;
	err = decode_fetch_le(c, in->imm_size, true, &in->imm);
	in->imm &= decode_size_mask(in->op_size);
	in->src.type = DECODE_OPND_IMM;
	in->src.size = in->op_size;
	return err;
}

/* The moffs forms carry an unsigned offset as wide as the address size. */
static int decode_moffs(struct decode_cursor *c, struct decode_insn *in, struct decode_opnd *m)
{
	u64 off;
	int err;

	in->disp_size = in->addr_size;
	err = decode_fetch_le(c, in->disp_size, false, &off);
	in->mem.disp = (s64)off;
	m->type = DECODE_OPND_MEM;
	m->size = in->op_size;
	return err;
}

/* Fills dst/src for the form; reads ModRM, displacement and immediate. */
static int decode_operands(struct decode_cursor *c, struct decode_insn *in, u8 opc,
			   struct decode_spec *s)
{
	u8 reg;
	int err;

	switch (s->form) {
	case FORM_MOFFS_LOAD:
	case FORM_MOFFS_STORE:
		decode_set_reg(in, s->form == FORM_MOFFS_LOAD ? &in->dst : &in->src, in->op_size,
			       DECODE_RAX);
		return decode_moffs(c, in, s->form == FORM_MOFFS_LOAD ? &in->src : &in->dst);
	case FORM_STRING:
		in->dst.type = DECODE_OPND_STRING;
		in->dst.size = in->op_size;
		in->src.type = DECODE_OPND_STRING;
		in->src.size = in->op_size;
		if (s->op == DECODE_OP_STOS)
			decode_set_reg(in, &in->src, in->op_size, DECODE_RAX);
		return 0;
	case FORM_GE_EXT:
		/* MOVSXD with a 16/32-bit operand just copies (SDM MOVSX/MOVSXD). */
		err = decode_modrm(c, in, MIN(s->src_size, in->op_size), &reg, &in->src);
		decode_set_reg(in, &in->dst, in->op_size, reg);
		return err;
	case FORM_GE:
		err = decode_modrm(c, in, in->op_size, &reg, &in->src);
		decode_set_reg(in, &in->dst, in->op_size, reg);
		return err;
	case FORM_M_INVLPG:
		err = decode_modrm(c, in, 1, &reg, &in->dst);
		if (!err && (in->dst.type != DECODE_OPND_MEM || (reg & 7) != 7))
			return DECODE_ERR_UNSUPPORTED; /* (SGDT .. SWAPGS, RDTSCP) */
		return err;
	}
	/* FORM_EG and FORM_EI */
	err = decode_modrm(c, in, in->op_size, &reg, &in->dst);
	if (err)
		return err;
	if (s->form == FORM_EG) {
		decode_set_reg(in, &in->src, in->op_size, reg);
		return 0;
	}
	err = decode_group_op(opc, reg & 7, s);
	if (err)
		return err;
	return decode_imm(c, in, s->imm);
}

/* LOCK is legal only on a read-modify-write of memory (SDM vol. 2 "LOCK"). */
static int decode_check_lock(const struct decode_insn *in)
{
	if (!(in->prefixes & DECODE_PFX_LOCK))
		return 0;
	if (in->dst.type != DECODE_OPND_MEM)
		return DECODE_ERR_UD;
	switch (in->op) {
	case DECODE_OP_ADD:
	case DECODE_OP_OR:
	case DECODE_OP_ADC:
	case DECODE_OP_SBB:
	case DECODE_OP_AND:
	case DECODE_OP_SUB:
	case DECODE_OP_XOR:
	case DECODE_OP_XCHG: return 0;
	}
	return DECODE_ERR_UD;
}

int decode_insn(const u8 *bytes, size_t avail, enum decode_mode mode, struct decode_insn *in)
{
	struct decode_cursor c = { bytes, avail, 0 };
	struct decode_spec s = { 0 };
	u8 opc;
	int err;

	memset(in, 0, sizeof(*in));
	in->mode = mode;
	in->seg_override = DECODE_SEG_NONE;
	in->mem.base = in->mem.index = DECODE_NO_REG;
	in->mem.scale = 1;
	in->mem.seg = DECODE_SEG_DS;
	err = decode_prefixes(&c, in, &opc);
	if (!err && opc == 0x0f) {
		in->escape_0f = true;
		err = decode_fetch(&c, &opc);
		if (!err)
			err = decode_spec_0f(opc, &s);
	} else if (!err) {
		err = decode_spec_onebyte(in, opc, &s);
	}
	if (err)
		return err;
	in->opcode = opc;
	decode_sizes(in, s.byte);
	err = decode_operands(&c, in, opc, &s);
	if (err)
		return err;
	in->op = s.op;
	/* Explicit memory operands and MOVS's source honour overrides; ES:[rDI] never does. */
	if (in->seg_override != DECODE_SEG_NONE)
		in->mem.seg = in->seg_override;
	in->len = c.pos;
	memcpy(in->bytes, bytes, c.pos);
	return decode_check_lock(in);
}

u64 decode_mem_offset(const struct decode_insn *in, const u64 gpr[DECODE_NGPR], u64 rip)
{
	const struct decode_mem *m = &in->mem;
	u64 ea = (u64)m->disp;

	if (m->base != DECODE_NO_REG)
		ea += gpr[m->base];
	if (m->index != DECODE_NO_REG)
		ea += gpr[m->index] * m->scale;
	if (m->rip_rel)
		ea += rip + in->len;
	return ea & decode_size_mask(in->addr_size);
}

const char *decode_op_name(u8 op)
{
	/* In enum decode_op order, from DECODE_OP_NONE. */
	static const char *const names[] = {
		"?",   "add",	"or",	 "adc",	   "sbb",  "and", "sub",  "xor",  "cmp",    "test",
		"mov", "movzx", "movsx", "movsxd", "xchg", "bt",  "stos", "movs", "invlpg",
	};
	_Static_assert(ARRAY_SIZE(names) == DECODE_OP_INVLPG + 1, "a name for every op");

	if (op >= ARRAY_SIZE(names) || !names[op])
		return "?";
	return names[op];
}
