package safehttp

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestReadBody(t *testing.T) {
	t.Parallel()

	type result struct {
		Body      string
		Truncated bool
		Rest      int // bytes left unread in the reader
	}
	for _, tt := range []struct {
		name  string
		body  string
		limit int64
		want  result
	}{
		{"empty", "", 10, result{"", false, 0}},
		{"short", "hello", 10, result{"hello", false, 0}},
		{"exactly the limit", "0123456789", 10, result{"0123456789", false, 0}},
		{"one over", "0123456789A", 10, result{"0123456789", true, 0}},
		{"zero limit", "hello", 0, result{"", true, 0}},
		{"negative limit", "hello", -5, result{"", true, 0}},
		{"zero limit, empty", "", 0, result{"", false, 0}},
		{"huge limit", "hello", 1 << 62, result{"hello", false, 0}},
		{"drained", strings.Repeat("x", 10+drainLimit), 10, result{"xxxxxxxxxx", true, 0}},
		{"drain is bounded", strings.Repeat("x", 10+drainLimit+1+100), 10, result{"xxxxxxxxxx", true, 100}},
	} {
		r := strings.NewReader(tt.body)
		body, truncated, err := ReadBody(r, tt.limit)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := result{string(body), truncated, r.Len()}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestReadBodyError(t *testing.T) {
	t.Parallel()

	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))
	body, truncated, err := ReadBody(r, RecordLimit)
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want %v", err, boom)
	}
	if string(body) != "partial" || truncated {
		t.Errorf("body %q, truncated %t; want what was read before the error", body, truncated)
	}

	// An error after the limit only stops the drain.
	r = io.MultiReader(strings.NewReader("0123456789A"), iotest.ErrReader(boom))
	body, truncated, err = ReadBody(r, 10)
	if err != nil || string(body) != "0123456789" || !truncated {
		t.Errorf("ReadBody = %q, %t, %v; want the first 10 bytes, truncated, no error", body, truncated, err)
	}
}

// TestReadBodyReusesConnection shows why ReadBody drains: a response somewhat
// longer than what is recorded still leaves its connection reusable.
func TestReadBodyReusesConnection(t *testing.T) {
	t.Parallel()

	long := bytes.Repeat([]byte("x"), RecordLimit+1000)
	rcv := newReceiver(t, func(w http.ResponseWriter, r *http.Request) { w.Write(long) })
	c := Options{AllowLoopback: true}.Client()

	var reused []bool
	for range 2 {
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) }}
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), http.MethodGet, rcv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, truncated, err := ReadBody(resp.Body, RecordLimit)
		resp.Body.Close()
		if err != nil || len(body) != RecordLimit || !truncated {
			t.Fatalf("ReadBody = %d bytes, %t, %v; want %d, true, nil", len(body), truncated, err, RecordLimit)
		}
	}
	if diff := cmp.Diff([]bool{false, true}, reused); diff != "" {
		t.Errorf("connection reused (-want +got):\n%s", diff)
	}
}
