/* SPDX-License-Identifier: MIT */
/*
 * sv_file — what the file call handlers (sv_file.c, sv_attr.c) share: how
 * a path argument is read, resolved and judged before the supervisor acts
 * on it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv.h"

#define R POLICY_RIGHT_READ
#define W POLICY_RIGHT_WRITE
#define C POLICY_RIGHT_CREATE
#define D POLICY_RIGHT_DELETE

#define ARG(i)	(req->n->data.args[i])
#define IARG(i) ((int)req->n->data.args[i])

/* How a call finds what it acts on. */
enum {
	OBJ_FOLLOW = SV_PATH_FOLLOW,  /* the object, a final symlink followed */
	OBJ_EMPTY = SV_PATH_EMPTY_OK, /* "" with AT_EMPTY_PATH: the dirfd itself, not judged */
	OBJ_NOFOLLOW = 0x10,	      /* the object, a final symlink itself */
	OBJ_ENTRY = 0x20,	      /* the directory entry: parent and name */
	OBJ_LOOK = 0x40,	      /* a look (stat, access): a directory above a rule passes */
};

/* One path argument being served. */
struct sv_file_arg {
	struct sv_path p;
	struct sv_obj o;
	bool on_dirfd; /* "" with AT_EMPTY_PATH: o.fd is the dirfd's object */
};

/*
 * Reads the path at addr (relative to dirfd), resolves it as how says and
 * judges it with rights (the lexical name, and where it leads when links
 * may be planted there) even when the lookup failed. Returns 0 (a->o
 * ready), -EACCES when blocked, or the error the call itself would give.
 * Release a with sv_file_arg_close() in every case.
 */
int sv_file_prepare(struct sv_req *req, int dirfd, uint64_t addr, unsigned how, unsigned rights,
		    struct sv_file_arg *a);

void sv_file_arg_close(struct sv_file_arg *a);

/* OBJ_* for the AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH bits of flags. */
unsigned sv_file_at_how(int flags);

/* "/proc/self/fd/<parent>/<name>" for an entry, for calls without an *at form. */
int sv_file_entry_path(const struct sv_obj *o, char *buf, size_t size);
