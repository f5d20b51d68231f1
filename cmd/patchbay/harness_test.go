package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// syncBuffer is an io.Writer the server logs to while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// storeArgs are the flags that point a command at a store.
func storeArgs(opts store.Options) []string {
	if opts.DatabaseURL != "" {
		return []string{"--database-url", opts.DatabaseURL}
	}
	return []string{"--data", opts.DataDir}
}

// testEncryptionKey is the key every test node shares on PostgreSQL, as nodes
// of one installation must.
const testEncryptionKey = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktMDAwMDA="

// serveArgs are the flags that point `serve` at a store.
func serveArgs(opts store.Options) []string {
	if opts.DatabaseURL != "" {
		return append(storeArgs(opts), "--encryption-key", testEncryptionKey)
	}
	return storeArgs(opts)
}

// node is a `patchbay serve` running in the test process through run, the
// same code path as the binary.
type node struct {
	URL    string
	Stdout *syncBuffer
	Logs   *syncBuffer
	stop   context.CancelFunc
	done   chan error
}

// startNode runs `patchbay serve` on a free loopback port against opts and
// waits until it listens. It is stopped (as by SIGTERM) when the test ends.
func startNode(t testing.TB, opts store.Options, extra ...string) *node {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n := &node{Stdout: &syncBuffer{}, Logs: &syncBuffer{}, stop: cancel, done: make(chan error, 1)}
	args := append([]string{"patchbay", "serve", "--addr", "127.0.0.1:0"}, serveArgs(opts)...)
	args = append(args, extra...)
	go func() { n.done <- run(ctx, args, noEnv, strings.NewReader(""), n.Stdout, n.Logs) }()
	t.Cleanup(func() { n.Stop(t) })

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if addr := listeningAddr(n.Logs.String()); addr != "" {
			n.URL = "http://" + addr
			return n
		}
		select {
		case err := <-n.done:
			t.Fatalf("serve exited early: %v\nlogs:\n%s", err, n.Logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not listen within 30s; logs:\n%s", n.Logs)
	return nil
}

// Stop shuts the node down as SIGTERM would and waits for it.
func (n *node) Stop(t testing.TB) {
	t.Helper()
	if n.stop == nil {
		return
	}
	n.stop()
	n.stop = nil
	select {
	case err := <-n.done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Errorf("serve did not stop within 60s")
	}
}

func noEnv(string) string { return "" }

// listeningAddr finds the address in the server's "listening" log line.
func listeningAddr(logs string) string {
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
			return line.Addr
		}
	}
	return ""
}

// createKey runs `patchbay keys create` and returns the key from the last line
// of its output, as the README tells people to do.
func createKey(t testing.TB, opts store.Options, extra ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	// --create: most tests give their fresh store its first key before any node has started.
	args := append([]string{"patchbay", "keys", "create", "--create", "--name", "test"}, storeArgs(opts)...)
	args = append(args, extra...)
	if err := run(t.Context(), args, noEnv, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("keys create: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "pbk_") {
		t.Fatalf("last line of keys create is %q, want a pbk_ key", key)
	}
	return key
}

// env is one running node with a key and an SDK client, on one dialect.
type env struct {
	opts   store.Options
	node   *node
	key    string
	client *client.Client
}

func setup(t testing.TB, d storetest.Dialect, extra ...string) *env {
	t.Helper()
	opts := d.Options(t)
	key := createKey(t, opts)
	n := startNode(t, opts, extra...)
	return &env{opts: opts, node: n, key: key, client: client.New(n.URL, key)}
}

// do sends a raw request with the env's key and returns the response and its
// body.
func (e *env) do(t *testing.T, method, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.node.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.key)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// problem decodes a problem+json body, failing the test when it is not one.
func problem(t *testing.T, resp *http.Response, body []byte) client.Error {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, body)
	}
	var p client.Error
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("decode problem %s: %v", body, err)
	}
	if p.Status != resp.StatusCode || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Errorf("problem %s lacks status, type, title or detail (HTTP status %d)", body, resp.StatusCode)
	}
	return p
}

func apiError(t *testing.T, err error) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *client.Error", err)
	}
	return e
}

// scanForPlaintext reads every column of every table and fails if any value
// holds one of the secrets. It returns how many rows each table had, so a
// caller can check that what it meant to look at was there.
func scanForPlaintext(t *testing.T, opts store.Options, secrets []string) map[string]int {
	t.Helper()
	db := openRaw(t, opts)
	tablesQuery := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if opts.DatabaseURL != "" {
		tablesQuery = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
	}
	rows, err := db.QueryContext(t.Context(), tablesQuery)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found only tables %v", tables)
	}
	seen := map[string]int{}
	for _, table := range tables {
		seen[table] = eachValue(t, db, table, func(column, text string) {
			for _, secret := range secrets {
				if secret != "" && strings.Contains(text, secret) {
					t.Errorf("%s.%s holds a secret in plaintext", table, column)
				}
			}
		})
	}
	if len(seen) == 0 {
		t.Fatal("scanned no rows at all")
	}
	return seen
}

// eachValue calls f with every value of every row of table, as text, and
// returns how many rows it read.
func eachValue(t *testing.T, db *sql.DB, table string, f func(column, text string)) int {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT * FROM "`+table+`"`)
	if err != nil {
		t.Fatalf("scan %s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			text := fmt.Sprint(v)
			if b, ok := v.([]byte); ok {
				text = string(b)
			}
			f(cols[i], text)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("scan %s: %v", table, err)
	}
	return n
}
