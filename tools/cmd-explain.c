// SPDX-License-Identifier: MIT
/* fnguard explain — the decision for one operation, and the rule behind it. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "launch.h"
#include "path_norm.h"

static void explain_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard explain [OPTIONS] PROFILE OP TARGET [ARG...]\n\n"
		"Prints whether the profile allows one operation, the rule that decided\n"
		"it (with file:line:col), what the mode does about it, and a profile\n"
		"fragment that would allow it.\n\n"
		"Operations:\n"
		"  open PATH [RIGHTS]   file access; RIGHTS is any of r,w,c,d (default r)\n"
		"  read|write|create|delete PATH   shorthands for one right\n"
		"  connect HOST:PORT    outbound TCP (HOST a name, an IPv4 address or [IPv6])\n"
		"  sendto HOST:PORT     outbound UDP\n"
		"  bind ADDR:PORT       inbound (needs \"inbound\": true)\n"
		"  resolve NAME         name resolution (getaddrinfo)\n"
		"  unix PATH|@NAME      connect to a unix socket\n"
		"  exec PATH [ARG...]   run a program (a bare name is looked up in $PATH,\n"
		"                       as execvp does); argv[0] is PATH's base name\n"
		"                       unless --argv0 is given\n"
		"  syscall NAME         a system call at the seccomp layer\n\n"
		"Options:\n"
		"  --argv0 NAME   argv[0] for exec\n"
		"  --cwd DIR      base for relative paths (default: the current directory)\n"
		"  -h, --help     show this help\n\n"
		"FNGUARD_MODE, when set, overrides the profile's mode, as in the shim.\n"
		"A file that exists here and is reached through a symlink is judged at\n"
		"both ends, as the shim does.\n\n"
		"Examples:\n"
		"  fnguard explain fnguard.json open /etc/passwd r\n"
		"  fnguard explain fnguard.json connect dynamodb.us-east-1.amazonaws.com:443\n"
		"  fnguard explain fnguard.json exec /bin/sh -c id\n\n"
		"Exit status: 0 allowed, 1 denied, 2 usage or input error.\n");
}

/* Prints s as a JSON string. */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

struct query {
	enum policy_category category;
	const char *op;
	char target[PATH_MAX + 64];
	char real[PATH_MAX]; /* where a symlink leads, when it does ("" if not) */
	bool real_decides;   /* the verdict is the real path's */
	char rights_text[5];
	struct policy_verdict verdict;
	/* for the tip */
	char host[256];
	int port;
	bool is_ip, is_unix;
	enum net_proto proto;
	bool inbound;
	char *const *argv;
};

static int parse_rights(const char *text, unsigned *ret)
{
	unsigned mask = 0;
	for (const char *p = text; *p; p++) {
		const char *at = strchr("rwcd", *p);
		if (!at || !*p)
			return -EINVAL;
		mask |= 1u << (at - "rwcd");
	}
	if (!mask)
		return -EINVAL;
	*ret = mask;
	return 0;
}

static int file_query(const struct policy *pol, const char *cwd, const char *path, unsigned rights,
		      struct query *q)
{
	size_t len;
	int r = path_normalize(cwd, path, q->target, sizeof(q->target), &len);
	if (r < 0) {
		fprintf(stderr, "fnguard explain: bad path '%s': %s\n", path, strerror(-r));
		return r;
	}
	q->category = POLICY_CAT_FILE;
	size_t n = 0;
	for (size_t i = 0; i < 4; i++)
		if (rights & (1u << i))
			q->rights_text[n++] = "rwcd"[i];
	q->rights_text[n] = '\0';
	r = policy_check_file(pol, q->target, len, rights, &q->verdict);
	/* A link on this machine: judged at its end too, as the shim judges it. */
	char real[PATH_MAX];
	struct policy_verdict v;
	/* /proc/self here is this process's, not the function's: its links mean nothing. */
	if (r == 0 && q->verdict.allowed && strncmp(q->target, "/proc/", 6) != 0 &&
	    realpath(q->target, real) && strcmp(real, q->target) != 0 &&
	    policy_check_file(pol, real, strlen(real), rights, &v) == 0) {
		snprintf(q->real, sizeof(q->real), "%s", real);
		if (!v.allowed) {
			q->verdict = v;
			q->real_decides = true;
		}
	}
	return r;
}

/* Splits HOST:PORT, [V6]:PORT or V6 (no port). port = NET_PORT_ANY if absent. */
static int split_host_port(const char *text, char *host, size_t size, int *port)
{
	const char *colon;
	*port = NET_PORT_ANY;
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (!end || (size_t)(end - text - 1) >= size)
			return -EINVAL;
		memcpy(host, text + 1, (size_t)(end - text - 1));
		host[end - text - 1] = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -EINVAL;
	} else {
		colon = strrchr(text, ':');
		if (colon && strchr(text, ':') != colon)
			colon = NULL; /* a bare IPv6 address */
		size_t hlen = colon ? (size_t)(colon - text) : strlen(text);
		if (hlen == 0 || hlen >= size)
			return -EINVAL;
		memcpy(host, text, hlen);
		host[hlen] = '\0';
	}
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || v < 0 || v > 65535)
			return -EINVAL;
		*port = (int)v;
	}
	return 0;
}

static int net_query(const struct policy *pol, const char *op, const char *target, struct query *q)
{
	enum net_dir dir = NET_DIR_OUT;
	unsigned char addr[16];
	int r;

	q->category = POLICY_CAT_NETWORK;
	snprintf(q->target, sizeof(q->target), "%s", target);
	if (strcmp(op, "unix") == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		size_t n = strlen(target);
		if (n == 0 || n >= sizeof(sun.sun_path)) {
			fprintf(stderr, "fnguard explain: bad unix socket '%s'\n", target);
			return -EINVAL;
		}
		memcpy(sun.sun_path, target, n);
		if (target[0] == '@')
			sun.sun_path[0] = '\0';
		q->is_unix = true;
		return policy_check_sockaddr(pol, (struct sockaddr *)&sun,
					     (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
							 n + (target[0] == '@' ? 0 : 1)),
					     NET_PROTO_ANY, NET_DIR_OUT, &q->verdict);
	}
	if (split_host_port(target, q->host, sizeof(q->host), &q->port) < 0) {
		fprintf(stderr, "fnguard explain: bad address '%s' (expected HOST:PORT)\n", target);
		return -EINVAL;
	}
	if (strcmp(op, "resolve") != 0 && q->port == NET_PORT_ANY) {
		fprintf(stderr, "fnguard explain: '%s' needs a port (HOST:PORT)\n", op);
		return -EINVAL;
	}
	q->proto = strcmp(op, "sendto") == 0	? NET_PROTO_UDP
		   : strcmp(op, "resolve") == 0 ? NET_PROTO_ANY
						: NET_PROTO_TCP;
	if (strcmp(op, "bind") == 0) {
		dir = NET_DIR_IN;
		q->inbound = true;
	}
	if (inet_pton(AF_INET, q->host, addr) == 1) {
		q->is_ip = true;
		r = policy_check_ip(pol, AF_INET, addr, q->port, q->proto, dir, &q->verdict);
	} else if (inet_pton(AF_INET6, q->host, addr) == 1) {
		q->is_ip = true;
		r = policy_check_ip(pol, AF_INET6, addr, q->port, q->proto, dir, &q->verdict);
	} else {
		r = policy_check_host(pol, q->host, strlen(q->host), q->port, q->proto, dir,
				      &q->verdict);
	}
	if (r < 0)
		fprintf(stderr, "fnguard explain: cannot judge '%s': %s\n", target, strerror(-r));
	return r;
}

static void print_tip(const struct query *q)
{
	printf("  tip:    ");
	switch (q->category) {
	case POLICY_CAT_FILE:
		printf("{\"files\": [{\"path\": ");
		json_string(stdout, q->target);
		printf(", \"allow\": \"%s\"}]}\n", q->rights_text);
		break;
	case POLICY_CAT_NETWORK:
		if (q->is_unix) {
			printf("{\"network\": [{\"unix\": ");
			json_string(stdout, q->target);
			printf("}]}\n");
			break;
		}
		printf("{\"network\": [{\"%s\": ", q->is_ip ? "cidr" : "host");
		json_string(stdout, q->host);
		if (q->port != NET_PORT_ANY)
			printf(", \"ports\": [%d]", q->port);
		if (q->proto == NET_PROTO_UDP)
			printf(", \"proto\": \"udp\"");
		if (q->inbound)
			printf(", \"inbound\": true");
		printf("}]}\n");
		break;
	case POLICY_CAT_EXEC:
		printf("{\"exec\": [{\"path\": ");
		json_string(stdout, q->target);
		printf(", \"argv\": [");
		for (size_t i = 0; q->argv && q->argv[i]; i++) {
			printf(i ? ", " : "");
			json_string(stdout, q->argv[i]);
		}
		printf("]}]}\n");
		break;
	case POLICY_CAT_SYSCALL:
		printf("{\"syscalls\": [");
		json_string(stdout, q->target);
		printf("]}\n");
		break;
	default:
		printf("\n");
	}
}

static const char *blocked_errno(enum policy_category c)
{
	switch (c) {
	case POLICY_CAT_NETWORK:
		return "EPERM/ECONNREFUSED";
	case POLICY_CAT_SYSCALL:
		return "EPERM";
	default:
		return "EACCES";
	}
}

static void report(const struct policy *pol, const struct query *q)
{
	char rule[1024];
	enum policy_mode action = policy_action(pol, q->category);

	printf("%s: %s %s%s%s\n", q->verdict.allowed ? "allow" : "deny", q->op, q->target,
	       q->rights_text[0] ? " " : "", q->rights_text);
	if (q->real[0])
		printf("  link:   leads to %s here, judged too%s\n", q->real,
		       q->real_decides ? ": it decides" : "");
	const char *forced = getenv("FNGUARD_MODE");
	if (forced && *forced)
		printf("  mode:   %s, from FNGUARD_MODE\n",
		       policy_mode_to_string(policy_action(pol, q->category)));
	if (q->verdict.rule >= 0 &&
	    policy_describe_rule(pol, q->category, q->verdict.rule, rule, sizeof(rule)) >= 0) {
		const char *file;
		unsigned line, col;
		printf("  rule:   %s", rule);
		if (policy_rule_origin(pol, q->category, q->verdict.rule, &file, &line, &col) == 0)
			printf(" (%s:%u:%u)", file, line, col);
		printf("\n");
	} else if (q->verdict.by_deny) {
		printf("  rule:   in the dangerous set and not listed under \"unsafe\"\n");
	} else {
		printf("  rule:   none matches (everything not allowed is denied)\n");
	}
	if (q->verdict.allowed) {
		printf("  action: allowed\n");
		return;
	}
	switch (action) {
	case POLICY_MODE_ENFORCE:
		printf("  action: blocked (%s mode: fails with %s) and logged\n",
		       policy_mode_to_string(action), blocked_errno(q->category));
		break;
	case POLICY_MODE_ALERT:
		printf("  action: logged, not blocked (alert mode)\n");
		break;
	case POLICY_MODE_RECORD:
		printf("  action: learned, not blocked (record mode)\n");
		break;
	}
	if (!q->verdict.by_deny)
		print_tip(q);
	else if (q->category != POLICY_CAT_SYSCALL)
		printf("  note:   an explicit deny wins over any allow; remove the deny rule to "
		       "allow this\n");
}

int cmd_explain(int argc, char **argv)
{
	static const struct option options[] = {
		{"argv0", required_argument, NULL, 'a'},
		{"cwd", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *argv0 = NULL, *cwd_opt = NULL;
	char cwd[PATH_MAX];
	struct query q = {.port = NET_PORT_ANY};
	struct policy *pol = NULL;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'a':
			argv0 = optarg;
			break;
		case 'C':
			cwd_opt = optarg;
			break;
		case 'h':
			explain_usage(stdout);
			return EXIT_OK;
		default:
			explain_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 3) {
		explain_usage(stderr);
		return EXIT_USAGE;
	}
	const char *profile = argv[optind], *op = argv[optind + 1], *target = argv[optind + 2];
	if (!cwd_opt && !getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "fnguard explain: getcwd: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	if (cwd_opt)
		snprintf(cwd, sizeof(cwd), "%s", cwd_opt);
	if (cli_load_policy(profile, false, &pol) < 0)
		return EXIT_USAGE;
	const char *mode_env = getenv("FNGUARD_MODE");
	if (mode_env && *mode_env) {
		enum policy_mode forced;
		if (policy_mode_from_string(mode_env, &forced) < 0) {
			fprintf(stderr, "fnguard explain: FNGUARD_MODE is not record, alert or "
					"enforce\n");
			policy_free(pol);
			return EXIT_USAGE;
		}
		policy_set_mode(pol, forced);
	}
	q.op = op;

	static const struct {
		const char *op;
		unsigned right;
	} file_ops[] = {
		{"read", POLICY_RIGHT_READ},
		{"write", POLICY_RIGHT_WRITE},
		{"create", POLICY_RIGHT_CREATE},
		{"delete", POLICY_RIGHT_DELETE},
	};
	r = -EINVAL;
	bool known = false;
	int extra = argc - optind - 3;
	if (strcmp(op, "open") == 0) {
		unsigned rights = POLICY_RIGHT_READ;
		known = true;
		if (extra > 1 || (extra == 1 && parse_rights(argv[optind + 3], &rights) < 0))
			fprintf(stderr, "fnguard explain: rights are any of r,w,c,d\n");
		else
			r = file_query(pol, cwd, target, rights, &q);
	}
	for (size_t i = 0; i < sizeof(file_ops) / sizeof(file_ops[0]); i++) {
		if (strcmp(op, file_ops[i].op) == 0) {
			known = true;
			r = extra ? -EINVAL : file_query(pol, cwd, target, file_ops[i].right, &q);
		}
	}
	if (!strcmp(op, "connect") || !strcmp(op, "sendto") || !strcmp(op, "bind") ||
	    !strcmp(op, "resolve") || !strcmp(op, "unix")) {
		known = true;
		r = extra ? -EINVAL : net_query(pol, op, target, &q);
	}
	char **exec_argv = NULL;
	if (strcmp(op, "exec") == 0) {
		size_t len;
		char found[PATH_MAX];
		known = true;
		const char *prog = launch_find_command(target, found, sizeof(found));
		r = path_normalize(cwd, prog ? prog : target, q.target, sizeof(q.target), &len);
		exec_argv = calloc((size_t)extra + 2, sizeof(char *));
		if (r == 0 && exec_argv) {
			const char *base = strrchr(q.target, '/');
			exec_argv[0] = (char *)(argv0 ? argv0 : base ? base + 1 : q.target);
			for (int i = 0; i < extra; i++)
				exec_argv[i + 1] = argv[optind + 3 + i];
			q.argv = exec_argv;
			q.category = POLICY_CAT_EXEC;
			r = policy_check_exec(pol, q.target, len, exec_argv, &q.verdict);
		} else if (r == 0) {
			r = -ENOMEM;
		}
	}
	if (strcmp(op, "syscall") == 0) {
		known = true;
		q.category = POLICY_CAT_SYSCALL;
		snprintf(q.target, sizeof(q.target), "%s", target);
		r = extra ? -EINVAL : policy_check_syscall(pol, target, &q.verdict);
		if (r == -ENOENT)
			fprintf(stderr, "fnguard explain: unknown syscall '%s'\n", target);
	}
	if (!known)
		fprintf(stderr, "fnguard explain: unknown operation '%s' (see --help)\n", op);
	int status = EXIT_USAGE;
	if (known && r == 0) {
		report(pol, &q);
		status = q.verdict.allowed ? EXIT_OK : EXIT_VIOLATION;
	} else if (known && r == -EINVAL && extra) {
		fprintf(stderr, "fnguard explain: too many arguments for '%s'\n", op);
	}
	free(exec_argv);
	policy_free(pol);
	return status;
}
