package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/app"
	"github.com/hookd-dev/hookd/server"
)

const keysUsage = `Usage:
  hookd keys list   [--db …]                list the API keys (never the keys themselves)
  hookd keys create [--db …] --name NAME    make a new API key and print it once
  hookd keys revoke [--db …] KEY_ID         revoke a key (not the account's last one)

Works on the store directly, with or without hookd serve running. A revoked key
gets 401 within 30 seconds on every running node.
`

// openExisting opens the store named by db, refusing a SQLite file that
// does not exist (opening would create an empty one).
func openExisting(ctx context.Context, db string) (hookd.Store, error) {
	if !server.IsPostgres(db) {
		if _, err := os.Stat(db); err != nil {
			return nil, usageError{fmt.Errorf("no store at %s: give --db (or HOOKD_DB) the path hookd serve uses", db)}
		}
	}
	return server.OpenStore(ctx, db)
}

// adminStore opens the store named by --db and finds the account to work
// on: the only one, or the one --account names.
func adminStore(ctx context.Context, db, account string) (hookd.Store, hookd.Account, error) {
	st, err := openExisting(ctx, db)
	if err != nil {
		return nil, hookd.Account{}, err
	}
	accs, err := st.Accounts(ctx)
	if err != nil {
		st.Close()
		return nil, hookd.Account{}, err
	}
	var found []hookd.Account
	for _, a := range accs {
		if account == "" || a.ID == account || a.Name == account {
			found = append(found, a)
		}
	}
	switch {
	case len(accs) == 0:
		err = fmt.Errorf("the store %s has no account yet: run hookd serve once to create it", db)
	case len(found) == 0:
		err = usageError{fmt.Errorf("no account %q in the store", account)}
	case len(found) > 1:
		err = usageError{errors.New("the store has several accounts: name one with --account")}
	}
	if err != nil {
		st.Close()
		return nil, hookd.Account{}, err
	}
	return st, found[0], nil
}

// subcommand returns the first of args when it is one of subs (hookd keys
// list, …). Otherwise it prints the command's usage: to stdout when asked
// for with -h, and then the command is done (sub "" and no error), else to
// stderr with a usage error that says what to give.
func subcommand(cmd string, args, subs []string, usage string, stdout, stderr io.Writer) (sub string, err error) {
	if len(args) > 0 && slices.Contains(subs, args[0]) {
		return args[0], nil
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdout, usage)
		return "", nil
	}
	fmt.Fprint(stderr, usage)
	say := strings.Join(subs[:len(subs)-1], ", ") + " or " + subs[len(subs)-1]
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", usageError{fmt.Errorf("%s: say %s", cmd, say)}
	}
	return "", usageError{fmt.Errorf("%s: unknown subcommand %q; say %s", cmd, args[0], say)}
}

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, err := subcommand("keys", args, []string{"list", "create", "revoke"}, keysUsage, stdout, stderr)
	if sub == "" {
		return err
	}
	var db, account, name string
	fs, f := storeFlags("hookd keys "+sub, stderr, &db)
	fs.StringVar(&account, "account", "", "the account's ID or name, when the store has several")
	if sub == "create" {
		fs.StringVar(&name, "name", "", "what will use the key, e.g. \"Calendar server\" (required)")
	}
	missing := map[string]string{"revoke": "keys revoke: give the ID of the key to revoke (see hookd keys list)"}[sub]
	if err := f.parseNeeding(args[1:], missing); err != nil {
		return err
	}
	if sub == "create" {
		errs := hookd.FieldErrors{}
		hookd.ValidateKeyName(name, errs)
		if len(errs) > 0 {
			return usageError{fmt.Errorf("--name %s", errs["name"])}
		}
	}

	st, acc, err := adminStore(ctx, db, account)
	if err != nil {
		return err
	}
	defer st.Close()
	a := app.NewAccounts(st, time.Now)
	switch sub {
	case "list":
		keys, err := st.APIKeys(ctx, acc.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tKEY\tCREATED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\n", k.ID, k.Name, k.Prefix, hookd.FormatTime(k.CreatedAt))
		}
		return tw.Flush()
	case "create":
		k, key, err := a.CreateAPIKey(ctx, acc.ID, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "hookd: API key %s %q created; the key (shown once; store it now):\n", k.ID, k.Name)
		fmt.Fprintln(stdout, key)
		return nil
	default:
		k, err := a.RevokeAPIKey(ctx, acc.ID, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "hookd: API key %s %q (%s…) revoked\n", k.ID, k.Name, k.Prefix)
		return nil
	}
}

const passwordUsage = `Usage: hookd password [--db …] [--user admin]

Sets a control panel user's password: the value of HOOKD_ADMIN_PASSWORD when it
is set, else a generated one, printed once. For a lost admin password.

`

// runPassword sets a control-panel user's password: the value of
// HOOKD_ADMIN_PASSWORD, or a generated one printed once.
func runPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var db, user string
	fs, f := newFlagsUsage("hookd password", passwordUsage, stderr)
	f.DB(&db)
	fs.StringVar(&user, "user", "admin", "the user whose password is set")
	if err := f.parse(args); err != nil {
		return err
	}
	password, generated := os.Getenv("HOOKD_ADMIN_PASSWORD"), false
	if password == "" {
		password, generated = hookd.NewPassword(), true
	} else if msg := hookd.PasswordProblem(password); msg != "" {
		return usageError{errors.New("HOOKD_ADMIN_PASSWORD " + msg)}
	}
	st, err := openExisting(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByUsername(ctx, user)
	if hookd.ErrorCode(err) == hookd.ENOTFOUND {
		return usageError{fmt.Errorf("no control panel user %q in %s", user, db)}
	} else if err != nil {
		return err
	}
	// "" as the session to keep: the user is signed out everywhere.
	if err := app.NewAccounts(st, time.Now).SetPassword(ctx, u.AccountID, u.ID, password, ""); err != nil {
		return err
	}
	if generated {
		fmt.Fprintf(stderr, "hookd: the new password of %q (shown once):\n", user)
		fmt.Fprintln(stdout, password)
	} else {
		fmt.Fprintf(stdout, "hookd: the password of %q is now the value of HOOKD_ADMIN_PASSWORD\n", user)
	}
	return nil
}

const accountsUsage = `Usage:
  hookd accounts list   [--db …]          list the accounts (tenants)
  hookd accounts create [--db …] NAME     make another account and print its first API key once

Works on the store directly, with or without hookd serve running. Each account
has its own webhooks, triggers, delivery log, API keys and panel users.
`

func runAccounts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, err := subcommand("accounts", args, []string{"list", "create"}, accountsUsage, stdout, stderr)
	if sub == "" {
		return err
	}
	var db string
	fs, f := storeFlags("hookd accounts "+sub, stderr, &db)
	missing := map[string]string{"create": "accounts create: give the new account's name, e.g. hookd accounts create \"Branch library\""}[sub]
	if err := f.parseNeeding(args[1:], missing); err != nil {
		return err
	}
	st, err := openExisting(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	if sub == "list" {
		accs, err := st.Accounts(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED")
		for _, a := range accs {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", a.ID, a.Name, hookd.FormatTime(a.CreatedAt))
		}
		return tw.Flush()
	}
	acc, key, err := app.NewAccounts(st, time.Now).CreateAccount(ctx, fs.Arg(0))
	if hookd.ErrorCode(err) == hookd.EINVALID {
		return usageError{fmt.Errorf("accounts create: the account's %s", hookd.ErrorMessage(err))}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "hookd: account %s %q created; its first API key (shown once; store it now):\n", acc.ID, acc.Name)
	fmt.Fprintln(stdout, key)
	return nil
}
