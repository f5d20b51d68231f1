package destinations

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/safehttp"
)

// Consume is where an inbound source reads events from a broker, beside (or
// instead of) its HTTP ingest URL.
type Consume struct {
	Type      string   `json:"type" enum:"nats,rabbitmq,kafka,redis" doc:"The broker consumed from."`
	URL       string   `json:"url" doc:"The broker's address (nats://, amqp(s)://, kafka://, redis(s)://), without credentials."`
	Subject   string   `json:"subject,omitempty" doc:"NATS: the subject (wildcards allowed) of a JetStream stream to consume."`
	Stream    string   `json:"stream,omitempty" doc:"NATS: the stream holding the subject; found from the subject when empty."`
	Queue     string   `json:"queue,omitempty" doc:"RabbitMQ: the queue consumed from (it must exist)."`
	Topic     string   `json:"topic,omitempty" doc:"Kafka: the topic consumed from."`
	Brokers   []string `json:"brokers,omitempty" doc:"Kafka: further seed brokers as host:port."`
	SASL      string   `json:"sasl,omitempty" enum:"plain,scram-sha-256,scram-sha-512" doc:"Kafka: the SASL mechanism; empty means none."`
	TLS       bool     `json:"tls,omitempty" doc:"Kafka: connect with TLS."`
	StreamKey string   `json:"stream_key,omitempty" doc:"Redis: the stream consumed from."`
	Group     string   `json:"group,omitempty" doc:"The consumer group (Kafka, Redis) or durable consumer (NATS); default patchbay-<source id>."`
	// MessageID says where an event's identity (deduplication key) is:
	// header:<name>, or a JSON pointer into the body such as /id. Empty
	// means the broker's message ID (Nats-Msg-Id, AMQP message_id, a
	// webhook-id header or field).
	MessageID string `json:"message_id,omitempty" doc:"Where the deduplication key is: header:<name>, or a JSON pointer into the body such as /id; empty means the broker's message ID."`
}

// Received is one message read from a broker.
type Received struct {
	// ID is the broker's message ID, "" when it has none.
	ID      string
	Headers map[string]string
	Body    []byte
}

// Handler stores a received message; the message is acknowledged to the
// broker only when it returns nil.
type Handler func(ctx context.Context, m Received) error

// ConsumeProblems checks a source's consume settings by field name.
func ConsumeProblems(c Consume, creds Credentials, guard safehttp.Options) map[string]string {
	p := map[string]string{}
	typ := map[string]string{TypeNATS: TypeNATS, TypeRabbitMQ: TypeRabbitMQ, TypeKafka: TypeKafka, TypeRedis: TypeRedis}[c.Type]
	if typ == "" {
		p["consume/type"] = "must be nats, rabbitmq, kafka or redis"
		return p
	}
	if err := checkURL(typ, c.URL, guard); err != nil {
		p["consume/url"] = err.Error()
	}
	need := func(field, v string) {
		switch {
		case v == "":
			p["consume/"+field] = "is required to consume from " + typ
		case len(v) > 255 || strings.ContainsAny(v, " \t\r\n\x00"):
			p["consume/"+field] = "must be at most 255 bytes without spaces"
		}
	}
	switch typ {
	case TypeNATS:
		need("subject", c.Subject)
	case TypeRabbitMQ:
		need("queue", c.Queue)
	case TypeKafka:
		need("topic", c.Topic)
		for _, b := range c.Brokers {
			if err := checkURL(TypeKafka, "kafka://"+b, guard); err != nil {
				p["consume/brokers"] = b + " " + err.Error()
			}
		}
		if c.SASL != "" && c.SASL != "plain" && c.SASL != "scram-sha-256" && c.SASL != "scram-sha-512" {
			p["consume/sasl"] = "must be plain, scram-sha-256 or scram-sha-512"
		}
	case TypeRedis:
		need("stream_key", c.StreamKey)
	}
	if len(c.Group) > 200 || strings.ContainsAny(c.Group, " \t\r\n.*>") {
		p["consume/group"] = "must be at most 200 bytes without spaces, dots or wildcards"
	}
	if m := c.MessageID; m != "" && !strings.HasPrefix(m, "header:") && !(strings.HasPrefix(m, "/") && jsonptr.Valid(m)) {
		p["consume/message_id"] = "must be header:<name> or a JSON pointer such as /id"
	}
	if creds.Token != "" && typ != TypeNATS || creds.Creds != "" && typ != TypeNATS {
		p["consume_credentials"] = "token and creds apply only to NATS"
	}
	if c.Creds(creds) != nil {
		p["consume_credentials/creds"] = c.Creds(creds).Error()
	}
	return p
}

// Creds checks a NATS creds file's content, if any.
func (c Consume) Creds(creds Credentials) error {
	if creds.Creds == "" {
		return nil
	}
	_, _, err := parseCreds(creds.Creds)
	return err
}

// Run consumes c until ctx ends or the connection fails, calling handle
// for each message and acknowledging it once handle returns nil. A message
// whose handle fails is left unacknowledged, so the broker delivers it again.
// group defaults the consumer group's name.
func Run(ctx context.Context, c Consume, creds Credentials, group string, guard safehttp.Options, handle Handler) error {
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if c.Group != "" {
		group = c.Group
	}
	d := dialer{guard.Dialer(), guard.TLSConfig()}
	t := Target{Type: c.Type, URL: c.URL, Credentials: creds, Settings: Settings{Brokers: c.Brokers, SASL: c.SASL, TLS: c.TLS}}
	switch c.Type {
	case TypeNATS:
		return consumeNATS(ctx, u, c, t, d, group, handle)
	case TypeRabbitMQ:
		return consumeRabbitMQ(ctx, u, c, t, d, group, handle)
	case TypeKafka:
		return consumeKafka(ctx, u, c, t, d, group, handle)
	case TypeRedis:
		return consumeRedis(ctx, u, c, t, d, group, handle)
	}
	return errors.New("unknown consume type " + c.Type)
}
