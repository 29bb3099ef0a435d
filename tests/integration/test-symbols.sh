#!/usr/bin/env bash
# TAP: libfnguard.so exports exactly the functions listed in lib/libfnguard.sym
# (nothing of the policy engine, cJSON or libseccomp leaks), unversioned, and
# defines every one of them.
set -u
lib="$FNGUARD_BUILD_ROOT/lib/libfnguard.so"
sym="$FNGUARD_SOURCE_ROOT/lib/libfnguard.sym"
listed=$(sed -e 's|/\*.*\*/||g' "$sym" | tr ';' '\n' | sed -n '/global:/,/local:/p' |
	grep -vE 'global:|local:' | tr -d ' \t' | grep -v '^$' | sort)
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TWiV]$/ {print $3}' | sort)
echo "1..3"
if [ "$listed" = "$exported" ]; then
	echo "ok 1 - exported symbols are exactly the version script's list ($(wc -l <<<"$listed"))"
else
	echo "not ok 1 - exported symbols differ from lib/libfnguard.sym"
	diff <(echo "$listed") <(echo "$exported") | sed 's/^/# /'
fi
if nm -D --defined-only "$lib" | grep -q '@'; then
	echo "not ok 2 - some exports carry a version (programs asking for open@GLIBC_2.2.5 would skip them)"
else
	echo "ok 2 - exports are unversioned"
fi
if nm -D --defined-only "$lib" | grep -qiE ' (cJSON|seccomp_|glob_|policy_|net_rules)'; then
	echo "not ok 3 - internal symbols leak"
else
	echo "ok 3 - no internal symbol is exported"
fi
