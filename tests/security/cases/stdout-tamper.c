// SPDX-License-Identifier: MIT
/*
 * tampering with stdout, where fnguard's events go by default (and what
 * Lambda ships), then opening the secret. HOW =
 *  - partial-line: output without a final newline, so that the next line
 *    written starts in the middle of it;
 *  - close: stdout and stderr closed;
 *  - flood: a thread writes 64 KiB blocks of whole lines to stdout (shrunk to
 *    one page when it is a pipe) while 20 other denied paths of the secret
 *    directory are opened, then the secret: a write that does not fit in the
 *    pipe is split wherever the pipe filled up, so other writes can land in
 *    the middle of its lines.
 */
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "case.h"

static atomic_bool stop;

static void *flood(void *arg)
{
	static char block[1 << 16];
	(void)arg;
	/* Whole lines: what is tested is interleaving, not a line left open (partial-line). */
	memset(block, 'A', sizeof(block));
	for (size_t i = 99; i < sizeof(block); i += 100)
		block[i] = '\n';
	block[sizeof(block) - 1] = '\n';
	while (!atomic_load(&stop))
		if (write(STDOUT_FILENO, block, sizeof(block)) < 0)
			break;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *secret = case_env("SEC_SECRET");
	if (!strcmp(argv[1], "partial-line")) {
		static const char partial[] = "function output without a newline: ";
		(void)!write(STDOUT_FILENO, partial, sizeof(partial) - 1);
		case_leak_path(secret, argv[1]);
	} else if (!strcmp(argv[1], "close")) {
		close(STDOUT_FILENO);
		close(STDERR_FILENO);
		case_leak_path(secret, argv[1]);
	} else if (!strcmp(argv[1], "flood")) {
		pthread_t t;
		/* A one-page pipe: every large write is split many times. */
		fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 4096);
		pthread_create(&t, NULL, flood, NULL);
		usleep(5000);
		for (int i = 0; i < 20; i++) {
			char path[4200], name[32];
			snprintf(name, sizeof(name), "flood-%02d", i);
			case_path(path, sizeof(path), case_env("SEC_SECRET_DIR"), name);
			int fd = open(path, O_RDONLY);
			if (fd >= 0)
				close(fd);
			usleep(500);
		}
		case_leak_path(secret, argv[1]);
		usleep(5000);
		atomic_store(&stop, 1);
		pthread_join(t, NULL);
	} else {
		return 2;
	}
	return 0;
}
