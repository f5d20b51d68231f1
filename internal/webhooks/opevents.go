package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/safehttp"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/webhook"
)

// disable turns an endpoint off for a reason, records it, and, in the same
// transaction, enqueues the endpoint.disabled operational event.
func (s *Service) disable(ctx context.Context, tx *store.Tx, e Endpoint, reason string) error {
	now := tx.Now()
	if err := endpointDisable(ctx, tx, e.ID, reason); err != nil {
		return err
	}
	if err := recordEndpointEvent(ctx, tx, e.ID, "disabled", reason); err != nil {
		return err
	}
	return s.emit(ctx, tx, "endpoint.disabled", map[string]any{
		"endpoint_id": e.ID, "tenant_id": e.TenantID, "url": e.URL, "reason": reason, "disabled_at": now,
	})
}

// emit enqueues an operational event for the installation's operational
// webhook, if one is configured.
func (s *Service) emit(ctx context.Context, tx *store.Tx, eventType string, data map[string]any) error {
	if s.cfg.OperationalURL == "" || s.jobs == nil {
		return nil
	}
	body, err := json.Marshal(map[string]any{"type": eventType, "timestamp": tx.Now(), "data": data})
	if err != nil {
		return err
	}
	_, err = s.jobs.InsertTx(ctx, tx.Tx, OperationalEventArgs{ID: id.New("opev"), Body: body}, nil)
	return err
}

// EmitOperational enqueues an operational event in tx, for events that other
// packages raise (connection.created, connection.needs_reauth …), so every
// operational event goes out through one webhook, signed the same way.
func (s *Service) EmitOperational(ctx context.Context, tx *store.Tx, eventType string, data map[string]any) error {
	return s.emit(ctx, tx, eventType, data)
}

// OperationalEventArgs sends one operational event to the installation's
// operational webhook URL.
type OperationalEventArgs struct {
	ID   string          `json:"id"`
	Body json.RawMessage `json:"body"`
}

// Kind is the job's stable name.
func (OperationalEventArgs) Kind() string { return "webhook_operational_event" }

// InsertOpts retries operational events for about a day.
func (OperationalEventArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// OperationalEventWorker posts operational events, signed with the
// operational secret when one is configured.
type OperationalEventWorker struct {
	river.WorkerDefaults[OperationalEventArgs]
	Service *Service
}

// Work sends the event; River retries it with backoff until it lands.
func (w *OperationalEventWorker) Work(ctx context.Context, job *river.Job[OperationalEventArgs]) error {
	cfg := w.Service.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.OperationalURL, bytes.NewReader(job.Args.Body))
	if err != nil {
		return river.JobCancel(err)
	}
	now := time.Now()
	req.Header.Set("Content-Type", "application/json")
	var keys [][]byte
	if cfg.OperationalSecret != "" {
		key, err := webhook.ParseSecret(cfg.OperationalSecret)
		if err != nil {
			return river.JobCancel(fmt.Errorf("operational secret: %w", err))
		}
		keys = [][]byte{key}
	}
	webhook.SetHeaders(req.Header, keys, job.Args.ID, now, job.Args.Body)
	resp, err := w.Service.client.Do(req)
	if err != nil {
		return fmt.Errorf("operational webhook: %s", describe(err, cfg.Timeout))
	}
	safehttp.ReadBody(resp.Body, 1<<10) //nolint:errcheck // drained for connection reuse only
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return fmt.Errorf("operational webhook answered %d", resp.StatusCode)
	}
	return nil
}
