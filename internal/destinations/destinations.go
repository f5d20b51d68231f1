// Package destinations publishes webhook messages to message brokers: NATS
// JetStream, RabbitMQ, Kafka, Redis streams and MQTT. The webhooks dispatcher
// sends an endpoint's deliveries through a Publisher from here when the
// endpoint's type is not http; each broker is in its own file.
//
// A publish returns only once the broker has acknowledged the message
// (JetStream publish ack, RabbitMQ publisher confirm, Kafka acks from all
// in-sync replicas, the XADD reply, MQTT PUBACK), so a delivery counts as done
// only then. Every connection is made through the SSRF guard's dialer, so a
// broker's address passes the same policy and allow-list as an HTTP URL.
package destinations

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/safehttp"
)

// Endpoint types.
const (
	TypeHTTP     = "http"
	TypeNATS     = "nats"
	TypeRabbitMQ = "rabbitmq"
	TypeKafka    = "kafka"
	TypeRedis    = "redis"
	TypeMQTT     = "mqtt"
)

// Types lists the endpoint types, http first.
var Types = []string{TypeHTTP, TypeNATS, TypeRabbitMQ, TypeKafka, TypeRedis, TypeMQTT}

// Header names every broker message carries where the broker has headers
// (NATS, RabbitMQ, Kafka) or fields (Redis): the Standard Webhooks three, and
// the event type.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
	HeaderEventType = "webhook-event-type"
)

// Settings are a broker endpoint's connection settings other than its
// address (the endpoint's url) and credentials. Templates may use
// {event_type}, {message_id} and {tenant_id}.
type Settings struct {
	Subject    string   `json:"subject,omitempty" doc:"NATS: the subject each message is published to (a template)."`
	Stream     string   `json:"stream,omitempty" doc:"NATS: the JetStream stream that must store the messages; checked when connecting and on every ack."`
	Exchange   string   `json:"exchange,omitempty" doc:"RabbitMQ: the exchange published to; empty means the default exchange."`
	RoutingKey string   `json:"routing_key,omitempty" doc:"RabbitMQ: the routing key (a template)."`
	Transient  bool     `json:"transient,omitempty" doc:"RabbitMQ: publish non-persistent messages; by default they are persistent."`
	Topic      string   `json:"topic,omitempty" doc:"Kafka: the topic; MQTT: the topic (a template)."`
	Key        string   `json:"key,omitempty" doc:"Kafka: the record key (a template); records with one key keep their order."`
	Brokers    []string `json:"brokers,omitempty" doc:"Kafka: further seed brokers as host:port, beside the url's."`
	SASL       string   `json:"sasl,omitempty" enum:"plain,scram-sha-256,scram-sha-512" doc:"Kafka: the SASL mechanism for the username and password; empty means none."`
	TLS        bool     `json:"tls,omitempty" doc:"Kafka: connect with TLS."`
	StreamKey  string   `json:"stream_key,omitempty" doc:"Redis: the stream key (a template)."`
	MaxLen     int64    `json:"max_len,omitempty" doc:"Redis: trim the stream to about this many entries (XADD MAXLEN ~); 0 means no trimming."`
}

// Credentials authenticate to a broker. They are sealed in the vault and
// never returned by the API.
type Credentials struct {
	Token    string `json:"token,omitempty" doc:"NATS: an authentication token."`
	Username string `json:"username,omitempty" doc:"The user name (NATS, RabbitMQ, Kafka SASL, Redis ACL, MQTT)."`
	Password string `json:"password,omitempty" doc:"The password for the user name."`
	Creds    string `json:"creds,omitempty" doc:"NATS: the content of a .creds file (a user JWT and its NKey seed)."`
}

// Empty reports whether no credential is set.
func (c Credentials) Empty() bool { return c == Credentials{} }

// Message is one delivery attempt's message.
type Message struct {
	ID        string
	EventType string
	TenantID  string
	Timestamp time.Time
	Body      []byte
	// Headers are the message's headers: the signature headers and the
	// endpoint's and message's own ones.
	Headers map[string]string
}

// Publisher publishes to one broker destination over a pooled connection.
// Publish is safe for concurrent use; concurrent calls share the connection
// and are pipelined or batched where the broker allows.
type Publisher interface {
	// Publish sends m and waits for the broker's acknowledgement. It returns
	// a short description of the acknowledgement, for the attempt log.
	Publish(ctx context.Context, m Message) (string, error)
	// Broken reports whether the connection is lost for good, so the pool
	// must open a new one.
	Broken() bool
	Close()
}

// Target is everything needed to open a Publisher.
type Target struct {
	Type        string
	URL         string
	Settings    Settings
	Credentials Credentials
}

// Open connects to a broker. Every connection goes through guard's dialer.
func Open(ctx context.Context, t Target, guard safehttp.Options) (Publisher, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	d := dialer{guard.Dialer(), guard.TLSConfig()}
	switch t.Type {
	case TypeNATS:
		return openNATS(ctx, u, t, d)
	case TypeRabbitMQ:
		return openRabbitMQ(ctx, u, t, d)
	case TypeKafka:
		return openKafka(ctx, u, t, d)
	case TypeRedis:
		return openRedis(ctx, u, t, d)
	case TypeMQTT:
		return openMQTT(ctx, u, t, d)
	}
	return nil, fmt.Errorf("unknown endpoint type %q", t.Type)
}

// dialer connects through the SSRF guard, and wraps in TLS when asked.
type dialer struct {
	net *net.Dialer
	tls *tls.Config
}

func (d dialer) dial(ctx context.Context, network, addr string, useTLS bool) (net.Conn, error) {
	conn, err := d.net.DialContext(ctx, network, addr)
	if err != nil || !useTLS {
		return conn, err
	}
	cfg := d.tls.Clone()
	cfg.ServerName, _, _ = net.SplitHostPort(addr)
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// schemes are each type's URL schemes, and whether the scheme means TLS.
var schemes = map[string]map[string]bool{
	TypeNATS:     {"nats": false, "tls": true},
	TypeRabbitMQ: {"amqp": false, "amqps": true},
	TypeKafka:    {"kafka": false},
	TypeRedis:    {"redis": false, "rediss": true},
	TypeMQTT:     {"mqtt": false, "mqtts": true, "tcp": false, "ssl": true},
}

var defaultPorts = map[string]string{"nats": "4222", "tls": "4222", "amqp": "5672", "amqps": "5671", "kafka": "9092",
	"redis": "6379", "rediss": "6379", "mqtt": "1883", "tcp": "1883", "mqtts": "8883", "ssl": "8883"}

// hostPort is u's host and port, with the scheme's default port.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = defaultPorts[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// Problems checks a broker endpoint's address, settings and credentials
// before it is saved, and returns the problems by field name (url,
// broker.subject, credentials.token…).
func Problems(t Target, guard safehttp.Options) map[string]string {
	p := map[string]string{}
	if err := checkURL(t.Type, t.URL, guard); err != nil {
		p["url"] = err.Error()
	}
	s, c := t.Settings, t.Credentials
	tmpl := func(field, v string, required bool, max int) {
		switch {
		case v == "" && required:
			p[field] = "is required for a " + t.Type + " endpoint"
		case len(v) > max:
			p[field] = fmt.Sprintf("must be at most %d bytes", max)
		case strings.ContainsAny(v, " \t\r\n\x00"):
			p[field] = "must not contain spaces or control characters"
		case !validTemplate(v):
			p[field] = "may use only the variables {event_type}, {message_id} and {tenant_id}"
		}
	}
	unused := func(field string, set bool) {
		if set {
			p[field] = "does not apply to a " + t.Type + " endpoint"
		}
	}
	switch t.Type {
	case TypeNATS:
		tmpl("broker/subject", s.Subject, true, 255)
		if strings.ContainsAny(s.Subject, "*>") || strings.HasPrefix(s.Subject, ".") || strings.HasSuffix(s.Subject, ".") || strings.Contains(s.Subject, "..") {
			p["broker/subject"] = "must be a subject without wildcards or empty tokens"
		}
		if strings.ContainsAny(s.Stream, " \t\r\n.*>/\\") || len(s.Stream) > 255 {
			p["broker/stream"] = "must be a stream name: no spaces, dots, wildcards or slashes"
		}
		n := 0
		for _, set := range []bool{c.Token != "", c.Username != "" || c.Password != "", c.Creds != ""} {
			if set {
				n++
			}
		}
		if n > 1 {
			p["credentials"] = "give one of token, username and password, or creds"
		}
		if c.Creds != "" {
			if _, _, err := parseCreds(c.Creds); err != nil {
				p["credentials/creds"] = err.Error()
			}
		}
	case TypeRabbitMQ:
		tmpl("broker/routing_key", s.RoutingKey, false, 255)
		if len(s.Exchange) > 255 || strings.ContainsAny(s.Exchange, " \t\r\n") {
			p["broker/exchange"] = "must be an exchange name of at most 255 bytes without spaces"
		}
		if s.Exchange == "" && s.RoutingKey == "" {
			p["broker/routing_key"] = "is required when publishing to the default exchange (it names the queue)"
		}
	case TypeKafka:
		tmpl("broker/topic", s.Topic, true, 249)
		if strings.Contains(s.Topic, "{") {
			p["broker/topic"] = "must be a fixed topic name (use the key template to route)"
		}
		tmpl("broker/key", s.Key, false, 1024)
		if len(s.Brokers) > 20 {
			p["broker/brokers"] = "may list at most 20 brokers"
		}
		for _, b := range s.Brokers {
			if err := checkURL(TypeKafka, "kafka://"+b, guard); err != nil {
				p["broker/brokers"] = b + " " + err.Error()
			}
		}
		switch s.SASL {
		case "":
		case "plain", "scram-sha-256", "scram-sha-512":
			if c.Username == "" || c.Password == "" {
				p["credentials"] = "SASL needs a username and a password"
			}
		default:
			p["broker/sasl"] = "must be plain, scram-sha-256 or scram-sha-512"
		}
	case TypeRedis:
		tmpl("broker/stream_key", s.StreamKey, true, 512)
		if s.MaxLen < 0 {
			p["broker/max_len"] = "must not be negative"
		}
	case TypeMQTT:
		tmpl("broker/topic", s.Topic, true, 1024)
		if strings.ContainsAny(s.Topic, "+#") {
			p["broker/topic"] = "must be a topic without wildcards"
		}
	default:
		p["type"] = "must be one of " + strings.Join(Types, ", ")
		return p
	}
	unused("broker/subject", s.Subject != "" && t.Type != TypeNATS)
	unused("broker/stream", s.Stream != "" && t.Type != TypeNATS)
	unused("broker/exchange", s.Exchange != "" && t.Type != TypeRabbitMQ)
	unused("broker/routing_key", s.RoutingKey != "" && t.Type != TypeRabbitMQ)
	unused("broker/transient", s.Transient && t.Type != TypeRabbitMQ)
	unused("broker/topic", s.Topic != "" && t.Type != TypeKafka && t.Type != TypeMQTT)
	unused("broker/key", s.Key != "" && t.Type != TypeKafka)
	unused("broker/brokers", len(s.Brokers) > 0 && t.Type != TypeKafka)
	unused("broker/sasl", s.SASL != "" && t.Type != TypeKafka)
	unused("broker/tls", s.TLS && t.Type != TypeKafka)
	unused("broker/stream_key", s.StreamKey != "" && t.Type != TypeRedis)
	unused("broker/max_len", s.MaxLen != 0 && t.Type != TypeRedis)
	unused("credentials/token", c.Token != "" && t.Type != TypeNATS)
	unused("credentials/creds", c.Creds != "" && t.Type != TypeNATS)
	if c.Password != "" && c.Username == "" && t.Type != TypeRedis {
		p["credentials/username"] = "is required with a password"
	}
	for k, v := range map[string]string{"token": c.Token, "username": c.Username, "password": c.Password, "creds": c.Creds} {
		if len(v) > 8192 {
			p["credentials/"+k] = "must be at most 8192 bytes"
		}
	}
	return p
}

func checkURL(typ, raw string, guard safehttp.Options) error {
	if len(raw) > safehttp.MaxURLLength {
		return fmt.Errorf("must be at most %d characters long", safehttp.MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a valid URL")
	}
	if _, ok := schemes[typ][u.Scheme]; !ok {
		names := make([]string, 0, 4)
		for s := range schemes[typ] {
			names = append(names, s+"://")
		}
		return fmt.Errorf("must start with one of %s", strings.Join(sorted(names), ", "))
	}
	switch {
	case u.User != nil:
		return errors.New("must not contain user info: give credentials in the credentials field, which is sealed")
	case u.Host == "":
		return errors.New("must have a host")
	case u.RawQuery != "" || u.Fragment != "":
		return errors.New("must not have a query or fragment")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %s is out of range", p)
		}
	}
	switch typ {
	case TypeRabbitMQ: // the path is the virtual host
	case TypeRedis:
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			if n, err := strconv.Atoi(db); err != nil || n < 0 || n > 15 {
				return errors.New("path must be a database number 0 to 15")
			}
		}
	default:
		if u.Path != "" && u.Path != "/" {
			return errors.New("must not have a path")
		}
	}
	return guard.CheckHost(u.Hostname())
}

func sorted(s []string) []string {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

var templateVars = []string{"{event_type}", "{message_id}", "{tenant_id}"}

func validTemplate(t string) bool {
	for _, v := range templateVars {
		t = strings.ReplaceAll(t, v, "")
	}
	return !strings.ContainsAny(t, "{}")
}

// Expand fills a template's variables from m.
func Expand(t string, m Message) string {
	if !strings.Contains(t, "{") {
		return t
	}
	return strings.NewReplacer("{event_type}", m.EventType, "{message_id}", m.ID, "{tenant_id}", m.TenantID).Replace(t)
}
