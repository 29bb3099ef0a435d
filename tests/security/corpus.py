# SPDX-License-Identifier: MIT
"""The escape corpus: every technique, the program that tries it, and what
the runner looks for from outside to tell whether it worked.

argv entries are formatted with {cases} (the built case programs), {here}
(this directory), {python} (the real interpreter) and {fnguard} (the CLI).

effect:
  secret     the secret's token reached stdout, stderr or a file in the
             writable directory (a directory listing counts: a file in the
             secret directory is named after the token)
  ro         the read-only directory or its file "target" changed
  net        a loopback listener the profile does not allow received the tag
  dns        the name server received a query carrying the tag
  ran        $SEC_OUT/ran exists: the forbidden program (or shell) ran
  marker:N   $SEC_OUT/N exists
  passwd     stdout has root's /etc/passwd entry (read through getpwnam)
  stdout:T   stdout contains T (for effects nothing outside can see)

log (which events count as "logged"):
  related    violation/coverage events about this attempt: file events with
             a target in the run's directory, every network, exec and
             syscall event
  secret     only a file violation whose target is the secret (for the
             techniques that try to blind the log before the attempt)
  flood      all 21 denied opens of stdout-flood (20 decoys and the secret)
             must have left an intact violation line

log_dest: "fd" (FNGUARD_LOG=fd:N, a separate file) or "stdout" (the
default destination, what Lambda ships).

runner: "shim" (LD_PRELOAD) or "supervisor" (fnguard exec, as a
provided.al2023 bootstrap runs a static function).

silent: the layer that blocks when it blocks without an event (used for the
table's layer column; default "seccomp").

caps: the capability the technique needs beyond an ordinary user's, which a
Lambda function does not have (the corpus runs as root, the worst case).
"""


class Case:
    def __init__(self, cid, category, title, argv, effect, log="related", log_dest="fd",
                 runner="shim", env=None, silent="seccomp", caps=None, note=None,
                 judged_by=None, files=None):
        self.id = cid
        self.category = category
        self.title = title
        self.argv = argv
        self.effect = effect
        self.log = log
        self.log_dest = log_dest
        self.runner = runner
        self.env = env or {}
        self.silent = silent
        self.caps = caps
        self.note = note
        # The layer whose events these are, when it is not the runner's (a handover).
        self.judged_by = judged_by
        # File rules the case's profile adds (what the function legitimately holds).
        self.files = files or []


C = "{cases}/"
# A terminal of the function's own (the tiocsti cases make one: a pty).
PTY = [{"path": "/dev/ptmx", "allow": "rw"}, {"path": "/dev/pts/*", "allow": "rw"}]
CASES = [
    # ---- libc evasion ------------------------------------------------------------------
    Case("raw-syscall", "libc evasion", "`syscall(3)` of `SYS_openat` on the secret",
         [C + "raw-syscall"], "secret"),
    Case("inline-syscall", "libc evasion", "inline `syscall` instruction opening the secret",
         [C + "inline-syscall"], "secret",
         note="No libc function is involved, and seccomp sees only the call's number. Only "
              "Landlock judges such a path, where it is active and restricts reads (see the "
              "layer lines above). Mitigation: keep secrets out of the function's files "
              "(Secrets Manager or Parameter Store with least-privilege IAM)."),
    Case("dlsym-libc", "libc evasion", "`dlopen(\"libc.so.6\")` + `dlsym(\"open\")`",
         [C + "dlsym-libc"], "secret"),
    Case("python-ctypes", "libc evasion", "Python `ctypes.CDLL(\"libc.so.6\").open`",
         ["{python}", "{here}/cases/python-ctypes.py"], "secret"),
    Case("dlvsym-nocancel", "libc evasion",
         "`dlvsym(libc, \"__open64_nocancel\", \"GLIBC_PRIVATE\")`",
         [C + "dlvsym-nocancel"], "secret",
         note="A glibc internal: the libc layer is advisory against code that calls them. "
              "Mitigation as for inline-syscall."),
    Case("elf-lookup", "libc evasion", "libc's `open` found in libc's symbol table, no dlsym",
         [C + "elf-lookup"], "secret",
         note="Native code can find and call any libc function without asking the dynamic "
              "linker. Mitigation as for inline-syscall."),
    Case("alias-open", "libc evasion", "glibc alias `__open`",
         [C + "alias-open", "__open"], "secret"),
    Case("alias-open64", "libc evasion", "glibc alias `__open64`",
         [C + "alias-open", "__open64"], "secret"),
    Case("alias-connect", "libc evasion", "glibc alias `__connect`",
         [C + "alias-connect"], "net"),
    Case("libc-system", "libc evasion", "`__libc_system` (GLIBC_PRIVATE) runs a shell",
         [C + "libc-system"], "ran",
         note="A glibc internal. The shell starts under the shim, so the programs it would run "
              "are still judged, but its builtins (here `echo > file`) are not programs. "
              "Mitigation: no shell in the image where the runtime does not need one."),
    Case("fopen", "libc evasion", "`fopen` (glibc opens without the PLT)",
         [C + "fopen"], "secret"),
    Case("opendir", "libc evasion", "`opendir` + `readdir` of the secret directory",
         [C + "list-dir", "opendir"], "secret"),
    Case("scandir", "libc evasion", "`scandir` of the secret directory",
         [C + "list-dir", "scandir"], "secret"),
    Case("nftw", "libc evasion", "`nftw` over the secret directory",
         [C + "list-dir", "nftw"], "secret"),
    Case("glob", "libc evasion", "`glob` in the secret directory",
         [C + "list-dir", "glob"], "secret"),
    Case("getpwnam", "libc evasion", "`getpwnam` reads `/etc/passwd` (not in the profile)",
         [C + "getpwnam"], "passwd", log="/etc/passwd",
         note="Judged as reading /etc/passwd before libc's name service switch opens it "
         "(lib/nss_ops.c); /etc/passwd in a Lambda image holds nothing secret."),
    Case("dlopen-denied", "libc evasion", "`dlopen` of a library in a denied directory",
         [C + "dlopen-denied"], "ran"),
    Case("system", "libc evasion", "`system(\"echo > file\")`",
         [C + "shell-call", "system"], "ran"),
    Case("popen", "libc evasion", "`popen(\"echo > file\")`",
         [C + "shell-call", "popen"], "ran"),
    Case("posix-spawn", "libc evasion", "`posix_spawn` of a program outside the profile",
         [C + "spawn", "posix_spawn"], "ran"),
    Case("posix-spawnp", "libc evasion", "`posix_spawnp` (PATH search)",
         [C + "spawn", "posix_spawnp"], "ran", env={"PATH": "{bin}"}),
    Case("execvp", "libc evasion", "`execvp` (PATH search)",
         [C + "spawn", "execvp"], "ran", env={"PATH": "{bin}"}),
    # ---- exec -----------------------------------------------------------------------------
    Case("execveat", "exec", "`execveat(dirfd, name)`",
         [C + "exec-via", "execveat"], "ran"),
    Case("fexecve", "exec", "`fexecve` of an open descriptor",
         [C + "exec-via", "fexecve"], "ran"),
    Case("memfd-fexecve", "exec", "`memfd_create` + `fexecve` (a program that is no file)",
         [C + "exec-via", "memfd"], "ran"),
    Case("loader-exec", "exec", "the dynamic loader as the program (`ld.so PROGRAM`)",
         [C + "exec-via", "loader"], "ran"),
    Case("raw-execve", "exec", "inline `execve` system call",
         [C + "exec-via", "raw-execve"], "ran",
         note="execve is in @lambda-runtime (runtimes start programs) and seccomp cannot read "
              "the path; Landlock restricts running programs where it is active. The program "
              "started is still under the shim. Mitigation: ship no programs the function does "
              "not need (no shell, no curl in the image)."),
    Case("vfork", "exec", "`vfork` + `execve`",
         [C + "exec-via", "vfork"], "ran"),
    Case("clone3", "exec", "inline `clone3` child + `execve`",
         [C + "exec-via", "clone3"], "ran",
         note="With seccomp, clone3 fails with ENOSYS without an event (its flags are behind "
              "a pointer; glibc falls back to clone, which is judged); without it, the child's "
              "execve is judged by the shim."),
    Case("env-i", "exec", "allowed program with an empty environment (`env -i`)",
         [C + "exec-env", "env-i"], "secret"),
    Case("custom-envp", "exec",
         "allowed program with `LD_PRELOAD=` and `FNGUARD_MODE=record` in its envp",
         [C + "exec-env", "custom-envp"], "secret"),
    Case("static-exec", "exec", "allowed static binary exec'd from a shimmed process",
         [C + "exec-static"], "secret", judged_by="supervisor",
         note="LD_PRELOAD never enters a static program: the shim hands it to `fnguard "
              "exec`, through the first process's launcher where its own seccomp filter is in "
              "place (the filter refuses the supervisor's seccomp(2); the launcher was forked "
              "before it). With seccomp refused by the platform the supervisor cannot attach "
              "either: a coverage event. Mitigation there: none at this layer; keep secrets "
              "out of the function's files, see static-supervised."),
    Case("static-supervised", "exec", "static binary under `fnguard exec` (supervisor)",
         ["{fnguard}", "exec", "--", "{xbin}/sec-static", "{secret}"], "secret",
         runner="supervisor",
         note="Without seccomp there is no user notification either: the start event says "
              "`userNotification: unavailable` and the program runs unjudged. `\"require\": "
              "[\"seccomp\"]` makes that a refusal to start."),
    Case("shell-target", "exec", "`/bin/sh -c` as the program",
         [C + "exec-interp", "sh"], "ran"),
    Case("python-target", "exec", "`python3 -c` as the program",
         [C + "exec-interp", "python"], "ran"),
    # ---- files ------------------------------------------------------------------------------
    Case("symlink", "files", "symlink to the secret planted in a writable directory",
         [C + "path-trick", "symlink"], "secret"),
    Case("dotdot", "files", "`OUT/../secret/...`", [C + "path-trick", "dotdot"], "secret"),
    Case("chdir-relative", "files", "relative path after `chdir`",
         [C + "path-trick", "chdir"], "secret"),
    Case("fchdir-relative", "files", "relative path after `fchdir`",
         [C + "path-trick", "fchdir"], "secret"),
    Case("dirfd", "files", "`openat` on a directory descriptor opened earlier",
         [C + "path-trick", "dirfd"], "secret"),
    Case("dirfd-dotdot", "files", "`openat(dirfd, \"../secret/...\")`",
         [C + "path-trick", "dirfd-dotdot"], "secret"),
    Case("proc-root", "files", "`/proc/self/root/...`", [C + "path-trick", "proc-root"], "secret"),
    Case("proc-cwd", "files", "`/proc/self/cwd/...`", [C + "path-trick", "proc-cwd"], "secret"),
    Case("dev-fd", "files", "`/dev/fd/N/...` on a directory descriptor",
         [C + "path-trick", "dev-fd"], "secret"),
    Case("proc-fd-reopen", "files", "read-only fd reopened for writing via `/proc/self/fd/N`",
         [C + "modify", "proc-fd-reopen"], "ro"),
    Case("opath-reopen", "files", "`O_PATH` fd of the secret reopened via `/proc/self/fd/N`",
         [C + "path-trick", "opath"], "secret"),
    Case("hardlink", "files", "hard link to the secret made in a writable directory",
         [C + "path-trick", "hardlink"], "secret"),
    Case("toctou-symlink", "files", "symlink flipped between the check and the open (2 s)",
         [C + "toctou-symlink"], "secret",
         note="Where links can be planted, the shim judges the opened descriptor again after "
              "the open, so a flip between the check and the open is caught."),
    Case("open-by-handle", "files", "`name_to_handle_at` + `open_by_handle_at`",
         [C + "open-by-handle"], "secret", caps="CAP_DAC_READ_SEARCH",
         note="Not interposed; without seccomp nothing stops it."),
    Case("io-uring-openat", "files", "io_uring `IORING_OP_OPENAT`",
         [C + "io-uring-openat"], "secret",
         note="io_uring requests are performed by the kernel, never seen by libc; without "
              "seccomp nothing stops them. Mitigation: `kernel.io_uring_disabled=2` where you "
              "control the kernel."),
    Case("legacy-open", "files", "the legacy `open(2)` system call, inline (x86_64)",
         [C + "raw-open", "legacy"], "secret", note="As inline-syscall."),
    Case("openat2", "files", "`openat2(2)` through `syscall(3)` (it has no glibc wrapper)",
         [C + "raw-open", "openat2"], "secret"),
    Case("creat", "files", "`creat` in a read-only directory", [C + "modify", "creat"], "ro"),
    Case("mkstemp", "files", "`mkstemp` in a read-only directory (glibc opens internally)",
         [C + "mkstemp"], "ro"),
    Case("truncate", "files", "`truncate` of a read-only file", [C + "modify", "truncate"], "ro"),
    Case("rename-over", "files", "`rename` of a new file onto a read-only one",
         [C + "modify", "rename-over"], "ro"),
    Case("rename-out", "files", "`rename` of the secret into a writable directory",
         [C + "modify", "rename-out"], "secret"),
    # ---- network ------------------------------------------------------------------------------
    Case("tcp-connect", "network", "`connect` to a port no rule allows",
         [C + "net-send", "tcp-connect"], "net"),
    Case("raw-connect", "network", "inline `connect` system call",
         [C + "net-send", "raw-connect"], "net",
         note="connect is allowed by number (functions connect) and seccomp cannot read the "
              "address; Landlock restricts TCP ports where it is active. Mitigation: VPC egress "
              "rules and security groups."),
    Case("udp-sendto", "network", "UDP `sendto` without `connect`",
         [C + "net-send", "udp-sendto"], "net"),
    Case("udp-sendmmsg", "network", "UDP `sendmmsg` with destinations",
         [C + "net-send", "udp-sendmmsg"], "net"),
    Case("tcp-fastopen", "network", "`sendto(MSG_FASTOPEN)` (connect and send in one call)",
         [C + "net-send", "tcp-fastopen"], "net"),
    Case("ipv4-mapped", "network", "IPv4-mapped IPv6 `::ffff:127.0.0.1`",
         [C + "net-send", "ipv4-mapped"], "net"),
    Case("spelling-127.1", "network", "address spelled `127.1` (getaddrinfo)",
         [C + "addr-spelling", "127.1"], "net"),
    Case("spelling-hex", "network", "address spelled `0x7f000001` (getaddrinfo)",
         [C + "addr-spelling", "0x7f000001"], "net"),
    Case("spelling-decimal", "network", "address spelled `2130706433` (getaddrinfo)",
         [C + "addr-spelling", "2130706433"], "net"),
    Case("zero-addr", "network", "`0.0.0.0` (the kernel connects to this host)",
         [C + "net-send", "zero-addr"], "net"),
    Case("unix-abstract", "network", "abstract unix socket no rule allows",
         [C + "net-send", "unix-abstract"], "net"),
    Case("netlink", "network", "`AF_NETLINK` route dump", [C + "netlink"], "stdout:ifname=lo",
         note="Without seccomp nothing judges socket families: the libc layer judges "
              "addresses of AF_UNIX, AF_INET and AF_INET6 only."),
    Case("packet", "network", "`AF_PACKET` hand-made UDP packet on loopback",
         [C + "packet"], "net", caps="CAP_NET_RAW",
         note="Without seccomp nothing judges socket families."),
    Case("packet-inet", "network", "the same packet through `socket(AF_INET, SOCK_PACKET)`, "
         "the kernel's old name for an `AF_PACKET` socket", [C + "packet", "inet"], "net",
         caps="CAP_NET_RAW",
         note="Without seccomp nothing judges socket families; the filter refuses this type "
              "of AF_INET socket like the packet family."),
    Case("vsock", "network", "`AF_VSOCK` socket (guest to host)", [C + "vsock"],
         "stdout:vsock-socket=open",
         note="Without seccomp nothing judges socket families. Opening the socket is the effect "
              "checked: nothing listens on this machine's host side."),
    Case("dns-getaddrinfo", "network", "DNS exfiltration: `getaddrinfo` of a name outside the "
         "profile", [C + "dns", "getaddrinfo"], "dns"),
    Case("dns-res-query", "network", "DNS exfiltration: `res_query` to the allowed resolver",
         [C + "dns", "res_query"], "dns",
         note="The resolver's address must be allowed for name resolution to work, so what is "
              "sent to it in raw packets is not judged either. Mitigation: Route 53 Resolver "
              "DNS Firewall (an allow-list of domains) on the function's VPC."),
    Case("scm-rights", "network", "connected socket received over `SCM_RIGHTS`",
         [C + "scm-rights"], "net",
         note="A descriptor received from another process was judged (or not) there. Only "
              "allow unix sockets of services you trust."),
    # ---- tampering -----------------------------------------------------------------------------
    Case("sigaction-sigsys", "tampering", "`sigaction(SIGSYS)`, then a trapped call",
         [C + "sigsys", "sigaction"], "ran",
         note="Without seccomp there is no trap to protect, and the trapped call (an inline "
              "execveat) simply runs, as raw-execve does."),
    Case("raw-sigaction-sigsys", "tampering", "raw `rt_sigaction(SIGSYS)`, then a trapped call",
         [C + "sigsys", "raw-sigaction"], "ran",
         note="A filter whose profile lists `execve` lets exec'd programs install their own "
              "SIGSYS handler, so a raw rt_sigaction replaces the logger: trapped calls still "
              "fail, unlogged. A profile that lists neither `execve` nor `execveat` gets the "
              "call refused by the filter and logged (tests/integration/test-seccomp.py). "
              "Without seccomp, as sigaction-sigsys."),
    Case("sigsys-ignore", "tampering", "`signal(SIGSYS, SIG_IGN)`, then a trapped call",
         [C + "sigsys", "ignore"], "ran", note="Without seccomp, as sigaction-sigsys."),
    Case("sigsys-block", "tampering", "`sigprocmask` blocking SIGSYS, then a trapped call",
         [C + "sigsys", "block"], "ran",
         note="The kernel kills a process whose trap signal is blocked: the call never runs, "
              "and no event is written. Without seccomp, as sigaction-sigsys."),
    Case("second-filter", "tampering", "a second seccomp filter making log writes fail",
         [C + "filter", "seccomp"], "secret", log="secret", silent="libc shim"),
    Case("prctl-seccomp", "tampering", "`prctl(PR_SET_SECCOMP)` filter making log writes fail",
         [C + "filter", "prctl"], "secret", log="secret", silent="libc shim",
         caps="CAP_SYS_ADMIN or no_new_privs"),
    Case("personality", "tampering", "`personality(ADDR_NO_RANDOMIZE)` for the next program",
         [C + "personality"], "marker:persona",
         note="personality() is not interposed; without seccomp nothing stops it. It weakens "
              "only the programs the function itself starts."),
    Case("tiocsti", "tampering", "`ioctl(TIOCSTI)` pushing input into a terminal",
         [C + "tiocsti", "libc"], "marker:tiocsti", files=PTY, silent="libc shim",
         note="The shell reading that terminal would run what is pushed once the function "
              "exits (a developer's terminal; Lambda has none). Refused whatever the profile "
              "lists, by the filter and by the libc layer."),
    Case("tiocsti-raw", "tampering", "inline `ioctl(TIOCSTI)` pushing input into a terminal",
         [C + "tiocsti", "raw"], "marker:tiocsti", files=PTY,
         note="Without seccomp nothing sees the inline call; where `dev.tty.legacy_tiocsti` "
              "is 0 (Linux 6.2 on, by configuration) the kernel refuses it without "
              "CAP_SYS_ADMIN."),
    Case("ptrace", "tampering", "`ptrace` attach + poke into a child",
         [C + "tracer", "ptrace"], "marker:poked",
         note="Without seccomp a function can write into its own processes (same user), for "
              "instance to unhook the shim in a child."),
    Case("process-vm-writev", "tampering", "`process_vm_writev` into a child",
         [C + "tracer", "process_vm_writev"], "marker:poked", note="As ptrace."),
    Case("proc-mem", "tampering",
         "`/proc/self/mem` opened through libc to patch the shim's `connect`",
         [C + "proc-mem", "libc"], "net"),
    Case("proc-mem-raw", "tampering",
         "`/proc/self/mem` opened inline to patch the shim's `connect`",
         [C + "proc-mem", "raw"], "net",
         note="Native code can rewrite the shim (here Landlock, where active, refuses to open "
              "/proc/self/mem for writing). Mitigation: VPC egress rules."),
    Case("unsetenv-exec", "tampering", "`unsetenv(\"LD_PRELOAD\")` + `FNGUARD_*`, then exec",
         [C + "exec-env", "unsetenv"], "secret"),
    Case("close-log", "tampering", "`close` of the log descriptor, then the secret",
         [C + "log-fd", "close"], "secret", log="secret", silent="libc shim"),
    Case("close-range-log", "tampering", "`close_range(3, ~0)`, then the secret",
         [C + "log-fd", "close-range"], "secret", log="secret", silent="libc shim"),
    Case("dup2-log", "tampering", "`dup2(/dev/null)` over the log descriptor, then the secret",
         [C + "log-fd", "dup2"], "secret", log="secret", silent="libc shim"),
    Case("raw-close-log", "tampering", "raw `close` of the log descriptor, then the secret",
         [C + "log-fd", "raw-close"], "secret", log="secret", silent="libc shim",
         note="Native code can close the log descriptor; what it tries next is still blocked, "
              "unheard."),
    Case("stdout-partial-line", "tampering",
         "stdout left without a final newline (events on stdout)",
         [C + "stdout-tamper", "partial-line"], "secret", log="secret", log_dest="stdout",
         silent="libc shim"),
    Case("stdout-close", "tampering", "stdout and stderr closed (events on stdout)",
         [C + "stdout-tamper", "close"], "secret", log="secret", log_dest="stdout",
         silent="libc shim"),
    Case("stdout-flood", "tampering",
         "stdout flooded with 64 KiB writes of whole lines, 21 denied opens (events on stdout)",
         [C + "stdout-tamper", "flood"], "secret", log="flood", log_dest="stdout",
         silent="libc shim"),
]
