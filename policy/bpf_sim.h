/* SPDX-License-Identifier: MIT */
/*
 * bpf_sim — a user-space interpreter for seccomp's classic BPF, so that a
 * compiled filter can be judged without loading it: unit tests check the
 * filter's decision for (arch, syscall, args) tables, and `fnguard explain`
 * can answer "what would the kernel do with this call".
 *
 * It accepts exactly what the kernel's seccomp_check_filter() and
 * bpf_check_classic() accept, and runs it the way the kernel does (32-bit
 * registers, 16 scratch words, forward jumps only, division by a zero X
 * ends the program with 0). seccomp_data is read in the host's byte order,
 * which is right for the little-endian targets fnguard compiles for.
 */
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Checks a program the way the kernel does before attaching it: 1 to
 * BPF_MAXINSNS instructions, only the opcodes seccomp allows, 32-bit loads
 * at aligned offsets inside struct seccomp_data, jumps that land inside the
 * program, no division by a constant 0, no shift by 32 or more, scratch
 * words read only after every path has written them, and a return as the
 * last instruction. Returns 0 or -EINVAL.
 */
int bpf_sim_validate(const struct sock_filter *prog, size_t len);

/*
 * Validates prog and runs it over data. On success writes the filter's
 * return value (SECCOMP_RET_* action | data) to *ret_action and returns 0;
 * returns -EINVAL for a program the kernel would refuse.
 */
int bpf_sim_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data,
		uint32_t *ret_action);
