package bench

// PostgreSQL's side of the scale-out scenario: the step databases, and what
// the server spends on a step (its processes' CPU, WAL, and what
// its backends wait on).

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookd-dev/hookd/server"
)

// stepDatabase creates the fresh database of the step of n nodes, named
// after this process (sweepDatabases drops those of a run that was killed),
// and returns its name and its DSN (base naming it); drop drops it.
func stepDatabase(ctx context.Context, admin *pgx.Conn, base string, n int) (name, dsn string, drop func(), err error) {
	name = fmt.Sprintf("hookd_scale_%d_%d", os.Getpid(), n)
	admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "", nil, fmt.Errorf("creating the step's database: %w", err)
	}
	drop = func() { admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") }
	if dsn, err = withDatabase(base, name); err != nil {
		drop()
		return "", "", nil, err
	}
	return name, dsn, drop, nil
}

// sweepDatabases drops the step databases of an earlier run: those named
// after a bench process that no longer runs. It returns what it dropped.
func sweepDatabases(ctx context.Context, admin *pgx.Conn) (dropped []string) {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'hookd\_scale\_%'`)
	if err != nil {
		return nil
	}
	names, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, db := range names {
		pid, _, _ := strings.Cut(strings.TrimPrefix(db, "hookd_scale_"), "_")
		if exited(pid) {
			if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err == nil {
				dropped = append(dropped, db)
			}
		}
	}
	return dropped
}

// withDatabase returns dsn (a postgres:// URL) naming database db, with
// pool_max_conns 8 unless it sets one (8 nodes × 8 stay within
// PostgreSQL's default max_connections of 100).
func withDatabase(dsn, db string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("--db for scale-out must be a postgres:// URL: %s", server.StoreName(dsn))
	}
	u.Path = "/" + db
	q := u.Query()
	if q.Get("pool_max_conns") == "" {
		q.Set("pool_max_conns", "8")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// withoutPool leaves out the pool settings (pool_max_conns …) of a
// postgres:// URL, which the nodes' pools take and a single connection
// refuses.
func withoutPool(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// postmasterPID finds the PostgreSQL server's main process: the first line
// of postmaster.pid in its data directory, checked against this machine's
// processes (a server elsewhere cannot be measured from here).
func postmasterPID(ctx context.Context, c *pgx.Conn) (int, error) {
	var dir string
	var backend int
	if err := c.QueryRow(ctx, "SELECT current_setting('data_directory'), pg_backend_pid()").Scan(&dir, &backend); err != nil {
		return 0, fmt.Errorf("reading the data directory (needs a superuser or pg_read_all_settings): %w", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("the server does not run on this machine, or its data directory cannot be read: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || parentPID(backend) != pm {
		return 0, fmt.Errorf("postmaster.pid names %q, which is not the parent of this connection's backend %d", first, backend)
	}
	return pm, nil
}

// parentPID reads a process's parent from /proc; 0 when it cannot.
func parentPID(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	f := statFields(b)
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(string(f[1]))
	return p
}

// pgCPU adds up the CPU of the server's processes that work for the step:
// the postmaster, its background processes (WAL writer, checkpointer,
// autovacuum…, shared with every database of the server) and the client
// backends of the step's database — not other databases' backends.
type pgCPU struct {
	postmaster  int
	first, last map[int]time.Duration
	started     bool // the first sample has been taken
}

func (p *pgCPU) sample(ctx context.Context, c *pgx.Conn, db string) {
	if p.postmaster == 0 {
		return
	}
	rows, err := c.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type <> 'client backend'`, db)
	if err != nil {
		return
	}
	pids, _ := pgx.CollectRows(rows, pgx.RowTo[int32])
	pids = append(pids, int32(p.postmaster))
	for _, pid := range pids {
		if int(pid) != p.postmaster && parentPID(int(pid)) != p.postmaster {
			continue
		}
		cpu := procCPU("/proc/" + strconv.Itoa(int(pid)) + "/stat")
		if _, ok := p.first[int(pid)]; !ok {
			p.first[int(pid)] = cpu
			if p.started { // born during the step: all its CPU counts
				p.first[int(pid)] = 0
			}
		}
		p.last[int(pid)] = cpu
	}
	p.started = true
}

func (p *pgCPU) used() time.Duration {
	var d time.Duration
	for pid, l := range p.last {
		d += l - p.first[pid]
	}
	return d
}

func walLSN(ctx context.Context, c *pgx.Conn) (int64, error) {
	var lsn int64
	err := c.QueryRow(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").Scan(&lsn)
	return lsn, err
}

// sampleWaits samples, every 50 ms until ctx ends, what the step
// database's active backends wait on ("type:event"; "" = running).
func sampleWaits(ctx context.Context, c *pgx.Conn, db string) (map[string]int, int) {
	waits := map[string]int{}
	n := 0
	for ctx.Err() == nil {
		rows, err := c.Query(ctx, `SELECT coalesce(wait_event_type || ':' || wait_event, '') FROM pg_stat_activity
			WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`, db)
		if err == nil {
			ws, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err == nil {
				n++
				for _, w := range ws {
					waits[w]++
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return waits, n
}
