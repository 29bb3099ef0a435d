// SPDX-License-Identifier: MIT
/*
 * files: the secret opened by an io_uring IORING_OP_OPENAT request, which the
 * kernel performs without a system call of the program's (the ring is set up
 * with inline system calls).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "case.h"

int main(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	long ring = case_raw6(SYS_io_uring_setup, 4, (long)&p, 0, 0, 0, 0);
	case_report("io_uring_setup", ring);
	if (ring < 0)
		return 0;
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)ring,
			IORING_OFF_SQ_RING);
	char *cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)ring,
			IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes =
		mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_POPULATE, (int)ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return 1;
	struct io_uring_sqe *sqe = &sqes[0];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_OPENAT;
	sqe->fd = AT_FDCWD;
	sqe->addr = (unsigned long)case_env("SEC_SECRET");
	sqe->open_flags = O_RDONLY;
	unsigned *tail = (unsigned *)(sq + p.sq_off.tail);
	unsigned *mask = (unsigned *)(sq + p.sq_off.ring_mask);
	unsigned *array = (unsigned *)(sq + p.sq_off.array);
	array[*tail & *mask] = 0;
	atomic_store_explicit((_Atomic unsigned *)tail, *tail + 1, memory_order_release);
	long r = case_raw6(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, 0, 0);
	case_report("io_uring_enter", r);
	unsigned *chead = (unsigned *)(cq + p.cq_off.head);
	unsigned *ctail = (unsigned *)(cq + p.cq_off.tail);
	unsigned *cmask = (unsigned *)(cq + p.cq_off.ring_mask);
	if (atomic_load_explicit((_Atomic unsigned *)ctail, memory_order_acquire) == *chead)
		return 0;
	struct io_uring_cqe *cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) + (*chead & *cmask);
	int fd = cqe->res;
	if (fd < 0)
		errno = -fd;
	case_report("IORING_OP_OPENAT", fd);
	if (fd >= 0)
		case_leak_fd(fd, "io-uring");
	return 0;
}
