package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// secretsForURLSuffixMax bounds the endpoints SecretsForURLSuffix reads: a
// dev inbox has a handful at most.
const secretsForURLSuffixMax = 100

// SecretsForURLSuffix returns the signing secrets of the endpoints whose URL
// ends with suffix: for each, its current secret and, while a rotation's
// overlap lasts, its previous one. The dev inbox uses it to verify what it
// receives without being told a secret; it reads every tenant's endpoints,
// so nothing outside --dev should call it.
func (s *Service) SecretsForURLSuffix(ctx context.Context, suffix string) ([]string, error) {
	if suffix == "" {
		return nil, nil
	}
	// LIKE narrows the scan; HasSuffix below decides, so the pattern only
	// has to escape its wildcards well enough not to miss a match.
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(suffix)
	found, err := endpointURLsLike(ctx, s.db, "%"+escaped, secretsForURLSuffixMax)
	if err != nil {
		return nil, fmt.Errorf("endpoints by URL: %w", err)
	}
	var ids []string
	for _, ep := range found {
		if strings.HasSuffix(ep.url, suffix) {
			ids = append(ids, ep.id)
		}
	}
	var secrets []string
	for _, id := range ids {
		sec, err := s.secrets(ctx, s.db, id)
		if errors.Is(err, sql.ErrNoRows) {
			continue // deleted since the query above
		} else if err != nil {
			return nil, err
		}
		secrets = append(secrets, sec.current)
		if sec.previous != "" && sec.previousUntil != nil && time.Now().Before(*sec.previousUntil) {
			secrets = append(secrets, sec.previous)
		}
	}
	return secrets, nil
}
