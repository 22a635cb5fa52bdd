// SPDX-License-Identifier: GPL-2.0-only
/*
 * Boot report lines (see vmm/node/report.h) and the boot-information dump used
 * to capture test fixtures from real loaders.
 */
#include "vmm/node/report.h"
#include "vmm/lib/klib.h"
#include "vmm/host/log.h"
#include "vmm/host/mm.h"

void report_boot_info(const struct boot_info *bi)
{
	kprintf("boot: multiboot %d from \"%s\", command line \"%s\"\n", bi->mb_version,
		bi->loader[0] ? bi->loader : "unknown loader", bi->cmdline);
	kprintf("boot: %u module%s\n", bi->nmods, bi->nmods == 1 ? "" : "s");
	for (u32 i = 0; i < bi->nmods; i++) {
		const struct boot_module *m = &bi->mods[i];
		kprintf("boot:   module %u '%s' at %#llx-%#llx (%llu bytes)\n", i, m->name,
			(unsigned long long)m->start, (unsigned long long)m->end,
			(unsigned long long)(m->end - m->start));
	}
}

extern char __image_start[], __image_end[], __bss_start[], __bss_end[];

void report_memory(const struct boot_info *bi)
{
	u64 usable = 0;

	kprintf("memory map (%u entries):\n", bi->nmem);
	for (u32 i = 0; i < bi->nmem; i++) {
		const struct mem_range *r = &bi->mem[i];
		kprintf("  0x%012llx-0x%012llx %s\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->len - 1), mem_type_name(r->type));
		if (r->type == MEM_USABLE)
			usable += r->len;
	}
	kprintf("memory: %llu MiB usable, %llu MiB free for the monitor and guests\n",
		(unsigned long long)(usable >> 20),
		(unsigned long long)(mm_free_pages() * PAGE_SIZE >> 20));
	/* (Static: its tables for up to 256 vCPUs and 256 nodes; doc/design.md, "Memory
	 * per node at the limits", says what they cost each.) */
	kprintf("memory: the monitor's image takes %llu KiB, %llu KiB of it static data\n",
		(unsigned long long)((__image_end - __image_start) >> 10),
		(unsigned long long)((__bss_end - __bss_start) >> 10));
}

void report_cluster(const struct cluster_config *cfg, u32 self)
{
	char mac[24], ip[20];

	kprintf("cluster: id %u%s%s, %u node%s, %u vCPU%s in all\n", cfg->cluster_id,
		cfg->name[0] ? " name " : "", cfg->name, cfg->nnodes, cfg->nnodes == 1 ? "" : "s",
		config_total_cpus(cfg), config_total_cpus(cfg) == 1 ? "" : "s");
	for (u32 i = 0; i < cfg->nnodes; i++) {
		const struct cfg_node *n = &cfg->nodes[i];
		config_format_mac(n->mac, mac, sizeof(mac));
		config_format_ip(n->ip, ip, sizeof(ip));
		kprintf("cluster:   node %u mac %s ip %s port %u cpus %u%s\n", n->id, mac, ip,
			n->port, n->cpus, n->id == self ? "  <- this node" : "");
	}
	if (cfg->guest.present)
		kprintf("cluster: guest %llu MiB, kernel '%s', initrd '%s', cmdline \"%s\"\n",
			(unsigned long long)(cfg->guest.memory >> 20), cfg->guest.kernel,
			cfg->guest.initrd[0] ? cfg->guest.initrd : "(none)", cfg->guest.cmdline);
	else
		kprintf("cluster: no guest line\n");
	if (cfg->disk.present && cfg->disk.module[0])
		kprintf("cluster: disk from module '%s'\n", cfg->disk.module);
	else if (cfg->disk.present) {
		config_format_ip(cfg->disk.nbd_ip, ip, sizeof(ip));
		kprintf("cluster: disk from export '%s' of the NBD server at %s:%u\n",
			cfg->disk.export_name, ip, cfg->disk.nbd_port);
	}
	kprintf("node: this is node %u of %u\n", self, cfg->nnodes);
}

/* ---- fixture dump -------------------------------------------------------- */

#define DUMP_MAX_REGIONS 64
struct dump_region {
	u64 base, len;
};
static struct dump_region dump_regions[DUMP_MAX_REGIONS];
static u32 dump_nregions;
static bootinfo_map_fn dump_inner;

/* Records every range the parser reads, merging touching ones. */
static const void *dump_map(u64 phys, u64 len, void *ctx)
{
	const void *p = dump_inner(phys, len, ctx);

	if (!p)
		return NULL;
	for (u32 i = 0; i < dump_nregions; i++) {
		struct dump_region *r = &dump_regions[i];
		if (phys <= r->base + r->len && r->base <= phys + len) {
			u64 end = MAX(r->base + r->len, phys + len);
			r->base = MIN(r->base, phys);
			r->len = end - r->base;
			return p;
		}
	}
	if (dump_nregions < DUMP_MAX_REGIONS)
		dump_regions[dump_nregions++] = (struct dump_region){ phys, len };
	return p;
}

void report_dump_bootinfo(u32 magic, u32 info, bootinfo_map_fn map)
{
	static struct boot_info scratch;
	char err[160];

	dump_inner = map;
	dump_nregions = 0;
	bootinfo_parse(magic, info, dump_map, NULL, &scratch, err, sizeof(err));
	kprintf("bootinfo-magic %#x\nbootinfo-info %#x\n", magic, info);
	for (u32 i = 0; i < dump_nregions; i++) {
		const u8 *p = map(dump_regions[i].base, dump_regions[i].len, NULL);
		for (u64 off = 0; off < dump_regions[i].len; off += 32) {
			char hex[65];
			u64 n = MIN(32, dump_regions[i].len - off);
			for (u64 j = 0; j < n; j++) {
				hex[2 * j] = "0123456789abcdef"[p[off + j] >> 4];
				hex[2 * j + 1] = "0123456789abcdef"[p[off + j] & 15];
			}
			hex[2 * n] = '\0';
			kprintf("bootinfo-data %#llx %s\n",
				(unsigned long long)(dump_regions[i].base + off), hex);
		}
	}
	kprintf("bootinfo-end\n");
}
