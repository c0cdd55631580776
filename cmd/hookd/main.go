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
	"strings"
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

// command is one of hookd's commands: its name, what the usage says it
// does, and what runs it.
type command struct {
	name, does string
	run        func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands are hookd's commands, in the order the usage lists them: the one
// list that both the usage and run read.
var commands = []command{
	{"serve", "run the HTTP API, the control panel and the dispatcher",
		func(ctx context.Context, args []string, _, stderr io.Writer) error {
			return runServe(ctx, args, stderr)
		}},
	{"migrate", "apply the store's migrations and exit", runMigrate},
	{"accounts", "list and create accounts (tenants)", runAccounts},
	{"keys", "list, create and revoke API keys", runKeys},
	{"password", "set a control panel user's password (a lost admin password)", runPassword},
	{"backup", "write a consistent copy of a SQLite store while serve runs", runBackup},
	{"health", "exit 0 when a running hookd answers its health check (for containers)", runHealth},
	{"trigger", "send triggers to a running hookd (field=value, --data or a JSON Lines file)", runTrigger},
	{"listen", "a small receiver that prints, verifies and forwards webhooks, for trying hookd out", runListen},
	{"bench", "run the end-to-end benchmark against an in-process hookd", runBench},
	{"version", "print the version",
		func(_ context.Context, _ []string, stdout, _ io.Writer) error { return runVersion(stdout) }},
}

// usage is what hookd prints without a command, or with help.
func usage() string {
	var b strings.Builder
	b.WriteString("hookd is a webhook delivery service.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  hookd %-11s%s\n", c.name, c.does)
	}
	b.WriteString("\nRun \"hookd <command> -h\" for a command's settings.\n")
	return b.String()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return usageError{errors.New("no command given")}
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return nil
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprint(stderr, usage())
	return usageError{fmt.Errorf("unknown command %q", args[0])}
}
