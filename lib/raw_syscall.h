/* SPDX-License-Identifier: MIT */
/*
 * raw_syscall — a system call made with the instruction itself, not through
 * libc's syscall(3) (which the shim wraps and judges). The shim uses it
 * before libc's syscall() is resolved; the integration tests' helpers use it
 * to act behind the shim's back (set up a listener it must not see) and to
 * test what only the seccomp layer can stop. Returns like syscall(3);
 * raw_syscall_nr() returns the kernel's -errno and leaves errno alone (for
 * a child that shares its parent's memory, errno included).
 */
#pragma once

#include <errno.h>

/* The kernel's own answer (-errno on failure); errno is left alone. */
static inline long raw_syscall6_nr(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	ret = x0;
#else
#error "raw_syscall.h: add this architecture"
#endif
	return ret;
}

static inline long raw_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret = raw_syscall6_nr(nr, a, b, c, d, e, f);
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

#define RAW_SYSCALL_ARGS(nr, a, b, c, d, e, f, ...) \
	raw_syscall6((long)(nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))
#define raw_syscall(...) RAW_SYSCALL_ARGS(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)
#define RAW_SYSCALL_NR_ARGS(nr, a, b, c, d, e, f, ...)                                     \
	raw_syscall6_nr((long)(nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), \
			(long)(f))
#define raw_syscall_nr(...) RAW_SYSCALL_NR_ARGS(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)
