package destinations

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/patchbay/patchbay/internal/id"
)

// TestPoolReconnectBackoffAndNewVersion: a failed connect makes the next
// publishes fail at once (no dial) until the backoff is over; a new version
// of an endpoint's settings gets a new connection; the SSRF guard refuses a
// broker on a forbidden address at dial time.
func TestPoolReconnectBackoffAndNewVersion(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now
	pool := NewPool(loopback)
	defer pool.Close()
	key := "pbtest:pool:" + id.New("s")
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	defer rdb.Del(t.Context(), key)
	m := Message{ID: "msg_1", EventType: "a.b", Body: []byte(`{}`)}
	down := Target{Type: TypeRedis, URL: "redis://" + dead, Settings: Settings{StreamKey: key}}
	if _, err := pool.Publish(t.Context(), "ep_1", "v1", down, m); err == nil {
		t.Fatal("publishing to a closed port succeeded")
	}
	start := time.Now()
	_, err = pool.Publish(t.Context(), "ep_1", "v1", down, m)
	if err == nil || !strings.Contains(err.Error(), "next try in") || time.Since(start) > 50*time.Millisecond {
		t.Fatalf("second publish during the backoff: %v after %s; want an immediate error naming the next try", err, time.Since(start))
	}
	// The endpoint is moved to a live server: its new version connects at once.
	up := Target{Type: TypeRedis, URL: "redis://127.0.0.1:6379", Settings: Settings{StreamKey: key}}
	ack, err := pool.Publish(t.Context(), "ep_1", "v2", up, m)
	if err != nil || !strings.Contains(ack, "XADD") {
		t.Fatalf("after the change: %q, %v", ack, err)
	}
	if n, err := rdb.XLen(t.Context(), key).Result(); err != nil || n != 1 {
		t.Fatalf("stream has %d entries (%v)", n, err)
	}
	// Without the allow-list, loopback is refused when dialling.
	strict := NewPool(loopback0())
	defer strict.Close()
	if _, err := strict.Publish(t.Context(), "ep_2", "v1", up, m); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("publish to loopback without an allow-list: %v", err)
	}
}
