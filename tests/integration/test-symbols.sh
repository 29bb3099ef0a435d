#!/usr/bin/env bash
# TAP: libfnguard.so exports exactly the functions listed in lib/libfnguard.sym
# (nothing of the policy engine, cJSON or libseccomp leaks), unversioned, and
# defines every one of them. And, on x86-64, that the small state every process
# touches at start stays on a few pages (lib/large_bss.h): no array of a page or
# more left in .bss, where it would spread that state over more pages. And that
# every function lib/start-order.ld names is in the start section it makes (a
# renamed or inlined one would silently fall back among the rest of the code).
set -u
lib="$FNGUARD_BUILD_ROOT/lib/libfnguard.so"
sym="$FNGUARD_SOURCE_ROOT/lib/libfnguard.sym"
listed=$(sed -e 's|/\*.*\*/||g' "$sym" | tr ';' '\n' | sed -n '/global:/,/local:/p' |
	grep -vE 'global:|local:' | tr -d ' \t' | grep -v '^$' | sort)
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TWiV]$/ {print $3}' | sort)
echo "1..5"
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
if [ "$(uname -m)" != x86_64 ]; then
	echo "ok 4 - # SKIP .lbss is x86-64's"
else
	# Objects in .bss (its section index from readelf: "[ 9]" or "[24]"), a page or
	# larger: they should be LARGE_BSS. Needs the symbol table (an unstripped build).
	sections=$(readelf -SW "$lib")
	bss=$(sed -n 's/^ *\[ *\([0-9]*\)\] \.bss .*/\1/p' <<<"$sections")
	lbss_nobits=$(grep -cE '\] \.lbss +NOBITS' <<<"$sections")
	big=$(readelf -sW "$lib" | awk -v n="$bss" '$7 == n && $4 == "OBJECT" && ($3 ~ /^0x/ || $3 >= 4096) {print $8 " (" $3 " bytes)"}' | sort -u)
	if [ -z "$bss" ] || [ "$lbss_nobits" != 1 ] || ! readelf -SW "$lib" | grep -q '\] \.symtab '; then
		echo "not ok 4 - .bss, a NOBITS .lbss and the symbol table must all be there"
		sed 's/^/# /' <<<"$sections" | grep -E 'bss|symtab'
	elif [ -z "$big" ]; then
		echo "ok 4 - no array of a page or more in .bss (the big ones are in .lbss)"
	else
		echo "not ok 4 - arrays of a page or more in .bss: mark them LARGE_BSS"
		sed 's/^/# /' <<<"$big"
	fi
fi

# Functions (readelf's section index) in .text.fnguard_start, clones under their names.
# One the compiler inlined everywhere (another optimization level) is in its callers:
# only a name no source defines any more (renamed) or one compiled apart from the
# section fails. A linker that does not take the script (gold) is skipped.
order="$FNGUARD_SOURCE_ROOT/lib/start-order.ld"
sections=$(readelf -SW "$lib")
start=$(sed -n 's/^ *\[ *\([0-9]*\)\] \.text\.fnguard_start .*/\1/p' <<<"$sections")
wanted=$(sed -nE 's/^[[:space:]]*\*\(\.text\.([A-Za-z_0-9]+) .*/\1/p' "$order" | sort -u)
compiled=$(find "$FNGUARD_BUILD_ROOT/lib" "$FNGUARD_BUILD_ROOT/policy" -name '*.o' \
	-exec readelf -SW {} + |
	sed -nE 's/.* \.text\.([A-Za-z_][A-Za-z_0-9]*)(\.[a-z_]+\.[0-9]+)? +PROGBITS.*/\1/p' |
	sort -u)
if [ -z "$start" ] && [ "${FNGUARD_START_ORDER:-1}" = 0 ]; then
	echo "ok 5 # SKIP the linker did not take lib/start-order.ld (lib/meson.build)"
elif [ -z "$start" ]; then
	echo "not ok 5 - no .text.fnguard_start section (lib/start-order.ld not applied)"
else
	present=$(readelf -sW "$lib" | awk -v n="$start" '$7 == n && $4 == "FUNC" {print $8}' |
		sed -E 's/\.(isra|part|constprop|cold)\..*//' | sort -u)
	missing=$(comm -23 <(echo "$wanted") <(echo "$present") | while read -r f; do
		if grep -qw "$f" <<<"$compiled" ||
			! grep -rqE "\\b$f\\(" "$FNGUARD_SOURCE_ROOT/lib" "$FNGUARD_SOURCE_ROOT/policy"; then
			echo "$f"
		fi
	done)
	if [ -n "$wanted" ] && [ -z "$missing" ]; then
		echo "ok 5 - the $(wc -l <<<"$wanted") functions of lib/start-order.ld are in its section"
	else
		echo "not ok 5 - functions of lib/start-order.ld not in its section: run tools/start-order.sh"
		sed 's/^/# /' <<<"$missing"
	fi
fi
