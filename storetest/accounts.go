package storetest

import (
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

func bootstrapParams(name string) hookd.BootstrapParams {
	acc := hookd.NewID(hookd.PrefixAccount)
	return hookd.BootstrapParams{
		Account: hookd.Account{ID: acc, Name: name, CreatedAt: base},
		APIKey: hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: acc,
			Hash: "hash-of-" + name, Prefix: "hk_" + name, CreatedAt: base},
		Admin: hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: acc,
			Username: "admin", PasswordHash: "$2a$10$" + name, Admin: true, CreatedAt: base},
	}
}

func testBootstrap(t *testing.T, s hookd.Store) {
	first := bootstrapParams("first")
	created, err := s.Bootstrap(ctx(t), first)
	must(t, err)
	if !created {
		t.Fatal("Bootstrap on an empty store = false, want true")
	}
	a, err := s.AccountByAPIKey(ctx(t), first.APIKey.Hash)
	must(t, err)
	if a.ID != first.Account.ID || a.Name != "first" {
		t.Errorf("bootstrap key's account = %+v, want %s", a, first.Account.ID)
	}
	sameTime(t, "account CreatedAt", a.CreatedAt, base)
	admin, err := s.UserByUsername(ctx(t), "admin")
	must(t, err)
	if admin.ID != first.Admin.ID || admin.AccountID != a.ID || !admin.Admin || admin.PasswordHash != first.Admin.PasswordHash {
		t.Errorf("bootstrap admin = %+v, want %+v", admin, first.Admin)
	}

	second := bootstrapParams("second")
	second.Admin.Username = "admin2"
	created, err = s.Bootstrap(ctx(t), second)
	must(t, err)
	if created {
		t.Fatal("second Bootstrap = true, want false: the store already has an account")
	}
	wantCode(t, errOf(s.AccountByAPIKey(ctx(t), second.APIKey.Hash)), hookd.ENOTFOUND, "the second bootstrap's key")
	wantCode(t, errOf(s.UserByUsername(ctx(t), "admin2")), hookd.ENOTFOUND, "the second bootstrap's admin")
}

func testAccountsAndAPIKeys(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	// A store that has an account is not bootstrapped again.
	created, err := s.Bootstrap(ctx(t), bootstrapParams("late"))
	must(t, err)
	if created {
		t.Error("Bootstrap after CreateAccount = true, want false")
	}
	for _, k := range []hookd.APIKey{
		{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: a.ID, Hash: "aaaa", Prefix: "hk_aa", CreatedAt: base},
		{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: b.ID, Hash: "bbbb", Prefix: "hk_bb", CreatedAt: base},
		{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: b.ID, Hash: "bbbb2", Prefix: "hk_b2", CreatedAt: base},
	} {
		must(t, s.CreateAPIKey(ctx(t), &k))
	}
	for hash, want := range map[string]string{"aaaa": a.ID, "bbbb": b.ID, "bbbb2": b.ID} {
		got, err := s.AccountByAPIKey(ctx(t), hash)
		must(t, err)
		if got.ID != want {
			t.Errorf("AccountByAPIKey(%s) = %s, want %s", hash, got.ID, want)
		}
	}
	wantCode(t, errOf(s.AccountByAPIKey(ctx(t), "cccc")), hookd.ENOTFOUND, "AccountByAPIKey of an unknown hash")
	wantCode(t, errOf(s.AccountByAPIKey(ctx(t), "")), hookd.ENOTFOUND, "AccountByAPIKey of an empty hash")
}

func testUsers(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	ann := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: a.ID, Username: "ann", PasswordHash: "h1", Admin: true, CreatedAt: base}
	bob := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: a.ID, Username: "bob", PasswordHash: "h2", CreatedAt: base.Add(time.Second)}
	cid := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: b.ID, Username: "cid", PasswordHash: "h3", CreatedAt: base}
	for _, u := range []*hookd.User{&ann, &bob, &cid} {
		must(t, s.CreateUser(ctx(t), u))
	}

	got, err := s.User(ctx(t), bob.ID)
	must(t, err)
	if got.ID != bob.ID || got.AccountID != a.ID || got.Username != "bob" || got.PasswordHash != "h2" || got.Admin {
		t.Errorf("User(bob) = %+v, want %+v", got, bob)
	}
	sameTime(t, "user CreatedAt", got.CreatedAt, bob.CreatedAt)
	got, err = s.UserByUsername(ctx(t), "ann")
	must(t, err)
	if got.ID != ann.ID || !got.Admin {
		t.Errorf("UserByUsername(ann) = %+v, want %+v", got, ann)
	}

	users, err := s.Users(ctx(t), a.ID)
	must(t, err)
	sameIDs(t, "Users(alpha)", ids(users, func(u hookd.User) string { return u.ID }), []string{ann.ID, bob.ID})
	users, err = s.Users(ctx(t), b.ID)
	must(t, err)
	sameIDs(t, "Users(beta)", ids(users, func(u hookd.User) string { return u.ID }), []string{cid.ID})

	// Usernames are unique across accounts: sign-in finds a user by name.
	dup := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: b.ID, Username: "ann", PasswordHash: "x", CreatedAt: base}
	wantCode(t, s.CreateUser(ctx(t), &dup), hookd.ECONFLICT, "CreateUser with a taken username")
	got, err = s.UserByUsername(ctx(t), "ann")
	must(t, err)
	if got.ID != ann.ID {
		t.Errorf("after the conflict, ann is %s, want %s", got.ID, ann.ID)
	}

	must(t, s.SetPassword(ctx(t), ann.ID, "new-hash", ""))
	got, err = s.User(ctx(t), ann.ID)
	must(t, err)
	if got.PasswordHash != "new-hash" {
		t.Errorf("after SetPassword, hash = %q, want new-hash", got.PasswordHash)
	}
	wantCode(t, s.SetPassword(ctx(t), "usr_unknown", "x", ""), hookd.ENOTFOUND, "SetPassword of an unknown user")
	wantCode(t, errOf(s.User(ctx(t), "usr_unknown")), hookd.ENOTFOUND, "User of an unknown ID")
	wantCode(t, errOf(s.UserByUsername(ctx(t), "nobody")), hookd.ENOTFOUND, "UserByUsername of an unknown name")
}

func testSessions(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	u := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: a.ID, Username: "ann", PasswordHash: "h", CreatedAt: base}
	must(t, s.CreateUser(ctx(t), &u))
	sess := hookd.Session{TokenHash: "tok1", UserID: u.ID, CSRFToken: "csrf1", CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	must(t, s.CreateSession(ctx(t), &sess))
	other := hookd.Session{TokenHash: "tok2", UserID: u.ID, CSRFToken: "csrf2", CreatedAt: base, ExpiresAt: base.Add(2 * time.Hour)}
	must(t, s.CreateSession(ctx(t), &other))

	got, err := s.Session(ctx(t), "tok1", base.Add(time.Minute))
	must(t, err)
	if got.TokenHash != "tok1" || got.UserID != u.ID || got.CSRFToken != "csrf1" {
		t.Errorf("Session = %+v, want %+v", got, sess)
	}
	sameTime(t, "session CreatedAt", got.CreatedAt, base)
	sameTime(t, "session ExpiresAt", got.ExpiresAt, base.Add(time.Hour))

	wantCode(t, errOf(s.Session(ctx(t), "tok1", base.Add(time.Hour+time.Second))), hookd.ENOTFOUND, "Session after it expired")
	wantCode(t, errOf(s.Session(ctx(t), "nope", base)), hookd.ENOTFOUND, "Session of an unknown token")

	must(t, s.DeleteSession(ctx(t), "tok2"))
	wantCode(t, errOf(s.Session(ctx(t), "tok2", base)), hookd.ENOTFOUND, "Session after DeleteSession")
	// Signing out one session leaves the others alone.
	_, err = s.Session(ctx(t), "tok1", base)
	must(t, err)

	// A new password ends the user's other sessions, and only theirs.
	bob := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: a.ID, Username: "bob", PasswordHash: "h", CreatedAt: base}
	must(t, s.CreateUser(ctx(t), &bob))
	for _, ss := range []hookd.Session{
		{TokenHash: "tok3", UserID: u.ID, CSRFToken: "c3", CreatedAt: base, ExpiresAt: base.Add(time.Hour)},
		{TokenHash: "bob1", UserID: bob.ID, CSRFToken: "cb", CreatedAt: base, ExpiresAt: base.Add(time.Hour)},
	} {
		must(t, s.CreateSession(ctx(t), &ss))
	}
	must(t, s.SetPassword(ctx(t), u.ID, "h2", "tok3"))
	wantCode(t, errOf(s.Session(ctx(t), "tok1", base)), hookd.ENOTFOUND, "another session after SetPassword")
	for _, tok := range []string{"tok3", "bob1"} {
		if _, err := s.Session(ctx(t), tok, base); err != nil {
			t.Errorf("session %s after ann's SetPassword keeping tok3: %v", tok, err)
		}
	}
	must(t, s.SetPassword(ctx(t), u.ID, "h3", ""))
	wantCode(t, errOf(s.Session(ctx(t), "tok3", base)), hookd.ENOTFOUND, "the kept session after SetPassword keeping none")
}

func testPing(t *testing.T, s hookd.Store) {
	must(t, s.Ping(ctx(t)))
	// A freshly opened store is migrated and writable; readiness says so
	// twice in a row (its write changes nothing).
	must(t, s.Ready(ctx(t)))
	must(t, s.Ready(ctx(t)))
}

func testAPIKeyManagement(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	accs, err := s.Accounts(ctx(t))
	must(t, err)
	if len(accs) != 2 || accs[0].ID != a.ID || accs[1].ID != b.ID || accs[0].Name != "alpha" {
		t.Errorf("Accounts = %+v, want alpha then beta", accs)
	}
	k1 := hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: a.ID, Name: "Calendar server", Hash: "h1", Prefix: "hk_one", CreatedAt: base}
	k2 := hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: a.ID, Name: "Booking system", Hash: "h2", Prefix: "hk_two", CreatedAt: base.Add(time.Second)}
	kb := hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: b.ID, Hash: "hb", Prefix: "hk_bee", CreatedAt: base}
	for _, k := range []*hookd.APIKey{&k1, &k2, &kb} {
		must(t, s.CreateAPIKey(ctx(t), k))
	}
	keys, err := s.APIKeys(ctx(t), a.ID)
	must(t, err)
	if len(keys) != 2 || keys[0].ID != k1.ID || keys[1].ID != k2.ID {
		t.Fatalf("APIKeys(alpha) = %+v, want k1, k2", keys)
	}
	if keys[0].Name != "Calendar server" || keys[0].Hash != "h1" || keys[0].Prefix != "hk_one" || keys[0].AccountID != a.ID {
		t.Errorf("APIKeys(alpha)[0] = %+v, want %+v", keys[0], k1)
	}
	sameTime(t, "key CreatedAt", keys[1].CreatedAt, k2.CreatedAt)

	// Another account's key is not found; the last key stays.
	wantCode(t, errOf(s.DeleteAPIKey(ctx(t), a.ID, kb.ID)), hookd.ENOTFOUND, "DeleteAPIKey of another account's key")
	wantCode(t, errOf(s.DeleteAPIKey(ctx(t), b.ID, kb.ID)), hookd.ECONFLICT, "DeleteAPIKey of the account's last key")
	if _, err := s.AccountByAPIKey(ctx(t), "hb"); err != nil {
		t.Errorf("the last key was refused deletion but stopped working: %v", err)
	}

	got, err := s.DeleteAPIKey(ctx(t), a.ID, k1.ID)
	must(t, err)
	if got.ID != k1.ID || got.Hash != "h1" {
		t.Errorf("DeleteAPIKey returned %+v, want k1", got)
	}
	wantCode(t, errOf(s.AccountByAPIKey(ctx(t), "h1")), hookd.ENOTFOUND, "AccountByAPIKey of a deleted key")
	wantCode(t, errOf(s.DeleteAPIKey(ctx(t), a.ID, k1.ID)), hookd.ENOTFOUND, "DeleteAPIKey twice")
	keys, err = s.APIKeys(ctx(t), a.ID)
	must(t, err)
	if len(keys) != 1 || keys[0].ID != k2.ID {
		t.Errorf("after deleting k1, APIKeys = %+v, want k2", keys)
	}
	wantCode(t, errOf(s.DeleteAPIKey(ctx(t), a.ID, k2.ID)), hookd.ECONFLICT, "DeleteAPIKey of the remaining key")
}

func testRemoveUsersKeepsAnAdmin(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	b := account(t, s, "beta")
	ann := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: a.ID, Username: "ann", PasswordHash: "h1", Admin: true, CreatedAt: base}
	bob := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: a.ID, Username: "bob", PasswordHash: "h2", CreatedAt: base}
	cid := hookd.User{ID: hookd.NewID(hookd.PrefixUser), AccountID: b.ID, Username: "cid", PasswordHash: "h3", Admin: true, CreatedAt: base}
	for _, u := range []*hookd.User{&ann, &bob, &cid} {
		must(t, s.CreateUser(ctx(t), u))
	}
	must(t, s.CreateSession(ctx(t), &hookd.Session{TokenHash: "bob-session", UserID: bob.ID, CSRFToken: "c", CreatedAt: base, ExpiresAt: base.Add(time.Hour)}))

	wantCode(t, errOf(s.SetAdmin(ctx(t), a.ID, ann.ID, false)), hookd.ECONFLICT, "taking the last administrator's rights")
	wantCode(t, errOf(s.DeleteUser(ctx(t), a.ID, ann.ID)), hookd.ECONFLICT, "deleting the last administrator")
	wantCode(t, errOf(s.DeleteUser(ctx(t), a.ID, cid.ID)), hookd.ENOTFOUND, "deleting another account's user")
	wantCode(t, errOf(s.SetAdmin(ctx(t), a.ID, cid.ID, false)), hookd.ENOTFOUND, "changing another account's user")
	if u, err := s.User(ctx(t), ann.ID); err != nil || !u.Admin {
		t.Fatalf("after the refusals ann is %+v, %v; want her kept, an administrator", u, err)
	}

	u, err := s.SetAdmin(ctx(t), a.ID, bob.ID, true)
	must(t, err)
	if u.ID != bob.ID {
		t.Errorf("SetAdmin returned %+v", u)
	}
	if u, _ := s.User(ctx(t), bob.ID); !u.Admin {
		t.Error("bob is not an administrator after SetAdmin(true)")
	}
	_, err = s.SetAdmin(ctx(t), a.ID, ann.ID, false) // bob is one now
	must(t, err)
	if u, _ := s.User(ctx(t), ann.ID); u.Admin {
		t.Error("ann is still an administrator after SetAdmin(false)")
	}
	_, err = s.SetAdmin(ctx(t), a.ID, ann.ID, true)
	must(t, err)
	got, err := s.DeleteUser(ctx(t), a.ID, bob.ID)
	must(t, err)
	if got.Username != "bob" {
		t.Errorf("DeleteUser returned %+v", got)
	}
	wantCode(t, errOf(s.User(ctx(t), bob.ID)), hookd.ENOTFOUND, "reading a deleted user")
	wantCode(t, errOf(s.Session(ctx(t), "bob-session", base)), hookd.ENOTFOUND, "a deleted user's session")
	users, err := s.Users(ctx(t), a.ID)
	must(t, err)
	sameIDs(t, "Users after the deletion", ids(users, func(u hookd.User) string { return u.ID }), []string{ann.ID})
}

func testTouchAPIKey(t *testing.T, s hookd.Store) {
	a := account(t, s, "alpha")
	k := hookd.APIKey{ID: hookd.NewID(hookd.PrefixAPIKey), AccountID: a.ID, Hash: "touched", Prefix: "hk_to", CreatedAt: base}
	must(t, s.CreateAPIKey(ctx(t), &k))
	keys, err := s.APIKeys(ctx(t), a.ID)
	must(t, err)
	if len(keys) != 1 || !keys[0].LastUsedAt.IsZero() {
		t.Fatalf("a new key = %+v, want one never used", keys)
	}
	must(t, s.TouchAPIKey(ctx(t), "touched", base.Add(time.Hour)))
	must(t, s.TouchAPIKey(ctx(t), "touched", base.Add(time.Minute))) // older: kept out
	must(t, s.TouchAPIKey(ctx(t), "unknown", base))
	keys, err = s.APIKeys(ctx(t), a.ID)
	must(t, err)
	sameTime(t, "LastUsedAt", keys[0].LastUsedAt, base.Add(time.Hour))
}
