// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cluster configuration parser (see vmm/lib/config.h). The file is read line by
 * line: a line is split into words (bare or quoted), the first word names the
 * statement, and each statement's keys are checked against a table that says
 * which are known, which are required and how each value parses. Whole-file
 * rules (one cluster line, node ids 0..N-1, no duplicate MAC or endpoint)
 * are checked at the end. Every error is collected with its position, so one
 * run of `unum-config check` shows them all.
 */
#include "vmm/lib/config.h"
#include "vmm/lib/config_value.h"
#include "vmm/lib/klib.h"
#include "vmm/lib/printf.h"
#include <stdarg.h>

#define MAX_WORDS 16
#define WORD_MAX  CFG_CMDLINE_MAX

struct word {
	u32 col;      /* column of the word's first character */
	u32 vcol;     /* column of the value (after '=') */
	char key[24]; /* empty for the statement keyword */
	char val[WORD_MAX];
};

struct line {
	struct cluster_config *cfg;
	u32 no;
	u32 nwords;
	struct word words[MAX_WORDS];
	u32 end_col; /* column just past the last word */
};

static void cfg_error(struct cluster_config *cfg, u32 line, u32 col, const char *fmt, ...)
	__printf(4, 5);

static void cfg_error(struct cluster_config *cfg, u32 line, u32 col, const char *fmt, ...)
{
	va_list ap;

	if (cfg->nerrors < CFG_MAX_ERRORS) {
		struct cfg_error *e = &cfg->errors[cfg->nerrors];
		e->line = line;
		e->col = col;
		va_start(ap, fmt);
		kvsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	cfg->nerrors++;
}

/* ---- splitting a line into words ---------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

/* Reads a quoted value starting at the opening quote s[*pos]; false on error. */
static bool lex_quoted(struct line *ln, const char *s, size_t n, size_t *pos, struct word *w)
{
	size_t i = *pos + 1, o = 0;

	for (; i < n && s[i] != '"'; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\'))
			c = s[++i];
		else if (c == '\\') {
			cfg_error(ln->cfg, ln->no, (u32)i + 1,
				  "unknown escape in quoted string (expected \\\" or \\\\)");
			return false;
		}
		if (o + 1 >= sizeof(w->val)) {
			cfg_error(ln->cfg, ln->no, w->vcol,
				  "quoted string longer than %zu characters", sizeof(w->val) - 1);
			return false;
		}
		w->val[o++] = c;
	}
	if (i >= n) {
		cfg_error(ln->cfg, ln->no, (u32)*pos + 1,
			  "unterminated quoted string (expected a closing \")");
		return false;
	}
	w->val[o] = '\0';
	*pos = i + 1;
	if (*pos < n && !is_space(s[*pos]) && s[*pos] != '#') {
		cfg_error(ln->cfg, ln->no, (u32)*pos + 1,
			  "expected a space after the closing quote, found '%c'", s[*pos]);
		return false;
	}
	return true;
}

static bool lex_bare(struct line *ln, const char *s, size_t n, size_t *pos, struct word *w)
{
	size_t i = *pos, o = 0;

	for (; i < n && !is_space(s[i]) && s[i] != '#'; i++) {
		if (s[i] == '"') {
			cfg_error(ln->cfg, ln->no, (u32)i + 1,
				  "unexpected '\"' inside a value (quote the whole value)");
			return false;
		}
		if (o + 1 >= sizeof(w->val)) {
			cfg_error(ln->cfg, ln->no, w->vcol, "value longer than %zu characters",
				  sizeof(w->val) - 1);
			return false;
		}
		w->val[o++] = s[i];
	}
	w->val[o] = '\0';
	*pos = i;
	return true;
}

/* key=value (or the statement keyword when it is the first word). */
static bool lex_word(struct line *ln, const char *s, size_t n, size_t *pos)
{
	struct word *w = &ln->words[ln->nwords];
	size_t i = *pos, k = 0;

	w->col = (u32)i + 1;
	w->key[0] = '\0';
	if (ln->nwords > 0) {
		for (; i < n && is_key_char(s[i]) && k + 1 < sizeof(w->key); i++)
			w->key[k++] = s[i];
		w->key[k] = '\0';
		if (k == 0 || i >= n || s[i] != '=') {
			cfg_error(ln->cfg, ln->no, w->col,
				  "expected key=value (a lower-case key, '=', a value)");
			return false;
		}
		i++;
		if (i >= n || is_space(s[i]) || s[i] == '#') {
			cfg_error(ln->cfg, ln->no, (u32)i + 1, "expected a value after '%s='",
				  w->key);
			return false;
		}
	}
	w->vcol = (u32)i + 1;
	*pos = i;
	if (s[i] == '"' && ln->nwords > 0)
		return lex_quoted(ln, s, n, pos, w);
	return lex_bare(ln, s, n, pos, w);
}

/* Returns false (error reported) if the line cannot be split. */
static bool lex_line(struct line *ln, const char *s, size_t n)
{
	size_t pos = 0;

	for (size_t i = 0; i < n; i++) {
		u8 c = (u8)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			cfg_error(ln->cfg, ln->no, (u32)i + 1,
				  "unexpected control character 0x%02x (expected text)", c);
			return false;
		}
	}
	ln->nwords = 0;
	for (;;) {
		while (pos < n && is_space(s[pos]))
			pos++;
		if (pos >= n || s[pos] == '#')
			break;
		if (ln->nwords == MAX_WORDS) {
			cfg_error(ln->cfg, ln->no, (u32)pos + 1, "more than %d words on one line",
				  MAX_WORDS);
			return false;
		}
		if (!lex_word(ln, s, n, &pos))
			return false;
		ln->nwords++;
		ln->end_col = (u32)pos + 1;
	}
	return true;
}

/* ---- statements ---------------------------------------------------------- */

struct key_spec {
	const char *key;
	bool required;
	bool (*apply)(struct line *ln, const struct word *w, void *obj);
};

struct stmt {
	const char *keyword;
	const char *usage;
	const struct key_spec *keys;
	void (*finish)(struct line *ln, void *obj);
};

static bool bad_value(struct line *ln, const struct word *w, const char *expected)
{
	cfg_error(ln->cfg, ln->no, w->vcol, "%s: expected %s, found \"%s\"", w->key, expected,
		  w->val);
	return false;
}

static bool get_u32(struct line *ln, const struct word *w, u32 min, u32 max, u32 *out)
{
	char expected[64];
	const char *why;

	if (cfgval_u32(w->val, min, max, out, &why))
		return true;
	ksnprintf(expected, sizeof(expected), "a whole number from %u to %u", min, max);
	return bad_value(ln, w, expected);
}

/* cluster id=N secret=HEX [name=WORD] */
static bool cluster_id(struct line *ln, const struct word *w, void *obj)
{
	return get_u32(ln, w, 0, 0xffffffffU, &ln->cfg->cluster_id);
}

static bool cluster_secret(struct line *ln, const struct word *w, void *obj)
{
	const char *why;

	if (cfgval_hex(w->val, ln->cfg->secret, CFG_SECRET_BYTES, &why))
		return true;
	return bad_value(ln, w, "32 hex digits (the 128-bit cluster key)");
}

static bool cluster_name(struct line *ln, const struct word *w, void *obj)
{
	const char *why;

	if (!cfgval_word(w->val, sizeof(ln->cfg->name), &why))
		return bad_value(ln, w, why);
	memcpy(ln->cfg->name, w->val, strlen(w->val) + 1);
	return true;
}

/* parse_statement() already noted the first cluster line; this catches a second. */
static void cluster_finish(struct line *ln, void *obj)
{
	if (ln->cfg->cluster_line != ln->no)
		cfg_error(ln->cfg, ln->no, 1, "second cluster line (the first is on line %u)",
			  ln->cfg->cluster_line);
}

static const struct key_spec cluster_keys[] = {
	{ "id", true, cluster_id },
	{ "secret", true, cluster_secret },
	{ "name", false, cluster_name },
	{ NULL, false, NULL },
};

/* node id=N mac=MAC ip=IPV4 [port=P] [cpus=C] */
static bool node_id(struct line *ln, const struct word *w, void *obj)
{
	return get_u32(ln, w, 0, CFG_MAX_NODES - 1, &((struct cfg_node *)obj)->id);
}

static bool node_mac(struct line *ln, const struct word *w, void *obj)
{
	const char *why;

	return cfgval_mac(w->val, ((struct cfg_node *)obj)->mac, &why) || bad_value(ln, w, why);
}

static bool node_ip(struct line *ln, const struct word *w, void *obj)
{
	const char *why;

	return cfgval_ipv4(w->val, &((struct cfg_node *)obj)->ip, &why) || bad_value(ln, w, why);
}

static bool node_port(struct line *ln, const struct word *w, void *obj)
{
	u32 v;

	if (!get_u32(ln, w, 1, 65535, &v))
		return false;
	((struct cfg_node *)obj)->port = (u16)v;
	return true;
}

static bool node_cpus(struct line *ln, const struct word *w, void *obj)
{
	u32 v;

	if (!get_u32(ln, w, 1, CFG_MAX_CPUS_PER_NODE, &v))
		return false;
	((struct cfg_node *)obj)->cpus = (u16)v;
	return true;
}

/* A size from min to max, or the error "expected" (a phrase). */
static bool get_size(struct line *ln, const struct word *w, u64 min, u64 max, const char *expected,
		     u64 *out)
{
	const char *why;
	u64 v;

	if (!cfgval_size(w->val, &v, &why))
		return bad_value(ln, w, why);
	if (v < min || v > max)
		return bad_value(ln, w, expected);
	*out = v;
	return true;
}

static bool node_memory(struct line *ln, const struct word *w, void *obj)
{
	return get_size(ln, w, 32ULL << 20, 1ULL << 40, "from 32M to 1T, the node's memory",
			&((struct cfg_node *)obj)->memory);
}

static bool node_cache(struct line *ln, const struct word *w, void *obj)
{
	return get_size(ln, w, CFG_MIN_CACHE, CFG_MAX_GUEST_MEMORY, "from 4M to 512G",
			&((struct cfg_node *)obj)->cache);
}

/* A node clashes with an earlier one if it repeats its id, MAC or ip:port. */
static void node_finish(struct line *ln, void *obj)
{
	struct cluster_config *cfg = ln->cfg;
	struct cfg_node *n = obj;
	char buf[24];

	if (!n->port) /* keys left out take their defaults (0 is never valid) */
		n->port = CFG_DEFAULT_PORT;
	if (!n->cpus)
		n->cpus = 1;

	for (u32 i = 0; i < cfg->nnodes; i++) {
		const struct cfg_node *o = &cfg->nodes[i];
		if (o->id == n->id) {
			cfg_error(cfg, ln->no, 1, "node id=%u is already defined on line %u", n->id,
				  o->line);
			return;
		}
		if (memcmp(o->mac, n->mac, 6) == 0) {
			config_format_mac(n->mac, buf, sizeof(buf));
			cfg_error(cfg, ln->no, 1, "mac=%s is already used by node %u on line %u",
				  buf, o->id, o->line);
			return;
		}
		if (o->ip == n->ip && o->port == n->port) {
			config_format_ip(n->ip, buf, sizeof(buf));
			cfg_error(cfg, ln->no, 1,
				  "ip=%s port=%u is already used by node %u on line %u", buf,
				  n->port, o->id, o->line);
			return;
		}
	}
	n->line = ln->no;
	cfg->nodes[cfg->nnodes++] = *n;
}

static const struct key_spec node_keys[] = {
	{ "id", true, node_id },      { "mac", true, node_mac },    { "ip", true, node_ip },
	{ "port", false, node_port }, { "cpus", false, node_cpus }, { "memory", false, node_memory },
	{ "cache", false, node_cache }, { NULL, false, NULL },
};

/* guest memory=SIZE kernel=MODULE [initrd=MODULE] [cmdline="..."] */
static bool guest_memory(struct line *ln, const struct word *w, void *obj)
{
	const char *why;
	u64 v;

	if (!cfgval_size(w->val, &v, &why))
		return bad_value(ln, w, why);
	if (v < CFG_MIN_GUEST_MEMORY)
		return bad_value(ln, w, "at least 16M");
	if (v % CFG_GUEST_MEMORY_ALIGN)
		return bad_value(ln, w, "a multiple of 2M");
	if (v > CFG_MAX_GUEST_MEMORY)
		return bad_value(ln, w, "at most 512G");
	((struct cfg_guest *)obj)->memory = v;
	return true;
}

static bool guest_module(struct line *ln, const struct word *w, char *dst)
{
	const char *why;

	if (!cfgval_word(w->val, CFG_MODNAME_MAX, &why))
		return bad_value(ln, w, "a module name (letters, digits, '.', '_', '-')");
	memcpy(dst, w->val, strlen(w->val) + 1);
	return true;
}

static bool guest_kernel(struct line *ln, const struct word *w, void *obj)
{
	return guest_module(ln, w, ((struct cfg_guest *)obj)->kernel);
}

static bool guest_initrd(struct line *ln, const struct word *w, void *obj)
{
	return guest_module(ln, w, ((struct cfg_guest *)obj)->initrd);
}

static bool guest_cmdline(struct line *ln, const struct word *w, void *obj)
{
	/* The lexer already bounds the length by the buffer both share. */
	_Static_assert(sizeof(((struct word *)0)->val) <= CFG_CMDLINE_MAX, "cmdline fits");
	memcpy(((struct cfg_guest *)obj)->cmdline, w->val, strlen(w->val) + 1);
	return true;
}

static void guest_finish(struct line *ln, void *obj)
{
	struct cfg_guest *g = obj;

	if (ln->cfg->guest.present) {
		cfg_error(ln->cfg, ln->no, 1, "second guest line (the first is on line %u)",
			  ln->cfg->guest.line);
		return;
	}
	g->present = true;
	g->line = ln->no;
	ln->cfg->guest = *g;
}

static const struct key_spec guest_keys[] = {
	{ "memory", true, guest_memory },
	{ "kernel", true, guest_kernel },
	{ "initrd", false, guest_initrd },
	{ "cmdline", false, guest_cmdline },
	{ NULL, false, NULL },
};

/* disk module=MODULE | nbd=A.B.C.D:PORT [export=NAME] */
static bool disk_module(struct line *ln, const struct word *w, void *obj)
{
	return guest_module(ln, w, ((struct cfg_disk *)obj)->module);
}

static bool disk_nbd(struct line *ln, const struct word *w, void *obj)
{
	struct cfg_disk *d = obj;
	char ip[16];
	const char *colon = strchr(w->val, ':'), *why;
	u32 port;

	if (!colon || (size_t)(colon - w->val) >= sizeof(ip))
		return bad_value(ln, w, "A.B.C.D:PORT, the NBD server's address and port");
	memcpy(ip, w->val, (size_t)(colon - w->val));
	ip[colon - w->val] = 0;
	if (!cfgval_ipv4(ip, &d->nbd_ip, &why))
		return bad_value(ln, w, why);
	if (!cfgval_u32(colon + 1, 1, 65535, &port, &why))
		return bad_value(ln, w, "a port from 1 to 65535 after the ':'");
	d->nbd_port = (u16)port;
	return true;
}

static bool disk_export(struct line *ln, const struct word *w, void *obj)
{
	return guest_module(ln, w, ((struct cfg_disk *)obj)->export_name);
}

static void disk_finish(struct line *ln, void *obj)
{
	struct cfg_disk *d = obj;

	if (!d->module[0] == !d->nbd_port) {
		cfg_error(ln->cfg, ln->no, ln->end_col,
			  "disk line needs one of module= and nbd= (expected: %s)",
			  "disk module=MODULE | nbd=A.B.C.D:PORT [export=NAME]");
		return;
	}
	if (d->module[0] && d->export_name[0]) {
		cfg_error(ln->cfg, ln->no, 1, "export= goes with nbd=, not module=");
		return;
	}
	if (ln->cfg->disk.present) {
		cfg_error(ln->cfg, ln->no, 1, "second disk line (the first is on line %u)",
			  ln->cfg->disk.line);
		return;
	}
	d->present = true;
	d->line = ln->no;
	ln->cfg->disk = *d;
}

static const struct key_spec disk_keys[] = {
	{ "module", false, disk_module },
	{ "nbd", false, disk_nbd },
	{ "export", false, disk_export },
	{ NULL, false, NULL },
};

/* nic mac=XX:XX:XX:XX:XX:XX */
static bool nic_mac(struct line *ln, const struct word *w, void *obj)
{
	const char *why;

	return cfgval_mac(w->val, ((struct cfg_nic *)obj)->mac, &why) || bad_value(ln, w, why);
}

static void nic_finish(struct line *ln, void *obj)
{
	struct cfg_nic *n = obj;

	if (ln->cfg->nic.present) {
		cfg_error(ln->cfg, ln->no, 1, "second nic line (the first is on line %u)",
			  ln->cfg->nic.line);
		return;
	}
	n->present = true;
	n->line = ln->no;
	ln->cfg->nic = *n;
}

static const struct key_spec nic_keys[] = {
	{ "mac", true, nic_mac },
	{ NULL, false, NULL },
};

static const struct stmt statements[] = {
	{ "cluster", "cluster id=N secret=<32 hex digits> [name=NAME]", cluster_keys,
	  cluster_finish },
	{ "node", "node id=N mac=XX:XX:XX:XX:XX:XX ip=A.B.C.D [port=P] [cpus=C] [memory=SIZE] "
		  "[cache=SIZE]", node_keys,
	  node_finish },
	{ "guest", "guest memory=SIZE kernel=MODULE [initrd=MODULE] [cmdline=\"...\"]", guest_keys,
	  guest_finish },
	{ "disk", "disk module=MODULE | nbd=A.B.C.D:PORT [export=NAME]", disk_keys, disk_finish },
	{ "nic", "nic mac=XX:XX:XX:XX:XX:XX", nic_keys, nic_finish },
};

static const struct key_spec *find_key(const struct key_spec *keys, const char *key, u32 *idx)
{
	for (*idx = 0; keys[*idx].key; (*idx)++)
		if (strcmp(keys[*idx].key, key) == 0)
			return &keys[*idx];
	return NULL;
}

/* Applies every key=value of the line; true if the line had no error. */
static bool stmt_apply(struct line *ln, const struct stmt *st, void *obj)
{
	u32 errors = ln->cfg->nerrors, seen = 0, idx;

	for (u32 i = 1; i < ln->nwords; i++) {
		const struct word *w = &ln->words[i];
		const struct key_spec *k = find_key(st->keys, w->key, &idx);
		if (!k)
			cfg_error(ln->cfg, ln->no, w->col, "unknown key '%s' (expected: %s)",
				  w->key, st->usage);
		else if (seen & (1u << idx))
			cfg_error(ln->cfg, ln->no, w->col, "%s= given twice", w->key);
		else {
			/* A bad value is reported by apply(); it is not also "missing". */
			k->apply(ln, w, obj);
			seen |= 1u << idx;
		}
	}
	for (idx = 0; st->keys[idx].key; idx++)
		if (st->keys[idx].required && !(seen & (1u << idx)))
			cfg_error(ln->cfg, ln->no, ln->end_col,
				  "%s line is missing %s= (expected: %s)", st->keyword,
				  st->keys[idx].key, st->usage);
	return ln->cfg->nerrors == errors;
}

static void parse_statement(struct line *ln)
{
	const char *kw = ln->words[0].val;
	union {
		struct cfg_node node;
		struct cfg_guest guest;
		struct cfg_disk disk;
		struct cfg_nic nic;
	} obj;

	for (size_t i = 0; i < ARRAY_SIZE(statements); i++) {
		const struct stmt *st = &statements[i];
		if (strcmp(kw, st->keyword) != 0)
			continue;
		memset(&obj, 0, sizeof(obj));
		if (st->keys == node_keys)
			ln->cfg->node_lines++;
		if (st->keys == cluster_keys && !ln->cfg->cluster_line)
			ln->cfg->cluster_line = ln->no; /* even if bad: it is there */
		if (stmt_apply(ln, st, &obj))
			st->finish(ln, &obj);
		return;
	}
	cfg_error(ln->cfg, ln->no, ln->words[0].col,
		  "unknown statement '%s' (expected cluster, node, guest, disk or nic)", kw);
}

/* ---- the whole file ------------------------------------------------------ */

/* Node ids must be exactly 0..N-1; afterwards nodes[i].id == i. */
static void check_nodes(struct cluster_config *cfg, u32 eof_line, u32 eof_col)
{
	static struct cfg_node sorted[CFG_MAX_NODES]; /* off the monitor's small stack */
	u32 n = cfg->nnodes;

	if (cfg->node_lines == 0) {
		cfg_error(cfg, eof_line, eof_col,
			  "end of file: no node lines (expected at least: %s)",
			  statements[1].usage);
		return;
	}
	if (cfg->nerrors)
		return; /* a bad node line would make every later id look out of place */
	memset(sorted, 0, sizeof(sorted));
	for (u32 i = 0; i < n; i++) {
		if (cfg->nodes[i].id >= n) {
			cfg_error(cfg, cfg->nodes[i].line, 1,
				  "node id=%u, but there are %u nodes: ids must run from 0 to %u",
				  cfg->nodes[i].id, n, n - 1);
			return;
		}
		sorted[cfg->nodes[i].id] = cfg->nodes[i];
	}
	memcpy(cfg->nodes, sorted, n * sizeof(sorted[0]));
	if (cfg->guest.present && config_total_cpus(cfg) > CFG_MAX_VCPUS) {
		u32 total = 0, i = 0;
		while ((total += cfg->nodes[i].cpus) <= CFG_MAX_VCPUS)
			i++;
		cfg_error(cfg, cfg->nodes[i].line, 1,
			  "node id=%u: the guest would have %u vCPUs (cpus= of every node); it can "
			  "have at most %u",
			  i, config_total_cpus(cfg), CFG_MAX_VCPUS);
	}
}

u64 config_home_unit(u64 units, const u64 *weight, u32 nnodes, u32 node)
{
	u64 before = 0, all = 0;

	for (u32 n = 0; n < nnodes; n++) {
		before += n < node ? weight[n] : 0;
		all += weight[n];
	}
	return node >= nnodes ? units : units * before / all;
}

u64 config_node_reserve(u64 guest_bytes)
{
	u64 hole = 0x100000000ULL - 0xfe000000ULL; /* (page numbers run through the hole) */
	u64 pages = (guest_bytes > 0xfe000000ULL ? guest_bytes + hole : guest_bytes) >> 12;

	return CFG_NODE_RESERVE + pages * CFG_RESERVE_PER_PAGE;
}

u64 config_min_cache(u32 nvcpus)
{
	return CFG_MIN_CACHE + nvcpus * CFG_MIN_CACHE_PER_VCPU;
}

static u64 mib_up(u64 bytes)
{
	return (bytes + (1ULL << 20) - 1) >> 20;
}

/* Node i's home range in bytes of guest RAM (weight: the nodes' memory= in MiB, or 1). */
static u64 home_bytes(const struct cluster_config *cfg, const u64 *weight, u32 i)
{
	u64 units = cfg->guest.memory / CFG_HOME_ALIGN;

	return (config_home_unit(units, weight, cfg->nnodes, i + 1) -
		config_home_unit(units, weight, cfg->nnodes, i)) * CFG_HOME_ALIGN;
}

/* Node i (of several) can hold its home range, its cache (cache=, or the least; no more
 * than the pages homed elsewhere) and the monitor's reserve in its memory=. */
static void check_node_fits(struct cluster_config *cfg, u32 i, u64 home)
{
	const struct cfg_node *nd = &cfg->nodes[i];
	u64 g = cfg->guest.memory, reserve = config_node_reserve(g);
	u64 cache = MIN(nd->cache ? nd->cache : config_min_cache(config_total_cpus(cfg)), g - home);

	if (home + cache + reserve <= nd->memory)
		return;
	cfg_error(cfg, nd->line, 1,
		  "node id=%u: memory=%lluM cannot hold its %llu MiB share of the guest's %llu "
		  "MiB, %s %llu MiB of cache and %llu MiB for the monitor and its tables: %llu "
		  "MiB in all",
		  i, (unsigned long long)(nd->memory >> 20), (unsigned long long)mib_up(home),
		  (unsigned long long)(g >> 20), nd->cache ? "its" : "at least",
		  (unsigned long long)mib_up(cache), (unsigned long long)mib_up(reserve),
		  (unsigned long long)(mib_up(home) + mib_up(cache) + mib_up(reserve)));
}

/*
 * The guest's RAM across the nodes: every node gets a home range; a cache= holds at
 * least what the vCPUs may pin (or every page homed elsewhere); with the nodes' memory=
 * (all or none), each node holds its home range, its cache and the monitor's reserve.
 */
static void check_memory(struct cluster_config *cfg)
{
	static u64 weight[CFG_MAX_NODES];
	u64 sum = 0, g = cfg->guest.memory, least = config_min_cache(config_total_cpus(cfg));
	u32 n = cfg->nnodes, given = 0;

	for (u32 i = 0; i < n; i++) {
		given += cfg->nodes[i].memory != 0;
		sum += cfg->nodes[i].memory;
	}
	for (u32 i = 0; given && given < n; i++)
		if (!cfg->nodes[i].memory) {
			cfg_error(cfg, cfg->nodes[i].line, 1,
				  "node id=%u has no memory=, but other nodes have: give it for "
				  "every node or for none (the guest's RAM is shared out by it)", i);
			return;
		}
	if (!cfg->guest.present)
		return;
	if (given && g > sum) {
		cfg_error(cfg, cfg->guest.line, 1,
			  "memory=%lluM is more than the cluster has: %llu MiB in all (memory= of "
			  "its %u node%s)",
			  (unsigned long long)(g >> 20), (unsigned long long)(sum >> 20), n,
			  n == 1 ? "" : "s");
		return;
	}
	if (n == 1) {
		u64 need = g + config_node_reserve(g);

		if (given && need > cfg->nodes[0].memory)
			cfg_error(cfg, cfg->nodes[0].line, 1,
				  "node id=0: memory=%lluM cannot hold the guest's %llu MiB and %llu "
				  "MiB for the monitor and its tables: %llu MiB in all",
				  (unsigned long long)(cfg->nodes[0].memory >> 20),
				  (unsigned long long)(g >> 20),
				  (unsigned long long)mib_up(config_node_reserve(g)),
				  (unsigned long long)((g >> 20) + mib_up(config_node_reserve(g))));
		return;
	}
	for (u32 i = 0; i < n; i++)
		weight[i] = given ? cfg->nodes[i].memory >> 20 : 1;
	for (u32 i = 0; i < n; i++) {
		const struct cfg_node *nd = &cfg->nodes[i];
		u64 home = home_bytes(cfg, weight, i);

		if (!home) {
			cfg_error(cfg, cfg->guest.line, 1,
				  "memory=%lluM leaves node id=%u no home range: the guest's RAM is "
				  "shared out in 2 MiB pieces %s",
				  (unsigned long long)(g >> 20), i,
				  given ? "in proportion to the nodes' memory=" : "equally");
			return;
		}
		if (nd->cache && nd->cache < least && nd->cache < g - home)
			cfg_error(cfg, nd->line, 1,
				  "node id=%u: cache=%lluM is less than the %llu MiB the guest's %u "
				  "vCPUs and the protocol may pin at once (4 MiB and 256 KiB a vCPU)",
				  i, (unsigned long long)(nd->cache >> 20),
				  (unsigned long long)mib_up(least), config_total_cpus(cfg));
		else if (given)
			check_node_fits(cfg, i, home);
	}
}

int config_parse(struct cluster_config *cfg, const char *filename, const char *text, size_t len)
{
	static struct line ln; /* large: keep it off the monitor's small stack */
	size_t pos = 0, last = 0;
	u32 no = 0, eof_line, eof_col;

	memset(cfg, 0, sizeof(*cfg));
	cfg->filename = filename;
	while (pos < len) {
		size_t end = pos, n;
		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		if (n && text[pos + n - 1] == '\r')
			n--; /* CRLF files */
		memset(&ln, 0, sizeof(ln));
		ln.cfg = cfg;
		ln.no = ++no;
		if (lex_line(&ln, text + pos, n) && ln.nwords > 0)
			parse_statement(&ln);
		last = pos;
		pos = end + 1;
	}
	/* Where the file ends: after its last newline, or at the end of a last line without
	 * one (not on a line that is not there). */
	eof_line = !len || text[len - 1] == '\n' ? no + 1 : no;
	eof_col = !len || text[len - 1] == '\n' ? 1 : (u32)(len - last) + 1;
	if (!cfg->cluster_line)
		cfg_error(cfg, eof_line, eof_col, "end of file: no cluster line (expected: %s)",
			  statements[0].usage);
	check_nodes(cfg, eof_line, eof_col);
	if (!cfg->nerrors)
		check_memory(cfg);
	if (cfg->disk.present && !cfg->guest.present)
		cfg_error(cfg, cfg->disk.line, 1, "a disk line needs a guest line (the disk is the "
			  "guest's)");
	if (cfg->nic.present && !cfg->guest.present)
		cfg_error(cfg, cfg->nic.line, 1, "a nic line needs a guest line (the NIC is the "
			  "guest's)");
	for (u32 i = 0; cfg->nic.present && i < cfg->nnodes; i++)
		if (memcmp(cfg->nodes[i].mac, cfg->nic.mac, 6) == 0) {
			char mac[24];
			config_format_mac(cfg->nic.mac, mac, sizeof(mac));
			cfg_error(cfg, cfg->nic.line, 1,
				  "nic mac=%s is node %u's (line %u): the guest's NIC needs a MAC "
				  "address of its own", mac, i, cfg->nodes[i].line);
		}
	return cfg->nerrors ? -E_INVAL : 0;
}

void config_format_error(const struct cluster_config *cfg, u32 i, char *buf, size_t size)
{
	const struct cfg_error *e = &cfg->errors[i];

	ksnprintf(buf, size, "%s:%u:%u: error: %s", cfg->filename, e->line, e->col, e->msg);
}

const struct cfg_node *config_node(const struct cluster_config *cfg, u32 id)
{
	return id < cfg->nnodes ? &cfg->nodes[id] : NULL;
}

u32 config_total_cpus(const struct cluster_config *cfg)
{
	u32 n = 0;

	for (u32 i = 0; i < cfg->nnodes; i++)
		n += cfg->nodes[i].cpus;
	return n;
}

void config_format_mac(const u8 mac[6], char *buf, size_t size)
{
	ksnprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		  mac[4], mac[5]);
}

void config_format_ip(u32 ip, char *buf, size_t size)
{
	ksnprintf(buf, size, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		  ip & 0xff);
}
