// SPDX-License-Identifier: GPL-2.0-only
/*
 * NUMA tables (ACPI 6.4 sections 5.2.16 and 5.2.17): the SRAT puts each
 * vCPU and each node's home range of guest memory in the proximity domain of
 * the cluster node that runs or homes it; the SLIT gives 10 for local and
 * 40 for remote. Linux then prefers memory homed where the vCPU runs, which
 * is what keeps the DSM's traffic down. 40 is above Linux's reclaim distance
 * (node_reclaim_distance: 30, or 32 when the guest sees an AMD Zen CPU):
 * beyond it Linux's scheduler neither places a forked or exec'd task on
 * another node nor pulls a woken task to its waker's node, so a task stays
 * with the pages it uses unless load balancing moves it (doc/design.md).
 * Linux 6.1 treats every value from 33 to 254 alike.
 */
#include "vmm/guest/acpi_internal.h"
#include "vmm/lib/klib.h"

struct srat_cpu {
	u8 type, length, domain_lo, apic_id;
	u32 flags;
	u8 sapic_eid, domain_hi[3];
	u32 clock_domain;
} __packed;
_Static_assert(sizeof(struct srat_cpu) == 16, "SRAT processor local APIC affinity");

struct srat_x2cpu {
	u8 type, length;
	u16 reserved0;
	u32 domain, x2apic_id, flags, clock_domain, reserved1;
} __packed;
_Static_assert(sizeof(struct srat_x2cpu) == 24, "SRAT processor local x2APIC affinity");

struct srat_mem {
	u8 type, length;
	u32 domain;
	u16 reserved0;
	u32 base_lo, base_hi, length_lo, length_hi, reserved1, flags;
	u64 reserved2;
} __packed;
_Static_assert(sizeof(struct srat_mem) == 40, "SRAT memory affinity");

#define SRAT_ENABLED 1u
#define SLIT_LOCAL   10
#define SLIT_REMOTE  40 /* > 30: see above */

/* Node n's memory without the hole: up to two ranges into base[], size[]; returns how many. */
static u32 node_ranges(const struct acpi_config *cfg, u32 n, gpa_t base[2], u64 size[2])
{
	gpa_t b = cfg->node_base[n], e = b + cfg->node_size[n];
	u32 k = 0;

	if (cfg->hole_base == cfg->hole_end || e <= cfg->hole_base || b >= cfg->hole_end) {
		base[k] = b, size[k++] = e - b;
		return k;
	}
	if (b < cfg->hole_base)
		base[k] = b, size[k++] = cfg->hole_base - b;
	if (e > cfg->hole_end)
		base[k] = cfg->hole_end, size[k++] = e - cfg->hole_end;
	return k;
}

gpa_t acpi_build_srat(struct builder *b, const struct acpi_config *cfg)
{
	gpa_t base[2];
	u64 size[2];
	u32 nmem = 0, nx, len;
	gpa_t at;
	u8 *t, *p;

	for (u32 n = 0; n < cfg->nnodes; n++)
		nmem += node_ranges(cfg, n, base, size);
	nx = MIN(cfg->ncpus, ACPI_XAPIC_IDS);
	len = 48 + nx * sizeof(struct srat_cpu) + (cfg->ncpus - nx) * sizeof(struct srat_x2cpu) +
	      nmem * sizeof(struct srat_mem);
	t = acpi_take(b, len, &at);

	if (!t)
		return 0;
	acpi_header_init((struct acpi_header *)t, "SRAT", len, 3);
	*(u32 *)(t + 36) = 1; /* reserved, 1 for compatibility */
	p = t + 48;
	for (u32 i = 0; i < nx; i++, p += sizeof(struct srat_cpu))
		*(struct srat_cpu *)p = (struct srat_cpu){ .type = 0,
							   .length = 16,
							   .domain_lo = cfg->cpu_node[i],
							   .apic_id = (u8)i,
							   .flags = SRAT_ENABLED };
	for (u32 i = nx; i < cfg->ncpus; i++, p += sizeof(struct srat_x2cpu))
		*(struct srat_x2cpu *)p = (struct srat_x2cpu){ .type = 2,
							       .length = 24,
							       .domain = cfg->cpu_node[i],
							       .x2apic_id = i,
							       .flags = SRAT_ENABLED };
	for (u32 n = 0; n < cfg->nnodes; n++)
		for (u32 k = 0, m = node_ranges(cfg, n, base, size); k < m;
		     k++, p += sizeof(struct srat_mem))
			*(struct srat_mem *)p = (struct srat_mem){
				.type = 1,
				.length = 40,
				.domain = n,
				.base_lo = (u32)base[k],
				.base_hi = (u32)(base[k] >> 32),
				.length_lo = (u32)size[k],
				.length_hi = (u32)(size[k] >> 32),
				.flags = SRAT_ENABLED,
			};
	acpi_seal((struct acpi_header *)t);
	return at;
}

gpa_t acpi_build_slit(struct builder *b, const struct acpi_config *cfg)
{
	u32 n = cfg->nnodes, len = 36 + 8 + n * n;
	u64 localities = n;
	gpa_t at;
	u8 *t = acpi_take(b, len, &at);

	if (!t)
		return 0;
	acpi_header_init((struct acpi_header *)t, "SLIT", len, 1);
	memcpy(t + 36, &localities, 8); /* offset 36 is not 8-byte aligned */
	for (u32 i = 0; i < n; i++)
		for (u32 j = 0; j < n; j++)
			t[44 + i * n + j] = i == j ? SLIT_LOCAL : SLIT_REMOTE;
	acpi_seal((struct acpi_header *)t);
	return at;
}
