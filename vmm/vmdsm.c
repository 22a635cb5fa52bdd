// SPDX-License-Identifier: GPL-2.0-only
/*
 * Glue between dsm/ and the monitor (see vmm/vmdsm.h). For now a node that
 * shares the guest runs one vCPU: set_rights() is called on the boot core,
 * between that vCPU's guest runs, so flushing its nested TLB at the next
 * entry satisfies the protocol's "no CPU of the node uses older rights".
 */
#include "vmm/vmdsm.h"
#include "dsm/dsm.h"
#include "drivers/tsc.h"
#include "net/msg.h"
#include "net/net.h"
#include "vmm/log.h"
#include "vmm/mm.h"
#include "vmm/paging.h"
#include "vmm/power.h"
#include "vmm/virt.h"

#define VMDSM_PIN_NS 2000000ULL /* how long a fetched page stays for the vCPU that wanted it */

struct vm_dsm {
	struct dsm_node *node;
	struct vm *vm;
	struct dsm_hold loader_hold;
	volatile bool loader_done;
};

static struct vm_dsm vmdsm;

static int op_send(void *ctx, unsigned dst, const void *hdr, size_t hdr_len, const void *payload,
		   size_t payload_len)
{
	return msg_send_parts(net_msg_layer(), (u16)dst, MSG_T_DSM, hdr, hdr_len, payload,
			      payload_len);
}

static uint64_t op_now(void *ctx)
{
	return time_now_ns();
}

static void *op_frame(void *ctx, uint64_t page)
{
	return vm_gpa_ptr(((struct vm_dsm *)ctx)->vm, page << PAGE_SHIFT, PAGE_SIZE);
}

static void op_set_rights(void *ctx, uint64_t page, enum dsm_rights rights)
{
	struct vm *vm = ((struct vm_dsm *)ctx)->vm;
	u32 prot = rights == DSM_WRITE ? SPACE_RWX : rights == DSM_READ ? SPACE_R | SPACE_X : 0;

	virt->space_protect(vm->space, page << PAGE_SHIFT, prot);
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		virt->flush_tlb(&vm->vcpus[i]);
}

static void op_resume(void *ctx, struct dsm_hold *h)
{
	if (h->cookie)
		((struct vcpu *)h->cookie)->dsm_waiting = false;
	else
		((struct vm_dsm *)ctx)->loader_done = true;
}

static const struct dsm_ops vmdsm_ops = {
	op_send, op_now, op_frame, op_set_rights, NULL, op_resume,
};

static void recv_dsm(void *ctx, u16 src, const void *data, size_t len)
{
	int rc = dsm_receive(((struct vm_dsm *)ctx)->node, src, data, len);

	if (rc < 0)
		pr_warn("dsm: message from node %u rejected (error %d)\n", src, rc);
}

int vmdsm_init(struct vm *vm)
{
	struct dsm_config c = { .self = vm->self,
				.nnodes = vm->nnodes,
				.npages = vm->mem_size >> PAGE_SHIFT,
				.max_holds = vm->nlocal + 1,
				.max_hold_pages = 2,
				.pin_ns = VMDSM_PIN_NS };
	size_t size = dsm_mem_size(&c);
	hpa_t mem = page_alloc(ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 1);
	int rc;

	if (!mem)
		return -E_NOMEM;
	vmdsm.vm = vm;
	rc = dsm_init(&vmdsm.node, &c, &vmdsm_ops, &vmdsm, hpa_to_ptr(mem), size);
	if (rc == 0)
		rc = net_register(MSG_T_DSM, recv_dsm, &vmdsm);
	if (rc)
		return rc;
	/* Nothing is mapped until the protocol grants it. */
	for (gpa_t gpa = 0; gpa < vm->mem_size && rc == 0; gpa += PAGE_SIZE)
		rc = virt->space_protect(vm->space, gpa, 0);
	vm->dsm = &vmdsm;
	pr_info("dsm: %llu pages, %u nodes, %zu KiB of protocol state\n",
		(unsigned long long)c.npages, c.nnodes, size >> 10);
	return rc;
}

void vmdsm_fault(struct vcpu *v, gpa_t gpa, bool write)
{
	int rc;

	vmdsm_release(v);
	v->dsm_hold.cookie = v;
	rc = dsm_acquire(vmdsm.node, &v->dsm_hold, gpa & PAGE_MASK, 1, write);
	if (rc == DSM_PENDING) {
		v->dsm_waiting = true;
		v->dsm_held = true;
	} else if (rc == 0) {
		v->dsm_held = true;
	} else {
		vm_stop(v->vm, EXIT_GUEST_STOPPED,
			"vCPU %u: the coherence protocol refused %s "
			"access to guest-physical %#llx (error %d)",
			v->id, write ? "write" : "read", (unsigned long long)gpa, rc);
	}
}

void vmdsm_release(struct vcpu *v)
{
	if (!v->dsm_held || v->dsm_waiting)
		return;
	v->dsm_held = false;
	dsm_release(vmdsm.node, &v->dsm_hold);
}

void vmdsm_poll(struct vm *vm)
{
	if (vm->dsm)
		dsm_poll(vmdsm.node);
}

void vmdsm_report(struct vm *vm)
{
	const struct dsm_stats *s;

	if (!vm->dsm)
		return;
	s = dsm_stats(vmdsm.node);
	kprintf("dsm: %llu read and %llu write faults sent, %llu served locally; %llu pages "
		"sent, %llu transfers skipped (same version), %llu zero pages granted\n",
		(unsigned long long)s->faults[0], (unsigned long long)s->faults[1],
		(unsigned long long)s->hits, (unsigned long long)s->data_sent,
		(unsigned long long)s->same_skips, (unsigned long long)s->zero_grants);
	kprintf("dsm: %llu messages, %llu bytes on the wire; %llu requests served as home; "
		"faults took %llu us on average, the slowest %llu us; %llu bad messages\n",
		(unsigned long long)(s->msgs[DSM_MSG_REQ] + s->msgs[DSM_MSG_FWD] +
				     s->msgs[DSM_MSG_INV] + s->msgs[DSM_MSG_GRANT] +
				     s->msgs[DSM_MSG_ACK]),
		(unsigned long long)s->bytes, (unsigned long long)s->home_faults,
		(unsigned long long)(s->fault_ns_sum / 1000 / MAX(s->faults[0] + s->faults[1], 1)),
		(unsigned long long)(s->fault_ns_max / 1000), (unsigned long long)s->bad_msgs);
}

int vmdsm_acquire_sync(struct vm *vm, gpa_t gpa, u64 len)
{
	for (gpa_t p = gpa & PAGE_MASK; p < gpa + len; p += PAGE_SIZE) {
		int rc;
		vmdsm.loader_hold.cookie = NULL;
		vmdsm.loader_done = false;
		rc = dsm_acquire(vmdsm.node, &vmdsm.loader_hold, p, 1, true);
		if (rc == DSM_PENDING)
			while (!vmdsm.loader_done)
				net_poll();
		else if (rc)
			return rc;
		dsm_release(vmdsm.node, &vmdsm.loader_hold);
	}
	return 0;
}
