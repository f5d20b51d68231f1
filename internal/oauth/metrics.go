package oauth

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbay/patchbay/internal/metrics"
)

// tokenMetrics count the token endpoint's grants and the introspections,
// by grant type and outcome only: never by app, client or token.
type tokenMetrics struct {
	grants         *prometheus.CounterVec
	introspections *prometheus.CounterVec
}

func newTokenMetrics(reg prometheus.Registerer) *tokenMetrics {
	m := &tokenMetrics{
		grants: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_oauth_grants_total",
			Help: "Token endpoint requests by grant type (authorization_code, refresh_token, client_credentials, token_exchange, device_code, unknown) and outcome: issued, or the OAuth error code (invalid_grant, invalid_client, slow_down …), or error.",
		}, []string{"grant_type", "outcome"}),
		introspections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbay_oauth_introspections_total", Help: "Token introspections by result: active, inactive, error.",
		}, []string{"result"}),
	}
	metrics.Register(reg, m.grants, m.introspections)
	return m
}

// grantLabels maps the grant types Patchbay knows to short labels; any
// other value a client sends is "unknown", so clients cannot grow the label
// set.
var grantLabels = map[string]string{
	"authorization_code": "authorization_code",
	"refresh_token":      "refresh_token",
	"client_credentials": "client_credentials",
	grantTokenExchange:   "token_exchange",
	grantDeviceCode:      "device_code",
}

func grantLabel(grantType string) string {
	if l, ok := grantLabels[grantType]; ok {
		return l
	}
	return "unknown"
}

// tokenErrorCodes are the OAuth error codes the token endpoint answers with
// (RFC 6749 5.2, RFC 8628 3.5); the outcome label is one of them, issued or
// error.
var tokenErrorCodes = map[string]bool{
	"invalid_request": true, "invalid_client": true, "invalid_grant": true, "unauthorized_client": true,
	"unsupported_grant_type": true, "invalid_scope": true, "invalid_target": true, "authorization_pending": true,
	"slow_down": true, "access_denied": true, "expired_token": true,
}

func (m *tokenMetrics) grant(grant string, err error) {
	outcome := "issued"
	var te *tokenError
	switch {
	case err == nil:
	case errors.As(err, &te) && tokenErrorCodes[te.Code]:
		outcome = te.Code
	case errors.As(err, &te) && te.RetryAfter > 0:
		outcome = "rate_limited"
	default:
		outcome = "error"
	}
	m.grants.WithLabelValues(grant, outcome).Inc()
}

func (m *tokenMetrics) introspection(out Introspection, err error) {
	result := "inactive"
	switch {
	case err != nil:
		result = "error"
	case out.Active:
		result = "active"
	}
	m.introspections.WithLabelValues(result).Inc()
}
