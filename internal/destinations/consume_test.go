package destinations

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/safehttp"
)

var loopback = safehttp.Options{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

// runUntil runs the consumer (again after each error, as inbound does) until
// done reports true or 20 s pass.
func runUntil(t *testing.T, c Consume, creds Credentials, handle Handler, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		ctx, cancel := context.WithCancel(t.Context())
		stop := make(chan struct{})
		go func() {
			defer close(stop)
			for !done() && ctx.Err() == nil && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
		}()
		err := Run(ctx, c, creds, "pbtest-"+id.New("g"), loopback, handle)
		cancel()
		<-stop
		if err != nil {
			t.Logf("consumer stopped: %v", err)
			time.Sleep(100 * time.Millisecond) // inbound's reconnection backoff, shortened
		}
	}
}

// flaky fails the first attempt at each message, then stores it.
type flaky struct {
	mu     sync.Mutex
	seen   map[string]int
	stored []string
}

func (f *flaky) handle(_ context.Context, m Received) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen[string(m.Body)]++
	if f.seen[string(m.Body)] == 1 {
		return errors.New("the commit failed")
	}
	f.stored = append(f.stored, string(m.Body))
	return nil
}

func (f *flaky) done(n int) func() bool {
	return func() bool { f.mu.Lock(); defer f.mu.Unlock(); return len(f.stored) >= n }
}

// TestConsumeAcksOnlyAfterHandle: a message whose handler fails (inbound's
// commit) is not acknowledged and comes again; once handled it is
// acknowledged, and the broker holds nothing more for the consumer.
func TestConsumeAcksOnlyAfterHandle(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
		defer rdb.Close()
		key := "pbtest:consume:" + id.New("s")
		defer rdb.Del(context.Background(), key)
		for _, b := range []string{"a", "b"} {
			if err := rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: key, Values: []any{"payload", b}}).Err(); err != nil {
				t.Fatalf("Redis must run on 6379: %v", err)
			}
		}
		f := &flaky{seen: map[string]int{}}
		c := Consume{Type: TypeRedis, URL: "redis://127.0.0.1:6379", StreamKey: key, Group: "g1"}
		runUntil(t, c, Credentials{}, f.handle, f.done(2))
		pending, err := rdb.XPending(t.Context(), key, "g1").Result()
		if err != nil || pending.Count != 0 {
			t.Fatalf("%d entries still pending (%v): stored ones were not acknowledged", pending.Count, err)
		}
		if f.seen["a"] != 2 || f.seen["b"] != 2 {
			t.Fatalf("handled %v, want each twice (failed, then stored)", f.seen)
		}
	})
	t.Run("rabbitmq", func(t *testing.T) {
		conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
		if err != nil {
			t.Fatalf("RabbitMQ must run on 5672: %v", err)
		}
		defer conn.Close()
		ch, _ := conn.Channel()
		q := "pbtest.consume." + id.New("q")
		if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
		defer ch.QueueDelete(q, false, false, false)
		for _, b := range []string{"a", "b"} {
			if err := ch.PublishWithContext(t.Context(), "", q, false, false, amqp.Publishing{Body: []byte(b)}); err != nil {
				t.Fatal(err)
			}
		}
		f := &flaky{seen: map[string]int{}}
		runUntil(t, Consume{Type: TypeRabbitMQ, URL: "amqp://127.0.0.1:5672/", Queue: q}, Credentials{Username: "guest", Password: "guest"}, f.handle, f.done(2))
		// The consumer's connection is closed: anything unacknowledged would
		// be back in the queue.
		info, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
		if err != nil || info.Messages != 0 {
			t.Fatalf("queue has %d messages (%v) after they were stored", info.Messages, err)
		}
		if f.seen["a"] != 2 || f.seen["b"] != 2 {
			t.Fatalf("handled %v, want each twice", f.seen)
		}
	})
	t.Run("nats", func(t *testing.T) {
		nc, err := nats.Connect("nats://127.0.0.1:4222")
		if err != nil {
			t.Fatalf("NATS must run on 4222: %v", err)
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		name := "PBTEST_" + id.New("s")[2:]
		subject := "pbtest.consume." + name
		stream, err := js.CreateStream(t.Context(), jetstream.StreamConfig{Name: name, Subjects: []string{subject}, Storage: jetstream.MemoryStorage})
		if err != nil {
			t.Fatal(err)
		}
		defer js.DeleteStream(context.Background(), name)
		for _, b := range []string{"a", "b"} {
			if _, err := js.Publish(t.Context(), subject, []byte(b)); err != nil {
				t.Fatal(err)
			}
		}
		f := &flaky{seen: map[string]int{}}
		runUntil(t, Consume{Type: TypeNATS, URL: "nats://127.0.0.1:4222", Subject: subject, Group: "g1"}, Credentials{}, f.handle, f.done(2))
		cons, err := stream.Consumer(t.Context(), "g1")
		if err != nil {
			t.Fatal(err)
		}
		info, err := cons.Info(t.Context())
		if err != nil || info.NumAckPending != 0 || info.NumPending != 0 {
			t.Fatalf("consumer has %d awaiting ack and %d pending (%v)", info.NumAckPending, info.NumPending, err)
		}
		if f.seen["a"] != 2 || f.seen["b"] != 2 {
			t.Fatalf("handled %v, want each twice", f.seen)
		}
	})
	t.Run("kafka", func(t *testing.T) {
		topic := "pbtest-consume"
		cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
		if err != nil {
			t.Fatal(err)
		}
		defer cluster.Close()
		cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DefaultProduceTopic(topic))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		for _, b := range []string{"a", "b"} {
			if err := cl.ProduceSync(t.Context(), &kgo.Record{Value: []byte(b)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		f := &flaky{seen: map[string]int{}}
		c := Consume{Type: TypeKafka, URL: "kafka://" + cluster.ListenAddrs()[0], Topic: topic, Group: "g1"}
		runUntil(t, c, Credentials{}, f.handle, f.done(2))
		if f.seen["a"] != 2 || f.seen["b"] != 2 {
			t.Fatalf("handled %v, want each twice: a failed record's offset must not be committed", f.seen)
		}
	})
}

// loopback0 is the guard with no allow-list.
func loopback0() safehttp.Options { return safehttp.Options{} }
