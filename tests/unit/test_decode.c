// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMIO instruction decoder against a table of encodings: every form it
 * accepts, in the three code-segment sizes, with the addressing modes and
 * prefixes Linux emits for readl/writel and friends, the IOAPIC and xAPIC
 * access patterns, and string copies. Each row gives the bytes (as objdump
 * shows them) and the expected operation, sizes, operands, segment,
 * immediate and effective address over a fixed register file in which every
 * register holds a distinct value, so a wrong base, index or scale shows.
 * Every row is also decoded with one byte missing (must be "truncated") and
 * with junk after it (must stop at the right length). Then the rejects:
 * truncated, over-long, unsupported and #UD encodings.
 */
#include "tests/unit/check.h"
#include "vmm/emu/decode.h"

enum {
	N = DECODE_OPND_NONE,
	R = DECODE_OPND_REG,
	M = DECODE_OPND_MEM,
	I = DECODE_OPND_IMM,
	S = DECODE_OPND_STRING
};
enum {
	ES = DECODE_SEG_ES,
	CS = DECODE_SEG_CS,
	SS = DECODE_SEG_SS,
	DS = DECODE_SEG_DS,
	FS = DECODE_SEG_FS,
	GS = DECODE_SEG_GS
};
#define M16 DECODE_MODE_16
#define M32 DECODE_MODE_32
#define M64 DECODE_MODE_64
enum {
	ADD = DECODE_OP_ADD,
	OR = DECODE_OP_OR,
	ADC = DECODE_OP_ADC,
	SBB = DECODE_OP_SBB,
	AND = DECODE_OP_AND,
	SUB = DECODE_OP_SUB,
	XOR = DECODE_OP_XOR,
	CMP = DECODE_OP_CMP,
	TEST = DECODE_OP_TEST,
	MOV = DECODE_OP_MOV,
	MOVZX = DECODE_OP_MOVZX,
	MOVSX = DECODE_OP_MOVSX,
	MOVSXD = DECODE_OP_MOVSXD,
	XCHG = DECODE_OP_XCHG,
	BT = DECODE_OP_BT,
	STOS = DECODE_OP_STOS,
	MOVS = DECODE_OP_MOVS
};

#define NOEA 0xbadbadbadbadbad0ULL /* no memory operand to compute */
#define RIP  0xffffffff81000000ULL

/* Register i holds 0x5a5a0000_00(i+1)00(i+1)00: distinct in every address size. */
static void regs_init(u64 gpr[DECODE_NGPR])
{
	for (int i = 0; i < DECODE_NGPR; i++)
		gpr[i] = 0x5a5a000000000000ULL | ((u64)(i + 1) << 20) | ((u64)(i + 1) << 8);
}

struct dcase {
	const char *text;
	u8 mode;
	const char *bytes;
	u8 nbytes;
	u8 op, osz, asz, dst, src;
	s8 reg; /* the register operand (dst if both), -1 if none */
	bool high8;
	u8 seg;
	u64 ea;
	u64 imm;
};

#define C(mode, b, text, op, osz, asz, dst, src, reg, h8, seg, ea, imm)                     \
	{                                                                                   \
		text, mode, b, sizeof(b) - 1, op, osz, asz, dst, src, reg, h8, seg, ea, imm \
	}

static const struct dcase cases[] = {
	/* Linux readl/writel/readb/writeb/readw/writew/readq (arch/x86/include/asm/io.h) */
	C(M64, "\x8b\x07", "mov (%rdi),%eax", MOV, 4, 8, R, M, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x89\x37", "mov %esi,(%rdi)", MOV, 4, 8, M, R, 6, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x8a\x07", "mov (%rdi),%al", MOV, 1, 8, R, M, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x88\x07", "mov %al,(%rdi)", MOV, 1, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x48\x8b\x07", "mov (%rdi),%rax", MOV, 8, 8, R, M, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x48\x89\x37", "mov %rsi,(%rdi)", MOV, 8, 8, M, R, 6, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x66\x89\x37", "mov %si,(%rdi)", MOV, 2, 8, M, R, 6, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x66\x8b\x07", "mov (%rdi),%ax", MOV, 2, 8, R, M, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x0f\xb7\x07", "movzwl (%rdi),%eax", MOVZX, 4, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\x0f\xb6\x07", "movzbl (%rdi),%eax", MOVZX, 4, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\x66\x0f\xb6\x07", "movzbw (%rdi),%ax", MOVZX, 2, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\x0f\xbe\x07", "movsbl (%rdi),%eax", MOVSX, 4, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\x48\x0f\xbf\x07", "movswq (%rdi),%rax", MOVSX, 8, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\x48\x63\x07", "movslq (%rdi),%rax", MOVSXD, 8, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\xc7\x07\x78\x56\x34\x12", "movl $0x12345678,(%rdi)", MOV, 4, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 0x12345678),
	C(M64, "\xc6\x07\xab", "movb $0xab,(%rdi)", MOV, 1, 8, M, I, -1, 0, DS, 0x5a5a000000800800,
	  0xab),
	C(M64, "\x66\xc7\x07\x34\x12", "movw $0x1234,(%rdi)", MOV, 2, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 0x1234),
	C(M64, "\x48\xc7\x07\xff\xff\xff\xff", "movq $-1,(%rdi)", MOV, 8, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, ~0ULL),
	C(M64, "\x48\xc7\x47\x08\x00\x00\x00\x80", "movq $0xffffffff80000000,0x8(%rdi)", MOV, 8, 8,
	  M, I, -1, 0, DS, 0x5a5a000000800808, 0xffffffff80000000),
	/* IOAPIC: index write at +0, data at +0x10; HPET/virtio registers at larger offsets */
	C(M64, "\x8b\x47\x10", "mov 0x10(%rdi),%eax", MOV, 4, 8, R, M, 0, 0, DS, 0x5a5a000000800810,
	  0),
	C(M64, "\x89\x77\xf0", "mov %esi,-0x10(%rdi)", MOV, 4, 8, M, R, 6, 0, DS,
	  0x5a5a0000008007f0, 0),
	C(M64, "\x8b\x87\xf0\x00\x00\x00", "mov 0xf0(%rdi),%eax", MOV, 4, 8, R, M, 0, 0, DS,
	  0x5a5a0000008008f0, 0),
	/* xAPIC: native_apic_mem_read/write at the fixmap, and the 11AP xchg variant */
	C(M64, "\x8b\x04\x25\x20\xb0\x5f\xff", "mov 0xffffffffff5fb020,%eax", MOV, 4, 8, R, M, 0, 0,
	  DS, 0xffffffffff5fb020, 0),
	C(M64, "\x89\x14\x25\xb0\xb0\x5f\xff", "mov %edx,0xffffffffff5fb0b0", MOV, 4, 8, M, R, 2, 0,
	  DS, 0xffffffffff5fb0b0, 0),
	C(M64, "\x87\x14\x25\xb0\xb0\x5f\xff", "xchg %edx,0xffffffffff5fb0b0", XCHG, 4, 8, M, R, 2,
	  0, DS, 0xffffffffff5fb0b0, 0),
	/* RIP-relative counts from the next instruction */
	C(M64, "\x8b\x05\x10\x00\x00\x00", "mov 0x10(%rip),%eax", MOV, 4, 8, R, M, 0, 0, DS,
	  0xffffffff81000016, 0),
	C(M64, "\x8b\x05\xf0\xff\xff\xff", "mov -0x10(%rip),%eax", MOV, 4, 8, R, M, 0, 0, DS,
	  0xffffffff80fffff6, 0),
	C(M64, "\xc7\x05\x00\x01\x00\x00\x01\x00\x00\x00", "movl $0x1,0x100(%rip)", MOV, 4, 8, M, I,
	  -1, 0, DS, 0xffffffff8100010a, 1),
	C(M64, "\x67\x8b\x05\x10\x00\x00\x00", "mov 0x10(%eip),%eax", MOV, 4, 4, R, M, 0, 0, DS,
	  0x81000017, 0),
	/* REX.B/X/R: r12 and r13 as base need SIB and disp8; index r12 */
	C(M64, "\x41\x8b\x04\x24", "mov (%r12),%eax", MOV, 4, 8, R, M, 0, 0, DS, 0x5a5a000000d00d00,
	  0),
	C(M64, "\x41\x8b\x45\x00", "mov 0x0(%r13),%eax", MOV, 4, 8, R, M, 0, 0, DS,
	  0x5a5a000000e00e00, 0),
	C(M64, "\x41\x8b\x07", "mov (%r15),%eax", MOV, 4, 8, R, M, 0, 0, DS, 0x5a5a000001001000, 0),
	C(M64, "\x45\x8b\x0c\x24", "mov (%r12),%r9d", MOV, 4, 8, R, M, 9, 0, DS, 0x5a5a000000d00d00,
	  0),
	C(M64, "\x44\x89\x07", "mov %r8d,(%rdi)", MOV, 4, 8, M, R, 8, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x4c\x89\x3f", "mov %r15,(%rdi)", MOV, 8, 8, M, R, 15, 0, DS, 0x5a5a000000800800,
	  0),
	C(M64, "\x42\x8b\x04\xa7", "mov (%rdi,%r12,4),%eax", MOV, 4, 8, R, M, 0, 0, DS,
	  0xc3c2000003c03c00, 0),
	C(M64, "\x4a\x8b\x04\x27", "mov (%rdi,%r12,1),%rax", MOV, 8, 8, R, M, 0, 0, DS,
	  0xb4b4000001501500, 0),
	C(M64, "\x8b\x04\x27", "mov (%rdi,%riz,1),%eax", MOV, 4, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\x8b\x04\x8f", "mov (%rdi,%rcx,4),%eax", MOV, 4, 8, R, M, 0, 0, DS,
	  0xc3c2000001001000, 0),
	C(M64, "\x8b\x44\x8f\x08", "mov 0x8(%rdi,%rcx,4),%eax", MOV, 4, 8, R, M, 0, 0, DS,
	  0xc3c2000001001008, 0),
	C(M64, "\x8b\x04\x0d\x00\x10\x00\x00", "mov 0x1000(,%rcx,1),%eax", MOV, 4, 8, R, M, 0, 0,
	  DS, 0x5a5a000000201200, 0),
	C(M64, "\x8b\x04\x24", "mov (%rsp),%eax", MOV, 4, 8, R, M, 0, 0, SS, 0x5a5a000000500500, 0),
	C(M64, "\x8b\x45\x08", "mov 0x8(%rbp),%eax", MOV, 4, 8, R, M, 0, 0, SS, 0x5a5a000000600608,
	  0),
	/* address size 32 in long mode */
	C(M64, "\x67\x8b\x07", "mov (%edi),%eax", MOV, 4, 4, R, M, 0, 0, DS, 0x00800800, 0),
	/* segment overrides: per-cpu data through %gs, the stack canary through %fs */
	C(M64, "\x64\x8b\x04\x25\x28\x00\x00\x00", "mov %fs:0x28,%eax", MOV, 4, 8, R, M, 0, 0, FS,
	  0x28, 0),
	C(M64, "\x65\x48\x8b\x04\x25\x00\x00\x00\x00", "mov %gs:0x0,%rax", MOV, 8, 8, R, M, 0, 0,
	  GS, 0, 0),
	C(M64, "\x65\x8b\x07", "mov %gs:(%rdi),%eax", MOV, 4, 8, R, M, 0, 0, GS, 0x5a5a000000800800,
	  0),
	C(M64, "\x26\x8b\x07", "mov %es:(%rdi),%eax", MOV, 4, 8, R, M, 0, 0, ES, 0x5a5a000000800800,
	  0),
	C(M64, "\x2e\x3e\x8b\x07", "cs ds mov (%rdi),%eax: the last override wins", MOV, 4, 8, R, M,
	  0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x3e\x2e\x8b\x07", "ds cs mov (%rdi),%eax", MOV, 4, 8, R, M, 0, 0, CS,
	  0x5a5a000000800800, 0),
	C(M64, "\x36\x8b\x07", "mov %ss:(%rdi),%eax", MOV, 4, 8, R, M, 0, 0, SS, 0x5a5a000000800800,
	  0),
	/* moffs: 8-byte offset in long mode, 4 with 67 */
	C(M64, "\xa1\x20\xb0\x5f\xff\xff\xff\xff\xff", "movabs 0xffffffffff5fb020,%eax", MOV, 4, 8,
	  R, M, 0, 0, DS, 0xffffffffff5fb020, 0),
	C(M64, "\xa3\xb0\xb0\x5f\xff\xff\xff\xff\xff", "movabs %eax,0xffffffffff5fb0b0", MOV, 4, 8,
	  M, R, 0, 0, DS, 0xffffffffff5fb0b0, 0),
	C(M64, "\x48\xa1\x20\x00\xe0\xfe\x00\x00\x00\x00", "movabs 0xfee00020,%rax", MOV, 8, 8, R,
	  M, 0, 0, DS, 0xfee00020, 0),
	C(M64, "\xa0\x20\x00\xe0\xfe\x00\x00\x00\x00", "movabs 0xfee00020,%al", MOV, 1, 8, R, M, 0,
	  0, DS, 0xfee00020, 0),
	C(M64, "\xa2\x20\x00\xe0\xfe\x00\x00\x00\x00", "movabs %al,0xfee00020", MOV, 1, 8, M, R, 0,
	  0, DS, 0xfee00020, 0),
	C(M64, "\x67\xa1\x44\x33\x22\x11", "addr32 mov 0x11223344,%eax", MOV, 4, 4, R, M, 0, 0, DS,
	  0x11223344, 0),
	C(M64, "\x65\xa1\x10\x00\x00\x00\x00\x00\x00\x00", "movabs %gs:0x10,%eax", MOV, 4, 8, R, M,
	  0, 0, GS, 0x10, 0),
	/* ALU with a memory operand, both directions */
	C(M64, "\x01\x07", "add %eax,(%rdi)", ADD, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x09\x07", "or %eax,(%rdi)", OR, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x11\x07", "adc %eax,(%rdi)", ADC, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x19\x07", "sbb %eax,(%rdi)", SBB, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x23\x07", "and (%rdi),%eax", AND, 4, 8, R, M, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x29\x07", "sub %eax,(%rdi)", SUB, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x31\x07", "xor %eax,(%rdi)", XOR, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x33\x07", "xor (%rdi),%eax", XOR, 4, 8, R, M, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x39\x07", "cmp %eax,(%rdi)", CMP, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x3b\x07", "cmp (%rdi),%eax", CMP, 4, 8, R, M, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x20\x07", "and %al,(%rdi)", AND, 1, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x0a\x0f", "or (%rdi),%cl", OR, 1, 8, R, M, 1, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x48\x2b\x0f", "sub (%rdi),%rcx", SUB, 8, 8, R, M, 1, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x83\x27\xfe", "andl $0xfffffffe,(%rdi)", AND, 4, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 0xfffffffe),
	C(M64, "\x81\x0f\x00\x00\x00\x80", "orl $0x80000000,(%rdi)", OR, 4, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 0x80000000),
	C(M64, "\x80\x0f\x01", "orb $0x1,(%rdi)", OR, 1, 8, M, I, -1, 0, DS, 0x5a5a000000800800, 1),
	C(M64, "\x83\x3f\x00", "cmpl $0x0,(%rdi)", CMP, 4, 8, M, I, -1, 0, DS, 0x5a5a000000800800,
	  0),
	C(M64, "\x48\x83\x27\xf0", "andq $-16,(%rdi)", AND, 8, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 0xfffffffffffffff0),
	C(M64, "\x66\x81\x27\xff\x00", "andw $0xff,(%rdi)", AND, 2, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 0xff),
	C(M64, "\x66\x83\x27\x80", "andw $0xff80,(%rdi)", AND, 2, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 0xff80),
	C(M64, "\x83\x6f\x20\x01", "subl $0x1,0x20(%rdi)", SUB, 4, 8, M, I, -1, 0, DS,
	  0x5a5a000000800820, 1),
	C(M64, "\x83\x57\x04\x00", "adcl $0x0,0x4(%rdi)", ADC, 4, 8, M, I, -1, 0, DS,
	  0x5a5a000000800804, 0),
	C(M64, "\x80\x5f\x04\x01", "sbbb $0x1,0x4(%rdi)", SBB, 1, 8, M, I, -1, 0, DS,
	  0x5a5a000000800804, 1),
	C(M64, "\x81\x77\x04\x01\x00\x00\x00", "xorl $0x1,0x4(%rdi)", XOR, 4, 8, M, I, -1, 0, DS,
	  0x5a5a000000800804, 1),
	C(M64, "\x85\x07", "test %eax,(%rdi)", TEST, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x84\x07", "test %al,(%rdi)", TEST, 1, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\xf6\x07\x01", "testb $0x1,(%rdi)", TEST, 1, 8, M, I, -1, 0, DS, 0x5a5a000000800800,
	  1),
	C(M64, "\xf7\x07\x00\x00\x01\x00", "testl $0x10000,(%rdi)", TEST, 4, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 0x10000),
	C(M64, "\x48\xf7\x07\xff\xff\xff\xff", "testq $-1,(%rdi)", TEST, 8, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, ~0ULL),
	/* XCHG, BT */
	C(M64, "\x86\x07", "xchg %al,(%rdi)", XCHG, 1, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x87\x07", "xchg %eax,(%rdi)", XCHG, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x48\x87\x07", "xchg %rax,(%rdi)", XCHG, 8, 8, M, R, 0, 0, DS, 0x5a5a000000800800,
	  0),
	C(M64, "\x0f\xa3\x07", "bt %eax,(%rdi)", BT, 4, 8, M, R, 0, 0, DS, 0x5a5a000000800800, 0),
	/* string: memset_io, memcpy_toio/fromio */
	C(M64, "\xaa", "stos %al,%es:(%rdi)", STOS, 1, 8, S, R, 0, 0, DS, NOEA, 0),
	C(M64, "\xab", "stos %eax,%es:(%rdi)", STOS, 4, 8, S, R, 0, 0, DS, NOEA, 0),
	C(M64, "\xf3\xab", "rep stos %eax,%es:(%rdi)", STOS, 4, 8, S, R, 0, 0, DS, NOEA, 0),
	C(M64, "\xf3\x48\xab", "rep stos %rax,%es:(%rdi)", STOS, 8, 8, S, R, 0, 0, DS, NOEA, 0),
	C(M64, "\xf3\xa4", "rep movsb", MOVS, 1, 8, S, S, -1, 0, DS, NOEA, 0),
	C(M64, "\xf3\xa5", "rep movsl", MOVS, 4, 8, S, S, -1, 0, DS, NOEA, 0),
	C(M64, "\xf3\x48\xa5", "rep movsq", MOVS, 8, 8, S, S, -1, 0, DS, NOEA, 0),
	C(M64, "\x66\xa5", "movsw", MOVS, 2, 8, S, S, -1, 0, DS, NOEA, 0),
	C(M64, "\x67\xf3\xa4", "rep movsb (%esi),(%edi)", MOVS, 1, 4, S, S, -1, 0, DS, NOEA, 0),
	C(M64, "\x64\xa4", "movsb %fs:(%rsi),%es:(%rdi)", MOVS, 1, 8, S, S, -1, 0, FS, NOEA, 0),
	/* LOCK on a memory read-modify-write */
	C(M64, "\xf0\x01\x07", "lock add %eax,(%rdi)", ADD, 4, 8, M, R, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\xf0\x87\x07", "lock xchg %eax,(%rdi)", XCHG, 4, 8, M, R, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\xf0\x83\x0f\x01", "lock orl $0x1,(%rdi)", OR, 4, 8, M, I, -1, 0, DS,
	  0x5a5a000000800800, 1),
	/* byte registers: AH..BH without REX, SPL..DIL and R8B.. with */
	C(M64, "\x8a\x27", "mov (%rdi),%ah", MOV, 1, 8, R, M, 0, 1, DS, 0x5a5a000000800800, 0),
	C(M64, "\x40\x8a\x27", "mov (%rdi),%spl", MOV, 1, 8, R, M, 4, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x88\x3f", "mov %bh,(%rdi)", MOV, 1, 8, M, R, 3, 1, DS, 0x5a5a000000800800, 0),
	C(M64, "\x40\x88\x3f", "mov %dil,(%rdi)", MOV, 1, 8, M, R, 7, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x44\x88\x3f", "mov %r15b,(%rdi)", MOV, 1, 8, M, R, 15, 0, DS, 0x5a5a000000800800,
	  0),
	C(M64, "\x0f\xb6\x27", "movzbl (%rdi),%esp", MOVZX, 4, 8, R, M, 4, 0, DS,
	  0x5a5a000000800800, 0),
	/* prefix interplay */
	C(M64, "\x48\x66\x8b\x07", "rex.W data16 mov: a REX not last is ignored", MOV, 2, 8, R, M,
	  0, 0, DS, 0x5a5a000000800800, 0),
	C(M64, "\x66\x48\x8b\x07", "data16 mov (%rdi),%rax: REX.W wins", MOV, 8, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\x66\x66\x66\x8b\x07", "data16 x3 mov (%rdi),%ax", MOV, 2, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	C(M64, "\xf3\x8b\x07", "repz mov (%rdi),%eax (ignored)", MOV, 4, 8, R, M, 0, 0, DS,
	  0x5a5a000000800800, 0),
	/* register forms decode too (mod 11), without a memory operand */
	C(M64, "\x01\xc8", "add %ecx,%eax", ADD, 4, 8, R, R, 0, 0, DS, NOEA, 0),
	C(M64, "\xc7\xc0\x01\x00\x00\x00", "mov $0x1,%eax", MOV, 4, 8, R, I, 0, 0, DS, NOEA, 1),
	C(M64, "\x49\x8b\xc1", "mov %r9,%rax", MOV, 8, 8, R, R, 0, 0, DS, NOEA, 0),

	/* 32-bit protected mode and compatibility mode */
	C(M32, "\x8b\x07", "mov (%edi),%eax", MOV, 4, 4, R, M, 0, 0, DS, 0x00800800, 0),
	C(M32, "\x8b\x05\x78\x56\x34\x12", "mov 0x12345678,%eax (not RIP-relative)", MOV, 4, 4, R,
	  M, 0, 0, DS, 0x12345678, 0),
	C(M32, "\x66\x8b\x07", "mov (%edi),%ax", MOV, 2, 4, R, M, 0, 0, DS, 0x00800800, 0),
	C(M32, "\x67\x8b\x07", "addr16 mov (%bx),%eax", MOV, 4, 2, R, M, 0, 0, DS, 0x0400, 0),
	C(M32, "\xa1\x78\x56\x34\x12", "mov 0x12345678,%eax", MOV, 4, 4, R, M, 0, 0, DS, 0x12345678,
	  0),
	C(M32, "\x82\x07\x01", "addb $0x1,(%edi) (82 alias)", ADD, 1, 4, M, I, -1, 0, DS,
	  0x00800800, 1),
	C(M32, "\x8b\x04\x8d\x00\x10\x00\x00", "mov 0x1000(,%ecx,4),%eax", MOV, 4, 4, R, M, 0, 0,
	  DS, 0x00801800, 0),
	C(M32, "\x8b\x45\x08", "mov 0x8(%ebp),%eax", MOV, 4, 4, R, M, 0, 0, SS, 0x00600608, 0),
	C(M32, "\x26\x8b\x07", "mov %es:(%edi),%eax", MOV, 4, 4, R, M, 0, 0, ES, 0x00800800, 0),
	C(M32, "\x8a\x27", "mov (%edi),%ah", MOV, 1, 4, R, M, 0, 1, DS, 0x00800800, 0),
	C(M32, "\x0f\xb7\x07", "movzwl (%edi),%eax", MOVZX, 4, 4, R, M, 0, 0, DS, 0x00800800, 0),
	C(M32, "\xc7\x07\x78\x56\x34\x12", "movl $0x12345678,(%edi)", MOV, 4, 4, M, I, -1, 0, DS,
	  0x00800800, 0x12345678),
	C(M32, "\xf3\xa5", "rep movsl", MOVS, 4, 4, S, S, -1, 0, DS, NOEA, 0),

	/* 16-bit: real mode and 16-bit protected mode */
	C(M16, "\x8b\x07", "mov (%bx),%ax", MOV, 2, 2, R, M, 0, 0, DS, 0x0400, 0),
	C(M16, "\x8b\x00", "mov (%bx,%si),%ax", MOV, 2, 2, R, M, 0, 0, DS, 0x0b00, 0),
	C(M16, "\x8a\x01", "mov (%bx,%di),%al", MOV, 1, 2, R, M, 0, 0, DS, 0x0c00, 0),
	C(M16, "\x8b\x02", "mov (%bp,%si),%ax", MOV, 2, 2, R, M, 0, 0, SS, 0x0d00, 0),
	C(M16, "\x8b\x03", "mov (%bp,%di),%ax", MOV, 2, 2, R, M, 0, 0, SS, 0x0e00, 0),
	C(M16, "\x8b\x04", "mov (%si),%ax", MOV, 2, 2, R, M, 0, 0, DS, 0x0700, 0),
	C(M16, "\x8b\x06\x34\x12", "mov 0x1234,%ax", MOV, 2, 2, R, M, 0, 0, DS, 0x1234, 0),
	C(M16, "\x8b\x46\xfe", "mov -0x2(%bp),%ax", MOV, 2, 2, R, M, 0, 0, SS, 0x05fe, 0),
	C(M16, "\x8b\x87\x00\x80", "mov -0x8000(%bx),%ax", MOV, 2, 2, R, M, 0, 0, DS, 0x8400, 0),
	C(M16, "\x66\x8b\x07", "mov (%bx),%eax", MOV, 4, 2, R, M, 0, 0, DS, 0x0400, 0),
	C(M16, "\x67\x8b\x07", "addr32 mov (%edi),%ax", MOV, 2, 4, R, M, 0, 0, DS, 0x00800800, 0),
	C(M16, "\xa1\x34\x12", "mov 0x1234,%ax", MOV, 2, 2, R, M, 0, 0, DS, 0x1234, 0),
	C(M16, "\xc7\x07\x34\x12", "movw $0x1234,(%bx)", MOV, 2, 2, M, I, -1, 0, DS, 0x0400,
	  0x1234),
	C(M16, "\x66\xc7\x07\x78\x56\x34\x12", "movl $0x12345678,(%bx)", MOV, 4, 2, M, I, -1, 0, DS,
	  0x0400, 0x12345678),
	C(M16, "\x83\x0f\xff", "orw $0xffff,(%bx)", OR, 2, 2, M, I, -1, 0, DS, 0x0400, 0xffff),
	C(M16, "\xf3\xab", "rep stos %ax,%es:(%di)", STOS, 2, 2, S, R, 0, 0, DS, NOEA, 0),
};

/* The register operand of a row: dst if it is one, else src. */
static const struct decode_opnd *case_reg_opnd(const struct decode_insn *in)
{
	if (in->dst.type == DECODE_OPND_REG)
		return &in->dst;
	if (in->src.type == DECODE_OPND_REG)
		return &in->src;
	return NULL;
}

static void case_check(const struct dcase *t)
{
	struct decode_insn in;
	const struct decode_opnd *r;
	u64 gpr[DECODE_NGPR];
	u8 buf[DECODE_MAX_LEN];
	int err;

	/* Junk after the instruction must not be consumed. */
	memset(buf, 0x0f, sizeof(buf));
	memcpy(buf, t->bytes, t->nbytes);
	err = decode_insn(buf, sizeof(buf), t->mode, &in);
	if (err) {
		check_fail(__FILE__, __LINE__, "%s: decode failed %d", t->text, err);
		return;
	}
	regs_init(gpr);
	if (in.len != t->nbytes || in.op != t->op || in.op_size != t->osz ||
	    in.addr_size != t->asz || in.dst.type != t->dst || in.src.type != t->src)
		check_fail(__FILE__, __LINE__, "%s: len %u op %u osz %u asz %u dst %u src %u",
			   t->text, in.len, in.op, in.op_size, in.addr_size, in.dst.type,
			   in.src.type);
	r = case_reg_opnd(&in);
	if (t->reg < 0 ? r != NULL : !r || r->reg != t->reg || r->high8 != t->high8)
		check_fail(__FILE__, __LINE__, "%s: register operand %d/%d", t->text,
			   r ? r->reg : -1, r ? r->high8 : -1);
	if (t->ea != NOEA && decode_mem_offset(&in, gpr, RIP) != t->ea)
		check_fail(__FILE__, __LINE__, "%s: EA 0x%llx", t->text,
			   (unsigned long long)decode_mem_offset(&in, gpr, RIP));
	if ((t->ea != NOEA || t->src == S) && in.mem.seg != t->seg)
		check_fail(__FILE__, __LINE__, "%s: seg %u", t->text, in.mem.seg);
	if (t->src == I && in.imm != t->imm)
		check_fail(__FILE__, __LINE__, "%s: imm 0x%llx", t->text,
			   (unsigned long long)in.imm);
	if (memcmp(in.bytes, t->bytes, t->nbytes) != 0)
		check_fail(__FILE__, __LINE__, "%s: bytes not copied", t->text);
}

TEST(table)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		case_check(&cases[i]);
	/* a table that silently shrank would prove less */
	CHECK(ARRAY_SIZE(cases) >= 140);
}

/* Every proper prefix of a valid instruction is a short fetch, never anything else. */
TEST(every_prefix_is_truncated)
{
	struct decode_insn in;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct dcase *t = &cases[i];

		CHECK_EQ(decode_insn((const u8 *)t->bytes, t->nbytes, t->mode, &in), 0);
		for (unsigned n = 0; n < t->nbytes; n++) {
			int err = decode_insn((const u8 *)t->bytes, n, t->mode, &in);

			if (err != DECODE_ERR_TRUNCATED)
				check_fail(__FILE__, __LINE__, "%s cut to %u bytes: %d", t->text, n,
					   err);
		}
	}
}

TEST(fields)
{
	struct decode_insn in;

	CHECK_EQ(decode_insn((const u8 *)"\x42\x8b\x04\xa7", 4, M64, &in), 0);
	CHECK_EQ(in.rex, 0x42);
	CHECK(in.has_modrm && in.has_sib);
	CHECK_EQ(in.modrm, 0x04);
	CHECK_EQ(in.sib, 0xa7);
	CHECK_EQ(in.mem.base, DECODE_RDI);
	CHECK_EQ(in.mem.index, DECODE_R12);
	CHECK_EQ(in.mem.scale, 4);
	CHECK_EQ(in.disp_size, 0);
	CHECK(!in.mem.rip_rel);

	CHECK_EQ(decode_insn((const u8 *)"\x8b\x05\x10\x00\x00\x00", 6, M64, &in), 0);
	CHECK(in.mem.rip_rel);
	CHECK_EQ(in.mem.base, DECODE_NO_REG);
	CHECK_EQ(in.disp_size, 4);
	CHECK_EQ(in.mem.disp, 0x10);

	CHECK_EQ(decode_insn((const u8 *)"\x8b\x47\xf0", 3, M64, &in), 0);
	CHECK_EQ(in.mem.disp, -16);
	CHECK_EQ(in.disp_size, 1);

	CHECK_EQ(decode_insn((const u8 *)"\xf0\x65\x66\x67\xf2\x41\x81\x04\x24\x34\x12", 11, M64,
			     &in),
		 0);
	CHECK_EQ(in.prefixes, DECODE_PFX_LOCK | DECODE_PFX_SEG | DECODE_PFX_OPSIZE |
				      DECODE_PFX_ADDRSIZE | DECODE_PFX_REPNE);
	CHECK_EQ(in.rep, 0xf2);
	CHECK_EQ(in.seg_override, DECODE_SEG_GS);
	CHECK_EQ(in.op_size, 2);
	CHECK_EQ(in.addr_size, 4);
	CHECK_EQ(in.imm_size, 2);
	CHECK_EQ(in.imm, 0x1234);
	CHECK_EQ(in.mem.base, DECODE_R12);

	CHECK_EQ(decode_insn((const u8 *)"\x0f\xbf\x07", 3, M64, &in), 0);
	CHECK(in.escape_0f);
	CHECK_EQ(in.opcode, 0xbf);
	CHECK_EQ(in.src.size, 2);
	CHECK_EQ(in.dst.size, 4);

	CHECK_EQ(decode_insn((const u8 *)"\x63\x07", 2, M64, &in), 0); /* movsxd without REX.W */
	CHECK_EQ(in.src.size, 4);
	CHECK_EQ(in.dst.size, 4);
	CHECK_EQ(decode_insn((const u8 *)"\xf3\xa5", 2, M64, &in), 0);
	CHECK_EQ(in.prefixes, DECODE_PFX_REPE);
	CHECK_EQ(in.seg_override, DECODE_SEG_NONE);

	/* INVLPG (0F 01 /7): its memory operand; the rest of group 7 is refused */
	CHECK_EQ(decode_insn((const u8 *)"\x65\x41\x0f\x01\x7c\x24\x08", 7, M64, &in), 0);
	CHECK_EQ(in.op, DECODE_OP_INVLPG);
	CHECK_EQ(in.len, 7);
	CHECK_EQ(in.dst.type, DECODE_OPND_MEM);
	CHECK_EQ(in.mem.base, DECODE_R12);
	CHECK_EQ(in.mem.index, DECODE_NO_REG);
	CHECK_EQ(in.mem.disp, 8);
	CHECK_EQ(in.mem.seg, DECODE_SEG_GS);
	CHECK_EQ(decode_insn((const u8 *)"\x0f\x01\x38", 3, M64, &in), 0); /* invlpg (%rax) */
	CHECK_EQ(in.mem.base, DECODE_RAX);
	CHECK_EQ(decode_insn((const u8 *)"\x0f\x01\xf8", 3, M64, &in), DECODE_ERR_UNSUPPORTED);
	CHECK_EQ(decode_insn((const u8 *)"\x0f\x01\x10", 3, M64, &in), DECODE_ERR_UNSUPPORTED);
	CHECK_EQ(decode_insn((const u8 *)"\xf0\x0f\x01\x38", 4, M64, &in), DECODE_ERR_UD);
	CHECK_STR(decode_op_name(DECODE_OP_INVLPG), "invlpg");

	CHECK_STR(decode_op_name(DECODE_OP_MOVZX), "movzx");
	CHECK_STR(decode_op_name(DECODE_OP_CMP), "cmp");
	CHECK_STR(decode_op_name(200), "?");
}

/* 15 bytes is the most: the same instruction with one more redundant prefix is #GP. */
TEST(length_limit)
{
	u8 buf[32];
	struct decode_insn in;

	memset(buf, 0x66, sizeof(buf));
	memcpy(buf + 13, "\x8b\x07", 2);
	CHECK_EQ(decode_insn(buf, sizeof(buf), M64, &in), 0);
	CHECK_EQ(in.len, 15);
	CHECK_EQ(in.op_size, 2);

	memset(buf, 0x66, sizeof(buf));
	memcpy(buf + 14, "\x8b\x07", 2);
	CHECK_EQ(decode_insn(buf, sizeof(buf), M64, &in), DECODE_ERR_TOO_LONG);
	/* with exactly 15 bytes supplied the 16th is over-long, not missing */
	CHECK_EQ(decode_insn(buf, 15, M64, &in), DECODE_ERR_TOO_LONG);
	CHECK_EQ(decode_insn(buf, 10, M64, &in), DECODE_ERR_TRUNCATED);

	/* long immediates count too: 11 prefixes + movw $imm16,(%rdi) = 15; 12 is too many */
	memset(buf, 0x2e, sizeof(buf));
	buf[0] = 0x66;
	memcpy(buf + 11, "\xc7\x07\x34\x12", 4);
	CHECK_EQ(decode_insn(buf, sizeof(buf), M64, &in), 0);
	CHECK_EQ(in.len, 15);
	memcpy(buf + 12, "\xc7\x07\x34\x12", 4);
	buf[11] = 0x3e;
	CHECK_EQ(decode_insn(buf, sizeof(buf), M64, &in), DECODE_ERR_TOO_LONG);

	/* a run of REX prefixes is no exception */
	memset(buf, 0x48, sizeof(buf));
	CHECK_EQ(decode_insn(buf, sizeof(buf), M64, &in), DECODE_ERR_TOO_LONG);
}

struct reject {
	u8 mode;
	const char *bytes;
	u8 n;
	int err;
	const char *text;
};
#define REJ(mode, b, err, text)                   \
	{                                         \
		mode, b, sizeof(b) - 1, err, text \
	}

static const struct reject rejects[] = {
	REJ(M64, "\x0f\x0b", DECODE_ERR_UNSUPPORTED, "ud2"),
	REJ(M64, "\xff\x07", DECODE_ERR_UNSUPPORTED, "incl (%rdi)"),
	REJ(M64, "\xff", DECODE_ERR_UNSUPPORTED, "ff, truncated: the opcode decides first"),
	REJ(M64, "\xf7\x17", DECODE_ERR_UNSUPPORTED, "notl (%rdi)"),
	REJ(M64, "\xf6\x1f", DECODE_ERR_UNSUPPORTED, "negb (%rdi)"),
	REJ(M64, "\xf7\x0f\x00\x00\x00\x00", DECODE_ERR_UNSUPPORTED, "test /1 alias"),
	REJ(M64, "\xc6\xf8\x00", DECODE_ERR_UNSUPPORTED, "xabort"),
	REJ(M64, "\xc7\x47\x08\x00\x00\x00\x00", 0, "movl $0,0x8(%rdi) (control)"),
	REJ(M64, "\xc7\x4f\x08\x00\x00\x00\x00", DECODE_ERR_UNSUPPORTED, "c7 /1"),
	REJ(M64, "\x8c\xd8", DECODE_ERR_UNSUPPORTED, "mov %ds,%eax"),
	REJ(M64, "\x8e\x07", DECODE_ERR_UNSUPPORTED, "mov (%rdi),%es"),
	REJ(M64, "\x0f\x01\xd9", DECODE_ERR_UNSUPPORTED, "vmmcall"),
	REJ(M64, "\x0f\x10\x07", DECODE_ERR_UNSUPPORTED, "movups (%rdi),%xmm0"),
	REJ(M64, "\x66\x0f\x6f\x07", DECODE_ERR_UNSUPPORTED, "movdqa (%rdi),%xmm0"),
	REJ(M64, "\xc5\xf8\x77", DECODE_ERR_UNSUPPORTED, "vzeroupper (VEX)"),
	REJ(M64, "\xd9\x07", DECODE_ERR_UNSUPPORTED, "flds (%rdi)"),
	REJ(M64, "\xe8\x00\x00\x00\x00", DECODE_ERR_UNSUPPORTED, "call"),
	REJ(M64, "\x04\x01", DECODE_ERR_UNSUPPORTED, "add $1,%al: no memory operand"),
	REJ(M64, "\xa6", DECODE_ERR_UNSUPPORTED, "cmpsb"),
	REJ(M64, "\xac", DECODE_ERR_UNSUPPORTED, "lodsb"),
	REJ(M64, "\x0f\xab\x07", DECODE_ERR_UNSUPPORTED, "bts %eax,(%rdi)"),
	REJ(M64, "\x0f\xba\x27\x03", DECODE_ERR_UNSUPPORTED, "btl $3,(%rdi)"),
	REJ(M64, "\x0f\xb1\x0f", DECODE_ERR_UNSUPPORTED, "cmpxchg %ecx,(%rdi)"),
	REJ(M32, "\x63\x07", DECODE_ERR_UNSUPPORTED, "arpl outside long mode"),
	REJ(M32, "\x48\x8b\x07", DECODE_ERR_UNSUPPORTED, "dec %eax outside long mode"),
	REJ(M16, "\x40", DECODE_ERR_UNSUPPORTED, "inc %ax"),
	/* #UD on hardware */
	REJ(M64, "\xf0\x8b\x07", DECODE_ERR_UD, "lock mov (%rdi),%eax"),
	REJ(M64, "\xf0\x89\x07", DECODE_ERR_UD, "lock mov %eax,(%rdi)"),
	REJ(M64, "\xf0\x01\xc8", DECODE_ERR_UD, "lock add %ecx,%eax"),
	REJ(M64, "\xf0\x03\x07", DECODE_ERR_UD, "lock add (%rdi),%eax"),
	REJ(M64, "\xf0\x39\x07", DECODE_ERR_UD, "lock cmp %eax,(%rdi)"),
	REJ(M64, "\xf0\x85\x07", DECODE_ERR_UD, "lock test %eax,(%rdi)"),
	REJ(M64, "\xf0\x83\x3f\x00", DECODE_ERR_UD, "lock cmpl $0,(%rdi)"),
	REJ(M64, "\xf0\x0f\xb6\x07", DECODE_ERR_UD, "lock movzbl"),
	REJ(M64, "\xf0\xab", DECODE_ERR_UD, "lock stos"),
	REJ(M64, "\xf0\x0f\xa3\x07", DECODE_ERR_UD, "lock bt"),
	REJ(M64, "\xf0\x87\xc8", DECODE_ERR_UD, "lock xchg %ecx,%eax"),
	REJ(M64, "\x82\x07\x01", DECODE_ERR_UD, "82 in long mode"),
	/* truncated mid-field */
	REJ(M64, "", DECODE_ERR_TRUNCATED, "nothing"),
	REJ(M64, "\x66\x67", DECODE_ERR_TRUNCATED, "prefixes only"),
	REJ(M64, "\x8b\x04", DECODE_ERR_TRUNCATED, "SIB missing"),
	REJ(M64, "\x8b\x87\xf0\x00", DECODE_ERR_TRUNCATED, "disp32 cut"),
	REJ(M64, "\xc7\x07\x78\x56", DECODE_ERR_TRUNCATED, "imm32 cut"),
	REJ(M64, "\xa1\x20\xb0\x5f\xff", DECODE_ERR_TRUNCATED, "moffs64 cut"),
	REJ(M64, "\x0f", DECODE_ERR_TRUNCATED, "escape alone"),
};

TEST(rejects)
{
	struct decode_insn in;

	for (size_t i = 0; i < ARRAY_SIZE(rejects); i++) {
		const struct reject *t = &rejects[i];
		int err = decode_insn((const u8 *)t->bytes, t->n, t->mode, &in);

		if (err != t->err)
			check_fail(__FILE__, __LINE__, "%s: %d, expected %d", t->text, err, t->err);
	}
	/* the four failures are distinct, so the monitor can tell them apart */
	CHECK(DECODE_ERR_UNSUPPORTED != DECODE_ERR_TOO_LONG);
	CHECK(DECODE_ERR_UNSUPPORTED != DECODE_ERR_TRUNCATED);
	CHECK(DECODE_ERR_UNSUPPORTED != DECODE_ERR_UD);
	CHECK(DECODE_ERR_TRUNCATED != DECODE_ERR_TOO_LONG);
	CHECK(DECODE_ERR_TRUNCATED != DECODE_ERR_UD && DECODE_ERR_TOO_LONG != DECODE_ERR_UD);
}

/* Every one-byte opcode either decodes to a known op or is refused: never garbage. */
TEST(opcode_sweep)
{
	struct decode_insn in;
	int accepted = 0;

	for (int mode = 0; mode < 3; mode++) {
		u8 m = (u8[]){ M16, M32, M64 }[mode];

		for (int op = 0; op < 0x200; op++) {
			u8 buf[DECODE_MAX_LEN] = { 0 };
			int err;

			if (op < 0x100) {
				buf[0] = op;
				buf[1] = 0x07; /* ModRM (%rdi) / (%bx) if one is read */
			} else {
				buf[0] = 0x0f;
				buf[1] = op - 0x100;
				buf[2] = 0x07;
			}
			err = decode_insn(buf, sizeof(buf), m, &in);
			if (err == 0) {
				accepted++;
				CHECK(in.op >= DECODE_OP_ADD && in.op <= DECODE_OP_MOVS);
				CHECK(in.len >= 1 && in.len <= DECODE_MAX_LEN);
			} else if (err != DECODE_ERR_UNSUPPORTED && err != DECODE_ERR_UD &&
				   err != DECODE_ERR_TOO_LONG) {
				check_fail(__FILE__, __LINE__, "opcode %x mode %u: %d", op, m, err);
			}
		}
	}
	/* 32 ALU + 80/81/83 + 2 TEST + 2 XCHG + 4 MOV + 4 moffs + 4 string + C6/C7 + F6/F7
	 * + 4 MOVZX/MOVSX + BT = 60 in every mode, + 63 in long mode and 82 outside it. */
	CHECK_EQ(accepted, 60 * 3 + 1 + 2);
}
