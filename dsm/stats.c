// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a DSM node reports about itself: its counters, a hot-page table of the home pages
 * that fault most (the first input of the placement policy in design section 5), its
 * memory cost, and a read-only view of one page's state for checkers and debug dumps.
 */
#include "dsm/internal.h"

/*
 * Space-saving top-k: a page already in the table counts up; a new page replaces the
 * least-faulted entry and inherits its count (an overestimate by at most that count, kept in
 * `over`). Exact while the node's faulting pages fit the table.
 */
void stats_hot_page(struct dsm_node *d, uint64_t page)
{
	struct dsm_hot *hot = d->st.hot, *min = &hot[0];

	for (unsigned i = 0; i < DSM_HOT_PAGES; i++) {
		if (hot[i].faults && hot[i].page == page) {
			hot[i].faults++;
			return;
		}
		if (hot[i].faults < min->faults)
			min = &hot[i];
	}
	min->page = page;
	min->over = min->faults;
	min->faults++;
}

/* A grant was built here: did the page go with it, or did a version or zero spare it? */
void stats_grant(struct dsm_node *d, unsigned content)
{
	d->st.data_sent += content == MF_DATA;
	d->st.same_skips += content == MF_SAME;
	d->st.zero_grants += content == MF_ZERO;
}

const struct dsm_stats *dsm_stats(const struct dsm_node *d)
{
	return &d->st;
}

size_t dsm_meta_bytes(const struct dsm_node *d)
{
	return d->mem_size;
}

unsigned dsm_home_of(const struct dsm_node *d, uint64_t page)
{
	return page < d->npages ? node_home_of(d, page) : d->nnodes;
}

int dsm_page_info(const struct dsm_node *d, uint64_t page, struct dsm_page_info *out)
{
	struct dsm_node *dn = (struct dsm_node *)(uintptr_t)d; /* act_find only reads */
	const struct dsm_act *a;
	uint32_t i;

	if (page >= d->npages)
		return DSM_EINVAL;
	a = act_find(dn, page);
	out->rights = ce_rights(d, page);
	out->valid = ce_valid(d, page);
	out->version = ce_version(d, page);
	/* (PEND_READ/WRITE equal DSM_READ/WRITE) */
	out->pending = a && a->pend != PEND_PUT ? a->pend : PEND_NONE;
	out->evicting = a && a->pend == PEND_PUT;
	out->pending_since = a ? a->t_req : 0;
	out->deferred = 0;
	for (i = a ? a->dq_head : DSM_NIL; i != DSM_NIL; i = d->rec[i].next)
		out->deferred++;
	return 0;
}

bool dsm_idle(const struct dsm_node *d)
{
	return d->act_used == 0 && d->rec_used == 0 && d->nholds == 0 && d->selfq_head == DSM_NIL &&
	       !d->out_held && d->batch == 0;
}
