package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/patchbay/patchbay/client"
)

// brokerSink stands in for a customer consuming from a broker in `bench
// webhooks --endpoint-type`: it creates what the endpoints publish to (a
// JetStream stream, an exchange and queue, streams, topics), consumes every
// message and records it in the receivers' tally by endpoint and message ID,
// as the HTTP receivers do. NATS, RabbitMQ, Redis and Mosquitto are the
// servers on loopback (--broker-url); Kafka is franz-go's in-process kfake
// cluster, as no Kafka runs here.
type brokerSink struct {
	typ, url, run string
	rc            *receivers
	closers       []func()
	mu            sync.Mutex
	redisKeys     []string
}

var brokerDefaultURLs = map[string]string{"nats": "nats://127.0.0.1:4222", "rabbitmq": "amqp://127.0.0.1:5672/",
	"redis": "redis://127.0.0.1:6379", "mqtt": "mqtt://127.0.0.1:1883", "kafka": ""}

func startBrokerSink(ctx context.Context, typ, url string, endpoints int, rc *receivers) (*brokerSink, error) {
	b := make([]byte, 4)
	rand.Read(b) //nolint:errcheck // never fails
	s := &brokerSink{typ: typ, url: url, run: hex.EncodeToString(b), rc: rc}
	if s.url == "" {
		s.url = brokerDefaultURLs[typ]
	}
	record := func(path, id string) { rc.tally.Load().record(path, id, time.Now()) }
	var err error
	switch typ {
	case "nats":
		err = s.startNATS(ctx, record)
	case "rabbitmq":
		err = s.startRabbitMQ(record)
	case "redis":
		err = s.startRedis(ctx, endpoints, record)
	case "mqtt":
		err = s.startMQTT(record)
	case "kafka":
		err = s.startKafka(record)
	default:
		err = fmt.Errorf("unknown endpoint type %q", typ)
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("%s sink: %w", typ, err)
	}
	return s, nil
}

func (s *brokerSink) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// endpoint is endpoint i's settings.
func (s *brokerSink) endpoint(i int) client.EndpointParams {
	p := client.EndpointParams{Type: client.Ptr(s.typ), URL: client.Ptr(s.url)}
	ep := fmt.Sprintf("ep%d", i)
	switch s.typ {
	case "nats":
		p.Broker = &client.BrokerSettings{Subject: "pbbench." + s.run + "." + ep, Stream: "PBBENCH_" + s.run}
	case "rabbitmq":
		p.Broker = &client.BrokerSettings{Exchange: "pbbench." + s.run, RoutingKey: ep}
		p.Credentials = &client.BrokerCredentials{Username: "guest", Password: "guest"}
	case "redis":
		p.Broker = &client.BrokerSettings{StreamKey: "pbbench:" + s.run + ":" + ep}
	case "mqtt":
		p.Broker = &client.BrokerSettings{Topic: "pbbench/" + s.run + "/" + ep + "/{message_id}"}
	case "kafka":
		p.Broker = &client.BrokerSettings{Topic: "pbbench-" + s.run, Key: ep}
	}
	return p
}

func (s *brokerSink) startNATS(ctx context.Context, record func(path, id string)) error {
	nc, err := nats.Connect(s.url)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	name := "PBBENCH_" + s.run
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{"pbbench." + s.run + ".>"},
		Storage: jetstream.MemoryStorage, Duplicates: time.Minute}); err != nil {
		return err
	}
	s.closers = append(s.closers, func() { js.DeleteStream(context.Background(), name) }) //nolint:errcheck // best effort
	sub, err := nc.Subscribe("pbbench."+s.run+".>", func(m *nats.Msg) { record(m.Subject, m.Header.Get("Nats-Msg-Id")) })
	if err != nil {
		return err
	}
	sub.SetPendingLimits(-1, -1) //nolint:errcheck // unlimited
	return nil
}

func (s *brokerSink) startRabbitMQ(record func(path, id string)) error {
	u := strings.Replace(s.url, "amqp://", "amqp://guest:guest@", 1)
	conn, err := amqp.Dial(u)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	exchange := "pbbench." + s.run
	if err := ch.ExchangeDeclare(exchange, "topic", false, true, false, false, nil); err != nil {
		return err
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return err
	}
	if err := ch.QueueBind(q.Name, "#", exchange, false, nil); err != nil {
		return err
	}
	msgs, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		return err
	}
	go func() {
		for m := range msgs {
			record(m.RoutingKey, m.MessageId)
		}
	}()
	return nil
}

func (s *brokerSink) startRedis(ctx context.Context, endpoints int, record func(path, id string)) error {
	opt, err := redis.ParseURL(s.url)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return err
	}
	streams := make([]string, 0, 2*endpoints)
	for i := range endpoints {
		streams = append(streams, fmt.Sprintf("pbbench:%s:ep%d", s.run, i))
	}
	keys := slicesClone(streams)
	for range endpoints {
		streams = append(streams, "0")
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			default:
			}
			res, err := rdb.XRead(context.Background(), &redis.XReadArgs{Streams: streams, Count: 1000, Block: 200 * time.Millisecond}).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				time.Sleep(50 * time.Millisecond) // bounded by done; a broken server shows as missing deliveries
				continue
			}
			for _, st := range res {
				for _, m := range st.Messages {
					id, _ := m.Values["webhook-id"].(string)
					record(st.Stream, id)
				}
				if n := len(st.Messages); n > 0 {
					for i, k := range keys {
						if k == st.Stream {
							streams[endpoints+i] = st.Messages[n-1].ID
						}
					}
				}
			}
		}
	}()
	s.closers = append(s.closers, func() {
		close(done)
		<-stopped
		rdb.Del(context.Background(), keys...) //nolint:errcheck // best effort
		rdb.Close()
	})
	return nil
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func (s *brokerSink) startMQTT(record func(path, id string)) error {
	addr := strings.Replace(strings.Replace(s.url, "mqtts://", "ssl://", 1), "mqtt://", "tcp://", 1)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(addr).SetClientID("pbbench-" + s.run).SetOrderMatters(false))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return fmt.Errorf("connect: %v", tok.Error())
	}
	s.closers = append(s.closers, func() { c.Disconnect(100) })
	tok := c.Subscribe("pbbench/"+s.run+"/#", 1, func(_ mqtt.Client, m mqtt.Message) {
		topic := m.Topic()
		i := strings.LastIndexByte(topic, '/')
		record(topic[:i], topic[i+1:])
	})
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return fmt.Errorf("subscribe: %v", tok.Error())
	}
	return nil
}

func (s *brokerSink) startKafka(record func(path, id string)) error {
	topic := "pbbench-" + s.run
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(8, topic))
	if err != nil {
		return err
	}
	s.closers = append(s.closers, cluster.Close)
	s.url = "kafka://" + cluster.ListenAddrs()[0]
	cl, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.ConsumeTopics(topic))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
				for _, h := range r.Headers {
					if h.Key == "webhook-id" {
						record(string(r.Key), string(h.Value))
					}
				}
			})
		}
	}()
	s.closers = append(s.closers, func() { cancel(); <-stopped; cl.Close() })
	return nil
}
