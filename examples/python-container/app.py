# SPDX-License-Identifier: MIT
"""An example function for fnguard: greets someone and keeps the last greeting.

VULNERABLE ON PURPOSE, so that fnguard's tests and the quickstart can attack it:
  - "name" is formatted into a shell command line (command injection:
    {"name": "x; cat /etc/passwd"});
  - "notify" is a URL the greeting is POSTed to, taken from the event as it is
    (server-side request forgery: {"notify": "http://169.254.169.254/..."}).
Do not copy it. The point is what fnguard does when someone exploits it.
"""
import json
import os
import subprocess
import urllib.request

TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT") or os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(TASK_ROOT, "config.json"), encoding="utf-8") as f:
    CONFIG = json.load(f)


def handler(event, context):
    name = str(event.get("name", "world"))
    greeting = subprocess.run(f"echo {CONFIG['greeting']}, {name}", shell=True, check=True,
                              capture_output=True, text=True).stdout.strip()
    with open("/tmp/last-greeting.txt", "w", encoding="utf-8") as f:
        f.write(greeting + "\n")
    result = {"greeting": greeting, "requestId": context.aws_request_id}
    if "notify" in event:
        req = urllib.request.Request(event["notify"], data=json.dumps(result).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=3) as resp:
            result["notified"] = resp.status
    return result
