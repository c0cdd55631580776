package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/*/stat (USER_HZ, 100 on every
// Linux platform hookd supports).
const userHZ = 100

// cpuSample is CPU time used so far: by this process (hookd and, in this
// process, the receivers and the raw ceiling's client), and with a
// PostgreSQL store by every process named postgres on the machine (its
// backends, WAL writer and checkpointer; other users of the same server
// count too).
type cpuSample struct {
	self, pg time.Duration
	recv     time.Duration // the receiver process's, with --receiver-process
}

// receiverPID is the receiver process's ID with --receiver-process, else 0.
var receiverPID int

// sampleCPU reads the CPU times; pg says whether to read PostgreSQL's.
// Where /proc cannot be read the figures are zero.
func sampleCPU(pg bool) cpuSample {
	s := cpuSample{self: procCPU("/proc/self/stat")}
	if receiverPID > 0 {
		s.recv = procCPU("/proc/" + strconv.Itoa(receiverPID) + "/stat")
	}
	if pg {
		stats, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, f := range stats {
			if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte("(postgres)")) {
				s.pg += statCPU(b)
			}
		}
	}
	return s
}

func procCPU(file string) time.Duration {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	return statCPU(b)
}

// statFields returns the fields of a /proc/<pid>/stat line after the
// command, which may hold spaces: they start after its closing parenthesis
// (the state is the first); nil when the line has none.
func statFields(b []byte) [][]byte {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return bytes.Fields(b[i+1:])
}

// statCPU is utime + stime of a /proc/<pid>/stat line.
func statCPU(b []byte) time.Duration {
	// utime and stime are the 12th and 13th fields after the command.
	f := statFields(b)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(string(f[11]), 10, 64)
	s, _ := strconv.ParseInt(string(f[12]), 10, 64)
	return time.Duration(u+s) * time.Second / userHZ
}

// perEach is the CPU used between two samples for each of n deliveries or
// requests.
type perEach struct {
	self, pg, recv time.Duration
	pgRead         bool
}

func cpuPer(from, to cpuSample, n int64, pg bool) perEach {
	if n <= 0 {
		return perEach{}
	}
	return perEach{self: (to.self - from.self) / time.Duration(n), pg: (to.pg - from.pg) / time.Duration(n),
		recv: (to.recv - from.recv) / time.Duration(n), pgRead: pg}
}

// String says it for a table: "CPU 41 µs a delivery (+ PostgreSQL 30 µs)".
func (p perEach) String() string { return p.per("a delivery") }

// per says it for each of what, e.g. "a request".
func (p perEach) per(what string) string {
	s := fmt.Sprintf("CPU %s µs %s", num(float64(p.self)/float64(time.Microsecond)), what)
	if receiverPID > 0 {
		s += fmt.Sprintf(" (the receiver process: %s µs)", num(float64(p.recv)/float64(time.Microsecond)))
	}
	if p.pgRead {
		s += fmt.Sprintf(" (+ PostgreSQL %s µs)", num(float64(p.pg)/float64(time.Microsecond)))
	}
	return s
}

// cpuWhose says whose CPU the process figure is.
func cpuWhose() string {
	if receiverPID > 0 {
		return "hookd alone"
	}
	return "hookd and the receivers in its process"
}

type jiffies struct{ total, idle int64 }

// machineCPU reads the machine's CPU time, all and idle (with iowait).
func machineCPU() jiffies {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return jiffies{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	var j jiffies
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 8 || i == 9 { // guest time is already in user time
			continue
		}
		j.total += n
		if i == 3 || i == 4 {
			j.idle += n
		}
	}
	return j
}
