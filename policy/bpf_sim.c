// SPDX-License-Identifier: MIT
/*
 * Classic BPF for seccomp, interpreted. Validation mirrors the kernel so a
 * program this accepts is one seccomp(2) would accept; execution mirrors
 * the kernel's interpreter so a verdict here is the kernel's verdict.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "bpf_sim.h"

/* The opcodes seccomp_check_filter() lets through, nothing else. */
static bool opcode_allowed(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_X:
		return true;
	default:
		return false;
	}
}

static bool is_cond_jump(uint16_t code)
{
	return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

/*
 * Scratch words must be written on every path before they are read
 * (the kernel's check_load_and_stores). Jumps only go forward, so one pass
 * in program order sees every predecessor of an instruction before it.
 */
static int check_scratch(const struct sock_filter *prog, size_t len)
{
	uint16_t valid[BPF_MAXINSNS];

	for (size_t pc = 0; pc < len; pc++)
		valid[pc] = 0xffff;
	valid[0] = 0;
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &prog[pc];
		uint16_t v = valid[pc];

		switch (in->code) {
		case BPF_ST:
		case BPF_STX:
			v |= (uint16_t)(1u << in->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(v & (1u << in->k)))
				return -EINVAL;
			break;
		default:
			break;
		}
		if (BPF_CLASS(in->code) == BPF_RET)
			continue;
		if (in->code == (BPF_JMP | BPF_JA)) {
			valid[pc + 1 + in->k] &= v;
		} else if (is_cond_jump(in->code)) {
			valid[pc + 1 + in->jt] &= v;
			valid[pc + 1 + in->jf] &= v;
		} else {
			valid[pc + 1] &= v;
		}
	}
	return 0;
}

int bpf_sim_validate(const struct sock_filter *prog, size_t len)
{
	if (!prog || len == 0 || len > BPF_MAXINSNS)
		return -EINVAL;
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &prog[pc];
		size_t rest = len - pc - 1; /* instructions after this one */

		if (!opcode_allowed(in->code))
			return -EINVAL;
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (in->k >= sizeof(struct seccomp_data) || (in->k & 3))
				return -EINVAL;
			break;
		case BPF_ALU | BPF_DIV | BPF_K:
			if (in->k == 0)
				return -EINVAL;
			break;
		case BPF_ALU | BPF_LSH | BPF_K:
		case BPF_ALU | BPF_RSH | BPF_K:
			if (in->k >= 32)
				return -EINVAL;
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
		case BPF_ST:
		case BPF_STX:
			if (in->k >= BPF_MEMWORDS)
				return -EINVAL;
			break;
		case BPF_JMP | BPF_JA:
			if (in->k >= rest)
				return -EINVAL;
			break;
		default:
			if (is_cond_jump(in->code) && (in->jt >= rest || in->jf >= rest))
				return -EINVAL;
			break;
		}
	}
	if (BPF_CLASS(prog[len - 1].code) != BPF_RET)
		return -EINVAL;
	return check_scratch(prog, len);
}

static uint32_t load_word(const struct seccomp_data *data, uint32_t offset)
{
	uint32_t w;
	memcpy(&w, (const unsigned char *)data + offset, sizeof(w));
	return w;
}

/* Returns false for a division by zero, which ends the program with 0. */
static bool alu(uint16_t op, uint32_t *a, uint32_t operand)
{
	switch (op) {
	case BPF_ADD:
		*a += operand;
		break;
	case BPF_SUB:
		*a -= operand;
		break;
	case BPF_MUL:
		*a *= operand;
		break;
	case BPF_DIV:
		if (operand == 0)
			return false;
		*a /= operand;
		break;
	case BPF_AND:
		*a &= operand;
		break;
	case BPF_OR:
		*a |= operand;
		break;
	case BPF_XOR:
		*a ^= operand;
		break;
	case BPF_LSH:
		*a <<= operand & 31;
		break;
	case BPF_RSH:
		*a >>= operand & 31;
		break;
	case BPF_NEG:
		*a = -*a;
		break;
	}
	return true;
}

static bool jump_taken(uint16_t op, uint32_t a, uint32_t operand)
{
	switch (op) {
	case BPF_JEQ:
		return a == operand;
	case BPF_JGT:
		return a > operand;
	case BPF_JGE:
		return a >= operand;
	default: /* BPF_JSET */
		return (a & operand) != 0;
	}
}

int bpf_sim_run(const struct sock_filter *prog, size_t len, const struct seccomp_data *data,
		uint32_t *ret_action)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	int r = bpf_sim_validate(prog, len);
	if (r < 0)
		return r;

	/* Validation guarantees every jump lands inside and the last insn returns. */
	for (size_t pc = 0;; pc++) {
		const struct sock_filter *in = &prog[pc];

		switch (BPF_CLASS(in->code)) {
		case BPF_LD:
			if (BPF_MODE(in->code) == BPF_ABS)
				a = load_word(data, in->k);
			else if (BPF_MODE(in->code) == BPF_LEN)
				a = sizeof(struct seccomp_data);
			else if (BPF_MODE(in->code) == BPF_MEM)
				a = mem[in->k];
			else
				a = in->k;
			break;
		case BPF_LDX:
			if (BPF_MODE(in->code) == BPF_LEN)
				x = sizeof(struct seccomp_data);
			else if (BPF_MODE(in->code) == BPF_MEM)
				x = mem[in->k];
			else
				x = in->k;
			break;
		case BPF_ST:
			mem[in->k] = a;
			break;
		case BPF_STX:
			mem[in->k] = x;
			break;
		case BPF_ALU:
			if (!alu(BPF_OP(in->code), &a, BPF_SRC(in->code) == BPF_X ? x : in->k)) {
				*ret_action = 0;
				return 0;
			}
			break;
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_JA)
				pc += in->k;
			else if (jump_taken(BPF_OP(in->code), a,
					    BPF_SRC(in->code) == BPF_X ? x : in->k))
				pc += in->jt;
			else
				pc += in->jf;
			break;
		case BPF_RET:
			*ret_action = BPF_RVAL(in->code) == BPF_A ? a : in->k;
			return 0;
		case BPF_MISC:
			if (BPF_MISCOP(in->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
}
