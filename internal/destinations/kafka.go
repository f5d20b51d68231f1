package destinations

import (
	"context"
	"fmt"
	"net"
	"net/url"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// kafkaPublisher produces with franz-go's idempotent producer, which waits
// for acks from all in-sync replicas. Concurrent publishes are batched into
// one produce request per partition; records with one key (the key template)
// go to one partition and keep their order.
type kafkaPublisher struct {
	cl     *kgo.Client
	target Target
}

func openKafka(ctx context.Context, u *url.URL, t Target, d dialer) (Publisher, error) {
	opts, err := kafkaOptions(u, t, d)
	if err != nil {
		return nil, err
	}
	opts = append(opts, kgo.DefaultProduceTopic(t.Settings.Topic), kgo.RequiredAcks(kgo.AllISRAcks()))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	if err := cl.Ping(ctx); err != nil {
		cl.Close()
		return nil, err
	}
	return &kafkaPublisher{cl: cl, target: t}, nil
}

// kafkaOptions are the client options for t: seeds, the guarded dialer, TLS
// and SASL.
func kafkaOptions(u *url.URL, t Target, d dialer) ([]kgo.Opt, error) {
	s := t.Settings
	seeds := []string{hostPort(u)}
	for _, b := range s.Brokers {
		bu, err := url.Parse("kafka://" + b)
		if err != nil {
			return nil, fmt.Errorf("broker %s: %w", b, err)
		}
		seeds = append(seeds, hostPort(bu))
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(seeds...),
		kgo.ClientID("patchbay"),
		// Every broker the cluster names is dialled through the guard too.
		kgo.Dialer(func(ctx context.Context, network, host string) (net.Conn, error) {
			return d.dial(ctx, network, host, s.TLS)
		}),
	}
	var mech sasl.Mechanism
	c := t.Credentials
	switch s.SASL {
	case "plain":
		mech = plain.Auth{User: c.Username, Pass: c.Password}.AsMechanism()
	case "scram-sha-256":
		mech = scram.Auth{User: c.Username, Pass: c.Password}.AsSha256Mechanism()
	case "scram-sha-512":
		mech = scram.Auth{User: c.Username, Pass: c.Password}.AsSha512Mechanism()
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	return opts, nil
}

func (p *kafkaPublisher) Publish(ctx context.Context, m Message) (string, error) {
	rec := &kgo.Record{Topic: p.target.Settings.Topic, Value: m.Body, Timestamp: m.Timestamp}
	if p.target.Settings.Key != "" {
		rec.Key = []byte(Expand(p.target.Settings.Key, m))
	}
	for k, v := range m.Headers {
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
	}
	rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: HeaderEventType, Value: []byte(m.EventType)})
	if err := p.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return "", err
	}
	return fmt.Sprintf("Kafka ack: topic %s partition %d offset %d", rec.Topic, rec.Partition, rec.Offset), nil
}

func (p *kafkaPublisher) Broken() bool { return false } // franz-go reconnects by itself

func (p *kafkaPublisher) Close() { p.cl.Close() }
