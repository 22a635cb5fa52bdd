// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMIO instruction emulator (see vmm/emu/emulate.h). The explicit memory
 * operand of a decoded instruction is the device access that faulted: it is
 * read and written at the faulting guest-physical address. Only MOVS, STOS and
 * BT locate memory themselves, by segment, offset and the translate callback,
 * because their device side is one of two addresses or not the first element.
 * Arithmetic flags are computed from operands and result with the usual
 * carry/overflow identities (Intel SDM vol. 1 3.4.3.1 and the ADD/SUB pages of
 * vol. 2; AMD APM vol. 1 3.1.6) and checked against the host CPU in
 * tests/unit/test_emulate.c.
 */
#include "vmm/emu/emulate.h"
#include "vmm/lib/klib.h"

struct emu_ctx {
	struct emu_vcpu *v;
	const struct emu_ops *ops;
	void *opaque;
	struct emu_mmio *m;
	const struct decode_insn *in;
};

/* One side of a string instruction: where it is and whether it is the device. */
struct emu_side {
	u8 seg;		/* enum decode_seg */
	u8 reg;		/* DECODE_RSI or DECODE_RDI */
	u32 access;	/* EMU_ACC_* */
	bool mmio;	/* in the faulting page */
	bool straddle;	/* the first element spans two pages (RAM only) */
	gva_t la_page;	/* linear page number of this call's first element */
	gpa_t gpa_page; /* and its guest-physical page number */
	gpa_t gpa2;	/* a straddling element's second page */
};

static u64 emu_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 emu_sext(u64 val, unsigned size)
{
	unsigned shift = 64 - size * 8;

	return (u64)((s64)(val << shift) >> shift);
}

u64 emu_read_reg(const struct emu_regs *r, unsigned reg, unsigned size, bool high8)
{
	if (high8)
		return (r->gpr[reg] >> 8) & 0xff;
	return r->gpr[reg] & emu_mask(size);
}

void emu_write_reg(struct emu_regs *r, unsigned reg, unsigned size, bool high8, u64 val)
{
	u64 *g = &r->gpr[reg];

	if (high8)
		*g = (*g & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (size == 4) /* SDM vol. 1 3.4.1.1: 32-bit results zero-extend */
		*g = val & 0xffffffffULL;
	else
		*g = (*g & ~emu_mask(size)) | (val & emu_mask(size));
}

static int emu_raise(struct emu_ctx *c, u8 vector, bool has_error_code, u32 code, u64 cr2)
{
	c->m->exc.vector = vector;
	c->m->exc.has_error_code = has_error_code;
	c->m->exc.error_code = code;
	c->m->exc.cr2 = cr2;
	return EMU_EXCEPTION;
}

/* ZF, SF and PF from a result; PF looks at the low byte only. */
static u64 emu_flags_szp(u64 res, unsigned size)
{
	u64 f = 0;
	u8 p = res & 0xff;

	if (!(res & emu_mask(size)))
		f |= EMU_RFLAGS_ZF;
	if ((res >> (size * 8 - 1)) & 1)
		f |= EMU_RFLAGS_SF;
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= EMU_RFLAGS_PF;
	return f;
}

/*
 * One ALU op on size-byte operands; replaces the six arithmetic flags in
 * *rflags. Carry is the unsigned overflow, OF the signed one (operands of
 * equal sign for ADD, of different sign for SUB, giving a result of the other
 * sign), AF the carry out of bit 3. Logic ops clear CF and OF; AF is undefined
 * for them (SDM "AND") and cleared here, as AMD hardware does.
 */
static u64 emu_alu(u8 op, unsigned size, u64 a, u64 b, u64 *rflags)
{
	u64 mask = emu_mask(size), cin = *rflags & EMU_RFLAGS_CF, r, f = 0;
	unsigned sign = size * 8 - 1;

	a &= mask;
	b &= mask;
	switch (op) {
	case DECODE_OP_ADD:
	case DECODE_OP_ADC:
		cin = op == DECODE_OP_ADC ? cin : 0;
		r = (a + b + cin) & mask;
		f |= (r < a || (cin && r == a)) ? EMU_RFLAGS_CF : 0;
		f |= (((a ^ r) & (b ^ r)) >> sign) & 1 ? EMU_RFLAGS_OF : 0;
		f |= (a ^ b ^ r) & EMU_RFLAGS_AF;
		break;
	case DECODE_OP_SUB:
	case DECODE_OP_SBB:
	case DECODE_OP_CMP:
		cin = op == DECODE_OP_SBB ? cin : 0;
		r = (a - b - cin) & mask;
		f |= (a < b || (cin && a == b)) ? EMU_RFLAGS_CF : 0;
		f |= (((a ^ b) & (a ^ r)) >> sign) & 1 ? EMU_RFLAGS_OF : 0;
		f |= (a ^ b ^ r) & EMU_RFLAGS_AF;
		break;
	case DECODE_OP_OR: r = a | b; break;
	case DECODE_OP_XOR: r = a ^ b; break;
	default: /* AND, TEST */ r = a & b; break;
	}
	*rflags = (*rflags & ~EMU_RFLAGS_ARITH) | f | emu_flags_szp(r, size);
	return r;
}

static int emu_read_opnd(struct emu_ctx *c, const struct decode_opnd *o, u64 *val)
{
	int err;

	switch (o->type) {
	case DECODE_OPND_REG: *val = emu_read_reg(&c->v->regs, o->reg, o->size, o->high8); return 0;
	case DECODE_OPND_IMM: *val = c->in->imm; return 0;
	case DECODE_OPND_MEM:
		err = c->ops->mmio_read(c->opaque, c->m->fault_gpa, o->size, val);
		if (!err)
			*val &= emu_mask(o->size); /* a device model may leave junk above */
		return err;
	}
	return -E_INVAL;
}

static int emu_write_opnd(struct emu_ctx *c, const struct decode_opnd *o, u64 val)
{
	switch (o->type) {
	case DECODE_OPND_REG: emu_write_reg(&c->v->regs, o->reg, o->size, o->high8, val); return 0;
	case DECODE_OPND_MEM:
		val &= emu_mask(o->size);
		return c->ops->mmio_write(c->opaque, c->m->fault_gpa, o->size, val);
	}
	return -E_INVAL;
}

/* ADD OR ADC SBB AND SUB XOR CMP TEST: dst op= src; CMP and TEST only set flags. */
static int emu_exec_alu(struct emu_ctx *c)
{
	const struct decode_insn *in = c->in;
	u64 a, b, res, flags = c->v->regs.rflags;
	int err;

	err = emu_read_opnd(c, &in->dst, &a);
	if (!err)
		err = emu_read_opnd(c, &in->src, &b);
	if (err)
		return err;
	res = emu_alu(in->op, in->op_size, a, b, &flags);
	if (in->op != DECODE_OP_CMP && in->op != DECODE_OP_TEST) {
		err = emu_write_opnd(c, &in->dst, res);
		if (err)
			return err;
	}
	c->v->regs.rflags = flags;
	return 0;
}

/* MOV, MOVZX, MOVSX, MOVSXD: the source, extended to the destination's size. */
static int emu_exec_mov(struct emu_ctx *c)
{
	const struct decode_insn *in = c->in;
	u64 val;
	int err = emu_read_opnd(c, &in->src, &val);

	if (err)
		return err;
	if (in->op == DECODE_OP_MOVSX || in->op == DECODE_OP_MOVSXD)
		val = emu_sext(val, in->src.size);
	return emu_write_opnd(c, &in->dst, val);
}

/* XCHG r/m, reg: the memory side is written first so a failed write changes nothing. */
static int emu_exec_xchg(struct emu_ctx *c)
{
	const struct decode_insn *in = c->in;
	u64 d, s;
	int err;

	err = emu_read_opnd(c, &in->dst, &d);
	if (!err)
		err = emu_read_opnd(c, &in->src, &s);
	if (!err)
		err = emu_write_opnd(c, &in->dst, s);
	if (!err)
		err = emu_write_opnd(c, &in->src, d);
	return err;
}

static bool emu_canonical(const struct emu_vcpu *v, gva_t la)
{
	unsigned shift = 64 - (v->la57 ? 57 : 48);

	return (u64)((s64)(la << shift) >> shift) == la;
}

/*
 * Linear address of seg:off. Long mode ignores every base but FS and GS and
 * faults non-canonical addresses with #GP(0), #SS(0) for SS (SDM vol. 3A
 * 3.4.4, vol. 1 3.3.7.1); elsewhere the sum wraps at 4 GiB. Segment limits
 * are not checked (doc/mmio-emulation.md).
 */
static int emu_linear(struct emu_ctx *c, u8 seg, u64 off, gva_t *la)
{
	struct emu_vcpu *v = c->v;

	if (v->mode != DECODE_MODE_64) {
		*la = (v->seg_base[seg] + off) & 0xffffffffULL;
		return 0;
	}
	*la = off + (seg == DECODE_SEG_FS || seg == DECODE_SEG_GS ? v->seg_base[seg] : 0);
	if (!emu_canonical(v, *la))
		return emu_raise(c, seg == DECODE_SEG_SS ? EMU_VEC_SS : EMU_VEC_GP, true, 0, 0);
	return 0;
}

static int emu_translate(struct emu_ctx *c, gva_t la, u32 access, gpa_t *gpa)
{
	if (c->v->cpl == 3)
		access |= EMU_ACC_USER;
	return c->ops->translate(c->opaque, la, access, gpa, &c->m->exc);
}

static bool emu_in_fault_page(const struct emu_ctx *c, gpa_t gpa)
{
	return (gpa >> PAGE_SHIFT) == (c->m->fault_gpa >> PAGE_SHIFT);
}

/*
 * BT m, r: the register is a signed bit offset that may reach outside the
 * operand (SDM vol. 2 "BT", operand addressing): read the op-size element
 * holding the bit. Only CF changes; the other flags are undefined, left alone.
 */
static int emu_exec_bt(struct emu_ctx *c)
{
	const struct decode_insn *in = c->in;
	unsigned bits = in->op_size * 8;
	u64 off = emu_read_reg(&c->v->regs, in->src.reg, in->op_size, false), val, ea;
	gva_t la;
	gpa_t gpa;
	int err;

	if (in->dst.type == DECODE_OPND_REG) {
		val = emu_read_reg(&c->v->regs, in->dst.reg, in->op_size, false);
	} else {
		s64 elem = (s64)emu_sext(off, in->op_size) >> __builtin_ctz(bits);

		ea = decode_mem_offset(in, c->v->regs.gpr, c->v->regs.rip);
		ea += (u64)elem * in->op_size;
		err = emu_linear(c, in->mem.seg, ea & emu_mask(in->addr_size), &la);
		if (!err)
			err = emu_translate(c, la, 0, &gpa);
		if (err)
			return err;
		if (!emu_in_fault_page(c, gpa))
			return -E_INVAL;
		err = c->ops->mmio_read(c->opaque, gpa, in->op_size, &val);
		if (err)
			return err;
	}
	c->v->regs.rflags &= ~EMU_RFLAGS_CF;
	c->v->regs.rflags |= (val >> (off & (bits - 1))) & 1;
	return 0;
}

/*
 * Where a string side's element is this iteration. The first iteration
 * translates and decides device or RAM (the side in the faulting page is the
 * device); later ones reuse that page, and return EMU_REPEAT once an element
 * would leave it, so the guest re-executes and hardware finds the next page.
 */
static int emu_side_locate(struct emu_ctx *c, struct emu_side *s, gpa_t *gpa)
{
	unsigned size = c->in->op_size;
	u64 off = emu_read_reg(&c->v->regs, s->reg, c->in->addr_size, false);
	bool straddle;
	gva_t la;
	int err = emu_linear(c, s->seg, off, &la);

	/* After the first element, pause instead: the guest re-executes and takes
	 * the fault itself, and EMU_EXCEPTION always means nothing was done. */
	if (err == EMU_EXCEPTION && c->m->iters)
		return EMU_REPEAT;
	if (err)
		return err;
	straddle = (la & (PAGE_SIZE - 1)) + size > PAGE_SIZE;
	if (c->m->iters) {
		if (la >> PAGE_SHIFT != s->la_page || straddle)
			return EMU_REPEAT;
		*gpa = (s->gpa_page << PAGE_SHIFT) | (la & (PAGE_SIZE - 1));
		return 0;
	}
	err = emu_translate(c, la, s->access, gpa);
	if (err)
		return err;
	s->la_page = la >> PAGE_SHIFT;
	s->gpa_page = *gpa >> PAGE_SHIFT;
	s->mmio = emu_in_fault_page(c, *gpa);
	s->straddle = straddle;
	if (straddle && s->mmio)
		return DECODE_ERR_UNSUPPORTED; /* a device register split across pages */
	if (straddle) /* translate the second page now, before any device access */
		return emu_translate(c, (la | (PAGE_SIZE - 1)) + 1, s->access, &s->gpa2);
	return 0;
}

/* RAM element access, split bytewise when it straddles two pages. */
static int emu_ram_access(struct emu_ctx *c, const struct emu_side *s, gpa_t gpa, bool write,
			  u64 *val)
{
	unsigned size = c->in->op_size, first = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
	int err = 0;

	if (!s->straddle)
		return write ? c->ops->mem_write(c->opaque, gpa, size, *val)
			     : c->ops->mem_read(c->opaque, gpa, size, val);
	if (!write)
		*val = 0;
	for (unsigned i = 0; i < size && !err; i++) {
		gpa_t g = i < first ? gpa + i : s->gpa2 + (i - first);
		u64 b = (*val >> (8 * i)) & 0xff;

		if (write)
			err = c->ops->mem_write(c->opaque, g, 1, b);
		else
			err = c->ops->mem_read(c->opaque, g, 1, &b);
		if (!write)
			*val |= (b & 0xff) << (8 * i);
	}
	return err;
}

static int emu_side_access(struct emu_ctx *c, const struct emu_side *s, gpa_t gpa, bool write,
			   u64 *val)
{
	unsigned size = c->in->op_size;

	if (!s->mmio)
		return emu_ram_access(c, s, gpa, write, val);
	return write ? c->ops->mmio_write(c->opaque, gpa, size, *val & emu_mask(size))
		     : c->ops->mmio_read(c->opaque, gpa, size, val);
}

/* rSI/rDI/rCX as wide as the address size (SDM vol. 2 "MOVS", "REP"). */
static void emu_string_step(struct emu_ctx *c, u8 reg, u64 delta)
{
	struct emu_regs *r = &c->v->regs;
	unsigned asz = c->in->addr_size;

	emu_write_reg(r, reg, asz, false, emu_read_reg(r, reg, asz, false) + delta);
}

/* One element of MOVS or STOS: locate both sides first, so that a fault on
 * either comes before the device sees anything. */
static int emu_string_once(struct emu_ctx *c, struct emu_side *src, struct emu_side *dst)
{
	bool movs = c->in->op == DECODE_OP_MOVS;
	u64 val = emu_read_reg(&c->v->regs, DECODE_RAX, c->in->op_size, false);
	u64 step = (c->v->regs.rflags & EMU_RFLAGS_DF) ? -(u64)c->in->op_size : c->in->op_size;
	gpa_t sgpa = 0, dgpa;
	int err = movs ? emu_side_locate(c, src, &sgpa) : 0;

	if (!err)
		err = emu_side_locate(c, dst, &dgpa);
	if (err)
		return err;
	if (!c->m->iters && !dst->mmio && !(movs && src->mmio))
		return -E_INVAL; /* nothing in the faulting page: stale exit */
	if (movs)
		err = emu_side_access(c, src, sgpa, false, &val);
	if (!err)
		err = emu_side_access(c, dst, dgpa, true, &val);
	if (err)
		return err;
	if (movs)
		emu_string_step(c, DECODE_RSI, step);
	emu_string_step(c, DECODE_RDI, step);
	c->m->iters++;
	return 0;
}

/*
 * MOVS/STOS, with REP (F3, or F2, which these instructions treat alike) as
 * many iterations as rCX says, bounded by m->max_iters and by the pages of
 * the first element; returns EMU_REPEAT with RIP unchanged when stopped early.
 */
static int emu_exec_string(struct emu_ctx *c)
{
	const struct decode_insn *in = c->in;
	struct emu_side src = { .seg = in->mem.seg, .reg = DECODE_RSI, .access = 0 };
	struct emu_side dst = { .seg = DECODE_SEG_ES, .reg = DECODE_RDI, .access = EMU_ACC_WRITE };
	unsigned max = c->m->max_iters;

	if (!in->rep)
		return emu_string_once(c, &src, &dst);
	while (emu_read_reg(&c->v->regs, DECODE_RCX, in->addr_size, false)) {
		int err;

		if (max && c->m->iters >= max)
			return EMU_REPEAT;
		err = emu_string_once(c, &src, &dst);
		if (err)
			return err;
		emu_string_step(c, DECODE_RCX, -1ULL);
	}
	return 0;
}

static void emu_advance_rip(struct emu_vcpu *v, unsigned len)
{
	u64 rip = v->regs.rip + len;

	v->regs.rip = v->mode == DECODE_MODE_64 ? rip : rip & emu_mask(v->mode);
}

int emulate_insn(struct emu_vcpu *v, const struct emu_ops *ops, void *opaque, struct emu_mmio *m)
{
	struct emu_ctx c = { v, ops, opaque, m, &m->insn };
	int ret;

	m->iters = 0;
	switch (m->insn.op) {
	case DECODE_OP_MOV:
	case DECODE_OP_MOVZX:
	case DECODE_OP_MOVSX:
	case DECODE_OP_MOVSXD: ret = emu_exec_mov(&c); break;
	case DECODE_OP_XCHG: ret = emu_exec_xchg(&c); break;
	case DECODE_OP_BT: ret = emu_exec_bt(&c); break;
	case DECODE_OP_STOS:
	case DECODE_OP_MOVS: ret = emu_exec_string(&c); break;
	default:
		if (m->insn.op < DECODE_OP_ADD || m->insn.op > DECODE_OP_TEST)
			return DECODE_ERR_UNSUPPORTED;
		ret = emu_exec_alu(&c);
		break;
	}
	if (ret == 0)
		emu_advance_rip(v, m->insn.len);
	return ret;
}

/* A fetch stopped short: the #PF hardware would raise on the next byte, if any. */
static int emu_fetch_fault(struct emu_ctx *c, gva_t la)
{
	gpa_t gpa;
	int err;

	if (c->v->mode != DECODE_MODE_64)
		la &= 0xffffffffULL;
	err = emu_translate(c, la, EMU_ACC_FETCH, &gpa);
	return err ? err : DECODE_ERR_TRUNCATED;
}

int emulate_mmio(struct emu_vcpu *v, const struct emu_ops *ops, void *opaque, struct emu_mmio *m)
{
	struct emu_ctx c = { v, ops, opaque, m, &m->insn };
	gva_t la;
	int n, err;

	m->nfetched = 0;
	m->iters = 0;
	err = emu_linear(&c, DECODE_SEG_CS, v->regs.rip, &la);
	if (err)
		return err;
	n = ops->fetch(opaque, la, m->fetched, DECODE_MAX_LEN);
	if (n < 0)
		return n;
	m->nfetched = MIN(n, DECODE_MAX_LEN);
	err = decode_insn(m->fetched, m->nfetched, v->mode, &m->insn);
	switch (err) {
	case 0: return emulate_insn(v, ops, opaque, m);
	case DECODE_ERR_UD: return emu_raise(&c, EMU_VEC_UD, false, 0, 0);
	case DECODE_ERR_TOO_LONG: return emu_raise(&c, EMU_VEC_GP, true, 0, 0);
	case DECODE_ERR_TRUNCATED: return emu_fetch_fault(&c, la + m->nfetched);
	}
	return err;
}
