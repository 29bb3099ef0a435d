// SPDX-License-Identifier: MIT
/*
 * The notification loop: a pool of worker threads; one at a time waits in
 * SECCOMP_IOCTL_NOTIF_RECV on the listener, and each serves what it
 * received from start to end.
 *
 * A worker can block for as long as the call it performs would have
 * blocked the target: a connect on a blocking socket, an open of a FIFO
 * whose writer is another thread of the target, a send into a full buffer.
 * So that such calls never starve the others (or deadlock on each other),
 * the pool keeps one worker waiting in RECV at all times (see
 * worker_main), up to SV_WORKERS_MAX.
 *
 * Each worker has its own file system context (unshare(CLONE_FS)): the
 * umask it creates files with and the working directory it binds unix
 * sockets from are the target's, set per call without touching the other
 * workers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sv.h"

#define SV_WORKERS_MAX 256

struct sv_state sv = {.listener = -1, .log_fd = -1};

static struct seccomp_notif_sizes sizes;

static void reply(struct sv_req *req, int64_t val, int error, uint32_t flags)
{
	struct seccomp_notif_resp *resp = alloca(sizes.seccomp_notif_resp);
	memset(resp, 0, sizes.seccomp_notif_resp);
	resp->id = req->n->id;
	resp->val = val;
	resp->error = error;
	resp->flags = flags;
	/* ENOENT: the target died, or a signal interrupted the call; nobody waits. */
	ioctl(sv.listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

int64_t sv_reply_continue(struct sv_req *req)
{
	reply(req, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
	return SV_REPLIED;
}

int64_t sv_reply_fd(struct sv_req *req, int fd, bool cloexec)
{
	struct seccomp_notif_addfd addfd = {
		.id = req->n->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (uint32_t)fd,
		.newfd_flags = cloexec ? O_CLOEXEC : 0,
	};
	int r;

	if (atomic_load_explicit(&sv.addfd_send, memory_order_relaxed)) {
		r = ioctl(sv.listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
		if (r >= 0 || errno != EINVAL) {
			int err = errno;
			close(fd);
			/* ENOENT: nobody waits any more; the kernel closed what it installed. */
			return r >= 0 || err == ENOENT ? SV_REPLIED : -err;
		}
		/* Before 5.14: install, then answer with the number (not atomic). */
		atomic_store(&sv.addfd_send, false);
	}
	addfd.flags = 0;
	r = ioctl(sv.listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
	int err = errno;
	close(fd);
	if (r < 0)
		return err == ENOENT ? SV_REPLIED : -err;
	reply(req, r, 0, 0);
	return SV_REPLIED;
}

static void serve(struct sv_req *req)
{
	struct seccomp_notif *n = req->n;
	int64_t r;

	req->tid = (pid_t)n->pid;
	req->tgid = 0;
	req->have_exe = false;
	req->call = sv_table_lookup(n->data.nr);
	atomic_fetch_add_explicit(&sv.served, 1, memory_order_relaxed);
	if (n->data.arch != sv.arch) {
		reply(req, 0, -ENOSYS, 0);
		return;
	}
	/*
	 * The child between its filter and its exec of the target (the report,
	 * the go-ahead, the exec itself): the supervisor's own code, on a path
	 * the supervisor chose, so there is nothing to judge or learn. Its pid
	 * cannot name anyone else: the child is not reaped before it execs.
	 */
	if ((pid_t)n->pid == sv.child && atomic_load(&sv.initial_exec)) {
		if (req->call && (strcmp(req->call->name, "execve") == 0 ||
				  strcmp(req->call->name, "execveat") == 0))
			atomic_store(&sv.initial_exec, false);
		sv_reply_continue(req);
		return;
	}
	r = sv_sys_serve(req);
	if (r == SV_SYS_PASS && !req->call)
		r = -ENOSYS;
	else if (r == SV_SYS_PASS)
		r = req->call->fn(req);
	if (r == SV_REPLIED)
		return;
	if (r < 0)
		reply(req, 0, (int)r, 0);
	else
		reply(req, r, 0, 0);
}

/*
 * Leader and followers: exactly one worker waits in RECV (the kernel wakes
 * every waiter for each notification, and on a small machine that herd
 * costs more than most calls). The leader serves what it received itself
 * (two context switches per call, none to wake a follower), and the next
 * notification waits in the kernel until it is done. A call that may block
 * (a connect or send on a blocking socket, an open of something that is
 * not a regular file or directory, truncate, the watch after an exec)
 * first hands the leader role to a follower, starting one if none waits:
 * sv_handoff().
 */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static bool leader_present;
static int followers;
static int total_workers;
static __thread bool handed_off;

static int spawn_worker(void);

void sv_handoff(void)
{
	if (handed_off)
		return;
	handed_off = true;
	int r = 0;
	pthread_mutex_lock(&pool_lock);
	if (!leader_present) {
		if (followers > 0)
			pthread_cond_signal(&pool_cond);
		else
			r = spawn_worker();
	}
	pthread_mutex_unlock(&pool_lock);
	/*
	 * No thread to take the listener (the program has used up its
	 * threads): this call blocks the only worker waiting for it, and the
	 * program's other calls wait for this one. Said, once.
	 */
	static atomic_bool told;
	if (r < 0 && !atomic_exchange(&told, true))
		sv_event_error("the supervisor could not start a worker for a call that may block: "
			       "the program's other calls wait until it returns",
			       NULL, -r);
}

/*
 * RECV fails with ENOENT for a notification withdrawn in between (its task
 * was killed) and, since the wait became a wait queue (Linux 6.6), at once
 * and forever when no task uses the filter any more: the program has
 * ended. Only the second says so through poll (EPOLLHUP). Without this
 * check the workers spun on RECV until the supervisor exited, taking a core
 * from the main thread's own exit (half of fnguard exec's CPU time for a
 * short program).
 */
static bool listener_hung_up(void)
{
	struct pollfd p = {.fd = sv.listener, .events = POLLIN};
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static void *worker_main(void *arg)
{
	struct sv_req *req = arg;
	bool ok = unshare(CLONE_FS) == 0;

	pthread_mutex_lock(&pool_lock);
	/* Without its own fs context, per-call umask/cwd changes would leak between workers. */
	while (ok) {
		while (leader_present) {
			followers++;
			pthread_cond_wait(&pool_cond, &pool_lock);
			followers--;
		}
		leader_present = true;
		pthread_mutex_unlock(&pool_lock);

		memset(req->n, 0, sizes.seccomp_notif);
		int r = ioctl(sv.listener, SECCOMP_IOCTL_NOTIF_RECV, req->n);
		int err = errno;

		pthread_mutex_lock(&pool_lock);
		leader_present = false;
		if (r < 0 && err != EINTR && (err != ENOENT || listener_hung_up())) {
			/* The listener is gone (EBADF), broken, or no task uses it: nothing more. */
			pthread_cond_broadcast(&pool_cond);
			break;
		}
		if (r < 0)
			continue;
		pthread_mutex_unlock(&pool_lock);
		handed_off = false;
		serve(req);
		pthread_mutex_lock(&pool_lock);
	}
	total_workers--;
	pthread_mutex_unlock(&pool_lock);
	free(req->big);
	free(req->n);
	free(req);
	return NULL;
}

/* Under pool_lock (or before any worker runs). */
static int spawn_worker(void)
{
	pthread_attr_t attr;
	pthread_t t;

	if (total_workers >= SV_WORKERS_MAX)
		return -EAGAIN;
	/*
	 * Its path buffers are written before they are read, request after
	 * request: left unzeroed, their pages are touched only when used.
	 */
	struct sv_req *req = malloc(sizeof(*req));
	if (req) {
		req->n = calloc(1, sizes.seccomp_notif);
		req->call = NULL;
		req->tid = req->tgid = 0;
		req->exe[0] = '\0';
		req->have_exe = false;
		req->big = NULL;
		req->big_size = 0;
	}
	if (!req || !req->n) {
		free(req);
		return -ENOMEM;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &attr, worker_main, req);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		free(req->n);
		free(req);
		return -r;
	}
	total_workers++;
	return 0;
}

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

int sv_loop_start(void)
{
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	/* The kernel may know larger structs than these headers; never smaller. */
	if (sizes.seccomp_notif < sizeof(struct seccomp_notif))
		sizes.seccomp_notif = sizeof(struct seccomp_notif);
	if (sizes.seccomp_notif_resp < sizeof(struct seccomp_notif_resp))
		sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
	/*
	 * 6.6+: the target's thread hands its CPU straight to the worker and
	 * back, instead of two wake-ups through the scheduler. Older kernels
	 * refuse it; nothing else changes.
	 */
	ioctl(sv.listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	/*
	 * A follower ready for the first handoff, started now: started then,
	 * at a program that has used up its threads (RLIMIT_NPROC), the call
	 * that hands off would block the only worker and every other call with
	 * it (found by review, 2026-11-25; a lazy follower saved ~45 us a run).
	 */
	pthread_mutex_lock(&pool_lock);
	int r = spawn_worker();
	if (r == 0)
		spawn_worker();
	pthread_mutex_unlock(&pool_lock);
	return r;
}
