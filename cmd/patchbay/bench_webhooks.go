package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/app"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
	"github.com/patchbay/patchbay/internal/webhooks"
	"github.com/patchbay/patchbay/webhook"
)

// webhookBench is what one `patchbay bench webhooks` run measures.
type webhookBench struct {
	databaseURL        string
	tenants            int
	endpointsPerTenant int
	messages           int
	rate               float64
	publishConcurrency int
	batch              int
	timeout            time.Duration
	payloadBytes       int
	receivers          int
	cpuProfile         string
	transform          string // none, js or wasm: a trivial transformation on every endpoint
	transformModule    string // the .wasm for --transform wasm
	endpointType       string
	brokerURL          string
	sink               *brokerSink // for a broker endpoint type
}

func (b webhookBench) endpoints() int { return b.tenants * b.endpointsPerTenant }

// runBenchWebhooks measures outgoing-webhook delivery end to end on loopback:
// a real node (the same app.New and Run as `serve`) on a fresh database, real
// receivers, messages published through the Go SDK. It also measures the
// ceiling, plain net/http POSTs to the same receivers, so the delivery rate
// can be read against what the machine allows. Everything is bounded: a
// fixed number of messages and requests, and --timeout for the whole run.
func runBenchWebhooks(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("patchbay bench webhooks", flag.ContinueOnError)
	var b webhookBench
	fs.StringVar(&b.databaseURL, "database-url", "", "PostgreSQL server to use (a fresh database patchbay_bench_… is created on it and dropped after); empty means SQLite in a fresh temporary directory")
	fs.IntVar(&b.tenants, "tenants", 10, "tenants; messages go to them in turn")
	fs.IntVar(&b.endpointsPerTenant, "endpoints-per-tenant", 2, "endpoints per tenant; every message fans out to all of its tenant's")
	fs.IntVar(&b.messages, "messages", 20_000, "messages to publish in all")
	fs.Float64Var(&b.rate, "rate", 0, "messages per second to publish at; 0 means as fast as possible")
	fs.IntVar(&b.publishConcurrency, "publish-concurrency", 32, "publish calls in flight at once")
	fs.IntVar(&b.batch, "batch", 1, "messages per publish call: 1 uses the single publish API, 2 to 100 the batch API")
	fs.DurationVar(&b.timeout, "timeout", 2*time.Minute, "the whole run stops by then and reports what it saw")
	fs.IntVar(&b.payloadBytes, "payload-bytes", 512, "size of each message's JSON payload")
	fs.IntVar(&b.receivers, "receivers", 4, "loopback HTTP servers the endpoints are spread over")
	fs.StringVar(&b.transform, "transform", "none", "attach a trivial transformation to every endpoint: none, js (return the webhook as it came) or wasm (the module of --transform-module)")
	fs.StringVar(&b.transformModule, "transform-module", "", "with --transform wasm: the .wasm file, such as examples/transform-wasm built as its source says")
	fs.StringVar(&b.endpointType, "endpoint-type", "http", "the endpoints' type: http, nats, rabbitmq, redis, kafka or mqtt (Kafka: franz-go's in-process kfake cluster)")
	fs.StringVar(&b.brokerURL, "broker-url", "", "the broker for a broker --endpoint-type; empty means the default port on 127.0.0.1")
	fs.StringVar(&b.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured phase (publishing and delivery; node, publisher and receivers together) to this file")
	if err := parseArgs(fs, args, stdout); err != nil {
		return err
	}
	if err := b.validate(fs); err != nil {
		return usageError{error: err}
	}
	if getenv("GOGC") == "" {
		debug.SetGCPercent(200) // as serve does
	}
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, start.Add(b.timeout))
	defer cancel()

	runHeader(stdout, append([]string{"patchbay", "bench", "webhooks"}, args...))
	rateText := "as fast as possible"
	if b.rate > 0 {
		rateText = fmt.Sprintf("%g messages/s", b.rate)
	}
	fmt.Fprintf(stdout, "load: %d tenants × %d endpoints = %d endpoints on %d receivers; %d messages of %d B, batch %d, %s, publish concurrency %d\n",
		b.tenants, b.endpointsPerTenant, b.endpoints(), min(b.receivers, b.endpoints()), b.messages, b.payloadBytes, b.batch, rateText, b.publishConcurrency)
	if b.transform != "none" {
		fmt.Fprintf(stdout, "transformation: a trivial %s one on every endpoint\n", b.transform)
	}

	rcv, err := startReceivers(min(b.receivers, b.endpoints()))
	if err != nil {
		return err
	}
	defer rcv.close()

	// The ceiling runs first, on an idle machine, and may take a quarter of
	// the time at most.
	ceilingCtx, ceilingCancel := context.WithTimeout(ctx, b.timeout/4)
	cpuBefore := sampleCPU()
	ceiling := measureCeiling(ceilingCtx, rcv, b)
	cpuAfter := sampleCPU()
	ceilingCancel()
	fmt.Fprintf(stdout, "ceiling: %d plain net/http POSTs of %d B to the same receivers, concurrency %d (%d per endpoint × %d): %d ok in %s: %.0f req/s\n",
		ceiling.requests, b.payloadBytes, ceiling.concurrency, webhooks.MaxConcurrencyDefault, b.endpoints(), ceiling.ok,
		ceiling.elapsed.Round(time.Millisecond), ceiling.rate())
	fmt.Fprintf(stdout, "  cpu during the ceiling: %s\n", cpuUse(cpuBefore, cpuAfter))

	if b.endpointType != "http" {
		if b.sink, err = startBrokerSink(ctx, b.endpointType, b.brokerURL, b.endpoints(), rcv); err != nil {
			return err
		}
		defer b.sink.close()
		fmt.Fprintf(stdout, "endpoints: type %s at %s; a consumer in this process counts what the broker acknowledged and delivered\n", b.endpointType, b.sink.url)
	}
	res, err := b.measure(ctx, rcv, stdout, stderr)
	if err != nil {
		return err
	}
	res.report(stdout, b, ceiling)
	fmt.Fprintf(stdout, "wall: %s\n", time.Since(start).Round(time.Millisecond))
	if missing := res.expected - res.unique; missing > 0 {
		return fmt.Errorf("%d of %d expected deliveries did not arrive within --timeout %s", missing, res.expected, b.timeout)
	}
	return nil
}

func (b webhookBench) validate(fs *flag.FlagSet) error {
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("bench webhooks takes no arguments (got %q)", fs.Args())
	case b.databaseURL != "" && !store.IsPostgresURL(b.databaseURL):
		return errors.New("--database-url must start with postgres:// or postgresql://")
	case b.tenants < 1 || b.tenants > 10_000:
		return errors.New("--tenants must be from 1 to 10000")
	case b.endpointsPerTenant < 1 || b.endpointsPerTenant > 100:
		return errors.New("--endpoints-per-tenant must be from 1 to 100")
	case b.endpoints() > 10_000:
		return errors.New("--tenants × --endpoints-per-tenant must be at most 10000")
	case b.messages < 1 || b.messages > 1_000_000:
		return errors.New("--messages must be from 1 to 1000000")
	case b.rate < 0:
		return errors.New("--rate must be 0 or more")
	case b.publishConcurrency < 1 || b.publishConcurrency > 1024:
		return errors.New("--publish-concurrency must be from 1 to 1024")
	case b.batch < 1 || b.batch > 100:
		return errors.New("--batch must be from 1 to 100")
	case b.timeout <= 0 || b.timeout > 30*time.Minute:
		return errors.New("--timeout must be positive and at most 30m")
	case b.payloadBytes < 64 || b.payloadBytes > 256<<10:
		return errors.New("--payload-bytes must be from 64 to 262144")
	case b.transform != "none" && b.transform != "js" && b.transform != "wasm":
		return errors.New("--transform must be none, js or wasm")
	case (b.transform == "wasm") != (b.transformModule != ""):
		return errors.New("--transform-module goes with --transform wasm, and only with it")
	case b.receivers < 1 || b.receivers > 64:
		return errors.New("--receivers must be from 1 to 64")
	case !slices.Contains([]string{"http", "nats", "rabbitmq", "redis", "kafka", "mqtt"}, b.endpointType):
		return errors.New("--endpoint-type must be http, nats, rabbitmq, redis, kafka or mqtt")
	case b.brokerURL != "" && (b.endpointType == "http" || b.endpointType == "kafka"):
		return errors.New("--broker-url applies only to --endpoint-type nats, rabbitmq, redis or mqtt")
	}
	return nil
}

// tally is what the receivers saw in one phase of the run.
type tally struct {
	unique atomic.Int64
	conns  atomic.Int64 // TCP connections accepted

	mu      sync.Mutex
	first   map[string]time.Time // "path webhook-id" → first receipt
	dups    int
	noID    int
	firstAt time.Time
	lastAt  time.Time
}

func newTally(expected int) *tally { return &tally{first: make(map[string]time.Time, expected)} }

func (t *tally) record(path, msgID string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if msgID == "" {
		t.noID++
		return
	}
	key := path + " " + msgID
	if _, seen := t.first[key]; seen {
		t.dups++
		return
	}
	t.first[key] = at
	if t.firstAt.IsZero() || at.Before(t.firstAt) {
		t.firstAt = at
	}
	if at.After(t.lastAt) {
		t.lastAt = at
	}
	t.unique.Add(1)
}

// receivers are loopback HTTP servers standing in for customers' endpoints.
// Each answers 200 at once and counts deliveries by path (one per endpoint)
// and webhook-id.
type receivers struct {
	urls    []string
	servers []*http.Server
	tally   atomic.Pointer[tally]
}

func startReceivers(n int) (*receivers, error) {
	rc := &receivers{}
	rc.tally.Store(newTally(0))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) //nolint:errcheck // a broken body shows as a missing delivery
		rc.tally.Load().record(r.URL.Path, r.Header.Get(webhook.HeaderID), time.Now())
		w.WriteHeader(http.StatusOK)
	})
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			rc.close()
			return nil, fmt.Errorf("receiver: %w", err)
		}
		srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute,
			ConnState: func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					rc.tally.Load().conns.Add(1)
				}
			}}
		go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed at close
		rc.servers = append(rc.servers, srv)
		rc.urls = append(rc.urls, "http://"+ln.Addr().String())
	}
	return rc, nil
}

// endpointURL is where endpoint i (of all tenants) receives.
func (rc *receivers) endpointURL(i int) string {
	return fmt.Sprintf("%s/ep/%d", rc.urls[i%len(rc.urls)], i)
}

func (rc *receivers) close() {
	for _, s := range rc.servers {
		s.Close()
	}
}

// payload returns a JSON object of exactly n bytes.
func payload(seq, n int) json.RawMessage {
	head := fmt.Sprintf(`{"seq":%d,"pad":"`, seq)
	pad := max(0, n-len(head)-2)
	return json.RawMessage(head + strings.Repeat("x", pad) + `"}`)
}

// ceilingResult is the plain-HTTP measurement.
type ceilingResult struct {
	requests, ok, concurrency int
	elapsed                   time.Duration
}

func (c ceilingResult) rate() float64 {
	if c.elapsed <= 0 {
		return 0
	}
	return float64(c.ok) / c.elapsed.Seconds()
}

// measureCeiling sends as many plain POSTs as the run expects deliveries,
// with as many in flight as the endpoints together may have by default.
func measureCeiling(ctx context.Context, rc *receivers, b webhookBench) ceilingResult {
	res := ceilingResult{requests: b.messages * b.endpointsPerTenant, concurrency: webhooks.MaxConcurrencyDefault * b.endpoints()}
	rc.tally.Store(newTally(res.requests))
	httpClient := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: res.concurrency, DisableCompression: true},
		Timeout:   15 * time.Second,
	}
	defer httpClient.CloseIdleConnections()
	body := payload(0, b.payloadBytes)
	var next, ok atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range res.concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= res.requests {
					return
				}
				ep := i % b.endpoints()
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, rc.endpointURL(ep), bytes.NewReader(body))
				if err != nil {
					return
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(webhook.HeaderID, "ceiling_"+strconv.Itoa(i))
				resp, err := httpClient.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining to reuse the connection
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.ok = int(ok.Load())
	return res
}

// published is when one message's publish call started and when its 202 came back.
type published struct {
	callStart, acked time.Time
}

// benchResult is what the Patchbay phase measured.
type benchResult struct {
	store                 string
	publishOK, publishErr int
	calls                 int
	firstErr              string
	publishElapsed        time.Duration
	callLatencies         []time.Duration
	publishLag            time.Duration // how far the last call started behind its --rate schedule

	expected, unique, dups, unexpected, noID int
	conns                                    int64
	firstAt, lastAt                          time.Time
	latencies                                []time.Duration   // receipt − call start, per delivery
	perSecond                                [][]time.Duration // the latencies by the second of publishing their call started in
	timedOut                                 bool
	attempts, failedAttempts                 string
	nodeWarnings                             []string
	cpu                                      string
}

// measure runs the node, sets up tenants and endpoints, publishes and waits
// for the deliveries.
func (b webhookBench) measure(ctx context.Context, rc *receivers, stdout, stderr io.Writer) (*benchResult, error) {
	dir, err := os.MkdirTemp("", "patchbay-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	nodeArgs := []string{"--addr", "127.0.0.1:0", "--rate-limit", "0", "--outbound-allow", "127.0.0.0/8", "--webhook-allow-http",
		"--shutdown-timeout", "10s", "--log-level", "info", "--body-limit", "67108864"} // 64 MiB: room for a Wasm module
	if b.databaseURL == "" {
		nodeArgs = append(nodeArgs, "--data", filepath.Join(dir, "data"))
	} else {
		dbURL, drop, err := createBenchDatabase(ctx, b.databaseURL)
		if err != nil {
			return nil, err
		}
		defer func() {
			if err := drop(); err != nil {
				fmt.Fprintf(stderr, "patchbay bench webhooks: %v\n", err)
			}
		}()
		nodeArgs = append(nodeArgs, "--database-url", dbURL, "--encryption-key", vault.NewKey())
	}
	// The node reads only these flags, never PATCHBAY_* variables, so the
	// environment cannot change what is measured.
	nfs := flag.NewFlagSet("bench node", flag.ContinueOnError)
	nfs.SetOutput(io.Discard)
	loader := config.Register(nfs)
	if err := nfs.Parse(nodeArgs); err != nil {
		return nil, err
	}
	cfg, err := loader.Load(func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	// The node logs as serve would (a JSON line per request, at info), to a
	// file whose warnings are reported.
	logPath := filepath.Join(dir, "node.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	logger := newLogger(logFile, cfg.SlogLevel())

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	a, err := app.New(ctx, cfg, logger, buildVersion())
	if err != nil {
		return nil, err
	}
	defer a.Close()
	res := &benchResult{store: "SQLite " + a.DB.Location()}
	if b.databaseURL != "" {
		res.store = "PostgreSQL " + a.DB.Location()
	}
	fmt.Fprintf(stdout, "store: %s\n", res.store)
	_, key, err := a.Keys.Create(ctx, auth.NewKey{Name: "bench", Scopes: []string{auth.ScopeAll}})
	if err != nil {
		return nil, err
	}
	nodeCtx, stopNode := context.WithCancel(context.WithoutCancel(ctx))
	ran := make(chan error, 1)
	go func() { ran <- a.Run(nodeCtx, ln) }()
	nodeStopped := false
	stop := func() error {
		if nodeStopped {
			return nil
		}
		nodeStopped = true
		stopNode()
		return <-ran
	}
	defer stop() //nolint:errcheck // the error is reported on the normal path

	httpClient := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: b.publishConcurrency, DisableCompression: true},
		Timeout:   60 * time.Second,
	}
	defer httpClient.CloseIdleConnections()
	c := client.New("http://"+ln.Addr().String(), key, client.WithHTTPClient(httpClient))
	tenantIDs, err := b.setup(ctx, c, rc)
	if err != nil {
		return nil, err
	}

	rc.tally.Store(newTally(b.messages * b.endpointsPerTenant))
	if b.cpuProfile != "" {
		f, err := os.Create(b.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}

	cpuBefore := sampleCPU()
	pubs := b.publish(ctx, c, tenantIDs, res)
	res.expected = res.publishOK * b.endpointsPerTenant
	tl := rc.tally.Load()
	for ctx.Err() == nil && int(tl.unique.Load()) < res.expected {
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Millisecond):
		}
	}
	res.timedOut = ctx.Err() != nil
	pprof.StopCPUProfile()
	res.cpu = cpuUse(cpuBefore, sampleCPU())
	res.collect(tl, pubs)

	if err := stop(); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	res.attempts, res.failedAttempts = countAttempts(a.DB) // after the node has recorded its last attempts
	res.nodeWarnings = warnings(logPath)
	return res, nil
}

// setup creates the tenants, the event type and the endpoints through the SDK.
func (b webhookBench) setup(ctx context.Context, c *client.Client, rc *receivers) ([]string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for c.Ready(ctx) != nil {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, errors.New("the node did not become ready within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.CreateEventType(ctx, client.EventType{Name: "bench.event", Description: "patchbay bench webhooks"}); err != nil {
		return nil, err
	}
	var transformationID string
	switch b.transform {
	case "js":
		tf, err := c.CreateJSTransformation(ctx, "bench", "function handler(webhook) { return webhook; }")
		if err != nil {
			return nil, err
		}
		transformationID = tf.ID
	case "wasm":
		module, err := os.ReadFile(b.transformModule)
		if err != nil {
			return nil, err
		}
		tf, err := c.CreateWasmTransformation(ctx, "bench", module)
		if err != nil {
			return nil, err
		}
		transformationID = tf.ID
	}
	ids := make([]string, b.tenants)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-%05d", i)
		if _, _, err := c.PutTenant(ctx, ids[i], client.TenantParams{Name: "Bench " + strconv.Itoa(i)}); err != nil {
			return nil, err
		}
		for j := range b.endpointsPerTenant {
			u := rc.endpointURL(i*b.endpointsPerTenant + j)
			p := client.EndpointParams{URL: &u}
			if b.sink != nil {
				p = b.sink.endpoint(i*b.endpointsPerTenant + j)
			}
			ep, err := c.CreateEndpoint(ctx, ids[i], p)
			if err != nil {
				return nil, err
			}
			if transformationID != "" {
				if err := c.AttachTransformation(ctx, transformationID, ep.ID, nil); err != nil {
					return nil, err
				}
			}
		}
	}
	return ids, nil
}

// publish sends the messages in calls of --batch, paced by --rate, and
// returns each published message's times by ID.
func (b webhookBench) publish(ctx context.Context, c *client.Client, tenantIDs []string, res *benchResult) map[string]published {
	calls := (b.messages + b.batch - 1) / b.batch
	pubs := make(map[string]published, b.messages)
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range min(b.publishConcurrency, calls) {
		wg.Go(func() {
			for ctx.Err() == nil {
				call := int(next.Add(1)) - 1
				if call >= calls {
					return
				}
				first := call * b.batch
				n := min(b.batch, b.messages-first)
				if b.rate > 0 {
					due := start.Add(time.Duration(float64(first) / b.rate * float64(time.Second)))
					if wait := time.Until(due); wait > 0 {
						select {
						case <-ctx.Done():
							return
						case <-time.After(wait):
						}
					} else {
						mu.Lock()
						res.publishLag = max(res.publishLag, -wait)
						mu.Unlock()
					}
				}
				tenant := tenantIDs[call%len(tenantIDs)]
				params := make([]client.MessageParams, n)
				for i := range params {
					params[i] = client.MessageParams{EventType: "bench.event", Payload: payload(first+i, b.payloadBytes)}
				}
				callStart := time.Now()
				var ids []string
				var err error
				if b.batch == 1 {
					var m *client.Message
					if m, err = c.Publish(ctx, tenant, params[0]); err == nil {
						ids = []string{m.ID}
					}
				} else {
					var ms []client.Message
					if ms, err = c.PublishBatch(ctx, tenant, params); err == nil {
						for _, m := range ms {
							ids = append(ids, m.ID)
						}
					}
				}
				acked := time.Now()
				mu.Lock()
				res.calls++
				if err != nil {
					res.publishErr += n
					if res.firstErr == "" {
						res.firstErr = err.Error()
					}
				} else {
					res.publishOK += len(ids)
					res.callLatencies = append(res.callLatencies, acked.Sub(callStart))
					for _, id := range ids {
						pubs[id] = published{callStart: callStart, acked: acked}
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.publishElapsed = time.Since(start)
	return pubs
}

// collect turns the receipts into delivery latencies.
func (r *benchResult) collect(t *tally, pubs map[string]published) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r.unique, r.dups, r.noID, r.firstAt, r.lastAt = int(t.unique.Load()), t.dups, t.noID, t.firstAt, t.lastAt
	r.conns = t.conns.Load()
	r.latencies = make([]time.Duration, 0, len(t.first))
	var first time.Time
	for _, p := range pubs {
		if first.IsZero() || p.callStart.Before(first) {
			first = p.callStart
		}
	}
	for key, at := range t.first {
		_, msgID, _ := strings.Cut(key, " ")
		p, ok := pubs[msgID]
		if !ok {
			r.unexpected++ // from a publish call that failed, or not ours
			continue
		}
		r.latencies = append(r.latencies, at.Sub(p.callStart))
		sec := int(p.callStart.Sub(first) / time.Second)
		for len(r.perSecond) <= sec {
			r.perSecond = append(r.perSecond, nil)
		}
		r.perSecond[sec] = append(r.perSecond[sec], at.Sub(p.callStart))
	}
	slices.Sort(r.latencies)
	for _, l := range r.perSecond {
		slices.Sort(l)
	}
	slices.Sort(r.callLatencies)
}

// countAttempts reads the node's attempt records: what it believes it did.
func countAttempts(db *store.DB) (total, failed string) {
	var n, bad sql.NullInt64
	err := db.QueryRow(context.Background(), "SELECT COUNT(*), SUM(CASE WHEN success THEN 0 ELSE 1 END) FROM attempts").Scan(&n, &bad)
	if err != nil {
		return "n/a (" + err.Error() + ")", "n/a"
	}
	return strconv.FormatInt(n.Int64, 10), strconv.FormatInt(bad.Int64, 10)
}

// warnings returns up to five warning or error lines from the node's log.
func warnings(path string) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return []string{"cannot read the node log: " + err.Error()}
	}
	var out []string
	for line := range strings.Lines(string(raw)) {
		var l struct {
			Level string `json:"level"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && (l.Level == slog.LevelWarn.String() || l.Level == slog.LevelError.String()) {
			out = append(out, strings.TrimSpace(line))
			if len(out) == 5 {
				break
			}
		}
	}
	return out
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

func (r *benchResult) report(w io.Writer, b webhookBench, ceiling ceilingResult) {
	pubRate := float64(r.publishOK) / r.publishElapsed.Seconds()
	fmt.Fprintf(w, "published: %d of %d messages in %d calls, %d failed, in %s: %.0f messages/s\n",
		r.publishOK, b.messages, r.calls, r.publishErr, r.publishElapsed.Round(time.Millisecond), pubRate)
	if r.firstErr != "" {
		fmt.Fprintf(w, "  first publish error: %s\n", r.firstErr)
	}
	fmt.Fprintf(w, "publish call latency: p50 %s, p90 %s, p99 %s, max %s\n",
		ms(percentile(r.callLatencies, .5)), ms(percentile(r.callLatencies, .9)), ms(percentile(r.callLatencies, .99)), ms(percentile(r.callLatencies, 1)))
	if b.rate > 0 {
		fmt.Fprintf(w, "publish schedule: the latest call started %s behind its --rate time\n", ms(r.publishLag))
	}
	fmt.Fprintf(w, "delivered: %d of %d expected unique (webhook-id, endpoint) pairs, %d duplicates, %d unexpected, %d without webhook-id; %d receiver connections\n",
		r.unique, r.expected, r.dups, r.unexpected, r.noID, r.conns)
	if r.timedOut {
		fmt.Fprintf(w, "  stopped by --timeout %s with %d deliveries missing\n", b.timeout, r.expected-r.unique)
	}
	span := r.lastAt.Sub(r.firstAt)
	var rate float64
	if span > 0 {
		rate = float64(r.unique) / span.Seconds()
	}
	fmt.Fprintf(w, "delivery rate: %.0f deliveries/s sustained (first to last delivery: %s)\n", rate, span.Round(time.Millisecond))
	fmt.Fprintf(w, "publish-to-delivered latency (receipt − publish call start): p50 %s, p90 %s, p99 %s, max %s\n",
		ms(percentile(r.latencies, .5)), ms(percentile(r.latencies, .9)), ms(percentile(r.latencies, .99)), ms(percentile(r.latencies, 1)))
	if b.rate > 0 && len(r.perSecond) <= 60 {
		// One slow second is enough to set the p99 of a short run: this tells
		// a stall from steady queueing.
		var p99s []string
		for _, l := range r.perSecond {
			p99s = append(p99s, strconv.FormatFloat(float64(percentile(l, .99))/float64(time.Millisecond), 'f', 0, 64))
		}
		fmt.Fprintf(w, "  p99 by second of publishing, ms: %s\n", strings.Join(p99s, " "))
	}
	if c := ceiling.rate(); c > 0 {
		fmt.Fprintf(w, "delivery rate vs ceiling: %.1f%% of %.0f req/s\n", 100*rate/c, c)
	}
	fmt.Fprintf(w, "cpu from the first publish to the last delivery: %s\n", r.cpu)
	fmt.Fprintf(w, "node: %s attempts recorded, %s failed\n", r.attempts, r.failedAttempts)
	for _, l := range r.nodeWarnings {
		fmt.Fprintf(w, "  node log: %s\n", l)
	}
}

// createBenchDatabase creates a fresh database on the server that serverURL
// names and returns its URL and a function that drops it.
func createBenchDatabase(ctx context.Context, serverURL string) (string, func() error, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, usageError{error: errors.New("--database-url is not a valid URL")}
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		return "", nil, err
	}
	var suffix [6]byte
	rand.Read(suffix[:])
	name := "patchbay_bench_" + hex.EncodeToString(suffix[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop := func() error {
		defer admin.Close()
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// cpuSample is where the machine's CPU time had gone at one moment, from
// /proc (Linux), so a report can show whether anything else ran beside the
// benchmark. Times are in clock ticks of 1/100 s (USER_HZ).
type cpuSample struct {
	ok                     bool
	total, idle, irq, self int64
	pg                     map[string]int64 // PostgreSQL process ID → ticks
}

func sampleCPU() cpuSample {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuSample{}
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuSample{}
	}
	var c cpuSample
	for i, f := range fields[1:9] {
		n, _ := strconv.ParseInt(f, 10, 64)
		c.total += n
		switch i {
		case 3, 4: // idle, iowait
			c.idle += n
		case 5, 6, 7: // irq, softirq (loopback networking, mostly), steal
			c.irq += n
		}
	}
	c.self = procTicks("/proc/self/stat")
	c.pg = map[string]int64{}
	if entries, err := os.ReadDir("/proc"); err == nil {
		for _, e := range entries {
			if e.Name()[0] >= '1' && e.Name()[0] <= '9' {
				if raw, err := os.ReadFile("/proc/" + e.Name() + "/comm"); err == nil && strings.TrimSpace(string(raw)) == "postgres" {
					c.pg[e.Name()] = procTicks("/proc/" + e.Name() + "/stat")
				}
			}
		}
	}
	c.ok = true
	return c
}

// procTicks is a process's user and system time.
func procTicks(path string) int64 {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	_, after, ok := strings.Cut(string(raw), ") ") // the command name may hold spaces
	fields := strings.Fields(after)
	if !ok || len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

// cpuUse says where the machine's CPU time went between two samples.
func cpuUse(from, to cpuSample) string {
	if !from.ok || !to.ok {
		return "n/a (no /proc)"
	}
	s := func(ticks int64) string { return strconv.FormatFloat(float64(ticks)/100, 'f', 1, 64) }
	total, idle, irq, self := to.total-from.total, to.idle-from.idle, to.irq-from.irq, to.self-from.self
	var pg int64 // by the PostgreSQL processes alive at the end; those that exited are counted as other
	for pid, ticks := range to.pg {
		pg += max(0, ticks-from.pg[pid])
	}
	other := max(0, total-idle-irq-self-pg)
	return fmt.Sprintf("%s CPU-s available: this process %s, postgres %s, interrupts %s, other processes %s, idle %s",
		s(total), s(self), s(pg), s(irq), s(other), s(idle))
}
