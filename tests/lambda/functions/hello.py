# SPDX-License-Identifier: MIT
"""The smallest realistic Python function: reads its event and environment,
logs, keeps a file in /tmp, answers. Used to record the shipped python
profile and to test a function that needs nothing beyond it."""
import datetime
import json
import os

COUNT_FILE = "/tmp/hello-count"


def handler(event, context):
    count = 0
    if os.path.exists(COUNT_FILE):
        with open(COUNT_FILE, encoding="utf-8") as f:
            count = int(f.read() or 0)
    count += 1
    with open(COUNT_FILE, "w", encoding="utf-8") as f:
        f.write(str(count))
    print(json.dumps({"level": "INFO", "message": "hello", "requestId": context.aws_request_id}))
    return {"hello": event.get("name", "world"), "count": count,
            "at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "region": os.environ.get("AWS_REGION"),
            "remainingMs": context.get_remaining_time_in_millis()}
