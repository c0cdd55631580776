// Package migration reads a store engine's embedded, numbered migration
// files (migrations/NNNN_name.sql) in the order they are applied. Each engine
// applies them in its own SQL dialect and records them in schema_migrations.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// File is one migration.
type File struct {
	Version int
	Name    string // the file name, e.g. 0002_idempotency.sql
	SQL     string
}

// List returns the migrations/*.sql files of fsys sorted by their number.
func List(fsys fs.FS) ([]File, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	all := make([]File, 0, len(names))
	for _, f := range names {
		name := path.Base(f)
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: the name must start with a number, as in 0002_add_index.sql", name)
		}
		body, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		all = append(all, File{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Version < all[j].Version })
	return all, nil
}

// Current says what is wrong with a store whose newest applied migration is
// applied, given the engine's files: "" when it is the newest file's
// version.
func Current(fsys fs.FS, applied int) (string, error) {
	all, err := List(fsys)
	if err != nil || len(all) == 0 {
		return "", err
	}
	switch latest := all[len(all)-1].Version; {
	case applied < latest:
		return fmt.Sprintf("the store's migrations are not current (%d of %d applied): run hookd migrate, or restart hookd serve", applied, latest), nil
	case applied > latest:
		return fmt.Sprintf("the store has migration %d, newer than this hookd knows (%d): upgrade this node", applied, latest), nil
	}
	return "", nil
}
