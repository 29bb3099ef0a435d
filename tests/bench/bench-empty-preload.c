// SPDX-License-Identifier: MIT
/*
 * A preload library that does nothing: preloaded like libfnguard.so, it
 * shows what any LD_PRELOAD tool costs a process (the loader opening,
 * mapping and relocating one more object and searching it first for every
 * symbol) before that tool does any work of its own. docs/bench.md's floor
 * rows for the exec-heavy workloads.
 */
int bench_empty_preload(void);

int bench_empty_preload(void)
{
	return 0;
}
