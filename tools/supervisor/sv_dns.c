// SPDX-License-Identifier: MIT
/*
 * Host rules for programs that resolve names themselves.
 *
 * The shim binds a name to the addresses getaddrinfo returned for it, so
 * a later connect to those addresses is judged by the name. A static
 * program resolves on its own (Go's pure resolver speaks DNS over UDP,
 * reads /etc/hosts itself), and the supervisor only ever sees the
 * address. So it confirms forward, itself: the literal host names of the
 * profile's rules ("host": "api.example.com", no wildcard) are resolved by
 * the supervisor, and an outbound call to an address is allowed by a host
 * rule when the address is among its name's current addresses and the
 * rule allows the port and protocol (policy_check_host, exactly as the
 * shim judges a name).
 *
 * Lazily: nothing is resolved until an outbound call goes to an address
 * that no cidr rule and no cached address allows. Then the names whose
 * rules would allow that port and protocol are resolved again, each at
 * most once every SV_DNS_RETRY_NS (a flood of denied connects is not a
 * flood of queries), and every address a resolution returned vouches for
 * its name for SV_DNS_TTL_NS after it was last returned (names whose
 * answers rotate gather their addresses).
 *
 * The resolver is libc's own getaddrinfo, looked up in libc itself: a
 * preload library in the supervisor (`fnguard exec` run under the shim)
 * never judges or records these lookups. The supervisor is not under the
 * program's filter. A wildcard pattern ("*.amazonaws.com") names no
 * address that could be looked up: it cannot match here, and the denied
 * event says so.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sv.h"

/* Addresses kept per name (the least recently returned goes first). */
#define ADDRS_MAX 32
/* Literal names looked at; more are left out (a profile rarely has a dozen). */
#define NAMES_MAX 64

struct dns_addr {
	int family;
	uint8_t addr[16];
	uint64_t expires;
};

struct dns_name {
	char name[SV_DNS_NAME_MAX];
	size_t len;
	struct dns_addr addrs[ADDRS_MAX];
	size_t n;
	uint64_t tried; /* when it was last resolved; 0: never */
};

static struct dns_name *names;
static size_t n_names;
static char note[512];
static bool have_note;
/* cache_lock guards names[]; resolve_lock lets one worker at a time resolve. */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t resolve_lock = PTHREAD_MUTEX_INITIALIZER;

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
			      struct addrinfo **);
typedef void (*freeaddrinfo_fn)(struct addrinfo *);
static getaddrinfo_fn libc_getaddrinfo;
static freeaddrinfo_fn libc_freeaddrinfo;

static void find_resolver(void)
{
	void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (libc) {
		libc_getaddrinfo = (getaddrinfo_fn)dlsym(libc, "getaddrinfo");
		libc_freeaddrinfo = (freeaddrinfo_fn)dlsym(libc, "freeaddrinfo");
		dlclose(libc);
	}
	if (!libc_getaddrinfo || !libc_freeaddrinfo) {
		libc_getaddrinfo = getaddrinfo;
		libc_freeaddrinfo = freeaddrinfo;
	}
}

/* A DNS name as written (letters, digits, '-', '_', '.'), not an address literal. */
static bool literal_name(const char *s, size_t len)
{
	unsigned char buf[sizeof(struct in6_addr)];
	if (len == 0 || len >= SV_DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1;
}

static bool known(const char *s, size_t len)
{
	for (size_t i = 0; i < n_names; i++)
		if (names[i].len == len && strncasecmp(names[i].name, s, len) == 0)
			return true;
	return false;
}

/*
 * The host text of network rule i, from its description ("host NAME[ ports
 * ...]"): the policy API's one view of a rule as written.
 */
static bool host_text(const struct policy *policy, int32_t i, char *buf, size_t size)
{
	char desc[1024];
	int n = policy_describe_rule(policy, POLICY_CAT_NETWORK, i, desc, sizeof(desc));
	if (n <= 5 || (size_t)n >= sizeof(desc) || strncmp(desc, "host ", 5) != 0)
		return false;
	size_t len = strcspn(desc + 5, " ");
	if (len == 0 || len >= size)
		return false;
	memcpy(buf, desc + 5, len);
	buf[len] = '\0';
	return true;
}

int sv_dns_init(const struct policy *policy)
{
	char text[SV_DNS_NAME_MAX], wildcard[SV_DNS_NAME_MAX] = "";
	size_t rules = policy ? policy_rule_count(policy, POLICY_CAT_NETWORK) : 0;
	bool any_host = false;

	find_resolver();
	/* At most one entry per rule: a profile without host rules touches no page of it. */
	size_t cap = rules < NAMES_MAX ? rules : NAMES_MAX;
	if (cap) {
		names = calloc(cap, sizeof(*names));
		if (!names)
			return -ENOMEM;
	}
	for (size_t i = 0; i < rules; i++) {
		if (!host_text(policy, (int32_t)i, text, sizeof(text)))
			continue;
		size_t len = strlen(text);
		/* A trailing dot names the same host. */
		if (len > 1 && text[len - 1] == '.')
			text[--len] = '\0';
		if (strpbrk(text, "*?[")) {
			any_host = true;
			if (!wildcard[0])
				snprintf(wildcard, sizeof(wildcard), "%s", text);
			continue;
		}
		if (!literal_name(text, len))
			continue; /* an address written as a host: a cidr rule already */
		any_host = true;
		if (known(text, len) || n_names == cap)
			continue;
		memcpy(names[n_names].name, text, len + 1);
		names[n_names].len = len;
		n_names++;
	}
	if (wildcard[0])
		snprintf(note, sizeof(note),
			 "fnguard exec sees addresses, not names: host patterns (%s) cannot match "
			 "an address here, only cidr rules and the literal host names the "
			 "supervisor resolves itself",
			 wildcard);
	else if (any_host)
		snprintf(note, sizeof(note),
			 "not among the addresses the supervisor resolved for the profile's host "
			 "names");
	have_note = any_host;
	return 0;
}

const char *sv_dns_note(void)
{
	return have_note ? note : NULL;
}

static bool same_addr(const struct dns_addr *a, int family, const uint8_t addr[16])
{
	return a->family == family && memcmp(a->addr, addr, family == AF_INET ? 4 : 16) == 0;
}

/* Under cache_lock: remembers addr for e until now + TTL. */
static void keep_addr(struct dns_name *e, int family, const uint8_t *addr, uint64_t now)
{
	struct dns_addr *slot = NULL;
	for (size_t i = 0; i < e->n; i++)
		if (same_addr(&e->addrs[i], family, addr))
			slot = &e->addrs[i];
	if (!slot && e->n < ADDRS_MAX)
		slot = &e->addrs[e->n++];
	if (!slot) {
		slot = &e->addrs[0];
		for (size_t i = 1; i < e->n; i++)
			if (e->addrs[i].expires < slot->expires)
				slot = &e->addrs[i];
	}
	slot->family = family;
	memset(slot->addr, 0, sizeof(slot->addr));
	memcpy(slot->addr, addr, family == AF_INET ? 4 : 16);
	slot->expires = now + SV_DNS_TTL_NS;
}

/* Resolves e (the caller holds resolve_lock, not cache_lock). */
static void resolve(struct dns_name *e)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int r = libc_getaddrinfo(e->name, NULL, &hints, &res);
	uint64_t now = sv_now_mono();

	pthread_mutex_lock(&cache_lock);
	e->tried = now;
	for (struct addrinfo *ai = r == 0 ? res : NULL; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(struct sockaddr_in)) {
			const struct sockaddr_in *sin = (const struct sockaddr_in *)ai->ai_addr;
			keep_addr(e, AF_INET, (const uint8_t *)&sin->sin_addr, now);
		} else if (ai->ai_family == AF_INET6 &&
			   ai->ai_addrlen >= sizeof(struct sockaddr_in6)) {
			const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ai->ai_addr;
			const uint8_t *a = (const uint8_t *)&sin6->sin6_addr;
			static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
							   0, 0, 0, 0, 0xff, 0xff};
			if (memcmp(a, mapped, sizeof(mapped)) == 0)
				keep_addr(e, AF_INET, a + 12, now);
			else
				keep_addr(e, AF_INET6, a, now);
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (res)
		libc_freeaddrinfo(res);
}

/* The outbound verdict of a host rule for name. */
static bool host_allows(const struct dns_name *e, int port, enum net_proto proto,
			struct policy_verdict *ret)
{
	return policy_check_host(sv.policy, e->name, e->len, port, proto, NET_DIR_OUT, ret) == 0 &&
	       ret->allowed;
}

/*
 * Under cache_lock: the names addr is a current address of. A name whose
 * rule allows the call wins (*v upgraded); the first one found otherwise.
 */
static bool lookup(int family, const uint8_t addr[16], int port, enum net_proto proto, uint64_t now,
		   struct policy_verdict *v, char name[SV_DNS_NAME_MAX])
{
	bool found = false;
	for (size_t i = 0; i < n_names && !v->allowed; i++) {
		struct dns_name *e = &names[i];
		for (size_t k = 0; k < e->n; k++) {
			if (e->addrs[k].expires <= now || !same_addr(&e->addrs[k], family, addr))
				continue;
			struct policy_verdict hv;
			if (host_allows(e, port, proto, &hv)) {
				*v = hv;
				memcpy(name, e->name, e->len + 1);
				return true;
			}
			if (!found)
				memcpy(name, e->name, e->len + 1);
			found = true;
			break;
		}
	}
	return found;
}

bool sv_dns_confirm(int family, const uint8_t addr[16], int port, enum net_proto proto,
		    struct policy_verdict *v, char name[SV_DNS_NAME_MAX])
{
	uint64_t now = sv_now_mono();
	bool due = false;

	if (!sv.policy || n_names == 0)
		return false;
	pthread_mutex_lock(&cache_lock);
	bool found = lookup(family, addr, port, proto, now, v, name);
	for (size_t i = 0; i < n_names && !v->allowed && !due; i++) {
		struct policy_verdict hv;
		due = (!names[i].tried || now - names[i].tried >= SV_DNS_RETRY_NS) &&
		      host_allows(&names[i], port, proto, &hv);
	}
	pthread_mutex_unlock(&cache_lock);
	if (v->allowed || !due)
		return found;

	/* The resolver may wait for seconds (timeouts): the next calls go to another worker. */
	sv_handoff();
	pthread_mutex_lock(&resolve_lock);
	for (size_t i = 0; i < n_names; i++) {
		struct policy_verdict hv;
		pthread_mutex_lock(&cache_lock);
		/* Another worker may have resolved it while this one waited for the lock. */
		now = sv_now_mono();
		bool stale = !names[i].tried || now - names[i].tried >= SV_DNS_RETRY_NS;
		bool useful = host_allows(&names[i], port, proto, &hv);
		pthread_mutex_unlock(&cache_lock);
		if (stale && useful)
			resolve(&names[i]);
	}
	pthread_mutex_unlock(&resolve_lock);
	pthread_mutex_lock(&cache_lock);
	found = lookup(family, addr, port, proto, sv_now_mono(), v, name) || found;
	pthread_mutex_unlock(&cache_lock);
	return found;
}
