package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/patchbay/patchbay/internal/app"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
)

// Clock skew between a node and its database beyond which doctor warns, and
// beyond which it fails: nodes stamp rows, leases and token expiries with
// their own clock, and compare them with each other's.
const (
	clockSkewWarn = time.Second
	clockSkewFail = 10 * time.Second
)

// finding is one line of doctor's report.
type finding struct {
	level string // "ok", "warn" or "FAIL"
	check string
	text  string
	fix   string
}

// checkup collects doctor's findings and prints each as it comes.
type checkup struct {
	out      io.Writer
	failures int
	warnings int
}

func (c *checkup) report(f finding) {
	switch f.level {
	case "FAIL":
		c.failures++
	case "warn":
		c.warnings++
	}
	fmt.Fprintf(c.out, "%-4s  %-15s %s\n", f.level, f.check, f.text)
	if f.fix != "" {
		fmt.Fprintf(c.out, "%s\n", wrap("fix: "+f.fix, 22))
	}
}

func (c *checkup) ok(check, format string, args ...any) {
	c.report(finding{level: "ok", check: check, text: fmt.Sprintf(format, args...)})
}

func (c *checkup) warn(check, text, fix string) {
	c.report(finding{level: "warn", check: check, text: text, fix: fix})
}

func (c *checkup) fail(check, text, fix string) {
	c.report(finding{level: "FAIL", check: check, text: text, fix: fix})
}

// runDoctor checks what a node needs before it can serve, with the settings
// serve would use, and says what to fix. It changes nothing: it neither
// creates nor migrates a database, nor writes a key file.
func runDoctor(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, fs, err := parseFlags("doctor", args, getenv, stdout)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{error: fmt.Errorf("doctor takes no arguments (got %q)", fs.Args()), command: "doctor"}
	}
	c := &checkup{out: stdout}
	c.ok("configuration", "every setting is valid (role %s, log level %s)", cfg.Role, cfg.LogLevel)
	checkPublicURL(c, cfg)
	checkOutbound(c, cfg)
	checkFiles(c, cfg)
	if db := checkDatabase(ctx, c, cfg); db != nil {
		checkMigrations(ctx, c, cfg, db)
		checkEncryptionKey(ctx, c, cfg, db)
		checkClock(ctx, c, db)
		db.Close()
	}
	fmt.Fprintf(stdout, "\n%d failed, %d warnings\n", c.failures, c.warnings)
	if c.failures > 0 {
		return fmt.Errorf("doctor: %d of the checks failed; see the fixes above", c.failures)
	}
	return nil
}

func checkPublicURL(c *checkup, cfg config.Config) {
	if cfg.PublicURL == "" {
		if cfg.Dev {
			c.ok("public URL", "none set; with --dev it is http:// and the listening address")
			return
		}
		c.warn("public URL", "none set: the OAuth issuer, ingest URLs and connect pages will use http://"+cfg.Addr,
			"set --public-url (PATCHBAY_PUBLIC_URL) to the https:// URL browsers and apps reach this installation at")
		return
	}
	u, _ := url.Parse(cfg.PublicURL) // config checked it is absolute
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) && !cfg.Dev {
		c.warn("public URL", cfg.PublicURL+" is plain http: tokens and secrets would cross the network unencrypted",
			"serve Patchbay behind TLS and give its https:// URL as --public-url")
		return
	}
	c.ok("public URL", "%s", cfg.PublicURL)
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// checkOutbound looks at what the SSRF guard lets outbound calls reach.
func checkOutbound(c *checkup, cfg config.Config) {
	problems := 0
	for _, p := range cfg.OutboundAllow {
		if p.Bits() == 0 {
			c.fail("outbound", "--outbound-allow "+p.String()+" lets webhook and provider URLs reach any address, the metadata service and this node's own network included",
				"list only the private networks receivers really live on, such as 10.20.0.0/16")
			problems++
		} else if p.Addr().IsLoopback() && !cfg.Dev {
			c.warn("outbound", "--outbound-allow "+p.String()+" lets tenants' webhook URLs reach services on this machine",
				"remove loopback from --outbound-allow outside development")
			problems++
		}
	}
	if cfg.WebhookAllowHTTP && !cfg.Dev {
		c.warn("outbound", "--webhook-allow-http accepts http:// endpoint URLs: payloads and signatures travel unencrypted",
			"turn --webhook-allow-http off unless every receiver is on a private network")
		problems++
	}
	if problems == 0 {
		c.ok("outbound", "the SSRF guard refuses special-purpose addresses, %d networks allowed besides", len(cfg.OutboundAllow))
	}
}

// checkFiles checks that files and directories the settings name exist.
func checkFiles(c *checkup, cfg config.Config) {
	for _, f := range []struct{ flag, path string }{
		{"--providers-dir", cfg.ProvidersDir},
		{"--connect-ca-file", cfg.ConnectCAFile},
		{"--oauth-client-metadata-ca-file", cfg.OAuthClientMetadataCAFile},
	} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			c.fail("files", f.flag+": "+err.Error(), "give the path of an existing file or directory, or leave "+f.flag+" empty")
		}
	}
	if cfg.OAuthLoginURL == "" && !cfg.Dev {
		c.warn("oauth", "no --oauth-login-url: authorization requests fail until one is set (tokens, introspection and the admin API work)",
			"set --oauth-login-url to your product's sign-in page (docs/oauth.md)")
	}
}

// checkDatabase opens the configured database without creating it, and
// returns it when it holds a Patchbay database.
func checkDatabase(ctx context.Context, c *checkup, cfg config.Config) *store.DB {
	opts := cfg.Store(slog.New(slog.DiscardHandler))
	where := store.Location(opts)
	exists, err := store.Exists(ctx, opts)
	if err != nil {
		fix := "check the data directory's permissions"
		if cfg.DatabaseURL != "" {
			fix = "check that PostgreSQL runs and that --database-url (host, port, database, user, password, sslmode) is right"
		}
		c.fail("database", where+": "+err.Error(), fix)
		return nil
	}
	if !exists {
		c.fail("database", where+" holds no Patchbay database",
			"point --data or --database-url at the installation's database; for a new installation run patchbay migrate --create (or serve, which creates it)")
		return nil
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		c.fail("database", where+": "+err.Error(), "")
		return nil
	}
	c.ok("database", "%s answers", where)
	return db
}

func checkMigrations(ctx context.Context, c *checkup, cfg config.Config, db *store.DB) {
	pending, err := db.PendingMigrations(ctx)
	switch {
	case err != nil:
		c.fail("migrations", err.Error(), "")
	case pending == 0:
		c.ok("migrations", "the schema is current")
	case cfg.AutoMigrate:
		c.warn("migrations", fmt.Sprintf("%d pending: serve applies them when it starts", pending),
			"nothing, or run patchbay migrate first to apply them before any node starts")
	default:
		c.fail("migrations", fmt.Sprintf("%d pending, and --auto-migrate is off", pending), "run patchbay migrate with the same --data or --database-url")
	}
}

// checkEncryptionKey loads the key serve would use and opens one sealed
// value with it. It never writes a key file: a missing one is reported.
func checkEncryptionKey(ctx context.Context, c *checkup, cfg config.Config, db *store.DB) {
	sample, err := firstSealedValue(ctx, db)
	if err != nil {
		c.fail("encryption key", err.Error(), "")
		return
	}
	if cfg.EncryptionKey == "" && !db.SharedByNodes() {
		keyFile := filepath.Join(cfg.DataDir, "encryption.key")
		if _, err := os.Stat(keyFile); errors.Is(err, fs.ErrNotExist) {
			if sample == nil {
				c.ok("encryption key", "no key file yet: serve creates %s on first start (back it up with the database)", keyFile)
			} else {
				c.fail("encryption key", keyFile+" does not exist: the secrets sealed in this database cannot be opened",
					"restore the key file from the backup taken with the database, or give the key as --encryption-key")
			}
			return
		}
	}
	v, err := app.OpenVault(cfg, db)
	if err != nil {
		c.fail("encryption key", err.Error(), "")
		return
	}
	if sample == nil {
		c.ok("encryption key", "loads; nothing is sealed yet to test it on")
		return
	}
	if _, err := v.Open(sample.value, sample.column.AAD(sample.id)); err != nil {
		c.fail("encryption key", fmt.Sprintf("cannot open %s.%s of %s: the key is not the one that sealed it", sample.column.Table, sample.column.Column, sample.id),
			"give the key every node runs with as --encryption-key; after a rotation, the old one as --encryption-key-previous")
		return
	}
	c.ok("encryption key", "opens a sealed value (%s.%s)", sample.column.Table, sample.column.Column)
}

// sealedValue is one value sealed under the encryption key, to test a key on.
type sealedValue struct {
	column vault.Column
	id     string
	value  []byte
}

// firstSealedValue finds a sealed value in any sealed column, or returns nil
// when there is none.
func firstSealedValue(ctx context.Context, db *store.DB) (*sealedValue, error) {
	for _, col := range sealedColumns() {
		s := sealedValue{column: col}
		err := db.QueryRow(ctx, "SELECT id, "+col.Column+" FROM "+col.Table+" WHERE "+col.Column+" IS NOT NULL ORDER BY id LIMIT 1").Scan(&s.id, &s.value)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("read %s.%s: %w", col.Table, col.Column, err)
		}
		return &s, nil
	}
	return nil, nil
}

// checkClock compares this machine's clock with the database's, allowing for
// the query's round trip.
func checkClock(ctx context.Context, c *checkup, db *store.DB) {
	if !db.SharedByNodes() {
		c.ok("clock", "SQLite runs on this machine's clock")
		return
	}
	before := time.Now()
	var dbNow time.Time
	if err := db.QueryRow(ctx, "SELECT now()").Scan(&dbNow); err != nil {
		c.fail("clock", "ask the database for its time: "+err.Error(), "")
		return
	}
	rtt := time.Since(before)
	skew := dbNow.Sub(before.Add(rtt / 2))
	text := fmt.Sprintf("this machine's clock is %s off the database's (±%s)", skew.Abs().Round(time.Millisecond), (rtt / 2).Round(time.Millisecond))
	fix := "run NTP (chrony or systemd-timesyncd) on every node and on the database server"
	switch {
	case skew.Abs()-rtt/2 > clockSkewFail:
		c.fail("clock", text, fix)
	case skew.Abs()-rtt/2 > clockSkewWarn:
		c.warn("clock", text, fix)
	default:
		c.ok("clock", "%s", text)
	}
}
