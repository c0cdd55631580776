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
