/* SPDX-License-Identifier: MIT */
/*
 * LARGE_BSS — for big zero-initialised arrays (tables, buffers) in code the
 * preload library links (lib/, and the parts of policy/ it uses).
 *
 * Every process under the shim touches a few dozen small variables at start
 * (once flags, layer states, counters). Left among the big arrays in .bss,
 * each sat on a page of its own, and a first touch is a page fault (a read
 * then a write: two), ~2 us apiece here. On x86-64, .lbss is laid out after
 * .bss: the arrays move there and the small state shares a couple of pages.
 * Elsewhere the attribute is empty (the layout as before).
 */
#pragma once

#if defined(__x86_64__)
#define LARGE_BSS __attribute__((section(".lbss")))
#else
#define LARGE_BSS
#endif
