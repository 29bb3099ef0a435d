// SPDX-License-Identifier: MIT
/*
 * landlock-early-thread.so: a library that starts a thread when it is
 * loaded, as some runtimes' libraries do. Preloaded after the shim
 * (LD_PRELOAD="libfnguard.so:landlock-early-thread.so"), its constructor
 * runs before the shim's: the shim then starts with a second thread.
 */
#include <pthread.h>
#include <unistd.h>

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

__attribute__((constructor)) static void start_thread(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, idle, NULL) == 0)
		pthread_detach(t);
}
