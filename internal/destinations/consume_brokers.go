package destinations

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/patchbay/patchbay/internal/id"
)

// consumeBatch is how many messages a consumer asks for at once (JetStream
// fetch, RabbitMQ prefetch, XREADGROUP COUNT).
const consumeBatch = 64

// consumerName names this process's consumer in a Redis group: stable while
// the process lives, so after a reconnect it reads its own pending entries
// (delivered, never acknowledged) first.
var consumerName = id.New("patchbay")

// consumeNATS reads a JetStream stream through a durable pull consumer named
// group, shared by every node (each message goes to one of them), and acks
// each message (double ack: the server confirms) once it is stored.
func consumeNATS(ctx context.Context, u *url.URL, c Consume, t Target, d dialer, group string, handle Handler) error {
	nc, err := connectNATS(u, t, d)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	stream := c.Stream
	if stream == "" {
		if stream, err = js.StreamNameBySubject(ctx, c.Subject); err != nil {
			return fmt.Errorf("no stream for subject %s: %w", c.Subject, err)
		}
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: group, FilterSubject: c.Subject,
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second, DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return fmt.Errorf("consumer %s on stream %s: %w", group, stream, err)
	}
	for ctx.Err() == nil {
		if nc.IsClosed() {
			return errors.New("connection closed")
		}
		batch, err := cons.Fetch(consumeBatch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return err
		}
		for m := range batch.Messages() {
			h := map[string]string{}
			for k, vs := range m.Headers() {
				h[k] = strings.Join(vs, ", ")
			}
			r := Received{ID: m.Headers().Get("Nats-Msg-Id"), Headers: h, Body: m.Data()}
			if err := handle(ctx, r); err != nil {
				m.Nak() //nolint:errcheck // unacknowledged, it comes again after AckWait anyway
				continue
			}
			if err := m.DoubleAck(ctx); err != nil {
				return fmt.Errorf("ack: %w", err)
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoMessages) {
			return err
		}
	}
	return nil
}

// consumeRabbitMQ reads a queue with manual acknowledgement; several nodes
// reading one queue share its messages.
func consumeRabbitMQ(ctx context.Context, u *url.URL, c Consume, t Target, d dialer, group string, handle Handler) error {
	conn, err := dialRabbitMQ(ctx, u, t, d)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := ch.Qos(consumeBatch, 0, false); err != nil {
		return err
	}
	msgs, err := ch.Consume(c.Queue, group+"-"+consumerName, false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("queue %s: %w", c.Queue, err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-msgs:
			if !ok {
				return errors.New("channel closed")
			}
			h := map[string]string{}
			for k, v := range m.Headers {
				if s, ok := v.(string); ok {
					h[k] = s
				}
			}
			if m.ContentType != "" {
				h["Content-Type"] = m.ContentType
			}
			if err := handle(ctx, Received{ID: m.MessageId, Headers: h, Body: m.Body}); err != nil {
				m.Nack(false, true) //nolint:errcheck // requeued for another try
				continue
			}
			if err := m.Ack(false); err != nil {
				return fmt.Errorf("ack: %w", err)
			}
		}
	}
}

// consumeKafka reads a topic in a consumer group, committing offsets only
// after every record of a fetch is stored.
func consumeKafka(ctx context.Context, u *url.URL, c Consume, t Target, d dialer, group string, handle Handler) error {
	opts, err := kafkaOptions(u, t, d)
	if err != nil {
		return err
	}
	opts = append(opts, kgo.ConsumerGroup(group), kgo.ConsumeTopics(c.Topic), kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	for ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			return fmt.Errorf("fetch from %s: %w", errs[0].Topic, errs[0].Err)
		}
		var done []*kgo.Record
		var failed error
		fetches.EachRecord(func(r *kgo.Record) {
			if failed != nil {
				return
			}
			h := map[string]string{}
			for _, x := range r.Headers {
				h[x.Key] = string(x.Value)
			}
			if failed = handle(ctx, Received{ID: h[HeaderID], Headers: h, Body: r.Value}); failed == nil {
				done = append(done, r)
			}
		})
		if len(done) > 0 {
			if err := cl.CommitRecords(ctx, done...); err != nil {
				return fmt.Errorf("commit: %w", err)
			}
		}
		if failed != nil {
			return failed // from the last commit again
		}
	}
	return nil
}

// consumeRedis reads a stream in a consumer group, acknowledging (XACK) each
// entry once stored. It reads its own pending entries first.
func consumeRedis(ctx context.Context, u *url.URL, c Consume, t Target, d dialer, group string, handle Handler) error {
	rdb, err := redisClient(ctx, u, t, d)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := rdb.XGroupCreateMkStream(ctx, c.StreamKey, group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("group %s on %s: %w", group, c.StreamKey, err)
	}
	from := "0" // pending entries of this consumer first, then new ones
	for ctx.Err() == nil {
		res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumerName, Streams: []string{c.StreamKey, from},
			Count: consumeBatch, Block: time.Second}).Result()
		if errors.Is(err, redis.Nil) || ctx.Err() != nil {
			continue
		}
		if err != nil {
			return err
		}
		n := 0
		for _, st := range res {
			for _, m := range st.Messages {
				n++
				h := map[string]string{}
				var body []byte
				for k, v := range m.Values {
					s, _ := v.(string)
					if k == PayloadField {
						body = []byte(s)
					} else {
						h[k] = s
					}
				}
				if err := handle(ctx, Received{ID: h[HeaderID], Headers: h, Body: body}); err != nil {
					return err // stays pending; read again from "0"
				}
				if err := rdb.XAck(ctx, c.StreamKey, group, m.ID).Err(); err != nil {
					return fmt.Errorf("ack: %w", err)
				}
			}
		}
		if from == "0" && n == 0 {
			from = ">"
		}
	}
	return nil
}
