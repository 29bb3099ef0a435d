// SPDX-License-Identifier: MIT
/* The classic BPF interpreter: every opcode seccomp allows, and what it refuses. */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <stddef.h>
#include <string.h>

#include "bpf_sim.h"
#include "util.h"

#define LD_ABS(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET_K(k)    BPF_STMT(BPF_RET | BPF_K, (k))
#define RET_A	    BPF_STMT(BPF_RET | BPF_A, 0)

static const struct seccomp_data sample = {
	.nr = 41,
	.arch = AUDIT_ARCH_X86_64,
	.instruction_pointer = 0x1122334455667788ull,
	.args = {0x0000000100000002ull, 0xdeadbeefcafef00dull, 3, 4, 5, 0xffffffffffffffffull},
};

static uint32_t run(const struct sock_filter *prog, size_t len)
{
	uint32_t action = 0xdeadbeef;
	int r = bpf_sim_run(prog, len, &sample, &action);
	cr_assert_eq(r, 0, "program refused: %d", r);
	return action;
}

#define RUN(...)                                       \
	run((const struct sock_filter[]){__VA_ARGS__}, \
	    sizeof((const struct sock_filter[]){__VA_ARGS__}) / sizeof(struct sock_filter))

#define VALIDATE(...)                                                        \
	bpf_sim_validate((const struct sock_filter[]){__VA_ARGS__},          \
			 sizeof((const struct sock_filter[]){__VA_ARGS__}) / \
				 sizeof(struct sock_filter))

Test(bpf_sim, loads_every_field_of_seccomp_data)
{
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, nr)), RET_A), 41);
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, arch)), RET_A), AUDIT_ARCH_X86_64);
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, instruction_pointer)), RET_A),
		     0x55667788u);
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, instruction_pointer) + 4), RET_A),
		     0x11223344u);
	/* Little-endian: the low word of an argument comes first. */
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, args[0])), RET_A), 2);
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, args[0]) + 4), RET_A), 1);
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, args[1])), RET_A), 0xcafef00du);
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, args[1]) + 4), RET_A), 0xdeadbeefu);
	cr_expect_eq(RUN(LD_ABS(offsetof(struct seccomp_data, args[5]) + 4), RET_A), 0xffffffffu);
	cr_expect_eq(RUN(LD_ABS(60), RET_A), 0xffffffffu);
	cr_expect_eq(RUN(BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), RET_A), 64);
	cr_expect_eq(
		RUN(BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A),
		64);
}

Test(bpf_sim, immediates_registers_and_scratch)
{
	cr_expect_eq(RUN(BPF_STMT(BPF_LD | BPF_IMM, 7), RET_A), 7);
	cr_expect_eq(RUN(BPF_STMT(BPF_LDX | BPF_IMM, 9), BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A),
		     9);
	cr_expect_eq(RUN(BPF_STMT(BPF_LD | BPF_IMM, 5), BPF_STMT(BPF_MISC | BPF_TAX, 0),
			 BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
			 RET_A),
		     6);
	cr_expect_eq(RUN(BPF_STMT(BPF_LD | BPF_IMM, 11), BPF_STMT(BPF_ST, 15),
			 BPF_STMT(BPF_LD | BPF_IMM, 0), BPF_STMT(BPF_LD | BPF_MEM, 15), RET_A),
		     11);
	cr_expect_eq(RUN(BPF_STMT(BPF_LDX | BPF_IMM, 12), BPF_STMT(BPF_STX, 0),
			 BPF_STMT(BPF_LDX | BPF_IMM, 0), BPF_STMT(BPF_LDX | BPF_MEM, 0),
			 BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A),
		     12);
	cr_expect_eq(RUN(RET_K(0x7fff0000)), 0x7fff0000u);
}

struct alu_case {
	uint16_t op;
	uint32_t a, operand, want;
};

Test(bpf_sim, alu_with_constant_and_register)
{
	static const struct alu_case cases[] = {
		{BPF_ADD, 0xffffffffu, 2, 1},
		{BPF_SUB, 1, 2, 0xffffffffu},
		{BPF_MUL, 0x10000, 0x10000, 0},
		{BPF_MUL, 6, 7, 42},
		{BPF_DIV, 43, 7, 6},
		{BPF_AND, 0xf0f0, 0xff00, 0xf000},
		{BPF_OR, 0xf0f0, 0x0f00, 0xfff0},
		{BPF_XOR, 0xff, 0x0f, 0xf0},
		{BPF_LSH, 1, 31, 0x80000000u},
		{BPF_RSH, 0x80000000u, 31, 1},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct alu_case *c = &cases[i];
		uint32_t k = RUN(BPF_STMT(BPF_LD | BPF_IMM, c->a),
				 BPF_STMT(BPF_ALU | c->op | BPF_K, c->operand), RET_A);
		uint32_t x = RUN(BPF_STMT(BPF_LDX | BPF_IMM, c->operand),
				 BPF_STMT(BPF_LD | BPF_IMM, c->a),
				 BPF_STMT(BPF_ALU | c->op | BPF_X, 0), RET_A);
		cr_expect_eq(k, c->want, "op %#x K: %#x", c->op, k);
		cr_expect_eq(x, c->want, "op %#x X: %#x", c->op, x);
	}
	cr_expect_eq(RUN(BPF_STMT(BPF_LD | BPF_IMM, 5), BPF_STMT(BPF_ALU | BPF_NEG, 0), RET_A),
		     (uint32_t)-5);
	/* Division by a zero X ends the program with 0, as in the kernel. */
	cr_expect_eq(RUN(BPF_STMT(BPF_LDX | BPF_IMM, 0), BPF_STMT(BPF_LD | BPF_IMM, 5),
			 BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET_K(0x7fff0000)),
		     0);
}

struct jump_case {
	uint16_t op;
	uint32_t a, operand;
	bool taken;
};

Test(bpf_sim, conditional_jumps_both_ways)
{
	static const struct jump_case cases[] = {
		{BPF_JEQ, 5, 5, true},		 {BPF_JEQ, 5, 6, false},
		{BPF_JGT, 6, 5, true},		 {BPF_JGT, 5, 5, false},
		{BPF_JGT, 0x80000000u, 1, true}, /* unsigned */
		{BPF_JGE, 5, 5, true},		 {BPF_JGE, 4, 5, false},
		{BPF_JSET, 0x30, 0x10, true},	 {BPF_JSET, 0x30, 0x0f, false},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct jump_case *c = &cases[i];
		uint32_t want = c->taken ? 1 : 2;
		uint32_t k = RUN(BPF_STMT(BPF_LD | BPF_IMM, c->a),
				 BPF_JUMP(BPF_JMP | c->op | BPF_K, c->operand, 0, 1), RET_K(1),
				 RET_K(2));
		uint32_t x = RUN(BPF_STMT(BPF_LDX | BPF_IMM, c->operand),
				 BPF_STMT(BPF_LD | BPF_IMM, c->a),
				 BPF_JUMP(BPF_JMP | c->op | BPF_X, 0, 1, 0), RET_K(2), RET_K(1));
		cr_expect_eq(k, want, "case %zu K", i);
		cr_expect_eq(x, want, "case %zu X", i);
	}
	cr_expect_eq(RUN(BPF_STMT(BPF_JMP | BPF_JA, 2), RET_K(1), RET_K(2), RET_K(3)), 3);
	cr_expect_eq(RUN(BPF_STMT(BPF_JMP | BPF_JA, 0), RET_K(1), RET_K(2)), 1);
}

Test(bpf_sim, a_small_seccomp_filter)
{
	/* allow socket(AF_INET), trap other sockets, errno for the rest, kill other arches */
	const struct sock_filter prog[] = {
		LD_ABS(offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		RET_K(0x80000000u),
		LD_ABS(offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 41, 0, 3),
		LD_ABS(offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 2, 0),
		RET_K(0x00030000u),
		RET_K(0x00050001u),
		RET_K(0x7fff0000u),
	};
	struct seccomp_data d = sample;
	uint32_t action;

	cr_assert_eq(bpf_sim_run(prog, ELEMENTSOF(prog), &d, &action), 0);
	cr_expect_eq(action, 0x7fff0000u);
	d.args[0] = 16;
	cr_assert_eq(bpf_sim_run(prog, ELEMENTSOF(prog), &d, &action), 0);
	cr_expect_eq(action, 0x00030000u);
	d.nr = 0;
	cr_assert_eq(bpf_sim_run(prog, ELEMENTSOF(prog), &d, &action), 0);
	cr_expect_eq(action, 0x00050001u);
	d.arch = AUDIT_ARCH_AARCH64;
	cr_assert_eq(bpf_sim_run(prog, ELEMENTSOF(prog), &d, &action), 0);
	cr_expect_eq(action, 0x80000000u);
}

Test(bpf_sim, refuses_what_the_kernel_refuses)
{
	struct sock_filter ret = RET_K(0);
	uint32_t action = 0x1234;

	cr_expect_eq(bpf_sim_validate(NULL, 1), -EINVAL);
	cr_expect_eq(bpf_sim_validate(&ret, 0), -EINVAL, "empty program");
	cr_expect_eq(bpf_sim_validate(&ret, 1), 0);

	struct sock_filter *big = calloc(BPF_MAXINSNS + 1, sizeof(*big));
	for (size_t i = 0; i <= BPF_MAXINSNS; i++)
		big[i] = (struct sock_filter)RET_K(0);
	cr_expect_eq(bpf_sim_validate(big, BPF_MAXINSNS), 0);
	cr_expect_eq(bpf_sim_validate(big, BPF_MAXINSNS + 1), -EINVAL, "too long");
	free(big);

	/* last instruction not a return */
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_LD | BPF_IMM, 1)), -EINVAL);
	/* jumps out of the program */
	cr_expect_eq(VALIDATE(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET_K(0)), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET_K(0)), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0), RET_K(0)), 0);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_JMP | BPF_JA, 1), RET_K(0)), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_JMP | BPF_JA, 0xffffffffu), RET_K(0)), -EINVAL);
	/* loads outside seccomp_data, misaligned, or of another size or mode */
	cr_expect_eq(VALIDATE(LD_ABS(64), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(LD_ABS(2), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(LD_ABS(0xfffffffcu), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), RET_A), -EINVAL);
	/* ALU the seccomp checker does not allow, or cannot run */
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 32), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(0xff, 0), RET_A), -EINVAL);
	/* scratch words out of range */
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_ST, 16), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_LDX | BPF_IMM, 0), BPF_STMT(BPF_STX, 16), RET_A),
		     -EINVAL);
	/* a scratch word read before any path wrote it */
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_LD | BPF_MEM, 3), RET_A), -EINVAL);
	cr_expect_eq(VALIDATE(BPF_STMT(BPF_ST, 2), BPF_STMT(BPF_LDX | BPF_MEM, 3), RET_A), -EINVAL);
	/* written on one path only */
	cr_expect_eq(VALIDATE(LD_ABS(0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
			      BPF_STMT(BPF_ST, 4), BPF_STMT(BPF_LD | BPF_MEM, 4), RET_A),
		     -EINVAL);
	/* written on both paths */
	cr_expect_eq(VALIDATE(LD_ABS(0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2),
			      BPF_STMT(BPF_ST, 4), BPF_STMT(BPF_JMP | BPF_JA, 1),
			      BPF_STMT(BPF_ST, 4), BPF_STMT(BPF_LD | BPF_MEM, 4), RET_A),
		     0);

	/* run refuses too, and leaves the result alone */
	const struct sock_filter bad[] = {LD_ABS(64), RET_A};
	cr_expect_eq(bpf_sim_run(bad, ELEMENTSOF(bad), &sample, &action), -EINVAL);
	cr_expect_eq(action, 0x1234);
}
