package destinations

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// natsPublisher publishes to JetStream over one connection per endpoint. The
// message ID goes in Nats-Msg-Id, so the stream drops a redelivery of a
// message it already has (within its duplicate window).
type natsPublisher struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	target Target
}

// natsDialer adapts the guarded dialer to nats.CustomDialer.
type natsDialer struct{ d dialer }

func (n natsDialer) Dial(network, address string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), n.d.net.Timeout)
	defer cancel()
	return n.d.dial(ctx, network, address, false) // nats.go does the TLS upgrade itself
}

func parseCreds(creds string) (jwt string, seed []byte, err error) {
	jwt, err = nkeys.ParseDecoratedJWT([]byte(creds))
	if err != nil {
		return "", nil, errors.New("is not a NATS creds file: no user JWT")
	}
	kp, err := nkeys.ParseDecoratedUserNKey([]byte(creds))
	if err != nil {
		return "", nil, errors.New("is not a NATS creds file: no user NKey seed")
	}
	seed, err = kp.Seed()
	if err != nil {
		return "", nil, errors.New("is not a NATS creds file: no user NKey seed")
	}
	return jwt, seed, nil
}

func openNATS(ctx context.Context, u *url.URL, t Target, d dialer) (Publisher, error) {
	nc, err := connectNATS(u, t, d)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if t.Settings.Stream != "" {
		if _, err := js.Stream(ctx, t.Settings.Stream); err != nil {
			nc.Close()
			return nil, fmt.Errorf("stream %s: %w", t.Settings.Stream, err)
		}
	}
	return &natsPublisher{nc: nc, js: js, target: t}, nil
}

// connectNATS connects through the guard with t's credentials.
func connectNATS(u *url.URL, t Target, d dialer) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name("patchbay"),
		nats.SetCustomDialer(natsDialer{d}),
		nats.Timeout(d.net.Timeout),
		// nats.go reconnects by itself, with jittered waits; while it is
		// disconnected a publish fails at once rather than waiting in a
		// buffer, and is retried on the delivery's schedule.
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		nats.ReconnectBufSize(-1),
		nats.NoCallbacksAfterClientClose(),
	}
	if u.Scheme == "tls" {
		opts = append(opts, nats.Secure(d.tls.Clone()))
	}
	c := t.Credentials
	switch {
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	case c.Creds != "":
		jwt, seed, err := parseCreds(c.Creds)
		if err != nil {
			return nil, fmt.Errorf("creds %w", err)
		}
		opts = append(opts, nats.UserJWTAndSeed(jwt, string(seed)))
	case c.Username != "":
		opts = append(opts, nats.UserInfo(c.Username, c.Password))
	}
	return nats.Connect("nats://"+hostPort(u), opts...)
}

func (p *natsPublisher) Publish(ctx context.Context, m Message) (string, error) {
	msg := nats.NewMsg(Expand(p.target.Settings.Subject, m))
	msg.Data = m.Body
	for k, v := range m.Headers {
		msg.Header.Set(k, v)
	}
	msg.Header.Set(HeaderEventType, m.EventType)
	opts := []jetstream.PublishOpt{jetstream.WithMsgID(m.ID)}
	if p.target.Settings.Stream != "" {
		opts = append(opts, jetstream.WithExpectStream(p.target.Settings.Stream))
	}
	ack, err := p.js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		return "", err
	}
	if ack.Duplicate {
		return fmt.Sprintf("JetStream ack: stream %s already had the message (duplicate, seq %d)", ack.Stream, ack.Sequence), nil
	}
	return fmt.Sprintf("JetStream ack: stream %s seq %d", ack.Stream, ack.Sequence), nil
}

func (p *natsPublisher) Broken() bool { return p.nc.IsClosed() }

func (p *natsPublisher) Close() { p.nc.Close() }
