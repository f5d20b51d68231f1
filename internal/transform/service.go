package transform

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/id"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/ttlcache"
)

// Transformation is a named piece of code with its versions.
type Transformation struct {
	ID            string    `json:"id" doc:"The transformation's ID (tf_…)."`
	Name          string    `json:"name" doc:"A name for people, 1 to 200 bytes."`
	Language      string    `json:"language" enum:"javascript,wasm" doc:"What the code is: JavaScript source or a WebAssembly module (WASI preview 1)."`
	LatestVersion int       `json:"latest_version" doc:"The number of the newest version; attachments without a pinned version run it."`
	CreatedAt     time.Time `json:"created_at" doc:"When the transformation was created."`
	UpdatedAt     time.Time `json:"updated_at" doc:"When it was renamed or got a new version."`
}

// Version is one saved, immutable version of a transformation's code.
type Version struct {
	ID               string    `json:"id" doc:"The version's ID (tfv_…), which each attempt records."`
	TransformationID string    `json:"transformation_id" doc:"The transformation it belongs to."`
	Version          int       `json:"version" doc:"Its number: 1 for the first save, then 2, 3…"`
	SHA256           string    `json:"sha256" doc:"SHA-256 of the code (the source, or the module's bytes), hex."`
	Size             int       `json:"size" doc:"Length of the code in bytes."`
	Code             string    `json:"code,omitempty" doc:"The JavaScript source; only when a single version is read."`
	CreatedAt        time.Time `json:"created_at" doc:"When this version was saved."`
}

// Attachment says which transformation runs for an endpoint or a source.
type Attachment struct {
	TargetID         string    `json:"target_id" doc:"The endpoint (ep_…) or source (src_…) the transformation runs for."`
	TransformationID string    `json:"transformation_id" doc:"The transformation attached."`
	Version          *int      `json:"version" doc:"The pinned version's number, or null to run the latest version."`
	CreatedAt        time.Time `json:"created_at" doc:"When the target got a transformation."`
	UpdatedAt        time.Time `json:"updated_at" doc:"When the attachment last changed."`
}

// Targets checks that what a transformation is attached to exists: the
// webhooks and inbound capabilities own endpoints and sources.
type Targets interface {
	EndpointExists(ctx context.Context, endpointID string) error
	SourceExists(ctx context.Context, sourceID string) error
}

// Samples gives the test operation its inputs: an event type's example, or a
// real message (the webhooks capability).
type Samples interface {
	EventTypeExample(ctx context.Context, eventType string) (json.RawMessage, error)
	MessageSample(ctx context.Context, tenantID, messageID string) (eventType string, payload json.RawMessage, err error)
}

// Limits on what is stored.
const (
	nameMax       = 200
	jsCodeMax     = 256 << 10
	wasmModuleMax = 32 << 20
	// resolveTTL is how long a node trusts what it read about a target's
	// attachment (DESIGN: the per-node cache in front of hot reads).
	resolveTTL = 5 * time.Second
)

// Service is the transformations capability.
type Service struct {
	db      *store.DB
	engine  *Engine
	targets Targets
	samples Samples
	// resolved caches what runs per target; a nil entry means none.
	resolved *ttlcache.Cache[string, *resolvedEntry]
}

type resolvedEntry struct {
	transformationID string
	row              resolvedRow
}

// NewService returns the service; targets and samples may be nil (nothing is
// checked, no sample is found).
func NewService(db *store.DB, engine *Engine, targets Targets, samples Samples) *Service {
	return &Service{db: db, engine: engine, targets: targets, samples: samples, resolved: ttlcache.New[string, *resolvedEntry](resolveTTL)}
}

// Engine returns the service's engine.
func (s *Service) Engine() *Engine { return s.engine }

// SetSamples sets where test samples come from (the webhooks service is made
// after this one).
func (s *Service) SetSamples(samples Samples) { s.samples = samples }

// SetTargets sets who checks attachments' targets.
func (s *Service) SetTargets(targets Targets) { s.targets = targets }

// Code is a version's code as the API takes it: JavaScript source, or a Wasm
// module in base64 (optionally gzip-compressed before encoding).
type Code struct {
	Code         string `json:"code,omitempty" doc:"JavaScript source defining function handler(webhook) (language javascript)."`
	ModuleBase64 string `json:"module_base64,omitempty" doc:"The WebAssembly module, base64-encoded; it may be gzip-compressed first (language wasm)."`
}

// bytesFor checks code against language and returns what is stored.
func (c Code) bytesFor(language string) ([]byte, map[string]string) {
	switch language {
	case LangJavaScript:
		switch {
		case c.ModuleBase64 != "":
			return nil, map[string]string{"module_base64": "is for language wasm; give code"}
		case strings.TrimSpace(c.Code) == "":
			return nil, map[string]string{"code": "is required: JavaScript defining function handler(webhook)"}
		case len(c.Code) > jsCodeMax:
			return nil, map[string]string{"code": fmt.Sprintf("must be at most %d bytes", jsCodeMax)}
		}
		return []byte(c.Code), nil
	case LangWasm:
		if c.Code != "" {
			return nil, map[string]string{"code": "is for language javascript; give module_base64"}
		}
		b, err := decodeModule(c.ModuleBase64)
		if err != nil {
			return nil, map[string]string{"module_base64": err.Error()}
		}
		return b, nil
	}
	return nil, map[string]string{"language": "must be javascript or wasm"}
}

func decodeModule(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("is required: the WebAssembly module in base64")
	}
	b, err := base64Decode(s)
	if err != nil {
		return nil, errors.New("must be standard base64")
	}
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, errors.New("is not valid gzip")
		}
		b, err = io.ReadAll(io.LimitReader(zr, wasmModuleMax+1))
		if err != nil {
			return nil, errors.New("is not valid gzip")
		}
	}
	switch {
	case len(b) > wasmModuleMax:
		return nil, fmt.Errorf("the module must be at most %d bytes", wasmModuleMax)
	case !bytes.HasPrefix(b, []byte("\x00asm")):
		return nil, errors.New("is not a WebAssembly module (no \\0asm header)")
	}
	return b, nil
}

// check compiles code, answering its compile error as a field problem.
func (s *Service) check(ctx context.Context, language string, code []byte, field string) (Compiled, error) {
	c, err := s.engine.Compile(ctx, Program{Language: language, Code: code})
	var te *Error
	if errors.As(err, &te) {
		return c, apperr.InvalidFields(map[string]string{field: te.Message})
	}
	return c, err
}

func codeField(language string) string {
	if language == LangWasm {
		return "module_base64"
	}
	return "code"
}

// Create saves a transformation and its first version.
func (s *Service) Create(ctx context.Context, name, language string, code Code) (Transformation, Version, error) {
	b, problems := code.bytesFor(language)
	if name == "" || len(name) > nameMax {
		if problems == nil {
			problems = map[string]string{}
		}
		problems["name"] = "must be 1 to 200 bytes"
	}
	if len(problems) > 0 {
		return Transformation{}, Version{}, apperr.InvalidFields(problems)
	}
	compiled, err := s.check(ctx, language, b, codeField(language))
	if err != nil {
		return Transformation{}, Version{}, err
	}
	var t Transformation
	var v Version
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		t = Transformation{ID: id.New("tf"), Name: name, Language: language, LatestVersion: 1, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
		if err := transformationInsert(ctx, tx, t); err != nil {
			return err
		}
		var err error
		v, err = s.insertVersion(ctx, tx, t, b)
		return err
	})
	if err == nil {
		s.engine.Remember(v.ID, compiled)
	}
	return t, v, err
}

func (s *Service) insertVersion(ctx context.Context, tx *store.Tx, t Transformation, code []byte) (Version, error) {
	sum := sha256.Sum256(code)
	v := Version{ID: id.New("tfv"), TransformationID: t.ID, Version: t.LatestVersion, SHA256: hex.EncodeToString(sum[:]), Size: len(code), CreatedAt: tx.Now()}
	if err := versionInsert(ctx, tx, v, code); err != nil {
		return Version{}, err
	}
	if t.Language == LangJavaScript {
		v.Code = string(code)
	}
	return v, nil
}

func notFound(transformationID string) error {
	return apperr.Errorf(apperr.NotFound, "transformation %s not found", transformationID)
}

// Transformation returns one.
func (s *Service) Transformation(ctx context.Context, transformationID string) (Transformation, error) {
	t, err := transformationGet(ctx, s.db, transformationID)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound(transformationID)
	}
	return t, err
}

// List lists transformations by ID.
func (s *Service) List(ctx context.Context, page httpapi.Page) ([]Transformation, error) {
	return transformationsList(ctx, s.db, page.After, page.Limit+1)
}

// Rename changes a transformation's name.
func (s *Service) Rename(ctx context.Context, transformationID, name string) (Transformation, error) {
	var t Transformation
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = s.lock(ctx, tx, transformationID); err != nil {
			return err
		}
		t.Name, t.UpdatedAt = name, tx.Now()
		return transformationUpdate(ctx, tx, t)
	})
	return t, err
}

func (s *Service) lock(ctx context.Context, tx *store.Tx, transformationID string) (Transformation, error) {
	if err := tx.LockRow(ctx, "transformations", "id", transformationID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Transformation{}, err
	}
	t, err := transformationGet(ctx, tx, transformationID)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound(transformationID)
	}
	return t, err
}

// Delete removes a transformation with its versions; one still attached to
// an endpoint or a source is kept (409), so no delivery changes shape
// unnoticed.
func (s *Service) Delete(ctx context.Context, transformationID string) error {
	return s.db.WithTx(ctx, func(tx *store.Tx) error {
		if _, err := s.lock(ctx, tx, transformationID); err != nil {
			return err
		}
		attached, err := attachmentsOf(ctx, tx, transformationID, 1)
		if err != nil {
			return err
		}
		if len(attached) > 0 {
			return apperr.Errorf(apperr.Conflict, "transformation %s is attached to %s: detach it first", transformationID, attached[0].TargetID)
		}
		return transformationDelete(ctx, tx, transformationID)
	})
}

// AddVersion saves new code as the transformation's next version.
func (s *Service) AddVersion(ctx context.Context, transformationID string, code Code) (Version, error) {
	t, err := s.Transformation(ctx, transformationID)
	if err != nil {
		return Version{}, err
	}
	b, problems := code.bytesFor(t.Language)
	if len(problems) > 0 {
		return Version{}, apperr.InvalidFields(problems)
	}
	compiled, err := s.check(ctx, t.Language, b, codeField(t.Language))
	if err != nil {
		return Version{}, err
	}
	var v Version
	err = s.db.WithTx(ctx, func(tx *store.Tx) error {
		t, err := s.lock(ctx, tx, transformationID)
		if err != nil {
			return err
		}
		t.LatestVersion++
		t.UpdatedAt = tx.Now()
		if err := transformationUpdate(ctx, tx, t); err != nil {
			return err
		}
		v, err = s.insertVersion(ctx, tx, t, b)
		return err
	})
	if err == nil {
		s.engine.Remember(v.ID, compiled)
		s.forget(transformationID)
	}
	return v, err
}

// Versions lists a transformation's versions, newest first, without code.
func (s *Service) Versions(ctx context.Context, transformationID string, before, limit int) ([]Version, error) {
	if _, err := s.Transformation(ctx, transformationID); err != nil {
		return nil, err
	}
	return versionsList(ctx, s.db, transformationID, before, limit)
}

// Version returns one version, with the JavaScript source.
func (s *Service) Version(ctx context.Context, transformationID string, version int) (Version, error) {
	t, err := s.Transformation(ctx, transformationID)
	if err != nil {
		return Version{}, err
	}
	v, code, err := versionGet(ctx, s.db, transformationID, version)
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.Errorf(apperr.NotFound, "transformation %s has no version %d", transformationID, version)
	}
	if t.Language == LangJavaScript {
		v.Code = string(code)
	}
	return v, err
}

// Attach makes the transformation run for an endpoint or a source, at a
// pinned version or (version nil) the latest; it replaces the target's
// previous transformation.
func (s *Service) Attach(ctx context.Context, transformationID, targetID string, version *int) (Attachment, error) {
	if err := s.checkTarget(ctx, targetID); err != nil {
		return Attachment{}, err
	}
	var a Attachment
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		t, err := s.lock(ctx, tx, transformationID)
		if err != nil {
			return err
		}
		if version != nil && (*version < 1 || *version > t.LatestVersion) {
			return apperr.InvalidFields(map[string]string{"version": fmt.Sprintf("must be a version of %s, 1 to %d, or null for the latest", transformationID, t.LatestVersion)})
		}
		a = Attachment{TargetID: targetID, TransformationID: transformationID, Version: version, CreatedAt: tx.Now(), UpdatedAt: tx.Now()}
		if old, err := attachmentGet(ctx, tx, targetID); err == nil {
			a.CreatedAt = old.CreatedAt
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return attachmentUpsert(ctx, tx, a)
	})
	if err == nil {
		s.resolved.Forget(targetID)
	}
	return a, err
}

func (s *Service) checkTarget(ctx context.Context, targetID string) error {
	switch {
	case id.Valid("ep", targetID):
		if s.targets != nil {
			return s.targets.EndpointExists(ctx, targetID)
		}
	case id.Valid("src", targetID):
		if s.targets != nil {
			return s.targets.SourceExists(ctx, targetID)
		}
	default:
		return apperr.InvalidFields(map[string]string{"target_id": "must be an endpoint (ep_…) or a source (src_…) ID"})
	}
	return nil
}

// Detach stops the transformation running for targetID.
func (s *Service) Detach(ctx context.Context, transformationID, targetID string) error {
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		ok, err := attachmentDelete(ctx, tx, transformationID, targetID)
		if err == nil && !ok {
			err = apperr.Errorf(apperr.NotFound, "transformation %s is not attached to %s", transformationID, targetID)
		}
		return err
	})
	s.resolved.Forget(targetID)
	return err
}

// Attachments lists where a transformation runs (at most 1,000 targets).
func (s *Service) Attachments(ctx context.Context, transformationID string) ([]Attachment, error) {
	if _, err := s.Transformation(ctx, transformationID); err != nil {
		return nil, err
	}
	return attachmentsOf(ctx, s.db, transformationID, 1000)
}

// Attached returns the attachment of targetID, for the endpoint's and the
// source's own views; NotFound when none.
func (s *Service) Attached(ctx context.Context, targetID string) (Attachment, error) {
	a, err := attachmentGet(ctx, s.db, targetID)
	if errors.Is(err, sql.ErrNoRows) {
		return a, apperr.Errorf(apperr.NotFound, "no transformation is attached to %s", targetID)
	}
	return a, err
}

// forget drops the cached resolutions of a transformation's targets.
func (s *Service) forget(transformationID string) {
	s.resolved.ForgetFunc(func(e *resolvedEntry) bool { return e != nil && e.transformationID == transformationID })
}

// resolve finds what runs for targetID, through the cache; nil when nothing.
func (s *Service) resolve(ctx context.Context, targetID string) (*resolvedEntry, error) {
	if e, ok := s.resolved.Get(targetID); ok {
		return e, nil
	}
	row, err := attachmentResolve(ctx, s.db, targetID)
	var e *resolvedEntry
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("find the transformation of %s: %w", targetID, err)
	default:
		a, err := attachmentGet(ctx, s.db, targetID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		e = &resolvedEntry{transformationID: a.TransformationID, row: row}
	}
	s.resolved.Put(targetID, e)
	return e, nil
}

// Applied is the outcome of Apply.
type Applied struct {
	// Ran is false when nothing is attached to the target.
	Ran bool
	// VersionID is the version that ran (tfv_…), to record with the attempt.
	VersionID string
	Result    Result
}

// RunError is a failed run of an attached transformation.
type RunError struct {
	Cause     *Error
	VersionID string
	Pinned    bool
}

func (e *RunError) Error() string { return e.Cause.Error() }

func (e *RunError) Unwrap() error { return e.Cause }

// Permanent reports whether retrying cannot help: the version is pinned and
// the failure does not depend on timing. With "latest", a fixed version
// saved meanwhile may succeed, so the attempt is retried on the schedule.
func (e *RunError) Permanent() bool { return e.Pinned && e.Cause.Deterministic() }

// Apply runs the transformation attached to targetID, if any, on in. A
// failure of the transformation is a *RunError; any other error (the
// database) is the node's.
func (s *Service) Apply(ctx context.Context, targetID string, in Input) (Applied, error) {
	e, err := s.resolve(ctx, targetID)
	if err != nil || e == nil {
		return Applied{}, err
	}
	p := Program{Version: e.row.versionID, Language: e.row.language}
	if !s.engine.cached(p.Version) {
		if p.Code, err = versionCode(ctx, s.db, p.Version); err != nil {
			return Applied{}, fmt.Errorf("read transformation version %s: %w", p.Version, err)
		}
	}
	res, err := s.engine.Run(ctx, p, in)
	out := Applied{Ran: true, VersionID: p.Version, Result: res}
	var te *Error
	if errors.As(err, &te) {
		return out, &RunError{Cause: te, VersionID: p.Version, Pinned: e.row.pinned}
	}
	return out, err
}
