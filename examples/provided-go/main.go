// SPDX-License-Identifier: MIT

// An example Go function for an OS-only Lambda runtime (provided.al2023),
// with its own minimal runtime loop (standard library only): GET the next
// event, call the handler, POST the result or the error.
//
// VULNERABLE ON PURPOSE, like the other examples: "name" is formatted into a
// shell command line ({"name": "x; cat /etc/passwd"}). The point is what
// fnguard does when someone exploits it.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
)

type event struct {
	Name string `json:"name"`
}

func handle(requestID string, ev event) (map[string]string, error) {
	name := ev.Name
	if name == "" {
		name = "world"
	}
	out, err := exec.Command("sh", "-c", "echo Hello, "+name).Output()
	if err != nil {
		return nil, err
	}
	greeting := strings.TrimSpace(string(out))
	if err := os.WriteFile("/tmp/last-greeting.txt", []byte(greeting+"\n"), 0o600); err != nil {
		return nil, err
	}
	return map[string]string{"greeting": greeting, "requestId": requestID}, nil
}

func post(url string, body any, errorType string) {
	data, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	req.Header.Set("Content-Type", "application/json")
	if errorType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime"
	for {
		resp, err := http.Get(api + "/invocation/next")
		if err != nil || resp.StatusCode != http.StatusOK {
			fmt.Fprintln(os.Stderr, "invocation/next failed:", err)
			os.Exit(1)
		}
		requestID := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		os.Setenv("_X_AMZN_TRACE_ID", resp.Header.Get("Lambda-Runtime-Trace-Id"))
		var ev event
		err = json.NewDecoder(resp.Body).Decode(&ev)
		resp.Body.Close()
		var result map[string]string
		if err == nil {
			result, err = handle(requestID, ev)
		}
		if err != nil {
			post(api+"/invocation/"+requestID+"/error", map[string]string{
				"errorMessage": err.Error(), "errorType": fmt.Sprintf("%T", err),
			}, "Unhandled")
			continue
		}
		post(api+"/invocation/"+requestID+"/response", result, "")
	}
}
