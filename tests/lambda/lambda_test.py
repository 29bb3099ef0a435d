# SPDX-License-Identifier: MIT
"""Shared helpers of the lambda suite: the layer (packed from the build and
unpacked like Lambda does), the local Runtime API emulator, the runtime
loops started through the exec wrapper, and the events a run logged.

Also a small command line, for tools/quickstart.sh and for local runs:
    python3 tests/lambda/lambda_test.py local-profile python OUT.json
    python3 tests/lambda/lambda_test.py site-profile python examples/python-container/fnguard.json OUT.json
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile

BUILD = os.environ.get("FNGUARD_BUILD_ROOT", "/work/main/build")
SOURCE = os.environ.get("FNGUARD_SOURCE_ROOT", "/work/main")
HERE = os.path.join(SOURCE, "tests", "lambda")
EXAMPLES = os.path.join(SOURCE, "examples")
PYTHON = sys.executable
NODE = shutil.which("node")
JAVA = shutil.which("java")
JAVAC = shutil.which("javac")

sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from fnguard_test import Tap  # noqa: E402,F401  (shared TAP output)
from fnguard_test import workdir as _workdir  # noqa: E402

_scratch = []


def workdir(prefix="fnguard-lambda-"):
    """A scratch directory under /var/tmp (outside lambda-base's /tmp), removed
    by done() when every test passed."""
    d = _workdir(prefix)
    _scratch.append(d)
    return d


def done(tap):
    """Ends the TAP stream; keeps the scratch directories only after a failure."""
    if not tap.failed:
        for d in _scratch:
            shutil.rmtree(d, ignore_errors=True)
    else:
        print(f"# scratch kept: {' '.join(_scratch)}", flush=True)
    return tap.done()

RUNTIMES = {
    "python": {"execution_env": "AWS_Lambda_python3.12",
               "cmd": lambda: [PYTHON, os.path.join(HERE, "bootstrap.py")]},
    "nodejs": {"execution_env": "AWS_Lambda_nodejs20.x",
               "cmd": lambda: [NODE, os.path.join(HERE, "bootstrap.js")]},
    # tests/lambda/functions/java/Bootstrap.java, compiled into the task root.
    "java": {"execution_env": "AWS_Lambda_java21",
             "cmd": lambda: [JAVA, "-cp", ".", "Bootstrap"]},
}


def build_layer(out_dir):
    """Packs the layer from the build tree into out_dir; returns the zip."""
    subprocess.run([os.path.join(SOURCE, "tools", "build-layer.sh"), "--no-build", "--out",
                    out_dir, BUILD], check=True, cwd=SOURCE, stdout=subprocess.DEVNULL)
    return os.path.join(out_dir, "fnguard-layer-x86_64.zip")


def unpack_layer(zip_path, prefix):
    """What Lambda does with a layer: unzip under prefix, modes kept."""
    os.makedirs(prefix, exist_ok=True)
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            z.extract(info, prefix)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(os.path.join(prefix, info.filename), mode)
    return prefix


def local_runtime_profile(runtime):
    """The interpreter's own install tree on this machine, where Lambda has
    /var/lang: the only rules a test adds to the shipped profiles."""
    files = []
    if runtime == "python":
        roots = {sys.base_prefix, sys.prefix, sys.base_exec_prefix}
        files += [{"path": r.rstrip("/") + "/**", "allow": "r"} for r in sorted(roots)]
    elif runtime == "nodejs":
        real = os.path.realpath(NODE)
        files.append({"path": real, "allow": "r"})
        prefix = os.path.dirname(os.path.dirname(real))
        if prefix not in ("/usr", "/"):
            files.append({"path": prefix + "/**", "allow": "r"})
    return {"fnguard": 1, "name": f"local-{runtime}", "files": files}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
    return path


class Listener:
    """A TCP listener on loopback that counts the connections it gets."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self):
        n = 0
        while True:
            try:
                c, _ = self.sock.accept()
            except BlockingIOError:
                return n
            c.close()
            n += 1

    def close(self):
        self.sock.close()


class Run:
    def __init__(self, rc, results, log, summary):
        self.rc = rc
        self.results = results
        self.log = log
        self.summary = summary
        self.events = []
        self.lines = []
        for line in log.splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                self.lines.append(line)
                continue
            if isinstance(obj, dict) and obj.get("logger") == "fnguard":
                self.events.append(obj)
            else:
                self.lines.append(line)

    def of_type(self, kind):
        return [e for e in self.events if e.get("type") == kind]

    def diag(self):
        return (f"rc={self.rc} {self.summary}\nresults={json.dumps(self.results)[:1500]}\n"
                f"log:\n{self.log[-3000:]}")


def run_function(runtime, task_root, handler, events, scratch, wrapper=None, env=None,
                 function="fnguard-test", timeout=60):
    """Serves events to a runtime loop through the emulator, the runtime
    started as Lambda does (runtime.sh honours AWS_LAMBDA_EXEC_WRAPPER)."""
    spec = RUNTIMES[runtime]
    os.makedirs(scratch, exist_ok=True)
    ev_path = os.path.join(scratch, "events.jsonl")
    res_path = os.path.join(scratch, "results.jsonl")
    log_path = os.path.join(scratch, "function.log")
    with open(ev_path, "w", encoding="utf-8") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
    if os.path.exists(log_path):
        os.unlink(log_path)
    argv = [PYTHON, os.path.join(HERE, "runtime_api.py"), "--events", ev_path,
            "--results", res_path, "--log", log_path, "--function", function,
            "--timeout", str(timeout), "--invoke-timeout", "20",
            "--env", f"_HANDLER={handler}", "--env", f"LAMBDA_TASK_ROOT={task_root}",
            "--env", f"LAMBDA_RUNTIME_DIR={HERE}",
            "--env", f"AWS_EXECUTION_ENV={spec['execution_env']}"]
    if wrapper:
        argv += ["--env", f"AWS_LAMBDA_EXEC_WRAPPER={wrapper}"]
    for k, v in (env or {}).items():
        argv += ["--env", f"{k}={v}"]
    argv += ["--", os.path.join(HERE, "runtime.sh")] + spec["cmd"]()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 30)
    results = []
    if os.path.exists(res_path):
        with open(res_path, encoding="utf-8") as f:
            results = [json.loads(line) for line in f if line.strip()]
    results.sort(key=lambda r: r["index"])
    log = ""
    if os.path.exists(log_path):
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    return Run(p.returncode, results, log, p.stderr.strip())


def site_profile(runtime, base, out):
    """A profile extending base (a path or a shipped name) and, next to out,
    the local interpreter's install tree (OUT.local.json)."""
    local = write_json(out[:-len(".json")] + ".local.json" if out.endswith(".json")
                       else out + ".local.json", local_runtime_profile(runtime))
    if "/" in base or base.endswith(".json"):
        base = os.path.abspath(base)
    return write_json(out, {"fnguard": 1, "name": os.path.basename(out)[:-5] or "site",
                            "extends": [base, os.path.abspath(local)]})


USAGE = """usage: lambda_test.py local-profile RUNTIME OUT.json
       lambda_test.py site-profile RUNTIME BASE OUT.json
RUNTIME is python, nodejs or java; BASE a profile file or a shipped name."""


def main(argv):
    if len(argv) == 3 and argv[0] == "local-profile" and argv[1] in RUNTIMES:
        write_json(argv[2], local_runtime_profile(argv[1]))
        return 0
    if len(argv) == 4 and argv[0] == "site-profile" and argv[1] in RUNTIMES:
        site_profile(argv[1], argv[2], argv[3])
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
