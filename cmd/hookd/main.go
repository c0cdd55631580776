// Command hookd is the hookd webhook delivery service.
//
//	hookd serve      run the API, the control panel and the dispatcher
//	hookd version    print the version
//
// Run "hookd <command> -h" for a command's settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "hookd:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is an error in the command line or settings (exit status 2).
type usageError struct{ error }

const usage = `hookd is a webhook delivery service.

Usage:
  hookd serve      run the HTTP API, the control panel and the dispatcher
  hookd migrate    apply the store's migrations and exit
  hookd accounts   list and create accounts (tenants)
  hookd keys       list, create and revoke API keys
  hookd password   set a control panel user's password (a lost admin password)
  hookd backup     write a consistent copy of a SQLite store while serve runs
  hookd health     exit 0 when a running hookd answers its health check (for containers)
  hookd listen     a small receiver that prints and verifies webhooks, for trying hookd out
  hookd bench      run the end-to-end benchmark against an in-process hookd
  hookd version    print the version

Run "hookd <command> -h" for a command's settings.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command given")}
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "listen":
		return runListen(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "accounts":
		return runAccounts(ctx, args[1:], stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], stdout, stderr)
	case "password":
		return runPassword(ctx, args[1:], stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], stdout, stderr)
	case "health":
		return runHealth(ctx, args[1:], stdout, stderr)
	case "version", "-version", "--version":
		return runVersion(stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Errorf("unknown command %q", args[0])}
}
