#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Records what each Lambda runtime available on this machine does when it
# serves a few invocations of a hello function through the local Runtime API
# emulator: the raw material of profiles/{python,nodejs,java,provided}.json
# (profiles/README.md says which run gave which rule).
#   tests/lambda/record-profiles.sh [BUILD_DIR]   -> BUILD_DIR/lambda-recordings/
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(realpath "${1:-build}")
out=$build/lambda-recordings
here=$PWD/tests/lambda
fnguard=$build/tools/fnguard
mkdir -p "$out"
python=$(python3 -c 'import sys; print(sys.executable)')
printf '%s\n' '{"name":"alice"}' '{"name":"bob"}' '{"name":"carol"}' >"$out/events.jsonl"

record() { # NAME HANDLER EXECUTION_ENV CMD...
	local name=$1 handler=$2 execenv=$3
	shift 3
	rm -f /tmp/hello-count
	python3 "$here/runtime_api.py" --events "$out/events.jsonl" \
		--results "$out/$name.results.jsonl" --log "$out/$name.log" \
		--function "record-$name" --env "_HANDLER=$handler" \
		--env "LAMBDA_TASK_ROOT=$here/functions" --env "AWS_EXECUTION_ENV=$execenv" \
		-- "$here/runtime.sh" "$fnguard" record -o "$out/$name.json" --name "$name" -- "$@"
	echo "$name: $(grep -c '"type":"learn"' "$out/$name.log") learn events -> $out/$name.json"
}

record python hello.handler AWS_Lambda_python3.12 "$python" "$here/bootstrap.py"
record nodejs hello.handler AWS_Lambda_nodejs20.x node "$here/bootstrap.js"
if command -v javac >/dev/null && command -v java >/dev/null; then
	javac -d "$out/java-classes" "$here/functions/java/Bootstrap.java"
	record java Bootstrap AWS_Lambda_java21 java -cp "$out/java-classes" Bootstrap
fi
# provided: a shell bootstrap (what OS-only runtimes run first) that execs the
# function's own program from the task root; here that program is the Python
# loop, so only the shell's and the exec's rules are new.
record provided hello.handler AWS_Lambda_provided.al2023 /bin/sh -c \
	'exec "$0" "$@"' "$python" "$here/bootstrap.py"
