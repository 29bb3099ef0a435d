# SPDX-License-Identifier: MIT
"""What the supervisor tests share: where their programs are built, and the
allowed/denied pair of files most of them open. Import after fnguard_test
(tests/integration) is on sys.path."""
import os

from fnguard_test import BUILD

CLI = os.path.join(BUILD, "tools", "fnguard")
HERE = os.path.join(BUILD, "tests", "supervisor")
PROBE = os.path.join(HERE, "sv-probe")
PROBE_GO = os.path.join(HERE, "sv-probe-go")
NO_LISTENER = os.path.join(HERE, "no-listener")
CLIENT = os.path.join(HERE, "sv-runtime-client")
DENY_BIND = os.path.join(HERE, "sv-deny-bind")
# Read by Go's runtime at start: every profile of these tests allows it.
HPAGE = "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"


def allowed_and_denied(wd):
    """Writes wd/allowed.txt and wd/denied.txt; returns their paths."""
    paths = (f"{wd}/allowed.txt", f"{wd}/denied.txt")
    for path, text in zip(paths, ("ALLOWED_CONTENT\n", "DENIED_CONTENT\n")):
        with open(path, "w") as f:
            f.write(text)
    return paths


def skipper(t):
    """A TAP skip line counted by t."""
    def skip(name, why):
        t.n += 1
        print(f"ok {t.n} - {name} # SKIP {why}", flush=True)
    return skip
