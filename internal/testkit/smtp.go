package testkit

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPOptions configure a test SMTP server.
type SMTPOptions struct {
	// STARTTLS offers STARTTLS with a certificate for 127.0.0.1 that
	// SMTPServer.RootCAs trusts.
	STARTTLS bool
	// ImplicitTLS speaks TLS from the first byte (smtps://, port 465 style).
	ImplicitTLS bool
	// User and Password, when set, are the only credentials AUTH PLAIN
	// accepts; mail without them is refused.
	User, Password string
}

// Mail is one message an SMTPServer accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // the session was encrypted when the message came
	User string // who authenticated ("" when nobody did)
}

// SMTPServer is a real SMTP server (github.com/emersion/go-smtp) on a
// loopback port, keeping the messages it accepts.
type SMTPServer struct {
	Addr    string         // host:port
	RootCAs *x509.CertPool // trusts its certificate (with STARTTLS or ImplicitTLS)
	opts    SMTPOptions

	mu     sync.Mutex
	mails  []Mail
	refuse error
	notify chan struct{}
}

// NewSMTPServer starts an SMTP server for the test's life.
func NewSMTPServer(t testing.TB, opts SMTPOptions) *SMTPServer {
	t.Helper()
	s := &SMTPServer{opts: opts, notify: make(chan struct{}, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: s, conn: c}, nil }))
	srv.Domain = "smtp.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.AllowInsecureAuth = !opts.STARTTLS && !opts.ImplicitTLS
	var ln net.Listener
	var err error
	if opts.STARTTLS || opts.ImplicitTLS {
		cert := SelfSigned(t, "smtp.test")
		s.RootCAs = cert.Pool
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert.TLS}}
	}
	if opts.ImplicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Refuse makes the server answer every message with a temporary failure
// (451) while err is not nil.
func (s *SMTPServer) Refuse(err error) {
	s.mu.Lock()
	s.refuse = err
	s.mu.Unlock()
}

// Mails returns the messages accepted so far.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Wait waits until at least n messages were accepted and returns them.
func (s *SMTPServer) Wait(t testing.TB, n int, timeout time.Duration) []Mail {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if m := s.Mails(); len(m) >= n {
			return m
		}
		select {
		case <-s.notify:
		case <-deadline.C:
			t.Fatalf("the SMTP server got %d messages in %s, want %d", len(s.Mails()), timeout, n)
		}
	}
}

type smtpSession struct {
	srv  *SMTPServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.srv.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != ss.srv.opts.User || pass != ss.srv.opts.Password {
			return errors.New("invalid credentials")
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.opts.User != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuse != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: s.refuse.Error()}
	}
	_, tlsOn := ss.conn.TLSConnectionState()
	s.mails = append(s.mails, Mail{From: ss.from, To: ss.to, Data: b, TLS: tlsOn, User: ss.user})
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return nil
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }
