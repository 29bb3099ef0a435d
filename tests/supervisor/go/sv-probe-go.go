// SPDX-License-Identifier: MIT

// sv-probe-go is the supervisor tests' Go program (built with
// CGO_ENABLED=0: static, and its runtime dies on SIGSYS). It takes the same
// commands as sv-probe.c and prints the same lines:
//
//	<command> <target> ok [detail]   or   <command> <target> err <ERRNO>
//
// Commands: open PATH, write PATH, stat PATH, connect IP PORT, sendto IP PORT,
// exec PATH ARGS (ARGS split at spaces), threads PATH N (goroutines on locked OS threads),
// race LINK ALLOWED DENIED N, loop PATH N, files DIR N (create, write, read,
// stat and remove N files: the file-heavy loop), robust-list N (N raw
// get_robust_list calls, outside @lambda-runtime), sleep SECONDS, exit CODE.
// connect takes a host name too (Go's own resolver).
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

func errname(err error) string {
	for _, e := range []struct {
		errno syscall.Errno
		name  string
	}{
		{syscall.EACCES, "EACCES"}, {syscall.EPERM, "EPERM"}, {syscall.ENOENT, "ENOENT"},
		{syscall.ECONNREFUSED, "ECONNREFUSED"}, {syscall.EEXIST, "EEXIST"},
		{syscall.ENOSYS, "ENOSYS"}, {syscall.EINVAL, "EINVAL"}, {syscall.ELOOP, "ELOOP"},
	} {
		if errors.Is(err, e.errno) {
			return e.name
		}
	}
	return "OTHER"
}

func result(cmd, target string, err error, detail string) {
	if err != nil {
		fmt.Printf("%s %s err %s\n", cmd, target, errname(err))
		return
	}
	if detail != "" {
		fmt.Printf("%s %s ok %s\n", cmd, target, detail)
	} else {
		fmt.Printf("%s %s ok\n", cmd, target)
	}
}

func readFirstLine(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.SplitN(string(b), "\n", 2)[0], nil
}

func race(link, allowed, denied string, n int) string {
	deniedContent, err := readFirstLine(denied)
	if err != nil {
		deniedContent = "SECRET"
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		runtime.LockOSThread()
		tmp := link + ".tmp"
		for i := 0; !stop.Load(); i++ {
			to := allowed
			if i&1 == 1 {
				to = denied
			}
			os.Remove(tmp)
			if os.Symlink(to, tmp) == nil {
				os.Rename(tmp, link)
			}
		}
	}()
	opened, leaked, refused := 0, 0, 0
	for i := 0; i < n; i++ {
		s, err := readFirstLine(link)
		switch {
		case err == nil:
			opened++
			if s == deniedContent {
				leaked++
			}
		case errors.Is(err, syscall.EACCES):
			refused++
		}
	}
	stop.Store(true)
	wg.Wait()
	return fmt.Sprintf("opened=%d denied_content=%d refused=%d", opened, leaked, refused)
}

func sendto(ip, port string) error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	p, _ := strconv.Atoi(port)
	sa := &syscall.SockaddrInet4{Port: p}
	copy(sa.Addr[:], net.ParseIP(ip).To4())
	return syscall.Sendto(fd, []byte("x"), 0, sa)
}

func files(dir string, n int) error {
	buf := []byte("0123456789abcdef")
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("%s/f%d", dir, i%16)
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			return err
		}
		if _, err := os.ReadFile(p); err != nil {
			return err
		}
		if _, err := os.Stat(p); err != nil {
			return err
		}
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	args := os.Args[1:]
	for len(args) > 0 {
		cmd := args[0]
		arg := func(i int) string {
			if i+1 < len(args) {
				return args[i+1]
			}
			fmt.Fprintf(os.Stderr, "sv-probe-go: %s: missing argument\n", cmd)
			os.Exit(2)
			return ""
		}
		switch cmd {
		case "open":
			s, err := readFirstLine(arg(0))
			result(cmd, arg(0), err, s)
			args = args[2:]
		case "write":
			err := os.WriteFile(arg(0), []byte("x"), 0o644)
			result(cmd, arg(0), err, "")
			args = args[2:]
		case "stat":
			st, err := os.Stat(arg(0))
			detail := ""
			if err == nil {
				detail = strconv.FormatInt(st.Size(), 10)
			}
			result(cmd, arg(0), err, detail)
			args = args[2:]
		case "connect", "sendto":
			target := arg(0) + ":" + arg(1)
			var err error
			if cmd == "connect" {
				var c net.Conn
				c, err = net.DialTimeout("tcp", target, 5*time.Second)
				if err == nil {
					c.Close()
				}
			} else {
				// A raw socket: net.ListenPacket would bind first (an inbound rule).
				err = sendto(arg(0), arg(1))
			}
			result(cmd, target, err, "")
			args = args[3:]
		case "exec":
			c := exec.Command(arg(0), strings.Fields(arg(1))...)
			c.Stdout = os.Stdout
			c.Env = []string{}
			err := c.Run()
			detail := ""
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				detail, err = strconv.Itoa(ee.ExitCode()), nil
			} else if err == nil {
				detail = "0"
			}
			result(cmd, arg(0), err, detail)
			args = args[3:]
		case "threads":
			n, _ := strconv.Atoi(arg(1))
			var ok atomic.Int32
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					runtime.LockOSThread()
					if _, err := readFirstLine(arg(0)); err == nil {
						ok.Add(1)
					}
				}()
			}
			wg.Wait()
			result(cmd, arg(0), nil, strconv.Itoa(int(ok.Load())))
			args = args[3:]
		case "race":
			n, _ := strconv.Atoi(arg(3))
			result(cmd, arg(0), nil, race(arg(0), arg(1), arg(2), n))
			args = args[5:]
		case "loop":
			n, _ := strconv.Atoi(arg(1))
			t0 := time.Now()
			var err error
			for i := 0; i < n && err == nil; i++ {
				var f *os.File
				if f, err = os.Open(arg(0)); err == nil {
					f.Close()
				}
			}
			result(cmd, arg(0), err, strconv.FormatInt(time.Since(t0).Nanoseconds()/int64(n), 10))
			args = args[3:]
		case "files":
			n, _ := strconv.Atoi(arg(1))
			t0 := time.Now()
			err := files(arg(0), n)
			result(cmd, arg(0), err, strconv.FormatInt(time.Since(t0).Microseconds(), 10))
			args = args[3:]
		case "robust-list":
			n, _ := strconv.Atoi(arg(0))
			var err error
			for i := 0; i < n && err == nil; i++ {
				var head, size uintptr
				_, _, e := syscall.RawSyscall(syscall.SYS_GET_ROBUST_LIST, 0,
					uintptr(unsafe.Pointer(&head)), uintptr(unsafe.Pointer(&size)))
				if e != 0 {
					err = e
				}
			}
			result(cmd, arg(0), err, "")
			args = args[2:]
		case "sleep":
			s, _ := strconv.Atoi(arg(0))
			fmt.Println("sleeping")
			time.Sleep(time.Duration(s) * time.Second)
			args = args[2:]
		case "exit":
			code, _ := strconv.Atoi(arg(0))
			os.Exit(code)
		default:
			fmt.Fprintf(os.Stderr, "sv-probe-go: bad command %q\n", cmd)
			os.Exit(2)
		}
	}
}
