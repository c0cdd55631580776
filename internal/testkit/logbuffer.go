package testkit

import (
	"bytes"
	"strings"
	"sync"
)

// LogBuffer is an io.Writer that log handlers or a child process on other
// goroutines may write to while the test reads it with String. The zero
// value is ready to use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// FirstStartSecrets reads a hookd's output (a LogBuffer's String) for what
// `hookd serve` prints once to standard error at its first start when none
// is given (contract: the generated API key, then the admin password), in
// the order printed: each stands alone on a line indented by two spaces.
func FirstStartSecrets(output string) []string {
	var secrets []string
	for _, line := range strings.Split(output, "\n") {
		if s, ok := strings.CutPrefix(line, "  "); ok && s != "" && !strings.ContainsAny(s, " \t\r") {
			secrets = append(secrets, s)
		}
	}
	return secrets
}
