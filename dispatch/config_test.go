package dispatch

import (
	"strings"
	"testing"
	"time"

	"github.com/hookd-dev/hookd"
)

// New refuses a setting of hookd serve that is zero or cannot work, naming
// it, rather than filling it in: the server's table of defaults is the only
// one.
func TestNewNamesMissingSettings(t *testing.T) {
	store := openStore(t)
	if _, err := New(settings(store)); err != nil {
		t.Fatalf("New with every setting: %v", err)
	}
	for _, c := range []struct {
		change func(*Config)
		want   []string
	}{
		{func(c *Config) { c.Store = nil }, []string{"Store"}},
		{func(c *Config) { c.Interval = 0 }, []string{"Interval", "--batch-interval"}},
		{func(c *Config) { c.Timeout = -time.Second }, []string{"Timeout", "--delivery-timeout"}},
		{func(c *Config) { c.Lease = 0 }, []string{"Lease", "--lease"}},
		{func(c *Config) { c.Policy = hookd.GreylistPolicy{} }, []string{"Policy", "--greylist-after", "--greylist-base", "--greylist-max"}},
		{func(c *Config) { c.Policy.Base = 0 }, []string{"Policy", "--greylist-base"}},
		{func(c *Config) { c.MaxConcurrency = 0 }, []string{"MaxConcurrency", "--max-concurrency"}},
		{func(c *Config) { c.MaxPerHost = 0 }, []string{"MaxPerHost", "--max-per-host"}},
	} {
		cfg := settings(store)
		c.change(&cfg)
		d, err := New(cfg)
		if err == nil {
			t.Errorf("New(%+v) = %v, want an error naming %v", cfg, d, c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New: %q does not name %s", err, w)
			}
		}
	}
}
