// SPDX-License-Identifier: MIT
/*
 * The table is open-addressed: an address hashes to a home slot and may use
 * the DNS_CACHE_WINDOW slots from there (several names can share one address,
 * as on CDNs, and one name has several addresses). Slot fields are read and
 * written with relaxed atomics between the lock word's acquire/release
 * (the seqlock pattern of Boehm, "Can seqlocks get along with programming
 * language memory models?"), so a torn read is detected, never used.
 */
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dns_cache.h"
#include "syscall_ops.h"
#include "large_bss.h"

#define DNS_CACHE_SLOTS	 512
#define DNS_CACHE_WINDOW 16
#define NAME_WORDS	 (DNS_CACHE_NAME_MAX / sizeof(uint64_t))
/* A writer holds a slot for a few hundred ns: a few rescans always find one. */
#define INSERT_ATTEMPTS 8
/* A reader that keeps losing the race to writers treats the slot as absent. */
#define READ_ATTEMPTS 4

struct dns_slot {
	/* Owner pid in the high half, a sequence in the low half; odd: being written. */
	_Atomic uint64_t lock;
	uint64_t expires_ns; /* 0: never used */
	uint64_t key[3];     /* family, then the address (IPv4 in the first 4 bytes) */
	uint64_t name_len;
	uint64_t name[NAME_WORDS];
};

static struct dns_slot table[DNS_CACHE_SLOTS] LARGE_BSS;
static atomic_uint_least64_t evictions;

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/*
 * This process's pid, the owner written into a slot's lock word: asked of the
 * kernel once, and again in a fork child. A child made without fork(3) (raw
 * clone, vfork) keeps its parent's: a slot the parent was writing at that
 * moment then looks like its own write in progress and is passed by.
 */
static _Atomic uint32_t owner_pid;
static pthread_once_t owner_once = PTHREAD_ONCE_INIT;

static void owner_forget(void)
{
	atomic_store_explicit(&owner_pid, 0, memory_order_relaxed);
}

static void owner_register(void)
{
	pthread_atfork(NULL, NULL, owner_forget);
}

static uint32_t owner_me(void)
{
	uint32_t me = atomic_load_explicit(&owner_pid, memory_order_relaxed);

	if (!me) {
		pthread_once(&owner_once, owner_register);
		me = (uint32_t)shim_syscall(SYS_getpid);
		atomic_store_explicit(&owner_pid, me, memory_order_relaxed);
	}
	return me;
}

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static int make_key(int family, const void *addr, uint64_t key[3])
{
	uint8_t bytes[16] = {0};

	if (!addr)
		return -EINVAL;
	if (family == AF_INET) {
		memcpy(bytes, addr, 4);
	} else if (family == AF_INET6) {
		memcpy(bytes, addr, 16);
		/* ::ffff:a.b.c.d is the IPv4 address, as the policy judges it. */
		if (memcmp(bytes, v4_mapped, sizeof(v4_mapped)) == 0) {
			memmove(bytes, bytes + 12, 4);
			memset(bytes + 4, 0, 12);
			family = AF_INET;
		}
	} else {
		return -EAFNOSUPPORT;
	}
	key[0] = (uint64_t)family;
	memcpy(&key[1], bytes, 16);
	return 0;
}

static size_t home_slot(const uint64_t key[3])
{
	/* splitmix64 finaliser over the three words: addresses differ in few bits. */
	uint64_t h = key[0] * 0x9e3779b97f4a7c15ull ^ key[1];
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull ^ key[2];
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (size_t)(h % DNS_CACHE_SLOTS);
}

static struct dns_slot *slot_at(size_t home, unsigned i)
{
	return &table[(home + i) % DNS_CACHE_SLOTS];
}

static bool write_in_progress(uint64_t word)
{
	return (word & 1u) != 0;
}

/*
 * Takes the slot for writing. A slot marked as being written by another
 * process was being written by a thread of the parent when it forked: that
 * thread does not exist here, so the slot is taken over.
 */
static bool slot_lock(struct dns_slot *s, uint32_t me, uint64_t *ret_word)
{
	uint64_t word = atomic_load_explicit(&s->lock, memory_order_relaxed);
	uint32_t seq = (uint32_t)word;
	uint32_t owner = (uint32_t)(word >> 32);
	uint64_t next;

	if (!write_in_progress(word))
		next = (uint64_t)me << 32 | (uint32_t)(seq + 1);
	else if (owner != me)
		next = (uint64_t)me << 32 | (uint32_t)(seq + 2);
	else
		return false;
	if (!atomic_compare_exchange_strong_explicit(&s->lock, &word, next, memory_order_acquire,
						     memory_order_relaxed))
		return false;
	/* Readers must see the odd sequence before any of the new data. */
	atomic_thread_fence(memory_order_release);
	*ret_word = next;
	return true;
}

static void slot_unlock(struct dns_slot *s, uint64_t word)
{
	/* Owner cleared, sequence even again. */
	atomic_store_explicit(&s->lock, (uint32_t)(word + 1), memory_order_release);
}

static bool same_key(const struct dns_slot *s, const uint64_t key[3])
{
	return load(&s->key[0]) == key[0] && load(&s->key[1]) == key[1] &&
	       load(&s->key[2]) == key[2];
}

static bool same_name(const struct dns_slot *s, const uint64_t *name, size_t len)
{
	if (load(&s->name_len) != len)
		return false;
	for (size_t w = 0; w < NAME_WORDS; w++)
		if (load(&s->name[w]) != name[w])
			return false;
	return true;
}

struct candidate {
	int same;   /* slot holding this very pair */
	int unused; /* empty or expired */
	int oldest; /* live, closest to expiry */
};

/* Chooses where to write; slots being written are not candidates. */
static struct candidate scan_window(size_t home, const uint64_t key[3], const uint64_t *name,
				    size_t len, uint64_t now_ns)
{
	struct candidate c = {-1, -1, -1};
	uint64_t oldest_expiry = UINT64_MAX;

	for (unsigned i = 0; i < DNS_CACHE_WINDOW; i++) {
		struct dns_slot *s = slot_at(home, i);
		uint64_t w1 = atomic_load_explicit(&s->lock, memory_order_acquire);
		if (write_in_progress(w1))
			continue;
		uint64_t expires = load(&s->expires_ns);
		bool same = expires && same_key(s, key) && same_name(s, name, len);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->lock, memory_order_relaxed) != w1)
			continue;
		if (same && c.same < 0)
			c.same = (int)i;
		if (expires <= now_ns) {
			if (c.unused < 0)
				c.unused = (int)i;
		} else if (expires < oldest_expiry) {
			oldest_expiry = expires;
			c.oldest = (int)i;
		}
	}
	return c;
}

int dns_cache_insert(int family, const void *addr, const char *name, size_t len, uint64_t now_ns)
{
	uint64_t key[3], words[NAME_WORDS] = {0};
	char *text = (char *)words;
	uint32_t me;
	int r;

	if (!name)
		return -EINVAL;
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len >= DNS_CACHE_NAME_MAX)
		return -EINVAL;
	r = make_key(family, addr, key);
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		text[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}

	size_t home = home_slot(key);
	me = owner_me();
	for (unsigned attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
		struct candidate c = scan_window(home, key, words, len, now_ns);
		int pick = c.same >= 0 ? c.same : c.unused >= 0 ? c.unused : c.oldest;
		uint64_t word;
		if (pick < 0)
			continue;
		struct dns_slot *s = slot_at(home, (unsigned)pick);
		if (!slot_lock(s, me, &word))
			continue;
		/* A live binding of another name or address given up: counted before it goes. */
		if (c.same < 0 && c.unused < 0)
			atomic_fetch_add(&evictions, 1);
		for (size_t i = 0; i < 3; i++)
			store(&s->key[i], key[i]);
		for (size_t w = 0; w < NAME_WORDS; w++)
			store(&s->name[w], words[w]);
		store(&s->name_len, len);
		store(&s->expires_ns, now_ns + DNS_CACHE_TTL_NS);
		slot_unlock(s, word);
		return 0;
	}
	return -EBUSY;
}

/* Copies slot s if it binds key and is live; false if not (or torn every time). */
static bool read_slot(const struct dns_slot *s, const uint64_t key[3], uint64_t now_ns,
		      uint64_t *words, size_t *ret_len, uint64_t *ret_expires)
{
	for (unsigned attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
		uint64_t w1 = atomic_load_explicit(&s->lock, memory_order_acquire);
		if (write_in_progress(w1))
			return false; /* maybe our own thread, interrupted by a signal: never wait */
		uint64_t expires = load(&s->expires_ns);
		bool match = expires > now_ns && same_key(s, key);
		uint64_t len = match ? load(&s->name_len) : 0;
		if (match)
			for (size_t w = 0; w < NAME_WORDS; w++)
				words[w] = load(&s->name[w]);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->lock, memory_order_relaxed) != w1)
			continue;
		if (!match || len == 0 || len >= DNS_CACHE_NAME_MAX)
			return false;
		*ret_len = (size_t)len;
		*ret_expires = expires;
		return true;
	}
	return false;
}

int dns_cache_next(int family, const void *addr, uint64_t now_ns, unsigned *cursor, char *buf,
		   size_t size, size_t *ret_len, uint64_t *ret_expires)
{
	uint64_t key[3], words[NAME_WORDS], expires;
	size_t len;
	int r;

	if (!cursor || !buf || !ret_len)
		return -EINVAL;
	if (size < DNS_CACHE_NAME_MAX)
		return -ENOBUFS;
	r = make_key(family, addr, key);
	if (r < 0)
		return r;
	size_t home = home_slot(key);
	for (unsigned i = *cursor; i < DNS_CACHE_WINDOW; i++) {
		if (!read_slot(slot_at(home, i), key, now_ns, words, &len, &expires))
			continue;
		memcpy(buf, words, len);
		buf[len] = '\0';
		*cursor = i + 1;
		*ret_len = len;
		if (ret_expires)
			*ret_expires = expires;
		return 0;
	}
	*cursor = DNS_CACHE_WINDOW;
	return -ENOENT;
}

uint64_t dns_cache_evictions(void)
{
	return atomic_load(&evictions);
}

void dns_cache_clear(void)
{
	atomic_fetch_add(&evictions, 1);
	for (size_t i = 0; i < DNS_CACHE_SLOTS; i++) {
		struct dns_slot *s = &table[i];
		store(&s->expires_ns, 0);
		store(&s->name_len, 0);
		atomic_store(&s->lock, 0);
	}
}
