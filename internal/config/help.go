package config

import (
	"flag"
	"strings"
	"time"
)

// Flag describes one setting for a command's help: the section it belongs
// in, the placeholder for its value, its default and its environment
// variable.
type Flag struct {
	Group       string
	Placeholder string // empty for a boolean flag
	Default     string
	Usage       string
	Env         string
}

// Groups are the sections of a command's help, in the order they are printed.
var Groups = []string{"Server", "Database", "Security", "Outgoing webhooks", "OAuth provider", "Connections", "Rate limits"}

// groupPrefixes puts each setting in a help section by its name: the first
// matching prefix wins, and a setting matching none is a server setting.
var groupPrefixes = []struct{ prefix, group string }{
	{"data", "Database"}, {"database-url", "Database"}, {"db-", "Database"}, {"auto-migrate", "Database"},
	{"encryption-key", "Security"}, {"outbound-allow", "Security"}, {"trusted-proxies", "Security"},
	{"webhook-", "Outgoing webhooks"}, {"endpoint-", "Outgoing webhooks"}, {"secret-rotation", "Outgoing webhooks"}, {"operational-", "Outgoing webhooks"}, {"transform-", "Outgoing webhooks"},
	{"oauth-", "OAuth provider"}, {"public-url", "OAuth provider"},
	{"connect-", "Connections"}, {"proxy-", "Connections"}, {"providers-dir", "Connections"},
	{"rate-limit", "Rate limits"}, {"public-rate-limit", "Rate limits"}, {"embed-rate-limit", "Rate limits"},
}

// placeholders name the value of settings whose kind their default does not
// show.
var placeholders = map[string]string{
	"addr": "HOST:PORT", "metrics-addr": "HOST:PORT", "data": "DIR", "providers-dir": "DIR",
	"database-url": "URL", "public-url": "URL", "oauth-login-url": "URL", "oauth-consent-url": "URL",
	"oauth-default-audience": "URL", "operational-webhook-url": "URL",
	"operational-webhook-secret": "SECRET", "encryption-key": "KEY", "encryption-key-previous": "KEY,...",
	"outbound-allow": "CIDR,...", "trusted-proxies": "CIDR,...", "role": "ROLE", "log-level": "LEVEL",
	"oauth-registration": "MODE", "oauth-registration-scopes": "SCOPE,...", "rate-limit-store": "STORE",
	"oauth-client-metadata-hosts": "HOST,...", "oauth-client-metadata-deny-hosts": "HOST,...",
	"oauth-client-metadata-ca-file": "FILE", "connect-ca-file": "FILE", "webhook-retry-schedule": "DURATION,...",
	"body-limit": "BYTES", "transform-memory": "BYTES", "transform-output": "BYTES",
	"automation-api-url": "URL", "automation-api-audience": "URL", "automation-mcp-app": "APP_ID",
	"automation-hooks-scope": "SCOPE",
}

// FlagHelp describes a flag that Register added, or reports false for a
// command's own flag.
func FlagHelp(fl *flag.Flag) (Flag, bool) {
	if fl.Name == "config" && fl.Usage == configUsage {
		return Flag{Group: "Server", Placeholder: "FILE", Usage: configUsage, Env: "PATCHBAY_CONFIG"}, true
	}
	v, ok := fl.Value.(*flagValue)
	if !ok {
		return Flag{}, false
	}
	s := v.s
	f := Flag{Group: "Server", Default: s.def, Usage: s.usage, Env: EnvName(s.name), Placeholder: placeholders[s.name]}
	for _, gp := range groupPrefixes {
		if strings.HasPrefix(s.name, gp.prefix) {
			f.Group = gp.group
			break
		}
	}
	switch {
	case s.bool:
		f.Placeholder = ""
	case f.Placeholder != "":
	case s.def == "":
		f.Placeholder = "VALUE"
	case strings.Contains(s.def, "/"):
		f.Placeholder = "LIMIT/WINDOW"
	case isDuration(s.def):
		f.Placeholder = "DURATION"
	default:
		f.Placeholder = "N"
	}
	return f, true
}

func isDuration(v string) bool {
	_, err := time.ParseDuration(v)
	return err == nil && v != "0"
}
