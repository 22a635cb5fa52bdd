// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of net/membership.c with a fake clock and fake last-heard times: peers come up
 * when first heard, survive silences shorter than the limit, go down exactly when the limit
 * passes (naming the silence), come back, and restarts are reported.
 */
#include "net/membership.h"
#include "tests/unit/check.h"

#define MS 1000000ull

static uint64_t heard[8];
static int ups, downs, restarts;
static uint16_t last_node;
static uint64_t last_silent;

static uint64_t fake_heard(void *ctx, uint16_t node)
{
	return heard[node];
}

static void fake_event(void *ctx, uint16_t node, enum member_event ev, uint64_t silent)
{
	last_node = node;
	last_silent = silent;
	ups += ev == MEMBER_UP;
	downs += ev == MEMBER_DOWN;
	restarts += ev == MEMBER_RESTARTED;
}

static void setup(struct membership *m, uint16_t self, uint16_t n)
{
	struct membership_ops ops = { .last_heard = fake_heard, .event = fake_event };

	memset(heard, 0, sizeof(heard));
	ups = downs = restarts = 0;
	membership_init(m, self, n, 0, &ops);
}

TEST(up_down_up)
{
	static struct membership m;

	setup(&m, 1, 3);
	membership_poll(&m, 1000 * MS);
	CHECK_EQ(ups, 0);
	CHECK(!membership_all_up(&m));
	heard[0] = 1000 * MS;
	membership_poll(&m, 1001 * MS);
	CHECK_EQ(ups, 1);
	CHECK_EQ(last_node, 0);
	CHECK(membership_is_up(&m, 0) && !membership_is_up(&m, 2));
	heard[2] = 1001 * MS;
	membership_poll(&m, 1002 * MS);
	CHECK(membership_all_up(&m));
	/* Silent for just under the limit: still up. */
	membership_poll(&m, 1000 * MS + MEMBER_DOWN_NS - 1);
	CHECK_EQ(downs, 0);
	membership_poll(&m, 1000 * MS + MEMBER_DOWN_NS);
	CHECK_EQ(downs, 1);
	CHECK_EQ(last_node, 0);
	CHECK_EQ_U64(last_silent, MEMBER_DOWN_NS);
	CHECK(!membership_all_up(&m));
	membership_poll(&m, 1000 * MS + MEMBER_DOWN_NS + 10 * MS);
	CHECK_EQ(downs, 2); /* node 2 followed a millisecond later */
	heard[0] = 5000 * MS;
	membership_poll(&m, 5000 * MS);
	CHECK_EQ(ups, 3);
	CHECK(membership_is_up(&m, 0));
}

TEST(self_is_never_reported)
{
	static struct membership m;

	setup(&m, 1, 3);
	heard[1] = 5 * MS; /* nonsense for ourselves: must be ignored */
	membership_peer_reset(&m, 1);
	membership_poll(&m, 6 * MS);
	CHECK_EQ(ups, 0);
	CHECK_EQ(restarts, 0);
	membership_peer_reset(&m, 2);
	CHECK_EQ(restarts, 1);
	membership_peer_reset(&m, 7); /* out of range */
	CHECK_EQ(restarts, 1);
}

TEST(single_node_cluster)
{
	static struct membership m;

	setup(&m, 0, 1);
	membership_poll(&m, 10 * MS);
	CHECK(membership_all_up(&m)); /* no peers: trivially all up */
}
