// SPDX-License-Identifier: MIT

// bench-static FILE...: bench-static.c in Go (CGO_ENABLED=0, a static
// binary with Go's own runtime, as on provided.al2023): stats and reads each
// file, prints how many bytes it read.
package main

import (
	"fmt"
	"os"
)

func main() {
	total := 0
	for _, name := range os.Args[1:] {
		if _, err := os.Stat(name); err != nil {
			fmt.Fprintln(os.Stderr, "bench-static:", err)
			os.Exit(1)
		}
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-static:", err)
			os.Exit(1)
		}
		total += len(data)
	}
	fmt.Println(total)
}
