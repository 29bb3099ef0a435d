# SPDX-License-Identifier: MIT
"""A function that tries the same denied read many times per invocation: the
rate limiter holds most of the events back, and the counts must still add
up when Lambda freezes the process after the response (tests/lambda)."""


def handler(event, context):
    denied = 0
    for _ in range(int(event.get("n", 30))):
        try:
            with open("/etc/shadow", "rb"):
                pass
        except OSError:
            denied += 1
    return {"denied": denied}
