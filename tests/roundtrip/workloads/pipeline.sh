#!/bin/sh
# SPDX-License-Identifier: MIT
# A shell pipeline: read, sort, count, a pid-named file under /tmp, a loop.
set -e
out=/tmp/fnguard-rt-pipe-$$.txt
cat words.txt | tr 'A-Z' 'a-z' | sort | uniq -c | sort -rn > "$out"
head -n 3 "$out"
wc -l < "$out"
for w in $(cut -c9- "$out" | head -n 2); do
	grep -c "$w" words.txt
done
rm -f "$out"
