package webhooks

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/jsonptr"
	"github.com/patchbay/patchbay/internal/store"
)

// EventType is a kind of event the SaaS publishes, such as invoice.paid.
// Endpoints subscribe to event types, and every published payload must match
// its type's schema, so receivers can rely on its shape.
type EventType struct {
	// Name is dot-separated parts of letters, digits, _ and -, such as
	// invoice.paid or user.created.v2.
	Name        string `json:"name" example:"invoice.paid" doc:"Dot-separated parts of letters, digits, _ and -, such as invoice.paid or user.created.v2."`
	Description string `json:"description" doc:"What the event means."`
	// Schema is the JSON Schema payloads must match: draft 2020-12 unless
	// its $schema names another draft. Absent, any JSON payload is accepted.
	Schema json.RawMessage `json:"schema,omitempty" doc:"The JSON Schema payloads must match: draft 2020-12 unless its $schema names another draft. Absent, any JSON payload is accepted."`
	// Example is a payload of this type, for documentation; it matches Schema.
	Example json.RawMessage `json:"example,omitempty" doc:"A payload of this type, for documentation; it matches Schema."`
	// Archived types stay listed for history but can no longer be published.
	Archived  bool      `json:"archived" doc:"Types stay listed for history but can no longer be published."`
	CreatedAt time.Time `json:"created_at" doc:"When the event type was created."`
	UpdatedAt time.Time `json:"updated_at" doc:"When it last changed."`
}

// EventTypePatch changes some of an event type's fields. A nil field is left
// as it is; Schema and Example are removed by JSON null, which is why they are
// raw JSON rather than pointers.
type EventTypePatch struct {
	Description *string         `json:"description,omitempty" doc:"A new description; absent keeps the old one."`
	Schema      json.RawMessage `json:"schema,omitempty" doc:"A new JSON Schema for payloads; absent keeps the old one."`
	Example     json.RawMessage `json:"example,omitempty" doc:"A new example payload; absent keeps the old one."`
	Archived    *bool           `json:"archived,omitempty" doc:"Archives (true) or restores (false) the event type."`
}

// EventTypeCacheTTLDefault is how long Check trusts what it read about an
// event type when EventTypes.CacheTTL is zero.
const EventTypeCacheTTLDefault = 5 * time.Second

const (
	eventTypeNameMax        = 128
	eventTypeDescriptionMax = 1000
	// eventTypeCacheMax bounds the check cache. Lookups of names that do not
	// exist are cached too, so a client publishing made-up names cannot grow
	// it without limit; when full it is emptied and live types refill it.
	eventTypeCacheMax = 10_000
	// payloadProblemsMax bounds the field problems a failed check reports: a
	// payload with a thousand bad items needs a few examples, not a thousand.
	payloadProblemsMax = 10
	// problemTextMax bounds one problem's text, which may quote a schema.
	problemTextMax = 200
)

// EventTypes keeps the catalogue of event types and checks published payloads
// against it.
type EventTypes struct {
	db *store.DB

	// CacheTTL is how long Check trusts what it last read about an event type,
	// which keeps the database and the schema compiler off the publishing hot
	// path. Changes made through this EventTypes take effect here at once;
	// changes made on another node take effect within CacheTTL. Zero means
	// EventTypeCacheTTLDefault. Set it before the first Check.
	CacheTTL time.Duration

	mu      sync.Mutex
	cache   map[string]*checkEntry
	loading map[string]*checkLoad
	// gen counts local changes. A load that started before one is returned to
	// its callers but not cached, since it may have read the old row.
	gen uint64
}

// checkEntry is what Check needs to know about one event type name.
type checkEntry struct {
	exists   bool
	archived bool
	// raw is the stored schema, so a refresh that finds it unchanged reuses
	// the compiled one instead of compiling again.
	raw    []byte
	schema *jsonschema.Schema // nil: any payload goes, unless unusable
	// unusable says why the stored schema cannot be compiled (over the
	// limits, say); publishing the type is refused until it is replaced.
	unusable string
	fetched  time.Time
}

// checkLoad is one lookup in flight. Callers that miss the cache for a name
// already being looked up wait for it, rather than all querying and
// compiling at once when a busy type's entry expires.
type checkLoad struct {
	done  chan struct{}
	entry *checkEntry
	err   error
}

// NewEventTypes returns the event type service.
func NewEventTypes(db *store.DB) *EventTypes {
	return &EventTypes{db: db, cache: map[string]*checkEntry{}, loading: map[string]*checkLoad{}}
}

// Create adds an event type. The name must be new, archived names included.
func (s *EventTypes) Create(ctx context.Context, et EventType) (EventType, error) {
	problems := map[string]string{}
	if msg := validEventTypeName(et.Name); msg != "" {
		problems["name"] = msg
	}
	if msg := validEventTypeDescription(et.Description); msg != "" {
		problems["description"] = msg
	}
	var err error
	if et.Schema, et.Example, err = checkSchemaAndExample(et.Schema, et.Example, problems); err != nil {
		return EventType{}, err
	}
	if len(problems) > 0 {
		return EventType{}, apperr.InvalidFields(problems)
	}
	et.Archived = false
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		et.CreatedAt, et.UpdatedAt = tx.Now(), tx.Now()
		err := eventTypeInsert(ctx, tx, et)
		if store.IsUniqueViolation(err) {
			return apperr.Errorf(apperr.Conflict, "event type %s already exists", et.Name)
		}
		return err
	})
	s.forget(et.Name) // a lookup may have cached that it did not exist
	if err != nil {
		return EventType{}, fmt.Errorf("create event type: %w", err)
	}
	return et, nil
}

// DeclareTx adds event types that Patchbay itself publishes, such as
// sync.record.created, to the catalogue in the caller's transaction, so they
// are listed and documented by their schema like the SaaS's own. Types that
// exist already, perhaps edited by the SaaS, are left as they are.
func (s *EventTypes) DeclareTx(ctx context.Context, tx *store.Tx, types []EventType) error {
	for _, et := range types {
		problems := map[string]string{}
		schema, example, err := checkSchemaAndExample(et.Schema, et.Example, problems)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return fmt.Errorf("declare event type %s: %v", et.Name, problems)
		}
		et.Schema, et.Example, et.Archived, et.CreatedAt, et.UpdatedAt = schema, example, false, tx.Now(), tx.Now()
		if err := eventTypeInsertUnlessExists(ctx, tx, et); err != nil {
			return fmt.Errorf("declare event type %s: %w", et.Name, err)
		}
		s.forget(et.Name)
	}
	return nil
}

// EventType returns one event type, archived or not.
func (s *EventTypes) EventType(ctx context.Context, name string) (EventType, error) {
	et, err := eventTypeGet(ctx, s.db, name)
	if errors.Is(err, sql.ErrNoRows) {
		return EventType{}, apperr.Errorf(apperr.NotFound, "event type %s not found", name)
	}
	return et, err
}

// List returns a page of event types ordered by name; archived ones only when
// includeArchived is set.
func (s *EventTypes) List(ctx context.Context, page httpapi.Page, includeArchived bool) ([]EventType, error) {
	list, err := eventTypesList(ctx, s.db, page.After, page.Limit+1, includeArchived)
	if err != nil {
		return nil, fmt.Errorf("list event types: %w", err)
	}
	return list, nil
}

// Update changes an event type's description, schema, example or archived
// flag. The example must match the schema the type ends up with, so a new
// schema that the stored example fails needs a new example (or null) with it.
func (s *EventTypes) Update(ctx context.Context, name string, patch EventTypePatch) (EventType, error) {
	et, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (EventType, error) {
		// Locked so that two concurrent patches cannot leave an example that
		// does not match the schema.
		et, err := eventTypeGetLocked(ctx, tx, name)
		if errors.Is(err, sql.ErrNoRows) {
			return EventType{}, apperr.Errorf(apperr.NotFound, "event type %s not found", name)
		} else if err != nil {
			return EventType{}, err
		}
		problems := map[string]string{}
		if patch.Description != nil {
			et.Description = *patch.Description
			if msg := validEventTypeDescription(et.Description); msg != "" {
				problems["description"] = msg
			}
		}
		if patch.Schema != nil {
			et.Schema = patch.Schema
		}
		if patch.Example != nil {
			et.Example = patch.Example
		}
		if patch.Archived != nil {
			et.Archived = *patch.Archived
		}
		if et.Schema, et.Example, err = checkSchemaAndExample(et.Schema, et.Example, problems); err != nil {
			return EventType{}, err
		}
		if msg, ok := problems["example"]; ok && patch.Example == nil {
			problems["example"] = "the stored example " + strings.TrimPrefix(msg, "the example ") +
				"; send a new example with the schema, or null to remove it"
		}
		if len(problems) > 0 {
			return EventType{}, apperr.InvalidFields(problems)
		}
		et.UpdatedAt = tx.Now()
		return et, eventTypeUpdate(ctx, tx, et)
	})
	s.forget(name)
	if err != nil {
		return EventType{}, fmt.Errorf("update event type %s: %w", name, err)
	}
	return et, nil
}

// Archive stops an event type from being published while keeping it, its
// messages and the endpoints that name it. Archiving an archived type changes
// nothing; Update with archived false restores one.
func (s *EventTypes) Archive(ctx context.Context, name string) (EventType, error) {
	et, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (EventType, error) {
		if err := eventTypeArchive(ctx, tx, name); err != nil {
			return EventType{}, err
		}
		et, err := eventTypeGet(ctx, tx, name)
		if errors.Is(err, sql.ErrNoRows) {
			return EventType{}, apperr.Errorf(apperr.NotFound, "event type %s not found", name)
		}
		return et, err
	})
	s.forget(name)
	if err != nil {
		return EventType{}, fmt.Errorf("archive event type %s: %w", name, err)
	}
	return et, nil
}

// Check is what publishing asks of every message: the event type must exist
// and not be archived (422 naming event_type), and the payload must match the
// type's schema (422 naming each bad part as "payload/<JSON pointer>", such as
// "payload/lines/0/amount"). Without a schema any UTF-8 payload goes and none
// is parsed: the caller has already decoded it as JSON. What Check reads about a
// type is cached for CacheTTL, compiled schema included.
func (s *EventTypes) Check(ctx context.Context, name string, payload json.RawMessage) error {
	if msg := validEventTypeName(name); msg != "" {
		return &apperr.Error{Code: apperr.Unprocessable, Message: "the event type name is not valid",
			Fields: map[string]string{"event_type": msg}}
	}
	e, err := s.lookup(ctx, name)
	switch {
	case err != nil:
		return err
	case !e.exists:
		return &apperr.Error{Code: apperr.Unprocessable, Message: fmt.Sprintf("event type %s does not exist; create it before publishing", name),
			Fields: map[string]string{"event_type": "does not exist"}}
	case e.archived:
		return &apperr.Error{Code: apperr.Unprocessable, Message: fmt.Sprintf("event type %s is archived; restore it before publishing", name),
			Fields: map[string]string{"event_type": "is archived"}}
	case len(payload) == 0:
		return apperr.InvalidFields(map[string]string{"payload": "is required"})
	case !utf8.Valid(payload):
		// JSON text is UTF-8 (RFC 8259), and PostgreSQL stores nothing else.
		return apperr.InvalidFields(map[string]string{"payload": "must be UTF-8"})
	case e.unusable != "":
		return &apperr.Error{Code: apperr.Unprocessable,
			Message: fmt.Sprintf("event type %s has a stored schema that cannot be used, so no payload can be checked; replace its schema", name),
			Fields:  map[string]string{"event_type": "has a schema that cannot be compiled: it " + e.unusable}}
	case e.schema == nil:
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return apperr.InvalidFields(map[string]string{"payload": "must be valid JSON"})
	}
	if loc, msg := payloadNumberProblem(v, nil); msg != "" {
		return &apperr.Error{Code: apperr.Unprocessable, Message: "the payload holds a number too large or too long to check against the schema",
			Fields: map[string]string{"payload" + jsonptr.Format(loc): msg}}
	}
	err = e.schema.Validate(v)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return fmt.Errorf("validate a payload of event type %s: %w", name, err)
	}
	fields, total := limitProblems(schemaProblems(verr, "payload"), payloadProblemsMax)
	msg := fmt.Sprintf("the payload does not match the schema of event type %s", name)
	if total > len(fields) {
		msg += fmt.Sprintf(" (%d of %d problems shown)", len(fields), total)
	}
	return &apperr.Error{Code: apperr.Unprocessable, Message: msg, Fields: fields}
}

func (s *EventTypes) ttl() time.Duration { return cmp.Or(s.CacheTTL, EventTypeCacheTTLDefault) }

// lookup returns what Check needs to know about name, from the cache when it
// is fresh.
func (s *EventTypes) lookup(ctx context.Context, name string) (*checkEntry, error) {
	now := time.Now()
	s.mu.Lock()
	prev := s.cache[name]
	if prev != nil && now.Sub(prev.fetched) < s.ttl() {
		s.mu.Unlock()
		return prev, nil
	}
	if l := s.loading[name]; l != nil {
		s.mu.Unlock()
		select {
		case <-l.done:
			return l.entry, l.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l := &checkLoad{done: make(chan struct{})}
	s.loading[name] = l
	gen := s.gen
	s.mu.Unlock()

	l.entry, l.err = s.load(ctx, name, prev)
	close(l.done)

	s.mu.Lock()
	if s.loading[name] == l {
		delete(s.loading, name)
	}
	if l.err == nil && s.gen == gen {
		if len(s.cache) >= eventTypeCacheMax {
			clear(s.cache)
		}
		s.cache[name] = l.entry
	}
	s.mu.Unlock()
	return l.entry, l.err
}

// load reads name's row and compiles its schema, unless prev holds the same
// schema compiled already.
func (s *EventTypes) load(ctx context.Context, name string, prev *checkEntry) (*checkEntry, error) {
	e := &checkEntry{fetched: time.Now()}
	archived, raw, err := eventTypeGetSchema(ctx, s.db, name)
	e.archived = archived
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return e, nil
	case err != nil:
		return nil, fmt.Errorf("look up event type %s: %w", name, err)
	}
	e.exists = true
	switch {
	case raw == nil:
	case prev != nil && bytes.Equal(prev.raw, raw):
		e.raw, e.schema, e.unusable = prev.raw, prev.schema, prev.unusable
	default:
		// It compiled when it was stored, but it may be from before the
		// limits (or a library upgrade may refuse it): it then fails fast,
		// and stays cached as unusable, rather than hold up every publish.
		var msg string
		e.schema, msg, _ = prepareSchema(raw, SchemaCompileTimeout)
		e.raw, e.unusable = raw, msg
	}
	return e, nil
}

// forget drops name from this node's cache after a change.
func (s *EventTypes) forget(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	delete(s.cache, name)
	delete(s.loading, name)
}
