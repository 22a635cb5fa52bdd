// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multiboot 1 and 2 information parsing (see vmm/host/bootinfo.h). Every length
 * and pointer in the block comes from the loader; each is checked against the
 * block's own bounds before it is followed, and a malformed block is
 * reported, never half-used: a node must not run on a memory map it misread.
 */
#include "vmm/host/bootinfo.h"
#include "boot/multiboot.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/printf.h"

struct parse {
	struct boot_info *bi;
	bootinfo_map_fn map;
	void *ctx;
	char *err;
	size_t errlen;
};

#define FAIL(p, ...) (ksnprintf((p)->err, (p)->errlen, __VA_ARGS__), -E_INVAL)

static int reserve(struct parse *p, u64 base, u64 len)
{
	struct boot_info *bi = p->bi;

	if (bi->nreserved == BOOT_MAX_RESERVED)
		return FAIL(p, "boot information is spread over more than %d areas",
			    BOOT_MAX_RESERVED);
	bi->reserved[bi->nreserved++] = (struct mem_range){ base, len, MEM_RESERVED };
	return 0;
}

/* Copies a NUL-terminated string of at most max-1 bytes living at phys. */
static int copy_string(struct parse *p, u64 phys, char *dst, size_t max, const char *what)
{
	for (size_t i = 0; i < max; i++) {
		const char *c = p->map(phys + i, 1, p->ctx);
		if (!c)
			return FAIL(p, "%s string at %#llx is not readable", what,
				    (unsigned long long)phys);
		dst[i] = *c;
		if (!*c)
			return reserve(p, phys, i + 1);
	}
	return FAIL(p, "%s string at %#llx is longer than %zu bytes", what,
		    (unsigned long long)phys, max - 1);
}

static int add_mem(struct parse *p, u64 base, u64 len, u32 type)
{
	struct boot_info *bi = p->bi;

	if (len == 0)
		return 0;
	if (base + len < base)
		return FAIL(p, "memory map entry %#llx+%#llx wraps around",
			    (unsigned long long)base, (unsigned long long)len);
	if (type < MEM_USABLE || type > MEM_BAD)
		type = MEM_RESERVED; /* both specs: unknown types are reserved */
	if (bi->nmem == BOOT_MAX_MEM)
		return FAIL(p, "memory map has more than %d entries", BOOT_MAX_MEM);
	bi->mem[bi->nmem++] = (struct mem_range){ base, len, type };
	return 0;
}

/* Sorts by base (insertion sort: maps are short) and merges touching ranges of one type. */
static int finish_mem(struct parse *p)
{
	struct boot_info *bi = p->bi;
	u32 n = 0;

	for (u32 i = 1; i < bi->nmem; i++) {
		struct mem_range r = bi->mem[i];
		u32 j = i;
		for (; j > 0 && bi->mem[j - 1].base > r.base; j--)
			bi->mem[j] = bi->mem[j - 1];
		bi->mem[j] = r;
	}
	for (u32 i = 0; i < bi->nmem; i++) {
		struct mem_range *last = n ? &bi->mem[n - 1] : NULL;
		if (last && last->type == bi->mem[i].type &&
		    last->base + last->len == bi->mem[i].base)
			last->len += bi->mem[i].len;
		else
			bi->mem[n++] = bi->mem[i];
	}
	bi->nmem = n;
	if (n == 0)
		return FAIL(p, "the loader gave no memory map");
	return 0;
}

/* Module name: the first word of its string, without any directory part. */
static void module_name(struct boot_module *m)
{
	const char *s = m->cmdline, *start, *end;
	size_t n;

	while (*s == ' ')
		s++;
	end = s;
	while (*end && *end != ' ')
		end++;
	start = s;
	for (const char *c = s; c < end; c++)
		if (*c == '/')
			start = c + 1;
	n = (size_t)(end - start);
	if (n >= sizeof(m->name))
		n = sizeof(m->name) - 1;
	memcpy(m->name, start, n);
	m->name[n] = '\0';
}

static int add_module(struct parse *p, u64 start, u64 end, u64 str, const char *inline_str,
		      size_t inline_max)
{
	struct boot_info *bi = p->bi;
	struct boot_module *m;
	int rc = 0;

	if (bi->nmods == BOOT_MAX_MODS)
		return FAIL(p, "more than %d modules", BOOT_MAX_MODS);
	if (end < start)
		return FAIL(p, "module %u ends (%#llx) before it starts (%#llx)", bi->nmods,
			    (unsigned long long)end, (unsigned long long)start);
	m = &bi->mods[bi->nmods];
	m->start = start;
	m->end = end;
	if (inline_str) {
		size_t n = strnlen(inline_str, inline_max);
		if (n == inline_max || n >= sizeof(m->cmdline))
			return FAIL(p, "module %u string is not terminated within its tag",
				    bi->nmods);
		memcpy(m->cmdline, inline_str, n + 1);
	} else if (str) {
		rc = copy_string(p, str, m->cmdline, sizeof(m->cmdline), "module");
	}
	module_name(m);
	bi->nmods++;
	return rc;
}

/* Multiboot 1 (spec 3.3): a fixed structure whose flags say which fields are valid. */
static int parse_mb1_mmap(struct parse *p, u64 addr, u32 length)
{
	const u8 *buf = p->map(addr, length, p->ctx);
	u32 off = 0;
	int rc;

	if (!buf)
		return FAIL(p, "multiboot 1 memory map at %#llx (%u bytes) is not readable",
			    (unsigned long long)addr, length);
	while (off + 4 <= length) {
		struct mb1_mmap_entry e;
		u32 size;
		memcpy(&size, buf + off, 4);
		if (size < 20 || (u64)off + 4 + size > length) /* (u64: a size near 2^32) */
			return FAIL(p,
				    "multiboot 1 memory map entry at offset %u has size %u "
				    "(expected at least 20, within the %u-byte map)",
				    off, size, length);
		memcpy(&e, buf + off, sizeof(e));
		rc = add_mem(p, e.base_addr, e.length, e.type);
		if (rc)
			return rc;
		off += 4 + size;
	}
	return reserve(p, addr, length);
}

static int parse_mb1_mods(struct parse *p, u64 addr, u32 count)
{
	const struct mb1_module *mods;
	int rc;

	if (count > BOOT_MAX_MODS)
		return FAIL(p, "%u modules; at most %d are supported", count, BOOT_MAX_MODS);
	mods = p->map(addr, (u64)count * sizeof(*mods), p->ctx);
	if (!mods)
		return FAIL(p, "multiboot 1 module list at %#llx is not readable",
			    (unsigned long long)addr);
	for (u32 i = 0; i < count; i++) {
		struct mb1_module m;
		memcpy(&m, &mods[i], sizeof(m));
		rc = add_module(p, m.mod_start, m.mod_end, m.string, NULL, 0);
		if (rc)
			return rc;
	}
	return reserve(p, addr, (u64)count * sizeof(*mods));
}

static int parse_mb1(struct parse *p, u64 info_phys)
{
	const struct mb1_info *src = p->map(info_phys, sizeof(*src), p->ctx);
	struct mb1_info mi;
	int rc = 0;

	if (!src)
		return FAIL(p, "multiboot 1 information at %#llx is not readable",
			    (unsigned long long)info_phys);
	memcpy(&mi, src, sizeof(mi));
	p->bi->mb_version = 1;
	rc = reserve(p, info_phys, sizeof(mi));
	if (!rc && (mi.flags & MB1_INFO_CMDLINE))
		rc = copy_string(p, mi.cmdline, p->bi->cmdline, sizeof(p->bi->cmdline),
				 "command line");
	if (!rc && (mi.flags & MB1_INFO_LOADER))
		rc = copy_string(p, mi.boot_loader_name, p->bi->loader, sizeof(p->bi->loader),
				 "boot loader name");
	if (!rc && (mi.flags & MB1_INFO_MODS))
		rc = parse_mb1_mods(p, mi.mods_addr, mi.mods_count);
	if (!rc && !(mi.flags & MB1_INFO_MMAP))
		return FAIL(p, "multiboot 1 information has no memory map (flags %#x)", mi.flags);
	if (!rc)
		rc = parse_mb1_mmap(p, mi.mmap_addr, mi.mmap_length);
	return rc;
}

/* Multiboot 2 (spec 3.6): a size-prefixed list of 8-byte aligned tags. */
static int parse_mb2_mmap(struct parse *p, const u8 *tag, u32 size)
{
	struct mb2_tag_mmap h;
	int rc;

	if (size < sizeof(h))
		return FAIL(p, "multiboot 2 memory map tag of %u bytes is too short", size);
	memcpy(&h, tag, sizeof(h));
	if (h.entry_size < sizeof(struct mb2_mmap_entry) || h.entry_size % 8)
		return FAIL(p,
			    "multiboot 2 memory map entry size %u (expected a multiple of 8, "
			    "at least 24)",
			    h.entry_size);
	for (u32 off = sizeof(h); off + h.entry_size <= size; off += h.entry_size) {
		struct mb2_mmap_entry e;
		memcpy(&e, tag + off, sizeof(e));
		rc = add_mem(p, e.base_addr, e.length, e.type);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_mb2_tag(struct parse *p, const u8 *tag, u32 type, u32 size)
{
	struct mb2_tag_module m;
	u32 slen = size > 8 ? size - 8 : 0;

	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER: {
		char *dst = type == MB2_TAG_CMDLINE ? p->bi->cmdline : p->bi->loader;
		size_t max =
			type == MB2_TAG_CMDLINE ? sizeof(p->bi->cmdline) : sizeof(p->bi->loader);
		size_t n = strnlen((const char *)tag + 8, slen);
		if (n == slen)
			return FAIL(p, "multiboot 2 tag %u: string not terminated", type);
		if (n >= max)
			return FAIL(p, "multiboot 2 tag %u: string longer than %zu bytes", type,
				    max - 1);
		memcpy(dst, tag + 8, n + 1);
		return 0;
	}
	case MB2_TAG_MODULE:
		if (size < sizeof(m) + 1)
			return FAIL(p, "multiboot 2 module tag of %u bytes is too short", size);
		memcpy(&m, tag, sizeof(m));
		return add_module(p, m.mod_start, m.mod_end, 0, (const char *)tag + sizeof(m),
				  size - sizeof(m));
	case MB2_TAG_MMAP: return parse_mb2_mmap(p, tag, size);
	default: return 0; /* tags we do not use */
	}
}

static int parse_mb2(struct parse *p, u64 info_phys)
{
	const u32 *hdr = p->map(info_phys, 8, p->ctx);
	const u8 *block;
	u32 total, off = 8;
	int rc;

	if (!hdr)
		return FAIL(p, "multiboot 2 information at %#llx is not readable",
			    (unsigned long long)info_phys);
	total = hdr[0];
	p->bi->mb_version = 2;
	if (total < 16 || total > (1u << 20))
		return FAIL(p, "multiboot 2 information size %u is implausible", total);
	block = p->map(info_phys, total, p->ctx);
	if (!block)
		return FAIL(p, "multiboot 2 information (%u bytes at %#llx) is not readable", total,
			    (unsigned long long)info_phys);
	rc = reserve(p, info_phys, total);
	while (!rc) {
		u32 type, size;
		if (off + 8 > total)
			return FAIL(p, "multiboot 2 information ends at %u without an end tag",
				    off);
		memcpy(&type, block + off, 4);
		memcpy(&size, block + off + 4, 4);
		if (size < 8 || size > total - off)
			return FAIL(p,
				    "multiboot 2 tag %u at offset %u has size %u, outside the "
				    "%u-byte block",
				    type, off, size, total);
		if (type == MB2_TAG_END)
			break;
		rc = parse_mb2_tag(p, block + off, type, size);
		off += (size + 7) & ~7u;
	}
	return rc;
}

int bootinfo_parse(u32 magic, u64 info_phys, bootinfo_map_fn map, void *ctx, struct boot_info *bi,
		   char *err, size_t errlen)
{
	struct parse p = { bi, map, ctx, err, errlen };
	int rc;

	memset(bi, 0, sizeof(*bi));
	if (err && errlen)
		err[0] = '\0';
	if (magic == MB1_BOOT_MAGIC)
		rc = parse_mb1(&p, info_phys);
	else if (magic == MB2_BOOT_MAGIC)
		rc = parse_mb2(&p, info_phys);
	else
		return FAIL(&p, "boot magic %#x is neither multiboot 1 (%#x) nor 2 (%#x)", magic,
			    MB1_BOOT_MAGIC, MB2_BOOT_MAGIC);
	return rc ? rc : finish_mem(&p);
}

const struct boot_module *bootinfo_find_module(const struct boot_info *bi, const char *name)
{
	for (u32 i = 0; i < bi->nmods; i++)
		if (strcmp(bi->mods[i].name, name) == 0)
			return &bi->mods[i];
	return NULL;
}

const char *mem_type_name(u32 type)
{
	static const char *const names[] = { "?",	 "usable", "reserved", "ACPI reclaimable",
					     "ACPI NVS", "bad" };

	return type < ARRAY_SIZE(names) ? names[type] : "?";
}
