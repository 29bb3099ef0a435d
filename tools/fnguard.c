// SPDX-License-Identifier: MIT
/* fnguard — the command-line tool: one dispatcher, one file per subcommand. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cjson_lazy.h"
#include "cli.h"
#include "config.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

#ifdef FNGUARD_HAVE_TRACE
/*
 * fnguard trace is fnguard-trace, beside this program (tools/meson.build):
 * only it links libbpf, libelf and libz, which every other start of
 * fnguard would load for nothing. argv starts at "trace".
 */
static int run_trace(int argc, char **argv)
{
	char path[PATH_MAX];
	(void)argc;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
	static const char name[] = "/fnguard-trace";
	if (!slash || (size_t)(slash - path) + sizeof(name) > sizeof(path)) {
		fprintf(stderr, "fnguard trace: cannot find this program's directory (%s)\n",
			n < 0 ? strerror(errno) : "/proc/self/exe");
		return EXIT_USAGE;
	}
	memcpy(slash, name, sizeof(name));
	execv(path, argv);
	if (errno == ENOENT)
		fprintf(stderr,
			"fnguard trace: not installed with this fnguard (%s is missing; the "
			"Lambda layer ships without it)\n",
			path);
	else
		fprintf(stderr, "fnguard trace: cannot run %s: %s\n", path, strerror(errno));
	return EXIT_USAGE;
}
#endif

static const struct command commands[] = {
	{"check", cmd_check, "validate profiles (extends resolved), print every diagnostic"},
	{"explain", cmd_explain, "show the decision and the deciding rule for one operation"},
	{"compile", cmd_compile, "write the profile's seccomp filter as BPF, PFC or OCI JSON"},
	{"run", cmd_run, "run a command under fnguard (record, alert or enforce)"},
	{"record", cmd_record, "run a command in record mode and write the learned profile"},
	{"learn", cmd_learn, "build a profile from logged events (e.g. a CloudWatch export)"},
	{"merge", cmd_merge, "write the union of profiles"},
	{"diff", cmd_diff, "compare two profiles, or a profile with a recording (drift)"},
	{"exec", cmd_exec, "run a static binary under the seccomp supervisor (Go, Rust)"},
	{"attach", cmd_attach, "used by the preload library: a static program via the launcher"},
#ifdef FNGUARD_HAVE_TRACE
	{"trace", run_trace, "record a command's process tree at the kernel (eBPF, root)"},
#endif
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: fnguard COMMAND [OPTIONS] [ARGS]\n\n"
		     "Function behaviour enforcement for serverless functions.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'fnguard COMMAND --help' for a command's options and examples.\n"
		     "Exit status: 0 ok, 1 check failed or denied, 2 usage or input error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("fnguard %s\n", FNGUARD_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		int status = commands[i].run(argc - 1, argv + 1);
		/*
		 * cJSON is loaded when first used (lib/cjson_lazy.h: fnguard exec of a
		 * compiled bundle, each static program the shim hands over, does not
		 * need it). Without it every JSON document read or written was none:
		 * whatever the command concluded, it failed, and this is why.
		 */
		if (cjson_lazy_tried() && cjson_lazy_error()[0]) {
			fprintf(stderr, "fnguard %s: libcjson.so.1 could not be loaded: %s\n",
				argv[1], cjson_lazy_error());
			status = 127;
		}
		/* Output that did not reach stdout (a full disk, a closed pipe) is a failure. */
		errno = 0;
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "fnguard %s: cannot write to stdout: %s\n", argv[1],
				strerror(errno ? errno : EIO));
			if (status == EXIT_OK)
				status = EXIT_USAGE;
		}
		return status;
	}
	fprintf(stderr, "fnguard: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
