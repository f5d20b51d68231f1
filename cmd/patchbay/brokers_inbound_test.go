package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// brokerFeed is one broker an inbound source consumes from in the test: the
// source's consume settings, and how the test publishes a message with a
// message ID.
type brokerFeed struct {
	name    string
	consume func(t *testing.T) (settings string, publish func(id string, body []byte))
}

func brokerFeeds() []brokerFeed {
	return []brokerFeed{
		{"nats", func(t *testing.T) (string, func(string, []byte)) {
			nc, err := nats.Connect("nats://127.0.0.1:4222")
			if err != nil {
				t.Fatalf("NATS: %v", err)
			}
			t.Cleanup(nc.Close)
			js, _ := jetstream.New(nc)
			name := "PBIN_" + randName(t)
			subject := "pbin." + strings.ToLower(name)
			if _, err := js.CreateStream(t.Context(), jetstream.StreamConfig{Name: name, Subjects: []string{subject + ".>"}, Storage: jetstream.MemoryStorage}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { js.DeleteStream(context.Background(), name) })
			return fmt.Sprintf(`{"type":"nats","url":"nats://127.0.0.1:4222","subject":%q,"message_id":"header:Event-Id"}`, subject+".>"), func(id string, body []byte) {
				m := nats.NewMsg(subject + ".evt")
				m.Data = body
				m.Header.Set("Event-Id", id)
				if _, err := js.PublishMsg(t.Context(), m); err != nil { // no Nats-Msg-Id: JetStream keeps both copies
					t.Fatal(err)
				}
			}
		}},
		{"rabbitmq", func(t *testing.T) (string, func(string, []byte)) {
			conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
			if err != nil {
				t.Fatalf("RabbitMQ: %v", err)
			}
			t.Cleanup(func() { conn.Close() })
			ch, _ := conn.Channel()
			q := "pbin." + randName(t)
			if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ch.QueueDelete(q, false, false, false) })
			return fmt.Sprintf(`{"type":"rabbitmq","url":"amqp://127.0.0.1:5672/","queue":%q,"message_id":"header:Event-Id"}`, q), func(id string, body []byte) {
				if err := ch.PublishWithContext(t.Context(), "", q, false, false, amqp.Publishing{Body: body, Headers: amqp.Table{"Event-Id": id}}); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"redis", func(t *testing.T) (string, func(string, []byte)) {
			rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
			t.Cleanup(func() { rdb.Close() })
			key := "pbin:" + randName(t)
			t.Cleanup(func() { rdb.Del(context.Background(), key) })
			return fmt.Sprintf(`{"type":"redis","url":"redis://127.0.0.1:6379","stream_key":%q,"message_id":"header:Event-Id"}`, key), func(id string, body []byte) {
				if err := rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: key, Values: []any{"Event-Id", id, "payload", string(body)}}).Err(); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"kafka", func(t *testing.T) (string, func(string, []byte)) {
			topic := "pbin-" + randName(t)
			cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, topic))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(cluster.Close)
			cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DefaultProduceTopic(topic))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(cl.Close)
			return fmt.Sprintf(`{"type":"kafka","url":"kafka://%s","topic":%q,"message_id":"header:Event-Id"}`, cluster.ListenAddrs()[0], topic), func(id string, body []byte) {
				rec := &kgo.Record{Value: body, Headers: []kgo.RecordHeader{{Key: "Event-Id", Value: []byte(id)}}}
				if err := cl.ProduceSync(t.Context(), rec).FirstErr(); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
}

// TestBrokerInboundConsume: a source consuming from each broker stores its
// messages as events, deduplicates by the configured message ID, and
// forwards new ones, on both stores.
func TestBrokerInboundConsume(t *testing.T) {
	t.Parallel()
	for _, feed := range brokerFeeds() {
		t.Run(feed.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
				settings, publish := feed.consume(t)
				rcv := newReceiver(t, nil)
				e := setupWebhooks(t, d)
				body := fmt.Sprintf(`{"name":"in","verifier":{"scheme":"none"},"destination_url":%q,"consume":%s}`, rcv.URL+"/fwd", settings)
				resp, out := e.do(t, "POST", "/v1/sources", body)
				if resp.StatusCode != 201 {
					t.Fatalf("create source: %d %s", resp.StatusCode, out)
				}
				var src struct{ ID string }
				json.Unmarshal(out, &src)
				for i, id := range []string{"evt_1", "evt_2", "evt_1", "evt_3"} {
					publish(id, fmt.Appendf(nil, `{"n":%d}`, i))
				}
				var events []struct {
					EventID *string `json:"event_id"`
					Status  string  `json:"status"`
					Method  string  `json:"method"`
				}
				waitFor(t, 30*time.Second, "4 events", func() bool {
					resp, out := e.do(t, "GET", "/v1/sources/"+src.ID+"/events?limit=100", "")
					if resp.StatusCode != 200 {
						t.Fatalf("events: %d %s", resp.StatusCode, out)
					}
					var list struct{ Data json.RawMessage }
					json.Unmarshal(out, &list)
					json.Unmarshal(list.Data, &events)
					return len(events) >= 4
				})
				dups := 0
				for _, ev := range events {
					if ev.Status == "duplicate" {
						dups++
						if ev.EventID == nil || *ev.EventID != "evt_1" {
							t.Errorf("duplicate event %+v", ev)
						}
					}
					if ev.Method != strings.ToUpper(feed.name) {
						t.Errorf("event method %q", ev.Method)
					}
				}
				if dups != 1 || len(events) != 4 {
					t.Fatalf("%d events, %d duplicates; want 4 and 1", len(events), dups)
				}
				waitFor(t, 20*time.Second, "3 forwards", func() bool { return len(rcv.requests()) >= 3 })
				if n := len(rcv.requests()); n != 3 {
					t.Fatalf("%d forwards, want 3", n)
				}
			})
		})
	}
}

// TestBrokerInboundValidation: a source's consume settings are checked, in
// 400 problems naming the field, and its broker credentials never shown.
func TestBrokerInboundValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d storetest.Dialect) {
		e := setupWebhooks(t, d)
		for _, tc := range []struct{ consume, field string }{
			{`{"type":"sqs","url":"https://x"}`, "consume/type"},
			{`{"type":"redis","url":"redis://u:p@127.0.0.1:6379","stream_key":"s"}`, "consume/url"},
			{`{"type":"redis","url":"redis://169.254.169.254:6379","stream_key":"s"}`, "consume/url"},
			{`{"type":"nats","url":"nats://127.0.0.1:4222"}`, "consume/subject"},
			{`{"type":"kafka","url":"kafka://127.0.0.1:9092","topic":"t","message_id":"id"}`, "consume/message_id"},
		} {
			resp, body := e.do(t, "POST", "/v1/sources", `{"name":"x","verifier":{"scheme":"none"},"consume":`+tc.consume+`}`)
			if resp.StatusCode != 400 || !strings.Contains(string(body), `"`+tc.field+`"`) {
				t.Errorf("consume %s: %d %s; want 400 naming %s", tc.consume, resp.StatusCode, body, tc.field)
			}
		}
		password := "pw-" + randName(t)
		resp, body := e.do(t, "POST", "/v1/sources", `{"name":"x","verifier":{"scheme":"none"},"consume":{"type":"redis","url":"redis://127.0.0.1:6379","stream_key":"pbin:`+randName(t)+`"},"consume_credentials":{"password":"`+password+`"}}`)
		if resp.StatusCode != 201 || strings.Contains(string(body), password) || !strings.Contains(string(body), `"consume_credentials_set":true`) {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		resp, body = e.do(t, "GET", "/v1/sources", "")
		if resp.StatusCode != 200 || strings.Contains(string(body), password) {
			t.Fatalf("list: %d %s", resp.StatusCode, body)
		}
		e.node.Stop(t)
		if seen := scanForPlaintext(t, e.opts, []string{password}); seen["sources"] != 1 {
			t.Fatalf("scanned %d sources", seen["sources"])
		}
	})
}
