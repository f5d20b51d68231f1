package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/patchbay/patchbay/client"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// The broker tests use the services this machine (and CI) runs on loopback:
// NATS with JetStream on 4222, RabbitMQ on 5672, Redis on 6379, Mosquitto on
// 1883. Kafka runs in-process (franz-go's kfake), as no Kafka runs here.

func randName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// cutProxy forwards TCP connections to a broker, and can be cut (the
// listener and every connection closed) and restored on the same port.
type cutProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	p := &cutProxy{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Cut)
	return p
}

func (p *cutProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close(); c.Close() }()
			go func() { io.Copy(c, up); up.Close(); c.Close() }()
		}
	}()
}

// Cut closes the listener and every connection.
func (p *cutProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Restore listens again on the same address.
func (p *cutProxy) Restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// deliveriesWith returns an endpoint's deliveries with a status.
func deliveriesWith(t *testing.T, e *env, endpointID, status string) []client.Delivery {
	t.Helper()
	list, err := e.client.EndpointDeliveries(t.Context(), "acme", endpointID, status, client.ListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list.Data
}

func waitDelivered(t *testing.T, e *env, endpointID string, n int) {
	t.Helper()
	waitFor(t, 20*time.Second, "deliveries to succeed", func() bool { return len(deliveriesWith(t, e, endpointID, "succeeded")) >= n })
}

// verifySignature checks the Standard Webhooks headers of a broker message
// with the endpoint's secret.
func verifySignature(t *testing.T, secret string, body []byte, get func(string) string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for _, k := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
		h.Set(k, get(k))
	}
	if err := wh.Verify(body, h); err != nil {
		t.Errorf("signature does not verify: %v (headers %v)", err, h)
	}
}

func TestBrokerNATSDeliveryOutageAndDedupe(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		nc, err := nats.Connect("nats://127.0.0.1:4222")
		if err != nil {
			t.Fatalf("NATS with JetStream must run on 4222: %v", err)
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		name := "PBTEST_" + randName(t)
		subject := "pbtest." + strings.ToLower(name)
		stream, err := js.CreateStream(t.Context(), jetstream.StreamConfig{Name: name, Subjects: []string{subject + ".>"},
			Storage: jetstream.MemoryStorage, Duplicates: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { js.DeleteStream(context.Background(), name) })
		proxy := newCutProxy(t, "127.0.0.1:4222")

		// An attempt whose ack does not come (the connection was cut under
		// it) fails after the delivery timeout.
		e := setupWebhooks(t, d, "--webhook-timeout", "2s")
		ep := mustEndpoint(t, e, client.EndpointParams{Type: client.Ptr("nats"), URL: client.Ptr("nats://" + proxy.addr),
			Broker: &client.BrokerSettings{Subject: subject + ".{event_type}", Stream: name}, RetrySchedule: &[]int{1, 1, 1, 1, 1, 1, 1, 1}})
		var ids []string
		for i := range 3 {
			m, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"n": i}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		waitDelivered(t, e, ep.ID, 3)
		cons, err := stream.OrderedConsumer(t.Context(), jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		batch, err := cons.FetchNoWait(10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for m := range batch.Messages() {
			got = append(got, m.Headers().Get("Nats-Msg-Id"))
			if m.Subject() != subject+".invoice.paid" || m.Headers().Get("webhook-event-type") != "invoice.paid" {
				t.Errorf("message on %s with event type %q", m.Subject(), m.Headers().Get("webhook-event-type"))
			}
			if m.Headers().Get("webhook-id") != m.Headers().Get("Nats-Msg-Id") {
				t.Errorf("webhook-id %q, Nats-Msg-Id %q", m.Headers().Get("webhook-id"), m.Headers().Get("Nats-Msg-Id"))
			}
			verifySignature(t, ep.Secret, m.Data(), m.Headers().Get)
		}
		slices.Sort(got) // an unordered endpoint sends several at once
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Fatalf("JetStream has messages %v, want %v", got, ids)
		}
		dl := deliveriesWith(t, e, ep.ID, "succeeded")
		full, err := e.client.Delivery(t.Context(), "acme", dl[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if a := full.AttemptLog; len(a) != 1 || !a[0].Success || a[0].StatusCode != nil || !strings.Contains(a[0].ResponseBody, "JetStream ack: stream "+name) {
			t.Fatalf("attempt log %+v, want one success recording the JetStream ack", a)
		}

		// The broker goes away: attempts fail and stay pending; once it is
		// back, they go out and nothing is lost.
		proxy.Cut()
		for i := 3; i < 5; i++ {
			if _, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"n": i}}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, 10*time.Second, "failed attempts while the broker is cut off", func() bool {
			for _, dl := range deliveriesWith(t, e, ep.ID, "pending") {
				if dl.Attempts > 0 {
					return true
				}
			}
			return false
		})
		proxy.Restore(t)
		waitDelivered(t, e, ep.ID, 5)
		info, err := stream.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs != 5 {
			t.Fatalf("stream has %d messages, want 5", info.State.Msgs)
		}

		// A delivery sent again (resend) reaches JetStream with the same
		// Nats-Msg-Id, and the stream keeps one copy.
		first := deliveriesWith(t, e, ep.ID, "succeeded")
		target := first[len(first)-1] // the oldest
		if _, err := e.client.ResendDelivery(t.Context(), "acme", target.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the resent delivery's ack", func() bool {
			full, err := e.client.Delivery(t.Context(), "acme", target.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range full.AttemptLog {
				if strings.Contains(a.ResponseBody, "duplicate") {
					return true
				}
			}
			return false
		})
		if info, err := stream.Info(t.Context()); err != nil || info.State.Msgs != 5 {
			t.Fatalf("stream has %d messages after a resend (%v), want 5", info.State.Msgs, err)
		}
	})
}

func TestBrokerRabbitMQFIFOAndUnroutable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
		if err != nil {
			t.Fatalf("RabbitMQ must run on 5672: %v", err)
		}
		defer conn.Close()
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		exchange := "pbtest." + randName(t)
		if err := ch.ExchangeDeclare(exchange, "topic", false, true, false, false, nil); err != nil {
			t.Fatal(err)
		}
		q, err := ch.QueueDeclare("", false, true, true, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.QueueBind(q.Name, "acme.#", exchange, false, nil); err != nil {
			t.Fatal(err)
		}
		msgs, err := ch.Consume(q.Name, "", true, true, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}

		e := setupWebhooks(t, d)
		ep := mustEndpoint(t, e, client.EndpointParams{Type: client.Ptr("rabbitmq"), URL: client.Ptr("amqp://127.0.0.1:5672/"),
			Broker:        &client.BrokerSettings{Exchange: exchange, RoutingKey: "{tenant_id}.{event_type}"},
			Credentials:   &client.BrokerCredentials{Username: "guest", Password: "guest"},
			DeliveryOrder: client.Ptr("fifo")})
		if ep.Type != "rabbitmq" || !ep.CredentialsSet || ep.Broker == nil || ep.Broker.Exchange != exchange {
			t.Fatalf("created endpoint %+v", ep)
		}
		var ids []string
		for i := range 10 {
			m, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"n": i}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		for i := range 10 {
			select {
			case m := <-msgs:
				if m.MessageId != ids[i] || m.RoutingKey != "acme.invoice.paid" || m.Type != "invoice.paid" || m.DeliveryMode != amqp.Persistent {
					t.Fatalf("message %d: id %s key %s type %s mode %d; want id %s", i, m.MessageId, m.RoutingKey, m.Type, m.DeliveryMode, ids[i])
				}
				var body struct{ N int }
				if err := json.Unmarshal(m.Body, &body); err != nil || body.N != i {
					t.Fatalf("message %d has body %s: out of order", i, m.Body)
				}
				verifySignature(t, ep.Secret, m.Body, func(k string) string { s, _ := m.Headers[k].(string); return s })
			case <-time.After(20 * time.Second):
				t.Fatalf("got %d of 10 messages", i)
			}
		}
		waitDelivered(t, e, ep.ID, 10)

		// Published to an exchange with no queue for the key: the broker
		// returns the message, and the attempt fails saying so.
		lost := mustEndpoint(t, e, client.EndpointParams{Type: client.Ptr("rabbitmq"), URL: client.Ptr("amqp://127.0.0.1:5672/"),
			Broker: &client.BrokerSettings{Exchange: exchange, RoutingKey: "nobody.listens"}, Credentials: &client.BrokerCredentials{Username: "guest", Password: "guest"}})
		if _, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "user.created", Payload: map[string]int{}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the unroutable message's failed attempt", func() bool {
			for _, dl := range deliveriesWith(t, e, lost.ID, "pending") {
				full, _ := e.client.Delivery(t.Context(), "acme", dl.ID)
				if full != nil && len(full.AttemptLog) > 0 && strings.Contains(full.AttemptLog[0].Error, "could not route") {
					return true
				}
			}
			return false
		})
	})
}

func TestBrokerRedisCredentialsAndValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
		defer rdb.Close()
		user, password := "pbtest-"+randName(t), "pw-"+randName(t)+randName(t)
		if err := rdb.Do(t.Context(), "ACL", "SETUSER", user, "on", ">"+password, "~*", "+@all").Err(); err != nil {
			t.Fatalf("Redis must run on 6379: %v", err)
		}
		t.Cleanup(func() { rdb.Do(context.Background(), "ACL", "DELUSER", user) })
		key := "pbtest:" + randName(t)
		t.Cleanup(func() { rdb.Del(context.Background(), key+":acme") })

		e := setupWebhooks(t, d)
		// Wrong password: the attempts fail, nothing reaches the stream.
		ep := mustEndpoint(t, e, client.EndpointParams{Type: client.Ptr("redis"), URL: client.Ptr("redis://127.0.0.1:6379/0"),
			Broker:      &client.BrokerSettings{StreamKey: key + ":{tenant_id}", MaxLen: 1000},
			Credentials: &client.BrokerCredentials{Username: user, Password: "wrong"}, RetrySchedule: &[]int{1, 1, 1, 1, 1, 1}})
		m, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "user.created", Payload: map[string]string{"who": "ada"}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "a failed attempt with the wrong password", func() bool {
			dl := deliveriesWith(t, e, ep.ID, "pending")
			return len(dl) == 1 && dl[0].Attempts > 0
		})
		// The right one, given by an update: the next attempt goes out.
		if _, err := e.client.UpdateEndpoint(t.Context(), "acme", ep.ID, client.EndpointParams{
			Credentials: &client.BrokerCredentials{Username: user, Password: password}}); err != nil {
			t.Fatal(err)
		}
		waitDelivered(t, e, ep.ID, 1)
		entries, err := rdb.XRange(t.Context(), key+":acme", "-", "+").Result()
		if err != nil || len(entries) != 1 {
			t.Fatalf("stream has %d entries (%v), want 1", len(entries), err)
		}
		v := entries[0].Values
		if v["webhook-id"] != m.ID || v["webhook-event-type"] != "user.created" || v["payload"] != `{"who":"ada"}` {
			t.Fatalf("stream entry %v", v)
		}
		verifySignature(t, ep.Secret, []byte(v["payload"].(string)), func(k string) string { s, _ := v[k].(string); return s })

		// The credentials are never readable: not in the API's answers, not
		// in the database.
		resp, body := e.do(t, "GET", "/v1/tenants/acme/endpoints/"+ep.ID, "")
		if resp.StatusCode != 200 || strings.Contains(string(body), password) || strings.Contains(string(body), "wrong") ||
			!strings.Contains(string(body), `"credentials_set":true`) {
			t.Fatalf("GET endpoint: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do(t, "GET", "/v1/tenants/acme/endpoints", "")
		if resp.StatusCode != 200 || strings.Contains(string(body), password) {
			t.Fatalf("list endpoints shows the password: %s", body)
		}
		e.node.Stop(t)
		if seen := scanForPlaintext(t, e.opts, []string{password}); seen["endpoints"] != 1 {
			t.Fatalf("scanned %d endpoints", seen["endpoints"])
		}
	})
}

// TestBrokerEndpointValidation: broker settings are checked at creation, in
// 400 problems naming the field.
func TestBrokerEndpointValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d, "--outbound-allow", "127.0.0.0/8")
		e2 := setup(t, d) // no allow-list: loopback refused
		if _, _, err := e2.client.PutTenant(t.Context(), "acme", client.TenantParams{Name: "Acme"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			e     *env
			body  string
			field string
		}{
			{"unknown type", e, `{"type":"ftp","url":"ftp://x"}`, "type"},
			{"nats without a subject", e, `{"type":"nats","url":"nats://127.0.0.1:4222","broker":{}}`, "broker/subject"},
			{"nats with a wildcard", e, `{"type":"nats","url":"nats://127.0.0.1:4222","broker":{"subject":"a.*"}}`, "broker/subject"},
			{"no broker settings", e, `{"type":"redis","url":"redis://127.0.0.1:6379"}`, "broker"},
			{"credentials in the url", e, `{"type":"rabbitmq","url":"amqp://guest:guest@127.0.0.1:5672/","broker":{"routing_key":"q"}}`, "url"},
			{"wrong scheme", e, `{"type":"redis","url":"http://127.0.0.1:6379","broker":{"stream_key":"s"}}`, "url"},
			{"metadata address", e, `{"type":"mqtt","url":"mqtt://169.254.169.254:1883","broker":{"topic":"t"}}`, "url"},
			{"loopback refused", e2, `{"type":"redis","url":"redis://127.0.0.1:6379","broker":{"stream_key":"s"}}`, "url"},
			{"unknown template variable", e, `{"type":"redis","url":"redis://127.0.0.1:6379","broker":{"stream_key":"s:{user}"}}`, "broker/stream_key"},
			{"setting of another broker", e, `{"type":"redis","url":"redis://127.0.0.1:6379","broker":{"stream_key":"s","exchange":"x"}}`, "broker/exchange"},
			{"kafka sasl without password", e, `{"type":"kafka","url":"kafka://127.0.0.1:9092","broker":{"topic":"t","sasl":"plain"}}`, "credentials"},
			{"bad creds file", e, `{"type":"nats","url":"nats://127.0.0.1:4222","broker":{"subject":"a"},"credentials":{"creds":"nope"}}`, "credentials/creds"},
			{"broker on http", e, `{"url":"http://127.0.0.1:1/x","broker":{"subject":"a"}}`, "broker"},
		} {
			resp, body := tc.e.do(t, "POST", "/v1/tenants/acme/endpoints", tc.body)
			if resp.StatusCode != 400 {
				t.Errorf("%s: status %d, want 400: %s", tc.name, resp.StatusCode, body)
				continue
			}
			p := problem(t, resp, body)
			found := false
			for _, f := range p.Errors {
				found = found || f.Field == tc.field
			}
			if !found {
				t.Errorf("%s: problem %s does not name %s", tc.name, body, tc.field)
			}
		}
		ep := mustEndpoint(t, e, client.EndpointParams{Type: client.Ptr("redis"), URL: client.Ptr("redis://127.0.0.1:6379"),
			Broker: &client.BrokerSettings{StreamKey: "s"}})
		resp, body := e.do(t, "PATCH", "/v1/tenants/acme/endpoints/"+ep.ID, `{"type":"nats"}`)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"type"`) {
			t.Errorf("changing the type: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do(t, "PATCH", "/v1/tenants/acme/endpoints/"+ep.ID, `{"url":"redis://10.0.0.1:6379"}`)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"url"`) {
			t.Errorf("moving to a private address: %d %s", resp.StatusCode, body)
		}
	})
}

func TestBrokerKafkaWithKfake(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		topic := "pbtest-" + randName(t)
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
		if err != nil {
			t.Fatal(err)
		}
		defer cluster.Close()
		addr := cluster.ListenAddrs()[0]

		e := setupWebhooks(t, d)
		ep := mustEndpoint(t, e, client.EndpointParams{Type: client.Ptr("kafka"), URL: client.Ptr("kafka://" + addr),
			Broker: &client.BrokerSettings{Topic: topic, Key: "{tenant_id}"}, DeliveryOrder: client.Ptr("fifo")})
		var ids []string
		for i := range 5 {
			m, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"n": i}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		waitDelivered(t, e, ep.ID, 5)
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		var got []string
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		for len(got) < 5 && ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				h := map[string]string{}
				for _, x := range r.Headers {
					h[x.Key] = string(x.Value)
				}
				if string(r.Key) != "acme" || h["webhook-event-type"] != "invoice.paid" {
					t.Errorf("record key %q headers %v", r.Key, h)
				}
				verifySignature(t, ep.Secret, r.Value, func(k string) string { return h[k] })
				got = append(got, h["webhook-id"])
			})
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Fatalf("Kafka has %v, want %v in order", got, ids)
		}
	})
}

func TestBrokerMQTTDelivery(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		prefix := "pbtest/" + randName(t)
		got := make(chan mqtt.Message, 10)
		sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://127.0.0.1:1883").SetClientID("pbtest-" + randName(t)))
		if tok := sub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("Mosquitto must run on 1883: %v", tok.Error())
		}
		defer sub.Disconnect(100)
		if tok := sub.Subscribe(prefix+"/#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- m }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		e := setupWebhooks(t, d)
		ep := mustEndpoint(t, e, client.EndpointParams{Type: client.Ptr("mqtt"), URL: client.Ptr("mqtt://127.0.0.1:1883"),
			Broker: &client.BrokerSettings{Topic: prefix + "/{event_type}/{message_id}"}})
		m, err := e.client.Publish(t.Context(), "acme", client.MessageParams{EventType: "invoice.paid", Payload: map[string]int{"n": 7}})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case msg := <-got:
			if msg.Topic() != prefix+"/invoice.paid/"+m.ID || string(msg.Payload()) != `{"n":7}` {
				t.Fatalf("got %s on %s", msg.Payload(), msg.Topic())
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no MQTT message")
		}
		waitDelivered(t, e, ep.ID, 1)
	})
}
