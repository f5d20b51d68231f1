package webhooks

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/store"
)

// EventType is a kind of event the SaaS publishes, such as invoice.paid.
// Endpoints subscribe to event types, and every published payload must match
// its type's schema, so receivers can rely on its shape.
type EventType struct {
	// Name is dot-separated parts of letters, digits, _ and -, such as
	// invoice.paid or user.created.v2.
	Name        string `json:"name"`
	Description string `json:"description"`
	// Schema is the JSON Schema payloads must match: draft 2020-12 unless
	// its $schema names another draft. Absent, any JSON payload is accepted.
	Schema json.RawMessage `json:"schema,omitempty"`
	// Example is a payload of this type, for documentation; it matches Schema.
	Example json.RawMessage `json:"example,omitempty"`
	// Archived types stay listed for history but can no longer be published.
	Archived  bool      `json:"archived"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// EventTypePatch changes some of an event type's fields. A nil field is left
// as it is; Schema and Example are removed by JSON null, which is why they are
// raw JSON rather than pointers.
type EventTypePatch struct {
	Description *string         `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Example     json.RawMessage `json:"example,omitempty"`
	Archived    *bool           `json:"archived,omitempty"`
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
	raw     []byte
	schema  *jsonschema.Schema // nil: any payload goes
	fetched time.Time
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
		_, err := tx.Exec(ctx, "INSERT INTO event_types (name, description, schema, example, archived, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			et.Name, et.Description, jsonArg(et.Schema), jsonArg(et.Example), false, et.CreatedAt, et.UpdatedAt)
		if tx.Dialect().IsUniqueViolation(err) {
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

const eventTypeColumns = "name, description, schema, example, archived, created_at, updated_at"

func scanEventType(row interface{ Scan(dest ...any) error }) (EventType, error) {
	var et EventType
	var schema, example []byte
	if err := row.Scan(&et.Name, &et.Description, &schema, &example, &et.Archived, &et.CreatedAt, &et.UpdatedAt); err != nil {
		return EventType{}, err
	}
	var err error
	if et.Schema, err = compactJSON(schema); err != nil {
		return EventType{}, fmt.Errorf("event type %s schema: %w", et.Name, err)
	}
	if et.Example, err = compactJSON(example); err != nil {
		return EventType{}, fmt.Errorf("event type %s example: %w", et.Name, err)
	}
	return et, nil
}

// EventType returns one event type, archived or not.
func (s *EventTypes) EventType(ctx context.Context, name string) (EventType, error) {
	et, err := scanEventType(s.db.QueryRow(ctx, "SELECT "+eventTypeColumns+" FROM event_types WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return EventType{}, apperr.Errorf(apperr.NotFound, "event type %s not found", name)
	}
	return et, err
}

// List returns a page of event types ordered by name; archived ones only when
// includeArchived is set.
func (s *EventTypes) List(ctx context.Context, page httpapi.Page, includeArchived bool) ([]EventType, error) {
	query := "SELECT " + eventTypeColumns + " FROM event_types WHERE name > ? AND archived = false ORDER BY name LIMIT ?"
	if includeArchived {
		query = "SELECT " + eventTypeColumns + " FROM event_types WHERE name > ? ORDER BY name LIMIT ?"
	}
	rows, err := s.db.Query(ctx, query, page.After, page.Limit+1)
	if err != nil {
		return nil, fmt.Errorf("list event types: %w", err)
	}
	defer rows.Close()
	var list []EventType
	for rows.Next() {
		et, err := scanEventType(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, et)
	}
	return list, rows.Err()
}

// Update changes an event type's description, schema, example or archived
// flag. The example must match the schema the type ends up with, so a new
// schema that the stored example fails needs a new example (or null) with it.
func (s *EventTypes) Update(ctx context.Context, name string, patch EventTypePatch) (EventType, error) {
	// Lock the row on PostgreSQL so that two concurrent patches cannot leave
	// an example that does not match the schema; SQLite transactions take the
	// write lock at BEGIN already.
	lock := ""
	if s.db.Dialect().Name() == store.Postgres {
		lock = " FOR UPDATE"
	}
	et, err := store.WithTxValue(ctx, s.db, func(tx *store.Tx) (EventType, error) {
		et, err := scanEventType(tx.QueryRow(ctx, "SELECT "+eventTypeColumns+" FROM event_types WHERE name = ?"+lock, name))
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
		_, err = tx.Exec(ctx, "UPDATE event_types SET description = ?, schema = ?, example = ?, archived = ?, updated_at = ? WHERE name = ?",
			et.Description, jsonArg(et.Schema), jsonArg(et.Example), et.Archived, et.UpdatedAt, name)
		return et, err
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
		if _, err := tx.Exec(ctx, "UPDATE event_types SET archived = ?, updated_at = ? WHERE name = ? AND archived = false", true, tx.Now(), name); err != nil {
			return EventType{}, err
		}
		et, err := scanEventType(tx.QueryRow(ctx, "SELECT "+eventTypeColumns+" FROM event_types WHERE name = ?", name))
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
// "payload/lines/0/amount"). Without a schema any payload goes and none is
// parsed: the caller has already decoded it as JSON. What Check reads about a
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
	case e.schema == nil:
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return apperr.InvalidFields(map[string]string{"payload": "must be valid JSON"})
	}
	if loc, msg := payloadNumberProblem(v, nil); msg != "" {
		return &apperr.Error{Code: apperr.Unprocessable, Message: "the payload holds a number too large or too long to check against the schema",
			Fields: map[string]string{"payload" + jsonPointer(loc): msg}}
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
	var raw []byte
	err := s.db.QueryRow(ctx, "SELECT archived, schema FROM event_types WHERE name = ?", name).Scan(&e.archived, &raw)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return e, nil
	case err != nil:
		return nil, fmt.Errorf("look up event type %s: %w", name, err)
	}
	e.exists = true
	switch {
	case raw == nil:
	case prev != nil && prev.schema != nil && bytes.Equal(prev.raw, raw):
		e.raw, e.schema = prev.raw, prev.schema
	default:
		doc, msg := decodeJSONValue(raw)
		if msg == "" {
			e.schema, msg = compileSchema(doc)
		}
		if msg != "" { // it compiled when it was stored; a library upgrade could change that
			return nil, fmt.Errorf("compile the stored schema of event type %s: %s", name, msg)
		}
		e.raw = raw
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

// validEventTypeName reports what is wrong with an event type name, or "".
func validEventTypeName(name string) string {
	const rule = "must be 1 to 128 letters, digits, _ and -, in dot-separated parts such as invoice.paid"
	if name == "" || len(name) > eventTypeNameMax || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return rule
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return rule
		}
	}
	return ""
}

func validEventTypeDescription(d string) string {
	if len(d) > eventTypeDescriptionMax || !utf8.ValidString(d) {
		return "must be valid UTF-8 of at most 1000 bytes"
	}
	return ""
}

// checkSchemaAndExample checks a schema and an example, either of which may be
// absent (nil or JSON null), adds what is wrong with them to problems, and
// returns them compacted for storage, absent ones as nil. The example must
// match the schema when both are present.
func checkSchemaAndExample(schemaRaw, exampleRaw json.RawMessage, problems map[string]string) (json.RawMessage, json.RawMessage, error) {
	var sch *jsonschema.Schema
	if !absentJSON(schemaRaw) {
		doc, msg := decodeJSONValue(schemaRaw)
		if msg == "" {
			sch, msg = compileSchema(doc)
		}
		if msg != "" {
			problems["schema"] = msg
		}
	}
	var example any
	if !absentJSON(exampleRaw) {
		var msg string
		if example, msg = decodeJSONValue(exampleRaw); msg != "" {
			problems["example"] = msg
		}
	}
	if sch != nil && example != nil {
		if err := sch.Validate(example); err != nil {
			var verr *jsonschema.ValidationError
			if !errors.As(err, &verr) {
				return nil, nil, fmt.Errorf("validate the example: %w", err)
			}
			problems["example"] = "the example does not match the schema: " + summarizeProblems(schemaProblems(verr, ""))
		}
	}
	if len(problems) > 0 {
		return nil, nil, nil
	}
	schemaOut, err := compactJSON(schemaRaw)
	if err != nil {
		return nil, nil, err
	}
	exampleOut, err := compactJSON(exampleRaw)
	return schemaOut, exampleOut, err
}

func absentJSON(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// compactJSON returns raw without insignificant space, and nil for absent.
// PostgreSQL returns jsonb with spaces of its own; compacting both dialects'
// output keeps responses alike.
func compactJSON(raw []byte) (json.RawMessage, error) {
	if absentJSON(raw) {
		return nil, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// jsonArg is a JSON value as a statement argument: a string, which PostgreSQL
// casts to jsonb, or NULL.
func jsonArg(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	return string(raw)
}

// decodeJSONValue parses a schema or an example, numbers kept exact, and
// checks that both databases can store it: PostgreSQL's jsonb refuses \u0000
// and numbers beyond its numeric range, so neither is accepted on either.
func decodeJSONValue(raw []byte) (any, string) {
	if !utf8.Valid(raw) {
		return nil, "must be UTF-8"
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, "must be valid JSON"
	}
	return v, storableJSON(v)
}

func storableJSON(v any) string {
	switch v := v.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			return "must not contain the character U+0000"
		}
	case json.Number:
		if msg := numberProblem(v); msg != "" {
			return "must hold only numbers that " + strings.TrimPrefix(msg, "must ")
		}
	case []any:
		for _, x := range v {
			if msg := storableJSON(x); msg != "" {
				return msg
			}
		}
	case map[string]any:
		for k, x := range v {
			if strings.ContainsRune(k, 0) {
				return "must not contain the character U+0000"
			}
			if msg := storableJSON(x); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// numberProblem says what is wrong with a number, or "". Validation turns
// numbers into exact fractions, which takes seconds for one of a million
// digits and tens of milliseconds for an exponent of a million, so numbers
// are held to 100 characters within the range of a 64-bit float: what
// receivers can parse anyway, and well within what jsonb can store.
func numberProblem(n json.Number) string {
	s := string(n)
	if len(s) > 100 {
		return "must be at most 100 characters long"
	}
	f, err := strconv.ParseFloat(s, 64)
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	if err != nil || f == 0 && strings.ContainsAny(mantissa, "123456789") {
		return "must be within the range of a 64-bit float"
	}
	return ""
}

// payloadNumberProblem finds a number in a parsed payload that numberProblem
// refuses, and returns its location.
func payloadNumberProblem(v any, loc []string) ([]string, string) {
	switch v := v.(type) {
	case json.Number:
		return loc, numberProblem(v)
	case []any:
		for i, x := range v {
			if bad, msg := payloadNumberProblem(x, append(loc, strconv.Itoa(i))); msg != "" {
				return bad, msg
			}
		}
	case map[string]any:
		for k, x := range v {
			if bad, msg := payloadNumberProblem(x, append(loc, k)); msg != "" {
				return bad, msg
			}
		}
	}
	return nil, ""
}

// schemaBaseURL is where schemas are compiled from. Nothing can be fetched
// from it: relative references resolve under it and are refused, and it is
// cut out of messages.
const schemaBaseURL = "mem:///schema.json"

// refuseLoading is the compiler's only way to load documents other than the
// schema itself and the drafts' own metaschemas (which the library embeds), so
// a schema can make Patchbay fetch no URL and read no file.
type refuseLoading struct{}

func (refuseLoading) Load(string) (any, error) {
	return nil, errors.New("schemas may not reference other documents")
}

// compileSchema compiles a parsed schema, or says what is wrong with it.
func compileSchema(doc any) (*jsonschema.Schema, string) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(refuseLoading{})
	if err := c.AddResource(schemaBaseURL, doc); err != nil {
		return nil, compileProblem(err)
	}
	sch, err := c.Compile(schemaBaseURL)
	if err != nil {
		return nil, compileProblem(err)
	}
	return sch, ""
}

func compileProblem(err error) string {
	var invalid *jsonschema.SchemaValidationError
	var load *jsonschema.LoadURLError
	var verr *jsonschema.ValidationError
	switch {
	case errors.As(err, &invalid) && errors.As(invalid.Err, &verr):
		return "is not a valid JSON Schema: " + summarizeProblems(schemaProblems(verr, ""))
	case errors.As(err, &load):
		return shortenProblem(fmt.Sprintf("refers to %s, which is not loaded: references to other documents are not followed, so put shared definitions under $defs", cutBaseURL(load.URL)))
	}
	return shortenProblem("is not a valid JSON Schema: " + cutBaseURL(err.Error()))
}

func cutBaseURL(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, schemaBaseURL, ""), "mem:///", "")
}

// schemaProblems lists what a failed validation found, keyed by prefix plus
// the JSON pointer to each bad value: with prefix "payload", a bad price in
// the first line item is "payload/lines/0/price".
func schemaProblems(verr *jsonschema.ValidationError, prefix string) map[string]string {
	found := map[string][]string{}
	add := func(loc []string, msg string) {
		key := prefix + jsonPointer(loc)
		if !slices.Contains(found[key], msg) {
			found[key] = append(found[key], msg)
		}
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, p := range k.Missing {
				add(append(slices.Clip(e.InstanceLocation), p), "is required")
			}
			return
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				add(append(slices.Clip(e.InstanceLocation), p), "is not allowed")
			}
			return
		case *kind.DependentRequired:
			for _, p := range k.Missing {
				add(append(slices.Clip(e.InstanceLocation), p), fmt.Sprintf("is required when %q is present", k.Prop))
			}
			return
		case *kind.Dependency:
			for _, p := range k.Missing {
				add(append(slices.Clip(e.InstanceLocation), p), fmt.Sprintf("is required when %q is present", k.Prop))
			}
			return
		case *kind.AnyOf, *kind.OneOf:
			add(e.InstanceLocation, alternativesProblem(e))
			return
		case *kind.Contains, *kind.MinContains, *kind.PropertyNames:
			// Their causes are why each item or name failed, which reads as
			// if every one were required to match.
			add(e.InstanceLocation, kindProblem(e.ErrorKind))
			return
		}
		if len(e.Causes) == 0 {
			add(e.InstanceLocation, kindProblem(e.ErrorKind))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(verr)
	problems := make(map[string]string, len(found))
	for key, msgs := range found {
		problems[key] = shortenProblem(strings.Join(msgs, "; "))
	}
	return problems
}

// alternativesProblem says why a value matched none (or, for oneOf, more than
// one) of the alternatives. When every alternative failed on the value itself
// (a type, const or enum), their wishes are joined: "must be a string or must
// be null". When they failed deeper inside, listing every branch's complaints
// would read as if all were required, so one line says what happened.
func alternativesProblem(e *jsonschema.ValidationError) string {
	keyword := "anyOf"
	if k, ok := e.ErrorKind.(*kind.OneOf); ok {
		keyword = "oneOf"
		if len(k.Subschemas) > 1 {
			return fmt.Sprintf("must match exactly one of the oneOf alternatives, but matches %d and %d", k.Subschemas[0], k.Subschemas[1])
		}
	}
	var wishes []string
	here := true
	var leaves func(c *jsonschema.ValidationError)
	leaves = func(c *jsonschema.ValidationError) {
		if len(c.Causes) == 0 {
			if !slices.Equal(c.InstanceLocation, e.InstanceLocation) {
				here = false
			}
			if msg := kindProblem(c.ErrorKind); !slices.Contains(wishes, msg) {
				wishes = append(wishes, msg)
			}
			return
		}
		for _, cc := range c.Causes {
			leaves(cc)
		}
	}
	for _, c := range e.Causes {
		leaves(c)
	}
	if here && len(wishes) > 0 {
		return strings.Join(wishes, " or ")
	}
	return "matches none of the " + keyword + " alternatives"
}

var englishPrinter = message.NewPrinter(language.English)

// kindProblem says what one failed keyword wants, briefly; the value's path
// is already in the field name.
func kindProblem(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		wants := make([]string, len(k.Want))
		for i, w := range k.Want {
			wants[i] = withArticle(w)
		}
		return "must be " + strings.Join(wants, " or ") + ", not " + withArticle(k.Got)
	case *kind.Minimum:
		return "must be >= " + ratString(k.Want)
	case *kind.Maximum:
		return "must be <= " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "must be > " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "must be < " + ratString(k.Want)
	case *kind.MultipleOf:
		return "must be a multiple of " + ratString(k.Want)
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items", k.Want)
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d properties", k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d properties", k.Want)
	case *kind.Pattern:
		return "must match the pattern " + k.Want
	case *kind.Format:
		if k.Err != nil {
			return "must be a valid " + k.Want + ": " + k.Err.Error()
		}
		return "must be a valid " + k.Want
	case *kind.Enum:
		return "must be one of " + jsonValues(k.Want)
	case *kind.Const:
		return "must be " + jsonValues([]any{k.Want})
	case *kind.Required:
		return "must have " + propertyList(k.Missing)
	case *kind.DependentRequired:
		return fmt.Sprintf("must have %s when it has %q", propertyList(k.Missing), k.Prop)
	case *kind.Dependency:
		return fmt.Sprintf("must have %s when it has %q", propertyList(k.Missing), k.Prop)
	case *kind.AdditionalProperties:
		return "must not have " + propertyList(k.Properties)
	case *kind.FalseSchema:
		return "is not allowed"
	case *kind.Not:
		return "must not match the schema under not"
	case *kind.UniqueItems:
		return fmt.Sprintf("must not hold duplicates, but items %d and %d are equal", k.Duplicates[0], k.Duplicates[1])
	case *kind.PropertyNames:
		return fmt.Sprintf("has a property name that is not allowed: %q", k.Property)
	}
	return k.LocalizedString(englishPrinter)
}

// propertyList names one or more properties: `the property "a"`.
func propertyList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	if len(quoted) == 1 {
		return "the property " + quoted[0]
	}
	return "the properties " + strings.Join(quoted, ", ")
}

func withArticle(jsonType string) string {
	switch jsonType {
	case "null":
		return "null"
	case "array", "integer", "object":
		return "an " + jsonType
	}
	return "a " + jsonType
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// jsonValues lists values as JSON, a few of them.
func jsonValues(values []any) string {
	var parts []string
	for i, v := range values {
		if i == 10 {
			parts = append(parts, "…")
			break
		}
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte("?")
		}
		parts = append(parts, string(b))
	}
	return strings.Join(parts, ", ")
}

func jsonPointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// limitProblems keeps the first max problems in field order and reports how
// many there were.
func limitProblems(problems map[string]string, max int) (map[string]string, int) {
	if len(problems) <= max {
		return problems, len(problems)
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	kept := make(map[string]string, max)
	for _, k := range keys[:max] {
		kept[k] = problems[k]
	}
	return kept, len(problems)
}

// summarizeProblems puts a few problems keyed by JSON pointer into one line,
// for a message about one field: "at /type: must be …; at /minimum: …".
func summarizeProblems(problems map[string]string) string {
	const shown = 3
	kept, total := limitProblems(problems, shown)
	keys := make([]string, 0, len(kept))
	for k := range kept {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		if k == "" {
			parts = append(parts, kept[k])
		} else {
			parts = append(parts, "at "+k+": "+kept[k])
		}
	}
	if total > shown {
		parts = append(parts, fmt.Sprintf("and %d more", total-shown))
	}
	return strings.Join(parts, "; ")
}

// shortenProblem cuts s to problemTextMax bytes on a rune boundary.
func shortenProblem(s string) string {
	if len(s) <= problemTextMax {
		return s
	}
	cut := problemTextMax - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
