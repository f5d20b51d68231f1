// Command chaos runs Patchbay's scale-out under faults: three nodes on one
// PostgreSQL on loopback under steady mixed load (publishing, ingesting,
// OAuth client-credentials grants and proxy calls to a loopback upstream),
// while it SIGKILLs a random node every -kill-every and starts it again,
// and restarts PostgreSQL once. It then reports the messages and events
// accepted against those delivered (lost must be 0: it exits 1 otherwise),
// duplicates, delivery latency during and outside faults, the requests
// refused during the database restart and how long service took to come
// back; and, unless -short, delivery throughput with one, two and three
// worker nodes.
//
// PostgreSQL is a private instance (initdb into a temporary directory, on
// -pg-port, run as the postgres user when started as root), so restarting
// it disturbs nobody; -database-url uses an existing one instead, which is
// then not restarted.
//
// Run from the repository root:
//
//	go run ./bench/chaos -short            # a few seconds, one kill, one PostgreSQL restart (CI)
//	go run ./bench/chaos -duration 2m      # the full run
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type options struct {
	short       bool
	duration    time.Duration
	killEvery   time.Duration
	pgRestart   bool
	throughput  bool
	databaseURL string
	pgPort      int
	bin         string
	basePort    int
	endpoints   int
	publishRate int
	ingestRate  int
	oauthRate   int
	proxyRate   int
	drain       time.Duration
	keep        bool
}

func main() {
	var o options
	flag.BoolVar(&o.short, "short", false, "a few seconds, one kill (for CI): -duration 10s, -kill-every 7s, no throughput runs")
	flag.DurationVar(&o.duration, "duration", 2*time.Minute, "how long the load runs")
	flag.DurationVar(&o.killEvery, "kill-every", 20*time.Second, "SIGKILL a random node this often, and start it again")
	flag.BoolVar(&o.pgRestart, "pg-restart", true, "restart the private PostgreSQL once, half way through")
	flag.BoolVar(&o.throughput, "throughput", true, "measure delivery throughput with 1, 2 and 3 worker nodes after the chaos run")
	flag.StringVar(&o.databaseURL, "database-url", "", "use this PostgreSQL instead of a private instance (never restarted)")
	flag.IntVar(&o.pgPort, "pg-port", 55432, "port of the private PostgreSQL instance")
	flag.StringVar(&o.bin, "bin", "", "patchbay binary to run; empty builds ./cmd/patchbay")
	flag.IntVar(&o.basePort, "base-port", 18480, "the nodes listen on loopback from this port on")
	flag.IntVar(&o.endpoints, "endpoints", 4, "webhook endpoints each message goes to")
	flag.IntVar(&o.publishRate, "publish-rate", 40, "messages published per second")
	flag.IntVar(&o.ingestRate, "ingest-rate", 20, "incoming webhook events per second")
	flag.IntVar(&o.oauthRate, "oauth-rate", 10, "OAuth client-credentials grants per second")
	flag.IntVar(&o.proxyRate, "proxy-rate", 10, "proxy calls per second")
	flag.DurationVar(&o.drain, "drain", 90*time.Second, "how long to wait after the load for every accepted message to arrive")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (node logs, PostgreSQL data)")
	flag.Parse()
	if o.short {
		o.duration, o.killEvery, o.throughput, o.drain = 10*time.Second, 7*time.Second, false, 60*time.Second
	}
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	lost, err := run(o)
	if err != nil {
		log.Printf("chaos: %v", err)
		os.Exit(2)
	}
	if lost > 0 {
		log.Printf("FAIL: %d accepted messages or events were never delivered", lost)
		os.Exit(1)
	}
}

// cluster is the nodes, their database and what the load needs.
type cluster struct {
	o      options
	dir    string
	bin    string
	dbURL  string
	pg     *privatePG
	encKey string
	args   []string // serve flags every node shares

	mu    sync.Mutex
	nodes []*nodeProc

	key        string
	ingestPath string
	clientID   string
	secret     string
	connID     string
}

type nodeProc struct {
	name string
	addr string
	role string
	cmd  *exec.Cmd
	up   atomic.Bool
	done chan struct{}
}

func (n *nodeProc) url() string { return "http://" + n.addr }

func run(o options) (int, error) {
	dir, err := os.MkdirTemp("", "patchbay-chaos-")
	if err != nil {
		return 0, err
	}
	c := &cluster{o: o, dir: dir}
	defer func() {
		c.stopAll(syscall.SIGKILL)
		if c.pg != nil {
			c.pg.stop()
		}
		if !o.keep {
			os.RemoveAll(dir)
		} else {
			log.Printf("kept %s", dir)
		}
	}()
	if c.bin = o.bin; c.bin == "" {
		c.bin = filepath.Join(dir, "patchbay")
		log.Printf("building patchbay")
		if out, err := exec.Command("go", "build", "-o", c.bin, "./cmd/patchbay").CombinedOutput(); err != nil {
			return 0, fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	if c.dbURL = o.databaseURL; c.dbURL == "" {
		if c.pg, err = startPrivatePG(dir, o.pgPort); err != nil {
			return 0, err
		}
		c.dbURL = c.pg.url
	} else {
		o.pgRestart = false
	}
	k := make([]byte, 32)
	rand.Read(k)
	c.encKey = base64.StdEncoding.EncodeToString(k)

	rec := newReceiver()
	defer rec.srv.Close()
	upstream := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer upstream.Close()
	providers := filepath.Join(dir, "providers")
	os.MkdirAll(providers, 0o755)
	os.WriteFile(filepath.Join(providers, "chaosapi.yaml"), []byte(strings.ReplaceAll(providerYAML, "BASE", upstream.URL+"/v1")), 0o644)
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: upstream.Certificate().Raw}), 0o644)
	c.args = []string{"--database-url", c.dbURL, "--encryption-key", c.encKey, "--outbound-allow", "127.0.0.0/8",
		"--webhook-allow-http", "--webhook-retry-schedule", "250ms,500ms,1s,2s,4s,8s,15s,30s", "--webhook-429-floor", "1s",
		"--rate-limit", "0", "--providers-dir", providers, "--connect-ca-file", caFile, "--shutdown-timeout", "5s",
		"--job-rescue-after", "10s", "--log-level", "warn"}

	// Three nodes; the first migrates the database alone.
	for i := range 3 {
		n := &nodeProc{name: fmt.Sprintf("node%d", i+1), addr: fmt.Sprintf("127.0.0.1:%d", o.basePort+i), role: "all"}
		c.nodes = append(c.nodes, n)
		if err := c.start(n); err != nil {
			return 0, err
		}
		if i == 0 {
			if err := c.setup(rec); err != nil {
				return 0, err
			}
		}
	}
	res, err := c.chaos(rec)
	if err != nil {
		return 0, err
	}
	res.print(o)
	if o.throughput {
		if err := c.throughputRuns(rec); err != nil {
			return res.lost(), err
		}
	}
	return res.lost(), nil
}

const providerYAML = `id: chaosapi
display_name: Chaos API
categories: [testing]
docs_url: https://example.com/docs
auth:
  mode: api_key
fields:
  - {name: api_key, label: API key, type: text, required: true, secret: true}
proxy:
  base_url: BASE
  credentials: {in: header, name: X-Api-Key, value: "${secret.api_key}"}
`

// start runs a node and waits until it is ready.
func (c *cluster) start(n *nodeProc) error {
	logf, err := os.OpenFile(filepath.Join(c.dir, n.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	args := append([]string{"serve", "--addr", n.addr, "--public-url", n.url(), "--role", n.role}, c.args...)
	n.cmd = exec.Command(c.bin, args...)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	n.done = make(chan struct{})
	go func() { n.cmd.Wait(); logf.Close(); n.up.Store(false); close(n.done) }() //nolint:errcheck // killed on purpose
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			return fmt.Errorf("%s exited while starting; see %s", n.name, logf.Name())
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(n.url() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				n.up.Store(true)
				return nil
			}
		}
	}
	return fmt.Errorf("%s not ready within 60 s", n.name)
}

func (c *cluster) kill(n *nodeProc, sig syscall.Signal) {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	n.up.Store(false)
	n.cmd.Process.Signal(sig) //nolint:errcheck // it may have exited
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		n.cmd.Process.Kill() //nolint:errcheck
		<-n.done
	}
}

func (c *cluster) stopAll(sig syscall.Signal) {
	for _, n := range c.nodes {
		c.kill(n, sig)
	}
}

// pick returns a node that is up, not the one avoided when another is.
func (c *cluster) pick(avoid *nodeProc) *nodeProc {
	var up []*nodeProc
	for _, n := range c.nodes {
		if n.up.Load() && n.role != "worker" && n != avoid {
			up = append(up, n)
		}
	}
	if len(up) == 0 {
		if avoid != nil {
			return avoid
		}
		return c.nodes[mrand.IntN(len(c.nodes))]
	}
	return up[mrand.IntN(len(up))]
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// call sends one request and returns the status (0: no response) and body.
func call(method, u, key, body string, header ...string) (int, []byte) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return 0, nil
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *cluster) setup(rec *receiver) error {
	out, err := exec.Command(c.bin, "keys", "create", "--name", "chaos", "--database-url", c.dbURL).Output()
	if err != nil {
		return fmt.Errorf("keys create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	c.key = lines[len(lines)-1]
	base := c.nodes[0].url()
	must := func(method, path, body string, want int) (map[string]any, error) {
		st, b := call(method, base+path, c.key, body)
		if st != want {
			return nil, fmt.Errorf("%s %s: %d %s", method, path, st, b)
		}
		var m map[string]any
		json.Unmarshal(b, &m) //nolint:errcheck // checked by the callers' use
		return m, nil
	}
	steps := []struct {
		method, path, body string
		want               int
	}{
		{"PUT", "/v1/tenants/acme", `{"name":"Acme"}`, 201},
		{"POST", "/v1/event-types", `{"name":"chaos.event"}`, 201},
		{"POST", "/v1/oauth/scopes", `{"name":"read:chaos","description":"Read chaos"}`, 201},
	}
	for i := range c.o.endpoints {
		steps = append(steps, struct {
			method, path, body string
			want               int
		}{"POST", "/v1/tenants/acme/endpoints", `{"url":"` + rec.srv.URL + "/m/" + strconv.Itoa(i) + `"}`, 201})
	}
	for _, s := range steps {
		if _, err := must(s.method, s.path, s.body, s.want); err != nil {
			return err
		}
	}
	src, err := must("POST", "/v1/sources", `{"name":"chaos","verifier":{"scheme":"api_key","header":"X-Key","secrets":["k"],"event_id_header":"X-Event-Id"},"destination_url":"`+rec.srv.URL+`/in"}`, 201)
	if err != nil {
		return err
	}
	u, err := url.Parse(src["ingest_url"].(string))
	if err != nil {
		return err
	}
	c.ingestPath = u.RequestURI()
	app, err := must("POST", "/v1/oauth/apps", `{"team_id":"chaos","name":"Chaos","redirect_uris":["https://chaos.example/cb"],"scopes":["read:chaos"]}`, 201)
	if err != nil {
		return err
	}
	c.clientID, c.secret = app["client_id"].(string), app["client_secret"].(string)
	in, err := must("POST", "/v1/integrations", `{"provider_id":"chaosapi","name":"chaos"}`, 201)
	if err != nil {
		return err
	}
	conn, err := must("POST", "/v1/connections", `{"tenant_id":"acme","end_user_id":"u","integration_id":"`+in["id"].(string)+`","values":{"api_key":"k"}}`, 201)
	if err != nil {
		return err
	}
	c.connID = conn["id"].(string)
	return nil
}

// receiver is the webhook receiver: it records the first arrival of each
// delivery (its path and the chaos_id in its body) and counts repeats.
type receiver struct {
	srv *httptest.Server

	mu    sync.Mutex
	first map[string]time.Time // path|chaos_id
	dups  int
}

func newReceiver() *receiver {
	r := &receiver{first: map[string]time.Time{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		now := time.Now()
		var body struct {
			ChaosID string `json:"chaos_id"`
		}
		b, _ := io.ReadAll(req.Body)
		json.Unmarshal(b, &body) //nolint:errcheck // an unknown body counts under ""
		k := req.URL.Path + "|" + body.ChaosID
		r.mu.Lock()
		if _, ok := r.first[k]; ok {
			r.dups++
		} else {
			r.first[k] = now
		}
		r.mu.Unlock()
	}))
	return r
}

func (r *receiver) arrived(k string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.first[k]
	return t, ok
}

// window is a fault: from its start until service was back.
type window struct {
	what       string
	start, end time.Time
}

type result struct {
	accepted   map[string]time.Time // delivery keys of accepted messages and events, with when they were sent
	messages   int
	events     int
	notArrived map[string]int // by kind
	dups       int
	during     []time.Duration
	outside    []time.Duration
	faults     []window
	counts     map[string]*atomic.Int64
	pgRefused  int64
	pgRecover  time.Duration
	pgDone     bool
	elapsed    time.Duration
}

func (r *result) lost() int {
	n := 0
	for _, v := range r.notArrived {
		n += v
	}
	return n
}

func (c *cluster) chaos(rec *receiver) (*result, error) {
	o := c.o
	res := &result{accepted: map[string]time.Time{}, notArrived: map[string]int{}, counts: map[string]*atomic.Int64{}}
	var mu sync.Mutex // guards res.accepted, res.faults, messages, events
	count := func(name string) {
		mu.Lock()
		n, ok := res.counts[name]
		if !ok {
			n = &atomic.Int64{}
			res.counts[name] = n
		}
		mu.Unlock()
		n.Add(1)
	}
	var pgStart atomic.Int64 // unix nanos of the PostgreSQL restart, 0 before
	var pgBack atomic.Int64
	var seq atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// send retries a request on other nodes (a load balancer's job) for up
	// to 30 s; the idempotency key or event ID makes a repeat harmless.
	send := func(kind string, do func(n *nodeProc) int) (bool, time.Time) {
		started := time.Now()
		var last *nodeProc
		for time.Since(started) < 30*time.Second {
			n := c.pick(last)
			last = n
			t0 := time.Now()
			st := do(n)
			ok := st >= 200 && st < 300
			if ps := pgStart.Load(); ps != 0 && t0.UnixNano() >= ps {
				if ok {
					pgBack.CompareAndSwap(0, time.Now().UnixNano())
				} else if pgBack.Load() == 0 {
					atomic.AddInt64(&res.pgRefused, 1)
				}
			}
			if ok {
				count(kind + " ok")
				// Latency counts from the attempt that was accepted: the
				// client's earlier tries (refused by a dead node, or 409
				// while a dead node's idempotency lease runs out) are
				// counted apart.
				return true, t0
			}
			count(kind + " refused " + strconv.Itoa(st))
			select {
			case <-stop:
				if time.Since(started) > 5*time.Second {
					return false, started
				}
			case <-time.After(100 * time.Millisecond):
			}
		}
		return false, started
	}
	load := func(kind string, rate int, one func()) {
		if rate <= 0 {
			return
		}
		wg.Go(func() {
			tick := time.NewTicker(time.Second / time.Duration(rate))
			defer tick.Stop()
			sem := make(chan struct{}, 64)
			var inner sync.WaitGroup
			defer inner.Wait()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				select {
				case sem <- struct{}{}:
				default:
					count(kind + " skipped (64 in flight)")
					continue
				}
				inner.Go(func() { defer func() { <-sem }(); one() })
			}
		})
	}
	load("publish", o.publishRate, func() {
		id := fmt.Sprintf("m%d", seq.Add(1))
		body := `{"event_type":"chaos.event","payload":{"chaos_id":"` + id + `"}}`
		ok, at := send("publish", func(n *nodeProc) int {
			st, _ := call("POST", n.url()+"/v1/tenants/acme/messages", c.key, body, "Idempotency-Key", id)
			return st
		})
		if ok {
			mu.Lock()
			res.messages++
			for i := range o.endpoints {
				res.accepted["/m/"+strconv.Itoa(i)+"|"+id] = at
			}
			mu.Unlock()
		}
	})
	load("ingest", o.ingestRate, func() {
		id := fmt.Sprintf("e%d", seq.Add(1))
		ok, at := send("ingest", func(n *nodeProc) int {
			st, _ := call("POST", n.url()+c.ingestPath, "", `{"chaos_id":"`+id+`"}`, "X-Key", "k", "X-Event-Id", id)
			return st
		})
		if ok {
			mu.Lock()
			res.events++
			res.accepted["/in|"+id] = at
			mu.Unlock()
		}
	})
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read:chaos"}}
	load("oauth", o.oauthRate, func() {
		send("oauth grant", func(n *nodeProc) int {
			req, _ := http.NewRequest("POST", n.url()+"/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.secret))
			resp, err := httpClient.Do(req)
			if err != nil {
				return 0
			}
			io.Copy(io.Discard, resp.Body) //nolint:errcheck
			resp.Body.Close()
			return resp.StatusCode
		})
	})
	load("proxy", o.proxyRate, func() {
		send("proxy call", func(n *nodeProc) int {
			st, _ := call("GET", n.url()+"/v1/connections/"+c.connID+"/proxy/echo", c.key, "")
			return st
		})
	})

	// The faults.
	start := time.Now()
	log.Printf("load running for %s: kill a node every %s, PostgreSQL restart %v", o.duration, o.killEvery, o.pgRestart)
	pgAt := start.Add(o.duration / 4)
	if o.killEvery <= o.duration/2 {
		// Between two kills, so the faults do not overlap.
		pgAt = start.Add(o.killEvery*time.Duration(int(o.duration/2/o.killEvery)) + o.killEvery/2)
	}
	pgDone := !o.pgRestart
	nextKill := start.Add(o.killEvery)
	for time.Since(start) < o.duration {
		time.Sleep(50 * time.Millisecond)
		if !pgDone && time.Now().After(pgAt) {
			pgDone = true
			t0 := time.Now()
			pgStart.Store(t0.UnixNano())
			log.Printf("restarting PostgreSQL")
			if err := c.pg.restart(); err != nil {
				return nil, err
			}
			deadline := time.Now().Add(60 * time.Second)
			for pgBack.Load() == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			back := time.Unix(0, pgBack.Load())
			res.pgDone, res.pgRecover = true, back.Sub(t0)
			log.Printf("PostgreSQL restarted; service back after %s", res.pgRecover.Round(time.Millisecond))
			mu.Lock()
			res.faults = append(res.faults, window{"postgres restart", t0, back})
			mu.Unlock()
		}
		if time.Now().After(nextKill) {
			nextKill = nextKill.Add(o.killEvery)
			n := c.nodes[mrand.IntN(len(c.nodes))]
			t0 := time.Now()
			log.Printf("SIGKILL %s", n.name)
			c.kill(n, syscall.SIGKILL)
			if err := c.start(n); err != nil {
				return nil, err
			}
			log.Printf("%s ready again after %s", n.name, time.Since(t0).Round(time.Millisecond))
			mu.Lock()
			res.faults = append(res.faults, window{"kill " + n.name, t0, time.Now()})
			mu.Unlock()
		}
	}
	close(stop)
	wg.Wait()
	res.elapsed = time.Since(start)
	log.Printf("load stopped: %d messages and %d events accepted; waiting up to %s for their deliveries", res.messages, res.events, o.drain)

	deadline := time.Now().Add(o.drain)
	for {
		missing := 0
		for k := range res.accepted {
			if _, ok := rec.arrived(k); !ok {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	const margin = 2 * time.Second // a fault's wake: retries scheduled during it
	for k, at := range res.accepted {
		got, ok := rec.arrived(k)
		if !ok {
			res.notArrived[strings.SplitN(k, "|", 2)[0]]++
			continue
		}
		lat := max(0, got.Sub(at)) // a reply lost with its node: its retry was answered after the delivery
		inFault := false
		for _, f := range res.faults {
			if !got.Before(f.start) && !at.After(f.end.Add(margin)) {
				inFault = true
			}
		}
		if inFault {
			res.during = append(res.during, lat)
		} else {
			res.outside = append(res.outside, lat)
		}
	}
	rec.mu.Lock()
	res.dups = rec.dups
	rec.mu.Unlock()
	return res, nil
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func (r *result) print(o options) {
	fmt.Printf("\n== chaos run: %s of load on 3 nodes, one PostgreSQL (kills every %s, PostgreSQL restart %v)\n",
		r.elapsed.Round(time.Second), o.killEvery, r.pgDone)
	for _, f := range r.faults {
		fmt.Printf("fault: %-18s %s, service back after %s\n", f.what, f.start.Format("15:04:05.000"), f.end.Sub(f.start).Round(time.Millisecond))
	}
	msgDeliveries, evDeliveries := 0, 0
	for k := range r.accepted {
		if strings.HasPrefix(k, "/in|") {
			evDeliveries++
		} else {
			msgDeliveries++
		}
	}
	lostMsgs := r.lost() - r.notArrived["/in"]
	fmt.Printf("messages accepted: %d (%d deliveries to %d endpoints); deliveries arrived: %d; lost: %d\n",
		r.messages, msgDeliveries, o.endpoints, msgDeliveries-lostMsgs, lostMsgs)
	fmt.Printf("events accepted: %d; forwarded and arrived: %d; lost: %d\n", r.events, evDeliveries-r.notArrived["/in"], r.notArrived["/in"])
	fmt.Printf("duplicate arrivals (same delivery again, by ID): %d\n", r.dups)
	fmt.Printf("delivery latency outside faults: p50 %s p99 %s (%d deliveries)\n", pct(r.outside, .5).Round(time.Millisecond), pct(r.outside, .99).Round(time.Millisecond), len(r.outside))
	fmt.Printf("delivery latency during faults:  p50 %s p99 %s (%d deliveries)\n", pct(r.during, .5).Round(time.Millisecond), pct(r.during, .99).Round(time.Millisecond), len(r.during))
	if r.pgDone {
		fmt.Printf("PostgreSQL restart: %d requests refused (or unanswered) until service was back, %s after the restart began\n", r.pgRefused, r.pgRecover.Round(time.Millisecond))
	}
	var names []string
	for k := range r.counts {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Printf("  %-32s %d\n", k, r.counts[k].Load())
	}
}

// throughputRuns measures delivery throughput with 1, 2 and 3 worker
// nodes: an API-only node takes the publishes with no worker running, then
// n worker nodes start and the time from the first arrival to the last is
// taken.
func (c *cluster) throughputRuns(rec *receiver) error {
	const perRun, endpoints = 400, 12
	c.stopAll(syscall.SIGTERM)
	api := &nodeProc{name: "api", addr: fmt.Sprintf("127.0.0.1:%d", c.o.basePort+3), role: "api"}
	c.nodes = []*nodeProc{api}
	if err := c.start(api); err != nil {
		return err
	}
	fmt.Printf("\n== delivery throughput: %d messages × %d endpoints per run, published before the workers start\n", perRun, endpoints)
	for workers := 1; workers <= 3; workers++ {
		tenant := fmt.Sprintf("tp%d", workers)
		if st, b := call("PUT", api.url()+"/v1/tenants/"+tenant, c.key, `{"name":"`+tenant+`"}`); st != 201 {
			return fmt.Errorf("tenant %s: %d %s", tenant, st, b)
		}
		var keys []string
		for i := range endpoints {
			path := fmt.Sprintf("/%s/%d", tenant, i)
			if st, b := call("POST", api.url()+"/v1/tenants/"+tenant+"/endpoints", c.key, `{"url":"`+rec.srv.URL+path+`"}`); st != 201 {
				return fmt.Errorf("endpoint: %d %s", st, b)
			}
			keys = append(keys, path)
		}
		var all []string
		for b := 0; b < perRun; b += 100 {
			var msgs []string
			for i := b; i < b+100; i++ {
				id := fmt.Sprintf("%s-%d", tenant, i)
				msgs = append(msgs, `{"event_type":"chaos.event","payload":{"chaos_id":"`+id+`"}}`)
				for _, p := range keys {
					all = append(all, p+"|"+id)
				}
			}
			if st, body := call("POST", api.url()+"/v1/tenants/"+tenant+"/messages/batch", c.key, `{"messages":[`+strings.Join(msgs, ",")+`]}`); st >= 300 {
				return fmt.Errorf("batch publish: %d %s", st, body)
			}
		}
		var ws []*nodeProc
		for i := range workers {
			w := &nodeProc{name: fmt.Sprintf("worker%d", i+1), addr: fmt.Sprintf("127.0.0.1:%d", c.o.basePort+4+i), role: "worker"}
			ws = append(ws, w)
			c.nodes = append(c.nodes, w)
		}
		var startErr error
		var swg sync.WaitGroup
		var once sync.Once
		for _, w := range ws {
			swg.Go(func() {
				if err := c.start(w); err != nil {
					once.Do(func() { startErr = err })
				}
			})
		}
		swg.Wait()
		if startErr != nil {
			return startErr
		}
		deadline := time.Now().Add(120 * time.Second)
		var first, last time.Time
		for {
			missing := 0
			first, last = time.Time{}, time.Time{}
			for _, k := range all {
				t, ok := rec.arrived(k)
				if !ok {
					missing++
					continue
				}
				if first.IsZero() || t.Before(first) {
					first = t
				}
				if t.After(last) {
					last = t
				}
			}
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%d workers: %d deliveries missing after 120 s", workers, missing)
			}
			time.Sleep(100 * time.Millisecond)
		}
		took := last.Sub(first)
		fmt.Printf("%d worker node(s): %d deliveries in %s: %.0f deliveries/s\n", workers, len(all), took.Round(time.Millisecond), float64(len(all))/took.Seconds())
		for _, w := range ws {
			c.kill(w, syscall.SIGTERM)
		}
		c.nodes = []*nodeProc{api}
	}
	return nil
}

// privatePG is a PostgreSQL instance of our own in a temporary directory.
type privatePG struct {
	bin, data, sock string
	port            int
	url             string
	asPostgres      bool
}

func pgBinDir() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
		return "", errors.New("initdb not found (install PostgreSQL, or pass -database-url)")
	}
	slices.Sort(matches)
	return filepath.Dir(matches[len(matches)-1]), nil
}

func (p *privatePG) cmd(name string, args ...string) *exec.Cmd {
	bin := filepath.Join(p.bin, name)
	if p.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func startPrivatePG(dir string, port int) (*privatePG, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	p := &privatePG{bin: bin, data: filepath.Join(dir, "pgdata"), sock: filepath.Join(dir, "pgsock"), port: port, asPostgres: os.Geteuid() == 0}
	os.MkdirAll(p.sock, 0o755)
	if p.asPostgres {
		// initdb refuses to run as root; the postgres user owns the files.
		if out, err := exec.Command("chown", "-R", "postgres", dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown: %v %s", err, out)
		}
		os.Chmod(dir, 0o755) //nolint:errcheck
	}
	if out, err := p.cmd("initdb", "-D", p.data, "-A", "trust", "-U", "postgres", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if err := p.pgctl("start"); err != nil {
		return nil, err
	}
	p.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	log.Printf("private PostgreSQL on port %d", port)
	return p, nil
}

func (p *privatePG) pgctl(action string) error {
	args := []string{"-D", p.data, "-w", "-t", "60", "-l", filepath.Join(p.data, "..", "postgres.log")}
	if action != "stop" {
		args = append(args, "-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=300", p.port, p.sock))
	}
	if action != "start" {
		args = append(args, "-m", "fast")
	}
	out, err := p.cmd("pg_ctl", append(args, action)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", action, err, bytes.TrimSpace(out))
	}
	return nil
}

func (p *privatePG) restart() error { return p.pgctl("restart") }

func (p *privatePG) stop() { p.pgctl("stop") } //nolint:errcheck // at exit
