// SPDX-License-Identifier: MIT
/*
 * event-flood THREADS COUNT DIR: THREADS threads each open COUNT denied
 * paths (DIR/t<thread>-<i % 50>), so the shim writes violations from many
 * threads at once. Prints nothing; exits 0.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int count;
static const char *dir;

static void *flood(void *arg)
{
	long t = (long)arg;
	char path[4096];
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/t%ld-%d", dir, t, i % 50);
		int fd = open(path, O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int threads = atoi(argv[1]);
	count = atoi(argv[2]);
	dir = argv[3];
	pthread_t tid[64];
	for (long t = 0; t < threads && t < 64; t++)
		pthread_create(&tid[t], NULL, flood, (void *)t);
	for (long t = 0; t < threads && t < 64; t++)
		pthread_join(tid[t], NULL);
	return 0;
}
