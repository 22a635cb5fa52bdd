// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest VM creation and the vCPU run loop (see vmm/virt/vm.h).
 */
#include "vmm/virt/vm.h"
#include "vmm/virt/msr.h"
#include "vmm/virt/exit.h"
#include "vmm/virt/exitstats.h"
#include "vmm/virt/cluster.h"
#include "vmm/virt/pv.h"
#include "vmm/virt/shadow_vm.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/power.h"
#include "vmm/lib/printf.h"
#include "vmm/virt/virt.h"
#include "vmm/lib/x86.h"
#include "vmm/host/smp.h"
#include "vmm/host/percpu.h"
#include "vmm/virt/irq.h"
#include "vmm/host/lapic.h"
#include "vmm/host/tsc.h"
#include "vmm/host/cpu.h"
#include "vmm/lib/config.h"
#include <stdarg.h>

static const struct vm *vm_current; /* one guest per node: for the TSC conversion */

/* vCPU ids run across nodes in node order: node k has the ones after node k-1's. */
static int vm_place_vcpus(struct vm *vm, const struct vm_layout *l)
{
	u64 wsum = 0;

	vm->self = l->self;
	vm->nnodes = l->nnodes;
	for (u32 n = 0; n < l->nnodes; n++)
		wsum += l->home_weight[n];
	for (u32 n = 0; n < l->nnodes; n++) /* (all or none: equal shares) */
		vm->home_weight[n] = wsum ? l->home_weight[n] : 1;
	vm->nvcpus = 0;
	for (u32 n = 0; n < l->nnodes; n++) {
		if (vm->nvcpus + l->cpus[n] > VM_MAX_VCPUS) {
			pr_err("vm: more than %d vCPUs in the cluster\n", VM_MAX_VCPUS);
			return -E_RANGE;
		}
		if (n == l->self) {
			vm->first_local = vm->nvcpus;
			vm->nlocal = l->cpus[n];
		}
		for (u32 c = 0; c < l->cpus[n]; c++)
			vm->vcpu_node[vm->nvcpus++] = n;
	}
	return 0;
}

/* The nested page tables' pages: monitor memory (zeroed), identity-mapped. */
static hpa_t space_alloc(void *ctx)
{
	return page_alloc(1, 1);
}

static void space_free(hpa_t pa, void *ctx)
{
	page_free(pa, 1);
}

static void *space_map_pa(hpa_t pa, void *ctx)
{
	return hpa_to_ptr(pa);
}

_Static_assert(VM_LOW_RAM_MAX % VM_CHUNK == 0 && VM_HIGH_RAM_BASE % VM_CHUNK == 0,
	       "guest RAM ranges are whole chunks");

void vm_ram_layout(u64 mem_size, u64 *low_size, gpa_t *gpa_end)
{
	*low_size = MIN(mem_size, VM_LOW_RAM_MAX);
	*gpa_end = mem_size > VM_LOW_RAM_MAX ? VM_HIGH_RAM_BASE + (mem_size - VM_LOW_RAM_MAX)
					     : mem_size;
}

static bool is_ram(const struct vm *vm, gpa_t gpa)
{
	return gpa < vm->low_size || (gpa >= VM_HIGH_RAM_BASE && gpa < vm->gpa_end);
}

/* Where a RAM address is in guest RAM counted from 0 without the hole (is_ram(gpa)). */
static u64 ram_index(const struct vm *vm, gpa_t gpa)
{
	return gpa < vm->low_size ? gpa : gpa - VM_HIGH_RAM_BASE + vm->low_size;
}

/* The guest-physical address of a RAM index (ram_index's inverse). */
static gpa_t ram_gpa(const struct vm *vm, u64 index)
{
	return index < vm->low_size ? index : index - vm->low_size + VM_HIGH_RAM_BASE;
}

gpa_t vm_next_ram(const struct vm *vm, gpa_t gpa)
{
	if (is_ram(vm, gpa) || gpa >= vm->gpa_end)
		return MIN(gpa, vm->gpa_end);
	return gpa < VM_HIGH_RAM_BASE ? MIN(VM_HIGH_RAM_BASE, vm->gpa_end) : vm->gpa_end;
}

bool vm_gpa_is_ram(const struct vm *vm, gpa_t gpa, u64 len)
{
	gpa_t last = gpa + len - 1;

	if (len == 0 || last < gpa || !is_ram(vm, gpa) || !is_ram(vm, last))
		return false;
	return (gpa < vm->low_size) == (last < vm->low_size); /* (not across the hole) */
}

u64 vm_home_ram(const struct vm *vm)
{
	u64 lo = MIN(vm->home_end, vm->low_size), hi_base = MAX(vm->home_base, VM_HIGH_RAM_BASE);

	return (lo > vm->home_base ? lo - vm->home_base : 0) +
	       (vm->home_end > hi_base ? vm->home_end - hi_base : 0);
}

/* Guest RAM in 2 MiB chunks from anywhere in host memory: a node's RAM above and below
 * 4 GiB need not hold one contiguous range as large as the guest. Across nodes, only the
 * home range: the pages of other homes come into the cache (vmm/cluster/vmdsm_cache.c). */
static int alloc_ram(struct vm *vm)
{
	u64 n = vm->mem_size / VM_CHUNK, free_mib = mm_free_pages() * PAGE_SIZE >> 20;
	hpa_t table = page_alloc(ALIGN_UP(n * sizeof(hpa_t), PAGE_SIZE) / PAGE_SIZE, 1);

	if (!table)
		goto nomem;
	vm->chunks = hpa_to_ptr(table);
	for (u64 i = 0; i < n; i++) {
		gpa_t gpa = ram_gpa(vm, i * VM_CHUNK);

		if (gpa < vm->home_base || gpa >= vm->home_end)
			continue;
		vm->chunks[i] = page_alloc(VM_CHUNK / PAGE_SIZE, VM_CHUNK / PAGE_SIZE);
		if (!vm->chunks[i])
			goto nomem;
	}
	return 0;
nomem:
	if (vm->nnodes > 1)
		pr_err("vm: cannot allocate this node's home range of guest RAM, %llu MiB of "
		       "%llu (%llu MiB free)\n",
		       (unsigned long long)(vm_home_ram(vm) >> 20),
		       (unsigned long long)(vm->mem_size >> 20), (unsigned long long)free_mib);
	else
		pr_err("vm: cannot allocate %llu MiB of guest RAM (%llu MiB free)\n",
		       (unsigned long long)(vm->mem_size >> 20), (unsigned long long)free_mib);
	return -E_NOMEM;
}

int vm_create(struct vm *vm, u64 mem_size, const struct vm_layout *layout)
{
	int rc = vm_place_vcpus(vm, layout);
	u64 size;

	if (rc)
		return rc;
	if (mem_size == 0 || mem_size % VM_CHUNK) /* (the cluster file makes it so) */
		return -E_INVAL;
	vm->mem_size = mem_size;
	vm_ram_layout(mem_size, &vm->low_size, &vm->gpa_end);
	if (vm->gpa_end > 1ULL << MIN(boot_cpu.phys_addr_bits, 48u)) {
		pr_err("vm: %llu MiB of guest RAM ends at %#llx, beyond the %u-bit physical "
		       "addresses of this CPU and its nested tables\n",
		       (unsigned long long)(mem_size >> 20), (unsigned long long)vm->gpa_end,
		       MIN(boot_cpu.phys_addr_bits, 48u));
		return -E_NOSPC;
	}
	vm->tsc_hz = tsc_hz(); /* (another node's is node 0's, from remote_sync_time) */
	vm->dev_lock = (struct spinlock)SPINLOCK_INIT("devices");
	vm_home_range(vm, vm->self, &vm->home_base, &size);
	vm->home_end = vm->home_base + size;
	if (vm_home_ram(vm) == 0) {
		pr_err("vm: node %u's share of the %llu MiB of guest RAM is empty: its home weight "
		       "is too small\n", vm->self, (unsigned long long)(mem_size >> 20));
		return -E_INVAL;
	}
	rc = alloc_ram(vm);
	if (rc)
		return rc;
	vm->space = (struct nested){ .fmt = virt->nested_format,
				     .alloc_page = space_alloc,
				     .free_page = space_free,
				     .map = space_map_pa };
	rc = nested_init(&vm->space);
	if (rc)
		return rc;
	for (gpa_t gpa = vm->home_base; (gpa = vm_next_ram(vm, gpa)) < vm->home_end;
	     gpa += VM_CHUNK) {
		rc = nested_map(&vm->space, gpa, vm->chunks[ram_index(vm, gpa) / VM_CHUNK],
				VM_CHUNK, SPACE_RWX);
		if (rc)
			return rc;
	}
	vlapic_now_ns = time_now_ns;
	vlapic_tsc_to_ns = vm_guest_tsc_to_ns;
	vm_current = vm;
	/* Every vCPU has a LAPIC here (to match IPI destinations); only local ones run. */
	for (u32 i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i].id = i;
		vm->vcpus[i].vm = vm;
		vlapic_init(&vm->vcpus[i].lapic, i, i == 0);
		vm->vcpus[i].wait_sipi = i != 0; /* APs wait for the guest's SIPI */
		if (!vcpu_is_local(vm, i))
			continue;
		rc = virt->vcpu_create(&vm->vcpus[i], &vm->space);
		if (rc)
			return rc;
	}
	pr_info("vm: %llu MiB of guest RAM (%llu MiB below 4 GiB%s), %u vCPU%s here (%u in the "
		"cluster), %s\n",
		(unsigned long long)(mem_size >> 20), (unsigned long long)(vm->low_size >> 20),
		mem_size > vm->low_size ? ", the rest from 4 GiB" : "", vm->nlocal,
		vm->nlocal == 1 ? "" : "s", vm->nvcpus, virt->name);
	return 0;
}

u64 vm_guest_tsc(const struct vm *vm)
{
	return rdtsc() + vm->tsc_offset;
}

/* The LAPIC's TSC-deadline timer compares against the guest's TSC. */
u64 vm_guest_tsc_to_ns(u64 guest_tsc)
{
	u64 host = guest_tsc - (vm_current ? vm_current->tsc_offset : 0);

	return host > (u64)1 << 63 ? 0 : tsc_to_ns(host);
}

int vm_add_poll(struct vm *vm, vm_poll_fn fn)
{
	if (vm->npolls == VM_MAX_POLLS)
		return -E_NOSPC;
	vm->polls[vm->npolls++] = fn;
	return 0;
}

int vm_add_stats(struct vm *vm, void (*fn)(void))
{
	if (vm->nstats == VM_MAX_WORKS)
		return -E_NOSPC;
	vm->stats_fns[vm->nstats++] = fn;
	return 0;
}

int vm_add_work(struct vm *vm, vm_work_fn fn, void *ctx)
{
	if (vm->nworks == VM_MAX_WORKS)
		return -E_NOSPC;
	vm->works[vm->nworks].fn = fn;
	vm->works[vm->nworks++].ctx = ctx;
	return 0;
}

/* (Shares of RAM without the hole, counted in VM_HOME_ALIGN units: at most 2^18 of them
 * times weights of at most 2^28 in all (vmm/lib/config.c). A range that reaches the hole's start goes on to
 * 4 GiB, so the ranges cover every guest page number and the hole is some node's.) */
_Static_assert(VM_HOME_ALIGN == CFG_HOME_ALIGN, "the checker's homes are the monitor's");

static u64 home_start_unit(const struct vm *vm, u32 node)
{
	return config_home_unit(vm->mem_size / VM_HOME_ALIGN, vm->home_weight, vm->nnodes, node);
}

void vm_home_range(const struct vm *vm, u32 node, gpa_t *base, u64 *size)
{
	gpa_t b = node == 0 ? 0 : ram_gpa(vm, home_start_unit(vm, node) * VM_HOME_ALIGN);
	gpa_t e = node + 1 == vm->nnodes
			  ? vm->gpa_end
			  : ram_gpa(vm, home_start_unit(vm, node + 1) * VM_HOME_ALIGN);

	*base = b;
	*size = e - b;
}

void *vm_gpa_ptr(struct vm *vm, gpa_t gpa, u64 len)
{
	u64 i;
	u32 f;

	if (!vm_gpa_is_ram(vm, gpa, len))
		return NULL;
	i = ram_index(vm, gpa);
	if (i / VM_CHUNK != (i + len - 1) / VM_CHUNK)
		return NULL;
	if (vm->chunks[i / VM_CHUNK])
		return hpa_to_ptr(vm->chunks[i / VM_CHUNK] + i % VM_CHUNK);
	/* A page homed elsewhere: its cache frame, if it has one now. (The cache assigns
	 * and frees them on the boot core; a reader elsewhere holds the protocol's rights,
	 * which end before the frame is freed.) */
	f = vm->page_frame ? __atomic_load_n(&vm->page_frame[gpa >> PAGE_SHIFT], __ATOMIC_ACQUIRE)
			   : 0;
	if (!f-- || (gpa & ~PAGE_MASK) + len > PAGE_SIZE)
		return NULL;
	return hpa_to_ptr(vm->frame_chunks[f / (VM_CHUNK / PAGE_SIZE)] +
			  (f % (VM_CHUNK / PAGE_SIZE)) * PAGE_SIZE + (gpa & ~PAGE_MASK));
}

/* The first stop gives the exit code; later ones (other cores, peers) only say why. The
 * other nodes are told by the boot core when its loop ends (vm_run): the network is its. */
void vm_stop(struct vm *vm, int exit_code, const char *fmt, ...)
{
	static struct spinlock stop_lock = SPINLOCK_INIT("vm stop");
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_guest_flush(); /* (the guest's last words before the monitor's) */
	kprintf("guest: %s\n", msg);
	spin_lock(&stop_lock);
	if (!vm->stopped) {
		vm->exit_code = exit_code;
		__atomic_store_n(&vm->stopped, true, __ATOMIC_RELEASE);
	}
	spin_unlock(&stop_lock);
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		vcpu_kick(&vm->vcpus[i]); /* every loop must see it */
}

void vm_flush_guest_tlbs(struct vm *vm, bool wait)
{
	u64 gen = __atomic_add_fetch(&vm->tlb_gen, 1, __ATOMIC_SEQ_CST);

	if (!wait)
		return;
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++) {
		struct vcpu *v = &vm->vcpus[i];
		u64 t0 = 0;
		bool said = false;
		/* This core's own vCPU is not in the guest while this runs, even with
		 * in_guest still set: a back end that waits for the cluster while it
		 * decodes an exit (VMX's PDPTE read under PAE paging, vm_read_guest) would
		 * otherwise wait here for itself. Its next entry flushes: tlb_gen moved. */
		if (i == vm->first_local + this_cpu_id())
			continue;
		/* Pairs with vcpu_enter(): either that core reads the new generation
		 * before it enters (and flushes), or we see it in the guest here. */
		while (__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST) &&
		       __atomic_load_n(&v->tlb_gen, __ATOMIC_SEQ_CST) < gen) {
			if (!t0) {
				vcpu_kick(v);
				t0 = time_now_ns();
			}
			if (!said && time_now_ns() - t0 > 1000000000ULL) {
				pr_warn("vm: vCPU %u's core has not left the guest 1 s after a "
					"kick (nested TLB shootdown); still waiting\n",
					i);
				said = true;
			}
			cpu_relax();
		}
	}
}

/* Runs the guest on this core until the next exit, flushing the nested TLB first
 * if the nested page tables changed since this vCPU last did. */
static bool vcpu_enter(struct vcpu *v)
{
	u64 gen;

	/* (A new VMCB's offset is 0; the join's TSC synchronisation and the periodic
	 * re-check set vm->tsc_offset: each vCPU takes it here, on its own core.) */
	v->tsc_offset = v->vm->tsc_offset;
	__atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
	gen = __atomic_load_n(&v->vm->tlb_gen, __ATOMIC_SEQ_CST);
	if (v->vm->shadow && !shadow_vm_may_enter(v)) {
		__atomic_store_n(&v->in_guest, false, __ATOMIC_RELEASE);
		return false;
	}
	if (gen != v->tlb_gen) {
		v->flush_tlb = true;
		__atomic_store_n(&v->tlb_gen, gen, __ATOMIC_SEQ_CST);
	}
	v->intercept_flushes = v->vm->shadow && shadow_vm_wants_flushes(v);
	u64 t0 = rdtsc(), t1;

	if (v->out_since)
		exitstats_out(v->out_kind, t0 - v->out_since);
	virt->vcpu_run(v);
	t1 = rdtsc();
	__atomic_store_n(&v->guest_cycles, v->guest_cycles + (t1 - t0), __ATOMIC_RELAXED);
	v->out_since = t1;
	v->out_kind = v->exit.kind;
	__atomic_store_n(&v->in_guest, false, __ATOMIC_RELEASE);
	if (v->vm->shadow) /* (out of the guest first: it may take the shadows' lock) */
		shadow_vm_after_run(v);
	return true;
}

/* NMIs first, then the highest deliverable interrupt; or ask for an exit
 * as soon as one can be injected. */
static void deliver_interrupts(struct vcpu *v)
{
	int vec;

	if (v->pending_nmi && virt->event_window(v, EVENT_NMI) &&
	    __atomic_exchange_n(&v->pending_nmi, 0, __ATOMIC_ACQUIRE)) {
		struct vcpu_event nmi = { EVENT_NMI, 2, false, 0 };
		virt->inject(v, &nmi);
		return;
	}
	vec = vlapic_pending(&v->lapic);
	if (vec < 0)
		return;
	if (virt->event_window(v, EVENT_IRQ)) { /* (else it asked for an exit when it opens) */
		struct vcpu_event irq = { EVENT_IRQ, (u8)vec, false, 0 };
		virt->inject(v, &irq);
		vlapic_accept(&v->lapic, (u8)vec);
	}
}

/* The earlier of two deadlines, 0 meaning none. */
static u64 earliest(u64 a, u64 b)
{
	return !a ? b : !b ? a : MIN(a, b);
}

/* The physical timer fires at the next virtual deadline, or after a heartbeat,
 * so the monitor regains control from a guest that never exits. */
static void arm_host_timer(u64 deadline_ns, u64 now_ns)
{
	u64 heartbeat = now_ns + VM_HEARTBEAT_NS;

	lapic_timer_arm(deadline_ns && deadline_ns < heartbeat ? deadline_ns : heartbeat);
}

/* INIT puts a vCPU back to waiting for a SIPI (SDM 9.4.4); a SIPI then starts it
 * in real mode at the vector's page. Returns true while it is still waiting. */
static bool handle_init_sipi(struct vcpu *v)
{
	u32 sipi;

	/* (Not while a forwarded port access is out: its answer, from the boot core,
	 * writes the registers; INIT waits for it.) */
	if (v->io_waiting)
		return v->wait_sipi;
	if (__atomic_exchange_n(&v->pending_init, 0, __ATOMIC_ACQUIRE)) {
		v->inits++;
		vlapic_init(&v->lapic, v->id, v->id == 0);
		irq_attach_vcpu(v->vm, v);
		v->wait_sipi = true;
		v->halted = false;
		v->yield_until = 0;
		v->pv_eoi_msr = 0;	/* INIT disables PV EOI, as on KVM */
		v->kvm_system_time = 0; /* and kvmclock's page */
		v->pv_eoi_offered = false;
		__atomic_store_n(&v->parked, false, __ATOMIC_RELEASE);
		/* A SIPI already pending came after the INIT (guests send them back to
		 * back): it starts the vCPU below. One that came while the vCPU was
		 * running is dropped there, as the CPU ignores it. */
	}
	sipi = __atomic_exchange_n(&v->pending_sipi, 0, __ATOMIC_ACQUIRE);
	v->sipis += sipi != 0;
	if (v->wait_sipi && sipi) {
		v->starts++;
		v->start_vector = (u8)sipi;
		struct vcpu_reset r = { .sipi_vector = (u8)sipi };
		virt->vcpu_reset(v, &r);
		v->wait_sipi = false;
	}
	return v->wait_sipi;
}

u64 vm_stats_ns; /* stats=S on the monitor's command line, in ns; 0: off */

static const char *vcpu_state(const struct vcpu *v)
{
	if (v->wait_sipi)
		return "waiting for a SIPI";
	if (v->mem_waiting)
		return "waiting for a page";
	if (v->io_waiting)
		return "waiting for node 0 (port I/O)";
	if (v->yield_until)
		return "yielding after PAUSE";
	if (v->parked)
		return "halted, interrupts off";
	if (v->halted)
		return "halted";
	return !v->vm->cluster || v->vm->cluster->may_run(v->vm) ? "running"
								 : "waiting for its node's turn";
}

/* The periodic "stats:" lines (stats=S): where each local vCPU is; the cluster adds its own. */
static void print_stats(struct vm *vm, u64 now)
{
	static u64 start, last_exits, last_now, last_guest[VM_MAX_VCPUS];
	static char line[160 + 96 * MAX_CPUS]; /* (the boot core's alone) */
	u64 exits = exitstats_total(), tw, tk;
	char kinds[320];
	size_t n;

	if (!start)
		start = last_now = now - vm_stats_ns; /* the first line comes one interval in */
	/* (Outside any handler, nothing should be in service here: a vector that is
	 * would block the NIC's.) */
	lapic_timer_counts(&tw, &tk);
	/* (one message: no guest line lands inside it, wherever the console is shared) */
	n = (size_t)ksnprintf(line, sizeof(line),
			      "stats: %llu s: %llu exits (+%llu) (LAPIC in service %d, requested "
			      "%d; timer written %llu times, kept %llu)",
			      (unsigned long long)((now - start) / 1000000000),
			      (unsigned long long)exits, (unsigned long long)(exits - last_exits),
			      lapic_in_service(), lapic_requested(), (unsigned long long)tw,
			      (unsigned long long)tk);
	last_exits = exits;
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++) {
		struct vcpu *v = &vm->vcpus[i];
		u64 c = __atomic_load_n(&v->guest_cycles, __ATOMIC_RELAXED);
		u64 in = tsc_to_ns(c - last_guest[i - vm->first_local]);

		last_guest[i - vm->first_local] = c;
		/* (a run is counted when it ends: one that began in the last interval adds
		 * to this one, at most the 50 ms heartbeat) */
		if (n < sizeof(line))
			n += (size_t)ksnprintf(
				line + n, sizeof(line) - n,
				"; vCPU %u %s at RIP %#llx, in the guest %llu%% of the interval", i,
				vcpu_state(v), (unsigned long long)v->regs.rip,
				(unsigned long long)(now > last_now
							     ? MIN(in * 100 / (now - last_now), 100)
							     : 0));
	}
	last_now = now;
	n = MIN(n, sizeof(line) - 2); /* (a line cut short still ends) */
	line[n++] = '\n';
	log_write(LOG_ERR, line, n);
	exitstats_kinds_since(kinds, sizeof(kinds));
	kprintf("stats: exits since the last line: %s\n", kinds[0] ? kinds : "none");
	if (vm->cluster)
		vm->cluster->stats(vm);
	for (u32 i = 0; i < vm->nstats; i++)
		vm->stats_fns[i]();
}

/* The devices only the boot core drives: the PIT's IRQ 0 and console input; and,
 * across nodes, the cluster (so a busy guest cannot starve the protocol); then the
 * devices' work on guest RAM (the disk's requests). Returns the next deadline. */
static u64 poll_platform(struct vm *vm, u64 now)
{
	static u64 next_stats;
	u64 next;

	if (vm_stats_ns && now >= next_stats) {
		if (next_stats)
			print_stats(vm, now);
		next_stats = now + vm_stats_ns;
	}
	spin_lock(&vm->dev_lock);
	next = pit_poll(&vm->pit, now);
	for (u32 i = 0; i < vm->npolls; i++)
		next = earliest(next, vm->polls[i](vm, now));
	spin_unlock(&vm->dev_lock);
	if (vm->cluster)
		next = earliest(next, vm->cluster->poll(vm, now));
	for (u32 i = 0; i < vm->nworks; i++) /* (after the network: what it brought) */
		next = earliest(next, vm->works[i].fn(vm, now, vm->works[i].ctx));
	/* A work that waited for a page polled the network itself: what that brought (a
	 * peer's request for the turn, a pin, a message to send again) has its own deadline,
	 * which the vCPU's run in the guest would not otherwise end before its next exit. */
	if (vm->cluster && vm->nworks)
		next = earliest(next, vm->cluster->deadline(vm, time_now_ns()));
	return next;
}

/*
 * A pass of the vCPU's loop took gap_ns, over VM_STOPPED_NS, leaving out the monitor's
 * waits for the cluster within it (percpu held_ns: a page, a forwarded access; they say
 * so themselves when they are long). The rest of a pass is bounded by the monitor's 50 ms
 * timer (VM_HEARTBEAT_NS), in the guest, halted or waiting: a longer one means this
 * node's machine or emulator did not run the CPU (an emulator stopped or starved by its
 * host). The guest's clock went on meanwhile, and Linux would take that for a soft
 * lockup (20 s) and an RCU stall (21 s): it is told that its host stopped it, as KVM
 * tells a VM that was paused. Said, and counted in the vcpus: report. (Only this vCPU's
 * page: another node, which ran on, may still report this one's CPUs as stalled.)
 * Interrupts may be on after it.
 */
static void vcpu_stopped(struct vcpu *v, u64 gap_ns)
{
	v->stops++;
	if (v->stops <= 10)
		pr_warn("vm: vCPU %u did not run for %llu ms (%llu ms of it %s): this node's CPU "
			"was not run, or the monitor held it; the guest is told its host "
			"stopped it (kvmclock)%s\n",
			v->id, (unsigned long long)(gap_ns / 1000000),
			(unsigned long long)(v->longest_ns / 1000000), v->longest,
			v->stops == 10 ? " (said 10 times: no more)" : "");
	kvmclock_guest_stopped(v);
}

/* The pass's next step begins (what a gap's line names: its longest step). */
static void vcpu_step(struct vcpu *v, const char *doing)
{
	u64 now = time_now_ns();

	if (now - v->step_ns >= v->longest_ns) {
		v->longest_ns = now - v->step_ns;
		v->longest = v->doing;
	}
	v->doing = doing;
	v->step_ns = now;
}

/* The boot core's own poll of the cluster while its vCPU is out of the guest (0: none). */
static u64 boot_core_wait_poll(const struct vcpu *v, u64 now)
{
	const struct vm *vm = v->vm;
	u64 every;

	if (!vm->cluster || v->id != vm->first_local)
		return 0;
	every = vm->cluster->wait_poll_ns(vm);
	return every ? now + every : 0;
}

/* One vCPU's loop, on its own physical CPU. */
static void vcpu_loop(struct vcpu *v)
{
	struct vm *vm = v->vm;
	u64 now, deadline;
	bool was_waiting, waits;

	while (!vm->stopped) {
		/* Interrupts stay off from here until the guest runs or the CPU halts
		 * (both enable them atomically), so neither the timer armed below nor
		 * a kick from another CPU can arrive unseen in between. (Except in
		 * poll_platform, where the boot core may pause for the network across
		 * nodes, vmdsm_nap: poll_platform asks the cluster's deadline again after
		 * the devices' work for that.) */
		irq_disable();
		now = time_now_ns();
		if (v->loop_ns) {
			u64 pass = now - v->loop_ns - (this_cpu()->held_ns - v->held_ns);

			vcpu_step(v, NULL);
			if (pass > v->longest_pass_ns)
				v->longest_pass_ns = pass;
			if (pass > VM_STOPPED_NS) {
				vcpu_stopped(v, pass);
				irq_disable();
				now = time_now_ns();
			}
		}
		v->loop_ns = v->step_ns = now;
		v->held_ns = this_cpu()->held_ns;
		v->longest_ns = 0;
		v->doing = "polling the devices";
		deadline = 0;
		/* The boot core owns the NIC and the devices: it polls them in every
		 * state, waiting for a SIPI included (the SIPI may come by network). */
		if (v->id == vm->first_local) {
			deadline = poll_platform(vm, now);
		}
		if (handle_init_sipi(v)) {
			arm_host_timer(earliest(deadline, boot_core_wait_poll(v, now)), now);
			vcpu_step(v, "waiting for a SIPI");
			cpu_wait_irq();
			continue;
		}
		was_waiting = v->halted || v->yield_until;
		deadline = earliest(deadline, vlapic_timer_poll(&v->lapic, now));
		/* HLT ends with a deliverable interrupt, an NMI, or a PV kick (which
		 * wakes a vCPU waiting in a PV spinlock even with interrupts off). */
		if (v->halted &&
		    (v->pending_nmi || __atomic_exchange_n(&v->pv_unhalt, 0, __ATOMIC_ACQUIRE) ||
		     (!v->parked && vlapic_pending(&v->lapic) >= 0))) {
			v->halted = false; /* HLT ends when an interrupt is deliverable */
			__atomic_store_n(&v->parked, false, __ATOMIC_RELEASE);
		}
		if (v->yield_until && vcpu_yield_over(v, now))
			v->yield_until = 0;
		deadline = earliest(deadline, v->yield_until);
		waits = v->halted || v->mem_waiting || v->io_waiting || v->yield_until ||
			(vm->cluster && !vm->cluster->may_run(vm));
		if (waits)
			deadline = earliest(deadline, boot_core_wait_poll(v, now));
		arm_host_timer(deadline, now);
		if (v->halted) {
			vcpu_step(v, "halted");
			cpu_wait_irq(); /* sti; hlt */
			continue;
		}
		if (waits) {
			/* Waiting for a page, an answer, the end of a yield or the turn:
			 * the boot core's network context (poll_platform) brings them. It
			 * sleeps until the NIC's receive interrupt, a kick or the next
			 * deadline rather than spin: emulated nodes share the host's cores.
			 * But a vCPU whose HLT or yield ended just now, by what the boot
			 * core's turn poll did not see (the guest's timer, polled after it;
			 * an interrupt from the devices' work, which runs after it; an NMI or
			 * a PV kick meanwhile), may be stopped only by the turn its node has
			 * not asked for: the boot core polls again at once, or is kicked,
			 * rather than at its next wake-up, up to NET_IDLE_MAX_NS (10 ms)
			 * later. (The guest's timer alone did so about 200 times per node in
			 * a 3-node Linux boot.) At most once per HLT or yield: the next pass
			 * finds the vCPU neither halted nor yielding. */
			if (was_waiting && !v->halted && !v->yield_until && !v->mem_waiting &&
			    !v->io_waiting) {
				if (v->id == vm->first_local)
					continue; /* (poll_platform asks for the turn) */
				vcpu_kick(&vm->vcpus[vm->first_local]);
			}
			vcpu_step(v, "waiting for a page, an answer or the turn");
			cpu_wait_irq();
			continue;
		}
		vcpu_step(v, "preparing the entry");
		deliver_interrupts(v);
		pv_eoi_before_entry(v);
		/* A vCPU spinning while another node waits for the turn yields it. */
		v->intercept_pause = vm->cluster && vm->cluster->others_wait(vm);
		if (vm->shadow)
			shadow_vm_before_entry(v);
		vcpu_step(v, "in the guest");
		if (!vcpu_enter(v)) {
			/* (the shadows were reset: again, from the top, which polls the
			 * network: the PV EOI offer is taken back before, pv.c) */
			pv_eoi_after_exit(v);
			continue;
		}
		pv_eoi_after_exit(v);
		vcpu_step(v, "handling an exit");
		exit_handle(v);
	}
}

/* What an AP runs: its own SVM set-up, then its vCPU. */
static void vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	v->apic_id_phys = this_cpu()->apic_id;
	if (virt->cpu_enable() != 0) {
		vm_stop(v->vm, EXIT_PANIC, "CPU %u cannot run guests (see above)", this_cpu_id());
		return;
	}
	vcpu_loop(v);
}

int vm_run(struct vm *vm)
{
	u64 start = time_now_ns();

	struct vcpu *first = &vm->vcpus[vm->first_local];

	first->apic_id_phys = this_cpu()->apic_id;
	for (u32 i = 1; i < vm->nlocal; i++) {
		vm->vcpus[vm->first_local + i].apic_id_phys = smp_apic_id(i);
		smp_run_on(i, vcpu_thread, &vm->vcpus[vm->first_local + i]);
	}
	vcpu_loop(first);
	if (vm->cluster)
		vm->cluster->stopped(vm); /* (at once: the other nodes still run the guest) */
	exitstats_report(time_now_ns() - start);
	spin_report(&vm->dev_lock, "locks");
	log_lock_report("locks");
	shadow_vm_report(vm, "shadow: ");
	if (vm->cluster)
		vm->cluster->report(vm);
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		kprintf("vcpus: vCPU %u: %u INIT, %u SIPI, started %u time%s (vector %#x)%s; "
			"passes of its loop: longest %llu ms, %u over %llu ms (gaps)\n",
			i, vm->vcpus[i].inits, vm->vcpus[i].sipis, vm->vcpus[i].starts,
			vm->vcpus[i].starts == 1 ? "" : "s", vm->vcpus[i].start_vector,
			vm->vcpus[i].wait_sipi ? ", waiting for a SIPI" : "",
			(unsigned long long)(vm->vcpus[i].longest_pass_ns / 1000000),
			vm->vcpus[i].stops, VM_STOPPED_NS / 1000000);
	for (u32 i = vm->first_local; i < vm->first_local + vm->nlocal; i++)
		if (vm->cluster)
			kprintf("pv: vCPU %u: %llu EOIs through PV EOI, without an exit; %llu "
				"entries did not offer it (the word's page not this node's to "
				"write, or a vCPU off the boot core)\n",
				i, (unsigned long long)vm->vcpus[i].pv_eois,
				(unsigned long long)vm->vcpus[i].pv_eoi_declined);
		else if (vm->vcpus[i].pv_eois)
			kprintf("pv: vCPU %u: %llu EOIs through PV EOI, without an exit\n", i,
				(unsigned long long)vm->vcpus[i].pv_eois);
	return vm->exit_code;
}
