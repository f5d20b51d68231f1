package destinations

import (
	"context"
	"errors"
	"net"
	"net/url"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/patchbay/patchbay/internal/id"
)

// mqttPublisher publishes at QoS 1 over one MQTT 3.1.1 session per endpoint;
// a publish is done on the broker's PUBACK. MQTT 3.1.1 has no message
// properties, so the message ID, event type and signature reach a subscriber
// only through the topic template ({message_id}, {event_type}).
type mqttPublisher struct {
	c      mqtt.Client
	target Target
}

func openMQTT(ctx context.Context, u *url.URL, t Target, d dialer) (Publisher, error) {
	useTLS := u.Scheme == "mqtts" || u.Scheme == "ssl"
	opts := mqtt.NewClientOptions().
		AddBroker("tcp://" + hostPort(u)).
		SetClientID(id.New("patchbay")).
		SetCleanSession(true).
		SetProtocolVersion(4).
		SetAutoReconnect(false). // the pool reconnects, with backoff
		SetConnectTimeout(d.net.Timeout).
		SetKeepAlive(30 * time.Second).
		SetCustomOpenConnectionFn(func(uri *url.URL, _ mqtt.ClientOptions) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, d.net.Timeout)
			defer cancel()
			return d.dial(ctx, "tcp", uri.Host, useTLS)
		})
	if c := t.Credentials; c.Username != "" {
		opts.SetUsername(c.Username).SetPassword(c.Password)
	}
	c := mqtt.NewClient(opts)
	if err := wait(ctx, c.Connect()); err != nil {
		return nil, err
	}
	return &mqttPublisher{c: c, target: t}, nil
}

func wait(ctx context.Context, tok mqtt.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return errors.New("no acknowledgement: " + ctx.Err().Error())
	}
}

func (p *mqttPublisher) Publish(ctx context.Context, m Message) (string, error) {
	topic := Expand(p.target.Settings.Topic, m)
	if err := wait(ctx, p.c.Publish(topic, 1, false, m.Body)); err != nil {
		return "", err
	}
	return "MQTT PUBACK on " + topic, nil
}

func (p *mqttPublisher) Broken() bool { return !p.c.IsConnectionOpen() }

func (p *mqttPublisher) Close() { p.c.Disconnect(100) }
