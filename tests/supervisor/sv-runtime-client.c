// SPDX-License-Identifier: MIT
/*
 * sv-runtime-client — a static Lambda runtime loop, as a Go or Rust
 * bootstrap runs it, for the supervisor's request id test: for each of N
 * invocations it asks $AWS_LAMBDA_RUNTIME_API for the next one (HTTP/1.1,
 * keep-alive; a new connection after a "Connection: close"), opens
 * DIR/denied-<request id> (a file the profile denies), and posts the
 * event's body back unchanged as the invocation's response.
 *
 * With HOLD, invocation HOLD's /next is left waiting while the program
 * opens DIR/denied-pending and asks for /test/release on a second
 * connection (the test's server answers that /next only then).
 *
 * Usage: sv-runtime-client DIR N [HOLD]
 * Prints one line per step: env ADDR, next STATUS ID LENGTH, open ID
 * ok|ERRNO, response ID STATUS BODY, release STATUS BODY, done.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 8192

struct conn {
	int fd;
	char buf[HEAD_MAX];
	size_t len; /* bytes read past the last response */
};

struct response {
	int status;
	char id[128];
	bool close;
	char *body;
	size_t body_len;
};

static const char *api;

static __attribute__((noreturn)) void fail(const char *what)
{
	printf("error %s %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static int dial(void)
{
	char host[64];
	const char *colon = strrchr(api, ':');
	struct sockaddr_in sin = {.sin_family = AF_INET};
	if (!colon || (size_t)(colon - api) >= sizeof(host))
		fail("address");
	memcpy(host, api, (size_t)(colon - api));
	host[colon - api] = '\0';
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		fail("address");
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fail("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fail("connect");
	return fd;
}

static void send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("write");
		p += n;
		len -= (size_t)n;
	}
}

/* The request line and headers in one write, the body in another (as clients do). */
static void request(struct conn *c, const char *method, const char *path, const void *body,
		    size_t body_len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sv-runtime-client\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 method, path, api, body_len);
	send_all(c->fd, head, (size_t)n);
	if (body_len)
		send_all(c->fd, body, body_len);
}

static size_t more(struct conn *c, char *dst, size_t room)
{
	ssize_t n;
	do
		n = read(c->fd, dst, room);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		fail("read");
	if (n == 0) {
		errno = ECONNRESET;
		fail("eof");
	}
	return (size_t)n;
}

static void read_response(struct conn *c, struct response *r)
{
	char *end;
	size_t length = 0;

	memset(r, 0, sizeof(*r));
	for (;;) {
		c->buf[c->len] = '\0';
		end = strstr(c->buf, "\r\n\r\n");
		if (end)
			break;
		if (c->len == sizeof(c->buf) - 1) {
			errno = E2BIG;
			fail("headers");
		}
		c->len += more(c, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	}
	size_t head_len = (size_t)(end - c->buf) + 4;
	*end = '\0';
	if (sscanf(c->buf, "HTTP/1.1 %d", &r->status) != 1) {
		errno = EPROTO;
		fail("status");
	}
	for (char *line = strstr(c->buf, "\r\n"); line; line = strstr(line, "\r\n")) {
		line += 2;
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			length = strtoul(line + 15, NULL, 10);
		else if (strncasecmp(line, "Lambda-Runtime-Aws-Request-Id:", 30) == 0)
			sscanf(line + 30, " %127[^\r]", r->id);
		else if (strncasecmp(line, "Connection: close", 17) == 0)
			r->close = true;
	}
	r->body = malloc(length + 1);
	if (!r->body)
		fail("malloc");
	size_t have = c->len - head_len < length ? c->len - head_len : length;
	memcpy(r->body, c->buf + head_len, have);
	memmove(c->buf, c->buf + head_len + have, c->len - head_len - have);
	c->len -= head_len + have;
	while (have < length)
		have += more(c, r->body + have, length - have);
	r->body[length] = '\0';
	r->body_len = length;
}

static const char *errno_text(int e)
{
	static char num[16];
	if (e == EACCES)
		return "EACCES";
	if (e == ENOENT)
		return "ENOENT";
	snprintf(num, sizeof(num), "%d", e);
	return num;
}

static void try_open(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/denied-%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	printf("open %s %s\n", name, fd >= 0 ? "ok" : errno_text(errno));
	if (fd >= 0)
		close(fd);
}

/* The second connection: /test/release lets the held /next go. */
static void release(void)
{
	struct conn b = {.fd = dial()};
	struct response r;
	request(&b, "GET", "/test/release", NULL, 0);
	read_response(&b, &r);
	printf("release %d %s\n", r.status, r.body);
	free(r.body);
	close(b.fd);
}

int main(int argc, char **argv)
{
	static struct conn a = {.fd = -1};
	struct response next, done;
	char path[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: sv-runtime-client DIR N [HOLD]\n");
		return 2;
	}
	int n = atoi(argv[2]);
	int hold = argc > 3 ? atoi(argv[3]) : -1;
	api = getenv("AWS_LAMBDA_RUNTIME_API");
	printf("env %s\n", api ? api : "-");
	for (int i = 0; i < n; i++) {
		if (a.fd < 0) {
			a.fd = dial();
			a.len = 0;
		}
		request(&a, "GET", "/2018-06-01/runtime/invocation/next", NULL, 0);
		if (i == hold) {
			try_open(argv[1], "pending");
			release();
		}
		read_response(&a, &next);
		printf("next %d %s %zu\n", next.status, next.id, next.body_len);
		try_open(argv[1], next.id);
		snprintf(path, sizeof(path), "/2018-06-01/runtime/invocation/%s/response", next.id);
		request(&a, "POST", path, next.body, next.body_len);
		read_response(&a, &done);
		printf("response %s %d %s\n", next.id, done.status, done.body);
		if (next.close || done.close) {
			close(a.fd);
			a.fd = -1;
		}
		free(next.body);
		free(done.body);
	}
	printf("done\n");
	return 0;
}
