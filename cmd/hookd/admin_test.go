package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/server"
)

// cmd runs a hookd command in-process, as typed on the command line, and
// returns what it printed to stdout and to stderr.
func cmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut strings.Builder
	err = run(t.Context(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// serveOnce starts and stops hookd serve on the SQLite file db, which
// bootstraps the store (its first account with the API key apiKey, and
// the admin with adminPassword unless it is ""), as a person does before
// using the admin commands.
func serveOnce(t *testing.T, db, apiKey, adminPassword string) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Addr, cfg.DB, cfg.APIKey, cfg.AdminPassword, cfg.Stderr = "127.0.0.1:0", db, apiKey, adminPassword, io.Discard
	s, err := server.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// newKey runs a command that makes an API key: it prints the key alone on
// stdout, for a script to take, and on stderr that it is shown once.
func newKey(t *testing.T, args ...string) string {
	t.Helper()
	key, note, err := cmd(t, args...)
	key = strings.TrimSpace(key)
	if err != nil || !strings.HasPrefix(key, "hk_") || !strings.Contains(note, "shown once") {
		t.Fatalf("hookd %s: %q %q %v", strings.Join(args, " "), key, note, err)
	}
	return key
}

// openStore opens the store the commands worked on, to check what they
// did; it is closed when the test ends.
func openStore(t *testing.T, db string) hookd.Store {
	t.Helper()
	st, err := server.OpenStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestSubcommands: hookd keys and hookd accounts name their subcommands
// when given none or an unknown one (exit status 2, the usage on stderr),
// say which argument a subcommand wants when it is missing or one too
// many, and print the usage on stdout when asked with -h.
func TestSubcommands(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"keys"}, "keys: say list, create or revoke"},
		{[]string{"keys", "--db", "x.db", "list"}, "keys: say list, create or revoke"},
		{[]string{"keys", "rotate"}, `keys: unknown subcommand "rotate"; say list, create or revoke`},
		{[]string{"accounts"}, "accounts: say list or create"},
		{[]string{"accounts", "delete"}, `accounts: unknown subcommand "delete"; say list or create`},
	} {
		out, errOut, err := cmd(t, c.args...)
		var u usageError
		if !errors.As(err, &u) || err.Error() != c.want {
			t.Errorf("hookd %s: %v, want the usage error %q", strings.Join(c.args, " "), err, c.want)
		}
		if out != "" || !strings.HasPrefix(errOut, "Usage:") {
			t.Errorf("hookd %s printed %q to stdout and %q to stderr, want the usage on stderr", strings.Join(c.args, " "), out, errOut)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "revoke"}, "keys revoke: give the ID of the key to revoke (see hookd keys list)"},
		{[]string{"keys", "list", "key_1"}, `unexpected argument "key_1"`},
		{[]string{"accounts", "create"}, `accounts create: give the new account's name, e.g. hookd accounts create "Branch library"`},
		{[]string{"accounts", "create", "A", "B"}, `unexpected argument "B"`},
	} {
		_, _, err := cmd(t, c.args...)
		var u usageError
		if !errors.As(err, &u) || err.Error() != c.want {
			t.Errorf("hookd %s: %v, want the usage error %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	for _, c := range []struct{ command, usage string }{{"keys", keysUsage}, {"accounts", accountsUsage}} {
		if out, errOut, err := cmd(t, c.command, "-h"); err != nil || out != c.usage || errOut != "" {
			t.Errorf("hookd %s -h: %v, stdout %q, stderr %q; want the usage on stdout", c.command, err, out, errOut)
		}
	}
}

// TestKeysAndPasswordCommands runs hookd keys and hookd password on a store
// that hookd serve bootstrapped: a key made on the command line works for
// the API's account, a revoked one is gone, and a reset password signs in.
func TestKeysAndPasswordCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "hookd.db")
	if _, _, err := cmd(t, "keys", "list", "--db", db); err == nil || !strings.Contains(err.Error(), "no store at") {
		t.Fatalf("keys on a missing file: %v, want \"no store at\"", err)
	}
	serveOnce(t, db, "hk_bootstrapbootstrapbootstrap_0123", "first password")

	if _, _, err := cmd(t, "keys", "create", "--db", db); err == nil || !strings.Contains(err.Error(), "--name is required") {
		t.Errorf("create without a name: %v", err)
	}
	key := newKey(t, "keys", "create", "--db", db, "--name", "Calendar server")
	list, _, err := cmd(t, "keys", "list", "--db", db)
	if err != nil || !strings.Contains(list, "Calendar server") || !strings.Contains(list, "first key") || strings.Contains(list, key) {
		t.Fatalf("list: %v\n%s", err, list)
	}

	st := openStore(t, db)
	acc, err := st.AccountByAPIKey(ctx, hookd.HashAPIKey(key))
	if err != nil {
		t.Fatalf("the created key does not open the account: %v", err)
	}
	keys, _ := st.APIKeys(ctx, acc.ID)
	if len(keys) != 2 {
		t.Fatalf("keys in the store: %+v", keys)
	}
	out, _, err := cmd(t, "keys", "revoke", "--db", db, keys[0].ID)
	if err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: %q %v", out, err)
	}
	if _, err := st.AccountByAPIKey(ctx, hookd.HashAPIKey("hk_bootstrapbootstrapbootstrap")); hookd.ErrorCode(err) != hookd.ENOTFOUND {
		t.Errorf("the revoked key still opens the account: %v", err)
	}
	if _, _, err := cmd(t, "keys", "revoke", "--db", db, keys[1].ID); err == nil || !strings.Contains(err.Error(), "last key") {
		t.Errorf("revoking the last key: %v", err)
	}

	// A lost admin password: a new one, generated and printed once.
	pw, _, err := cmd(t, "password", "--db", db)
	pw = strings.TrimSpace(pw)
	if err != nil || len(pw) < 10 {
		t.Fatalf("password: %q %v", pw, err)
	}
	u, err := st.UserByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(pw)) != nil {
		t.Error("the printed password does not match the admin's")
	}
	t.Setenv("HOOKD_ADMIN_PASSWORD", "short")
	if _, _, err := cmd(t, "password", "--db", db); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Errorf("short password: %v", err)
	}
}

// TestAccountsCommands: hookd accounts create makes a tenant of its own
// with a first key (printed once), and hookd accounts list shows it.
func TestAccountsCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "hookd.db")
	firstKey := "hk_accounts_test_0123456789abcdefghij"
	serveOnce(t, db, firstKey, "")
	if _, _, err := cmd(t, "accounts", "create", "--db", db); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("create without a name: %v, want a usage error asking for it", err)
	}
	key := newKey(t, "accounts", "create", "--db", db, "Branch library")
	list, _, err := cmd(t, "accounts", "list", "--db", db)
	if err != nil || !strings.Contains(list, "Branch library") || !strings.Contains(list, "default") || strings.Contains(list, key) {
		t.Fatalf("list: %v\n%s", err, list)
	}
	st := openStore(t, db)
	branch, err := st.AccountByAPIKey(ctx, hookd.HashAPIKey(key))
	if err != nil || branch.Name != "Branch library" {
		t.Fatalf("the new key belongs to %+v (%v), want the new account", branch, err)
	}
	first, err := st.AccountByAPIKey(ctx, hookd.HashAPIKey(firstKey))
	if err != nil || first.ID == branch.ID {
		t.Fatalf("the first key's account %+v (%v) is the new one", first, err)
	}
	if _, _, err := cmd(t, "keys", "list", "--db", db); err == nil || !strings.Contains(err.Error(), "--account") {
		t.Errorf("keys list with two accounts: %v, want to be asked for --account", err)
	}
}
