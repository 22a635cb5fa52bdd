// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checks of the cross-node messages (see vmm/cluster/remote_wire.h).
 */
#include "vmm/cluster/remote_wire.h"
#include "vmm/lib/klib.h"

_Static_assert(sizeof(struct vcpu_msg) == 8 + REMOTE_MAX_VCPUS / 8, "vcpu_msg");
_Static_assert(sizeof(struct io_msg) == 16, "io_msg");
_Static_assert(sizeof(struct mmio_msg) == 32, "mmio_msg");
_Static_assert(sizeof(struct time_msg) == 48, "time_msg");

/* (a copy first: the data need not be aligned, nor this long) */
static bool take(void *out, size_t size, const void *data, size_t len)
{
	if (len != size)
		return false;
	memcpy(out, data, size);
	return true;
}

int remote_check_vcpu(const struct remote_layout *l, const void *data, size_t len,
		      struct vcpu_msg *out)
{
	if (!take(out, sizeof(*out), data, len) || out->mode > 7)
		return -E_INVAL;
	/* Every vCPU it names exists and runs here. */
	for (u32 i = 0; i < REMOTE_MAX_VCPUS; i++)
		if (((out->map[i / 64] >> (i % 64)) & 1) &&
		    (i >= l->nvcpus || l->vcpu_node[i] != l->self))
			return -E_INVAL;
	return 0;
}

/* The vCPU exists, and runs on the node that asks (a request) or here (an answer). */
static bool vcpu_fits(const struct remote_layout *l, u32 src, u32 vcpu, bool answer)
{
	return vcpu < l->nvcpus && l->vcpu_node[vcpu] == (answer ? l->self : src);
}

int remote_check_io(const struct remote_layout *l, u32 src, const void *data, size_t len,
		    struct io_msg *out)
{
	if (!take(out, sizeof(*out), data, len) || out->answer > 1 || out->in > 1 ||
	    !vcpu_fits(l, src, out->vcpu, out->answer) ||
	    (out->size != 1 && out->size != 2 && out->size != 4))
		return -E_INVAL;
	/* Answers come from node 0; requests go to it. */
	if (out->answer ? src != 0 : l->self != 0)
		return -E_INVAL;
	return 0;
}

int remote_check_mmio(const struct remote_layout *l, u32 src, const void *data, size_t len,
		      struct mmio_msg *out)
{
	if (!take(out, sizeof(*out), data, len) || out->answer > 1 || out->write > 1 ||
	    !vcpu_fits(l, src, out->vcpu, out->answer) ||
	    (out->size != 1 && out->size != 2 && out->size != 4 && out->size != 8) ||
	    out->status > 0 || (!out->answer && out->status != 0))
		return -E_INVAL;
	if (out->answer ? src != 0 : l->self != 0)
		return -E_INVAL;
	return 0;
}

int remote_check_eoi(const struct remote_layout *l, const void *data, size_t len,
		     struct eoi_msg *out)
{
	/* Only node 0 has the I/O APIC that matters. */
	return take(out, sizeof(*out), data, len) && l->self == 0 ? 0 : -E_INVAL;
}

int remote_check_stop(const void *data, size_t len, struct stop_msg *out)
{
	return take(out, sizeof(*out), data, len) ? 0 : -E_INVAL;
}

int remote_check_time(const void *data, size_t len, struct time_msg *out)
{
	return take(out, sizeof(*out), data, len) && out->answer <= 1 ? 0 : -E_INVAL;
}

int remote_check_activity(const struct remote_layout *l, u32 src, const void *data, size_t len,
			  struct activity_msg *out)
{
	bool known = false;

	for (u32 i = 0; i < l->nvcpus; i++)
		known |= l->vcpu_node[i] == src;
	return take(out, sizeof(*out), data, len) && out->idle <= 1 && known && src != l->self
		       ? 0
		       : -E_INVAL;
}

int remote_check_refused(u64 my_epoch, const void *data, size_t len, struct refused_msg *out)
{
	if (!take(out, sizeof(*out), data, len) || out->stopped_before > 1)
		return -E_INVAL;
	/* (an earlier incarnation's: epochs grow at every boot; 0 when the sender had not
	 * learnt it) */
	return out->new_epoch == my_epoch && out->old_epoch < my_epoch ? 0 : -E_INVAL;
}
