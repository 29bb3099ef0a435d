#!/usr/bin/env bash
# The README's first command: installs dependencies, builds, and runs an
# example Lambda function under fnguard the way Lambda runs it: a local
# Runtime API (tests/lambda/runtime_api.py) feeds it events, the runtime is
# started through the fnguard exec wrapper (AWS_LAMBDA_EXEC_WRAPPER), and the
# JSON events are what Lambda would ship to CloudWatch.
#   1. record a profile over a few normal events,
#   2. enforce it: normal events succeed with no violation,
#   3. send attack events (command injection, a call to an unlisted host):
#      blocked, logged with the request id, and the function keeps serving.
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/deps.sh
./tools/setup-build.sh build

root=$PWD
out=$root/build/quickstart
ex=$root/examples/python-container
fnguard=$root/build/tools/fnguard
rm -rf "$out" && mkdir -p "$out"
# The real interpreter, not a wrapper script (pyenv's shim is a bash script).
py=$(python3 -c 'import sys; print(sys.executable)')

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# One emulated Lambda environment: the Runtime API on loopback, the runtime
# started as Lambda's bootstrap does.
lambda_run() {
	python3 tests/lambda/runtime_api.py --env _HANDLER=app.handler \
		--env LAMBDA_TASK_ROOT="$ex" --env LAMBDA_RUNTIME_DIR="$root/tests/lambda" \
		--env FNGUARD_PROFILE_PATH="$root/profiles" \
		--env AWS_LAMBDA_FUNCTION_NAME=quickstart "$@"
}

say "0. Build the layer (what Lambda mounts at /opt)"
./tools/build-layer.sh --no-build --out "$out" build >/dev/null
echo "layer: $(ls "$out"/*.zip 2>/dev/null || echo "$out/layer")"
# Where this machine keeps the interpreter (on Lambda: /var/lang, in the shipped profile).
python3 tests/lambda/lambda_test.py local-profile python "$out/local.json"

say "1. Record: learn a profile over normal events"
lambda_run --events "$ex/events.jsonl" --log "$out/record.log" \
	--env PYTHONDONTWRITEBYTECODE=1 \
	-- tests/lambda/runtime.sh "$fnguard" record -o "$out/profile.json" \
	--extends python --extends "$out/local.json" --name quickstart \
	-- "$py" tests/lambda/bootstrap.py
echo "$(grep -c '"type":"learn"' "$out/record.log" || true) learn events; the profile:"
cat "$out/profile.json"

say "2. Check it, and enforce it on the same events: no violations"
"$fnguard" check "$out/profile.json"
lambda_run --events "$ex/events.jsonl" --results "$out/normal.results.jsonl" \
	--log "$out/normal.log" \
	--env AWS_LAMBDA_EXEC_WRAPPER="$out/layer/fnguard-wrapper" \
	--env FNGUARD_PROFILE="$out/profile.json" \
	-- tests/lambda/runtime.sh "$py" tests/lambda/bootstrap.py
grep '"type":"start"' "$out/normal.log" | head -1
echo "violations: $(grep -c '"type":"violation"' "$out/normal.log" || true)"

say "3. Attack it: command injection and a call to an unlisted host"
printf '%s\n' '{"name": "alice"}' '{"name": "x; cat /etc/passwd"}' \
	'{"name": "alice", "notify": "http://exfil.example.net/collect"}' '{"name": "Bob"}' \
	>"$out/attack.jsonl"
lambda_run --events "$out/attack.jsonl" --results "$out/attack.results.jsonl" \
	--log "$out/attack.log" \
	--env AWS_LAMBDA_EXEC_WRAPPER="$out/layer/fnguard-wrapper" \
	--env FNGUARD_PROFILE="$out/profile.json" \
	-- tests/lambda/runtime.sh "$py" tests/lambda/bootstrap.py
echo "the function's answers:"
cat "$out/attack.results.jsonl"
echo "fnguard's events:"
grep '"logger":"fnguard"' "$out/attack.log" | grep -E '"type":"(violation|coverage)"' || true

say "4. Ask the profile why"
"$fnguard" explain "$out/profile.json" exec /bin/cat /etc/passwd || true
