// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "learn-cli.h"
#include "learn_diff.h"
#include "profile.h"
#include "util.h"

void learn_cli_init(struct learn_cli *cli, const char *cmd)
{
	memset(cli, 0, sizeof(*cli));
	cli->cmd = cmd;
	learn_options_init(&cli->gen);
	cli->gen.task_root = getenv("LAMBDA_TASK_ROOT");
	cli->gen.runtime_dir = getenv("LAMBDA_RUNTIME_DIR");
	cli->gen.tmpdir = getenv("TMPDIR");
	/* Read where the profile is made: the range a test server's port came from. */
	if (learn_read_port_range("/proc/sys/net/ipv4/ip_local_port_range", &cli->gen.ephemeral_lo,
				  &cli->gen.ephemeral_hi) < 0)
		fprintf(stderr, "fnguard %s: cannot read the ephemeral port range; using %u-%u\n",
			cmd, cli->gen.ephemeral_lo, cli->gen.ephemeral_hi);
}

int learn_cli_option(struct learn_cli *cli, int opt, const char *arg)
{
	char *end;
	unsigned long v;

	switch (opt) {
	case 'o':
		cli->out = arg;
		return 1;
	case 'e':
		if (cli->n_extends == LEARN_CLI_MAX_EXTENDS) {
			fprintf(stderr, "fnguard %s: at most %d --extends\n", cli->cmd,
				LEARN_CLI_MAX_EXTENDS);
			return -EINVAL;
		}
		cli->extends[cli->n_extends++] = arg;
		return 1;
	case 'n':
		if (!profile_name_ok(arg)) {
			fprintf(stderr, "fnguard %s: --name: %s\n", cli->cmd, PROFILE_NAME_RULE);
			return -EINVAL;
		}
		cli->name = arg;
		return 1;
	case LEARN_OPT_AWS:
		cli->gen.generalize_aws = true;
		return 1;
	case LEARN_OPT_EXACT:
		cli->gen.enabled = false;
		return 1;
	case LEARN_OPT_THRESHOLD:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-' || v > 1000000) {
			fprintf(stderr,
				"fnguard %s: --threshold: '%s' is not a number (0-1000000)\n",
				cli->cmd, arg);
			return -EINVAL;
		}
		cli->gen.threshold = (unsigned)v;
		return 1;
	default:
		return 0;
	}
}

int learn_cli_write_file(const char *path, const char *text)
{
	return cli_write_atomically(path, text, strlen(text));
}

int learn_cli_read_file(const char *path, char **ret_text, size_t *ret_len)
{
	_cleanup_close_ int fd =
		strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16, len = 0;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 >= cap) {
			/* Logs can be large, but not without bound. */
			if (cap >= (size_t)1 << 31) {
				free(buf);
				return -EFBIG;
			}
			char *m = realloc(buf, cap * 2);
			if (!m) {
				free(buf);
				return -ENOMEM;
			}
			buf = m;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret_text = buf;
	*ret_len = len;
	return 0;
}

int learn_cli_load_base(const struct learn_cli *cli, struct policy **ret)
{
	return learn_cli_load_base_with(cli, NULL, ret);
}

int learn_cli_load_base_with(const struct learn_cli *cli, const char *more, struct policy **ret)
{
	size_t cap = 64 + (more ? strlen(more) : 0);
	for (size_t i = 0; i < cli->n_extends; i++)
		cap += strlen(cli->extends[i]) * 6 + 8;
	_cleanup_free_ char *text = malloc(cap);
	if (!text)
		return -ENOMEM;
	size_t len = (size_t)snprintf(text, cap, "{\"fnguard\": 1, \"extends\": [");
	for (size_t i = 0; i < cli->n_extends; i++) {
		len += (size_t)snprintf(text + len, cap - len, "%s\"", i ? ", " : "");
		for (const char *p = cli->extends[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				len += (size_t)snprintf(text + len, cap - len, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				len += (size_t)snprintf(text + len, cap - len, "\\u%04x", *p);
			else
				text[len++] = *p;
		}
		text[len++] = '"';
	}
	snprintf(text + len, cap - len, "]%s%s}", more ? ", " : "", more ? more : "");
	struct diag_list diags = {0};
	struct policy_load_opts opts = {.search_path = cli_search_path(), .getvar = cli_getvar};
	int r = policy_load_buffer("--extends", text, strlen(text), &opts, ret, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard: %s\n", diags.lines[i]);
	if (r < 0 && diags.n == 0)
		fprintf(stderr, "fnguard: --extends: %s\n", strerror(-r));
	diag_list_clear(&diags);
	return r;
}

static void print_uncovered(enum policy_category category, const char *line, void *userdata)
{
	const char *cmd = userdata;
	fprintf(stderr, "fnguard %s: not allowed by the learned profile: %s\n", cmd, line);
}

/* A copy of the learner, as observed, for the completeness check. */
static int snapshot(const struct learner *l, struct learner **ret)
{
	_cleanup_free_ char *text = NULL;
	struct learner *copy = NULL;
	int r = learner_to_json(l, NULL, NULL, &text);
	if (r == 0)
		r = learner_new(&copy);
	if (r == 0)
		r = learner_merge_text(copy, "observed", text, strlen(text), NULL);
	if (r < 0) {
		learner_free(copy);
		return r;
	}
	*ret = copy;
	return 0;
}

int learn_cli_generalize(const struct learn_cli *cli, struct learner *l, const struct policy *base,
			 struct learner **ret_observed, size_t *ret_dropped)
{
	struct learner *observed = NULL;
	size_t dropped = 0;
	int r = snapshot(l, &observed);

	/* Literal rules first: what base allows exactly must not count as siblings. */
	if (r == 0 && base)
		dropped += learner_drop_covered(l, base);
	if (r == 0) {
		/* What base covers (/tmp/**) is dropped, but its scratch names count. */
		struct learn_options gen = cli->gen;
		gen.scratch_from = learner_profile(observed);
		r = learner_generalize(l, &gen);
	}
	if (r == 0 && base)
		dropped += learner_drop_covered(l, base);
	if (r == 0)
		learner_drop_redundant(l);
	if (r == 0 && ret_observed)
		*ret_observed = observed;
	else
		learner_free(observed);
	if (ret_dropped)
		*ret_dropped = dropped;
	return r;
}

int learn_cli_finish(struct learn_cli *cli, struct learner *l, const char *default_name)
{
	struct policy *base = NULL, *learned = NULL;
	struct learner *observed = NULL;
	_cleanup_free_ char *text = NULL;
	size_t dropped = 0, observed_n = learner_size(l), uncovered = 0;
	const char *name =
		cli->name ? cli->name : (default_name && *default_name ? default_name : NULL);
	int r;

	r = cli->n_extends ? learn_cli_load_base(cli, &base) : 0;
	if (r == 0)
		r = learn_cli_generalize(cli, l, base, &observed, &dropped);
	if (r == 0)
		r = learner_to_policy(l, cli_getvar, NULL, &learned);
	if (r == 0) {
		uncovered = learn_count_uncovered(observed, learned, base, print_uncovered,
						  (void *)cli->cmd);
		if (uncovered == SIZE_MAX)
			r = -ENOMEM;
	}
	if (r == 0)
		r = learner_to_json(l, name, cli->n_extends ? cli->extends : NULL, &text);
	if (r == 0)
		r = learn_cli_write_file(cli->out, text);
	if (r < 0)
		fprintf(stderr, "fnguard %s: cannot write %s: %s\n", cli->cmd, cli->out,
			strerror(-r));
	else
		fprintf(stderr,
			"fnguard %s: %zu observed behaviours -> %zu rules in %s (%zu already "
			"allowed by --extends)\n",
			cli->cmd, observed_n, learner_size(l), cli->out, dropped);
	if (r == 0 && uncovered)
		fprintf(stderr,
			"fnguard %s: warning: %zu observed behaviours are not allowed by the "
			"profile (a bug: please report it)\n",
			cli->cmd, uncovered);
	policy_free(learned);
	policy_free(base);
	learner_free(observed);
	return r;
}
