package destinations

import (
	"context"
	"net"
	"net/url"
	"sort"

	"github.com/redis/go-redis/v9"
)

// redisPublisher appends to a stream with XADD; its reply (the entry ID) is
// the acknowledgement. go-redis keeps a pool of connections per endpoint, so
// concurrent publishes go out in parallel, and it redials lost ones.
type redisPublisher struct {
	rdb    *redis.Client
	target Target
}

func init() {
	// go-redis prints connection errors with the standard logger; they are
	// reported in the attempt log and the node's own log instead.
	redis.SetLogger(quietLogger{})
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// PayloadField is the stream entry field that holds the message body; the
// other fields are the message's headers.
const PayloadField = "payload"

func openRedis(ctx context.Context, u *url.URL, t Target, d dialer) (Publisher, error) {
	rdb, err := redisClient(ctx, u, t, d)
	if err != nil {
		return nil, err
	}
	return &redisPublisher{rdb: rdb, target: t}, nil
}

// redisClient connects through the guard with t's credentials.
func redisClient(ctx context.Context, u *url.URL, t Target, d dialer) (*redis.Client, error) {
	addr := *u
	addr.Host = hostPort(u)
	opt, err := redis.ParseURL(addr.String())
	if err != nil {
		return nil, err
	}
	useTLS := u.Scheme == "rediss"
	opt.TLSConfig = nil // dial does it, over the guarded connection
	opt.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.dial(ctx, network, addr, useTLS)
	}
	opt.Username, opt.Password = t.Credentials.Username, t.Credentials.Password
	opt.ClientName = "patchbay"
	opt.DialerRetries = 1 // the pool and the retry schedule retry; a dial error is reported at once
	opt.DisableIdentity = true
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, err
	}
	return rdb, nil
}

func (p *redisPublisher) Publish(ctx context.Context, m Message) (string, error) {
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	values := make([]any, 0, 2*len(keys)+4)
	for _, k := range keys {
		values = append(values, k, m.Headers[k])
	}
	values = append(values, HeaderEventType, m.EventType, PayloadField, m.Body)
	args := &redis.XAddArgs{Stream: Expand(p.target.Settings.StreamKey, m), ID: "*", Values: values}
	if p.target.Settings.MaxLen > 0 {
		args.MaxLen, args.Approx = p.target.Settings.MaxLen, true
	}
	entry, err := p.rdb.XAdd(ctx, args).Result()
	if err != nil {
		return "", err
	}
	return "Redis XADD: entry " + entry + " in " + args.Stream, nil
}

func (p *redisPublisher) Broken() bool { return false }

func (p *redisPublisher) Close() { p.rdb.Close() }
