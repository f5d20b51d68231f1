package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// dbProxy is a TCP proxy on loopback between a node and PostgreSQL that a
// test can cut: it resets every open connection and, while cut, every new
// one, as a database restart or a network failure would. Only the node
// behind it loses its database; other tests on the server carry on.
type dbProxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	cut      bool
	conns    map[net.Conn]struct{}
	// commitCut, when set, drops the connection of the next COMMIT of a
	// transaction that sent its marker (CutAtCommit).
	commitCut *commitCut
}

func newDBProxy(t *testing.T, upstream string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.Cut() })
	go p.serve()
	return p
}

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut := p.cut
		p.mu.Unlock()
		if cut {
			reset(c)
			continue
		}
		go p.pipe(c)
	}
}

func (p *dbProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		reset(c)
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		reset(c)
		reset(up)
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	var pending atomic.Pointer[commitCut]
	go func() { p.toServer(up, c, &pending); done <- struct{}{} }()
	go func() { p.toClient(c, up, &pending); done <- struct{}{} }()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
	c.Close()
	up.Close()
}

// commitCut is a drop of the connection at a COMMIT, armed by CutAtCommit.
type commitCut struct {
	marker []byte
	// afterReply forwards the COMMIT and drops the connection once the
	// server has answered it: the transaction committed, but the client
	// never hears so. Otherwise the COMMIT never reaches the server.
	afterReply bool
	// down is how long the database then stays away (zero: only this
	// connection is dropped).
	down  time.Duration
	fired chan struct{}
}

// CutAtCommit drops the connection of the next transaction that sends
// marker (in a statement or its parameters) exactly at its COMMIT, and keeps
// the database away for down after that. The channel is closed when it has.
func (p *dbProxy) CutAtCommit(marker string, afterReply bool, down time.Duration) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.commitCut = &commitCut{marker: []byte(marker), afterReply: afterReply, down: down, fired: make(chan struct{})}
	return p.commitCut.fired
}

// marks reports whether msg carries the armed commit cut's marker.
func (p *dbProxy) marks(msg []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.commitCut != nil && bytes.Contains(msg, p.commitCut.marker)
}

// takeCommitCut disarms the commit cut and returns it.
func (p *dbProxy) takeCommitCut() *commitCut {
	p.mu.Lock()
	defer p.mu.Unlock()
	cc := p.commitCut
	p.commitCut = nil
	return cc
}

// fire drops the connection pair and, for a while, the database.
func (p *dbProxy) fire(cc *commitCut, c, up net.Conn) {
	reset(c)
	reset(up)
	if cc.down > 0 {
		p.Cut()
		time.AfterFunc(cc.down, p.Restore)
	}
	close(cc.fired)
}

// toServer relays the client's side of a PostgreSQL connection message by
// message (protocol 3: after the untyped start-up messages, a type byte and
// a length), so that a commit cut can act exactly at a COMMIT. A cut due
// after the server's answer is handed to toClient through pending.
func (p *dbProxy) toServer(up, c net.Conn, pending *atomic.Pointer[commitCut]) {
	r := bufio.NewReader(c)
	marked := false // the transaction so far sent the armed cut's marker
	startup := true
	for {
		var msg []byte
		if startup {
			var n [4]byte
			if _, err := io.ReadFull(r, n[:]); err != nil {
				return
			}
			msg = append(n[:], make([]byte, binary.BigEndian.Uint32(n[:])-4)...)
			if _, err := io.ReadFull(r, msg[4:]); err != nil {
				return
			}
			// An SSL or GSS encryption request is followed by the start-up
			// message proper; anything else starts the session.
			code := binary.BigEndian.Uint32(msg[4:8])
			startup = code == 80877103 || code == 80877104
		} else {
			var h [5]byte
			if _, err := io.ReadFull(r, h[:]); err != nil {
				return
			}
			msg = append(h[:], make([]byte, binary.BigEndian.Uint32(h[1:])-4)...)
			if _, err := io.ReadFull(r, msg[5:]); err != nil {
				return
			}
		}
		marked = marked || p.marks(msg)
		if msg[0] == 'Q' && !startup {
			switch strings.ToLower(strings.TrimRight(string(msg[5:]), "\x00; ")) {
			case "commit":
				if marked {
					if cc := p.takeCommitCut(); cc != nil && !cc.afterReply {
						p.fire(cc, c, up)
						return
					} else if cc != nil {
						pending.Store(cc)
					}
				}
				marked = false
			case "rollback":
				marked = false
			}
		}
		if _, err := up.Write(msg); err != nil {
			return
		}
	}
}

// toClient relays the server's side, but once a commit cut is pending, its
// first answer (to the COMMIT) fires the cut instead of reaching the client.
func (p *dbProxy) toClient(c, up net.Conn, pending *atomic.Pointer[commitCut]) {
	buf := make([]byte, 32<<10)
	for {
		n, err := up.Read(buf)
		if cc := pending.Load(); n > 0 && cc != nil {
			p.fire(cc, c, up)
			return
		}
		if n > 0 {
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cut resets every connection through the proxy and refuses new ones.
func (p *dbProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		reset(c)
	}
}

// Restore lets connections through again.
func (p *dbProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
}

// reset closes c with an RST, as a dead server's kernel would answer.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

// attempt is one HTTP answer a test client saw.
type attempt struct {
	at          time.Time
	status      int
	retryAfter  string
	contentType string
	body        string
	err         error
}

// retryingClient sends one request again and again, as a well-behaved
// client does (same Idempotency-Key, retrying 429, 5xx, 409 and network
// errors), until it gets a 2xx or its budget runs out.
func retryingClient(ctx context.Context, budget time.Duration, send func(ctx context.Context) (*http.Response, error), seen func(attempt)) (body []byte, ok bool) {
	deadline := time.Now().Add(budget)
	for time.Now().Before(deadline) {
		resp, err := send(ctx)
		a := attempt{at: time.Now(), err: err}
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			a.status, a.retryAfter, a.contentType, a.body = resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), string(body)
		}
		seen(a)
		if err == nil && resp.StatusCode/100 == 2 {
			return body, true
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-time.After(100 * time.Millisecond): // shorter than Retry-After, to see every answer of the outage
		}
	}
	return nil, false
}

// proxiedNode starts a node on a fresh PostgreSQL database reached through a
// proxy the test controls, with the tenant acme and the event type
// invoice.paid.
func proxiedNode(t *testing.T) (*env, *dbProxy) {
	t.Helper()
	opts := storetest.PostgresOptions(t)
	key := createKey(t, opts)
	dbURL, err := url.Parse(opts.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newDBProxy(t, dbURL.Host)
	dbURL.Host = proxy.ln.Addr().String()
	nodeOpts := opts
	nodeOpts.DatabaseURL = dbURL.String()
	n := startNode(t, nodeOpts, webhookArgs...)
	e := &env{opts: opts, node: n, key: key, client: client.New(n.URL, key)}
	if _, _, err := e.client.PutTenant(t.Context(), "acme", client.TenantParams{Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateEventType(t.Context(), client.EventType{Name: "invoice.paid"}); err != nil {
		t.Fatal(err)
	}
	return e, proxy
}

// TestDatabaseOutage cuts a PostgreSQL node's database for a while under
// publishing with idempotency keys and incoming webhooks (issue 21): no
// answer is a 500, every failure is a 503 with Retry-After, every request
// succeeds on a retry once the database is back, nothing acknowledged is
// lost, /readyz tells the truth, and the outage is logged once.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	e, proxy := proxiedNode(t)
	opts, n, key := e.opts, e.node, e.key
	rc := newReceiver(t, nil)
	mustEndpoint(t, e, client.EndpointParams{URL: client.Ptr(rc.URL)})
	const secret = "whsec_test_outage_4eC39HqLyjWDarjtT1zdp7dc"
	src := e.createSource(t, `{"name":"Stripe","verifier":{"scheme":"stripe","secrets":["`+secret+`"]}}`)

	var mu sync.Mutex
	var attempts []attempt
	seen := func(a attempt) { mu.Lock(); attempts = append(attempts, a); mu.Unlock() }
	var published []string // message IDs acknowledged
	var ingested []string  // provider event IDs acknowledged
	var lost []string

	ctx := t.Context()
	stopSending := make(chan struct{})
	var wg sync.WaitGroup
	const budget = 20 * time.Second // the clients' retry budget
	for c := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stopSending:
					return
				default:
				}
				idemKey := fmt.Sprintf("pub-%d-%d", c, i)
				body := fmt.Sprintf(`{"event_type":"invoice.paid","payload":{"n":"%s"}}`, idemKey)
				got, ok := retryingClient(ctx, budget, func(ctx context.Context) (*http.Response, error) {
					req, _ := http.NewRequestWithContext(ctx, "POST", n.URL+"/v1/tenants/acme/messages", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+key)
					req.Header.Set("Idempotency-Key", idemKey)
					return http.DefaultClient.Do(req)
				}, seen)
				var msg struct {
					ID string `json:"id"`
				}
				mu.Lock()
				if ok && json.Unmarshal(got, &msg) == nil && msg.ID != "" {
					published = append(published, msg.ID)
				} else {
					lost = append(lost, idemKey)
				}
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	for c := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stopSending:
					return
				default:
				}
				eventID := fmt.Sprintf("evt_%d_%d", c, i)
				event := []byte(`{"id":"` + eventID + `","object":"event","type":"invoice.paid"}`)
				_, ok := retryingClient(ctx, budget, func(ctx context.Context) (*http.Response, error) {
					signed := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: time.Now()})
					req, _ := http.NewRequestWithContext(ctx, "POST", src.IngestURL, strings.NewReader(string(event)))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Stripe-Signature", signed.Header)
					return http.DefaultClient.Do(req)
				}, seen)
				mu.Lock()
				if ok {
					ingested = append(ingested, eventID)
				} else {
					lost = append(lost, eventID)
				}
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		})
	}

	status := func(path string) int {
		resp, err := http.Get(n.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	time.Sleep(time.Second)
	const cutFor = 2500 * time.Millisecond
	cutAt := time.Now()
	proxy.Cut()
	time.Sleep(cutFor / 2)
	if st := status("/readyz"); st != 503 {
		t.Errorf("/readyz during the outage: %d, want 503", st)
	}
	if st := status("/healthz"); st != 200 {
		t.Errorf("/healthz during the outage: %d, want 200 (the process is alive)", st)
	}
	// The OAuth endpoints answer in OAuth's format, the pages in HTML, the
	// embed API in problem+json; all with 503 and Retry-After.
	for _, c := range []struct{ method, path, body, contentType, want string }{
		{"GET", "/embed/v1/session", "", "application/problem+json", `"status":503`},
		{"POST", "/oauth/token", "grant_type=client_credentials&client_id=app_01JDOESNOTEXIST0000000000&client_secret=pbo_nope",
			"application/json", `"error":"temporarily_unavailable"`},
		{"GET", "/oauth/authorize?response_type=code&client_id=app_01JDOESNOTEXIST0000000000&redirect_uri=https%3A%2F%2Fapp.example%2Fcb" +
			"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=s", "", "text/html", "temporarily_unavailable"},
		{"GET", "/connect/pbcs_doesnotexist", "", "text/html", "temporarily_unavailable"},
	} {
		req, _ := http.NewRequestWithContext(ctx, c.method, n.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if strings.HasPrefix(c.path, "/embed/") {
			req.Header.Set("Authorization", "Bearer pbe_doesnotexist")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.contentType) ||
			!strings.Contains(string(body), c.want) {
			t.Errorf("%s %s during the outage: %d Retry-After %q %s, want 503 with Retry-After, %s, %s",
				c.method, c.path, resp.StatusCode, resp.Header.Get("Retry-After"), body, c.contentType, c.want)
		}
	}
	time.Sleep(cutFor - time.Since(cutAt))
	proxy.Restore()
	restoredAt := time.Now()
	time.Sleep(2 * time.Second)
	close(stopSending)
	wg.Wait()
	if st := status("/readyz"); st != 200 {
		t.Errorf("/readyz after the outage: %d, want 200", st)
	}

	if len(lost) > 0 {
		t.Errorf("%d requests never succeeded within the %s retry budget: %v", len(lost), budget, lost)
	}
	var firstFail, lastFail, firstOKAfter time.Time
	counts := map[int]int{}
	for _, a := range attempts {
		if a.err != nil {
			t.Errorf("network error from the node: %v", a.err)
			continue
		}
		counts[a.status]++
		switch {
		case a.status/100 == 2:
			if a.at.After(restoredAt) && (firstOKAfter.IsZero() || a.at.Before(firstOKAfter)) {
				firstOKAfter = a.at
			}
		case a.status == http.StatusServiceUnavailable:
			if a.retryAfter == "" || a.contentType != "application/problem+json" {
				t.Errorf("a 503 without Retry-After or problem+json: %q %q", a.retryAfter, a.contentType)
			}
			fallthrough
		default:
			if firstFail.IsZero() || a.at.Before(firstFail) {
				firstFail = a.at
			}
			if a.at.After(lastFail) {
				lastFail = a.at
			}
		}
		if a.status != http.StatusServiceUnavailable && a.status/100 != 2 {
			t.Errorf("status %d during the outage, %s after the restore; want only 2xx and 503: %s", a.status, a.at.Sub(restoredAt), a.body)
		}
	}
	t.Logf("answers by status: %v; %d messages and %d incoming events acknowledged", counts, len(published), len(ingested))
	if counts[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no 503 at all: the cut did not reach the node")
	}
	if firstOKAfter.IsZero() {
		t.Fatalf("no success after the database came back")
	}
	t.Logf("database cut for %s; clients saw failures for %s (first %s after the cut, last %s after the restore); first success %s after the restore",
		cutFor, lastFail.Sub(firstFail).Round(time.Millisecond), firstFail.Sub(cutAt).Round(time.Millisecond),
		lastFail.Sub(restoredAt).Round(time.Millisecond), firstOKAfter.Sub(restoredAt).Round(time.Millisecond))

	// Nothing acknowledged is lost: every message is there and delivered,
	// every incoming event is stored.
	for _, id := range published {
		if _, err := e.client.Message(ctx, "acme", id); err != nil {
			t.Errorf("acknowledged message %s: %v", id, err)
		}
	}
	// And nothing is stored twice: a commit whose answer the cut lost is
	// resolved, not run again by the retry.
	direct, err := sql.Open("pgx", opts.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	var messages int
	if err := direct.QueryRowContext(ctx, "SELECT count(*) FROM messages").Scan(&messages); err != nil {
		t.Fatal(err)
	}
	if messages != len(published) {
		t.Errorf("%d messages stored, %d acknowledged: want as many", messages, len(published))
	}
	stored := map[string]bool{}
	cursor := ""
	for {
		resp, body := e.do(t, "GET", "/v1/sources/"+src.ID+"/events?limit=100&cursor="+url.QueryEscape(cursor), "")
		var page struct {
			Data []struct {
				EventID string `json:"event_id"`
			} `json:"data"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != 200 {
			t.Fatalf("events: %d %s", resp.StatusCode, body)
		}
		for _, evt := range page.Data {
			stored[evt.EventID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for _, id := range ingested {
		if !stored[id] {
			t.Errorf("acknowledged incoming event %s is not stored", id)
		}
	}
	waitFor(t, 30*time.Second, "every acknowledged message delivered", func() bool {
		ids := map[string]int{}
		for _, r := range rc.requests() {
			ids[r.Header.Get("Webhook-Id")]++
		}
		return len(ids) >= len(published)
	})
	deliveries := map[string]int{}
	for _, r := range rc.requests() {
		deliveries[r.Header.Get("Webhook-Id")]++
	}
	t.Logf("%d deliveries of %d messages (%d duplicates by webhook-id)", len(rc.requests()), len(deliveries), len(rc.requests())-len(deliveries))

	// The outage is two log lines: no flood of errors from workers and
	// queries while it lasts.
	var down, up int
	sc := bufio.NewScanner(strings.NewReader(n.Logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Level, Msg    string
			OutageSeconds float64 `json:"outage_seconds"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		switch {
		case strings.HasPrefix(line.Msg, "the database is unavailable"):
			down++
		case line.Msg == "the database is available again":
			up++
			t.Logf("logged outage: %.3fs", line.OutageSeconds)
		case line.Level == "WARN" || line.Level == "ERROR":
			t.Errorf("logged beside the outage's two lines: %s", sc.Bytes())
		}
	}
	if down != 1 || up != 1 {
		t.Errorf("logged %d outage starts and %d ends, want 1 and 1", down, up)
	}
}

// TestSQLiteWriteFailure: on SQLite the database cannot go away, but a write
// can fail for a while; here another process holds the write lock beyond
// the busy timeout, as a backup tool or a sqlite3 shell left in a
// transaction does. Publishing and incoming webhooks answer 503 with
// Retry-After (not 500), and the same requests succeed, with the same
// Idempotency-Key, once the lock is gone.
func TestSQLiteWriteFailure(t *testing.T) {
	t.Parallel()
	e := setupWebhooks(t, storetest.Dialect{Name: "sqlite", Options: storetest.SQLiteOptions})
	const secret = "whsec_test_locked_4eC39HqLyjWDarjtT1zdp7dc"
	src := e.createSource(t, `{"name":"Stripe","verifier":{"scheme":"stripe","secrets":["`+secret+`"]}}`)

	other, err := sql.Open("sqlite", "file:"+filepath.Join(e.opts.DataDir, "patchbay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	event := []byte(`{"id":"evt_locked","object":"event","type":"invoice.paid"}`)
	ingest := func() (int, http.Header, string) {
		signed := stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: time.Now()})
		return post(t, src.IngestURL, event, "Stripe-Signature", signed.Header)
	}
	publish := func() (*http.Response, []byte) {
		return e.do(t, "POST", "/v1/tenants/acme/messages", `{"event_type":"invoice.paid","payload":{}}`, "Idempotency-Key", "locked-1")
	}
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		defer func() { t.Logf("ingest answered after %s", time.Since(start)) }()
		st, h, body := ingest()
		if st != 503 || h.Get("Retry-After") == "" || h.Get("Content-Type") != "application/problem+json" {
			t.Errorf("incoming webhook while the database is locked: %d Retry-After %q %s; want a 503 problem with Retry-After", st, h.Get("Retry-After"), body)
		}
	})
	wg.Go(func() {
		defer func() { t.Logf("publish answered after %s", time.Since(start)) }()
		resp, body := publish()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("publish while the database is locked: %d Retry-After %q %s; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		} else {
			problem(t, resp, body)
		}
	})
	wg.Wait()
	if _, err := lock.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	lock.Close()

	if st, _, body := ingest(); st != 200 {
		t.Errorf("incoming webhook retried after the lock: %d %s", st, body)
	}
	if resp, body := publish(); resp.StatusCode != 202 || resp.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("publish retried with the same key after the lock: %d %v %s; want 202, run afresh", resp.StatusCode, resp.Header, body)
	}
	if resp, body := publish(); resp.StatusCode != 202 || resp.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("publish retried once more: %d %s; want the recorded 202 replayed", resp.StatusCode, body)
	}
}
