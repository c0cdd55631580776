package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/hookd-dev/hookd/server"
)

// envFlags reads each flag's default from its HOOKD_* variable, so that a
// flag given on the command line wins over the environment.
type envFlags struct {
	fs   *flag.FlagSet
	errs []error
}

// newFlags starts a command's flags: its messages go to stderr, and
// envFlags.parse parses them the way every command does (a mistake is a
// usage error, exit status 2).
func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *envFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, &envFlags{fs: fs}
}

// newFlagsUsage is newFlags for a command whose -h prints usage, then its
// flags.
func newFlagsUsage(name, usage string, stderr io.Writer) (*flag.FlagSet, *envFlags) {
	fs, f := newFlags(name, stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs, f
}

// fromEnv returns the value of the variable env read by parse, or def when
// env is not set. A value that parse refuses is kept as an error ("is not
// " + what) that parseArgs reports, and def stands meanwhile.
func fromEnv[T any](e *envFlags, env string, def T, parse func(string) (T, error), what string) T {
	v, ok := os.LookupEnv(env)
	if !ok {
		return def
	}
	x, err := parse(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q is not %s", env, v, what))
		return def
	}
	return x
}

// withEnv is a flag's help with the variable that sets it too.
func withEnv(help, env string) string { return help + " (env " + env + ")" }

func (e *envFlags) String(p *string, name, env, def, help string) {
	text := func(s string) (string, error) { return s, nil }
	e.fs.StringVar(p, name, fromEnv(e, env, def, text, ""), withEnv(help, env))
}

func (e *envFlags) Duration(p *time.Duration, name, env string, def time.Duration, help string) {
	*p = fromEnv(e, env, def, time.ParseDuration, "a duration such as 5s or 1m")
	e.fs.Var((*durationValue)(p), name, withEnv(help, env))
}

func (e *envFlags) Int(p *int, name, env string, def int, help string) {
	e.fs.IntVar(p, name, fromEnv(e, env, def, strconv.Atoi, "a whole number"), withEnv(help, env))
}

func (e *envFlags) Bool(p *bool, name, env string, def bool, help string) {
	e.fs.BoolVar(p, name, fromEnv(e, env, def, strconv.ParseBool, "true or false"), withEnv(help, env))
}

// durationValue is a flag.Value that prints a duration as the docs write it
// (1m, not 1m0s), so that --help shows the defaults of the settings table.
type durationValue time.Duration

func (d *durationValue) String() string { return server.FormatDuration(time.Duration(*d)) }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration such as 5s or 1m")
	}
	*d = durationValue(v)
	return nil
}

// serveFlags defines the settings of `hookd serve` on fs from the one
// settings table, server.Settings, with cfg's values as defaults.
func serveFlags(fs *flag.FlagSet, cfg *server.Config) *envFlags {
	f := &envFlags{fs: fs}
	for _, s := range server.Settings() {
		help := s.Help
		if s.NoDefault != "" {
			help += " (default " + s.NoDefault + ")"
		}
		switch p := s.Field(cfg).(type) {
		case *string:
			f.setting(s, p, *p, help)
		case *time.Duration:
			f.Duration(p, s.Flag, s.Env, *p, help)
		case *int:
			f.Int(p, s.Flag, s.Env, *p, help)
		case *bool:
			f.Bool(p, s.Flag, s.Env, *p, help)
		default:
			panic(fmt.Sprintf("setting --%s: a field of type %T", s.Flag, p))
		}
	}
	return f
}

// DB defines --db (HOOKD_DB) as serve has it, for the commands that work on
// the store directly.
func (e *envFlags) DB(p *string) {
	for _, s := range server.Settings() {
		if s.Flag == "db" {
			def := server.DefaultConfig()
			e.setting(s, p, *s.Field(&def).(*string), s.Help)
		}
	}
}

// setting defines the string setting s, its default shown by --help (the
// environment's value, if set) rewritten by s.Redact so that a password in
// it is not.
func (e *envFlags) setting(s server.Setting, p *string, def, help string) {
	e.String(p, s.Flag, s.Env, def, help)
	if s.Redact != nil {
		fl := e.fs.Lookup(s.Flag)
		fl.DefValue = s.Redact(fl.DefValue)
	}
}

// storeFlags starts the flags of a command that works on the store
// directly: --db (HOOKD_DB) as serve has it, and messages to stderr.
func storeFlags(name string, stderr io.Writer, db *string) (*flag.FlagSet, *envFlags) {
	fs, f := newFlags(name, stderr)
	f.DB(db)
	return fs, f
}

func (e *envFlags) parse(args []string) error { return e.parseArgs(args, 0) }

// parseArgs parses the flags and allows up to maxArgs arguments after them.
func (e *envFlags) parseArgs(args []string, maxArgs int) error {
	if err := e.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if len(e.errs) > 0 {
		return usageError{errors.Join(e.errs...)}
	}
	if e.fs.NArg() > maxArgs {
		return usageError{fmt.Errorf("unexpected argument %q", e.fs.Arg(maxArgs))}
	}
	return nil
}

// parseNeeding parses the flags of a subcommand that takes one argument
// after them, missing being the usage error without it; with missing ""
// it takes none.
func (e *envFlags) parseNeeding(args []string, missing string) error {
	n := 0
	if missing != "" {
		n = 1
	}
	if err := e.parseArgs(args, n); err != nil {
		return err
	}
	if e.fs.NArg() < n {
		return usageError{errors.New(missing)}
	}
	return nil
}

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	cfg := server.DefaultConfig()
	fs, _ := newFlags("hookd serve", stderr)
	f := serveFlags(fs, &cfg)
	if err := f.parse(args); err != nil {
		return err
	}
	cfg.APIKey = os.Getenv("HOOKD_API_KEY")
	cfg.AdminPassword = os.Getenv("HOOKD_ADMIN_PASSWORD")
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	log, err := server.NewLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return usageError{err}
	}
	cfg.Logger, cfg.Stderr = log, stderr

	s, err := server.Open(ctx, cfg)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-s.Done():
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Close()
			return err
		}
	}
	return s.Close()
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var db string
	_, f := storeFlags("hookd migrate", stderr, &db)
	if err := f.parse(args); err != nil {
		return err
	}
	st, err := server.OpenStore(ctx, db) // opening applies the migrations
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "hookd: migrations applied")
	return st.Close()
}
