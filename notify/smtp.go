package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// SMTP is where emails are sent: the parsed --smtp-url.
type SMTP struct {
	Host     string
	Port     string
	Implicit bool // smtps://: TLS from the first byte; smtp://: STARTTLS when the server offers it
	User     string
	Password string
}

// ParseSMTPURL reads an --smtp-url: smtp://[user[:password]@]host[:port]
// (port 25 by default; STARTTLS when the server offers it) or
// smtps://[user[:password]@]host[:port] (port 465 by default; TLS from the
// start). Its errors never repeat the URL, which may hold a password.
func ParseSMTPURL(s string) (SMTP, error) {
	u, err := url.Parse(s)
	if err != nil {
		return SMTP{}, errors.New("--smtp-url is not a URL such as smtp://user:password@mail.example.org:587")
	}
	var c SMTP
	switch u.Scheme {
	case "smtp":
		c.Port = "25"
	case "smtps":
		c.Port, c.Implicit = "465", true
	default:
		return SMTP{}, errors.New("--smtp-url must start with smtp:// (STARTTLS when offered) or smtps:// (TLS from the start)")
	}
	c.Host = u.Hostname()
	if c.Host == "" || u.Opaque != "" {
		return SMTP{}, errors.New("--smtp-url needs a host, as in smtp://user:password@mail.example.org:587")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return SMTP{}, errors.New("--smtp-url has a port that is not 1–65535")
		}
		c.Port = p
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return SMTP{}, errors.New("--smtp-url takes no path, query or fragment: smtp://user:password@host:port")
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.User == "" {
			return SMTP{}, errors.New("--smtp-url has a password but no user name")
		}
	}
	return c, nil
}

// RedactSMTPURL returns an --smtp-url fit to print or log: its password
// replaced by xxxxx. A value that is not a URL is withheld whole, since
// where its password is cannot be told.
func RedactSMTPURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(not shown: not a URL)"
	}
	return u.Redacted()
}

// String is the server as logs name it: no credentials.
func (c SMTP) String() string {
	scheme := "smtp"
	if c.Implicit {
		scheme = "smtps"
	}
	return scheme + "://" + net.JoinHostPort(c.Host, c.Port)
}

// ParseFrom reads a --mail-from: an address, optionally with a name
// ("hookd <hookd@example.org>").
func ParseFrom(s string) (*mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("--mail-from %q is not an address such as hookd@example.org or \"hookd <hookd@example.org>\"", s)
	}
	return a, nil
}

// message is one email to one recipient.
type message struct {
	to   string
	data []byte
}

// send delivers messages over one connection to the server: TLS from the
// start (smtps) or STARTTLS when the server offers it, then AUTH PLAIN when
// there is a user (net/smtp refuses to send a password unencrypted except
// to localhost). It returns how many were accepted and the first error.
func (c SMTP) send(ctx context.Context, tlsConf *tls.Config, timeout time.Duration, from string, msgs []message) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr := net.JoinHostPort(c.Host, c.Port)
	conf := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	if tlsConf != nil {
		conf = tlsConf.Clone()
		if conf.ServerName == "" {
			conf.ServerName = c.Host
		}
	}
	var conn net.Conn
	var err error
	d := &net.Dialer{}
	if c.Implicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: conf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl) // the whole conversation, not each step
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	if err := cl.Hello(helloName()); err != nil {
		return 0, err
	}
	encrypted := c.Implicit
	if !c.Implicit {
		if ok, _ := cl.Extension("STARTTLS"); ok {
			if err := cl.StartTLS(conf); err != nil {
				return 0, fmt.Errorf("STARTTLS: %w", err)
			}
			encrypted = true
		}
	}
	if c.User != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.User, c.Password, c.Host)); err != nil {
			if !encrypted {
				return 0, fmt.Errorf("AUTH as %s: %w (the server offers no STARTTLS, and hookd sends a password unencrypted only to localhost: use smtps:// or a server with STARTTLS)", c.User, err)
			}
			return 0, fmt.Errorf("AUTH as %s: %w", c.User, err)
		}
	}
	sent := 0
	for _, m := range msgs {
		if err := deliver(cl, from, m); err != nil {
			return sent, fmt.Errorf("to %s: %w", m.to, err)
		}
		sent++
	}
	return sent, cl.Quit()
}

func deliver(cl *smtp.Client, from string, m message) error {
	if err := cl.Mail(from); err != nil {
		return err
	}
	if err := cl.Rcpt(m.to); err != nil {
		cl.Reset()
		return err
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// helloName is the name hookd greets the server with: this host's, when
// it is one a server accepts.
var osHostname = os.Hostname

func helloName() string {
	if h, err := osHostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}
