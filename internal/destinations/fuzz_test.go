package destinations

import (
	"testing"

	"github.com/patchbay/patchbay/internal/safehttp"
)

// FuzzProblems: the checks of a broker endpoint's and a consuming source's
// settings (all from API clients) never panic, and a template they accept
// expands without leaving a brace.
func FuzzProblems(f *testing.F) {
	f.Add("nats", "nats://127.0.0.1:4222", "orders.{event_type}", "amqp://x/%2f", "creds")
	f.Add("rabbitmq", "amqp://[::1]:5672/vh", "{tenant_id}.{message_id}", "", "")
	f.Add("kafka", "kafka://a:1", "t", "b:9092", "")
	f.Add("redis", "rediss://h/3", "s:{", "", "-----BEGIN NATS USER JWT-----\nx\n------END NATS USER JWT------")
	f.Add("mqtt", "mqtt://0x7f.1", "a/+/b", "", "")
	guard := safehttp.Options{}
	f.Fuzz(func(t *testing.T, typ, url, tmpl, extra, creds string) {
		s := Settings{Subject: tmpl, Stream: extra, Exchange: extra, RoutingKey: tmpl, Topic: tmpl, Key: tmpl, Brokers: []string{extra}, StreamKey: tmpl}
		p := Problems(Target{Type: typ, URL: url, Settings: s, Credentials: Credentials{Creds: creds}}, guard)
		if _, bad := p["broker/stream_key"]; typ == TypeRedis && !bad {
			if out := Expand(tmpl, Message{ID: "msg_1", EventType: "a.b", TenantID: "t"}); containsBrace(out) {
				t.Fatalf("accepted template %q expands to %q", tmpl, out)
			}
		}
		ConsumeProblems(Consume{Type: typ, URL: url, Subject: tmpl, Queue: tmpl, Topic: tmpl, StreamKey: tmpl, Group: extra, MessageID: extra,
			Brokers: []string{extra}}, Credentials{Creds: creds}, guard)
	})
}

func containsBrace(s string) bool {
	for _, r := range s {
		if r == '{' || r == '}' {
			return true
		}
	}
	return false
}
