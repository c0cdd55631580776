package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

const healthUsage = `Usage: hookd health [--url URL] [--timeout 5s]

Asks a running hookd whether it is healthy: exits 0 when URL answers 200 and 1
otherwise, saying why. It is the container's health check, which has no curl.

`

// defaultHealthURL is the readiness probe of a hookd listening on port
// 8080 of the same host, as in the container: 200 when the store is
// reachable, writable and migrated.
const defaultHealthURL = "http://127.0.0.1:8080/readyz"

func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newFlagsUsage("hookd health", healthUsage, stderr)
	url := fs.String("url", defaultHealthURL, "the health endpoint to ask (/healthz for liveness, /readyz for readiness)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := f.parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return usageError{fmt.Errorf("health: --url: %v", err)}
	}
	// No proxy: the probe asks this host's hookd, whatever HTTP_PROXY says.
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("health: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The first line of the answer says why (/readyz's reason).
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		line, _, _ := strings.Cut(string(body), "\n")
		return fmt.Errorf("health: %s answered %s: %s", *url, resp.Status, line)
	}
	fmt.Fprintf(stdout, "hookd: %s answered %s\n", *url, resp.Status)
	return nil
}
