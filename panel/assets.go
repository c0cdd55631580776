package panel

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed templates static
var embedded embed.FS

// asset is one embedded static file, served at a URL that contains a hash
// of its content so that browsers may cache it for ever.
type asset struct {
	url  string
	body []byte
	ct   string
}

type assets struct {
	byName map[string]*asset // "app.css"
	byFile map[string]*asset // "app.3f9a1c2b.css"
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byFile: map[string]*asset{}}
	files, err := fs.Glob(embedded, "static/*")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		body, err := embedded.ReadFile(f)
		if err != nil {
			return nil, err
		}
		name := path.Base(f)
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		file := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		as := &asset{url: "/static/" + file, body: body, ct: ct}
		a.byName[name], a.byFile[file] = as, as
	}
	return a, nil
}

// url returns the checksummed URL of a static file; a missing file panics at
// template parse time rather than serving a broken page.
func (a *assets) url(name string) (string, error) {
	as, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("panel: no static file %q", name)
	}
	return as.url, nil
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byFile[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", as.ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(as.body)
}
