package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hookd-dev/hookd"
	"github.com/hookd-dev/hookd/internal/httpstatus"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// error writes err in the contract's shape. Internal errors are logged with
// their cause and shown as "internal error".
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	code := hookd.ErrorCode(err)
	var fields map[string]string
	var e *hookd.Error
	if errors.As(err, &e) {
		fields = e.Fields
	}
	switch code {
	case hookd.EINTERNAL:
		h.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case hookd.EUNAVAILABLE:
		h.log.Warn("store unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", httpstatus.RetryAfter)
	}
	writeJSON(w, httpstatus.OfCode(code), errorBody{errorDetail{Code: code, Message: hookd.ErrorMessage(err), Fields: fields}})
}

// reply answers a request whose work ended in err: with v and status when
// err is nil, else with err in the contract's shape (and v is not written).
func (h *Handler) reply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// each is a list in its JSON form, one toJSON per item: [] when empty,
// never null.
func each[T, J any](items []T, toJSON func(T) J) []J {
	out := make([]J, len(items))
	for i, item := range items {
		out[i] = toJSON(item)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// readBody reads a JSON request body: it must be declared as JSON, fit in
// MaxBody, be UTF-8 and not be empty.
func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !(len(mt) > 5 && mt[len(mt)-5:] == "+json")) {
			return nil, hookd.Errorf(hookd.EUNSUPPORTED, "the body must be JSON: send the header \"Content-Type: application/json\" (got %q)", ct)
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, hookd.Errorf(hookd.ETOOLARGE, "the body is larger than %d bytes; send large batches in several requests", MaxBody)
		}
		return nil, hookd.Errorf(hookd.EBADREQUEST, "could not read the body: %v", err)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, hookd.Errorf(hookd.EBADREQUEST, "the body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return nil, hookd.Errorf(hookd.EBADREQUEST, "the body is not valid UTF-8; JSON must be UTF-8 encoded")
	}
	if !json.Valid(body) {
		return nil, hookd.Errorf(hookd.EBADREQUEST, "the body is not valid JSON: %s", syntaxError(body))
	}
	return body, nil
}

func syntaxError(body []byte) string {
	var v any
	err := json.Unmarshal(body, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	}
	if err != nil {
		return err.Error()
	}
	return "unknown error"
}

// decodeObject decodes a JSON object body into dst, a pointer to a struct
// whose fields all have json tags. The body must pass hookd.CheckJSON (no
// duplicate names, valid Unicode) and name only dst's fields, spelt exactly:
// encoding/json alone would match "NAME" to name, so {"name":…,"NAME":…}
// would be a duplicate in disguise. A type mismatch is named by its field.
func decodeObject(body []byte, dst any) error {
	if body[0] != '{' {
		return hookd.Errorf(hookd.EBADREQUEST, "the body must be a JSON object")
	}
	errs := hookd.FieldErrors{}
	if !hookd.CheckJSON(body, "", errs) {
		return errs.Err()
	}
	if err := onlyFields(body, dst); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		return (hookd.FieldErrors{field: "must be " + jsonType(te.Type.String())}).Err()
	}
	return hookd.Errorf(hookd.EBADREQUEST, "the body could not be read: %v", err)
}

// onlyFields refuses a member of body that is not one of the json tags of
// dst's struct, exactly as written there. It reads the names one by one and
// stops at hookd.MaxUnknownFields unknown ones, so that a body of a million
// names costs no map of them.
func onlyFields(body []byte, dst any) error {
	t := reflect.TypeOf(dst).Elem()
	names := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	errs := hookd.FieldErrors{}
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // {
		return hookd.Errorf(hookd.EBADREQUEST, "the body could not be read: %v", err)
	}
	for dec.More() && len(errs) < hookd.MaxUnknownFields {
		tok, err := dec.Token()
		var value json.RawMessage
		if err == nil {
			err = dec.Decode(&value)
		}
		if err != nil {
			return hookd.Errorf(hookd.EBADREQUEST, "the body could not be read: %v", err)
		}
		m, _ := tok.(string)
		if slices.Contains(names, m) {
			continue
		}
		msg := "is not a field here (the fields are " + strings.Join(names, ", ") + ")"
		for _, n := range names {
			if strings.EqualFold(n, m) {
				msg = fmt.Sprintf("is not a field here: names are case-sensitive, did you mean %q?", n)
			}
		}
		if utf8.RuneCountInString(m) > 64 {
			m = string([]rune(m)[:64]) + "…"
		}
		errs.Add(m, msg)
	}
	return errs.Err()
}

func jsonType(goType string) string {
	switch goType {
	case "string", "*string":
		return "a string"
	case "bool", "*bool":
		return "true or false"
	case "[]string", "*[]string":
		return "a list of strings"
	}
	return "of another type"
}
