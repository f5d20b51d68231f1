package destinations

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/patchbay/patchbay/internal/safehttp"
)

// Reconnection backoff: after a failed connect, publishes fail at once with
// the connect error until the wait is over, so a batch to a broker that is
// down costs one dial, not one per delivery.
const (
	reconnectMin = 500 * time.Millisecond
	reconnectMax = 30 * time.Second
	// idleClose is how long a connection may go unused before it is closed:
	// the endpoint was deleted, disabled, or moved to another node.
	idleClose = 10 * time.Minute
)

// Pool keeps one Publisher per endpoint on this node, opened on first use and
// reopened when the endpoint's settings change or its connection breaks.
type Pool struct {
	guard    safehttp.Options
	mu       sync.Mutex
	conns    map[string]*pooled
	lastReap time.Time
}

type pooled struct {
	mu        sync.Mutex // held while connecting
	version   string
	pub       Publisher
	lastErr   error
	retryAt   time.Time
	backoff   time.Duration
	connected time.Time
	used      time.Time // under Pool.mu
}

// NewPool returns an empty pool whose connections go through guard.
func NewPool(guard safehttp.Options) *Pool {
	return &Pool{guard: guard, conns: map[string]*pooled{}}
}

// Publish publishes m to the endpoint key (an endpoint ID), whose settings
// are t as of version (its updated_at, say): a new version closes the old
// connection.
func (p *Pool) Publish(ctx context.Context, key, version string, t Target, m Message) (string, error) {
	pub, err := p.get(ctx, key, version, t)
	if err != nil {
		return "", err
	}
	ack, err := pub.Publish(ctx, m)
	if err != nil && pub.Broken() {
		p.drop(key, pub)
	}
	return ack, err
}

func (p *Pool) get(ctx context.Context, key, version string, t Target) (Publisher, error) {
	now := time.Now()
	p.mu.Lock()
	c := p.conns[key]
	if c == nil {
		c = &pooled{}
		p.conns[key] = c
	}
	c.used = now
	var idle []*pooled
	if now.Sub(p.lastReap) > idleClose/10 {
		p.lastReap = now
		for k, x := range p.conns {
			if now.Sub(x.used) > idleClose {
				idle = append(idle, x)
				delete(p.conns, k)
			}
		}
	}
	p.mu.Unlock()
	for _, x := range idle {
		x.mu.Lock()
		if x.pub != nil {
			x.pub.Close()
			x.pub = nil
		}
		x.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pub != nil && (c.version != version || c.pub.Broken()) {
		c.pub.Close()
		c.pub = nil
	}
	if c.pub != nil {
		return c.pub, nil
	}
	if c.version == version && c.lastErr != nil && time.Now().Before(c.retryAt) {
		return nil, fmt.Errorf("connecting: %w (next try in %s)", c.lastErr, time.Until(c.retryAt).Round(time.Millisecond))
	}
	c.version = version
	pub, err := Open(ctx, t, p.guard)
	if err != nil {
		c.backoff = min(max(2*c.backoff, reconnectMin), reconnectMax)
		c.lastErr, c.retryAt = err, time.Now().Add(c.backoff)
		return nil, fmt.Errorf("connecting: %w", err)
	}
	c.pub, c.lastErr, c.backoff, c.connected = pub, nil, 0, time.Now()
	return pub, nil
}

func (p *Pool) drop(key string, pub Publisher) {
	p.mu.Lock()
	c := p.conns[key]
	p.mu.Unlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pub == pub {
		c.pub.Close()
		c.pub = nil
	}
}

// Forget closes an endpoint's connection, if it has one.
func (p *Pool) Forget(key string) {
	p.mu.Lock()
	c := p.conns[key]
	delete(p.conns, key)
	p.mu.Unlock()
	if c != nil {
		c.mu.Lock()
		if c.pub != nil {
			c.pub.Close()
		}
		c.mu.Unlock()
	}
}

// Close closes every connection.
func (p *Pool) Close() {
	p.mu.Lock()
	keys := make([]string, 0, len(p.conns))
	for k := range p.conns {
		keys = append(keys, k)
	}
	p.mu.Unlock()
	for _, k := range keys {
		p.Forget(k)
	}
}
