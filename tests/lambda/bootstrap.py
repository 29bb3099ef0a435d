# SPDX-License-Identifier: MIT
"""A minimal Python runtime interface client, standard library only: what
AWS's awslambdaric does, reduced to the loop.

Init: import the handler named by _HANDLER ("module.function") from
LAMBDA_TASK_ROOT; a failure is posted to /runtime/init/error and ends the
process. Then, forever: GET the next event, set _X_AMZN_TRACE_ID in the
process environment from Lambda-Runtime-Trace-Id (as the managed runtime
does, so child processes inherit it), call handler(event, context), POST the
result to .../response, or the exception to .../error. A failing handler
never ends the loop.

    AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 _HANDLER=app.handler \\
        LAMBDA_TASK_ROOT=examples/python-container python3 bootstrap.py
"""
import http.client
import importlib
import json
import os
import sys
import time
import traceback

API = "/2018-06-01/runtime"


class Context:
    """The attributes and method a handler's context object has on Lambda."""

    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


class RuntimeAPI:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.conn = http.client.HTTPConnection(host.strip("[]"), int(port))

    def request(self, method, path, body=None, headers=None):
        self.conn.request(method, API + path, body=body, headers=headers or {})
        resp = self.conn.getresponse()
        return resp.status, resp.headers, resp.read()

    def post(self, path, payload, error_type=None):
        headers = {"Content-Type": "application/json"}
        if error_type:
            headers["Lambda-Runtime-Function-Error-Type"] = error_type
        status, _, body = self.request("POST", path, json.dumps(payload).encode(), headers)
        if status != 202:
            log("ERROR", f"the Runtime API refused {path}: {status} {body[:200]!r}")


def log(level, message, request_id=None):
    """One line in Lambda's JSON log format."""
    line = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
            "level": level, "message": message, "logger": "bootstrap"}
    if request_id:
        line["requestId"] = request_id
    print(json.dumps(line), flush=True)


def error_payload(exc, request_id=None):
    out = {"errorMessage": str(exc), "errorType": type(exc).__name__,
           "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__)[1:]}
    if request_id:
        out["requestId"] = request_id
    return out


def load_handler(api):
    name = os.environ.get("_HANDLER", "")
    module, _, function = name.rpartition(".")
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "/var/task"))
    try:
        if not module:
            raise ValueError(f"bad handler '{name}': expected module.function")
        handler = getattr(importlib.import_module(module), function)
    except Exception as e:  # init failures of any kind go to /init/error
        log("ERROR", f"init failed: {e}")
        api.post("/init/error", error_payload(e), "Runtime.ImportModuleError")
        sys.exit(1)
    return handler


def main():
    api = RuntimeAPI(os.environ["AWS_LAMBDA_RUNTIME_API"])
    handler = load_handler(api)
    while True:
        status, headers, body = api.request("GET", "/invocation/next")
        if status != 200:
            log("ERROR", f"invocation/next answered {status}: the runtime stops")
            sys.exit(1)
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            event = json.loads(body) if body else None
            result = handler(event, Context(headers))
            payload = json.dumps(result).encode()
        except Exception as e:
            log("ERROR", f"{type(e).__name__}: {e}", request_id)
            api.post(f"/invocation/{request_id}/error", error_payload(e, request_id), "Unhandled")
            continue
        status, _, answer = api.request("POST", f"/invocation/{request_id}/response", payload,
                                        {"Content-Type": "application/json"})
        if status != 202:
            log("ERROR", f"the Runtime API refused the response: {status} {answer[:200]!r}",
                request_id)


if __name__ == "__main__":
    main()
