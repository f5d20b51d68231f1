package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/patchbay/patchbay/internal/destinations"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/verify"
)

// Broker consumers: every worker node runs one consumer per source that has
// consume settings. The brokers share a source's messages among its
// consumers (a NATS durable consumer, a RabbitMQ queue, a Kafka consumer
// group, a Redis consumer group), so several nodes may consume one source,
// each message reaching one of them; a message is acknowledged only after
// its event is committed, so one a node dies holding comes again.
const (
	consumeRescan     = 2 * time.Second
	consumeBackoffMin = 500 * time.Millisecond
	consumeBackoffMax = 30 * time.Second
)

// RunConsumers consumes the sources' brokers until ctx ends, following
// sources as they are made, changed and deleted, and returns once every
// consumer has stopped.
func (s *Service) RunConsumers(ctx context.Context, logger *slog.Logger) {
	type running struct {
		version time.Time
		stop    context.CancelFunc
	}
	active := map[string]running{}
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(consumeRescan)
	defer tick.Stop()
	for {
		want, err := sourcesConsuming(ctx, s.db)
		if err != nil && ctx.Err() == nil {
			logger.Warn("list consuming sources", "error", err)
		}
		if err == nil {
			for id, r := range active {
				if v, ok := want[id]; !ok || !v.Equal(r.version) {
					r.stop()
					delete(active, id)
				}
			}
			for id, v := range want {
				if _, ok := active[id]; ok {
					continue
				}
				cctx, stop := context.WithCancel(ctx)
				active[id] = running{version: v, stop: stop}
				wg.Go(func() { s.consume(cctx, id, logger.With("source_id", id)) })
			}
		}
		select {
		case <-ctx.Done():
			for _, r := range active {
				r.stop()
			}
			return
		case <-tick.C:
		}
	}
}

// consume runs one source's consumer, reconnecting with backoff.
func (s *Service) consume(ctx context.Context, sourceID string, logger *slog.Logger) {
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		started := time.Now()
		err := s.consumeOnce(ctx, sourceID)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > consumeBackoffMax {
			backoff = 0 // it ran a good while: start the backoff afresh
		}
		backoff = min(max(2*backoff, consumeBackoffMin), consumeBackoffMax)
		logger.Warn("broker consumer stopped; reconnecting", "error", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
	}
}

func (s *Service) consumeOnce(ctx context.Context, sourceID string) error {
	src, err := s.source(ctx, s.db, sourceID)
	if err != nil {
		return err
	}
	if src.Consume == nil {
		<-ctx.Done() // changed since the scan; the next scan stops this one
		return nil
	}
	var creds destinations.Credentials
	if sealed, err := sourceGetConsumeCredentials(ctx, s.db, sourceID); err != nil {
		return err
	} else if sealed != nil {
		plain, err := s.vault.Open(sealed, consumeAAD(sourceID))
		if err != nil {
			return fmt.Errorf("source %s consume credentials: %w", sourceID, err)
		}
		if err := json.Unmarshal(plain, &creds); err != nil {
			return fmt.Errorf("source %s consume credentials: %w", sourceID, err)
		}
	}
	c := *src.Consume
	return destinations.Run(ctx, c, creds, "patchbay-"+sourceID, s.hooks.Outbound(), func(ctx context.Context, m destinations.Received) error {
		return s.ingestReceived(ctx, sourceID, c, m)
	})
}

// ingestReceived puts one broker message through the pipeline of /in/:
// verification (a source with a scheme checks the message's headers, as an
// HTTP request's), deduplication, storage, forwarding and re-emitting. It
// returns nil once the event is committed (or rejected for good, which is
// acknowledged too so it does not come back forever).
func (s *Service) ingestReceived(ctx context.Context, sourceID string, c destinations.Consume, m destinations.Received) error {
	src, v, err := s.cachedSource(ctx, sourceID)
	if err != nil {
		return err
	}
	h := http.Header{}
	for k, val := range m.Headers {
		h.Set(k, val)
	}
	res, err := v.Verify(verify.Request{Header: h, Body: m.Body, Now: time.Now()})
	var verr *verify.Error
	if errors.As(err, &verr) {
		s.metrics.rejected.WithLabelValues(string(src.verifier.Scheme), string(verr.Reason)).Inc()
		return nil
	} else if err != nil {
		return err
	}
	res.EventID = messageID(c.MessageID, m, res.EventID)
	headers := keptHeaders(h, src.verifier)
	duplicate, err := s.store(ctx, src, strings.ToUpper(c.Type), headers, m.Body, res)
	if err != nil {
		return err
	}
	outcome := "new"
	if duplicate {
		outcome = "duplicate"
	}
	s.metrics.events.WithLabelValues(string(src.verifier.Scheme), outcome).Inc()
	return nil
}

// messageID is a received message's identity: where the source's
// message_id setting points, else what the verifier found, else the
// broker's message ID.
func messageID(setting string, m destinations.Received, verified string) string {
	switch {
	case strings.HasPrefix(setting, "header:"):
		name := strings.TrimPrefix(setting, "header:")
		for k, v := range m.Headers {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return ""
	case strings.HasPrefix(setting, "/"):
		var doc any
		if json.Unmarshal(m.Body, &doc) != nil {
			return ""
		}
		v, ok := jsonptr.Lookup(doc, setting)
		if !ok {
			return ""
		}
		switch v := v.(type) {
		case string:
			return v
		case float64, bool:
			return fmt.Sprint(v)
		}
		return ""
	case verified != "":
		return verified
	}
	return m.ID
}
