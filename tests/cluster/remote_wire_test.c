// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checks of the cross-node messages (vmm/cluster/remote_wire.c), against a guest of 6
 * vCPUs on 3 nodes (vCPUs 0-1 on node 0, 2-3 on node 1, 4-5 on node 2): good messages pass;
 * every malformed or misaddressed one is refused (lengths, vCPUs that do not exist or run
 * elsewhere, sizes, modes, answers from anyone but node 0, requests to anyone but node 0,
 * positive statuses); and every single-bit corruption of a good message is either refused
 * or still satisfies every rule the receiver relies on (under ASan: nothing read beyond
 * the message).
 */
#include "tests/unit/check.h"
#include "vmm/cluster/remote_wire.h"

#include <stdlib.h>
#include <string.h>

static const u32 node_of[6] = { 0, 0, 1, 1, 2, 2 };

static const struct remote_layout L[3] = { { 0, 6, node_of },
					   { 1, 6, node_of },
					   { 2, 6, node_of } };

/* A copy in a buffer of exactly len bytes, so ASan sees any read past the message. */
static void *exact(const void *m, size_t len)
{
	void *p = malloc(len ? len : 1);

	memcpy(p, m, len);
	return p;
}

TEST(interrupts_only_for_this_nodes_vcpus)
{
	const struct remote_layout *l = &L[1];
	struct vcpu_msg m = { .mode = 0, .vector = 0x30, .map = { 0xc } }, out;
	void *p;

	CHECK_EQ(remote_check_vcpu(l, &m, sizeof(m), &out), 0);
	CHECK_EQ(out.vector, 0x30);
	m.map[0] = 0x4 | 0x10; /* vCPU 4 runs on node 2 */
	CHECK_EQ(remote_check_vcpu(l, &m, sizeof(m), &out), -E_INVAL);
	m.map[0] = 1ULL << 40; /* no such vCPU */
	CHECK_EQ(remote_check_vcpu(l, &m, sizeof(m), &out), -E_INVAL);
	m.map[0] = 0x8;
	m.mode = 8;
	CHECK_EQ(remote_check_vcpu(l, &m, sizeof(m), &out), -E_INVAL);
	m.mode = 5; /* INIT */
	CHECK_EQ(remote_check_vcpu(l, &m, sizeof(m), &out), 0);
	p = exact(&m, sizeof(m) - 1);
	CHECK_EQ(remote_check_vcpu(l, p, sizeof(m) - 1, &out), -E_INVAL);
	free(p);
	CHECK_EQ(remote_check_vcpu(l, &m, sizeof(m) + 1, &out), -E_INVAL);
}

/* At the design's limit, 256 vCPUs on 256 nodes: every word of the map is checked. */
TEST(interrupt_maps_reach_vcpu_255)
{
	static u32 one_each[256];
	struct remote_layout last = { 255, 256, one_each }, mid = { 130, 256, one_each };
	struct vcpu_msg m = { .mode = 0, .vector = 0x30 }, out;

	for (u32 i = 0; i < 256; i++)
		one_each[i] = i;
	CHECK_EQ(sizeof(m.map) * 8, 256);
	m.map[3] = 1ULL << 63; /* vCPU 255 */
	CHECK_EQ(remote_check_vcpu(&last, &m, sizeof(m), &out), 0);
	CHECK_EQ(out.map[3], 1ULL << 63);
	CHECK_EQ(remote_check_vcpu(&mid, &m, sizeof(m), &out), -E_INVAL);
	m.map[3] = 0;
	m.map[2] = 1ULL << 2; /* vCPU 130 */
	CHECK_EQ(remote_check_vcpu(&mid, &m, sizeof(m), &out), 0);
	CHECK_EQ(remote_check_vcpu(&last, &m, sizeof(m), &out), -E_INVAL);
	mid.nvcpus = 130; /* a guest of 130 vCPUs has no vCPU 130 */
	CHECK_EQ(remote_check_vcpu(&mid, &m, sizeof(m), &out), -E_INVAL);
}

/* A refusal names this boot and an earlier one (or none known), and a known flag. */
TEST(refusals_name_this_boot)
{
	struct refused_msg m = { .old_epoch = 100, .new_epoch = 200, .exit_code = 6 }, out;

	CHECK_EQ(remote_check_refused(200, &m, sizeof(m), &out), 0);
	CHECK_EQ_U64(out.old_epoch, 100);
	m.old_epoch = 0; /* not known to the sender */
	CHECK_EQ(remote_check_refused(200, &m, sizeof(m), &out), 0);
	CHECK_EQ(remote_check_refused(300, &m, sizeof(m), &out), -E_INVAL); /* another boot's */
	m.old_epoch = 200;
	CHECK_EQ(remote_check_refused(200, &m, sizeof(m), &out), -E_INVAL); /* not earlier */
	m.old_epoch = 100;
	m.stopped_before = 2;
	CHECK_EQ(remote_check_refused(200, &m, sizeof(m), &out), -E_INVAL);
	m.stopped_before = 1;
	CHECK_EQ(remote_check_refused(200, &m, sizeof(m) - 1, &out), -E_INVAL);
	CHECK_EQ(remote_check_refused(200, &m, sizeof(m) + 1, &out), -E_INVAL);
}

TEST(port_io_requests_to_node_0_answers_from_node_0)
{
	const struct remote_layout *n0 = &L[0], *n2 = &L[2];
	struct io_msg req = { .vcpu = 4, .port = 0x3f8, .size = 1, .in = 1 }, out;
	struct io_msg ans = req;

	ans.answer = 1;
	CHECK_EQ(remote_check_io(n0, 2, &req, sizeof(req), &out), 0);
	CHECK_EQ(remote_check_io(n2, 0, &ans, sizeof(ans), &out), 0);
	/* vCPU 4 is node 2's: node 1 cannot ask for it, node 1 cannot be answered for it. */
	CHECK_EQ(remote_check_io(n0, 1, &req, sizeof(req), &out), -E_INVAL);
	CHECK_EQ(remote_check_io(&L[1], 0, &ans, sizeof(ans), &out), -E_INVAL);
	/* An answer from another node than 0; a request to another node than 0. */
	CHECK_EQ(remote_check_io(n2, 1, &ans, sizeof(ans), &out), -E_INVAL);
	CHECK_EQ(remote_check_io(&L[1], 2, &req, sizeof(req), &out), -E_INVAL);
	req.size = 3;
	CHECK_EQ(remote_check_io(n0, 2, &req, sizeof(req), &out), -E_INVAL);
	req.size = 4;
	req.vcpu = 6;
	CHECK_EQ(remote_check_io(n0, 2, &req, sizeof(req), &out), -E_INVAL);
	req.vcpu = 0xffffffffu;
	CHECK_EQ(remote_check_io(n0, 2, &req, sizeof(req), &out), -E_INVAL);
	req.vcpu = 5;
	req.in = 2;
	CHECK_EQ(remote_check_io(n0, 2, &req, sizeof(req), &out), -E_INVAL);
	req.in = 0;
	CHECK_EQ(remote_check_io(n0, 2, &req, sizeof(req), &out), 0);
	CHECK_EQ(remote_check_io(n0, 2, &req, sizeof(req) - 1, &out), -E_INVAL);
}

TEST(mmio_sizes_statuses_and_direction)
{
	const struct remote_layout *n0 = &L[0], *n1 = &L[1];
	struct mmio_msg req = { .vcpu = 2, .seq = 9, .gpa = 0xfee00000, .size = 4 }, out;
	struct mmio_msg ans = req;

	ans.answer = 1;
	ans.status = -2;
	CHECK_EQ(remote_check_mmio(n0, 1, &req, sizeof(req), &out), 0);
	CHECK_EQ(remote_check_mmio(n1, 0, &ans, sizeof(ans), &out), 0);
	CHECK_EQ(out.status, -2);
	ans.status = 5;
	CHECK_EQ(remote_check_mmio(n1, 0, &ans, sizeof(ans), &out), -E_INVAL);
	req.status = -1; /* a request carries no status */
	CHECK_EQ(remote_check_mmio(n0, 1, &req, sizeof(req), &out), -E_INVAL);
	req.status = 0;
	for (u8 size = 0; size < 20; size++) {
		req.size = size;
		CHECK_EQ(remote_check_mmio(n0, 1, &req, sizeof(req), &out),
			 size == 1 || size == 2 || size == 4 || size == 8 ? 0 : -E_INVAL);
	}
	req.size = 8;
	req.write = 7;
	CHECK_EQ(remote_check_mmio(n0, 1, &req, sizeof(req), &out), -E_INVAL);
	req.write = 1;
	CHECK_EQ(remote_check_mmio(n1, 0, &req, sizeof(req), &out), -E_INVAL); /* not node 0 */
	CHECK_EQ(remote_check_mmio(n0, 2, &req, sizeof(req), &out), -E_INVAL); /* not its vCPU */
}

TEST(eoi_stop_and_time)
{
	struct eoi_msg e = { 0x31 }, eo;
	struct stop_msg st = { 3 }, so;
	struct time_msg t = { .t1 = 1, .answer = 1 }, to;

	CHECK_EQ(remote_check_eoi(&L[0], &e, sizeof(e), &eo), 0);
	CHECK_EQ(remote_check_eoi(&L[1], &e, sizeof(e), &eo), -E_INVAL);
	CHECK_EQ(remote_check_eoi(&L[0], &e, 0, &eo), -E_INVAL);
	CHECK_EQ(remote_check_stop(&st, sizeof(st), &so), 0);
	CHECK_EQ(so.exit_code, 3);
	CHECK_EQ(remote_check_stop(&st, 3, &so), -E_INVAL);
	CHECK_EQ(remote_check_time(&t, sizeof(t), &to), 0);
	t.answer = 2;
	CHECK_EQ(remote_check_time(&t, sizeof(t), &to), -E_INVAL);
	CHECK_EQ(remote_check_time(&t, sizeof(t) - 8, &to), -E_INVAL);
}

TEST(activity_from_another_node_of_the_guest)
{
	struct activity_msg a = { 1 }, ao;

	CHECK_EQ(remote_check_activity(&L[0], 2, &a, sizeof(a), &ao), 0);
	CHECK_EQ(ao.idle, 1);
	a.idle = 0;
	CHECK_EQ(remote_check_activity(&L[1], 0, &a, sizeof(a), &ao), 0);
	CHECK_EQ(ao.idle, 0);
	CHECK_EQ(remote_check_activity(&L[1], 1, &a, sizeof(a), &ao), -E_INVAL); /* itself */
	CHECK_EQ(remote_check_activity(&L[0], 3, &a, sizeof(a), &ao), -E_INVAL); /* no vCPU */
	CHECK_EQ(remote_check_activity(&L[0], 1, &a, 0, &ao), -E_INVAL);
	CHECK_EQ(remote_check_activity(&L[0], 1, &a, 2, &ao), -E_INVAL);
	a.idle = 2;
	CHECK_EQ(remote_check_activity(&L[0], 1, &a, sizeof(a), &ao), -E_INVAL);
}

/* Each check, as one shape: refused (nonzero) or accepted with *out filled. */
typedef int (*check_fn)(const void *data, size_t len, void *out);
typedef void (*rules_fn)(size_t len, const void *out);

/* Every single-bit corruption of msg, at every length up to its size: check refuses it,
 * or what it accepts keeps the rules. */
static void corrupt_all(const void *msg, size_t size, check_fn check, rules_fn rules)
{
	for (size_t len = 0; len <= size; len++)
		for (size_t bit = 0; bit < 8 * size; bit++) {
			u8 buf[64], out[64];
			void *p;
			memcpy(buf, msg, size);
			buf[bit / 8] ^= (u8)(1u << (bit % 8));
			p = exact(buf, len);
			if (check(p, len, out) == 0)
				rules(len, out);
			free(p);
		}
}

static int mmio_from_node2(const void *d, size_t len, void *out)
{
	return remote_check_mmio(&L[0], 2, d, len, out);
}

static void mmio_rules(size_t len, const void *out)
{
	const struct mmio_msg *o = out;

	CHECK(len == sizeof(*o) && o->vcpu < 6 && node_of[o->vcpu] == 2);
	CHECK(o->size == 1 || o->size == 2 || o->size == 4 || o->size == 8);
	CHECK(!o->answer && o->status == 0);
}

static int io_from_node1(const void *d, size_t len, void *out)
{
	return remote_check_io(&L[0], 1, d, len, out);
}

static void io_rules(size_t len, const void *out)
{
	const struct io_msg *o = out;

	CHECK(len == sizeof(*o) && o->vcpu < 6 && node_of[o->vcpu] == 1);
	CHECK(o->size == 1 || o->size == 2 || o->size == 4);
}

static int activity_from_node1(const void *d, size_t len, void *out)
{
	return remote_check_activity(&L[0], 1, d, len, out);
}

static void activity_rules(size_t len, const void *out)
{
	const struct activity_msg *o = out;

	CHECK(len == sizeof(*o) && o->idle <= 1);
}

static int vcpu_at_node2(const void *d, size_t len, void *out)
{
	return remote_check_vcpu(&L[2], d, len, out);
}

static void vcpu_rules(size_t len, const void *out)
{
	const struct vcpu_msg *o = out;

	CHECK(len == sizeof(*o) && o->mode <= 7);
	CHECK((o->map[0] & ~0x30ULL) == 0);
}

TEST(corruptions_are_refused_or_harmless)
{
	struct io_msg io = { .vcpu = 3, .port = 0x70, .size = 1 };
	struct mmio_msg mm = { .vcpu = 5, .seq = 1, .gpa = 0xfec00000, .size = 4 };
	struct vcpu_msg vm = { .mode = 0, .vector = 0xec, .map = { 0x30 } };
	struct activity_msg ac = { 1 };

	corrupt_all(&mm, sizeof(mm), mmio_from_node2, mmio_rules);
	corrupt_all(&io, sizeof(io), io_from_node1, io_rules);
	corrupt_all(&vm, sizeof(vm), vcpu_at_node2, vcpu_rules);
	corrupt_all(&ac, sizeof(ac), activity_from_node1, activity_rules);
}
