package bench

// The receivers that fail on purpose, beside the healthy ones
// (receiver.go): one answers every POST 500 (the soak's failing webhooks),
// one never answers (the isolation scenario's dead endpoints).

import (
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// failingReceiver answers every POST 500 and counts it.
type failingReceiver struct {
	srv   *http.Server
	url   string
	count atomic.Int64
}

func startFailing() (*failingReceiver, error) {
	ln, url, err := listenLocal()
	if err != nil {
		return nil, err
	}
	f := &failingReceiver{url: url}
	f.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		f.count.Add(1)
		http.Error(w, "always failing (hookd bench --soak)", http.StatusInternalServerError)
	})}
	go f.srv.Serve(ln)
	return f, nil
}

// deadReceiver accepts connections, reads what is sent and never answers.
type deadReceiver struct {
	ln    net.Listener
	url   string
	mu    sync.Mutex
	conns []net.Conn
}

func startDead() (*deadReceiver, error) {
	ln, url, err := listenLocal()
	if err != nil {
		return nil, err
	}
	d := &deadReceiver{ln: ln, url: url}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d.mu.Lock()
			d.conns = append(d.conns, c)
			d.mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	return d, nil
}

func (d *deadReceiver) close() {
	d.ln.Close()
	d.mu.Lock()
	for _, c := range d.conns {
		c.Close()
	}
	d.mu.Unlock()
}
