package transform

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/tenants"
)

// Sample is what a test runs on: a payload given, a real message, or the
// event type's example, in that order.
type Sample struct {
	EventType string            `json:"event_type,omitempty" doc:"The event type: with payload, what the transformation sees as eventType; alone, its example is the payload."`
	Payload   json.RawMessage   `json:"payload,omitempty" doc:"A payload to run on, as JSON."`
	TenantID  string            `json:"tenant_id,omitempty" doc:"With message_id: the tenant of the message."`
	MessageID string            `json:"message_id,omitempty" doc:"A real message (msg_…) to run on: its event type and payload."`
	Headers   map[string]string `json:"headers,omitempty" doc:"Headers the transformation sees."`
	URL       string            `json:"url,omitempty" format:"uri" doc:"The endpoint URL the transformation sees."`
}

func (s Sample) problems() map[string]string {
	p := map[string]string{}
	switch {
	case s.MessageID != "" && s.TenantID == "":
		p["tenant_id"] = "is required with message_id"
	case s.MessageID != "" && tenants.ValidID(s.TenantID) != "":
		p["tenant_id"] = tenants.ValidID(s.TenantID)
	case s.MessageID == "" && len(s.Payload) == 0 && s.EventType == "":
		p["payload"] = "give a payload, a message_id, or an event_type whose example to use"
	}
	if len(s.Payload) > 0 && !json.Valid(s.Payload) {
		p["payload"] = "must be JSON"
	}
	return p
}

// TestResult is a test run's outcome.
type TestResult struct {
	OK         bool      `json:"ok" doc:"Whether the transformation ran and returned a valid webhook object."`
	Webhook    *Webhook  `json:"webhook,omitempty" doc:"What would be sent: the webhook object the transformation returned."`
	Error      *RunIssue `json:"error,omitempty" doc:"Why the run failed, when it did."`
	Logs       []string  `json:"logs" doc:"Lines logged with console.log (or a module's stdout and stderr), at most 50 of 1,000 bytes each."`
	DurationMS float64   `json:"duration_ms" doc:"How long the run took, in milliseconds."`
	VersionID  string    `json:"version_id,omitempty" doc:"The version that ran, for a saved transformation."`
	Sample     string    `json:"sample" enum:"payload,message,example" doc:"Where the input came from: the payload given, a real message, or the event type's example."`
	Input      Webhook   `json:"input" doc:"The webhook object the transformation was given."`
}

// RunIssue is why a run failed.
type RunIssue struct {
	Kind    string `json:"kind" enum:"compile,throw,timeout,memory,invalid,output" doc:"What went wrong: the code did not compile, threw, ran out of time or memory, returned something invalid, or returned too much."`
	Message string `json:"message" doc:"The reason, as recorded on an attempt."`
}

// Test runs p on a sample and reports what it returned, logged and took. A
// failed run is a result (ok false), not an error.
func (s *Service) Test(ctx context.Context, p Program, sample Sample) (TestResult, error) {
	in, kind, err := s.sampleInput(ctx, sample)
	if err != nil {
		return TestResult{}, err
	}
	res, err := s.engine.Run(ctx, p, Input{Webhook: in, Now: time.Now().UTC()})
	out := TestResult{OK: err == nil, Logs: res.Logs, DurationMS: float64(res.Duration.Microseconds()) / 1000, VersionID: p.Version, Sample: kind, Input: in}
	if out.Logs == nil {
		out.Logs = []string{}
	}
	var te *Error
	switch {
	case errors.As(err, &te):
		out.Error = &RunIssue{Kind: te.Kind, Message: te.Message}
		if len(te.Logs) > 0 {
			out.Logs = te.Logs
		}
	case err != nil:
		return TestResult{}, err
	default:
		out.Webhook = &res.Webhook
	}
	return out, nil
}

func (s *Service) sampleInput(ctx context.Context, sample Sample) (Webhook, string, error) {
	w := Webhook{EventType: sample.EventType, Payload: sample.Payload, Headers: sample.Headers, URL: sample.URL}
	if w.Headers == nil {
		w.Headers = map[string]string{}
	}
	switch {
	case len(sample.Payload) > 0:
		return w, "payload", nil
	case sample.MessageID != "":
		if s.samples == nil {
			return w, "", apperr.Errorf(apperr.NotFound, "message %s not found", sample.MessageID)
		}
		eventType, payload, err := s.samples.MessageSample(ctx, sample.TenantID, sample.MessageID)
		if err != nil {
			return w, "", err
		}
		w.EventType, w.Payload = eventType, payload
		return w, "message", nil
	}
	if s.samples == nil {
		return w, "", apperr.Errorf(apperr.NotFound, "event type %s not found", sample.EventType)
	}
	example, err := s.samples.EventTypeExample(ctx, sample.EventType)
	if err != nil {
		return w, "", err
	}
	if len(example) == 0 {
		return w, "", apperr.InvalidFields(map[string]string{"event_type": "the event type " + sample.EventType + " has no example: give a payload"})
	}
	w.Payload = example
	return w, "example", nil
}

// TestVersion runs a saved version (nil: the latest) on a sample.
func (s *Service) TestVersion(ctx context.Context, transformationID string, version *int, sample Sample) (TestResult, error) {
	t, err := s.Transformation(ctx, transformationID)
	if err != nil {
		return TestResult{}, err
	}
	n := t.LatestVersion
	if version != nil {
		n = *version
	}
	v, code, err := versionGet(ctx, s.db, transformationID, n)
	if err != nil {
		if _, gerr := s.Version(ctx, transformationID, n); gerr != nil {
			return TestResult{}, gerr
		}
		return TestResult{}, err
	}
	return s.Test(ctx, Program{Version: v.ID, Language: t.Language, Code: code}, sample)
}
