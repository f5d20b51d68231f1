// Package assets stores small public files (logos today; marketplace icons
// and screenshots later) by the SHA-256 of their bytes and serves them at
// /assets/{hash}.{ext}. A URL names its bytes for ever, so browsers cache
// them without asking again, and pages never link images on other hosts.
package assets

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apperr"
	"github.com/patchbay/patchbay/internal/store"
)

// Asset is one stored file.
type Asset struct {
	Hash        string
	ContentType string
	Bytes       []byte
	CreatedAt   time.Time
}

// Path is where Patchbay serves the asset: /assets/{hash}.{ext}.
func (a Asset) Path() string { return Path(a.Hash, a.ContentType) }

// Path is where Patchbay serves the asset with this hash and type.
func Path(hash, contentType string) string {
	return "/assets/" + hash + "." + extensions[contentType]
}

// Store keeps assets in the database.
type Store struct {
	db *store.DB
}

// NewStore returns the asset store.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// Put checks that body is an image Patchbay serves (see Sniff) and stores it
// in tx, once however often it is put. A refused image is an Invalid error
// saying why.
func (s *Store) Put(ctx context.Context, tx *store.Tx, body []byte) (Asset, error) {
	contentType, err := Sniff(body)
	if err != nil {
		return Asset{}, apperr.Errorf(apperr.Invalid, "%s", err.Error())
	}
	sum := sha256.Sum256(body)
	a := Asset{Hash: hex.EncodeToString(sum[:]), ContentType: contentType, Bytes: body, CreatedAt: tx.Now()}
	if err := assetInsert(ctx, tx, a); err != nil {
		return Asset{}, fmt.Errorf("store asset: %w", err)
	}
	return a, nil
}

// PutUpload is Put for an image a client uploads with declaredType as its
// Content-Type, which must be one of Types and agree with the bytes.
func (s *Store) PutUpload(ctx context.Context, tx *store.Tx, declaredType string, body []byte) (Asset, error) {
	declared, _, _ := strings.Cut(declaredType, ";")
	declared = strings.ToLower(strings.TrimSpace(declared))
	if !slices.Contains(Types, declared) {
		return Asset{}, apperr.Errorf(apperr.Invalid, "Content-Type must be image/png, image/svg+xml or image/webp, with the image's bytes as the body")
	}
	if sniffed, err := Sniff(body); err == nil && sniffed != declared {
		return Asset{}, apperr.Errorf(apperr.Invalid, "the Content-Type says %s but the bytes are %s", declared, sniffed)
	}
	return s.Put(ctx, tx, body)
}

// Asset returns the asset with hash.
func (s *Store) Asset(ctx context.Context, hash string) (Asset, error) {
	a, err := assetGet(ctx, s.db, hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Asset{}, apperr.Errorf(apperr.NotFound, "asset %s not found", hash)
	case err != nil:
		return Asset{}, fmt.Errorf("asset %s: %w", hash, err)
	}
	return a, nil
}
