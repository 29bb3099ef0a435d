// SPDX-License-Identifier: MIT
/*
 * A scripted Runtime API client for the request-id tests: it talks HTTP to
 * $AWS_LAMBDA_RUNTIME_API (a numeric IPv4 address:port) and reads the
 * answers with the libc call under test, in pieces of at most CHUNK bytes,
 * so that headers arrive split anywhere.
 *
 *   rt-client READ_CALL CHUNK DENIED STEP...
 *     READ_CALL  read | recv | recvfrom | recvmsg
 *     DENIED     a path the profile denies: "deny" opens it (one violation
 *                event, which carries the current request id)
 *     STEP       get:LEN    send GET .../invocation/next, read LEN bytes back
 *                post:LEN   send POST .../invocation/x/response, read LEN bytes
 *                deny       open DENIED
 *                close      close the Runtime API connection
 *                connect    open a new one (get and post connect first if
 *                           there is none)
 *                reconnect  connect() the open one again (EISCONN expected)
 *                file:PATH  open PATH and read it whole (with read())
 *                read:LEN   read LEN bytes without sending anything
 *                skip:LEN   drop LEN bytes unread (recv with MSG_TRUNC)
 *                tN:STEP    run STEP on worker thread N (1-4; each has its
 *                           own connection), waiting until it is done
 *
 *   rt-client threads CHUNK DENIED LEN
 *     two threads, each on its own connection, each GETs one invocation
 *     (LEN bytes back), then both open DENIED: each event must carry the
 *     id its own thread fetched.
 *
 * Prints one line per step to stdout ("deny errno=EACCES", ...); exits 1 on
 * an unexpected failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *read_call;
static size_t chunk;
static const char *denied;

static struct sockaddr_in runtime_addr(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	char host[64];
	struct sockaddr_in sin = {.sin_family = AF_INET};
	const char *colon = api ? strrchr(api, ':') : NULL;

	if (!colon || (size_t)(colon - api) >= sizeof(host)) {
		fprintf(stderr, "rt-client: AWS_LAMBDA_RUNTIME_API is not host:port\n");
		exit(1);
	}
	memcpy(host, api, (size_t)(colon - api));
	host[colon - api] = '\0';
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		fprintf(stderr, "rt-client: %s is not an IPv4 address\n", host);
		exit(1);
	}
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	return sin;
}

static int connect_runtime(void)
{
	struct sockaddr_in sin = runtime_addr();
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("rt-client: connect");
		exit(1);
	}
	return fd;
}

static ssize_t read_some(int fd, char *buf, size_t n)
{
	if (strcmp(read_call, "recv") == 0)
		return recv(fd, buf, n, 0);
	if (strcmp(read_call, "recvfrom") == 0)
		return recvfrom(fd, buf, n, 0, NULL, NULL);
	if (strcmp(read_call, "recvmsg") == 0) {
		/* Two iovecs, so that a header can straddle them as well. */
		size_t half = n / 2 ? n / 2 : 1;
		struct iovec iov[2] = {{buf, half}, {buf + half, n - half}};
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = n > 1 ? 2 : 1};
		if (n <= 1)
			iov[0].iov_len = n;
		return recvmsg(fd, &msg, 0);
	}
	return read(fd, buf, n);
}

static void receive(int fd, size_t want, int flags)
{
	char buf[65536];
	size_t got = 0;

	while (got < want) {
		size_t n = want - got;
		if (n > chunk)
			n = chunk;
		if (n > sizeof(buf))
			n = sizeof(buf);
		ssize_t r = flags ? recv(fd, buf, n, flags) : read_some(fd, buf, n);
		if (r <= 0) {
			fprintf(stderr, "rt-client: short answer (%zu of %zu bytes)\n", got, want);
			exit(1);
		}
		got += (size_t)r;
	}
}

static void exchange(int fd, const char *request, size_t want)
{
	if (write(fd, request, strlen(request)) < 0) {
		perror("rt-client: write");
		exit(1);
	}
	receive(fd, want, 0);
}

static void deny(const char *who)
{
	int fd = open(denied, O_RDONLY);
	int err = errno;
	if (fd >= 0)
		close(fd);
	printf("%sdeny %s\n", who,
	       fd >= 0	       ? "opened"
	       : err == EACCES ? "errno=EACCES"
			       : strerror(err));
}

static const char get_request[] = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
				  "Host: runtime\r\n\r\n";
static const char post_request[] = "POST /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\n"
				   "Host: runtime\r\nContent-Length: 2\r\n\r\n{}";

static pthread_barrier_t barrier;
static size_t thread_len;

static void *thread_main(void *arg)
{
	int fd = connect_runtime();
	exchange(fd, get_request, thread_len);
	pthread_barrier_wait(&barrier);
	deny((const char *)arg);
	pthread_barrier_wait(&barrier);
	close(fd);
	return NULL;
}

/* One step on the connection *fd; 0, or the exit status on failure. */
static int do_step(int *fd, const char *step, const char *who)
{
	if (strncmp(step, "get:", 4) == 0) {
		if (*fd < 0)
			*fd = connect_runtime();
		exchange(*fd, get_request, strtoul(step + 4, NULL, 10));
		printf("%sget\n", who);
	} else if (strncmp(step, "post:", 5) == 0) {
		if (*fd < 0)
			*fd = connect_runtime();
		exchange(*fd, post_request, strtoul(step + 5, NULL, 10));
		printf("%spost\n", who);
	} else if (strncmp(step, "read:", 5) == 0) {
		receive(*fd, strtoul(step + 5, NULL, 10), 0);
		printf("%sread\n", who);
	} else if (strncmp(step, "skip:", 5) == 0) {
		receive(*fd, strtoul(step + 5, NULL, 10), MSG_TRUNC);
		printf("%sskip\n", who);
	} else if (strcmp(step, "deny") == 0) {
		deny(who);
	} else if (strcmp(step, "close") == 0) {
		close(*fd);
		*fd = -1;
		printf("%sclose\n", who);
	} else if (strcmp(step, "reconnect") == 0) {
		struct sockaddr_in sin = runtime_addr();
		int r = connect(*fd, (struct sockaddr *)&sin, sizeof(sin));
		printf("%sreconnect %s\n", who, r == 0 ? "ok" : strerror(errno));
	} else if (strcmp(step, "connect") == 0) {
		*fd = connect_runtime();
		printf("%sconnect\n", who);
	} else if (strncmp(step, "file:", 5) == 0) {
		char buf[4096];
		int f = open(step + 5, O_RDONLY);
		if (f < 0) {
			perror("rt-client: file");
			return 1;
		}
		while (read(f, buf, chunk < sizeof(buf) ? chunk : sizeof(buf)) > 0)
			;
		printf("%sfile fd=%d\n", who, f);
		close(f);
	} else {
		fprintf(stderr, "rt-client: unknown step %s\n", step);
		return 2;
	}
	return 0;
}

/* Worker threads for "tN:STEP": each keeps its own connection (and request id). */
#define WORKERS 4

struct worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const char *step; /* to run; NULL when done */
	bool started;
	char who[24];
};

static struct worker workers[WORKERS];

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int fd = -1;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->step)
			pthread_cond_wait(&w->cond, &w->lock);
		int r = do_step(&fd, w->step, w->who);
		if (r)
			exit(r);
		w->step = NULL;
		pthread_cond_broadcast(&w->cond);
	}
	return NULL;
}

static void on_worker(struct worker *w, const char *step)
{
	if (!w->started) {
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
		snprintf(w->who, sizeof(w->who), "worker-%d ", (int)(w - workers) + 1);
		w->started = true;
		pthread_create(&w->thread, NULL, worker_main, w);
	}
	pthread_mutex_lock(&w->lock);
	w->step = step;
	pthread_cond_broadcast(&w->cond);
	while (w->step)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: rt-client READ_CALL CHUNK DENIED STEP...\n");
		return 2;
	}
	read_call = argv[1];
	chunk = strtoul(argv[2], NULL, 10);
	denied = argv[3];
	if (!chunk)
		chunk = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(read_call, "threads") == 0) {
		pthread_t t[2];
		read_call = "read";
		thread_len = argc > 4 ? strtoul(argv[4], NULL, 10) : 0;
		pthread_barrier_init(&barrier, NULL, 2);
		pthread_create(&t[0], NULL, thread_main, "thread-a ");
		/* One after the other: the emulator hands out ids in order of arrival. */
		usleep(100 * 1000);
		pthread_create(&t[1], NULL, thread_main, "thread-b ");
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		return 0;
	}

	int fd = -1; /* connected at the first exchange */
	for (int i = 4; i < argc; i++) {
		const char *step = argv[i];
		if (step[0] == 't' && step[1] >= '1' && step[1] <= '0' + WORKERS &&
		    step[2] == ':') {
			on_worker(&workers[step[1] - '1'], step + 3);
			continue;
		}
		int r = do_step(&fd, step, "");
		if (r)
			return r;
	}
	return 0;
}
