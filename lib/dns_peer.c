// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "dns_peer.h"

#define DNS_PORT 53

struct slot {
	dev_t dev;
	ino_t ino;
	socklen_t len; /* 0: free */
	uint64_t used;
	struct sockaddr_storage addr;
};

static struct slot slots[DNS_PEER_SLOTS];
static uint64_t clock_ticks;
/* Set by the first entry: until then a lookup costs one load, not an fstat. */
static atomic_bool in_use;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void reset_after_fork(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	memcpy(&lock, &fresh, sizeof(fresh));
}

__attribute__((constructor)) static void dns_peer_setup(void)
{
	pthread_atfork(NULL, NULL, reset_after_fork);
}

bool dns_peer_port(const struct sockaddr *addr, socklen_t len)
{
	if (!addr)
		return false;
	/* An AF_INET socket reads AF_UNSPEC as AF_INET (udp_sendmsg, connect). */
	if ((addr->sa_family == AF_INET || addr->sa_family == AF_UNSPEC) &&
	    len >= (socklen_t)sizeof(struct sockaddr_in))
		return ntohs(((const struct sockaddr_in *)addr)->sin_port) == DNS_PORT;
	/* The kernel takes the RFC 2133 size, without the scope id. */
	if (addr->sa_family == AF_INET6 &&
	    len >= (socklen_t)offsetof(struct sockaddr_in6, sin6_scope_id))
		return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port) == DNS_PORT;
	return false;
}

static int identity(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

static struct slot *find(dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < DNS_PEER_SLOTS; i++)
		if (slots[i].len && slots[i].dev == dev && slots[i].ino == ino)
			return &slots[i];
	return NULL;
}

int dns_peer_set(int fd, const struct sockaddr *addr, socklen_t len)
{
	dev_t dev = 0;
	ino_t ino = 0;
	int r = identity(fd, &dev, &ino);

	if (r < 0)
		return r;
	if (!addr || len == 0 || len > (socklen_t)sizeof(struct sockaddr_storage))
		return -EINVAL;
	pthread_mutex_lock(&lock);
	struct slot *s = find(dev, ino);
	if (!s) {
		/* A free slot, else the least recently used gives way. */
		s = &slots[0];
		for (size_t i = 0; i < DNS_PEER_SLOTS; i++) {
			if (!slots[i].len) {
				s = &slots[i];
				break;
			}
			if (slots[i].used < s->used)
				s = &slots[i];
		}
	}
	s->dev = dev;
	s->ino = ino;
	s->len = len;
	s->used = ++clock_ticks;
	memset(&s->addr, 0, sizeof(s->addr));
	memcpy(&s->addr, addr, len);
	pthread_mutex_unlock(&lock);
	atomic_store_explicit(&in_use, true, memory_order_release);
	return 0;
}

void dns_peer_forget(int fd)
{
	dev_t dev = 0;
	ino_t ino = 0;

	if (!atomic_load_explicit(&in_use, memory_order_acquire) || identity(fd, &dev, &ino) < 0)
		return;
	pthread_mutex_lock(&lock);
	struct slot *s = find(dev, ino);
	if (s)
		s->len = 0;
	pthread_mutex_unlock(&lock);
}

bool dns_peer_get(int fd, struct sockaddr_storage *addr, socklen_t *len)
{
	dev_t dev = 0;
	ino_t ino = 0;
	bool found = false;

	if (!atomic_load_explicit(&in_use, memory_order_acquire) || identity(fd, &dev, &ino) < 0)
		return false;
	pthread_mutex_lock(&lock);
	struct slot *s = find(dev, ino);
	if (s) {
		s->used = ++clock_ticks;
		*addr = s->addr;
		*len = s->len;
		found = true;
	}
	pthread_mutex_unlock(&lock);
	return found;
}
