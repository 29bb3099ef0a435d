// SPDX-License-Identifier: MIT
/*
 * files: a symlink in a writable directory flipped between an allowed file
 * and the secret by another thread while the main thread opens it, for at
 * most two seconds or until one open reaches the secret.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "case.h"

static char link_path[4200], tmp_path[4200], allowed[4200];
static atomic_bool stop;

static void *flipper(void *arg)
{
	const char *secret = arg;
	for (unsigned long i = 0; !atomic_load(&stop); i++) {
		unlink(tmp_path);
		if (symlink(i % 2 ? secret : allowed, tmp_path) == 0)
			rename(tmp_path, link_path);
	}
	return NULL;
}

int main(void)
{
	const char *secret = case_env("SEC_SECRET"), *out = case_env("SEC_OUT");
	case_path(link_path, sizeof(link_path), out, "flip");
	case_path(tmp_path, sizeof(tmp_path), out, "flip.tmp");
	case_path(allowed, sizeof(allowed), case_env("SEC_RO"), "target");
	if (symlink(allowed, link_path) < 0)
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, flipper, (void *)secret);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long tries = 0, leaked = 0;
	char buf[256];
	do {
		int fd = open(link_path, O_RDONLY);
		tries++;
		if (fd >= 0) {
			ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = 0;
			/* The allowed file starts with "original"; anything else is the secret. */
			if (n > 0 && strncmp(buf, "original", 8) != 0) {
				case_leak_fd(fd, "toctou");
				leaked = 1;
			}
			close(fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!leaked &&
		 (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 <
			 2000);
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	fprintf(stderr, "toctou: %ld opens, leaked=%ld\n", tries, leaked);
	return 0;
}
