/* SPDX-License-Identifier: MIT */
/*
 * trace — what the eBPF program (trace.bpf.c) sends to `fnguard trace`
 * (trace.c) through the ring buffer. Shared by both sides: fixed-size
 * types only.
 */
#pragma once

#define TRACE_PATH_MAX	 4096
#define TRACE_ARGS_BYTES 8192 /* an exec's arguments, NUL-separated */
#define TRACE_DIR_DEPTH	 32   /* directory levels walked in the kernel */
#define TRACE_NAME_MAX	 128  /* bytes kept of each level's name */
#define TRACE_ADDR_MAX	 128  /* a sockaddr (sockaddr_storage) */
#define TRACE_ADDR_READ	 112  /* the longest that matters: sockaddr_un */

enum fgt_type {
	TRACE_PATH = 1, /* a file system call on a path */
	TRACE_EXEC,	/* a successful exec: program and arguments */
	TRACE_NET,	/* connect, bind, sendto, sendmsg, listen */
	TRACE_FORK,
	TRACE_EXIT,
};

/* What a path event does to its path (user space maps it to rights). */
enum fgt_op {
	TRACE_OP_OPEN = 1,  /* flags: the open flags */
	TRACE_OP_READ,	    /* stat, access, readlink, getxattr: r */
	TRACE_OP_WRITE,	    /* truncate, chmod, chown, utimes: w */
	TRACE_OP_CREATE,    /* mkdir, mknod, symlink/link/rename target: c */
	TRACE_OP_DELETE,    /* unlink, rmdir, rename source: d */
	TRACE_OP_LINK_FROM, /* a hard link's source: rw */
	TRACE_OP_CHDIR,	    /* the process's directory changes */
	TRACE_OP_FCHDIR,    /* ... to the directory open at dirfd */
	TRACE_NET_CONNECT,
	TRACE_NET_BIND,
	TRACE_NET_SEND, /* sendto/sendmsg with an address */
	TRACE_NET_LISTEN,
};

struct fgt_hdr {
	unsigned int type; /* enum fgt_type */
	unsigned int op;   /* enum fgt_op */
	unsigned int pid;  /* the process (tgid) */
	unsigned int tid;
};

/*
 * A directory (or file) as the kernel names it: its own name first, then
 * its parents' ("" where the walk crossed a mount point). complete: the
 * walk reached the root within depth slots.
 */
struct fgt_dir {
	int depth;
	int complete;
	char names[TRACE_DIR_DEPTH][TRACE_NAME_MAX];
};

struct fgt_path_event {
	struct fgt_hdr hdr;
	int dirfd;	    /* AT_FDCWD (-100) or a directory fd */
	unsigned int flags; /* open flags */
	int len;	    /* bytes read, negative when the read failed */
	int pad;
	long long ret; /* what the call returned */
	char path[TRACE_PATH_MAX];
	struct fgt_dir base; /* for a relative path: the directory it starts from */
};

struct fgt_exec_event {
	struct fgt_hdr hdr;
	int args_len; /* bytes in args */
	int args_cut; /* there were more */
	int script;   /* started through an interpreter (#!) */
	int pad;
	char path[TRACE_PATH_MAX];   /* the name execve was given */
	char interp[TRACE_PATH_MAX]; /* the interpreter, for a script */
	struct fgt_dir file;	     /* the file actually run */
	char args[TRACE_ARGS_BYTES]; /* argv as the program got it, NUL-separated */
};

struct fgt_net_event {
	struct fgt_hdr hdr;
	int fd;
	int sock_type; /* SOCK_STREAM, SOCK_DGRAM, ...; 0 unknown */
	int addr_len;
	unsigned char addr[TRACE_ADDR_MAX]; /* a struct sockaddr */
};

struct fgt_fork_event {
	struct fgt_hdr hdr; /* pid: the new process */
	unsigned int parent;
};

/* System call numbers the kernel side looks up (user space fills in the table). */
#define TRACE_SYSCALLS_MAX 1024

/* How a system call's arguments are laid out, as the kernel side reads them. */
enum fgt_kind {
	K_NONE = 0,
	K_OPEN,	     /* path, flags */
	K_OPENAT,    /* dirfd, path, flags */
	K_OPENAT2,   /* dirfd, path, struct open_how * */
	K_CREAT,     /* path */
	K_READ,	     /* path: r */
	K_AT_READ,   /* dirfd, path: r */
	K_WRITE,     /* path: w */
	K_AT_WRITE,  /* dirfd, path: w */
	K_CREATE,    /* path: c */
	K_AT_CREATE, /* dirfd, path: c */
	K_DELETE,    /* path: d */
	K_AT_DELETE, /* dirfd, path: d */
	K_RENAME,    /* old, new */
	K_RENAMEAT,  /* olddirfd, old, newdirfd, new */
	K_LINK,	     /* old, new */
	K_LINKAT,    /* olddirfd, old, newdirfd, new */
	K_SYMLINK,   /* target, new */
	K_SYMLINKAT, /* target, newdirfd, new */
	K_CHDIR,     /* path */
	K_FCHDIR,    /* fd */
	K_CONNECT,   /* fd, addr, len */
	K_BIND,	     /* fd, addr, len */
	K_SENDTO,    /* fd, buf, len, flags, addr, addrlen */
	K_SENDMSG,   /* fd, msg */
	K_LISTEN,    /* fd */
};
