# SPDX-License-Identifier: MIT
"""Run by test-refusals.py under the shim: one check, named by argv[1], in the fixture
directory argv[2] (its denied/ and allowed/ halves); prints one JSON line: what the
operation the profile does not allow did ("denied": a value or the exception) and what
an allowed operation of the same kind did after it ("after")."""
import ctypes
import json
import os
import socket
import subprocess
import sys

CHECK, F = sys.argv[1], sys.argv[2]
CFG = json.loads(os.environ["REFUSAL_CFG"])
D = os.path.join(F, "denied")
A = os.path.join(F, "allowed")
SECRET = os.path.join(D, "secret.txt")
OK = os.path.join(A, "ok.txt")
LINK = os.path.join(CFG["tmp"], os.path.basename(F) + "-link")
P = CFG["ports"]


def attempt(fn):
    try:
        v = fn()
        return {"value": v if isinstance(v, (int, str, list, bool, type(None))) else repr(v)}
    except BaseException as e:  # noqa: BLE001 - any exception is the answer
        out = {"exc": type(e).__name__, "errno": getattr(e, "errno", None), "msg": str(e)[:300]}
        reason = getattr(e, "reason", None)  # urllib's URLError
        if isinstance(reason, BaseException):
            out["reason"] = type(reason).__name__
            out["reason_errno"] = getattr(reason, "errno", None)
        return out


def read(path):
    with open(path) as f:
        return f.read()


def write_new(path, text="x"):
    with open(path, "x") as f:
        f.write(text)
    return os.path.exists(path)


def rename_into():
    write_new(os.path.join(A, "plant.txt"))
    os.rename(os.path.join(A, "plant.txt"), os.path.join(D, "plant.txt"))
    return os.path.exists(os.path.join(D, "plant.txt"))


def shutil_copy(src, dst):
    import shutil
    shutil.copy(src, dst)
    return read(dst)


def inotify(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_CLOEXEC)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
    try:
        wd = libc.inotify_add_watch(fd, path.encode(), 0xfff)  # IN_ALL_EVENTS
        if wd < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e), path)
        return wd
    finally:
        os.close(fd)


def do_import(directory, name):
    sys.path.insert(0, directory)
    try:
        mod = __import__(name)
        return mod.VALUE
    finally:
        sys.path.remove(directory)


def import_file(path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("by_file", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.VALUE


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=20, **kw)
    return [r.returncode, r.stdout, r.stderr.strip()[-200:]]


def fork_execv(path):
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open("/dev/null", os.O_WRONLY)
            os.dup2(fd, 1)
            os.execv(path, [path, "-u" if path.endswith("/id") else "ok"])
        except OSError as e:
            os._exit(e.errno if e.errno < 100 else 99)
        os._exit(98)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def connect(port, host="127.0.0.1"):
    with socket.create_connection((host, port), timeout=5) as s:
        return list(s.getpeername())


def sendto(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        return s.sendto(b"refusals", ("127.0.0.1", port))


def bind_listen(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
        return s.getsockname()[1] == port


def http_server(port):
    import http.server
    srv = http.server.HTTPServer(("127.0.0.1", port), http.server.BaseHTTPRequestHandler)
    srv.server_close()
    return True


def urlopen(url):
    import urllib.request
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def gai(name, port):
    return sorted({a[4][0] for a in socket.getaddrinfo(name, port, socket.AF_INET)})


def mp_open(path):
    try:
        with open(path):
            pass
    except PermissionError:
        os._exit(13)
    os._exit(0)


def mp_run(method, path):
    import multiprocessing
    ctx = multiprocessing.get_context(method)
    p = ctx.Process(target=mp_open, args=(path,))
    p.start()
    p.join(20)
    return p.exitcode


def pathlib_op(op):
    import pathlib
    if op == "read":
        return lambda p: pathlib.Path(p).read_text()
    if op == "iterdir":
        return lambda p: sorted(x.name for x in pathlib.Path(p).iterdir())
    if op == "write":
        return lambda p: pathlib.Path(p).write_text("x")
    if op == "exists":
        return lambda p: pathlib.Path(p).exists()


CHECKS = {
    "open-read": (lambda: read(SECRET), lambda: read(OK)),
    "open-write": (lambda: open(SECRET, "a").write("x"), lambda: open(OK, "a").write("x")),
    "create": (lambda: write_new(os.path.join(D, "new.txt")),
               lambda: write_new(os.path.join(A, "new.txt"))),
    "unlink": (lambda: os.unlink(SECRET), lambda: os.unlink(OK)),
    "rename-from": (lambda: os.rename(SECRET, os.path.join(A, "stolen.txt")),
                    lambda: os.rename(OK, os.path.join(A, "moved.txt"))),
    "rename-into": (rename_into, lambda: os.rename(OK, os.path.join(A, "moved.txt"))),
    "mkdir": (lambda: os.mkdir(os.path.join(D, "newdir")),
              lambda: os.mkdir(os.path.join(A, "newdir"))),
    "rmdir": (lambda: os.rmdir(os.path.join(D, "sub")),
              lambda: os.rmdir(os.path.join(A, "sub"))),
    "stat": (lambda: os.stat(SECRET).st_size, lambda: os.stat(OK).st_size),
    "listdir": (lambda: sorted(os.listdir(D)), lambda: sorted(os.listdir(A))[:3]),
    "scandir": (lambda: sorted(e.name for e in os.scandir(D)),
                lambda: sorted(e.name for e in os.scandir(A))[:3]),
    "shutil-copy-from": (lambda: shutil_copy(SECRET, os.path.join(A, "copy.txt")),
                         lambda: shutil_copy(OK, os.path.join(A, "copy2.txt"))),
    "shutil-copy-into": (lambda: shutil_copy(OK, os.path.join(D, "copy.txt")),
                         lambda: shutil_copy(OK, os.path.join(A, "copy2.txt"))),
    "pathlib-read": (lambda: pathlib_op("read")(SECRET), lambda: pathlib_op("read")(OK)),
    "pathlib-iterdir": (lambda: pathlib_op("iterdir")(D), lambda: pathlib_op("iterdir")(A)[:3]),
    "pathlib-write": (lambda: pathlib_op("write")(os.path.join(D, "p.txt")),
                      lambda: pathlib_op("write")(os.path.join(A, "p.txt"))),
    "pathlib-exists": (lambda: pathlib_op("exists")(SECRET), lambda: pathlib_op("exists")(OK)),
    "inotify": (lambda: inotify(D) > 0, lambda: inotify(A) > 0),
    "symlink": (lambda: read(LINK), lambda: read(OK)),
    "import": (lambda: do_import(D, "mod_denied"), lambda: do_import(A, "mod_ok")),
    "import-file": (lambda: import_file(os.path.join(D, "mod_denied.py")),
                    lambda: import_file(os.path.join(A, "mod_ok.py"))),
    "cdll": (lambda: bool(ctypes.CDLL(os.path.join(D, "libdenied.so")).zlibVersion),
             lambda: bool(ctypes.CDLL(os.path.join(A, "liballowed.so")).zlibVersion)),
    "subprocess": (lambda: run(["/usr/bin/id", "-u"]), lambda: run(["/usr/bin/echo", "ok"])),
    "subprocess-shell": (lambda: run("/usr/bin/id -u", shell=True),
                         lambda: run(["/usr/bin/echo", "ok"])),
    "shell-inner": (lambda: run("/usr/bin/id -u", shell=True),
                    lambda: run("/usr/bin/echo ok", shell=True)),
    "execv": (lambda: fork_execv("/usr/bin/id"), lambda: fork_execv("/usr/bin/echo")),
    "connect": (lambda: connect(P["tcp_denied"]), lambda: connect(P["tcp_allowed"])),
    "getaddrinfo": (lambda: gai("denied.test", 80), lambda: gai("allowed.test", 80)),
    "gethostbyname": (lambda: socket.gethostbyname("denied.test"),
                      lambda: socket.gethostbyname("allowed.test")),
    "create-connection-name": (lambda: connect(P["tcp_allowed"], "denied.test"),
                               lambda: connect(P["tcp_allowed"], "allowed.test")),
    "urllib-name": (lambda: urlopen(f"http://denied.test:{P['http_allowed']}/"),
                    lambda: urlopen(f"http://allowed.test:{P['http_allowed']}/")),
    "urllib-addr": (lambda: urlopen(f"http://127.0.0.1:{P['http_denied']}/"),
                    lambda: urlopen(f"http://127.0.0.1:{P['http_allowed']}/")),
    "udp-sendto": (lambda: sendto(P["udp_denied"]), lambda: sendto(P["udp_allowed"])),
    "bind-listen": (lambda: bind_listen(P["bind_denied"]), lambda: bind_listen(P["bind_allowed"])),
    "http-server": (lambda: http_server(P["bind_denied"]), lambda: http_server(P["bind_allowed"])),
    "mp-fork": (lambda: mp_run("fork", SECRET), lambda: mp_run("fork", OK)),
    "mp-spawn": (lambda: mp_run("spawn", SECRET), lambda: mp_run("spawn", OK)),
}


def posix_spawn(path):
    null = [(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)]
    pid = os.posix_spawn(path, [path, "-u" if path.endswith("/id") else "ok"], dict(os.environ),
                         file_actions=null)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def popen(cmd):
    with os.popen(cmd) as f:
        return f.read()


def rmtree(path):
    import shutil
    shutil.rmtree(path)
    return os.path.exists(path)


def mkstemp(directory):
    import tempfile
    fd, name = tempfile.mkstemp(dir=directory)
    os.close(fd)
    return os.path.dirname(name) == directory


def plant_link(name, to):
    os.symlink(to, os.path.join(A, name))
    return read(os.path.join(A, name))


def ext_import(path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("_bisect", path)
    mod = importlib.util.module_from_spec(spec)
    return mod.__name__


def ext_path(directory):
    import sysconfig
    return os.path.join(directory, "_bisect" + sysconfig.get_config_var("EXT_SUFFIX"))


def dlerror_after(path):
    """dlopen(path) and leave its error unread (as a caller trying candidates does),
    then dlopen a library that loads and look up a symbol it has: dlerror() must be
    NULL, as glibc's is after a dl call that succeeded."""
    libc = ctypes.CDLL(None)
    libc.dlopen.restype = ctypes.c_void_p
    libc.dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libc.dlsym.restype = ctypes.c_void_p
    libc.dlsym.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    libc.dlerror.restype = ctypes.c_char_p
    libc.dlerror()
    libc.dlopen(path.encode(), 2)
    h = libc.dlopen(b"libz.so.1", 2)
    sym = libc.dlsym(h, b"zlibVersion")
    err = libc.dlerror()
    if err:
        raise OSError(0, "dlerror after a dlopen and a dlsym that succeeded: " + err.decode())
    return bool(h and sym)


def threads(path, allowed):
    """Eight threads opening the denied file and the allowed one, 25 times each."""
    import concurrent.futures

    def one(i):
        out = []
        for _ in range(25):
            try:
                read(path if i % 2 else allowed)
                out.append("read")
            except PermissionError:
                out.append("EACCES")
        return out
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        results = [x for r in ex.map(one, range(8)) for x in r]
    return [results.count("EACCES"), results.count("read")]


def aio_connect(port):
    import asyncio

    async def go():
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        w.close()
        return True
    return asyncio.run(go())


def unix_connect(path):
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        return True


def libc_glob(pattern):
    """glob(3) into a glob_t full of garbage (as on a caller's stack), then globfree():
    [glob's answer, whether it set gl_pathc 0 and gl_pathv NULL] (the count when it matched)."""
    libc = ctypes.CDLL(None)
    buf = ctypes.create_string_buffer(b"\x5a" * 128, 128)
    r = libc.glob(pattern.encode(), 0, None, buf)
    pathc = ctypes.c_size_t.from_buffer(buf, 0).value
    pathv = ctypes.c_void_p.from_buffer(buf, 8).value
    libc.globfree(buf)
    return [r, pathc == 0 and pathv is None] if r else [r, pathc]


def dlmopen(path):
    libc = ctypes.CDLL(None)
    libc.dlmopen.restype = ctypes.c_void_p
    libc.dlmopen.argtypes = [ctypes.c_long, ctypes.c_char_p, ctypes.c_int]
    libc.dlerror.restype = ctypes.c_char_p
    if not libc.dlmopen(-1, path.encode(), 2):  # LM_ID_NEWLM, RTLD_NOW
        raise OSError(0, (libc.dlerror() or b"").decode())
    return True


def mp_lock():
    import multiprocessing
    return repr(multiprocessing.Lock())[:10]


CHECKS.update({
    "glob-libc": (lambda: libc_glob(os.path.join(D, "*")), lambda: libc_glob(os.path.join(A, "*"))),
    "dlmopen": (lambda: dlmopen(os.path.join(D, "libdenied.so")),
                lambda: dlmopen(os.path.join(A, "liballowed.so"))),
    "mp-lock": (mp_lock, lambda: mp_run("fork", OK)),
    "posix-spawn": (lambda: posix_spawn("/usr/bin/id"), lambda: posix_spawn("/usr/bin/echo")),
    "subprocess-posix-spawn": (lambda: run(["/usr/bin/id", "-u"], close_fds=False),
                               lambda: run(["/usr/bin/echo", "ok"], close_fds=False)),
    "os-system": (lambda: os.system("/usr/bin/id -u >/dev/null"),
                  lambda: run(["/usr/bin/echo", "ok"])),
    "popen": (lambda: popen("/usr/bin/id -u"), lambda: run(["/usr/bin/echo", "ok"])),
    "rmtree": (lambda: rmtree(D), lambda: rmtree(os.path.join(A, "sub"))),
    "mkstemp": (lambda: mkstemp(D), lambda: mkstemp(A)),
    "chmod": (lambda: os.chmod(SECRET, 0o600), lambda: os.chmod(OK, 0o600)),
    "truncate": (lambda: os.truncate(SECRET, 0), lambda: os.truncate(OK, 0)),
    "hardlink": (lambda: os.link(SECRET, os.path.join(A, "hard")),
                 lambda: os.link(OK, os.path.join(A, "hard2"))),
    "planted-link": (lambda: plant_link("l", SECRET), lambda: plant_link("l2", OK)),
    "ext-import": (lambda: ext_import(ext_path(D)), lambda: ext_import(ext_path(A))),
    "gethostbyaddr": (lambda: socket.gethostbyaddr("192.0.2.1"),
                      lambda: socket.gethostbyname("allowed.test")),
    "dlerror-stale": (lambda: dlerror_after(os.path.join(D, "libdenied.so")),
                      lambda: dlerror_after(os.path.join(A, "missing.so"))),
    "threads": (lambda: threads(SECRET, OK), lambda: read(OK)),
    "asyncio-connect": (lambda: aio_connect(P["tcp_denied"]), lambda: aio_connect(P["tcp_allowed"])),
    "unix-connect": (lambda: unix_connect(os.path.join(D, "srv.sock")),
                     lambda: unix_connect(os.path.join(A, "srv.sock"))),
})

if __name__ == "__main__":
    denied, after = CHECKS[CHECK]
    result = {"denied": attempt(denied)}
    result["after"] = attempt(after)
    print(json.dumps(result), flush=True)
