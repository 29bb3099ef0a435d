// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fnguard trace, kernel side: the file, exec and network system calls of
 * one process tree, sent to user space through a ring buffer.
 *
 * One program on raw_syscalls:sys_enter notes the arguments of the calls
 * that matter; which ones those are, and how their arguments are laid out,
 * user space writes into syscall_kinds by number, so this file holds no
 * architecture's syscall table. The event is made at sys_exit: by then the
 * kernel has read the path itself, so its page is present (at entry, a
 * string in a page a fork child has not touched yet cannot be read here).
 * A relative path comes with the directory it starts from, walked through
 * the dentries (the process may be gone before user space could ask /proc).
 * Execs are taken from sched_process_exec: only the ones that happened,
 * with the arguments the new program got. The traced tree grows with
 * sched_process_fork and shrinks with sched_process_exit.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define AT_FDCWD -100
#define S_IFMT	 00170000
#define S_IFSOCK 0140000
#define AF_INET	 2
#define AF_INET6 10
#define O_WRONLY 01
#define O_CREAT	 0100
#define O_TRUNC	 01000

/* libbpf has no sixth syscall argument yet. */
#if defined(__TARGET_ARCH_x86)
#define SYSCALL_PARM6(regs) BPF_CORE_READ(regs, r9)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_PARM6(regs)                                                    \
	({                                                                     \
		u64 v = 0;                                                     \
		bpf_probe_read_kernel(&v, sizeof(v), &((const u64 *)regs)[5]); \
		v;                                                             \
	})
#else
#error "fnguard trace: unsupported architecture"
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u32);
	__type(value, u8);
} traced SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRACE_SYSCALLS_MAX);
	__type(key, u32);
	__type(value, u32);
} syscall_kinds SEC(".maps");

/* A call between its entry and its exit, per thread. */
struct pending {
	u32 kind;
	u32 pad;
	u64 args[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, u32);
	__type(value, struct pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20);
} events SEC(".maps");

/* Events the ring buffer had no room for. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
	u32 zero = 0;
	u64 *n = bpf_map_lookup_elem(&lost, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline bool is_traced(u32 tgid)
{
	return bpf_map_lookup_elem(&traced, &tgid) != NULL;
}

static __always_inline void fill_hdr(struct fgt_hdr *h, u32 type, u32 op)
{
	u64 id = bpf_get_current_pid_tgid();
	h->type = type;
	h->op = op;
	h->pid = id >> 32;
	h->tid = (u32)id;
}

/*
 * Names d and its parents up to the root, crossing mount points: slot i
 * holds the i-th name upwards, or "" where the walk stepped from a mount's
 * root to where it is mounted. Written by slot, not by a running count,
 * so that the verifier's states for every path through the loop merge.
 */
static __always_inline void walk(struct dentry *d, struct vfsmount *vmnt, struct fgt_dir *out)
{
	struct mount *mnt = container_of(vmnt, struct mount, mnt);

	out->depth = 0;
	out->complete = 0;
	for (int i = 0; i < TRACE_DIR_DEPTH; i++) {
		struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (d == root || d == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt || !up) {
				out->complete = 1;
				out->depth = i;
				break;
			}
			out->names[i][0] = '\0';
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		if (bpf_probe_read_kernel_str(out->names[i], TRACE_NAME_MAX, name) < 0)
			out->names[i][0] = '\0';
		d = parent;
	}
}

static __always_inline void walk_path(const struct path *p, struct fgt_dir *out)
{
	struct dentry *d = BPF_CORE_READ(p, dentry);
	struct vfsmount *m = BPF_CORE_READ(p, mnt);
	walk(d, m, out);
}

/* The struct file behind fd of the current process. */
static __always_inline struct file *file_of(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	struct file *f = NULL;
	if (fd < 0 || (unsigned int)fd >= max)
		return NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0)
		return NULL;
	return f;
}

/* Global, so the verifier checks it once rather than at every call. */
__noinline int path_event(u32 op, int dirfd, u64 path_ptr, u32 flags, long ret)
{
	const char *path = (const char *)path_ptr;
	struct fgt_path_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_hdr(&e->hdr, TRACE_PATH, op);
	e->dirfd = dirfd;
	e->flags = flags;
	e->ret = ret;
	e->base.depth = 0;
	e->base.complete = 0;
	e->len = path ? bpf_probe_read_user_str(e->path, sizeof(e->path), path) : -1;
	if (e->len < 0)
		e->path[0] = '\0';
	/* A relative path, or a directory given by fd: name the directory now. */
	if (e->len < 0 || e->path[0] != '/') {
		if (dirfd == AT_FDCWD) {
			struct task_struct *task = bpf_get_current_task_btf();
			struct fs_struct *fs = BPF_CORE_READ(task, fs);
			walk_path(&fs->pwd, &e->base);
		} else {
			struct file *f = file_of(dirfd);
			if (f)
				walk_path(&f->f_path, &e->base);
		}
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The struct socket behind fd, if fd is a socket. */
static __always_inline struct socket *socket_of(int fd)
{
	struct file *f = file_of(fd);
	if (!f)
		return NULL;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

static __always_inline int net_event(u32 op, int fd, const void *addr, int len)
{
	struct socket *sock = socket_of(fd);
	struct fgt_net_event *e;
	if (!addr || len <= 0)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_hdr(&e->hdr, TRACE_NET, op);
	e->fd = fd;
	e->sock_type = sock ? BPF_CORE_READ(sock, type) : 0;
	u32 n = (u32)len;
	if (n > TRACE_ADDR_READ)
		n = TRACE_ADDR_READ;
	/* The mask changes nothing (n <= 112); the barrier keeps the compiler from dropping it. */
	barrier_var(n);
	n &= TRACE_ADDR_MAX - 1;
	e->addr_len = (int)n;
	if (bpf_probe_read_user(e->addr, n, addr) < 0)
		e->addr_len = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* listen(2): the socket's own address, as the kernel holds it. */
static __always_inline int listen_event(int fd)
{
	struct socket *sock = socket_of(fd);
	struct fgt_net_event *e;
	if (!sock)
		return 0;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	u16 port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_hdr(&e->hdr, TRACE_NET, TRACE_NET_LISTEN);
	e->fd = fd;
	e->sock_type = BPF_CORE_READ(sock, type);
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	/* A struct sockaddr_in / sockaddr_in6, port in network order. */
	e->addr[0] = family & 0xff;
	e->addr[1] = family >> 8;
	e->addr[2] = port >> 8;
	e->addr[3] = port & 0xff;
	if (family == AF_INET) {
		u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(&e->addr[4], &a, 4);
		e->addr_len = 16;
	} else {
		struct in6_addr a = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		__builtin_memcpy(&e->addr[8], &a, 16);
		e->addr_len = 28;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline int sendmsg_event(int fd, const struct user_msghdr *msg)
{
	struct user_msghdr m;
	if (!msg || bpf_probe_read_user(&m, sizeof(m), msg) < 0)
		return 0;
	return net_event(TRACE_NET_SEND, fd, m.msg_name, m.msg_namelen);
}

static __always_inline u32 openat2_flags(const void *how)
{
	u64 flags = 0;
	if (how)
		bpf_probe_read_user(&flags, sizeof(flags), how);
	return (u32)flags;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	u32 tid = (u32)bpf_get_current_pid_tgid();
	u32 nr = (u32)id;
	if (!is_traced(tgid) || nr >= TRACE_SYSCALLS_MAX)
		return 0;
	u32 *kind = bpf_map_lookup_elem(&syscall_kinds, &nr);
	if (!kind || !*kind)
		return 0;
	struct pending p = {.kind = *kind};
	p.args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	p.args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	p.args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	p.args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	p.args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	p.args[5] = SYSCALL_PARM6(regs);
	if (bpf_map_update_elem(&pending, &tid, &p, BPF_ANY) < 0)
		count_lost(); /* the call's event cannot be made */
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	u32 tid = (u32)bpf_get_current_pid_tgid();
	struct pending *pp = bpf_map_lookup_elem(&pending, &tid);
	if (!pp)
		return 0;
	struct pending p = *pp;
	bpf_map_delete_elem(&pending, &tid);
	u64 *a = p.args;
	/* Up to two paths per call (rename, link): what each is, and its directory. */
	u32 op1 = 0, op2 = 0, flags = 0;
	int fd1 = AT_FDCWD, fd2 = AT_FDCWD;
	u64 p1 = 0, p2 = 0;

	switch (p.kind) {
	case K_OPEN:
		op1 = TRACE_OP_OPEN, p1 = a[0], flags = (u32)a[1];
		break;
	case K_OPENAT:
		op1 = TRACE_OP_OPEN, fd1 = (int)a[0], p1 = a[1], flags = (u32)a[2];
		break;
	case K_OPENAT2:
		op1 = TRACE_OP_OPEN, fd1 = (int)a[0], p1 = a[1];
		flags = openat2_flags((const void *)a[2]);
		break;
	case K_CREAT:
		op1 = TRACE_OP_OPEN, p1 = a[0], flags = O_WRONLY | O_CREAT | O_TRUNC;
		break;
	case K_READ:
		op1 = TRACE_OP_READ, p1 = a[0];
		break;
	case K_AT_READ:
		op1 = TRACE_OP_READ, fd1 = (int)a[0], p1 = a[1];
		break;
	case K_WRITE:
		op1 = TRACE_OP_WRITE, p1 = a[0];
		break;
	case K_AT_WRITE:
		op1 = TRACE_OP_WRITE, fd1 = (int)a[0], p1 = a[1];
		break;
	case K_CREATE:
		op1 = TRACE_OP_CREATE, p1 = a[0];
		break;
	case K_AT_CREATE:
		op1 = TRACE_OP_CREATE, fd1 = (int)a[0], p1 = a[1];
		break;
	case K_DELETE:
		op1 = TRACE_OP_DELETE, p1 = a[0];
		break;
	case K_AT_DELETE:
		op1 = TRACE_OP_DELETE, fd1 = (int)a[0], p1 = a[1];
		break;
	case K_RENAME:
		op1 = TRACE_OP_DELETE, p1 = a[0], op2 = TRACE_OP_CREATE, p2 = a[1];
		break;
	case K_RENAMEAT:
		op1 = TRACE_OP_DELETE, fd1 = (int)a[0], p1 = a[1];
		op2 = TRACE_OP_CREATE, fd2 = (int)a[2], p2 = a[3];
		break;
	case K_LINK:
		op1 = TRACE_OP_LINK_FROM, p1 = a[0], op2 = TRACE_OP_CREATE, p2 = a[1];
		break;
	case K_LINKAT:
		op1 = TRACE_OP_LINK_FROM, fd1 = (int)a[0], p1 = a[1];
		op2 = TRACE_OP_CREATE, fd2 = (int)a[2], p2 = a[3];
		break;
	case K_SYMLINK:
		op1 = TRACE_OP_CREATE, p1 = a[1];
		break;
	case K_SYMLINKAT:
		op1 = TRACE_OP_CREATE, fd1 = (int)a[1], p1 = a[2];
		break;
	case K_CHDIR:
		op1 = TRACE_OP_CHDIR, p1 = a[0];
		break;
	case K_FCHDIR:
		op1 = TRACE_OP_FCHDIR, fd1 = (int)a[0];
		break;
	case K_CONNECT:
		return net_event(TRACE_NET_CONNECT, (int)a[0], (const void *)a[1], (int)a[2]);
	case K_BIND:
		return net_event(TRACE_NET_BIND, (int)a[0], (const void *)a[1], (int)a[2]);
	case K_SENDTO:
		return net_event(TRACE_NET_SEND, (int)a[0], (const void *)a[4], (int)a[5]);
	case K_SENDMSG:
		return sendmsg_event((int)a[0], (const struct user_msghdr *)a[1]);
	case K_LISTEN:
		return listen_event((int)a[0]);
	}
	if (op1)
		path_event(op1, fd1, p1, flags, ret);
	if (op2)
		path_event(op2, fd2, p2, 0, ret);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(process_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 tgid = BPF_CORE_READ(task, tgid);
	if (!is_traced(tgid))
		return 0;
	struct fgt_exec_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	fill_hdr(&e->hdr, TRACE_EXEC, 0);
	const char *filename = BPF_CORE_READ(bprm, filename);
	const char *interp = BPF_CORE_READ(bprm, interp);
	if (bpf_probe_read_kernel_str(e->path, sizeof(e->path), filename) < 0)
		e->path[0] = '\0';
	e->script = interp != filename;
	if (!e->script || bpf_probe_read_kernel_str(e->interp, sizeof(e->interp), interp) < 0)
		e->interp[0] = '\0';
	struct file *f = BPF_CORE_READ(bprm, file);
	walk_path(&f->f_path, &e->file);
	/* The new program's argv: the kernel has just written it to its stack. */
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	unsigned long len = end > start ? end - start : 0;
	e->args_cut = len > TRACE_ARGS_BYTES;
	if (len > TRACE_ARGS_BYTES)
		len = TRACE_ARGS_BYTES;
	barrier_var(len);
	len &= TRACE_ARGS_BYTES * 2 - 1;
	if (len > TRACE_ARGS_BYTES)
		len = TRACE_ARGS_BYTES;
	e->args_len = bpf_probe_read_user(e->args, len, (const void *)start) < 0 ? 0 : (int)len;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(process_fork, struct task_struct *parent, struct task_struct *child)
{
	u32 ptgid = BPF_CORE_READ(parent, tgid);
	u32 cpid = BPF_CORE_READ(child, pid), ctgid = BPF_CORE_READ(child, tgid);
	u8 one = 1;
	/* A new thread belongs to a process already traced. */
	if (cpid != ctgid || !is_traced(ptgid))
		return 0;
	if (bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY) < 0)
		count_lost(); /* a whole subtree untraced */
	struct fgt_fork_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->hdr.type = TRACE_FORK;
	e->hdr.op = 0;
	e->hdr.pid = ctgid;
	e->hdr.tid = cpid;
	e->parent = ptgid;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(process_exit, struct task_struct *task)
{
	u32 pid = BPF_CORE_READ(task, pid), tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&pending, &pid);
	/*
	 * The process ends with its last thread, not with its first: main may
	 * pthread_exit, or another thread exec (the old leader dies first).
	 * signal->live was counted down before this tracepoint.
	 */
	if (BPF_CORE_READ(task, signal, live.counter) != 0 || !is_traced(tgid))
		return 0;
	bpf_map_delete_elem(&traced, &tgid);
	struct fgt_hdr *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return 0;
	}
	e->type = TRACE_EXIT;
	e->op = 0;
	e->pid = tgid;
	e->tid = pid;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
