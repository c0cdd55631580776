package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/client"
)

const triggerUsage = `Usage:
  hookd trigger [flags] <hook> field=value …     one trigger, its data as fields
  hookd trigger [flags] --data '{…}' <hook>       one trigger, its data as JSON
  hookd trigger [flags] --file triggers.jsonl     a batch: one {"hook", "data", "timestamp"?} a line ("-": standard input)

Sends triggers to a running hookd and prints the id of each one stored, a line
each. A field=value is typed by the hook's catalogue as that hookd has it
(eventId=7 is the integer 7, reason=Snow the string "Snow"); hookd checks the
data, and the error names the field. Flags may come before or after the hook.

`

func runTrigger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newFlagsUsage("hookd trigger", triggerUsage, stderr)
	var api, key, data, file, at, idem string
	f.String(&api, "api", "HOOKD_API", "http://127.0.0.1:8080", "the hookd to send to")
	f.String(&key, "key", "HOOKD_API_KEY", "", "an API key of the account")
	fs.StringVar(&data, "data", "", "the trigger's data as a JSON object, instead of field=value arguments")
	fs.StringVar(&file, "file", "", "a JSON Lines file of triggers to send as batches of up to 10,000 (\"-\": standard input)")
	fs.StringVar(&at, "at", "", "when the action happened, RFC 3339 (default: now)")
	fs.StringVar(&idem, "idempotency-key", "", "the request's Idempotency-Key, to send it again safely from a script (default: a random one, for the client's own retries)")
	var pos []string
	rest := args
	for {
		if err := f.parseArgs(rest, 1<<30); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if key == "" {
		return usageError{errors.New("no API key: set HOOKD_API_KEY or give --key")}
	}
	when := time.Now()
	if at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return usageError{fmt.Errorf("--at %q: want an RFC 3339 time such as 2026-12-01T07:00:00Z", at)}
		}
		when = t
	}
	var opts []client.TriggerOption
	if idem != "" {
		opts = append(opts, client.WithIdempotencyKey(idem))
	}
	c := client.New(api, key)
	if file != "" {
		if len(pos) > 0 || data != "" {
			return usageError{errors.New("--file holds whole triggers: give no hook, fields or --data with it")}
		}
		return triggerFile(ctx, c, file, idem, stdout)
	}
	if len(pos) == 0 {
		fs.Usage()
		return usageError{errors.New("which hook? e.g. hookd trigger eventCanceled eventId=7 reason=Snow")}
	}
	hook, fields := pos[0], pos[1:]
	var payload json.RawMessage
	switch {
	case data != "" && len(fields) > 0:
		return usageError{errors.New("give the data either as --data or as field=value arguments, not both")}
	case data != "":
		payload = json.RawMessage(data)
	default:
		var err error
		if payload, err = typedData(ctx, c, api, hook, fields, when); err != nil {
			return err
		}
	}
	a, err := c.Trigger(ctx, client.Custom{Hook: hook, Data: payload}, append(opts, client.At(when))...)
	if err != nil {
		return refused(err, nil)
	}
	fmt.Fprintln(stdout, a.ID)
	return nil
}

// typedData makes a hook's data from field=value arguments, typed and
// checked by the catalogue of the hookd at api (GET /api/v1/hooks, read
// by hookd.ParseCatalogue and checked by Catalogue.ParseTriggers, as the
// server checks it).
func typedData(ctx context.Context, c *client.Client, api, hook string, args []string, when time.Time) (json.RawMessage, error) {
	hooks, err := c.Hooks(ctx)
	if err != nil {
		return nil, refused(err, nil)
	}
	cat, err := catalogueOf(hooks)
	if err != nil {
		return nil, fmt.Errorf("the catalogue of %s: %w", api, err)
	}
	h, ok := cat.Lookup(hook)
	if !ok || h.System {
		return nil, usageError{fmt.Errorf("%s has no hook %q to trigger; its hooks are %s", api, hook, strings.Join(triggerable(cat), ", "))}
	}
	data := map[string]json.RawMessage{}
	errs := hookd.FieldErrors{}
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return nil, usageError{fmt.Errorf("%q is not field=value (e.g. eventId=7)", a)}
		}
		var field *hookd.Field
		for i := range h.Fields {
			if h.Fields[i].Name == name {
				field = &h.Fields[i]
			}
		}
		if field == nil {
			errs.Add("data."+name, "is not a field of "+hook+" (its fields are "+fieldNames(h)+")")
			continue
		}
		if _, twice := data[name]; twice {
			errs.Add("data."+name, "is given twice")
			continue
		}
		v, problem := fieldValue(field.Type, value)
		if problem != "" {
			errs.Add("data."+name, problem)
			continue
		}
		data[name] = v
	}
	if err := errs.Err(); err != nil {
		return nil, refused(err, nil)
	}
	raw, _ := json.Marshal(data)
	body, _ := json.Marshal(map[string]any{"hook": hook, "data": json.RawMessage(raw)})
	if _, _, err := cat.ParseTriggers(body, when); err != nil {
		return nil, refused(err, nil)
	}
	return raw, nil
}

// fieldValue is the JSON of a field=value argument of type t.
func fieldValue(t hookd.FieldType, value string) (json.RawMessage, string) {
	switch t {
	case hookd.Integer:
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return nil, fmt.Sprintf("must be an integer (got %q)", value)
		}
		return json.RawMessage(value), ""
	case hookd.Number:
		if _, err := strconv.ParseFloat(value, 64); err != nil || !json.Valid([]byte(value)) {
			return nil, fmt.Sprintf("must be a number (got %q)", value)
		}
		return json.RawMessage(value), ""
	case hookd.Boolean:
		if value != "true" && value != "false" {
			return nil, fmt.Sprintf("must be true or false (got %q)", value)
		}
		return json.RawMessage(value), ""
	}
	b, _ := json.Marshal(value)
	return b, ""
}

// catalogueOf reads the hooks a hookd lists as a catalogue file, so that
// the arguments are checked by the rules the server applies.
func catalogueOf(hooks []client.HookInfo) (*hookd.Catalogue, error) {
	type field struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Required bool   `json:"required"`
	}
	type hook struct {
		Name        string  `json:"name"`
		Description string  `json:"description"`
		Fields      []field `json:"fields"`
	}
	type group struct {
		Name  string `json:"name"`
		Hooks []hook `json:"hooks"`
	}
	var groups []group
	for _, h := range hooks {
		if h.System {
			continue
		}
		if len(groups) == 0 || groups[len(groups)-1].Name != h.Group {
			groups = append(groups, group{Name: h.Group})
		}
		g := &groups[len(groups)-1]
		hk := hook{Name: h.Name, Description: h.Description, Fields: []field{}}
		for _, f := range h.Fields {
			hk.Fields = append(hk.Fields, field(f))
		}
		g.Hooks = append(g.Hooks, hk)
	}
	b, _ := json.Marshal(map[string]any{"groups": groups})
	return hookd.ParseCatalogue(b)
}

func triggerable(c *hookd.Catalogue) []string {
	var out []string
	for _, h := range c.Hooks() {
		if !h.System {
			out = append(out, h.Name)
		}
	}
	return out
}

func fieldNames(h *hookd.Hook) string {
	var out []string
	for _, f := range h.Fields {
		out = append(out, f.Name)
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// triggerFile sends a JSON Lines file as batches of up to hookd.MaxBatch.
// With an Idempotency-Key, the first batch carries it and the next ones
// key-2, key-3 …, so that running the same command again stores nothing
// twice.
func triggerFile(ctx context.Context, c *client.Client, file, idem string, stdout io.Writer) error {
	var in io.Reader = os.Stdin
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return usageError{fmt.Errorf("--file: %v", err)}
		}
		defer fh.Close()
		in = fh
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var batch []client.Item
	var lines []int // the line of each item of the batch
	batches := 0
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		batches++
		var opts []client.TriggerOption
		switch {
		case idem != "" && batches == 1:
			opts = append(opts, client.WithIdempotencyKey(idem))
		case idem != "":
			opts = append(opts, client.WithIdempotencyKey(idem+"-"+strconv.Itoa(batches)))
		}
		as, err := c.TriggerBatch(ctx, batch, opts...)
		if err != nil {
			return refused(err, lines)
		}
		for _, a := range as {
			fmt.Fprintln(stdout, a.ID)
		}
		batch, lines = batch[:0], lines[:0]
		return nil
	}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var t struct {
			Hook      string          `json:"hook"`
			Data      json.RawMessage `json:"data"`
			Timestamp string          `json:"timestamp"`
		}
		if err := json.Unmarshal(line, &t); err != nil {
			return fmt.Errorf("%s line %d: not a JSON object {\"hook\", \"data\", \"timestamp\"?}: %v", file, n, err)
		}
		it := client.Item{Payload: client.Custom{Hook: t.Hook, Data: t.Data}}
		if t.Timestamp != "" {
			ts, err := time.Parse(time.RFC3339Nano, t.Timestamp)
			if err != nil {
				return fmt.Errorf("%s line %d: timestamp %q is not an RFC 3339 time", file, n, t.Timestamp)
			}
			it.At = ts
		}
		batch, lines = append(batch, it), append(lines, n)
		if len(batch) == hookd.MaxBatch {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("--file: %v", err)
	}
	return send()
}

var batchIndex = regexp.MustCompile(`^\[(\d+)\]\.?`)

// refused explains an error of hookd: its message, then each field's
// message a line, a batch's "[3].data.eventId" as "line 7: data.eventId"
// when lines says where each item came from.
func refused(err error, lines []int) error {
	var e *client.Error
	var he *hookd.Error
	var msg string
	var fields map[string]string
	switch {
	case errors.As(err, &e):
		msg, fields = e.Message, e.Fields
	case errors.As(err, &he):
		msg, fields = he.Message, he.Fields
	default:
		return err
	}
	if len(fields) == 0 {
		return errors.New(msg)
	}
	var out []string
	for k, v := range fields {
		if m := batchIndex.FindStringSubmatch(k); m != nil && lines != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(lines) {
				k = fmt.Sprintf("line %d: %s", lines[i], strings.TrimPrefix(k, m[0]))
			}
		}
		out = append(out, "  "+k+": "+v)
	}
	sort.Strings(out)
	return fmt.Errorf("refused, nothing stored:\n%s", strings.Join(out, "\n"))
}
