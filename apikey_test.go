package hookd

import (
	"strings"
	"testing"
)

func TestAPIKeyPrefix(t *testing.T) {
	key := NewAPIKey()
	if len(key) != 3+52 || !strings.HasPrefix(key, "hk_") || key == NewAPIKey() {
		t.Fatalf("NewAPIKey = %q, want hk_ and 52 random characters", key)
	}
	if p := APIKeyPrefix(key); p != key[:7] {
		t.Errorf("prefix of a generated key = %q, want %q", p, key[:7])
	}
	// A short key a person chose shows an eighth of itself at most.
	for key, want := range map[string]string{"my-secret-key": "m", "short": "", "a-key-of-exactly-24-chars": "a-k"} {
		if p := APIKeyPrefix(key); p != want {
			t.Errorf("APIKeyPrefix(%q) = %q, want %q", key, p, want)
		}
	}
	if HashAPIKey("hk_a") == HashAPIKey("hk_b") || len(HashAPIKey("x")) != 64 {
		t.Error("HashAPIKey is not a hex SHA-256")
	}
}
