// SPDX-License-Identifier: MIT
/*
 * failsafe-tsync plain|own-filter: a thread that exists before the shim's
 * constructor runs. It is started from .preinit_array, which the loader runs
 * before any shared library's initialiser, so the shim finds it running when
 * it installs its filter.
 *
 *   plain       the thread waits for main, then makes a raw unlisted call
 *               (msgget): TSYNC must have put the filter on it.
 *   own-filter  the thread first installs a filter of its own (allow all,
 *               without TSYNC), so no filter can be synchronised onto it and
 *               the shim's TSYNC install must fail.
 *
 * Prints on stderr: "before=N" (the thread's seccomp mode when it started),
 * "thread result=OK|ERR errno=NAME", "main result=...".
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"

static pthread_t early;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready, go;
static int mode_before = -1;
static bool own_filter;
static char thread_result[64];

static void describe(char *buf, size_t size, long r)
{
	if (r >= 0) {
		/* The queue was made: remove it again. */
		msgctl((int)r, IPC_RMID, NULL);
		snprintf(buf, size, "OK");
	} else {
		snprintf(buf, size, "ERR errno=%s", strerrorname_np(errno));
	}
}

static void *early_thread(void *arg)
{
	(void)arg;
	mode_before = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	if (own_filter) {
		struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
		struct sock_fprog prog = {.len = 1, .filter = allow};
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (raw_syscall6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0, 0) < 0)
			fprintf(stderr, "own filter: %s\n", strerrorname_np(errno));
	}
	pthread_mutex_lock(&lock);
	ready = 1;
	pthread_cond_broadcast(&cond);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	describe(thread_result, sizeof(thread_result),
		 raw_syscall6(SYS_msgget, IPC_PRIVATE, 0600, 0, 0, 0, 0));
	return NULL;
}

static void start_early(int argc, char **argv, char **envp)
{
	(void)envp;
	own_filter = argc > 1 && strcmp(argv[1], "own-filter") == 0;
	if (pthread_create(&early, NULL, early_thread, NULL) != 0)
		return;
	/* The thread is in place (and filtered, for own-filter) before any constructor. */
	pthread_mutex_lock(&lock);
	while (!ready)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

__attribute__((section(".preinit_array"),
	       used)) static void (*const preinit)(int, char **, char **) = start_early;

int main(int argc, char **argv)
{
	char main_result[64];
	(void)argc;
	(void)argv;
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(early, NULL);
	describe(main_result, sizeof(main_result),
		 raw_syscall6(SYS_msgget, IPC_PRIVATE, 0600, 0, 0, 0, 0));
	fprintf(stderr, "before=%d\nthread result=%s\nmain result=%s\n", mode_before, thread_result,
		main_result);
	return 0;
}
