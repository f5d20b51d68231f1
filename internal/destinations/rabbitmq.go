package destinations

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// rabbitPublisher publishes on one confirm-mode channel per endpoint. A
// message counts as published on the broker's confirm (basic.ack); one the
// exchange could not route anywhere (returned, as it is sent mandatory) or
// the broker nacked is an error.
type rabbitPublisher struct {
	conn    *amqp.Connection
	ch      *amqp.Channel
	target  Target
	mu      sync.Mutex
	returns chan amqp.Return
	// returned are the IDs of messages the broker returned as unroutable.
	returned map[string]string
}

func openRabbitMQ(ctx context.Context, u *url.URL, t Target, d dialer) (Publisher, error) {
	conn, err := dialRabbitMQ(ctx, u, t, d)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	p := &rabbitPublisher{conn: conn, ch: ch, target: t, returns: make(chan amqp.Return, 4096), returned: map[string]string{}}
	ch.NotifyReturn(p.returns)
	return p, nil
}

// dialRabbitMQ connects through the guard with t's credentials.
func dialRabbitMQ(ctx context.Context, u *url.URL, t Target, d dialer) (*amqp.Connection, error) {
	cfg := amqp.Config{
		Heartbeat: 10 * time.Second,
		Locale:    "en_US",
		Dial: func(network, addr string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, d.net.Timeout)
			defer cancel()
			return d.dial(ctx, network, addr, false) // amqp091 does the TLS handshake for amqps
		},
		Properties: amqp.Table{"connection_name": "patchbay"},
	}
	if u.Scheme == "amqps" {
		cfg.TLSClientConfig = d.tls.Clone()
	}
	if c := t.Credentials; c.Username != "" {
		cfg.SASL = []amqp.Authentication{&amqp.PlainAuth{Username: c.Username, Password: c.Password}}
	}
	addr := *u
	addr.Host = hostPort(u)
	return amqp.DialConfig(addr.String(), cfg)
}

func (p *rabbitPublisher) Publish(ctx context.Context, m Message) (string, error) {
	headers := amqp.Table{}
	for k, v := range m.Headers {
		headers[k] = v
	}
	headers[HeaderEventType] = m.EventType
	mode := amqp.Persistent
	if p.target.Settings.Transient {
		mode = amqp.Transient
	}
	key := Expand(p.target.Settings.RoutingKey, m)
	dc, err := p.ch.PublishWithDeferredConfirmWithContext(ctx, p.target.Settings.Exchange, key, true, false, amqp.Publishing{
		Headers: headers, ContentType: "application/json", DeliveryMode: mode, MessageId: m.ID,
		Timestamp: m.Timestamp, Type: m.EventType, AppId: "patchbay", Body: m.Body,
	})
	if err != nil {
		return "", err
	}
	acked, err := dc.WaitContext(ctx)
	if err != nil {
		return "", err
	}
	if !acked {
		return "", fmt.Errorf("the broker refused the message (basic.nack)")
	}
	// A return comes before the ack on the channel, so by now it is in
	// p.returns if there is one for this message.
	p.mu.Lock()
	defer p.mu.Unlock()
	for drained := false; !drained; {
		select {
		case r := <-p.returns:
			p.returned[r.MessageId] = fmt.Sprintf("%d %s", r.ReplyCode, r.ReplyText)
		default:
			drained = true
		}
	}
	if why, ok := p.returned[m.ID]; ok {
		delete(p.returned, m.ID)
		return "", fmt.Errorf("exchange %q could not route the message with key %q: %s", p.target.Settings.Exchange, key, why)
	}
	return fmt.Sprintf("RabbitMQ publisher confirm: delivery tag %d", dc.DeliveryTag), nil
}

func (p *rabbitPublisher) Broken() bool { return p.conn.IsClosed() || p.ch.IsClosed() }

func (p *rabbitPublisher) Close() { p.conn.Close() }
