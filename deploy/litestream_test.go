package deploy

import (
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/hookd-dev/hookd/internal/testkit"
)

// TestLitestreamReplica runs docs/operations.md's Litestream configuration
// (with a folder as the replica instead of S3) beside a hookd that takes
// triggers, then restores the replica as the page says and checks that the
// copy passes integrity_check and holds every trigger answered 202.
func TestLitestreamReplica(t *testing.T) {
	_, err := exec.LookPath("litestream")
	testkit.Require(t, "litestream", err == nil,
		"go install github.com/benbjohnson/litestream/cmd/litestream@v0.3.14 (a C compiler builds its SQLite)")
	bin := testkit.BuildHookd(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "hookd.db")
	const key = "hk_litestream_test_0123456789abcdefgh"
	h := testkit.StartHookd(t, bin, testkit.FreeAddr(t), testkit.KeyEnv(key),
		"--db", db, "--log-level", "warn")

	conf := docBlock(t, "operations.md", "same file:")
	conf = replace(t, conf, "/var/lib/hookd/hookd.db", db)
	conf = replace(t, conf, "s3://my-bucket/hookd", "file://"+filepath.Join(dir, "replica"))
	confPath := filepath.Join(dir, "litestream.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startProxy(t, nil, "litestream", "replicate", "-config", confPath)

	var ids []string
	for i := range 200 {
		a := testkit.Call(t, "POST", h.URL+"/api/v1/triggers", key, `{"hook":"eventAdded","data":{"recurringId":`+strconv.Itoa(i)+`}}`)
		var tr struct{ ID string }
		if a.Status != 202 || json.Unmarshal(a.Body, &tr) != nil {
			t.Fatalf("POST /api/v1/triggers: %d %s", a.Status, a.Body)
		}
		ids = append(ids, tr.ID)
	}

	// Litestream ships the WAL every second: restore until the copy has
	// every trigger, each time into a new file (restore wants an empty place).
	var last string
	n := 0
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the last restore: %s", last)
		}
	})
	testkit.WaitFor(t, 60*time.Second, "a restored replica with every trigger", func() bool {
		n++
		out := filepath.Join(dir, "restored-"+strconv.Itoa(n)+".db")
		if res, err := exec.Command("litestream", "restore", "-config", confPath, "-o", out, db).CombinedOutput(); err != nil {
			last = "litestream restore: " + err.Error() + ": " + string(res)
			return false
		}
		c, err := sql.Open("sqlite", "file:"+out+"?mode=ro")
		if err != nil {
			last = err.Error()
			return false
		}
		defer c.Close()
		var check string
		if err := c.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Fatalf("integrity_check of the restored replica: %q %v", check, err)
		}
		missing := 0
		for _, id := range ids {
			var found int
			if c.QueryRow("SELECT count(*) FROM triggers WHERE id = ?", id).Scan(&found); found == 0 {
				missing++
			}
		}
		last = strconv.Itoa(missing) + " triggers missing"
		return missing == 0
	})
	t.Logf("replica restored with all %d triggers after %d tries (last: %s)", len(ids), n, strings.TrimSpace(last))
}
