// SPDX-License-Identifier: MIT
/*
 * sv-probe — a static program for the supervisor tests (built with
 * -static: the preload library never enters it). Each argument group is one
 * command; each command prints one line:
 *     <command> <target> ok [detail]   or   <command> <target> err <ERRNO>
 *
 *   open PATH            open read-only, read up to 64 bytes: "ok <content>"
 *   write PATH           open O_WRONLY|O_CREAT|O_TRUNC and write "x"
 *   stat PATH | lstat PATH | access PATH | readlink PATH
 *   mkdir PATH | rmdir PATH | unlink PATH | rename OLD NEW | symlink TARGET PATH
 *   chmod PATH | truncate PATH
 *   connect IP PORT      TCP connect to IPv4 IP:PORT
 *   sendto IP PORT       UDP sendto IPv4 IP:PORT
 *   sendto-unspec IP PORT  the same with the address's family AF_UNSPEC (read as AF_INET)
 *   exec PATH ARGS       fork, execve(PATH, [PATH, ARGS split at spaces]), wait:
 *                        "ok <exit status>"
 *   threads PATH N       N threads open PATH at once: "ok <successes>"
 *   fifo PATH            a second thread opens the FIFO at PATH for reading
 *                        (which blocks until a writer opens it), the main
 *                        thread opens it for writing 100 ms later and writes
 *                        "fifo": "ok <what the reader read>"
 *   fifo-writer-first PATH
 *                        the same, the writer's open first (in the second
 *                        thread), the reader's 100 ms later
 *   fifo-exhausted PATH  "fifo" after the program has used up its threads: a
 *                        reader thread waits, then threads are started until
 *                        pthread_create fails (RLIMIT_NPROC), then the
 *                        reader opens PATH and the main thread writes
 *                        "fifo" to it: "ok <read> threads=<n started>"
 *   fork PATH            a forked child opens PATH: "ok <content>" from the child
 *   race LINK ALLOWED DENIED N
 *                        one thread flips the symlink LINK between ALLOWED
 *                        and DENIED, another opens LINK N times and reads
 *                        it: "ok opened=<n> denied_content=<n> refused=<n>"
 *                        (each flip: a new symlink renamed over LINK)
 *   mem-race ALLOWED DENIED N
 *                        one thread rewrites a path buffer between ALLOWED
 *                        and DENIED (same length), another opens from that
 *                        buffer N times: the same counts
 *   loop PATH N          open+close N times: "ok <ns per iteration>"
 *   exec-race GOOD EVIL MARKER N
 *                        N times: a child whose second thread rewrites the
 *                        path buffer between GOOD and EVIL (same length)
 *                        execs it with argv [.., "marker", MARKER]: "ok
 *                        good=<n> evil_finished=<n> killed=<n> refused=<n>"
 *   marker PATH          run as "evil*": wait 300 ms, then create PATH and
 *                        exit 42; run under any other name: exit 0
 *   sendmsg IP PORT      UDP sendmsg with a destination (msg_name)
 *   unix PATH            connect to the unix stream socket at PATH
 *   personality          set a personality (refused by the profile's filter)
 *   robust-list N        N raw get_robust_list(0, ...) calls (harmless, and
 *                        outside @lambda-runtime): "ok" or the first error
 *   perf                 perf_event_open(NULL, ...), of the dangerous set: the
 *                        kernel's own answer is EFAULT, a filter's EPERM
 *   getenv NAME          print "getenv NAME VALUE" (or "(unset)")
 *   proc-scan NAME N     open /proc/<P>/NAME read-only for the N numbers P from
 *                        the parent's process id up: one line each,
 *                        "proc-scan <P> ok" or "proc-scan <P> err <ERRNO>"
 *   sleep SECONDS | exit CODE | kill SIG
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case EEXIST:
		return "EEXIST";
	case ENOSYS:
		return "ENOSYS";
	case EINVAL:
		return "EINVAL";
	case ELOOP:
		return "ELOOP";
	case ENOTDIR:
		return "ENOTDIR";
	case EFAULT:
		return "EFAULT";
	default:
		return "OTHER";
	}
}

static void result(const char *cmd, const char *target, int err, const char *detail)
{
	if (err)
		printf("%s %s err %s\n", cmd, target, errname(err));
	else
		printf("%s %s ok%s%s\n", cmd, target, detail ? " " : "", detail ? detail : "");
	fflush(stdout);
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int inet_call(const char *ip, const char *port, int type, sa_family_t family)
{
	struct sockaddr_in sin = {.sin_family = family, .sin_port = htons((uint16_t)atoi(port))};
	inet_pton(AF_INET, ip, &sin.sin_addr);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int r = type == SOCK_STREAM
			? connect(fd, (struct sockaddr *)&sin, sizeof(sin))
			: (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin));
	int err = r < 0 ? errno : 0;
	close(fd);
	return err;
}

struct threads_arg {
	const char *path;
	atomic_int ok;
};

static void *thread_open(void *p)
{
	struct threads_arg *a = p;
	char buf[64];
	if (read_file(a->path, buf, sizeof(buf)) == 0)
		atomic_fetch_add(&a->ok, 1);
	return NULL;
}

struct fifo_arg {
	const char *path;
	bool writer_first;
	char buf[64];
	int err;
};

static int fifo_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int err = write(fd, "fifo", 4) == 4 ? 0 : errno ? errno : EIO;
	close(fd);
	return err;
}

static void *fifo_first(void *p)
{
	struct fifo_arg *a = p;
	a->err =
		a->writer_first ? fifo_write(a->path) : -read_file(a->path, a->buf, sizeof(a->buf));
	return NULL;
}

static void *sleeper(void *p)
{
	(void)p;
	for (;;)
		pause();
	return NULL;
}

struct exhausted_arg {
	const char *path;
	sem_t go;
	char buf[64];
	int err;
};

static void *exhausted_reader(void *p)
{
	struct exhausted_arg *a = p;
	while (sem_wait(&a->go) < 0 && errno == EINTR)
		;
	a->err = -read_file(a->path, a->buf, sizeof(a->buf));
	return NULL;
}

/* The FIFO's two ends once no thread can be started any more. */
static int fifo_exhausted(const char *path, char *buf, size_t size)
{
	struct exhausted_arg a = {.path = path};
	pthread_attr_t attr;
	pthread_t t, s;
	int n = 0;

	sem_init(&a.go, 0, 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, exhausted_reader, &a) != 0)
		return EAGAIN;
	while (n < 100000 && pthread_create(&s, &attr, sleeper, NULL) == 0)
		n++;
	sem_post(&a.go);
	nanosleep(&(struct timespec){0, 200000000L}, NULL);
	int err = fifo_write(path);
	pthread_join(t, NULL);
	snprintf(buf, size, "%s threads=%d", a.buf, n);
	return err ? err : a.err;
}

/* One end's open in a second thread (it blocks until the other end's), the other 100 ms later. */
static int fifo_pair(const char *path, bool writer_first, char *buf, size_t size)
{
	struct fifo_arg a = {.path = path, .writer_first = writer_first};
	pthread_t t;
	int err;

	if (pthread_create(&t, NULL, fifo_first, &a) != 0)
		return EAGAIN;
	nanosleep(&(struct timespec){0, 100000000L}, NULL);
	if (writer_first)
		err = -read_file(path, buf, size);
	else
		err = fifo_write(path);
	pthread_join(t, NULL);
	if (!writer_first)
		snprintf(buf, size, "%s", a.buf);
	return err ? err : a.err;
}

struct race {
	const char *link, *allowed, *denied;
	char *buf; /* mem-race: the path buffer being rewritten */
	atomic_bool stop;
};

/* Flips LINK between the two files (a fresh symlink renamed over it) until told to stop. */
static void *link_flipper(void *p)
{
	struct race *r = p;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->link);
	for (unsigned i = 0; !atomic_load(&r->stop); i++) {
		unlink(tmp);
		if (symlink((i & 1) ? r->denied : r->allowed, tmp) == 0)
			rename(tmp, r->link);
	}
	return NULL;
}

/* Rewrites the path buffer the other thread opens from, byte by byte. */
static void *mem_flipper(void *p)
{
	struct race *r = p;
	size_t n = strlen(r->allowed);
	for (unsigned i = 0; !atomic_load(&r->stop); i++) {
		const char *src = (i & 1) ? r->denied : r->allowed;
		for (size_t k = 0; k < n; k++)
			((volatile char *)r->buf)[k] = src[k];
	}
	return NULL;
}

static void race(const char *cmd, const char *link, const char *allowed, const char *denied, long n,
		 bool mem)
{
	static char path[4096];
	struct race r = {.link = link, .allowed = allowed, .denied = denied, .buf = path};
	char denied_content[64], buf[64];
	long opened = 0, leaked = 0, refused = 0;
	pthread_t t;

	if (read_file(denied, denied_content, sizeof(denied_content)) < 0)
		snprintf(denied_content, sizeof(denied_content), "SECRET");
	snprintf(path, sizeof(path), "%s", mem ? allowed : link);
	pthread_create(&t, NULL, mem ? mem_flipper : link_flipper, &r);
	for (long i = 0; i < n; i++) {
		int e = read_file(path, buf, sizeof(buf));
		if (e == 0) {
			opened++;
			if (strcmp(buf, denied_content) == 0)
				leaked++;
		} else if (e == -EACCES) {
			refused++;
		}
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	char detail[128];
	snprintf(detail, sizeof(detail), "opened=%ld denied_content=%ld refused=%ld", opened,
		 leaked, refused);
	result(cmd, mem ? allowed : link, 0, detail);
}

struct exec_race {
	char *buf;
	const char *good, *evil;
};

static void *exec_flipper(void *p)
{
	struct exec_race *r = p;
	size_t n = strlen(r->good);
	for (unsigned i = 0;; i++) {
		const char *src = (i & 1) ? r->evil : r->good;
		for (size_t k = 0; k < n; k++)
			((volatile char *)r->buf)[k] = src[k];
	}
	return NULL;
}

static void exec_race(const char *good, const char *evil, const char *marker, long n)
{
	long ran_good = 0, evil_finished = 0, killed = 0, refused = 0;
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			static char buf[4096];
			struct exec_race r = {.buf = buf, .good = good, .evil = evil};
			pthread_t t;
			char *args[] = {buf, (char *)"marker", (char *)marker, NULL};
			snprintf(buf, sizeof(buf), "%s", good);
			pthread_create(&t, NULL, exec_flipper, &r);
			for (int k = 0; k < 1000; k++)
				__asm__ volatile("" ::: "memory");
			execve(buf, args, NULL);
			_exit(errno == EACCES ? 77 : 78);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			killed++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ran_good++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 42)
			evil_finished++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
			refused++;
	}
	char detail[160];
	snprintf(detail, sizeof(detail), "good=%ld evil_finished=%ld killed=%ld refused=%ld",
		 ran_good, evil_finished, killed, refused);
	result("exec-race", good, 0, detail);
}

static int send_named(const char *ip, const char *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	inet_pton(AF_INET, ip, &sin.sin_addr);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	struct iovec iov = {.iov_base = (void *)"xy", .iov_len = 2};
	struct msghdr mh = {
		.msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = &iov, .msg_iovlen = 1};
	int err = sendmsg(fd, &mh, 0) == 2 ? 0 : errno ? errno : EIO;
	close(fd);
	return err;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int err = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? errno : 0;
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	char buf[128];
	int i = 1;

	while (i < argc) {
		const char *cmd = argv[i++];
		const char *a = i < argc ? argv[i] : "";
		int err = 0;
		struct stat st;

		if (strcmp(cmd, "open") == 0) {
			err = -read_file(a, buf, sizeof(buf));
			result(cmd, a, err, err ? NULL : buf);
			i++;
		} else if (strcmp(cmd, "write") == 0) {
			int fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0 || write(fd, "x", 1) != 1)
				err = errno;
			if (fd >= 0)
				close(fd);
			result(cmd, a, err, NULL);
			i++;
		} else if (strcmp(cmd, "stat") == 0 || strcmp(cmd, "lstat") == 0) {
			int r = cmd[0] == 's' ? stat(a, &st) : lstat(a, &st);
			snprintf(buf, sizeof(buf), "%ld", (long)st.st_size);
			result(cmd, a, r < 0 ? errno : 0, r < 0 ? NULL : buf);
			i++;
		} else if (strcmp(cmd, "access") == 0) {
			result(cmd, a, access(a, R_OK) < 0 ? errno : 0, NULL);
			i++;
		} else if (strcmp(cmd, "readlink") == 0) {
			ssize_t n = readlink(a, buf, sizeof(buf) - 1);
			if (n >= 0)
				buf[n] = '\0';
			result(cmd, a, n < 0 ? errno : 0, n < 0 ? NULL : buf);
			i++;
		} else if (strcmp(cmd, "mkdir") == 0) {
			result(cmd, a, mkdir(a, 0755) < 0 ? errno : 0, NULL);
			i++;
		} else if (strcmp(cmd, "rmdir") == 0) {
			result(cmd, a, rmdir(a) < 0 ? errno : 0, NULL);
			i++;
		} else if (strcmp(cmd, "unlink") == 0) {
			result(cmd, a, unlink(a) < 0 ? errno : 0, NULL);
			i++;
		} else if (strcmp(cmd, "chmod") == 0) {
			result(cmd, a, chmod(a, 0600) < 0 ? errno : 0, NULL);
			i++;
		} else if (strcmp(cmd, "truncate") == 0) {
			result(cmd, a, truncate(a, 0) < 0 ? errno : 0, NULL);
			i++;
		} else if (strcmp(cmd, "rename") == 0 && i + 1 < argc) {
			result(cmd, a, rename(a, argv[i + 1]) < 0 ? errno : 0, NULL);
			i += 2;
		} else if (strcmp(cmd, "symlink") == 0 && i + 1 < argc) {
			result(cmd, argv[i + 1], symlink(a, argv[i + 1]) < 0 ? errno : 0, NULL);
			i += 2;
		} else if ((strcmp(cmd, "connect") == 0 || strcmp(cmd, "sendto") == 0 ||
			    strcmp(cmd, "sendto-unspec") == 0) &&
			   i + 1 < argc) {
			/* sendto-unspec: the address's family AF_UNSPEC, which UDP reads as AF_INET. */
			snprintf(buf, sizeof(buf), "%s:%s", a, argv[i + 1]);
			err = inet_call(a, argv[i + 1], cmd[0] == 'c' ? SOCK_STREAM : SOCK_DGRAM,
					strcmp(cmd, "sendto-unspec") == 0 ? AF_UNSPEC : AF_INET);
			result(cmd, buf, err, NULL);
			i += 2;
		} else if (strcmp(cmd, "exec") == 0 && i + 1 < argc) {
			int pipefd[2];
			if (pipe2(pipefd, O_CLOEXEC) < 0)
				return 2;
			pid_t pid = fork();
			if (pid == 0) {
				char *args[64];
				size_t na = 0;
				args[na++] = argv[i];
				for (char *tok = strtok(argv[i + 1], " "); tok && na < 63;
				     tok = strtok(NULL, " "))
					args[na++] = tok;
				args[na] = NULL;
				execve(argv[i], args, NULL);
				int e = errno;
				if (write(pipefd[1], &e, sizeof(e)) < 0)
					_exit(126);
				_exit(127);
			}
			close(pipefd[1]);
			int e = 0, status = 0;
			ssize_t got = read(pipefd[0], &e, sizeof(e));
			close(pipefd[0]);
			waitpid(pid, &status, 0);
			snprintf(buf, sizeof(buf), "%d",
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128);
			result(cmd, a, got == sizeof(e) ? e : 0, buf);
			i += 2;
		} else if (strcmp(cmd, "threads") == 0 && i + 1 < argc) {
			struct threads_arg ta = {.path = a};
			int n = atoi(argv[i + 1]);
			pthread_t t[64];
			n = n > 64 ? 64 : n;
			for (int k = 0; k < n; k++)
				pthread_create(&t[k], NULL, thread_open, &ta);
			for (int k = 0; k < n; k++)
				pthread_join(t[k], NULL);
			snprintf(buf, sizeof(buf), "%d", atomic_load(&ta.ok));
			result(cmd, a, 0, buf);
			i += 2;
		} else if (strcmp(cmd, "fifo-exhausted") == 0) {
			err = fifo_exhausted(a, buf, sizeof(buf));
			result(cmd, a, err, err ? NULL : buf);
			i++;
		} else if (strcmp(cmd, "fifo") == 0 || strcmp(cmd, "fifo-writer-first") == 0) {
			err = fifo_pair(a, strcmp(cmd, "fifo") != 0, buf, sizeof(buf));
			result(cmd, a, err, err ? NULL : buf);
			i++;
		} else if (strcmp(cmd, "fork") == 0) {
			pid_t pid = fork();
			if (pid == 0) {
				err = -read_file(a, buf, sizeof(buf));
				result("fork", a, err, err ? NULL : buf);
				_exit(0);
			}
			waitpid(pid, NULL, 0);
			i++;
		} else if (strcmp(cmd, "race") == 0 && i + 3 < argc) {
			race(cmd, a, argv[i + 1], argv[i + 2], atol(argv[i + 3]), false);
			i += 4;
		} else if (strcmp(cmd, "mem-race") == 0 && i + 2 < argc) {
			if (strlen(a) != strlen(argv[i + 1]))
				return 2;
			race(cmd, NULL, a, argv[i + 1], atol(argv[i + 2]), true);
			i += 3;
		} else if (strcmp(cmd, "loop") == 0 && i + 1 < argc) {
			long n = atol(argv[i + 1]);
			uint64_t t0 = now_ns();
			for (long k = 0; k < n; k++) {
				int fd = open(a, O_RDONLY | O_CLOEXEC);
				if (fd < 0) {
					err = errno;
					break;
				}
				close(fd);
			}
			snprintf(buf, sizeof(buf), "%.0f", (double)(now_ns() - t0) / (double)n);
			result(cmd, a, err, err ? NULL : buf);
			i += 2;
		} else if (strcmp(cmd, "exec-race") == 0 && i + 3 < argc) {
			if (strlen(a) != strlen(argv[i + 1]))
				return 2;
			exec_race(a, argv[i + 1], argv[i + 2], atol(argv[i + 3]));
			i += 4;
		} else if (strcmp(cmd, "marker") == 0) {
			const char *base = strrchr(argv[0], '/');
			base = base ? base + 1 : argv[0];
			char exe[4096];
			ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
			exe[n > 0 ? n : 0] = '\0';
			const char *ebase = strrchr(exe, '/');
			if (!ebase || strncmp(ebase + 1, "evil", 4) != 0)
				return 0;
			(void)base;
			usleep(300000);
			int fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
			return 42;
		} else if (strcmp(cmd, "sendmsg") == 0 && i + 1 < argc) {
			snprintf(buf, sizeof(buf), "%s:%s", a, argv[i + 1]);
			result(cmd, buf, send_named(a, argv[i + 1]), NULL);
			i += 2;
		} else if (strcmp(cmd, "unix") == 0) {
			result(cmd, a, unix_connect(a), NULL);
			i++;
		} else if (strcmp(cmd, "personality") == 0) {
			int r = personality(PER_LINUX);
			result(cmd, "PER_LINUX", r < 0 ? errno : 0, NULL);
		} else if (strcmp(cmd, "robust-list") == 0) {
			long n = atol(a);
			for (long k = 0; k < n && !err; k++) {
				void *head = NULL;
				size_t len = 0;
				err = syscall(SYS_get_robust_list, 0, &head, &len) < 0 ? errno : 0;
			}
			result(cmd, a, err, NULL);
			i++;
		} else if (strcmp(cmd, "perf") == 0) {
			long r = syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
			if (r >= 0)
				close((int)r);
			result(cmd, "NULL", r < 0 ? errno : 0, NULL);
		} else if (strcmp(cmd, "proc-scan") == 0 && i + 1 < argc) {
			pid_t first = getppid();
			int n = atoi(argv[i + 1]);
			for (int k = 0; k < n; k++) {
				char path[64], pid[16];
				snprintf(path, sizeof(path), "/proc/%d/%s", (int)(first + k), a);
				snprintf(pid, sizeof(pid), "%d", (int)(first + k));
				int fd = open(path, O_RDONLY | O_CLOEXEC);
				result(cmd, pid, fd < 0 ? errno : 0, NULL);
				if (fd >= 0)
					close(fd);
			}
			i += 2;
		} else if (strcmp(cmd, "sleep") == 0) {
			printf("sleeping\n");
			fflush(stdout);
			sleep((unsigned)atoi(a));
			i++;
		} else if (strcmp(cmd, "getenv") == 0) {
			const char *v = getenv(a);
			printf("getenv %s %s\n", a, v ? v : "(unset)");
			fflush(stdout);
			i++;
		} else if (strcmp(cmd, "exit") == 0) {
			return atoi(a);
		} else if (strcmp(cmd, "kill") == 0) {
			raise(atoi(a));
			i++;
		} else {
			fprintf(stderr, "sv-probe: bad command '%s'\n", cmd);
			return 2;
		}
	}
	return 0;
}
