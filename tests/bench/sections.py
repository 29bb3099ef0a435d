# SPDX-License-Identifier: MIT
"""The benchmark's sections, as issue 8 lists them: per-call overhead,
start-up, macro workloads, scaling with the number of rules, and peers.
Each builds its groups of modes, runs them interleaved (harness.interleave)
and turns pairs of modes into table rows with targets and verdicts."""
import os
import re
import shutil
import subprocess

import benchenv
import harness
import workloads
from benchenv import BenchError, bundle, raw_filter, write_profile
from harness import Target


class Context:
    def __init__(self, cfg):
        self.cfg = cfg
        self.scratch = benchenv.Scratch(cfg.keep)
        self.envs = benchenv.Envs(cfg, self.scratch)
        self.order_rng = harness.new_rng(cfg.seed)
        self.boot_rng = harness.new_rng(cfg.seed + 1)
        self.groups = {}
        self._cache = {}

    def log(self, *parts):
        return os.path.join(self.scratch.logs, "-".join(parts) + ".log")

    def interleave(self, name, modes, rounds):
        if name not in self.groups:
            self.groups[name] = harness.interleave(name, modes, rounds, self.order_rng)
        return self.groups[name]

    def once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def row(self, section, group, base, other, label, targets=(), unit="ms", note=None,
            **cols):
        """A row comparing mode other with mode base of group. unit "ms": the
        samples are seconds of a whole run; "ns": nanoseconds per call."""
        row = {"section": section, "group": group.name, "base": base, "other": other,
               "label": label, "unit": unit, "targets": [t.text for t in targets],
               "note": note, "cols": cols}
        failed = [group.errors[m] for m in (base, other) if m in group.errors]
        if failed or group.rounds(base, other) < 2:
            row["verdict"] = "error"
            row["error"] = failed[0] if failed else "fewer than 2 rounds"
            return row
        scale = 1e3 if unit == "ms" else 1.0
        row["cpu"] = harness.compare(group, base, other, "cpu", self.boot_rng, scale)
        row["wall"] = harness.compare(group, base, other, "wall", self.boot_rng, scale)
        row["verdict"] = harness.verdict(list(targets), row["cpu"])
        return row


def _control():
    return [Target("control")]


def _init_micros(group, mode):
    """fnguard's own start-up time in the warm-up run (the start event's
    initMicros), when the mode logged one."""
    for e in group.info.get(mode) or []:
        if e.get("type") == "start" and "initMicros" in e:
            return e["initMicros"]
    return None


# ---------------------------------------------------------------- per call

# Calls per run at full size (a tenth in quick mode): about 25 ms of calls bare,
# which CLOCK_PROCESS_CPUTIME_ID times to well under a percent.
CALLS = {
    "open-close": 10000,
    "stat": 20000,
    "access": 20000,
    "connect": 20000,
    "getaddrinfo": 2000,
    "execve": 30,
    "getpid": 150000,
    "personality": 100000,
    "trap": 10000,
}


LIBC_PROFILE = "function (orders-api), libc layer alone"
LIBC_ALONE = ("the shim's own code: the same profile with `FNGUARD_NO_SECCOMP=1` and "
              "`FNGUARD_NO_LANDLOCK=1` (what runs where the platform refuses both kernel "
              "layers, as managed Lambda is reported to)")
LANDLOCK_FLOOR = ("any Landlock domain at all: `bench-calls --landlock-floor` handles every "
                  "file right and grants them all beneath `/` (one rule), no fnguard: the "
                  "kernel's walk from the file to the root on every open, the floor under "
                  "fnguard's Landlock layer")


TRAP_FLOOR = ("the kernel's trap and signal round trip alone: `bench-calls --trap-floor`, a "
              "filter that traps only this call and a SIGSYS handler that only makes it "
              "return EPERM, no fnguard")


def TRAPPED(e):
    """The events the trap benchmark must produce: its own call, refused."""
    return e.get("category") == "syscall" and e.get("op") == "afs_syscall"


def percall(ctx):
    cfg, sc, envs = ctx.cfg, ctx.scratch, ctx.envs
    rounds = 2 * cfg.rounds
    task_file = os.path.join(sc.dir("task", "data"), "file.txt")
    tmp_dir = sc.dir("calls", tmp=True)
    tmp_file = os.path.join(sc.dir("calls", "data", tmp=True), "file.txt")
    for p in (task_file, tmp_file):
        with open(p, "w") as f:
            f.write("x\n")
    local = write_profile(os.path.join(sc.var, "local-python.json"), benchenv.local_python(cfg))
    python = write_profile(os.path.join(sc.var, "calls-python.json"), {
        "fnguard": 1, "name": "bench-calls-python", "extends": ["python", local],
        # What the benchmark itself needs beyond the shipped profile.
        "network": [{"host": "localhost", "ports": [443]}],
        "exec": [{"path": "/usr/bin/true"}, {"path": "/bin/true"}],
    })
    function = write_profile(os.path.join(sc.var, "calls-function.json"),
                             workloads.function_profile(local))
    profiles = {"python": bundle(cfg, python, envs.base),
                "function": bundle(cfg, function, envs.base)}

    def n(op):
        return max(5, int(CALLS[op] * cfg.call_scale))

    def modes(op, target, cwd, tag, control=False, floor=False, libc=False, landlock=False):
        ms = [workloads.calls_mode(cfg, "bare", "bare", op, target, n(op), envs.bare(),
                                   ctx.log("calls", tag, "bare"), cwd)]
        if floor:
            opt = "--trap-floor" if op == "trap" else "--allow-all-filter"
            ms.append(workloads.calls_mode(cfg, "floor", opt[2:], op, target, n(op),
                                           envs.bare(), ctx.log("calls", tag, "floor"), cwd,
                                           options=(opt,)))
        if landlock:
            ms.append(workloads.calls_mode(cfg, "llfloor", "Landlock floor", op, target, n(op),
                                           envs.bare(), ctx.log("calls", tag, "llfloor"), cwd,
                                           options=("--landlock-floor",)))
        if libc:
            # The shim's own code: the function profile without its kernel layers.
            log = ctx.log("calls", tag, "libc")
            ms.append(workloads.calls_mode(
                cfg, "libc", "libc layer alone", op, target, n(op),
                envs.shim(profiles["function"], "enforce", FNGUARD_NO_SECCOMP="1",
                          FNGUARD_NO_LANDLOCK="1"), log, cwd,
                workloads.shim_check(log, "enforce", seccomp=False, landlock=False)))
        if control:
            ms.append(workloads.calls_mode(cfg, "bare2", "bare again", op, target, n(op),
                                           envs.bare(), ctx.log("calls", tag, "bare2"), cwd))
        # The trap benchmark is a violation: the check wants its events and no other.
        trapped = TRAPPED if op == "trap" else None
        for pname, prof in profiles.items():
            log = ctx.log("calls", tag, pname)
            ms.append(workloads.calls_mode(cfg, pname, pname, op, target, n(op),
                                           envs.shim(prof, "enforce"), log, cwd,
                                           workloads.shim_check(log, "enforce", seccomp=True,
                                                                expected=trapped)))
        return ms

    rows = []
    plabel = {"python": "python (shipped)", "function": "function (orders-api)"}
    for op in ("open-close", "stat", "access"):
        for tree, f, d in (("task root (r)", task_file, sc.task),
                           ("/tmp (rwcd)", tmp_file, tmp_dir)):
            for kind, target, cwd in (("absolute", f, None),
                                      ("relative", os.path.relpath(f, d), d)):
                tag = f"{op}-{'task' if d == sc.task else 'tmp'}-{kind}"
                control = op == "stat" and d == sc.task and kind == "absolute"
                landlock = op == "open-close"
                g = ctx.interleave(f"calls {tag}", modes(op, target, cwd, tag, control,
                                                         libc=True, landlock=landlock), rounds)
                limit = 50 if kind == "absolute" else 150
                for pname in profiles:
                    rows.append(ctx.row("percall", g, "bare", pname, f"{op}", [
                        Target("added_max", limit, f"< {limit} ns added")], unit="ns",
                        call=op, path=f"{kind}, {tree}", profile=plabel[pname]))
                rows.append(ctx.row("percall", g, "bare", "libc", f"{op}", [
                    Target("added_max", limit, f"< {limit} ns added")], unit="ns",
                    note=LIBC_ALONE, call=op, path=f"{kind}, {tree}", profile=LIBC_PROFILE))
                if landlock:
                    rows.append(ctx.row("percall", g, "bare", "llfloor", f"{op}", unit="ns",
                                        note=LANDLOCK_FLOOR, call=op, path=f"{kind}, {tree}",
                                        profile="none (Landlock domain, one rule)"))
                if control:
                    rows.append(ctx.row("percall", g, "bare", "bare2", "stat (control)",
                                        _control(), unit="ns", call="stat (control: bare vs bare)",
                                        path=f"{kind}, {tree}", profile="none"))
    other = [
        ("connect", "localhost:443", "connect (UDP, loopback)", "an allowed name's address",
         50, "the address `getaddrinfo(\"localhost\")` gave (resolved once before the "
         "loop, as a program does before it connects), allowed by the profile's host rule "
         "for `localhost` port 443"),
        ("connect", "127.0.0.1:53", "connect (UDP, loopback, port 53)", "address", 50,
         "a DNS server's port: the shim leaves such a socket unconnected and remembers the "
         "peer, so that each query sent on it is read and its name judged (DESIGN.md); "
         "the connect is a `getsockopt(SO_TYPE)` and a disconnect instead"),
        ("getaddrinfo", "localhost", "getaddrinfo(\"localhost\")", "name", 50, None),
        ("execve", "/usr/bin/true", "fork + execve(/usr/bin/true) + wait", "absolute", 50,
         "the child is a new process under the shim: this is mostly its start-up "
         "(see Start-up, /usr/bin/true), not the exec check"),
        ("getpid", "-", "getpid (raw system call), seccomp only", "-", 15,
         "allowed whatever its arguments: the kernel's seccomp action cache may skip "
         "the filter"),
        ("personality", "-", "personality(0xffffffff), seccomp only", "-", 40,
         "allowed by its argument: the filter runs on every call"),
    ]
    # A call the profile does not list: trapped, logged, refused.
    for target, label, limit, note in (
            ("distinct", "trapped system call, its JSON line written", 2000,
             "afs_syscall (no profile lists it; the kernel does not implement it) with a "
             "new first argument each time, so that every call writes its `violation` "
             "line (to a file); bare, the kernel answers ENOSYS"),
            ("same", "trapped system call, rate-limited", None,
             "the same call again and again: after a burst of 10 lines the rate limiter "
             "counts instead of writing (one `suppressed` line at exit)")):
        g = ctx.interleave(f"calls trap-{target}", modes("trap", target, None, f"trap-{target}",
                                                          floor=True), rounds)
        for pname in profiles:
            rows.append(ctx.row("percall", g, "bare", pname, label,
                                [Target("added_max", limit, f"< {limit / 1000:g} µs added")]
                                if limit else [], unit="ns", note=note, call=label, path="-",
                                profile=plabel[pname]))
        rows.append(ctx.row("percall", g, "bare", "floor", label, unit="ns", note=TRAP_FLOOR,
                            call=label, path="-", profile="none (trap-only filter)"))
    for op, target, label, path, limit, note in other:
        floor = op != "execve"
        libc = op in ("connect", "getaddrinfo")
        tag = f"{op}-dns" if target.endswith(":53") else op
        g = ctx.interleave(f"calls {tag}", modes(op, target, None, tag, floor=floor, libc=libc),
                           rounds)
        for pname in profiles:
            rows.append(ctx.row("percall", g, "bare", pname, label,
                                [Target("added_max", limit, f"< {limit} ns added")],
                                unit="ns", note=note, call=label, path=path,
                                profile=plabel[pname]))
        if libc:
            rows.append(ctx.row("percall", g, "bare", "libc", label,
                                [Target("added_max", limit, f"< {limit} ns added")], unit="ns",
                                note=LIBC_ALONE, call=label, path=path, profile=LIBC_PROFILE))
        if floor:
            rows.append(ctx.row("percall", g, "bare", "floor", label, unit="ns",
                                note="any seccomp filter at all: a one-instruction filter "
                                     "that allows everything (`bench-calls "
                                     "--allow-all-filter`), the kernel's fixed cost under "
                                     "fnguard's (every system call the operation makes "
                                     "pays it)", call=label, path=path,
                                profile="none (allow-all filter)"))
    return {
        "id": "percall", "title": "1. Per-call overhead of allowed calls",
        "kind": "percall", "rows": rows, "rounds": rounds,
        "intro": (
            "`bench-calls OP TARGET N` loops N allowed calls after an untimed warm-up and "
            "prints its own CPU time (and wall time) per call; bare and under the shim in "
            "enforce mode, with the libc layer and the seccomp filter. Two profiles: the "
            "shipped `python` profile (plus this machine's interpreter tree, a host rule "
            "for `localhost` and an exec rule for `true`, which the benchmark needs), and "
            "a realistic function profile (`orders-api`: python + 39 file rules with "
            "denials, 12 network rules, 4 exec rules, `@lambda-runtime` + `@network-io`), "
            "both as bundles. Files are read from the task root (a read-only rule) and "
            "from `/tmp` (read-write-create-delete, where links are resolved: "
            "DESIGN.md). Relative paths are resolved against the current directory. "
            "Headline: CPU ns per call; the added-ns interval is the bootstrap 95% "
            "interval of the difference of the medians."),
    }


# ---------------------------------------------------------------- start-up

PRELOAD_FLOOR = "floor: an empty preloaded library"


def preload_floor(ctx, section, tag, argv, cwd):
    """The mode that preloads a library doing nothing (none when not built)."""
    empty = ctx.cfg.program("bench-empty-preload.so")
    if not empty:
        return []
    return [workloads.process_mode("preload", PRELOAD_FLOOR, argv,
                                   ctx.envs.bare(LD_PRELOAD=empty),
                                   ctx.log(section, tag, "preload"), cwd=cwd)]


def preload_floor_rows(ctx, section, g, what):
    if "preload" not in g.modes:
        return []
    return [ctx.row(section, g, "bare", "preload", what, workload=what, mode=PRELOAD_FLOOR,
                    note="what any LD_PRELOAD tool costs every process before doing any work "
                         "(`bench-empty-preload.so`): the loader opens, maps and relocates "
                         "one more object and searches it first for every symbol")]


def startup(ctx):
    cfg, sc, envs = ctx.cfg, ctx.scratch, ctx.envs
    rounds = cfg.startup_rounds
    rows = []
    local = write_profile(os.path.join(sc.var, "local-python.json"), benchenv.local_python(cfg))
    pyprof = write_profile(os.path.join(sc.var, "start-python.json"), {
        "fnguard": 1, "name": "bench-python", "extends": ["python", local]})
    pybundle = bundle(cfg, pyprof, envs.base)

    # Every process starts in the task root, as on Lambda.
    def shim_modes(tag, argv, json_prof, bundle_prof, seccomp=True):
        ms = []
        for mode in ("record", "alert", "enforce"):
            for form, prof in (("JSON", json_prof), ("bundle", bundle_prof)):
                name = f"{mode}-{form.lower()}"
                log = ctx.log("start", tag, name)
                ms.append(workloads.process_mode(
                    name, f"{mode}, {form}", argv, envs.shim(prof, mode), log, cwd=sc.task,
                    check=workloads.shim_check(log, mode,
                                               seccomp=None if mode == "record" else seccomp)))
        return ms

    def bare_modes(tag, argv):
        return [workloads.process_mode(name, name, argv, envs.bare(), ctx.log("start", tag, name),
                                       cwd=sc.task)
                for name in ("bare", "bare2")]

    def add_rows(g, what, enforce_targets, enforce_note=None):
        rows.append(ctx.row("startup", g, "bare", "bare2", what, _control(),
                            workload=what, mode="control: bare vs bare"))
        for mode in ("record", "alert", "enforce"):
            for form in ("json", "bundle"):
                name = f"{mode}-{form}"
                t = enforce_targets if name == "enforce-bundle" else []
                rows.append(ctx.row("startup", g, "bare", name, what, t,
                                    note=enforce_note if t else None, workload=what,
                                    mode=f"{mode}, {'JSON' if form == 'json' else 'bundle'}",
                                    init=_init_micros(g, name)))

    # python3 -c pass: the real interpreter binary.
    argv = [cfg.python, "-c", "pass"]
    ms = bare_modes("python", argv) + shim_modes("python", argv, pyprof, pybundle)
    layer = ctx.once("layer", lambda: workloads.build_layer(cfg, sc))
    wrap_log = ctx.log("start", "python", "wrapper")
    ms.append(workloads.process_mode(
        "wrapper", "enforce, JSON, through the layer's exec wrapper",
        [os.path.join(cfg.root, "tests", "lambda", "runtime.sh")] + argv,
        envs.bare(AWS_LAMBDA_EXEC_WRAPPER=layer, FNGUARD_PROFILE=pyprof, FNGUARD_MODE="enforce",
                  FNGUARD_LOG="stderr"),
        wrap_log, cwd=sc.task, check=workloads.shim_check(wrap_log, "enforce", seccomp=True)))
    run_log = ctx.log("start", "python", "run")
    ms.append(workloads.process_mode(
        "run", "enforce, JSON, fnguard run", [cfg.fnguard, "run", "--profile", pyprof, "--mode",
                                              "enforce", "--log", "stderr", "--"] + argv,
        envs.bare(), run_log, cwd=sc.task,
        check=workloads.shim_check(run_log, "enforce", seccomp=True)))
    g = ctx.interleave("start python3 -c pass", ms, rounds)
    what = "`python3 -c pass`"
    add_rows(g, what, [Target("ratio_max", 1.03), Target("added_max", 1.0, "< 1 ms added")])
    rows.append(ctx.row("startup", g, "bare", "wrapper", what, workload=what,
                        mode="enforce, JSON, through the layer's exec wrapper",
                        init=_init_micros(g, "wrapper"),
                        note="what a managed runtime pays: runtime.sh, the wrapper script "
                             "and its `fnguard check` of the profile, then the shim"))
    rows.append(ctx.row("startup", g, "bare", "run", what, workload=what,
                        mode="enforce, JSON, `fnguard run`", init=_init_micros(g, "run")))

    # node -e 0
    if cfg.node:
        local_node = write_profile(os.path.join(sc.var, "local-node.json"),
                                   benchenv.local_node(cfg))
        nprof = write_profile(os.path.join(sc.var, "start-node.json"), {
            "fnguard": 1, "name": "bench-node", "extends": ["nodejs", local_node]})
        argv = [cfg.node, "-e", "0"]
        ms = bare_modes("node", argv) + shim_modes("node", argv, nprof,
                                                   bundle(cfg, nprof, envs.base))
        g = ctx.interleave("start node -e 0", ms, rounds)
        add_rows(g, "`node -e 0`", [Target("ratio_max", 1.01),
                                    Target("added_max", 1.0, "< 1 ms added")])

    # A tiny dynamic program: the fixed cost of every process under the shim.
    argv = ["/usr/bin/true"]
    ms = bare_modes("true", argv) + preload_floor(ctx, "start", "true", argv, sc.task)
    for form, prof in (("json", pyprof), ("bundle", pybundle)):
        log = ctx.log("start", "true", form)
        ms.append(workloads.process_mode(f"enforce-{form}", f"enforce, {form}", argv,
                                         envs.shim(prof, "enforce"), log, cwd=sc.task,
                                         check=workloads.shim_check(log, "enforce", True)))
    g = ctx.interleave("start /usr/bin/true", ms, rounds)
    rows.append(ctx.row("startup", g, "bare", "bare2", "`/usr/bin/true`", _control(),
                        workload="`/usr/bin/true`", mode="control: bare vs bare"))
    for form in ("json", "bundle"):
        rows.append(ctx.row("startup", g, "bare", f"enforce-{form}", "`/usr/bin/true`",
                            workload="`/usr/bin/true` (python profile)",
                            mode=f"enforce, {'JSON' if form == 'json' else 'bundle'}",
                            init=_init_micros(g, f"enforce-{form}")))
    rows += preload_floor_rows(ctx, "startup", g, "`/usr/bin/true`")

    # Static programs under fnguard exec (the supervisor).
    config = os.path.join(sc.task, "config.json")
    with open(config, "w") as f:
        f.write('{"greeting": "Hello", "table": "orders"}\n')
    sprof = write_profile(os.path.join(sc.var, "start-static.json"), {
        "fnguard": 1, "name": "bench-static", "extends": ["provided"]})
    sbundle = bundle(cfg, sprof, envs.base)
    for prog, what in (("bench-static", "static C program"),
                       ("bench-static-go", "static Go program")):
        src = cfg.program(prog)
        if not src:
            continue
        exe = os.path.join(sc.task, prog)
        shutil.copy2(src, exe)
        argv = [exe, config]
        ms = bare_modes(prog, argv)
        for mode in ("record", "alert", "enforce"):
            for form, prof in (("json", sprof), ("bundle", sbundle)):
                name = f"{mode}-{form}"
                log = ctx.log("start", prog, name)
                ms.append(workloads.process_mode(
                    name, f"fnguard exec, {mode}, {form}",
                    [cfg.fnguard, "exec", "--profile", prof, "--mode", mode, "--log", "stderr",
                     "--"] + argv, envs.bare(), log, cwd=sc.task,
                    check=workloads.shim_check(log, mode)))
        g = ctx.interleave(f"start {prog}", ms, rounds)
        add_rows(g, f"{what} under `fnguard exec`", [Target("added_max", 1.0, "< 1 ms added")])
    return {
        "id": "startup", "title": "2. Start-up",
        "kind": "process", "rows": rows, "rounds": rounds,
        "intro": (
            "A whole process, bare and under fnguard: `python3 -c pass` (the real "
            "interpreter binary, not a shell shim) with the shipped `python` profile plus "
            "this machine's interpreter tree, `node -e 0` with the shipped `nodejs` "
            "profile, and static programs (C, Go) under `fnguard exec` with the shipped "
            "`provided` profile. The shim is preloaded through the environment, as the "
            "layer's wrapper or a container image's `ENV LD_PRELOAD` does; each mode with "
            "the JSON profile and with its bundle (`fnguard compile --format bundle`). Two "
            "more `python3` rows show the launchers: the layer's exec wrapper and "
            "`fnguard run`. `/usr/bin/true` shows the fixed cost every process started "
            "under fnguard pays."),
    }


# ---------------------------------------------------------------- macro

def _file_job(ctx):
    return ctx.once("filejob", lambda: workloads.FileJob(ctx.scratch, ctx.cfg.files))


def files_group(ctx):
    """The file-heavy job, bare, under fnguard and under the peer tools, in one
    group (macro and peers both report from it)."""
    def make():
        cfg, sc, envs = ctx.cfg, ctx.scratch, ctx.envs
        job = _file_job(ctx)
        prof = write_profile(os.path.join(sc.var, "files.json"), job.profile())
        fgb = bundle(cfg, prof, envs.base)
        bpf = raw_filter(cfg, prof)
        L = lambda name: ctx.log("files", name)  # noqa: E731
        ms = [job.mode("bare", "bare", [], envs.bare(), L("bare")),
              job.mode("bare2", "bare again", [], envs.bare(), L("bare2")),
              job.mode("record", "fnguard record",
                       [cfg.fnguard, "record", "-o", os.path.join(sc.var, "files-learned.json"),
                        "--extends", "lambda-base", "--log", "stderr", "--"], envs.bare(),
                       L("record"), check=workloads.shim_check(L("record"), "record"))]
        for mode in ("alert", "enforce"):
            ms.append(job.mode(mode, f"{mode}, bundle", [], envs.shim(fgb, mode), L(mode),
                               check=workloads.shim_check(L(mode), mode, seccomp=True)))
        ms.append(job.mode("run", "fnguard run, enforce, JSON",
                           [cfg.fnguard, "run", "--profile", prof, "--mode", "enforce", "--log",
                            "stderr", "--"], envs.bare(), L("run"),
                           check=workloads.shim_check(L("run"), "enforce", seccomp=True)))
        ms += _peer_modes(ctx, job.mode, bpf, L)
        return ctx.interleave("files", ms, cfg.rounds)
    return ctx.once("files-group", make)


def _peer_modes(ctx, make_mode, bpf, L):
    ms = []
    if shutil.which("strace"):
        ms.append(make_mode("strace", "strace -f -c",
                            ["strace", "-f", "-c", "-o", L("strace") + ".summary", "--"],
                            ctx.envs.bare(), L("strace")))
    if shutil.which("firejail"):
        ms.append(make_mode("firejail", "firejail --noprofile --seccomp",
                            ["firejail", "--quiet", "--noprofile", "--seccomp"],
                            ctx.envs.bare(), L("firejail")))
    if shutil.which("bwrap"):
        ms.append(make_mode("bwrap", "bwrap --seccomp (fnguard's filter)",
                            ["bwrap", "--dev-bind", "/", "/", "--seccomp", "{fd}"],
                            ctx.envs.bare(), L("bwrap"), filter_file=bpf))
    return ms


def macro(ctx):
    cfg, sc, envs = ctx.cfg, ctx.scratch, ctx.envs
    rows = []

    def add_rows(g, what, limit, kind_note, modes=("record", "alert", "enforce"), labels=None):
        rows.append(ctx.row("macro", g, "bare", "bare2", what, _control(), workload=what,
                            mode="control: bare vs bare"))
        for m in modes:
            t = [Target("ratio_max", 1.05 if m == "record" else limit)]
            rows.append(ctx.row("macro", g, "bare", m, what, t, workload=what,
                                mode=(labels or {}).get(m, m),
                                note=None if m == "record" else kind_note,
                                learn=_learn_stats(g, m) if m == "record" else None))

    # The example functions, 1000 events each through the Runtime API emulator.
    api, server = ctx.once("emulator", lambda: workloads.start_emulator(cfg.root))
    layer = ctx.once("layer", lambda: workloads.build_layer(cfg, sc))
    local_py = write_profile(os.path.join(sc.var, "local-python.json"),
                             benchenv.local_python(cfg))
    runtimes = [("python-container", "app.handler",
                 [cfg.python, os.path.join(cfg.root, "tests", "lambda", "bootstrap.py")],
                 local_py, "Python")]
    if cfg.node:
        local_node = write_profile(os.path.join(sc.var, "local-node.json"),
                                   benchenv.local_node(cfg))
        runtimes.append(("node-container", "index.handler",
                         [cfg.node, os.path.join(cfg.root, "tests", "lambda", "bootstrap.js")],
                         local_node, "Node.js"))
    for example, handler, cmd, local, lang in runtimes:
        ex_dir = os.path.join(cfg.root, "examples", example)
        fn = workloads.LambdaFunction(
            cfg, api, server, example, ex_dir, handler,
            [os.path.join(cfg.root, "tests", "lambda", "runtime.sh")] + cmd,
            workloads.example_events(cfg.root, example, cfg.events))
        prof = workloads.example_profile(os.path.join(sc.var, f"{example}.json"), ex_dir, local,
                                         fn.port)
        # Compiled, as the layer ships its own profiles (docs/lambda.md); recording: the JSON.
        fgb = bundle(cfg, prof, fn.env())
        ms = [fn.mode("bare", "bare", fn.env(), ctx.log(example, "bare")),
              fn.mode("bare2", "bare again", fn.env(), ctx.log(example, "bare2"))]
        for mode in ("record", "alert", "enforce"):
            log = ctx.log(example, mode)
            ms.append(fn.mode(mode, mode, fn.env(layer, prof if mode == "record" else fgb, mode),
                              log,
                              check=workloads.shim_check(
                                  log, mode, seccomp=None if mode == "record" else True)))
        g = ctx.interleave(f"lambda {example}", ms, cfg.rounds)
        add_rows(g, f"{lang} example, {cfg.events} events", 1.08,
                 "exec-heavy target: every event runs `/bin/sh -c echo ...`")

    # The file-heavy job.
    g = files_group(ctx)
    what = f"file-heavy job ({cfg.files} files)"
    add_rows(g, what, 1.03, None, ("record", "alert", "enforce", "run"),
             {"record": "record (`fnguard record`)", "alert": "alert, bundle",
              "enforce": "enforce, bundle", "run": "enforce, JSON (`fnguard run`)"})

    # The subprocess-heavy job.
    job = workloads.SpawnJob(sc, cfg.spawns)
    config = os.path.join(sc.task, "config.json")
    if not os.path.exists(config):
        with open(config, "w") as f:
            f.write('{"greeting": "Hello", "table": "orders"}\n')
    prof = write_profile(os.path.join(sc.var, "spawn.json"), job.profile())
    fgb = bundle(cfg, prof, envs.base)
    L = lambda name: ctx.log("spawn", name)  # noqa: E731
    ms = [job.mode("bare", "bare", [], envs.bare(), L("bare")),
          job.mode("bare2", "bare again", [], envs.bare(), L("bare2")),
          job.mode("record", "fnguard record",
                   [cfg.fnguard, "record", "-o", os.path.join(sc.var, "spawn-learned.json"),
                    "--extends", "lambda-base", "--log", "stderr", "--"], envs.bare(),
                   L("record"), check=workloads.shim_check(L("record"), "record"))]
    for mode in ("alert", "enforce"):
        ms.append(job.mode(mode, f"{mode}, bundle", [], envs.shim(fgb, mode), L(mode),
                           check=workloads.shim_check(L(mode), mode, seccomp=True)))
    ms.append(job.mode("json", "enforce, JSON", [], envs.shim(prof, "enforce"), L("json"),
                       check=workloads.shim_check(L("json"), "enforce", seccomp=True)))
    empty = cfg.program("bench-empty-preload.so")
    if empty:
        ms.append(job.mode("preload", PRELOAD_FLOOR, [], envs.bare(LD_PRELOAD=empty),
                           L("preload")))
    g = ctx.interleave("spawn", ms, cfg.rounds)
    what = f"subprocess-heavy job ({3 * cfg.spawns} execs)"
    add_rows(g, what, 1.08, "exec-heavy target", ("record", "alert", "enforce", "json"),
             {"record": "record (`fnguard record`)", "alert": "alert, bundle",
              "enforce": "enforce, bundle", "json": "enforce, JSON"})
    rows += preload_floor_rows(ctx, "macro", g, what)
    return {
        "id": "macro", "title": "3. Macro workloads",
        "kind": "process", "rows": rows, "rounds": cfg.rounds,
        "intro": (
            f"Whole workloads, bare and under fnguard. **Example functions**: "
            f"`examples/python-container` and `examples/node-container` over {cfg.events} "
            "events (their `events.jsonl`, cycled), started as Lambda starts them "
            "(`tests/lambda/runtime.sh`, the layer's `fnguard-wrapper` as "
            "`AWS_LAMBDA_EXEC_WRAPPER`, the example's recorded profile compiled into a bundle "
            "as the layer ships its own; its JSON for record mode) and fed by the Runtime API "
            "emulator of "
            "`tests/lambda/runtime_api.py`; the sample is the runtime's whole life. Each "
            "event runs a shell, so these count as exec-heavy. **File-heavy**: extract a "
            f"tar of {cfg.files} small files (100 to 2000 bytes) under `/tmp` and read every "
            "file back (`sh`, `mkdir`, `tar`, `find`, `cat`, `wc`; the output is checked). "
            f"**Subprocess-heavy**: a shell loop running `true`, `cat` and `date` "
            f"{cfg.spawns} times. Record mode is `fnguard record --extends lambda-base` "
            "(learning from scratch, writing the profile at exit); for the examples it is "
            "`FNGUARD_MODE=record` through the wrapper, as in staging on Lambda."),
    }


# ---------------------------------------------------------------- scaling

def scaling(ctx):
    cfg, sc, envs = ctx.cfg, ctx.scratch, ctx.envs
    job = _file_job(ctx)
    base = job.profile()
    ms, rows = [], []
    profs = {}
    for n in cfg.scaling_rules:
        files, hosts = workloads.scaling_rules(n)
        p = dict(base, name=f"bench-files-{n}", files=base["files"] + files, network=hosts)
        profs[n] = write_profile(os.path.join(sc.var, f"scaling-{n}.json"), p)
    small, large = cfg.scaling_rules[0], cfg.scaling_rules[-1]
    L = lambda name: ctx.log("scaling", name)  # noqa: E731
    for n in cfg.scaling_rules:
        fgb = bundle(cfg, profs[n], envs.base)
        names = [f"b{n}", f"b{n}-again"] if n == small else [f"b{n}"]
        for name in names:
            ms.append(job.mode(name, f"{n} rules, bundle", [], envs.shim(fgb, "enforce"),
                               L(name), check=workloads.shim_check(L(name), "enforce", True)))
    # JSON at the largest size only: what `fnguard run` users get (it takes no
    # bundle), where every process of the job parses the profile.
    ms.append(job.mode(f"j{large}", f"{large} rules, JSON", [], envs.shim(profs[large], "enforce"),
                       L(f"j{large}"), check=workloads.shim_check(L(f"j{large}"), "enforce", True)))
    g = ctx.interleave("scaling", ms, cfg.rounds)
    what = f"file-heavy job ({cfg.files} files), enforce"
    rows.append(ctx.row("scaling", g, f"b{small}", f"b{small}-again", what, _control(),
                        workload=what, mode=f"control: {small} vs {small} rules, bundle"))
    for n in cfg.scaling_rules[1:]:
        t = [Target("ratio_max", 1.05)] if n == large else []
        rows.append(ctx.row("scaling", g, f"b{small}", f"b{n}", what, t, workload=what,
                            mode=f"{n} vs {small} path + host rules, bundle"))
    rows.append(ctx.row("scaling", g, f"b{large}", f"j{large}", what, workload=what,
                        mode=f"{large} rules: JSON vs bundle",
                        note="with JSON every process of the job parses the profile"))
    return {
        "id": "scaling", "title": "4. Scaling with the number of rules",
        "kind": "process", "rows": rows, "rounds": cfg.rounds, "ratio_to": "fewest rules",
        "intro": (
            "The file-heavy job in enforce mode with the job's profile plus N path rules "
            "and N host rules shaped like real ones (task-root vendor trees, layer modules, "
            "`/tmp` caches, denials; exact names, `*.` domains, `*` labels, port ranges), "
            "none of which the job needs. Ratios are to the same job with 10 rules, all "
            "bundles; one more row compares JSON with the bundle at the largest size."),
    }


# ---------------------------------------------------------------- peers

def peers(ctx):
    cfg, sc, envs = ctx.cfg, ctx.scratch, ctx.envs
    rows = []

    def add_rows(g, what, strace_target):
        names = g.modes
        rows.append(ctx.row("peers", g, "bare", "bare2", what, _control(), workload=what,
                            mode="control: bare vs bare"))
        for m, label in (("strace", "strace -f -c"), ("record", "fnguard record"),
                         ("firejail", "firejail --noprofile --seccomp"),
                         ("bwrap", "bwrap --seccomp (fnguard's filter, errno)"),
                         ("run", "fnguard run, enforce, JSON"),
                         ("enforce", "fnguard enforce, bundle")):
            if m in names:
                rows.append(ctx.row("peers", g, "bare", m, what, workload=what,
                                    mode=f"{label} vs bare"))
        if "strace" in names:
            # The issue sets the 10x on the file-heavy job only.
            t = [Target("ratio_min", 10)] if strace_target else []
            rows.append(ctx.row("peers", g, "record", "strace", what, t,
                                workload=what, mode="strace -f -c vs fnguard record",
                                note="how many times longer strace takes"))
        for peer in ("firejail", "bwrap"):
            if peer not in names:
                continue
            for m, label in (("run", "fnguard run (JSON)"), ("enforce", "enforce (bundle)")):
                rows.append(ctx.row("peers", g, peer, m, what, [Target("ratio_max", 1.0)],
                                    workload=what, mode=f"{label} vs {peer}"))

    # Start-up: python3 -c pass.
    local = write_profile(os.path.join(sc.var, "local-python.json"), benchenv.local_python(cfg))
    prof = write_profile(os.path.join(sc.var, "peers-python.json"), {
        "fnguard": 1, "name": "bench-python", "extends": ["python", local]})
    fgb, bpf = bundle(cfg, prof, envs.base), raw_filter(cfg, prof)
    argv = [cfg.python, "-c", "pass"]
    L = lambda name: ctx.log("peers-start", name)  # noqa: E731

    def mk(name, label, prefix, env, log, check=None, filter_file=None):
        return workloads.process_mode(name, label, prefix + argv, env, log, cwd=sc.task,
                                      check=check, filter_file=filter_file)

    ms = [mk("bare", "bare", [], envs.bare(), L("bare")),
          mk("bare2", "bare again", [], envs.bare(), L("bare2")),
          mk("record", "fnguard record",
             [cfg.fnguard, "record", "-o", os.path.join(sc.var, "peers-learned.json"),
              "--extends", "lambda-base", "--log", "stderr", "--"], envs.bare(), L("record"),
             check=workloads.shim_check(L("record"), "record")),
          mk("run", "fnguard run, enforce, JSON",
             [cfg.fnguard, "run", "--profile", prof, "--mode", "enforce", "--log", "stderr",
              "--"], envs.bare(), L("run"),
             check=workloads.shim_check(L("run"), "enforce", seccomp=True)),
          mk("enforce", "enforce, bundle", [], envs.shim(fgb, "enforce"), L("enforce"),
             check=workloads.shim_check(L("enforce"), "enforce", seccomp=True))]
    ms += _peer_modes(ctx, mk, bpf, L)
    g = ctx.interleave("peers python3 -c pass", ms, cfg.startup_rounds)
    add_rows(g, "`python3 -c pass`", False)

    g = files_group(ctx)
    add_rows(g, f"file-heavy job ({cfg.files} files)", True)
    return {
        "id": "peers", "title": "5. Peers",
        "kind": "process", "rows": rows, "rounds": cfg.rounds,
        "intro": (
            "The same workloads under other tools, in the same interleaved rounds as fnguard "
            "(the file-heavy job's group is the one of section 3). `strace -f -c` is the "
            "ptrace approach recorders such as minijail's policy generator use, against "
            "`fnguard record`; `firejail --noprofile --seccomp` (firejail's default filter) "
            "and `bwrap --dev-bind / / --seccomp FD` with fnguard's own filter for the "
            "profile (`fnguard compile --format bpf --errno-only`) are sandboxes that "
            "filter system calls, against `fnguard run` and the preloaded shim with a "
            "bundle in enforce mode. A row \"A vs B\" shows time(A) / time(B): *strace vs "
            "record* is how many times longer strace takes, *fnguard vs firejail* at "
            "most 1.00 means fnguard is no slower."),
    }


# ---------------------------------------------------------------- matcher

def match(ctx):
    """The policy engine's matcher alone (bench-match): informational."""
    cfg = ctx.cfg
    prog = cfg.program("bench-match")
    if not prog:
        return None
    seconds = "0.02" if cfg.quick else "0.2"
    p = subprocess.run([prog, seconds], capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError(f"bench-match: {p.stderr.strip()}")
    return {
        "id": "match", "title": "Supplement: the matcher alone",
        "kind": "text", "rows": [], "text": p.stdout.strip(),
        "intro": (
            "`bench-match`: one `glob_trie_match` over tries of realistic path and host "
            "rules (hits and misses), median of repeated timings in one process. No target: "
            "it explains the scaling section."),
    }


SECTION_FUNCS = {"percall": percall, "startup": startup, "macro": macro, "scaling": scaling,
                 "peers": peers, "match": match}


def _learn_stats(group, mode):
    """[learn lines, distinct (category, op, target)] in the warm-up run's log."""
    events = [e for e in group.info.get(mode) or [] if e.get("type") == "learn"]
    if not events:
        return None
    return [len(events), len({(e.get("category"), e.get("op"), e.get("target"))
                              for e in events})]


def _missed(sec, pred):
    return [r for r in sec["rows"] if r["verdict"] == "missed" and pred(r)]


def _added_of(sec, pred):
    vals = [r["cpu"]["added"] for r in sec["rows"] if "cpu" in r and pred(r)]
    return min(vals) if vals else None


def _floor_text(sec, workload, limit):
    """What an empty preloaded library adds to a workload, and what enforce
    adds on top of it, when the run has the floor row."""
    floor = [r for r in sec["rows"] if r["other"] == "preload" and "cpu" in r and
             workload in r["cols"].get("workload", "")]
    ours = [r for r in sec["rows"] if r["other"] == "enforce" and "cpu" in r and
            workload in r["cols"].get("workload", "")]
    execs = re.search(r"\((\d+) execs\)", floor[0]["cols"]["workload"]) if floor else None
    if not floor or not ours or not execs:
        return ""
    f, e, n = floor[0]["cpu"], ours[0]["cpu"], int(execs.group(1))
    above = f["ratio_ci"][0] > limit
    return (f" An empty preloaded library alone adds {f['added']:+.0f} ms to the "
            f"{workload} job ({f['ratio']:.3f}x, {1000 * f['added'] / n:.0f} µs a process): "
            "what any LD_PRELOAD tool pays before doing anything" +
            (f", already above the {limit:.2f}x target on this machine, so no preloaded "
             "library can meet it here" if above else "") + "; enforce adds "
            f"{(e['added'] - f['added']) * 1000 / n:.0f} µs a process on top of it.")


def findings(sec):
    """Why targets are missed, where the cause is known (measured on this
    tree; each text is printed only when its rows miss)."""
    out = []
    sid = sec["id"]
    if sid == "percall":
        def rel_tmp(r):
            return "relative, /tmp" in r["cols"].get("path", "")

        tmp = _missed(sec, lambda r: "/tmp" in r["cols"].get("path", "") and not rel_tmp(r) and
                      r["cols"].get("call", "") != "open-close")
        if tmp:
            out.append(
                f"`stat` and `access` of absolute names under `/tmp` ({len(tmp)} rows): "
                "wherever a rule grants "
                "`c`, the function can plant a symlink, so there the shim opens the name "
                "`O_PATH` with `openat2(RESOLVE_NO_SYMLINKS)` and makes the call on that "
                "descriptor (`fstatat`, `statx` or `faccessat2` with `AT_EMPTY_PATH`): the "
                "name judged is the file looked at, for two system calls more than bare (the "
                "open and the close; a system call costs about half a microsecond to a "
                "microsecond on this machine, a bare `stat` is the first row's baseline). "
                "Before 2026-11-23 it was one `readlinkat(2)` per component from the create "
                "root down, +3.3 µs. What would close the rest: nothing that keeps the links "
                "judged for less than a system call; remembering link-free directories would "
                "need one to learn they still are.")
        rel = _missed(sec, rel_tmp)
        if rel:
            out.append(
                f"Relative names under `/tmp` ({len(rel)} rows): opened (or, for `stat` and "
                "`access`, looked at through an `O_PATH` descriptor) with "
                "`openat2(RESOLVE_NO_SYMLINKS)` from the working directory, then one "
                "`getcwd(2)` says the directory's path is still the one the name was judged "
                "against (the shim remembers it, and a rename, which no `chdir` announces, "
                "would move the file reached): one system call more than an absolute name. "
                "Before 2026-11-23 they took the long way, one `readlinkat(2)` per component "
                "and, for an open, a `readlink` of `/proc/self/fd/N` after it (+8 to +10 µs "
                "an open; that `readlink` alone costs ~3 µs here, six times a `getcwd`). "
                "What would close the rest: nothing that keeps both the links and the "
                "directory's renames judged for less than a system call.")
        def oc_of(other, where):
            return _added_of(sec, lambda r: r["other"] == other and r["cols"].get(
                "call", "") == "open-close" and r["cols"].get("path", "") == where)

        oc = _missed(sec, lambda r: r["cols"].get("call", "") == "open-close" and
                     not rel_tmp(r) and r["other"] != "libc")
        task, tmp_abs = "absolute, task root (r)", "absolute, /tmp (rwcd)"
        ll, libc, libc_tmp = oc_of("llfloor", task), oc_of("libc", task), oc_of("libc", tmp_abs)
        tmp_text = f"; under `/tmp` {libc_tmp:+.0f} ns" if libc_tmp is not None else ""
        if oc and ll is not None and libc is not None:
            out.append(
                f"`open`+`close` ({len(oc)} rows): almost all of it is the kernel's Landlock "
                f"layer, which runs on every `open`: a Landlock domain alone (one rule "
                f"granting everything, no fnguard) adds {ll:+.0f} ns to the same loop in the "
                f"task root on this kernel, the libc layer alone {libc:+.0f} ns (the rows "
                f"*libc layer alone*{tmp_text}). Under "
                "`/tmp`, where links can be planted, an absolute name is opened with "
                "`openat2(RESOLVE_NO_SYMLINKS)`, which costs what `openat` costs: the kernel "
                "refuses any link on the way, so nothing is asked before or after (before "
                "2026-11-23: one `readlinkat` per component and a check of the descriptor, "
                "+7.9 µs). Landlock is what keeps the file "
                "rules when a call steps around libc (inline system calls, a raw `openat`, "
                "static helpers), so enforce keeps it on by design; `stat` and `access` are "
                "not checked by Landlock and show the libc layer's own cost.")
        trap = _missed(sec, lambda r: r["cols"].get("call", "").startswith(
            "trapped system call, its JSON"))
        trap_floor = _added_of(sec, lambda r: r["other"] == "floor" and r["cols"].get(
            "call", "").startswith("trapped system call, its JSON"))
        if trap and trap_floor is not None:
            out.append(
                f"A trapped system call ({len(trap)} rows): the kernel's trap and signal "
                f"round trip alone, with a handler that does nothing, adds {trap_floor:+.0f} "
                "ns here (the signal frame saves and restores the whole vector register "
                "state, AVX-512 on this CPU): the 2 µs target is at or under that floor on "
                "this machine. fnguard's handler adds, on top of it, naming the call and "
                "its rule, the JSON line (formatting, the rate limiter's keyed hash) and its "
                "`write` (`SIGPIPE` and `SIGXFSZ` are blocked by the handler's own signal "
                "mask, set by the kernel on entry, so that a reader gone away or a file "
                "size limit cannot kill the function: no system call but the `write` "
                "unless it fails); the rate-limited rows show the handler without the "
                "line.")
        for op in ("getpid", "personality"):
            rows = _missed(sec, lambda r, op=op: r["cols"].get("call", "").startswith(
                "getpid" if op == "getpid" else "personality"))
            floor = _added_of(sec, lambda r, op=op: r["other"] == "floor" and r["cols"].get(
                "call", "").startswith("getpid" if op == "getpid" else "personality"))
            if rows and floor is not None:
                out.append(
                    f"`{op}` under the filter: a one-instruction allow-all filter alone adds "
                    f"{floor:+.0f} ns on this kernel (the system call slow path taken by any "
                    "task with a filter), fnguard's filter "
                    f"{min(r['cpu']['added'] for r in rows):+.0f} ns or more. The part above "
                    "the floor is the filter's own length (a binary tree on the call number "
                    "after the architecture check); the floor is not fnguard's to remove.")
        why = {
            "connect (UDP, loopback, port 53)":
                "the rest is the shim's handling of a DNS server's port: the socket is left "
                "unconnected (a `getsockopt(SO_TYPE)` to know it is UDP, then a disconnect "
                "instead of the connect) and the peer remembered, so that every query sent "
                "on it is read and its name judged; what it costs a lookup is in the "
                "`getaddrinfo` row's order of magnitude",
            "connect (UDP, loopback)":
                "the rest is the libc layer's check of the address (a peer the profile "
                "allows for both protocols, by its address or by the name it was resolved "
                "from, is remembered per thread, so a repeated `connect` or `sendto` skips "
                "the rule lookups and the `getsockopt(SO_TYPE)`; a name's answer until its "
                "binding ends)",
            "getaddrinfo": "`getaddrinfo` makes about eight system calls (it reads "
                           "`/etc/hosts` through `open`, `fstat`, `read`, `lseek`, `close`), "
                           "each paying that floor and fnguard's longer filter, and Landlock "
                           "checks its `open` of `/etc/hosts` (about +0.8 µs of the total: the "
                           "same loop with `FNGUARD_NO_LANDLOCK=1`); the shim's own work on "
                           "the name (judging it, binding the addresses it resolved to for "
                           "later connects) is about 0.2 µs (perf)",
        }
        for op, text in why.items():
            def this(r, op=op):
                call = r["cols"].get("call", "")
                return call == op if op.startswith("connect") else call.startswith(op)
            rows = _missed(sec, this)
            floor = _added_of(sec, lambda r, this=this: r["other"] == "floor" and this(r))
            if rows and floor is not None:
                out.append(
                    f"{op if op.startswith('connect') else f'`{op}`'}: a one-instruction "
                    "allow-all seccomp filter alone adds "
                    f"{floor:+.0f} ns to it on this kernel, fnguard "
                    f"{min(r['cpu']['added'] for r in rows):+.0f} ns or more; " + text + ".")
        ex = _missed(sec, lambda r: r["cols"].get("call", "").startswith("fork + execve"))
        if ex:
            out.append(
                "`execve` rows: a new process under the shim loads libfnguard.so, reads its "
                "profile and sets itself up before `main` (the start-up section's "
                "`/usr/bin/true` rows show that fixed cost); the 50 ns target can only apply to "
                "the exec check in the parent, which this loop cannot separate from it.")
    if sid == "startup":
        rows = _missed(sec, lambda r: "under `fnguard exec`" in r["cols"].get("workload", ""))
        if rows:
            out.append(
                "`fnguard exec`: the supervisor is a second process and its CPU time counts: "
                "its own start (an exec of the CLI, about 0.4 ms here with its exit), the "
                "profile, the kernel's check and JIT compilation of the merged filter (~750 "
                "instructions, about 0.2 ms), the clone of the child, a worker thread, and a "
                "round trip for each of the program's notified calls; with a JSON profile it "
                "also compiles the profile's filter with libseccomp. A static binary's start-up "
                "is about a millisecond, so every millisecond of it shows as 2x. On 2026-11-25 "
                "about 0.5 ms a run came off (docs/supervisor.md, Cost).")
        rows = _missed(sec, lambda r: r["other"] == "enforce-bundle" and
                       "fnguard exec" not in r["cols"].get("workload", ""))
        if rows:
            out.append(
                "The interpreters, enforce with a bundle: the added time is fnguard's fixed "
                "per-process cost (the *shim init µs* column is the start event's "
                "`initMicros`; `/usr/bin/true` shows the same cost on a program that does "
                "nothing) plus judging the interpreter's own start-up opens and stats, many "
                "under rules that need link resolution (`/proc/self/...`).")
    if sid == "macro":
        rec = _missed(sec, lambda r: r["other"] == "record")
        if rec:
            dup = "; ".join(f"{r['cols']['workload']}: {r['cols']['learn'][0]} learn lines for "
                            f"{r['cols']['learn'][1]} distinct behaviours"
                            for r in rec if r["cols"].get("learn"))
            out.append(
                "Record mode: learn events are deduplicated for the whole process tree (a "
                "memfd table shared through `FNGUARD_LEARN_FD`)" +
                (f" — {dup}" if dup else "") + "; what record adds beyond that is the "
                "exec-heavy cost below, paid by every `/bin/sh` the example functions start, "
                "plus one `write` per new behaviour.")
        ex = _missed(sec, lambda r: r["other"] in ("alert", "enforce", "json") and
                     ("example" in r["cols"].get("workload", "") or
                      "subprocess" in r["cols"].get("workload", "")))
        if ex:
            floor = _floor_text(sec, "subprocess-heavy", 1.08)
            out.append(
                "Exec-heavy rows: every process started under fnguard pays the fixed "
                "start-up cost of the shim (see `/usr/bin/true` in section 2; from a shimmed "
                "shell, where the filter and Landlock are inherited, about 0.30 ms per "
                "`/usr/bin/true` when measured side by side)." + floor + " Where it goes, "
                "measured in the subprocess loop (2026-11-23): loading libfnguard.so before "
                "its constructor runs, about 55 us more than an empty preload (relocations "
                "and the pages they touch; packing the relative ones, DT_RELR, took 23 us off, "
                "but makes the library need glibc 2.36, which Lambda's Amazon Linux 2023 "
                "lacks: off since 2026-11-25 unless built with -Drelr=enabled); then the shim's own start in a descendant, timed phase by phase: "
                "finding libc's functions 10-15 us, the log and environment ~15, the profile "
                "~100 (reading the bundle 28, its checksum 5, the image 8, the matchers and "
                "tables 15, the first touches of the code doing it), Landlock and seccomp "
                "(inherited) 4. Taken off on 2026-11-23: the program's path (a readlink of "
                "/proc/self/exe, ~25 us in a new process) is read when an event first needs "
                "it, and the profile hash is no first snprintf (~7 us of libc's printf "
                "pages): the shim's cost above an empty preload in this loop fell by about a "
                "quarter. Taken off on 2026-11-25 (paired, 300 processes a run, 24 "
                "rounds: 794 -> 759 us a process, an empty preload 602): libc's functions "
                "are looked up when first called, not all 205 at start (-52 000 "
                "instructions, ~5 us); the code a start runs is grouped at the front of "
                "the library (`lib/start-order.ld`: -3.4 page faults, ~13 us); the path "
                "trie's prefix cache is not written at start and the verdict cache is out "
                "of thread-local storage, which the loader zeroes (-2 page faults each). "
                "Tried without effect: lazy binding, mapping the bundle instead of "
                "reading it, Landlock off (`FNGUARD_NO_LANDLOCK=1`), populating the "
                "shim's data pages with one `madvise(MADV_POPULATE_WRITE)`. "
                "A JSON profile is read "
                "once per tree: the process that parses it hands its descendants the result "
                "in a sealed memfd (docs/operations.md), so they start as under a bundle "
                "(compare the JSON and bundle rows). Measured again on 2026-11-23 (paired, "
                "150 calls a run): Python's `subprocess.run(['/bin/sh', '-c', 'echo hi'])` "
                "adds 18 us in the caller (an empty preload 3) and 223 us in the children (an "
                "empty preload 38); Node's `execSync('echo hi')` adds 64 us in node and 313 us "
                "in the children (an empty preload 33), because libuv forks and the shim's "
                "exec check then runs in the fork child, where every page it touches that "
                "fork left shared is copied: 52 page faults before the exec against 35 bare "
                "(Python's subprocess uses vfork, which copies nothing). In the started "
                "program, 78 page faults per `/usr/bin/true` (86 before 2026-11-25) "
                "against 56 under an empty preload (2026-11-23, before those: the heap "
                "pages of the bundle read and the tables built from it "
                "(about 15), the shim's code and relocated data (about 10), libc pages its "
                "start touches (about 4)); perf puts about 60 % of the shim's added CPU time "
                "in the kernel (page faults, mostly: about 2 us each here), 10 % in the "
                "loader, 10 % in libc and 15 % in the shim's own code. What would close the "
                "rest is fewer pages touched: a profile image descendants use in place "
                "instead of building tables on the heap, the code an exec check runs "
                "grouped into fewer pages as the start's is, smaller stack frames on the "
                "exec path; the loader's and libc's own pages are not fnguard's.")
        fil = _missed(sec, lambda r: "file-heavy" in r["cols"].get("workload", "") and
                      r["other"] in ("alert", "enforce", "run"))
        if fil:
            out.append(
                "File-heavy job: it works under `/tmp`, where every judged call pays the link "
                "resolution described under section 1.")
    if sid == "scaling":
        big = _missed(sec, lambda r: True)
        if big:
            out.append(
                "10 000 rules: the path matcher comes prebuilt in the bundle and is used "
                "where it lies, and the host, CIDR and unix-socket matchers are built only "
                "by a process that judges an address (the supplement's *host build ms* "
                "column; the job's processes judge none); what remains is the profile "
                "image every process reads at start (its size grows with the rules) and "
                "a tenth of the rules under `/tmp`, where the job's paths are matched. "
                "Measured on 2026-11-25 (`/usr/bin/true` from a shimmed shell, these "
                "10 000 path and 10 000 host rules against 10): a process's start "
                "went from 33.6 M to 13.4 M instructions and from 9.5 to 7.7 ms (10 "
                "rules: 0.77 ms) when the rules' literal roots stopped being copied "
                "(11 000 strdup), many create roots were put in a hash, a descendant "
                "stopped validating the network rules its tree's first process had, and "
                "the image's strings went into one block; the rest is copying the "
                "image's rules out (about 800 page faults a process for this profile). "
                "Carrying them without copying (the image used in place, as the path "
                "matcher is) would close more.")
    if sid == "peers":
        st = _missed(sec, lambda r: r["base"] == "record" and r["other"] == "strace")
        for r in st:
            vs_bare = {x["other"]: x["cpu"] for x in sec["rows"]
                       if x["group"] == r["group"] and x["base"] == "bare" and "cpu" in x}
            if "strace" in vs_bare and "record" in vs_bare and vs_bare["record"]["added"] > 0:
                out.append(
                    f"{r['cols']['workload']}: strace -f -c itself takes "
                    f"{vs_bare['strace']['ratio']:.2f}x bare here, so with the total times "
                    "compared even a record mode that cost nothing could not be 10x faster; "
                    "compared by the time each adds to the bare run, strace adds "
                    f"{vs_bare['strace']['added'] / vs_bare['record']['added']:.1f}x what "
                    "record adds.")
        if st:
            out.append(
                "strace vs record: strace stops the tracee twice per system call, but fnguard "
                "record is far from free either: every process pays the shim's fixed start-up "
                "(section 2, `/usr/bin/true`), every judged call under `/tmp` the link "
                "resolution of section 1, and every new behaviour a write (once per process "
                "tree).")
    return out
