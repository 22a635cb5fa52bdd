// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMIO emulator on a fake guest: a code buffer behind fetch(), two device
 * pages behind mmio_read/mmio_write that log every access, a little RAM behind
 * mem_read/mem_write, and a translate() that maps a few linear windows
 * somewhere else (so a test sees whether the translated address was used) and
 * can make one page not present. Checks register results under the
 * partial-register rules, exact RFLAGS (against the host CPU executing the
 * same operation: a strong oracle), the device accesses made, RIP, REP string
 * handling one iteration or many per call, and the exceptions a guest gets.
 */
#include "tests/unit/check.h"
#include "vmm/emu/emulate.h"
#include "vmm/emu/gwalk.h"

/* The monitor passes the emulator's access flags straight to the walker. */
_Static_assert(EMU_ACC_WRITE == GWALK_ACC_WRITE && EMU_ACC_USER == GWALK_ACC_USER &&
		       EMU_ACC_FETCH == GWALK_ACC_FETCH,
	       "emulator and walker access flags agree");

#define DEV_BASE   0xfee00000ULL /* two pages of device */
#define DEV_SIZE   0x2000
#define RAM_BASE   0x10000ULL
#define RAM_SIZE   0x4000
#define RAM_WINDOW 0x40000000ULL /* linear window onto RAM_BASE */
#define DEV_WINDOW 0x50000000ULL /* linear window onto DEV_BASE */
#define CODE_LA	   0x7000ULL

struct access {
	bool write, mmio;
	gpa_t gpa;
	unsigned size;
	u64 val;
};

static struct fake {
	u8 code[32];
	gva_t code_la;
	int fetch_limit; /* bytes fetch() returns at most, -1 for all */
	u8 dev[DEV_SIZE];
	u8 ram[RAM_SIZE];
	struct access log[4096];
	int nlog;
	gva_t hole;	 /* a linear page that is not present (0: none) */
	gva_t extra_la;	 /* one more linear page, mapped to RAM page 2 (0: none) */
	int write_error; /* what mmio_write returns */
	u32 last_access; /* flags of the last translate() */
} fk;

static struct emu_vcpu vc;
static struct emu_mmio mm;

/* The host is x86 too: little-endian like the guest. */
static u64 le_get(const u8 *p, unsigned size)
{
	u64 v = 0;

	memcpy(&v, p, size);
	return v;
}

static void le_put(u8 *p, unsigned size, u64 v)
{
	memcpy(p, &v, size);
}

static int fake_fetch(void *opaque, gva_t la, u8 *buf, unsigned len)
{
	struct fake *f = opaque;
	unsigned off = la - f->code_la;

	if (la < f->code_la || off >= sizeof(f->code))
		return -E_RANGE;
	len = MIN(len, sizeof(f->code) - off);
	if (f->fetch_limit >= 0)
		len = MIN(len, (unsigned)f->fetch_limit);
	memcpy(buf, f->code + off, len);
	return len;
}

static int fake_translate(void *opaque, gva_t la, u32 access, gpa_t *gpa, struct emu_exception *e)
{
	struct fake *f = opaque;

	f->last_access = access;
	if (f->hole && la >> 12 == f->hole >> 12) {
		e->vector = EMU_VEC_PF;
		e->has_error_code = true;
		e->error_code = access & (EMU_ACC_WRITE | EMU_ACC_USER | EMU_ACC_FETCH);
		e->cr2 = la;
		return EMU_EXCEPTION;
	}
	if (f->extra_la && la >> 12 == f->extra_la >> 12)
		*gpa = RAM_BASE + 0x2000 + (la & 0xfff);
	else if (la >= RAM_WINDOW && la < RAM_WINDOW + RAM_SIZE) {
		/* window pages 1 and 3 are swapped: contiguous linear, scattered physical */
		u64 page = (la - RAM_WINDOW) >> 12;

		page = page == 1 ? 3 : page == 3 ? 1 : page;
		*gpa = RAM_BASE + (page << 12) + (la & 0xfff);
	} else if (la >= DEV_WINDOW && la < DEV_WINDOW + DEV_SIZE)
		*gpa = DEV_BASE + (la - DEV_WINDOW);
	else
		*gpa = la;
	return 0;
}

/* Device or RAM access at gpa, logged; -E_RANGE outside the region. */
static int fake_access(bool write, bool mmio, gpa_t gpa, unsigned size, u64 *val)
{
	gpa_t base = mmio ? DEV_BASE : RAM_BASE;
	u8 *mem = mmio ? fk.dev : fk.ram;

	if (gpa < base || gpa + size > base + (mmio ? DEV_SIZE : RAM_SIZE))
		return -E_RANGE;
	if (write && mmio && fk.write_error)
		return fk.write_error;
	if (write)
		le_put(mem + (gpa - base), size, *val);
	else
		*val = le_get(mem + (gpa - base), size);
	if (fk.nlog < (int)ARRAY_SIZE(fk.log))
		fk.log[fk.nlog++] = (struct access){ write, mmio, gpa, size, *val };
	return 0;
}

static int fake_mmio_read(void *o, gpa_t gpa, unsigned size, u64 *val)
{
	return fake_access(false, true, gpa, size, val);
}

static int fake_mmio_write(void *o, gpa_t gpa, unsigned size, u64 val)
{
	return fake_access(true, true, gpa, size, &val);
}

static int fake_mem_read(void *o, gpa_t gpa, unsigned size, u64 *val)
{
	return fake_access(false, false, gpa, size, val);
}

static int fake_mem_write(void *o, gpa_t gpa, unsigned size, u64 val)
{
	return fake_access(true, false, gpa, size, &val);
}

static const struct emu_ops ops = {
	.fetch = fake_fetch,
	.translate = fake_translate,
	.mmio_read = fake_mmio_read,
	.mmio_write = fake_mmio_write,
	.mem_read = fake_mem_read,
	.mem_write = fake_mem_write,
};

/* A fresh guest in the given mode about to execute the n bytes at CODE_LA. */
static void setup(u8 mode, const char *bytes, size_t n)
{
	memset(&fk, 0, sizeof(fk));
	memset(&vc, 0, sizeof(vc));
	fk.code_la = CODE_LA;
	fk.fetch_limit = -1;
	memcpy(fk.code, bytes, n);
	vc.mode = mode;
	vc.regs.rip = CODE_LA;
	vc.regs.rflags = 0x2;
}
#define SETUP(mode, b) setup(mode, b, sizeof(b) - 1)

static int run(gpa_t fault_gpa, unsigned max_iters)
{
	memset(&mm, 0, sizeof(mm));
	mm.fault_gpa = fault_gpa;
	mm.max_iters = max_iters;
	return emulate_mmio(&vc, &ops, &fk, &mm);
}

#define R(n)   vc.regs.gpr[DECODE_##n]
#define ULL(x) ((unsigned long long)(x))

static void check_log(int i, bool write, bool mmio, gpa_t gpa, unsigned size, u64 val)
{
	const struct access *a = &fk.log[i];

	if (i >= fk.nlog || a->write != write || a->mmio != mmio || a->gpa != gpa ||
	    a->size != size || a->val != val)
		check_fail(__FILE__, __LINE__, "access %d: %s %s 0x%llx/%u = 0x%llx", i,
			   a->write ? "write" : "read", a->mmio ? "mmio" : "ram", ULL(a->gpa),
			   a->size, ULL(a->val));
}

/* A string instruction about to run with these rSI, rDI, rCX. */
#define STR_SETUP(b, rsi, rdi, rcx)       \
	do {                              \
		SETUP(DECODE_MODE_64, b); \
		R(RSI) = (rsi);           \
		R(RDI) = (rdi);           \
		R(RCX) = (rcx);           \
	} while (0)

/* The call returned EMU_EXCEPTION with this vector and error code (-1: none). */
#define CHECK_EXC(ret, vec, code)                                                     \
	do {                                                                          \
		CHECK_EQ(ret, EMU_EXCEPTION);                                         \
		CHECK_EQ(mm.exc.vector, vec);                                         \
		CHECK_EQ(mm.exc.has_error_code, (code) >= 0);                         \
		CHECK_EQ(mm.exc.has_error_code ? (long)mm.exc.error_code : -1, code); \
	} while (0)

/* ---- Linux's MMIO accessors ------------------------------------------------ */

/* Stores: writel/writeq/writew/writeb, immediates, the xAPIC EOI through the
 * fixmap and moffs. The device address is the fault's, whatever the EA. */
static const struct {
	const char *b;
	u8 n, size;
	u64 val;
} stores[] = {
	{ "\x89\x37", 2, 4, 0x12345678 },			      /* mov %esi,(%rdi) */
	{ "\x48\x89\x37", 3, 8, 0xffffffff12345678 },		      /* mov %rsi,(%rdi) */
	{ "\x66\x89\x37", 3, 2, 0x5678 },			      /* mov %si,(%rdi) */
	{ "\x88\x07", 2, 1, 0x99 },				      /* mov %al,(%rdi) */
	{ "\x88\x3f", 2, 1, 0x12 },				      /* mov %bh,(%rdi) */
	{ "\x40\x88\x37", 3, 1, 0x78 },				      /* mov %sil,(%rdi) */
	{ "\xc7\x47\x10\x78\x56\x34\x12", 7, 4, 0x12345678 },	      /* movl $imm,0x10(%rdi) */
	{ "\x48\xc7\x07\xfe\xff\xff\xff", 7, 8, ~1ULL },	      /* movq $-2,(%rdi) */
	{ "\x66\xc7\x07\x34\x12", 5, 2, 0x1234 },		      /* movw $0x1234,(%rdi) */
	{ "\xc6\x07\xab", 3, 1, 0xab },				      /* movb $0xab,(%rdi) */
	{ "\x89\x14\x25\xb0\xb0\x5f\xff", 7, 4, 0xabcd },	      /* mov %edx,APIC_EOI */
	{ "\xa3\xb0\xb0\x5f\xff\xff\xff\xff\xff", 9, 4, 0x55667799 }, /* movabs %eax */
};

TEST(stores)
{
	for (size_t i = 0; i < ARRAY_SIZE(stores); i++) {
		setup(DECODE_MODE_64, stores[i].b, stores[i].n);
		R(RAX) = 0x1122334455667799;
		R(RBX) = 0x1234;
		R(RDX) = 0xabcd;
		R(RSI) = 0xffffffff12345678;
		R(RDI) = DEV_BASE + 0x10;
		CHECK_EQ(run(DEV_BASE + 0xb0, 0), EMU_DONE);
		CHECK_EQ(fk.nlog, 1);
		check_log(0, true, true, DEV_BASE + 0xb0, stores[i].size, stores[i].val);
		CHECK_EQ_U64(vc.regs.rip, CODE_LA + stores[i].n);
		CHECK_EQ_U64(R(RAX), 0x1122334455667799);
	}
}

/* ---- loads and partial registers -------------------------------------------- */

/* Loads (readb/w/l/q and the widening forms) into a register holding 0x1122334455667788. */
TEST(partial_register_loads)
{
	static const struct {
		const char *b;
		u8 n, reg, size;
		u64 after;
	} t[] = {
		{ "\x8a\x07", 2, DECODE_RAX, 1, 0x11223344556677ef },		  /* al */
		{ "\x8a\x27", 2, DECODE_RAX, 1, 0x112233445566ef88 },		  /* ah */
		{ "\x8a\x3f", 2, DECODE_RBX, 1, 0x112233445566ef88 },		  /* bh */
		{ "\x40\x8a\x27", 3, DECODE_RSP, 1, 0x11223344556677ef },	  /* spl */
		{ "\x44\x8a\x07", 3, DECODE_R8, 1, 0x11223344556677ef },	  /* r8b */
		{ "\x66\x8b\x07", 3, DECODE_RAX, 2, 0x112233445566beef },	  /* ax */
		{ "\x8b\x07", 2, DECODE_RAX, 4, 0x00000000deadbeef },		  /* eax */
		{ "\x44\x8b\x3f", 3, DECODE_R15, 4, 0x00000000deadbeef },	  /* r15d */
		{ "\x48\x8b\x07", 3, DECODE_RAX, 8, 0x01020304deadbeef },	  /* rax */
		{ "\xa1\x40\x00\xe0\xfe\0\0\0\0", 9, DECODE_RAX, 4, 0xdeadbeef }, /* moffs */
		{ "\x0f\xb6\x07", 3, DECODE_RAX, 1, 0x00000000000000ef },	  /* movzbl */
		{ "\x0f\xb7\x07", 3, DECODE_RAX, 2, 0x000000000000beef },	  /* movzwl */
		{ "\x66\x0f\xb6\x07", 4, DECODE_RAX, 1, 0x11223344556600ef },
		{ "\x48\x0f\xb7\x07", 4, DECODE_RAX, 2, 0x000000000000beef },
		{ "\x0f\xbe\x07", 3, DECODE_RAX, 1, 0x00000000ffffffef }, /* movsbl */
		{ "\x66\x0f\xbe\x07", 4, DECODE_RAX, 1, 0x112233445566ffef },
		{ "\x48\x0f\xbe\x07", 4, DECODE_RAX, 1, 0xffffffffffffffef },
		{ "\x0f\xbf\x07", 3, DECODE_RAX, 2, 0x00000000ffffbeef }, /* movswl */
		{ "\x48\x0f\xbf\x07", 4, DECODE_RAX, 2, 0xffffffffffffbeef },
		{ "\x48\x63\x07", 3, DECODE_RAX, 4, 0xffffffffdeadbeef }, /* movslq */
		{ "\x63\x07", 2, DECODE_RAX, 4, 0x00000000deadbeef },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		setup(DECODE_MODE_64, t[i].b, t[i].n);
		le_put(fk.dev + 0x40, 8, 0x01020304deadbeef);
		R(RDI) = DEV_BASE + 0x40;
		vc.regs.gpr[t[i].reg] = 0x1122334455667788;
		CHECK_EQ(run(DEV_BASE + 0x40, 0), EMU_DONE);
		if (vc.regs.gpr[t[i].reg] != t[i].after)
			check_fail(__FILE__, __LINE__, "case %zu: 0x%llx", i,
				   ULL(vc.regs.gpr[t[i].reg]));
		CHECK_EQ(fk.nlog, 1);
		check_log(0, false, true, DEV_BASE + 0x40, t[i].size,
			  0x01020304deadbeef &
				  (t[i].size == 8 ? ~0ULL : (1ULL << (8 * t[i].size)) - 1));
		CHECK_EQ_U64(vc.regs.rip, CODE_LA + t[i].n);
		CHECK_EQ_U64(vc.regs.rflags, 0x2); /* moves leave flags alone */
	}
}

TEST(xchg)
{
	SETUP(DECODE_MODE_64, "\x87\x07"); /* xchg %eax,(%rdi) */
	R(RAX) = 0xffffffff00000005;
	le_put(fk.dev, 4, 0xcafe);
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
	CHECK_EQ_U64(R(RAX), 0xcafe);
	CHECK_EQ_U64(le_get(fk.dev, 4), 5);
	CHECK_EQ(fk.nlog, 2);
	CHECK(!fk.log[0].write && fk.log[1].write);

	SETUP(DECODE_MODE_64, "\x86\x27"); /* xchg %ah,(%rdi) */
	R(RAX) = 0x1234;
	fk.dev[0] = 0x56;
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
	CHECK_EQ_U64(R(RAX), 0x5634);
	CHECK_EQ(fk.dev[0], 0x12);

	/* a failed device write leaves the register and RIP alone */
	SETUP(DECODE_MODE_64, "\x87\x07");
	R(RAX) = 7;
	fk.write_error = -E_TIMEDOUT;
	CHECK_EQ(run(DEV_BASE, 0), -E_TIMEDOUT);
	CHECK_EQ_U64(R(RAX), 7);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA);
}

/* ---- arithmetic flags: the host CPU is the oracle -------------------------- */

/* Runs "insn %y,%x" on the host with the given flags in; x is the destination. */
#define NATIVE_ASM(insn, type, cons)                                                    \
	do {                                                                            \
		type x_ = a, y_ = b;                                                    \
		/* step over the red zone: the compiler may keep locals below %rsp */   \
		__asm__ volatile("sub $128, %%rsp\n\tpush %[f]\n\tpopfq\n\t" insn       \
				 " %[y], %[x]\n\tpushfq\n\tpop %[f]\n\tadd $128, %%rsp" \
				 : [x] "+" cons(x_), [f] "+r"(f)                        \
				 : [y] cons(y_)                                         \
				 : "cc", "memory");                                     \
		res = x_;                                                               \
	} while (0)

#define NATIVE_OP(name)                                                   \
	static u64 native_##name(unsigned size, u64 a, u64 b, u64 *flags) \
	{                                                                 \
		u64 f = *flags, res = 0;                                  \
		switch (size) {                                           \
		case 1: NATIVE_ASM(#name "b", u8, "q"); break;            \
		case 2: NATIVE_ASM(#name "w", u16, "r"); break;           \
		case 4: NATIVE_ASM(#name "l", u32, "r"); break;           \
		default: NATIVE_ASM(#name "q", u64, "r"); break;          \
		}                                                         \
		*flags = f;                                               \
		return res;                                               \
	}

// clang-format off
/* one function per line: the definitions take no semicolon */
NATIVE_OP(add)
NATIVE_OP(or)
NATIVE_OP(adc)
NATIVE_OP(sbb)
NATIVE_OP(and)
NATIVE_OP(sub)
NATIVE_OP(xor)
NATIVE_OP(cmp)
NATIVE_OP(test)
// clang-format on

static u64 (*const native[])(unsigned, u64, u64, u64 *) = {
	[DECODE_OP_ADD] = native_add, [DECODE_OP_OR] = native_or,   [DECODE_OP_ADC] = native_adc,
	[DECODE_OP_SBB] = native_sbb, [DECODE_OP_AND] = native_and, [DECODE_OP_SUB] = native_sub,
	[DECODE_OP_XOR] = native_xor, [DECODE_OP_CMP] = native_cmp, [DECODE_OP_TEST] = native_test,
};

static const u64 alu_vals[] = {
	0,
	1,
	2,
	0xf,
	0x10,
	0x7f,
	0x80,
	0xff,
	0x100,
	0x7fff,
	0x8000,
	0xffff,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000,
	0x7fffffffffffffff,
	0x8000000000000000,
	0xffffffffffffffff,
	0x5555555555555555,
	0xaaaaaaaaaaaaaaaa,
	0x123456789abcdef0,
	0xfedcba9876543210,
};

/* Encodes "op %ecx,(%rdi)" (ge: "op (%rdi),%ecx") at the given size. */
static size_t alu_encode(u8 op, unsigned size, bool ge, u8 *buf)
{
	size_t n = 0;

	if (size == 2)
		buf[n++] = 0x66;
	if (size == 8)
		buf[n++] = 0x48;
	if (op == DECODE_OP_TEST)
		buf[n++] = 0x84 | (size > 1);
	else
		buf[n++] = (op - DECODE_OP_ADD) * 8 + (ge ? 2 : 0) + (size > 1);
	buf[n++] = 0x0f;
	return n;
}

static u64 size_mask(unsigned size)
{
	return size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* One case: returns true when the emulator agrees with the host. */
static bool alu_case(u8 op, unsigned size, bool ge, u64 a, u64 b, u64 flags_in)
{
	u8 code[4];
	size_t n = alu_encode(op, size, ge, code);
	u64 mask = size_mask(size), fl = flags_in, want, got, want_rcx, care = EMU_RFLAGS_ARITH;
	bool writes = op != DECODE_OP_CMP && op != DECODE_OP_TEST;

	want = native[op](size, a, b, &fl) & mask;
	if (!writes)
		want = a & mask; /* CMP and TEST leave the destination alone */
	setup(DECODE_MODE_64, (const char *)code, n);
	vc.regs.rflags = flags_in;
	R(RDI) = DEV_BASE + 0x100;
	/* EG: memory is the destination (a), ECX the source (b); GE the other way round.
	 * ECX's other bytes show whether a register result is merged or zero-extended. */
	le_put(fk.dev + 0x100, size, ge ? b : a);
	R(RCX) = want_rcx = (0x0123456789abcdefULL & ~mask) | ((ge ? a : b) & mask);
	if (ge && writes)
		want_rcx = size == 4 ? want : (want_rcx & ~mask) | want;
	if (run(DEV_BASE + 0x100, 0) != EMU_DONE)
		return false;
	got = ge ? R(RCX) & mask : le_get(fk.dev + 0x100, size);
	/* AF is undefined after logic ops (SDM "AND", "OR", "XOR", "TEST"). */
	if (op == DECODE_OP_AND || op == DECODE_OP_OR || op == DECODE_OP_XOR ||
	    op == DECODE_OP_TEST)
		care &= ~EMU_RFLAGS_AF;
	if (got == want && R(RCX) == want_rcx && (vc.regs.rflags & care) == (fl & care) &&
	    (vc.regs.rflags & ~EMU_RFLAGS_ARITH) == (flags_in & ~EMU_RFLAGS_ARITH))
		return true;
	check_fail(__FILE__, __LINE__,
		   "op %u size %u %s a 0x%llx b 0x%llx flags 0x%llx: "
		   "result 0x%llx want 0x%llx, flags 0x%llx want 0x%llx, rcx 0x%llx want 0x%llx",
		   op, size, ge ? "GE" : "EG", ULL(a), ULL(b), ULL(flags_in), ULL(got), ULL(want),
		   ULL(vc.regs.rflags), ULL(fl), ULL(R(RCX)), ULL(want_rcx));
	return false;
}

/* Every size, value pair and flags-in for one op and form; returns the failures. */
static int alu_sweep(u8 op, bool ge)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	/* carry clear or set, and the other arithmetic flags set to be overwritten */
	static const u64 flags_in[] = { 0x202, 0x203, 0x202 | (EMU_RFLAGS_ARITH & ~EMU_RFLAGS_CF),
					0x202 | EMU_RFLAGS_ARITH };
	int bad = 0;

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++)
		for (size_t i = 0; i < ARRAY_SIZE(alu_vals); i++)
			for (size_t j = 0; j < ARRAY_SIZE(alu_vals); j++)
				for (size_t k = 0; k < ARRAY_SIZE(flags_in) && bad < 3; k++)
					bad += !alu_case(op, sizes[s], ge, alu_vals[i], alu_vals[j],
							 flags_in[k]);
	return bad;
}

TEST(alu_flags_match_host_cpu)
{
	int bad = 0;

	for (u8 op = DECODE_OP_ADD; op <= DECODE_OP_TEST; op++) {
		bad += alu_sweep(op, false);
		if (op != DECODE_OP_TEST) /* TEST has no Gv,Ev form */
			bad += alu_sweep(op, true);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(ARRAY_SIZE(alu_vals), 23); /* 17 sweeps x 4 sizes x 23 x 23 x 4 = 143888 cases */
}

/*
 * The same identities worked by hand, in case the host were wrong, and the
 * immediate forms. The device holds 8 bytes so that a too-wide write shows.
 */
static const struct {
	const char *b;
	u8 n;
	u64 mem, rax, rcx, fl_in, mem_out, rax_out, fl_out;
} alu_hand[] = {
#define F(x) EMU_RFLAGS_##x
	/* addl $-1,(%rdi): 1 + 0xffffffff carries out, AF from bit 3; 4 bytes written */
	{ "\x83\x07\xff", 3, 0x5a5a5a5a00000001, 0, 0, 2, 0x5a5a5a5a00000000, 0,
	  F(CF) | F(PF) | F(AF) | F(ZF) },
	{ "\x80\x07\x01", 3, 0x7f, 0, 0, 2, 0x80, 0, F(OF) | F(SF) | F(AF) },	/* addb $1: OF */
	{ "\x83\x3f\x01", 3, 0, 0, 0, 2, 0, 0, F(CF) | F(PF) | F(AF) | F(SF) }, /* cmpl $1 */
	/* testb $1 of 0xfe: zero; CF, OF (and AF) cleared */
	{ "\xf6\x07\x01", 3, 0xfe, 0, 0, F(CF) | F(OF) | F(AF), 0xfe, 0, F(ZF) | F(PF) },
	/* sbb %ecx,(%rdi) with CF: 5 - 5 - 1; adc %rcx,(%rdi) with CF: ~0 + ~0 + 1 */
	{ "\x19\x0f", 2, 5, 0, 5, F(CF), 0xffffffff, 0, F(CF) | F(PF) | F(AF) | F(SF) },
	{ "\x48\x11\x0f", 3, ~0ULL, 0, ~0ULL, F(CF), ~0ULL, 0, F(CF) | F(PF) | F(AF) | F(SF) },
	/* add (%rdi),%ah: only AH changes */
	{ "\x02\x27", 2, 0xf1, 0x1234567890ab0fcd, 0, 0, 0xf1, 0x1234567890ab00cd,
	  F(CF) | F(PF) | F(AF) | F(ZF) },
	/* andl $-2; orq $-128 and $0x80000000: immediates sign-extended to 64 bits; orw */
	{ "\x83\x27\xfe", 3, 0x5a5a5a5affffffff, 0, 0, 0, 0x5a5a5a5afffffffe, 0, F(SF) },
	{ "\x48\x83\x0f\x80", 4, 0, 0, 0, 0, 0xffffffffffffff80, 0, F(SF) },
	{ "\x48\x81\x0f\x00\x00\x00\x80", 7, 0, 0, 0, 0, 0xffffffff80000000, 0, F(SF) | F(PF) },
	{ "\x66\x81\x0f\x00\x80", 5, 0x11110001, 0, 0, 0, 0x11118001, 0, F(SF) },
	{ "\xf0\x83\x2f\x01", 4, 1, 0, 0, F(CF), 0, 0, F(ZF) | F(PF) }, /* lock subl $1 */
	/* add %ecx,%eax: a register form touches no device, zero-extends */
	{ "\x01\xc8", 2, 0, 0xffffffff00000001, 2, 0, 0, 3, F(PF) },
#undef F
};

TEST(alu_by_hand)
{
	for (size_t i = 0; i < ARRAY_SIZE(alu_hand); i++) {
		setup(DECODE_MODE_64, alu_hand[i].b, alu_hand[i].n);
		le_put(fk.dev, 8, alu_hand[i].mem);
		R(RAX) = alu_hand[i].rax;
		R(RCX) = alu_hand[i].rcx;
		vc.regs.rflags = 0x2 | alu_hand[i].fl_in;
		CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
		if (le_get(fk.dev, 8) != alu_hand[i].mem_out || R(RAX) != alu_hand[i].rax_out ||
		    vc.regs.rflags != (0x2 | alu_hand[i].fl_out))
			check_fail(__FILE__, __LINE__, "case %zu: mem 0x%llx rax 0x%llx fl 0x%llx",
				   i, ULL(le_get(fk.dev, 8)), ULL(R(RAX)), ULL(vc.regs.rflags));
		CHECK_EQ_U64(vc.regs.rip, CODE_LA + alu_hand[i].n);
	}
	/* CMP and TEST read and never write */
	setup(DECODE_MODE_64, alu_hand[2].b, alu_hand[2].n);
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
	CHECK_EQ(fk.nlog, 1);
	CHECK(!fk.log[0].write);
}

/* bt %eax,(%rdi) with RDI at +0x100: the signed bit offset picks the dword read. */
TEST(bt)
{
	static const struct {
		u64 eax, fl_in, fl_out;
		u16 byte, dword; /* device byte set to 0x08 or 0x80; dword the CPU reads */
		u8 bits;
	} t[] = {
		{ 35, EMU_RFLAGS_ZF, EMU_RFLAGS_ZF | EMU_RFLAGS_CF, 0x104, 0x104, 0x08 },
		{ 34, EMU_RFLAGS_CF, 0, 0x104, 0x104, 0x08 },
		{ 0xffffffff, 0, EMU_RFLAGS_CF, 0xff, 0xfc, 0x80 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		SETUP(DECODE_MODE_64, "\x0f\xa3\x07");
		R(RDI) = DEV_BASE + 0x100;
		R(RAX) = t[i].eax;
		fk.dev[t[i].byte] = t[i].bits;
		vc.regs.rflags = 0x2 | t[i].fl_in;
		CHECK_EQ(run(DEV_BASE + t[i].dword, 0), EMU_DONE);
		CHECK_EQ_U64(vc.regs.rflags, 0x2 | t[i].fl_out);
		check_log(0, false, true, DEV_BASE + t[i].dword, 4, le_get(fk.dev + t[i].dword, 4));
	}
}

/* ---- string instructions ----------------------------------------------------- */

TEST(rep_stos_one_iteration_per_call)
{
	int calls = 0, ret;

	STR_SETUP("\xf3\xab", 0, DEV_BASE + 0x100, 4);
	do {
		ret = run(R(RDI), 1);
		calls++;
		if (ret == EMU_REPEAT) {
			CHECK_EQ_U64(vc.regs.rip, CODE_LA); /* re-executed by the guest */
			CHECK_EQ_U64(R(RCX), 4 - calls);
			CHECK_EQ(mm.iters, 1);
		}
	} while (ret == EMU_REPEAT && calls < 10);
	CHECK_EQ(ret, EMU_DONE);
	CHECK_EQ(calls, 4);
	CHECK_EQ(fk.nlog, 4);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA + 2);

	STR_SETUP("\xf3\xaa", 0, DEV_BASE, 7); /* batches of three */
	CHECK_EQ(run(DEV_BASE, 3), EMU_REPEAT);
	CHECK_EQ(run(R(RDI), 3), EMU_REPEAT);
	CHECK_EQ_U64(R(RCX), 1);
	CHECK_EQ(run(R(RDI), 3), EMU_DONE);
	CHECK_EQ(fk.nlog, 7);
	CHECK_EQ_U64(R(RDI), DEV_BASE + 7);
}

TEST(rep_stos)
{
	STR_SETUP("\xf3\xab", 0, DEV_BASE + 0x100, 4); /* rep stos %eax,%es:(%rdi) */
	R(RAX) = 0xffffffffcafef00d;
	CHECK_EQ(run(DEV_BASE + 0x100, 0), EMU_DONE);
	CHECK_EQ(fk.nlog, 4);
	for (int i = 0; i < 4; i++)
		check_log(i, true, true, DEV_BASE + 0x100 + 4 * i, 4, 0xcafef00d);
	CHECK_EQ_U64(R(RCX), 0);
	CHECK_EQ_U64(R(RDI), DEV_BASE + 0x110);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA + 2);
	CHECK_EQ(mm.iters, 4);
	CHECK(fk.last_access & EMU_ACC_WRITE);
	CHECK(!(fk.last_access & EMU_ACC_USER));

	STR_SETUP("\xf3\xab", 0, DEV_BASE + 0x10c, 4); /* DF=1: downwards */
	vc.regs.rflags = 0x2 | EMU_RFLAGS_DF;
	CHECK_EQ(run(DEV_BASE + 0x10c, 0), EMU_DONE);
	for (int i = 0; i < 4; i++)
		check_log(i, true, true, DEV_BASE + 0x10c - 4 * i, 4, 0);
	CHECK_EQ_U64(R(RDI), DEV_BASE + 0xfc);

	STR_SETUP("\xf3\xab", 0, DEV_BASE, 0); /* RCX=0: nothing but RIP */
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
	CHECK_EQ(fk.nlog, 0);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA + 2);

	STR_SETUP("\x48\xab", 0, DEV_BASE + 8, 5); /* no REP: one store, RCX untouched */
	R(RAX) = 0x0102030405060708;
	CHECK_EQ(run(DEV_BASE + 8, 0), EMU_DONE);
	CHECK_EQ(fk.nlog, 1);
	check_log(0, true, true, DEV_BASE + 8, 8, 0x0102030405060708);
	CHECK_EQ_U64(R(RCX), 5);
	CHECK_EQ_U64(R(RDI), DEV_BASE + 16);

	STR_SETUP("\xf2\xaa", 0, DEV_BASE, 3); /* REPNE on STOS repeats like REP */
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
	CHECK_EQ(fk.nlog, 3);
}

TEST(string_address_sizes)
{
	/* ECX and EDI; their writes zero-extend */
	STR_SETUP("\x67\xf3\xab", 0, 0xdead0000fee00000, 0xffffffff00000002);
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
	CHECK_EQ(fk.nlog, 2);
	check_log(0, true, true, DEV_BASE, 4, 0);
	CHECK_EQ_U64(R(RCX), 0);
	CHECK_EQ_U64(R(RDI), 0xfee00008);

	SETUP(DECODE_MODE_16, "\xf3\xab"); /* rep stosw at ES:DI; upper halves kept */
	vc.seg_base[DECODE_SEG_ES] = DEV_BASE;
	R(RDI) = 0x12340010;
	R(RCX) = 0xabcd0002;
	R(RAX) = 0x5555;
	CHECK_EQ(run(DEV_BASE + 0x10, 0), EMU_DONE);
	CHECK_EQ(fk.nlog, 2);
	check_log(0, true, true, DEV_BASE + 0x10, 2, 0x5555);
	check_log(1, true, true, DEV_BASE + 0x12, 2, 0x5555);
	CHECK_EQ_U64(R(RDI), 0x12340014);
	CHECK_EQ_U64(R(RCX), 0xabcd0000);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA + 2);
}

TEST(rep_movs_fromio_and_toio)
{
	/* memcpy_fromio: rep movsb, the device is the source */
	STR_SETUP("\xf3\xa4", DEV_WINDOW + 0x20, RAM_WINDOW + 0x100, 8);
	for (int i = 0; i < 8; i++)
		fk.dev[0x20 + i] = i + 1;
	CHECK_EQ(run(DEV_BASE + 0x20, 0), EMU_DONE);
	CHECK_EQ(fk.nlog, 16);
	for (int i = 0; i < 8; i++) {
		check_log(2 * i, false, true, DEV_BASE + 0x20 + i, 1, i + 1);
		check_log(2 * i + 1, true, false, RAM_BASE + 0x100 + i, 1, i + 1);
	}
	CHECK_EQ_U64(R(RSI), DEV_WINDOW + 0x28);
	CHECK_EQ_U64(R(RDI), RAM_WINDOW + 0x108);

	/* memcpy_toio: rep movsq, the device is the destination */
	STR_SETUP("\xf3\x48\xa5", RAM_WINDOW + 0x200, DEV_WINDOW + 0x40, 3);
	for (int i = 0; i < 24; i++)
		fk.ram[0x200 + i] = 0xa0 + i;
	CHECK_EQ(run(DEV_BASE + 0x40, 0), EMU_DONE);
	CHECK_EQ(memcmp(fk.dev + 0x40, fk.ram + 0x200, 24), 0);
	CHECK_EQ(fk.nlog, 6);
	check_log(1, true, true, DEV_BASE + 0x40, 8, le_get(fk.ram + 0x200, 8));

	STR_SETUP("\x64\xf3\xa4", 0x10, RAM_WINDOW, 1); /* %fs source: the FS base counts */
	vc.seg_base[DECODE_SEG_FS] = DEV_BASE;
	vc.seg_base[DECODE_SEG_ES] = 0x1000; /* ES base: ignored in long mode */
	fk.dev[0x10] = 0x42;
	CHECK_EQ(run(DEV_BASE + 0x10, 0), EMU_DONE);
	check_log(0, false, true, DEV_BASE + 0x10, 1, 0x42);
	check_log(1, true, false, RAM_BASE, 1, 0x42);
}

TEST(string_page_boundaries)
{
	/* A RAM element straddling two pages is split; the next one is a new page: pause. */
	STR_SETUP("\xf3\x48\xa5", RAM_WINDOW + 0xffc, DEV_BASE, 2);
	for (int i = 0; i < 4; i++) {
		fk.ram[0xffc + i] = 0x10 + i;  /* window page 0 ends */
		fk.ram[0x3000 + i] = 0x20 + i; /* window page 1 is RAM page 3 */
		fk.ram[0x3004 + i] = 0x30 + i;
		fk.ram[0x3008 + i] = 0x40 + i;
	}
	CHECK_EQ(run(DEV_BASE, 0), EMU_REPEAT);
	CHECK_EQ(mm.iters, 1);
	CHECK_EQ_U64(le_get(fk.dev, 8), 0x2322212013121110);
	CHECK_EQ_U64(R(RCX), 1);
	CHECK_EQ_U64(R(RSI), RAM_WINDOW + 0x1004);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA);
	CHECK_EQ(run(DEV_BASE + 8, 0), EMU_DONE);
	CHECK_EQ_U64(le_get(fk.dev + 8, 8), 0x4342414033323130);

	/* the device side reaching its page end pauses too */
	STR_SETUP("\xf3\xab", 0, DEV_BASE + 0xff8, 3);
	CHECK_EQ(run(DEV_BASE + 0xff8, 0), EMU_REPEAT);
	CHECK_EQ(fk.nlog, 2);
	CHECK_EQ_U64(R(RDI), DEV_BASE + 0x1000);
	CHECK_EQ(run(DEV_BASE + 0x1000, 0), EMU_DONE);
	check_log(2, true, true, DEV_BASE + 0x1000, 4, 0);

	/* a device register split across pages is refused, untouched */
	STR_SETUP("\xab", 0, DEV_BASE + 0xffe, 0);
	CHECK_EQ(run(DEV_BASE + 0xffe, 0), DECODE_ERR_UNSUPPORTED);
	CHECK_EQ(fk.nlog, 0);
	CHECK_EQ_U64(R(RDI), DEV_BASE + 0xffe);

	/* neither side in the faulting page: a stale exit, nothing done */
	STR_SETUP("\xab", 0, DEV_BASE + 0x1000, 0);
	CHECK_EQ(run(DEV_BASE, 0), -E_INVAL);
	CHECK_EQ(fk.nlog, 0);
}

/* ---- what the guest gets when something is wrong ----------------------------- */

TEST(page_fault_on_the_ram_side)
{
	/* device to RAM, RAM not present */
	STR_SETUP("\xf3\xa4", DEV_BASE + 0x20, RAM_WINDOW + 0x100, 4);
	fk.hole = RAM_WINDOW;
	CHECK_EXC(run(DEV_BASE + 0x20, 0), EMU_VEC_PF, EMU_ACC_WRITE);
	CHECK_EQ_U64(mm.exc.cr2, RAM_WINDOW + 0x100);
	CHECK_EQ(fk.nlog, 0); /* the device was not read: its read may have side effects */
	CHECK_EQ_U64(R(RCX), 4);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA);

	STR_SETUP("\xf3\xa4", DEV_BASE + 0x20, RAM_WINDOW + 0x100, 4); /* the same at CPL 3 */
	vc.cpl = 3;
	fk.hole = RAM_WINDOW;
	CHECK_EXC(run(DEV_BASE + 0x20, 0), EMU_VEC_PF, EMU_ACC_WRITE | EMU_ACC_USER);

	/* mid-REP: the iterations done stay done, the fault names the next element */
	STR_SETUP("\xf3\xa5", DEV_BASE, RAM_WINDOW + 0xff8, 4);
	fk.hole = RAM_WINDOW + 0x1000;
	CHECK_EQ(run(DEV_BASE, 0), EMU_REPEAT);
	CHECK_EXC(run(DEV_BASE + 8, 0), EMU_VEC_PF, EMU_ACC_WRITE);
	CHECK_EQ_U64(mm.exc.cr2, RAM_WINDOW + 0x1000);
	CHECK_EQ_U64(R(RCX), 2);
	CHECK_EQ_U64(R(RSI), DEV_BASE + 8);
	CHECK_EQ_U64(R(RDI), RAM_WINDOW + 0x1000);
	CHECK_EQ(fk.nlog, 4);
}

TEST(non_canonical_addresses)
{
	STR_SETUP("\xf3\xa4", 0x0000800000000000, DEV_BASE, 1);
	CHECK_EXC(run(DEV_BASE, 0), EMU_VEC_GP, 0);
	CHECK_EQ(fk.nlog, 0);

	/* running into the hole mid-REP pauses; the guest then faults on its own */
	STR_SETUP("\xf3\xa4", 0x00007ffffffffffe, DEV_BASE, 4);
	fk.extra_la = 0x00007ffffffff000;
	CHECK_EQ(run(DEV_BASE, 0), EMU_REPEAT);
	CHECK_EQ(mm.iters, 2);
	CHECK_EQ_U64(R(RSI), 0x0000800000000000);
	CHECK_EXC(run(DEV_BASE + 2, 0), EMU_VEC_GP, 0);
	CHECK_EQ_U64(R(RCX), 2);

	SETUP(DECODE_MODE_64, "\x0f\xa3\x45\x00"); /* bt %eax,0x0(%rbp): stack segment */
	R(RBP) = 0x8000000000000000;
	CHECK_EXC(run(DEV_BASE, 0), EMU_VEC_SS, 0);

	/* canonical with 57-bit addresses: reaches translate */
	STR_SETUP("\xab", 0, 0x0000800000000000, 0);
	vc.la57 = true;
	CHECK_EQ(run(DEV_BASE, 0), -E_INVAL);
}

TEST(bad_instructions)
{
	u8 longest[32];

	SETUP(DECODE_MODE_64, "\xf0\x8b\x07"); /* lock mov: #UD */
	CHECK_EXC(run(DEV_BASE, 0), EMU_VEC_UD, -1);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA);
	CHECK_EQ(fk.nlog, 0);

	memset(longest, 0x66, sizeof(longest)); /* 16 bytes: #GP(0) */
	memcpy(longest + 14, "\x8b\x07", 2);
	setup(DECODE_MODE_64, (const char *)longest, sizeof(longest));
	CHECK_EXC(run(DEV_BASE, 0), EMU_VEC_GP, 0);

	SETUP(DECODE_MODE_64, "\x0f\x0b"); /* ud2: not emulated, bytes kept for the report */
	CHECK_EQ(run(DEV_BASE, 0), -E_NOTSUP);
	CHECK_EQ(mm.nfetched, 15);
	CHECK_EQ(mm.fetched[0], 0x0f);
	CHECK_EQ(mm.fetched[1], 0x0b);
	CHECK_EQ_U64(vc.regs.rip, CODE_LA);

	/* a fetch cut at a page end by a page that is not present: the fetch #PF */
	SETUP(DECODE_MODE_64, "\xc7\x07\x78\x56\x34\x12");
	fk.code_la = vc.regs.rip = 0x7ffd;
	fk.fetch_limit = 3;
	fk.hole = 0x8000;
	CHECK_EXC(run(DEV_BASE, 0), EMU_VEC_PF, EMU_ACC_FETCH);
	CHECK_EQ_U64(mm.exc.cr2, 0x8000);
	CHECK_EQ(mm.nfetched, 3);
	CHECK_EQ(fk.nlog, 0);

	/* ... and by a page that is present (but not fetchable): truncated */
	SETUP(DECODE_MODE_64, "\xc7\x07\x78\x56\x34\x12");
	fk.fetch_limit = 3;
	CHECK_EQ(run(DEV_BASE, 0), DECODE_ERR_TRUNCATED);
	CHECK_EQ(fk.nlog, 0);

	/* a short fetch that holds the whole instruction is fine */
	SETUP(DECODE_MODE_64, "\xc7\x07\x78\x56\x34\x12");
	fk.fetch_limit = 6;
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
}

TEST(rip_wraps_with_the_code_size)
{
	SETUP(DECODE_MODE_32, "\x8b\x07");
	fk.code_la = vc.regs.rip = 0xfffffffe;
	R(RDI) = DEV_BASE;
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
	CHECK_EQ_U64(vc.regs.rip, 0);

	SETUP(DECODE_MODE_16, "\x8b\x07"); /* mov (%bx),%ax at CS base 0x10000, IP 0xfffe */
	vc.seg_base[DECODE_SEG_CS] = 0x10000;
	vc.regs.rip = 0xfffe;
	fk.code_la = 0x1fffe;
	R(RAX) = 0xffff0000;
	le_put(fk.dev, 2, 0x1234);
	CHECK_EQ(run(DEV_BASE, 0), EMU_DONE);
	CHECK_EQ_U64(vc.regs.rip, 0);
	CHECK_EQ_U64(R(RAX), 0xffff1234);
	CHECK_EQ(fk.log[0].size, 2);
}
