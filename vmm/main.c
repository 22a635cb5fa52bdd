// SPDX-License-Identifier: GPL-2.0-only
/*
 * monitor_main(): what the boot CPU does after boot/entry.S reaches 64-bit
 * mode. Brings up the core services in dependency order (CPU area, traps,
 * console, boot information, memory, clock, timer), reads the cluster
 * configuration and this node's identity, and prints the boot report. A node
 * whose boot information, command line or configuration is wrong refuses to
 * start and says why: running on half-understood settings would be worse.
 */
#include "vmm/host/lapic.h"
#include "drivers/pic.h"
#include "vmm/host/tsc.h"
#include "drivers/uart.h"
#include "vmm/host/bootinfo.h"
#include "vmm/node/cmdline.h"
#include "vmm/lib/config.h"
#include "vmm/host/cpu.h"
#include "vmm/host/idt.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"
#include "vmm/host/paging.h"
#include "vmm/host/panic.h"
#include "vmm/host/percpu.h"
#include "vmm/host/power.h"
#include "vmm/lib/printf.h"
#include "vmm/node/report.h"
#include "vmm/host/smp.h"
#include "vmm/platform/devices.h"
#include "vmm/virt/irq.h"
#include "vmm/guest/loader.h"
#include "vmm/virt/virt.h"
#include "vmm/virt/cpuid.h"
#include "vmm/virt/vm.h"
#include "vmm/cluster/cluster.h"
#include "vmm/cluster/remote.h"
#include "vmm/cluster/remote_wire.h"
#include "vmm/cluster/turns.h"
#include "vmm/virt/shadow_vm.h"
#include "vmm/lib/x86.h"
#include "net/net.h"
#include "net/nettest.h"
#include "net/nbd.h"
#include "vmm/cluster/vmdsm.h"

#define CONFIG_MODULE "cluster.conf"
#define TIMER_HZ      100

void monitor_main(u32 magic, u32 info);

extern char boot_stack_top[];

static struct boot_info boot_info;
static struct monitor_options options;
static struct cluster_config cluster;

static __noreturn void refuse(const char *why)
{
	kprintf("unum: refusing to start: %s\n", why);
	monitor_exit(EXIT_CONFIG);
}

static const void *identity_map(u64 phys, u64 len, void *ctx)
{
	return phys + len <= (4ULL << 30) && phys + len >= phys ? (const void *)(uintptr_t)phys
								: NULL;
}

static void read_boot_info(u32 magic, u32 info)
{
	char err[160];
	int rc;

	if (bootinfo_parse(magic, info, identity_map, NULL, &boot_info, err, sizeof(err)) != 0) {
		kprintf("boot: %s\n", err);
		refuse("the boot information from the loader is unusable");
	}
	rc = cmdline_parse(boot_info.cmdline, &options, err, sizeof(err));
	power_set_exit_on_halt(options.poweroff); /* parsed even when rc says a word was bad */
	if (rc != 0) {
		kprintf("%s\n", err);
		refuse("bad monitor command line");
	}
	log_set_level(options.loglevel);
	if (options.nopv)
		cpuid_kvm_pv_features = 0;
	vm_stats_ns = options.stats * 1000000000ULL;
	if (options.unknown[0])
		pr_warn("command line: ignoring unknown words: %s\n", options.unknown);
	if (options.dump_bootinfo)
		report_dump_bootinfo(magic, info, identity_map);
}

static void start_clock_and_timer(void)
{
	u64 hz = tsc_calibrate(), clock, t0;

	if (!hz)
		refuse("the PIT never counted down, so the TSC cannot be calibrated");
	kprintf("time: TSC %llu.%03llu MHz (calibrated against the PIT)\n",
		(unsigned long long)(hz / 1000000), (unsigned long long)(hz / 1000 % 1000));
	if (lapic_init() != 0)
		refuse("no usable local APIC");
	clock = lapic_timer_start(TIMER_HZ);
	irq_enable();
	t0 = time_now_ns();
	while (time_now_ns() - t0 < 50000000ULL && this_cpu()->timer_ticks < 3)
		cpu_wait_irq();
	kprintf("time: LAPIC timer clock %llu kHz, periodic at %u Hz: %llu ticks in the first "
		"%llu ms\n",
		(unsigned long long)(clock / 1000), TIMER_HZ,
		(unsigned long long)this_cpu()->timer_ticks,
		(unsigned long long)((time_now_ns() - t0) / 1000000));
	if (this_cpu()->timer_ticks == 0)
		refuse("the LAPIC timer raised no interrupt");
}

static void read_cluster_config(void)
{
	const struct boot_module *m = bootinfo_find_module(&boot_info, CONFIG_MODULE);
	char line[300];

	if (!m)
		refuse("no boot module named " CONFIG_MODULE " (expected a loader line such as "
		       "'module2 /boot/cluster.conf cluster.conf')");
	if (config_parse(&cluster, CONFIG_MODULE, hpa_to_ptr(m->start), m->end - m->start)) {
		for (u32 i = 0; i < cluster.nerrors && i < CFG_MAX_ERRORS; i++) {
			config_format_error(&cluster, i, line, sizeof(line));
			kprintf("%s\n", line);
		}
		if (cluster.nerrors > CFG_MAX_ERRORS)
			kprintf("%s: %u more errors not shown\n", CONFIG_MODULE,
				cluster.nerrors - CFG_MAX_ERRORS);
		refuse(CONFIG_MODULE " is invalid (see the errors above; "
				     "tools/unum-config check gives the same messages)");
	}
}

static u32 node_identity(void)
{
	char why[160];

	if (!options.has_id) {
		u32 id;
		if (net_identify(&cluster, &id) != 0)
			refuse("no id=N on the monitor command line, and no local NIC has the mac= "
			       "of a node in " CONFIG_MODULE " (see above)");
		return id;
	}
	if (!config_node(&cluster, options.id)) {
		ksnprintf(why, sizeof(why),
			  "id=%u on the command line, but " CONFIG_MODULE " defines nodes 0 to %u",
			  options.id, cluster.nnodes - 1);
		refuse(why);
	}
	return options.id;
}

/* Deliberate crashes, so tests can see the dumps a real bug would produce. */
static void run_selftest(void)
{
	if (options.selftest == SELFTEST_FAULT) {
		/* Past PAGING_LIMIT nothing is mapped: this read must raise #PF. */
		volatile u64 *unmapped = (volatile u64 *)(uintptr_t)(PAGING_LIMIT + 0x1000);
		kprintf("selftest: reading unmapped address %p\n", (void *)unmapped);
		(void)*unmapped;
	}
	BUG_ON(options.selftest == SELFTEST_BUG);
}

/* A guest that spans nodes needs the message layer, which starts once the RTC
 * ticks (its epoch): wait for it, a few seconds at most. */
static void wait_for_message_layer(void)
{
	u64 t0 = time_now_ns();

	while (!net_msg_layer() && time_now_ns() - t0 < 3000000000ULL)
		net_poll();
	if (!net_msg_layer())
		refuse("the guest spans several nodes, but the cluster network did not come up");
}

/* Every node of the cluster file up before the guest is built (the join: no
 * limit), and every one built when it starts (wait_until_built): the guest's memory
 * has a home on each, and its vCPUs are spread over all. Machines of a rack boot
 * at their own pace (a network boot, a slow firmware), and a node building its
 * part of the guest may not poll the network for a moment, so neither is a
 * failure at once; a line every JOIN_REPORT_NS names the nodes still missing. */
#define JOIN_REPORT_NS	 5000000000ULL
#define JOIN_STATS_EVERY 4 /* of those lines, with the network's counters */
#define START_WAIT_NS	 30000000000ULL

/* The nodes that said they have built their part of the guest (MSG_T_BUILT), and what
 * each said in its one byte: bit 0 set; BUILT_WALKS_READ: it walks the guest's page
 * tables with reads only (Intel EPT without A/D flags, or AMD on shadow page tables,
 * whose walks the monitor makes with read rights); BUILT_WANTS_TURNS: its command line
 * asks for turns (slice= or turns=); BUILT_SHADOWS: it runs on shadow page tables.
 * Every node combines the same bytes, so all settle alike. */
#define BUILT_WALKS_READ  2
#define BUILT_WANTS_TURNS 4
#define BUILT_SHADOWS	  8
static volatile bool built[MSG_MAX_NODES];
static volatile u8 built_flags[MSG_MAX_NODES];

static volatile bool guest_running;
static int guest_exit = -1; /* the guest's exit code here, once it stopped */

static void recv_built(void *ctx, u16 src, const void *data, size_t len)
{
	/* A node building its part while this one's guest runs or ran: it restarted (the
	 * refusal at its restart may have found no buffer; its previous boot is not known
	 * here). */
	if (guest_running) {
		struct refused_msg m = { .new_epoch = net_peer_epoch(src),
					 .exit_code = guest_exit >= 0 ? guest_exit : EXIT_NODE_LOST,
					 .stopped_before = guest_exit >= 0 };
		msg_send(net_msg_layer(), src, MSG_T_REFUSED, &m, sizeof(m));
		return;
	}
	if (src < cluster.nnodes && len >= 1) {
		built_flags[src] = ((const u8 *)data)[0];
		built[src] = true;
	}
}

/* A peer says this node restarted under the guest (vmm/cluster/remote.c, refuse_rejoin):
 * the guest ran with this node's previous boot, and cannot take this one back. Nothing
 * here will ever start: say why and stop, rather than wait for peers that will not
 * start a guest again. */
static void recv_refused(void *ctx, u16 src, const void *data, size_t len)
{
	struct refused_msg m;

	if (remote_check_refused(net_epoch(), data, len, &m) != 0) {
		pr_warn("cluster: a refusal from node %u that does not name this boot (epoch "
			"%llu) and an earlier one dropped\n",
			src, (unsigned long long)net_epoch());
		return;
	}
	if (guest_running) { /* (a peer's mistake: this boot's guest runs) */
		pr_warn("cluster: node %u says this node restarted under the guest, but this "
			"boot runs it: ignored\n",
			src);
		return;
	}
	kprintf("cluster: node %u refuses this node: it restarted (this boot is epoch %llu; "
		"the guest ran with its previous boot, epoch %llu%s), and a restarted node "
		"cannot rejoin a guest: its vCPUs and the pages only it held were lost. The "
		"guest %s (exit code %d) on the other nodes; restart every node to run it "
		"again\n",
		src, (unsigned long long)m.new_epoch, (unsigned long long)m.old_epoch,
		m.old_epoch ? "" : ": not known there",
		m.stopped_before ? "had stopped" : "stopped as this node came back", m.exit_code);
	monitor_exit(EXIT_NODE_LOST);
}

/* The start barrier. Every node tells the others it has built its part of the guest
 * (and, but node 0, agreed on the guest's TSC with node 0: remote_sync_time), then
 * waits until each has said the same: a node that only came up must not find the guest
 * running already (its vCPUs' IPIs, pages and turns would wait for it, and node 0
 * answering its TSC probes from a busy run loop took long enough on a slow node for
 * the others to think it gone). No limit while the others are up: building may take
 * minutes on a slow node or network (node 0 loads the kernel into pages homed on the
 * others); one down for START_WAIT_NS fails it. A line every JOIN_REPORT_NS says who it
 * waits for. */
static int wait_until_built(u32 self, u8 flags)
{
	u64 t0 = time_now_ns(), said = t0, down_since = 0, now;
	bool sent[MSG_MAX_NODES] = { false };
	const u8 one = 1 | flags;

	for (;;) {
		char missing[160];
		size_t len = 0;
		u32 waiting = 0, down = 0;

		net_poll();
		now = time_now_ns();
		missing[0] = 0;
		for (u32 n = 0; n < cluster.nnodes; n++) {
			if (n == self)
				continue;
			/* (again at the next pass if the layer had no buffer) */
			if (!sent[n] && msg_send(net_msg_layer(), (u16)n, MSG_T_BUILT, &one, 1) == 0)
				sent[n] = true;
			if (built[n])
				continue;
			waiting++;
			down += !net_node_up(n);
			if (len + 16 < sizeof(missing))
				len += (size_t)ksnprintf(missing + len, sizeof(missing) - len, "%s%u",
							 len ? ", " : "", n);
		}
		if (!waiting)
			break;
		if (!down)
			down_since = 0;
		else if (!down_since)
			down_since = now;
		else if (now - down_since >= START_WAIT_NS) {
			kprintf("cluster: %s %s down for %llu s before the guest started\n",
				waiting == 1 ? "node" : "nodes", missing,
				(unsigned long long)((now - down_since) / 1000000000ULL));
			return -E_TIMEDOUT;
		}
		if (now - said >= JOIN_REPORT_NS) {
			kprintf("cluster: waiting for %s %s to build %s part of the guest: %llu s\n",
				waiting == 1 ? "node" : "nodes", missing, waiting == 1 ? "its" : "their",
				(unsigned long long)((now - t0) / 1000000000ULL));
			said = now;
		}
	}
	if (now - t0 >= JOIN_REPORT_NS)
		kprintf("cluster: every node has built its part, after %llu s\n",
			(unsigned long long)((now - t0) / 1000000000ULL));
	return 0;
}

/* The nodes other than self that are down, as "1, 2" in buf; their count. */
static u32 peers_down(u32 self, char *buf, size_t size)
{
	size_t len = 0;
	u32 count = 0;

	buf[0] = 0;
	for (u32 n = 0; n < cluster.nnodes; n++)
		if (n != self && !net_node_up(n)) {
			count++;
			if (len + 16 < size)
				len += (size_t)ksnprintf(buf + len, size - len, "%s%u", len ? ", " : "",
							 n);
		}
	return count;
}

/* 0 once every other node is up, or -E_TIMEDOUT after limit_ns (0: no limit). */
static int wait_for_peers(u32 self, u64 limit_ns, const char *why)
{
	u64 t0 = time_now_ns(), said = t0, now;
	char missing[160];
	u32 count, reports = 0;

	for (;;) {
		net_poll();
		count = peers_down(self, missing, sizeof(missing));
		now = time_now_ns();
		if (count == 0)
			break;
		if (limit_ns && now - t0 >= limit_ns) {
			kprintf("cluster: %s %s still down after %llu s\n", count == 1 ? "node" : "nodes",
				missing, (unsigned long long)((now - t0) / 1000000000ULL));
			return -E_TIMEDOUT;
		}
		if (now - said >= JOIN_REPORT_NS) {
			kprintf("cluster: waiting for %s %s to come up (%s): %llu s\n",
				count == 1 ? "node" : "nodes", missing, why,
				(unsigned long long)((now - t0) / 1000000000ULL));
			/* what this node sent and heard: a dead link, or peers refusing it */
			if (++reports % JOIN_STATS_EVERY == 0)
				net_stats_line();
			said = now;
		}
	}
	if (now - t0 >= JOIN_REPORT_NS)
		kprintf("cluster: every node is up, after %llu s\n",
			(unsigned long long)((now - t0) / 1000000000ULL));
	return 0;
}

/* (the cluster file's limit, checked when it is read, is the VM's) */
_Static_assert(CFG_MAX_VCPUS == VM_MAX_VCPUS, "one guest's vCPUs");

/* ---- the guest's disk ---------------------------------------------------------- */

static u32 nbd_flags;

static int nbd_be_read(void *ctx, u64 off, void *buf, u32 len)
{
	return nbd_read(off, buf, len);
}

static int nbd_be_write(void *ctx, u64 off, const void *buf, u32 len)
{
	if (nbd_flags & NBD_TFLAG_READ_ONLY)
		return -E_IO; /* (the guest was told: VIRTIO_BLK_F_RO) */
	return nbd_write(off, buf, len, false);
}

static int nbd_be_flush(void *ctx)
{
	return nbd_flush();
}

static void nbd_be_report(void *ctx)
{
	nbd_line("disk: NBD: ");
}

static void nbd_wait_poll(void *ctx)
{
	vmdsm_poll(ctx);    /* (peers' page requests are served while node 0 waits) */
	remote_flush(ctx); /* (and the messages waiting for buffers leave) */
}

/* NBD: the export's size and flags from the server, before the guest is built. */
static int nbd_backend(struct vm *vm, struct disk_backend *be)
{
	const struct cfg_disk *d = &cluster.disk;
	static char about[128];
	struct nbd_export e;
	char ip[16];

	config_format_ip(d->nbd_ip, ip, sizeof(ip));
	if (vm->cluster)
		nbd_set_wait_poll(nbd_wait_poll, vm);
	if (nbd_open(d->nbd_ip, d->nbd_port, d->export_name, &e) != 0) {
		pr_err("disk: cannot open export '%s' of the NBD server at %s:%u (the disk line, "
		       "line %u of " CONFIG_MODULE ")\n",
		       d->export_name, ip, d->nbd_port, d->line);
		return -E_IO;
	}
	if (e.size < 512) {
		pr_err("disk: export '%s' of the NBD server at %s:%u has %llu bytes: less than "
		       "one 512-byte sector\n", d->export_name, ip, d->nbd_port,
		       (unsigned long long)e.size);
		return -E_INVAL;
	}
	if (e.size % 512)
		pr_warn("disk: the export's last %llu bytes are not a whole sector: the guest "
			"does not see them\n", (unsigned long long)(e.size % 512));
	nbd_flags = e.flags;
	ksnprintf(about, sizeof(about), "export '%s' of the NBD server at %s:%u%s%s",
		  d->export_name, ip, d->nbd_port,
		  e.flags & NBD_TFLAG_READ_ONLY ? ", read-only" : "",
		  e.flags & NBD_TFLAG_SEND_FLUSH ? ", flushed on the guest's flushes"
						 : ", which takes no flushes");
	*be = (struct disk_backend){
		.size = e.size - e.size % 512,
		.max_io = NBD_MAX_REQUEST,
		.read_only = e.flags & NBD_TFLAG_READ_ONLY,
		.read = nbd_be_read,
		.write = nbd_be_write,
		.flush = e.flags & NBD_TFLAG_SEND_FLUSH ? nbd_be_flush : NULL,
		.about = about,
		.report = nbd_be_report,
	};
	return 0;
}

/* The guest's disk (the cluster file's disk line): node 0 serves it from its module or
 * its NBD server; the other nodes register its registers, to forward the guest's
 * accesses. */
static int start_disk(struct vm *vm, u32 node)
{
	const struct boot_module *m;
	struct disk_backend be;
	int rc;

	if (node != 0)
		return virtio_blk_init(vm, NULL);
	if (cluster.disk.nbd_port)
		rc = nbd_backend(vm, &be);
	else if (!(m = bootinfo_find_module(&boot_info, cluster.disk.module))) {
		pr_err("disk: no boot module named '%s' (the disk line's module=, line %u of "
		       CONFIG_MODULE "): add 'module2 /boot/FILE %s' to node 0's GRUB entry\n",
		       cluster.disk.module, cluster.disk.line, cluster.disk.module);
		rc = -E_NOENT;
	} else
		rc = virtio_blk_image(hpa_to_ptr(m->start), m->end - m->start, &be);
	return rc ? rc : virtio_blk_init(vm, &be);
}

/* ---- the guest's NIC ------------------------------------------------------------- */

static int nic_link_send(void *ctx, const void *frame, size_t len)
{
	return net_guest_send(frame, len);
}

static void nic_stats(void)
{
	virtio_net_report();
	net_guest_line();
}

/* The guest's NIC (the cluster file's nic line): node 0 serves it, bridged onto its own
 * NIC; the other nodes register its registers, to forward the guest's accesses. */
static int start_nic(struct vm *vm, u32 node)
{
	static const struct guest_link link = {
		.send = nic_link_send,
		.about = "its frames bridged onto node 0's NIC",
	};
	int rc;

	if (node != 0)
		return virtio_net_init(vm, cluster.nic.mac, NULL);
	if (!net_lwip_up()) {
		pr_err("nic: node 0's network is not up: the guest's NIC (the nic line, line %u "
		       "of " CONFIG_MODULE ") has nothing to bridge onto\n", cluster.nic.line);
		return -E_NOENT;
	}
	rc = virtio_net_init(vm, cluster.nic.mac, &link);
	if (rc == 0)
		rc = net_guest_attach(cluster.nic.mac, virtio_net_receive);
	return rc ? rc : vm_add_stats(vm, nic_stats);
}

/* A cluster of one node with the disk's NBD server or the guest's NIC: the network's
 * turn on the boot core (across nodes, the cluster's poll gives it). */
static u64 alone_net_poll(struct vm *vm, u64 now, void *ctx)
{
	return nbd_idle_poll(now);
}

/* Builds the guest on this node and runs it until it stops. */
/* `stay`, after a guest that spanned nodes: stay on the cluster network, answering
 * the peers, so that a node that restarts is told the guest is over (remote.c,
 * refuse_rejoin) instead of waiting for it; and so is a node whose refusal found no
 * buffer. Woken by the NIC or by the network's next deadline (heartbeats,
 * retransmissions: a NIC without an interrupt is polled so). */
static __noreturn void stay_on_network(struct vm *vm, int code)
{
	log_guest_flush();
	kprintf("unum: exit code %d\n", code);
	kprintf("unum: staying on the cluster network (stay): a node that restarts is told "
		"it cannot rejoin the guest\n");
	for (;;) {
		irq_disable(); /* (as in main's idle loop: no frame missed before the halt) */
		net_poll();
		remote_retry_refusals(vm);
		lapic_timer_arm(net_next_deadline(time_now_ns()));
		cpu_wait_irq();
	}
}

static __noreturn void run_guest(u32 node)
{
	static struct vm vm;
	static struct vm_layout layout;
	bool shadow;
	int rc;

	if (virt_select() != 0 || virt->cpu_enable() != 0)
		refuse("this node cannot run the guest (see above)");
	if (options.shadow && virt != &svm_ops)
		refuse("shadow page tables (shadow) are written for AMD SVM only; the Intel back "
		       "end walks the guest's own tables through EPT");
	/* Across nodes an AMD node shadows the guest's page tables unless told not to: its
	 * nested walk writes every guest page-table entry it reads, so without shadows the
	 * nodes take the tables from each other at every walk and must take turns
	 * (vmm/virt/shadow_vm.h, doc/dsm.md "Page tables, and why nodes take turns"). */
	shadow = options.shadow || (cluster.nnodes > 1 && virt == &svm_ops && !options.noshadow);
	if (node == 0 && loader_check_modules(&boot_info, &cluster.guest) != 0)
		refuse("the guest's image is missing (see above)");
	if (cluster.nnodes > 1) {
		/* A PV unhalt kick would have to cross nodes: not offered across nodes. (PV
		 * EOI is, offered at an entry only while the word's page is this node's to
		 * write: vmm/virt/pv.c.) */
		cpuid_kvm_pv_features &= ~KVM_FEATURE_PV_UNHALT;
		/* (before any peer could say it has built its part) */
		if (net_register(MSG_T_BUILT, recv_built, NULL) != 0 ||
		    net_register(MSG_T_REFUSED, recv_refused, NULL) != 0)
			refuse("cannot take the cluster's start messages");
		/* A peer that builds its part sooner asks for pages before cluster_init() here
		 * takes them: they wait, rather than being acknowledged and dropped. */
		net_hold_unhandled(MSG_T_DSM);
		wait_for_message_layer();
		wait_for_peers(node, 0,
			       "each boots the same entry and finds itself by its MAC in " CONFIG_MODULE);
	}
	if (cluster.nnodes > 1 && node != 0 && options.joinlag_ms) {
		u64 until = time_now_ns() + options.joinlag_ms * 1000000ULL;

		kprintf("node: joinlag=%u: waiting %u ms before building this node's part of the "
			"guest (a test)\n",
			options.joinlag_ms, options.joinlag_ms);
		while (time_now_ns() < until)
			net_poll();
	}
	layout.self = node;
	layout.nnodes = cluster.nnodes;
	for (u32 n = 0; n < cluster.nnodes; n++) {
		layout.cpus[n] = cluster.nodes[n].cpus;
		layout.home_weight[n] = cluster.nodes[n].memory >> 20; /* (all or none) */
	}
	rc = vm_create(&vm, cluster.guest.memory, &layout);
	if (rc == 0 && cluster.nnodes > 1)
		rc = cluster_init(&vm, &(struct cluster_options){
					       .prefetch = !options.noprefetch,
					       .nap = !options.nonap,
					       .alone = !options.noalone,
					       .slice_ms = options.slice_ms,
					       .adaptive = options.turns == TURNS_ADAPTIVE,
					       .cache_bytes = cluster.nodes[node].cache,
					       .cache_ahead = options.cacheahead,
					       .pin_us = options.pin_us,
				       });
	if (cluster.nnodes > 1)
		net_hold_unhandled(0); /* (all are registered now) */
	if (rc == 0 && shadow)
		rc = shadow_vm_init(&vm, SHADOW_POOL_PAGES, options.shadow_sync);
	if (rc == 0)
		rc = uart16550_init(&vm);
	if (rc == 0)
		rc = testdev_init();
	if (rc == 0)
		rc = power_devices_init();
	if (rc == 0)
		rc = irq_init(&vm);
	if (rc == 0)
		rc = legacy_devices_init(&vm);
	if (rc == 0)
		rc = pci_init();
	/* (before the devices' work: frames the network brings are served in the same
	 * round, not at the next deadline) */
	if (rc == 0 && !vm.cluster && (cluster.disk.nbd_port || cluster.nic.present))
		rc = vm_add_work(&vm, alone_net_poll, NULL);
	if (rc == 0 && cluster.disk.present)
		rc = start_disk(&vm, node);
	if (rc == 0 && cluster.nic.present)
		rc = start_nic(&vm, node);
	if (rc == 0 && node == 0) /* the guest's image lives on node 0 */
		rc = loader_load_guest(&vm, &boot_info, &cluster.guest);
	if (rc == 0 && cluster.nnodes > 1 && remote_sync_time(&vm) != 0)
		refuse("node 0 did not answer the TSC synchronisation (see above)");
	if (rc == 0 && node != 0 && options.tsclag_us)
		remote_lag_time(&vm, options.tsclag_us);
	if (rc != 0)
		refuse("cannot build the guest (see above)");
	if (cluster.nnodes > 1) {
		u8 all = ((virt == &vmx_ops || shadow) ? BUILT_WALKS_READ : 0) |
			 ((options.slice_given || options.turns_given) ? BUILT_WANTS_TURNS : 0) |
			 (shadow ? BUILT_SHADOWS : 0);
		u8 any = all;

		if (wait_until_built(node, all) != 0)
			refuse("a node of the guest went down before it started (see above)");
		for (u32 n = 0; n < cluster.nnodes; n++) {
			all &= n == node ? 0xff : built_flags[n];
			any |= n == node ? 0 : built_flags[n];
		}
		/* One CPUID for every vCPU: the paging features shadows hide, hidden on every
		 * node if any node shadows (a node on nested paging would offer PCID, and a
		 * guest that turned it on would load CR3s a shadowed node refuses). */
		if ((any & BUILT_SHADOWS) && !cpuid_shadow_paging) {
			cpuid_shadow_paging = true;
			pr_info("cpuid: another node runs on shadow page tables: the paging features "
				"they hide (PCID, INVPCID, 5-level paging, protection keys, CET) are "
				"hidden here too\n");
		}
		turns_settle(&vm, all & BUILT_WALKS_READ, any & BUILT_WANTS_TURNS);
		/* From here a node lost stops the guest (remote.c); check once more that
		 * none was lost in between. */
		__atomic_store_n(&vm.started, true, __ATOMIC_RELEASE);
		char missing[160];
		if (peers_down(node, missing, sizeof(missing)) != 0)
			refuse("a node of the guest went down as it started");
	}
	kprintf("unum: starting the guest on %s\n", virt->name);
	guest_running = true;
	rc = vm_run(&vm);
	guest_exit = rc;
	if (cluster.disk.present && cluster.disk.nbd_port && node == 0)
		nbd_close();
	if (cluster.disk.present)
		virtio_blk_report();
	if (cluster.nic.present)
		nic_stats();
	if (cluster.nnodes > 1 && options.stay && !options.poweroff)
		stay_on_network(&vm, rc);
	monitor_exit(rc);
}

/* Starts the CPUs the cluster file gives this node (cpus=). */
static void start_cpus(u32 node)
{
	u32 want = config_node(&cluster, node)->cpus, online = smp_start(&boot_info, want);
	char why[160];

	kprintf("cpus: %u online (cpus=%u in " CONFIG_MODULE ")\n", online, want);
	if (online < want) {
		ksnprintf(why, sizeof(why),
			  "node %u has cpus=%u in " CONFIG_MODULE " but only %u CPUs came online",
			  node, want, online);
		refuse(why);
	}
}

void monitor_main(u32 magic, u32 info)
{
	u32 node;

	log_set_console(uart_write, uart_write_raw); /* (a panic this early still reaches the port) */
	percpu_init(0, (hva_t)boot_stack_top);
	gdt_init_cpu(0);
	idt_init();
	pic_disable();
	uart_init();
	kprintf("\nUnum %s (%s): distributed hypervisor monitor\n", UNUM_VERSION, UNUM_GIT_REV);
	read_boot_info(magic, info);
	report_boot_info(&boot_info);
	cpu_detect(&boot_cpu);
	cpu_report(&boot_cpu);
	if (mm_init(&boot_info) != 0)
		refuse("cannot set up memory");
	report_memory(&boot_info);
	start_clock_and_timer();
	read_cluster_config();
	node = node_identity();
	start_cpus(node);
	report_cluster(&cluster, node);
	kprintf("unum: node %u ready: boot report complete\n", node);
	run_selftest();
	net_set_test(options.nettest);
	net_set_pool(options.msgbufs);
	nettest_set_bench(options.netbench & NETBENCH_RTT, options.netbench & NETBENCH_PAGES);
	if (net_start(&cluster, node) != 0)
		pr_warn("unum: node %u runs without the cluster network\n", node);
	if (cluster.guest.present && !options.noguest && (node == 0 || cluster.nnodes > 1))
		run_guest(node);
	if (options.poweroff && !options.nettest)
		monitor_exit(EXIT_OK);
	for (;;) {
		/* Off from the poll to the halt (sti; hlt enables them atomically): a
		 * receive interrupt taken in between would leave the CPU asleep until
		 * the next timer tick with a frame waiting. */
		irq_disable();
		net_poll();
		if (options.poweroff && net_test_over())
			monitor_exit(EXIT_OK);
		cpu_wait_irq();
	}
}
