package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certReloader serves the certificate in certFile and keyFile and reads
// them again when either changes, so that a renewed certificate (certbot,
// cert-manager, a cron job) is used without a restart. Files are looked at
// at most once a second, on a handshake; a pair that does not load (a
// renewal half written) leaves the last good certificate in use.
type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger
	now               func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the files' sizes and modification times when loaded
	checked time.Time
}

func newCertReloader(certFile, keyFile string, log *slog.Logger) (*certReloader, error) {
	c := &certReloader{certFile: certFile, keyFile: keyFile, log: log, now: time.Now}
	if err := c.load(c.fileStamp()); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certReloader) fileStamp() string {
	stamp := ""
	for _, f := range []string{c.certFile, c.keyFile} {
		if fi, err := os.Stat(f); err == nil {
			stamp += fmt.Sprintf("%s/%d;", fi.ModTime(), fi.Size())
		}
	}
	return stamp
}

func (c *certReloader) load(stamp string) error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return err
	}
	c.cert, c.stamp = &cert, stamp
	return nil
}

// getCertificate is tls.Config.GetCertificate.
func (c *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); now.Sub(c.checked) >= time.Second {
		c.checked = now
		if stamp := c.fileStamp(); stamp != c.stamp {
			if err := c.load(stamp); err != nil {
				c.log.Warn("could not load the changed TLS certificate; serving the previous one", "cert", c.certFile, "err", err)
			} else {
				c.log.Info("loaded the changed TLS certificate", "cert", c.certFile)
			}
		}
	}
	return c.cert, nil
}

// tlsConfig is hookd's TLS: 1.2 at least (Go's default cipher suites,
// which leave out the weak ones), HTTP/2 and HTTP/1.1.
func (c *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: c.getCertificate,
		NextProtos:     []string{"h2", "http/1.1"},
	}
}
