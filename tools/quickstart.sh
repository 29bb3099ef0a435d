#!/usr/bin/env bash
# The README's first command: installs dependencies, builds, and shows fnguard
# judging an example function's profile.
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/deps.sh
./tools/setup-build.sh build
fnguard=build/tools/fnguard
profile=examples/quickstart/fnguard.json

step() { printf '\n$ %s\n' "$*"; "$@" || true; }

step "$fnguard" check "$profile"
step "$fnguard" explain "$profile" open /var/task/handler.py r
step "$fnguard" explain "$profile" open /etc/shadow r
step "$fnguard" explain "$profile" connect dynamodb.us-east-1.amazonaws.com:443
step "$fnguard" explain "$profile" connect exfil.example.net:443
step "$fnguard" explain "$profile" exec /bin/sh -c id
