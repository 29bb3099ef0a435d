// SPDX-License-Identifier: MIT

// go-cgo FILE: a cgo Go program (dynamically linked, so LD_PRELOAD reaches
// it) for test-go-cgo.py. It reads FILE, makes a system call the test's
// profile does not list, and prints what each returned. Go's runtime
// installs its own SIGSYS handler and throws when that fails, so the shim
// must let it and use an errno-only filter (lib/seccomp_layer.c).
package main

// #include <unistd.h>
import "C"

import (
	"fmt"
	"os"
	"syscall"
)

func main() {
	_ = C.getpid()
	if _, err := os.ReadFile(os.Args[1]); err != nil {
		fmt.Println("read:", err)
	} else {
		fmt.Println("read: ok")
	}
	_, _, errno := syscall.Syscall(syscall.SYS_CAPSET, 0, 0, 0)
	if errno != 0 {
		fmt.Println("capset:", errno.Error())
	} else {
		fmt.Println("capset: ok")
	}
}
