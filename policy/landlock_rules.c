// SPDX-License-Identifier: MIT
/*
 * A profile as a Landlock plan (landlock_rules.h). The rules of the mapping,
 * each one there so that the plan stays a superset of the libc layer:
 *
 *  - r is read_file + read_dir, w is write_file + truncate, c is every
 *    make_* right, d is both remove_* rights; refer goes wherever c, d or w
 *    does (a rename or link across directories needs it at both ends).
 *  - A glob's rights go to its anchor (landlock_glob_anchor). A literal
 *    path's c and d go to its parent: Landlock checks creating and removing
 *    on the directory that holds the name.
 *  - Exec rules give execute + read_file (exec opens the program for
 *    reading); the interpreters the programs name are the layer's to find.
 *  - A right is handled only when its category is enforced and the plan can
 *    say everything the libc layer lets through: reading is handled only
 *    when exec is enforced too (otherwise any program anywhere may run, and
 *    running one reads it); execute only when no program can appear where
 *    exec rules allow running one (its #! interpreter would be unknown);
 *    make_sock only when the network is enforced (a unix socket's bind is a
 *    network rule's business, not a file rule's).
 *  - TCP ports: Landlock knows ports, not addresses, so connect is handled
 *    only when every TCP-capable rule names its ports (then every port of
 *    every such rule is allowed, with any address), plus 53 for the
 *    resolver, whose connections the libc layer does not judge; bind the
 *    same with the inbound rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "landlock_rules.h"
#include "profile.h"
#include "util.h"

/* Files glibc's resolver reads inside the libc layer's guard (net_ops.c). */
static const char *const resolver_files[] = {
	"/etc/hosts",	 "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/host.conf",
	"/etc/gai.conf", "/etc/services",    "/etc/protocols",
};

uint64_t landlock_abi_fs_access(int abi)
{
	uint64_t a = 0;
	if (abi >= 1)
		a |= LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_READ_DIR |
		     LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_RIGHT_C;
	if (abi >= 2)
		a |= LL_FS_REFER;
	if (abi >= 3)
		a |= LL_FS_TRUNCATE;
	if (abi >= 5)
		a |= LL_FS_IOCTL_DEV;
	return a;
}

uint64_t landlock_abi_net_access(int abi)
{
	return abi >= 4 ? LL_NET_BIND_TCP | LL_NET_CONNECT_TCP : 0;
}

static bool seg_has_wildcard(const char *s, size_t n)
{
	return memchr(s, '*', n) || memchr(s, '?', n);
}

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* /proc/self, /proc/thread-self, /proc/<pid> or /dev/fd, or below one. */
static bool per_process(const char *p, size_t len)
{
	static const char *const fixed[] = {"/proc/self", "/proc/thread-self", "/dev/fd"};
	for (size_t i = 0; i < ELEMENTSOF(fixed); i++) {
		size_t n = strlen(fixed[i]);
		if (len >= n && memcmp(p, fixed[i], n) == 0 && (len == n || p[n] == '/'))
			return true;
	}
	if (len > 6 && memcmp(p, "/proc/", 6) == 0) {
		const char *seg = p + 6;
		const char *end = memchr(seg, '/', len - 6);
		return all_digits(seg, end ? (size_t)(end - seg) : len - 6);
	}
	return false;
}

int landlock_glob_anchor(const char *glob, char *buf, size_t size, unsigned *ret_flags)
{
	size_t len = strlen(glob), end = 0, i = 0;
	unsigned flags = LANDLOCK_PATH_EXACT;

	/* end: length of the literal prefix made of whole segments. */
	while (i < len) {
		if (glob[i] == '/') {
			i++;
			continue;
		}
		const char *slash = memchr(glob + i, '/', len - i);
		size_t seg_end = slash ? (size_t)(slash - glob) : len;
		if (seg_has_wildcard(glob + i, seg_end - i)) {
			flags = 0;
			break;
		}
		end = seg_end;
		i = seg_end;
	}
	const char *src = glob;
	if (per_process(glob, end)) {
		src = "/proc";
		end = 5;
		flags = LANDLOCK_PATH_PROC;
	} else if (end == 0) {
		src = "/";
		end = 1;
	}
	if (end + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, src, end);
	buf[end] = '\0';
	*ret_flags = flags;
	return (int)end;
}

/* Same path and the same kind of rule: merged into one. */
#define MERGE_KEY (LANDLOCK_PATH_EXACT | LANDLOCK_PATH_RESOLVED)

int landlock_plan_add_path(struct landlock_plan *plan, const char *path, uint64_t access,
			   unsigned flags)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < plan->n_paths; i++) {
		struct landlock_path_rule *r = &plan->paths[i];
		if ((r->flags & MERGE_KEY) == (flags & MERGE_KEY) && strcmp(r->path, path) == 0) {
			r->access |= access;
			r->flags |= flags;
			return 0;
		}
	}
	if (plan->n_paths == plan->cap_paths) {
		size_t cap = plan->cap_paths ? plan->cap_paths * 2 : 16;
		struct landlock_path_rule *p = realloc(plan->paths, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		plan->paths = p;
		plan->cap_paths = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	plan->paths[plan->n_paths++] =
		(struct landlock_path_rule){.path = copy, .access = access, .flags = flags};
	return 0;
}

/* root covers path: the same, or a directory above it. */
static bool under(const char *root, const char *path, size_t len)
{
	size_t rl = strlen(root);
	if (rl == 1)
		return true;
	return len >= rl && memcmp(root, path, rl) == 0 && (len == rl || path[rl] == '/');
}

uint64_t landlock_plan_covered(const struct landlock_plan *plan, const char *path, size_t len)
{
	uint64_t a = 0;
	for (size_t i = 0; i < plan->n_paths; i++)
		if (under(plan->paths[i].path, path, len))
			a |= plan->paths[i].access;
	return a;
}

void landlock_plan_unhandle_fs(struct landlock_plan *plan, uint64_t access, const char *note)
{
	plan->handled_fs &= ~access;
	for (size_t i = 0; i < plan->n_paths; i++)
		plan->paths[i].access &= ~access;
	landlock_plan_note(plan, note);
}

void landlock_plan_note(struct landlock_plan *plan, const char *note)
{
	if (!note || plan->n_notes == LANDLOCK_MAX_NOTES)
		return;
	for (size_t i = 0; i < plan->n_notes; i++)
		if (plan->notes[i] == note || strcmp(plan->notes[i], note) == 0)
			return;
	plan->notes[plan->n_notes++] = note;
}

/* ---- building ------------------------------------------------------------- */

/* The literal roots of the rules granting 'c': where links can be planted. */
struct roots {
	char **items;
	size_t n;
};

static void roots_clear(struct roots *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i]);
	free(r->items);
	r->items = NULL;
	r->n = 0;
}

static int roots_add(struct roots *r, const char *glob)
{
	char buf[4096];
	unsigned flags;
	if (landlock_glob_anchor(glob, buf, sizeof(buf), &flags) < 0)
		return -ENAMETOOLONG;
	char **items = realloc(r->items, (r->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	r->items = items;
	if (!(r->items[r->n] = strdup(buf)))
		return -ENOMEM;
	r->n++;
	return 0;
}

/* A at or below a root, or a root below A: the tree holds places where files appear. */
static bool overlaps(const struct roots *r, const char *a)
{
	size_t al = strlen(a);
	for (size_t i = 0; i < r->n; i++)
		if (under(r->items[i], a, al) || under(a, r->items[i], strlen(r->items[i])))
			return true;
	return false;
}

static bool below_root(const struct roots *r, const char *a)
{
	size_t al = strlen(a);
	for (size_t i = 0; i < r->n; i++)
		if (under(r->items[i], a, al))
			return true;
	return false;
}

static uint64_t map_rights(uint8_t rights, uint64_t *ret_parent)
{
	uint64_t main = 0, parent = 0;
	if (rights & POLICY_RIGHT_READ)
		main |= LL_FS_RIGHT_R;
	if (rights & POLICY_RIGHT_WRITE)
		main |= LL_FS_RIGHT_W | LL_FS_REFER;
	if (rights & POLICY_RIGHT_CREATE)
		parent |= LL_FS_RIGHT_C | LL_FS_REFER;
	if (rights & POLICY_RIGHT_DELETE)
		parent |= LL_FS_RIGHT_D | LL_FS_REFER;
	*ret_parent = parent;
	return main;
}

static void parent_of(char *path)
{
	char *slash = strrchr(path, '/');
	if (slash == path || !slash)
		path[1] = '\0';
	else
		*slash = '\0';
}

static int add_file_rule(struct landlock_plan *plan, const struct file_rule *f,
			 const struct roots *create)
{
	char anchor[4096];
	unsigned flags;
	uint64_t parent, main = map_rights(f->allow, &parent);
	if (landlock_glob_anchor(f->glob, anchor, sizeof(anchor), &flags) < 0)
		return 0; /* longer than any path the kernel takes */
	if (!(flags & LANDLOCK_PATH_EXACT)) {
		if (!(flags & LANDLOCK_PATH_PROC) && !below_root(create, anchor))
			flags |= LANDLOCK_PATH_SCAN;
		return landlock_plan_add_path(plan, anchor, main | parent, flags);
	}
	int r = main ? landlock_plan_add_path(plan, anchor, main, flags) : 0;
	if (r < 0 || !parent)
		return r;
	parent_of(anchor);
	return landlock_plan_add_path(plan, anchor, parent, 0);
}

/* Sorted, merged port ranges. */
static int cmp_range(const void *a, const void *b)
{
	const struct net_port_range *x = a, *y = b;
	return x->lo != y->lo ? (x->lo < y->lo ? -1 : 1) : (x->hi < y->hi ? -1 : x->hi > y->hi);
}

static size_t merge_ranges(struct net_port_range *r, size_t n)
{
	size_t w = 0;
	if (!n)
		return 0;
	qsort(r, n, sizeof(*r), cmp_range);
	for (size_t i = 1; i < n; i++) {
		if ((unsigned)r[i].lo <= (unsigned)r[w].hi + 1u) {
			if (r[i].hi > r[w].hi)
				r[w].hi = r[i].hi;
		} else {
			r[++w] = r[i];
		}
	}
	return w + 1;
}

static size_t range_ports(const struct net_port_range *r, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += (size_t)r[i].hi - r[i].lo + 1;
	return total;
}

size_t landlock_plan_port_count(const struct landlock_plan *plan)
{
	size_t n = 0;
	if (plan->handled_net & LL_NET_CONNECT_TCP)
		n += range_ports(plan->connect, plan->n_connect);
	if (plan->handled_net & LL_NET_BIND_TCP)
		n += range_ports(plan->bind, plan->n_bind);
	return n;
}

/*
 * The ports of the rules that allow TCP in one direction (inbound rules
 * only, for bind). Returns 0, 1 when a rule allows any port (nothing
 * collected), or -ENOMEM.
 */
static int collect_ports(const struct profile *p, bool inbound, const struct net_port_range *extra,
			 struct net_port_range **ret, size_t *ret_n)
{
	size_t n = extra ? 1 : 0;
	for (size_t i = 0; i < p->n_net; i++) {
		const struct net_rule *r = &p->net[i].rule;
		if (r->kind == NET_RULE_UNIX || r->proto == NET_PROTO_UDP ||
		    (inbound && !r->inbound))
			continue;
		if (!r->n_ports)
			return 1;
		n += r->n_ports;
	}
	struct net_port_range *out = calloc(n ? n : 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	size_t k = 0;
	if (extra)
		out[k++] = *extra;
	for (size_t i = 0; i < p->n_net; i++) {
		const struct net_rule *r = &p->net[i].rule;
		if (r->kind == NET_RULE_UNIX || r->proto == NET_PROTO_UDP ||
		    (inbound && !r->inbound))
			continue;
		for (size_t j = 0; j < r->n_ports; j++)
			out[k++] = r->ports[j];
	}
	*ret = out;
	*ret_n = merge_ranges(out, k);
	return 0;
}

static int plan_network(struct landlock_plan *plan, const struct profile *p, size_t max_ports)
{
	static const struct net_port_range dns = {53, 53};
	int r = collect_ports(p, false, &dns, &plan->connect, &plan->n_connect);
	if (r < 0)
		return r;
	if (r == 0)
		plan->handled_net |= LL_NET_CONNECT_TCP;
	else
		landlock_plan_note(plan, "a network rule allows any TCP port: TCP connections "
					 "are judged by the libc layer only");
	r = collect_ports(p, true, NULL, &plan->bind, &plan->n_bind);
	if (r < 0)
		return r;
	if (r == 0)
		plan->handled_net |= LL_NET_BIND_TCP;
	else
		landlock_plan_note(plan, "an inbound network rule allows any TCP port: TCP binds "
					 "are judged by the libc layer only");
	if (landlock_plan_port_count(plan) > max_ports) {
		plan->handled_net = 0;
		landlock_plan_note(plan, "the network rules name more TCP ports than are worth a "
					 "Landlock rule each: judged by the libc layer only");
	}
	/* Binding a unix socket makes a file: allowed where an inbound unix rule says so. */
	for (size_t i = 0; i < p->n_net; i++) {
		const struct net_rule *u = &p->net[i].rule;
		char anchor[4096];
		unsigned flags;
		if (u->kind != NET_RULE_UNIX || !u->inbound || !u->pattern || u->pattern[0] != '/')
			continue;
		if (landlock_glob_anchor(u->pattern, anchor, sizeof(anchor), &flags) < 0)
			continue;
		if (flags & LANDLOCK_PATH_EXACT)
			parent_of(anchor);
		r = landlock_plan_add_path(plan, anchor, LL_FS_MAKE_SOCK, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

static int plan_files(struct landlock_plan *plan, const struct profile *p,
		      const struct landlock_plan_opts *o)
{
	struct roots create = {0};
	int r = 0;
	uint64_t fs = LL_FS_READ_DIR | LL_FS_RIGHT_W | LL_FS_RIGHT_C | LL_FS_RIGHT_D | LL_FS_REFER;

	for (size_t i = 0; i < p->n_files && r >= 0; i++)
		if (p->files[i].allow & POLICY_RIGHT_CREATE)
			r = roots_add(&create, p->files[i].glob);
	for (size_t i = 0; i < p->n_files && r >= 0; i++)
		if (p->files[i].allow)
			r = add_file_rule(plan, &p->files[i], &create);
	if (o->network != POLICY_MODE_ENFORCE) {
		fs &= ~LL_FS_MAKE_SOCK;
		landlock_plan_note(
			plan, "the network is not enforced: unix sockets may be bound anywhere, so "
			      "making sockets is not restricted");
	}
	if (o->exec != POLICY_MODE_ENFORCE) {
		landlock_plan_note(
			plan, "exec is not enforced: programs anywhere may run, and running one "
			      "reads it, so reading files and running programs are not restricted");
	} else {
		bool unknown = false;
		for (size_t i = 0; i < p->n_exec && r >= 0; i++) {
			char anchor[4096];
			unsigned flags;
			if (landlock_glob_anchor(p->exec[i].glob, anchor, sizeof(anchor), &flags) <
			    0)
				continue;
			if (overlaps(&create, anchor))
				unknown = true;
			if (!(flags & (LANDLOCK_PATH_EXACT | LANDLOCK_PATH_PROC)) &&
			    !below_root(&create, anchor))
				flags |= LANDLOCK_PATH_SCAN;
			r = landlock_plan_add_path(plan, anchor, LL_FS_RIGHT_X,
						   flags | LANDLOCK_PATH_EXEC);
		}
		if (unknown)
			landlock_plan_note(
				plan, "an exec rule allows running programs where files may be "
				      "created, whose #! interpreters cannot be known: reading "
				      "files and running programs are not restricted");
		else
			fs |= LL_FS_READ_FILE | LL_FS_EXECUTE;
	}
	for (size_t i = 0; i < ELEMENTSOF(resolver_files) && r >= 0; i++)
		r = landlock_plan_add_path(plan, resolver_files[i], LL_FS_READ_FILE,
					   LANDLOCK_PATH_EXACT | LANDLOCK_PATH_IMPLICIT);
	roots_clear(&create);
	plan->handled_fs = fs;
	return r;
}

void landlock_plan_free(struct landlock_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_paths; i++)
		free(plan->paths[i].path);
	free(plan->paths);
	free(plan->connect);
	free(plan->bind);
	for (size_t i = 0; i < plan->n_sources; i++)
		free(plan->sources[i]);
	free(plan->sources);
	free(plan);
}

int landlock_plan_build(const struct profile *resolved, const struct landlock_plan_opts *opts,
			struct landlock_plan **ret)
{
	struct landlock_plan *plan = calloc(1, sizeof(*plan));
	size_t max_ports = opts->max_ports ? opts->max_ports : LANDLOCK_MAX_PORTS;
	int r = 0;

	if (!plan)
		return -ENOMEM;
	if (opts->file == POLICY_MODE_ENFORCE)
		r = plan_files(plan, resolved, opts);
	else if (opts->exec == POLICY_MODE_ENFORCE)
		landlock_plan_note(
			plan, "files are not enforced: Landlock cannot restrict running programs "
			      "without restricting renames, so it restricts no file access");
	if (r >= 0 && opts->network == POLICY_MODE_ENFORCE)
		r = plan_network(plan, resolved, max_ports);
	if (r < 0) {
		landlock_plan_free(plan);
		return r;
	}
	/* What is not handled needs no rule. */
	size_t w = 0;
	for (size_t i = 0; i < plan->n_paths; i++) {
		plan->paths[i].access &= plan->handled_fs;
		if (plan->paths[i].access)
			plan->paths[w++] = plan->paths[i];
		else
			free(plan->paths[i].path);
	}
	plan->n_paths = w;
	*ret = plan;
	return 0;
}

static int add_source(struct landlock_plan *plan, const char *file)
{
	if (!file || !file[0] || file[0] == '(' || file[0] == '<')
		return 0; /* "(resolved profile)", "<input>": not files */
	for (size_t i = 0; i < plan->n_sources; i++)
		if (strcmp(plan->sources[i], file) == 0)
			return 0;
	char **s = realloc(plan->sources, (plan->n_sources + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	plan->sources = s;
	if (!(s[plan->n_sources] = strdup(file)))
		return -ENOMEM;
	plan->n_sources++;
	return 0;
}

int landlock_plan_from_policy(const struct policy *policy, const struct landlock_plan_opts *opts,
			      struct landlock_plan **ret)
{
	static const enum policy_category cats[] = {POLICY_CAT_FILE, POLICY_CAT_NETWORK,
						    POLICY_CAT_EXEC};
	struct landlock_plan *plan = NULL;
	int r = landlock_plan_build(policy_resolved(policy), opts, &plan);
	if (r < 0)
		return r;
	for (size_t c = 0; c < ELEMENTSOF(cats) && r >= 0; c++) {
		size_t n = policy_rule_count(policy, cats[c]);
		for (size_t i = 0; i < n && r >= 0; i++) {
			const char *file;
			unsigned line, col;
			if (policy_rule_origin(policy, cats[c], (int32_t)i, &file, &line, &col) ==
			    0)
				r = add_source(plan, file);
		}
	}
	if (r < 0) {
		landlock_plan_free(plan);
		return r;
	}
	*ret = plan;
	return 0;
}
