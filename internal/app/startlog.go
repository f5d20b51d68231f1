package app

import (
	"context"
	"fmt"

	"github.com/patchbay/patchbay/internal/config"
)

// logStart writes the one line that says a node is up: where it listens,
// on which store, in which role and version; in dev mode the URLs to open;
// and how to get or list admin API keys.
func (a *App) logStart(ctx context.Context, addr string) {
	attrs := []any{"addr", addr, "role", string(a.cfg.Role), "store", a.DB.Engine(), "database", a.DB.Location(), "version", a.version}
	if a.cfg.Dev {
		base := "http://" + addr
		attrs = append(attrs, "dev", "debug logs, http:// and loopback webhook URLs; not for production",
			"api", base+"/v1", "openapi", base+"/openapi.json", "dev_inbox", base+"/dev/inbox/{name}")
	}
	if a.cfg.Role != config.RoleWorker {
		if hint := a.keysHint(ctx); hint != "" {
			attrs = append(attrs, "keys", hint)
		}
	}
	a.logger.Info("listening", attrs...)
}

// keysHint says how to get an admin API key: make one when there is none,
// list them otherwise.
func (a *App) keysHint(ctx context.Context) string {
	n, err := a.Keys.Count(ctx)
	if err != nil {
		a.logger.Warn("count admin API keys", "error", err)
		return ""
	}
	where := "--data " + a.cfg.DataDir
	if a.cfg.DatabaseURL != "" {
		where = `--database-url "$PATCHBAY_DATABASE_URL"`
	}
	if n == 0 {
		return "none yet; make one with: patchbay keys create --name NAME " + where
	}
	return fmt.Sprintf("%d; list them with: patchbay keys list %s", n, where)
}
