// SPDX-License-Identifier: MIT
/* fnguard compile — a profile's seccomp filter as raw BPF, PFC or OCI JSON. */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "seccomp_filter.h"
#include "util.h"

enum compile_format {
	FORMAT_BPF,
	FORMAT_PFC,
	FORMAT_OCI,
	FORMAT_BUNDLE,
};

static void compile_usage(FILE *out)
{
	fprintf(out,
		"Usage: fnguard compile [OPTIONS] PROFILE\n\n"
		"Compiles the profile's \"syscalls\" and \"unsafe\" lists (with \"extends\"\n"
		"resolved) into the seccomp filter fnguard installs, and writes it out.\n"
		"What each mode does with each kind of call: docs/seccomp.md.\n\n"
		"Options:\n"
		"  -f, --format FMT   pfc: libseccomp's readable pseudo code (default)\n"
		"                     bpf: raw struct sock_filter array, 8 bytes per instruction\n"
		"                     oci: OCI runtime-spec / Docker seccomp JSON\n"
		"                     bundle: the resolved profile and its precompiled\n"
		"                     filters in one file, for FNGUARD_PROFILE (the shim then\n"
		"                     starts without compiling: --mode/--errno-only/--lockdown\n"
		"                     do not apply, every variant is included)\n"
		"  -m, --mode MODE    record, alert or enforce (default: the profile's mode\n"
		"                     for the syscall category)\n"
		"  -a, --arch ARCH    x86_64 or aarch64 (default: this machine's)\n"
		"  -e, --errno-only   denials return EPERM instead of raising SIGSYS: for\n"
		"                     programs with their own SIGSYS handler (Go), and for\n"
		"                     containers without the fnguard shim, where a trapped\n"
		"                     call would kill the process\n"
		"  -l, --lockdown     also deny seccomp(2) and prctl(PR_SET_SECCOMP), as the\n"
		"                     shim does once its filter is in\n"
		"  -o, --output OUT   write to OUT, replaced atomically (default: stdout;\n"
		"                     raw bpf is never written to a terminal)\n"
		"  -h, --help         show this help\n\n"
		"Examples:\n"
		"  fnguard compile fnguard.json\n"
		"  fnguard compile --format bpf --arch aarch64 -o filter.bpf fnguard.json\n"
		"  fnguard compile --format oci --errno-only -o seccomp.json fnguard.json\n"
		"  fnguard compile --format bundle -o fnguard.fgb fnguard.json\n"
		"  docker run --security-opt seccomp=seccomp.json IMAGE\n\n"
		"Exit status: 0 written, 1 the filter cannot be built or written,\n"
		"2 usage or input error.\n");
}

static int write_stdout(const void *data, size_t len)
{
	errno = 0;
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
		return errno ? -errno : -EIO;
	return 0;
}

static int parse_format(const char *s, enum compile_format *ret)
{
	static const char *const names[] = {"bpf", "pfc", "oci", "bundle"};
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum compile_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Renders the filter; *ret_data is malloc'd. */
static int render(const struct seccomp_filter *f, enum compile_format format, char **ret_data,
		  size_t *ret_len)
{
	char *text = NULL;
	int r;

	switch (format) {
	case FORMAT_BPF: {
		size_t n;
		const struct sock_filter *prog = seccomp_filter_program(f, &n);
		struct sock_filter *copy = malloc(n * sizeof(*prog));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, prog, n * sizeof(*prog));
		*ret_data = (char *)copy;
		*ret_len = n * sizeof(*prog);
		return 0;
	}
	case FORMAT_PFC:
		r = seccomp_filter_pfc(f, &text);
		break;
	default:
		r = seccomp_filter_oci_json(f, &text);
		break;
	}
	if (r < 0)
		return r;
	*ret_len = strlen(text);
	*ret_data = text;
	return 0;
}

int cmd_compile(int argc, char **argv)
{
	static const struct option options[] = {
		{"format", required_argument, NULL, 'f'}, {"mode", required_argument, NULL, 'm'},
		{"arch", required_argument, NULL, 'a'},	  {"errno-only", no_argument, NULL, 'e'},
		{"lockdown", no_argument, NULL, 'l'},	  {"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},	  {0},
	};
	enum compile_format format = FORMAT_PFC;
	const char *mode = NULL, *output = NULL;
	uint32_t arch = 0;
	bool errno_only = false, lockdown = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:m:a:elo:h", options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_format(optarg, &format) < 0) {
				fprintf(stderr,
					"fnguard compile: unknown format '%s' (bpf, pfc, oci, bundle)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			mode = optarg;
			break;
		case 'a':
			arch = seccomp_filter_arch_from_name(optarg);
			if (!arch) {
				fprintf(stderr,
					"fnguard compile: unknown architecture '%s' (x86_64, aarch64)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'e':
			errno_only = true;
			break;
		case 'l':
			lockdown = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			compile_usage(stdout);
			return EXIT_OK;
		default:
			compile_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "fnguard compile: %s\n",
			optind >= argc ? "no profile given" : "only one profile at a time");
		compile_usage(stderr);
		return EXIT_USAGE;
	}
	if ((format == FORMAT_BPF || format == FORMAT_BUNDLE) && !output && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "fnguard compile: not writing raw BPF to a terminal; use -o OUT "
				"or redirect stdout\n");
		return EXIT_USAGE;
	}

	if (seccomp_filter_syscall_number(arch, "exit_group") == -EINVAL) {
		fprintf(stderr, "fnguard compile: this machine's architecture is not supported; "
				"use --arch\n");
		return EXIT_USAGE;
	}

	/* "-o fnguard.json fnguard.json" would replace the profile with its filter. */
	struct stat in_st, out_st;
	if (output && stat(argv[optind], &in_st) == 0 && stat(output, &out_st) == 0 &&
	    in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino) {
		fprintf(stderr, "fnguard compile: -o %s is the profile itself\n", output);
		return EXIT_USAGE;
	}

	struct seccomp_options o;
	struct policy *pol = NULL;
	if (cli_load_policy(argv[optind], false, &pol) < 0)
		return EXIT_USAGE;
	seccomp_options_init(&o, pol);
	if (mode && policy_mode_from_string(mode, &o.mode) < 0) {
		fprintf(stderr, "fnguard compile: unknown mode '%s' (record, alert, enforce)\n",
			mode);
		policy_free(pol);
		return EXIT_USAGE;
	}
	o.arch = arch;
	o.errno_only = errno_only;
	o.after_install_lockdown = lockdown;

	if (format == FORMAT_BUNDLE) {
		struct diag_list bdiags = {0};
		void *bundle = NULL;
		size_t blen = 0;
		int br = bundle_build(pol, arch, &bundle, &blen, &bdiags);
		for (size_t i = 0; i < bdiags.n; i++)
			fprintf(stderr, "fnguard: %s\n", bdiags.lines[i]);
		diag_list_clear(&bdiags);
		policy_free(pol);
		if (br < 0) {
			fprintf(stderr, "fnguard compile: cannot build the bundle: %s\n",
				strerror(-br));
			return EXIT_VIOLATION;
		}
		br = output ? cli_write_atomically(output, bundle, blen)
			    : write_stdout(bundle, blen);
		free(bundle);
		if (br < 0) {
			fprintf(stderr, "fnguard compile: cannot write %s: %s\n",
				output ? output : "stdout", strerror(-br));
			return EXIT_VIOLATION;
		}
		return EXIT_OK;
	}

	struct diag_list diags = {0};
	struct seccomp_filter *f = NULL;
	int r = seccomp_filter_build(pol, &o, &f, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "fnguard: %s\n", diags.lines[i]);
	diag_list_clear(&diags);
	policy_free(pol);
	if (r < 0) {
		fprintf(stderr, "fnguard compile: cannot build the filter: %s\n", strerror(-r));
		return EXIT_VIOLATION;
	}

	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	r = render(f, format, &data, &len);
	seccomp_filter_free(f);
	if (r < 0) {
		/* EFBIG: the text went past RLIMIT_FSIZE on its way out of libseccomp. */
		fprintf(stderr, "fnguard compile: cannot render the filter: %s\n", strerror(-r));
		return EXIT_VIOLATION;
	}
	r = output ? cli_write_atomically(output, data, len) : write_stdout(data, len);
	if (r < 0) {
		fprintf(stderr, "fnguard compile: cannot write %s: %s\n",
			output ? output : "stdout", strerror(-r));
		return EXIT_VIOLATION;
	}
	return EXIT_OK;
}
