#!/usr/bin/env bash
# The README's first command: installs dependencies, builds, then runs an
# example function under fnguard: record a profile from a normal run, enforce
# it on the same run (no violations), then on an "attack" run (violations
# blocked and printed as the JSON events Lambda would ship to CloudWatch).
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/deps.sh
./tools/setup-build.sh build
fnguard=build/tools/fnguard
example=examples/quickstart
out=build/quickstart
mkdir -p "$out"
# The real interpreter, not a wrapper script (pyenv's shim is a bash script).
python=$(python3 -c 'import sys; print(sys.executable)')

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The interpreter's own files, wherever this machine keeps them (/usr on
# Debian, /var/lang on Lambda): a small profile the recorded one extends.
"$python" - "$out/runtime.json" <<'PY'
import json, sys
roots = sorted({sys.base_prefix, sys.prefix, "/usr/lib/python3", "/usr/local/lib"})
json.dump({"fnguard": 1, "name": "python-runtime",
           "files": [{"path": r.rstrip("/") + "/**", "allow": "r"} for r in roots]},
          open(sys.argv[1], "w"), indent=2)
PY

say "1. Record: learn a profile from a normal run"
"$fnguard" record -o "$out/profile.json" --extends lambda-base \
	--extends "$PWD/$out/runtime.json" --name quickstart \
	-- "$python" "$example/handler.py" normal >"$out/record.log"
echo "$(grep -c '"type":"learn"' "$out/record.log") learn events; profile written to $out/profile.json:"
head -n 12 "$out/profile.json"
echo "  ..."

say "2. Check it"
"$fnguard" check "$out/profile.json"

say "3. Enforce it on the same run: no violations"
"$fnguard" run --profile "$out/profile.json" --mode enforce \
	-- "$python" "$example/handler.py" normal >"$out/enforce.log"
grep '"type":"start"' "$out/enforce.log"
echo "violations: $(grep -c '"type":"violation"' "$out/enforce.log" || true)"

say "4. Enforce it on an attack: blocked and logged"
"$fnguard" run --profile "$out/profile.json" --mode enforce \
	-- "$python" "$example/handler.py" attack >"$out/attack.log" || true
grep -E '"type":"(violation|coverage)"' "$out/attack.log" | grep -v '"op":"stat' || true

say "5. Ask the profile why"
"$fnguard" explain "$out/profile.json" open /etc/shadow r || true
