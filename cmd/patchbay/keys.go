package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/patchbay/patchbay/internal/app"
	"github.com/patchbay/patchbay/internal/auth"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/connect"
	"github.com/patchbay/patchbay/internal/httpapi"
	"github.com/patchbay/patchbay/internal/idempotency"
	"github.com/patchbay/patchbay/internal/inbound"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/vault"
	"github.com/patchbay/patchbay/internal/webhooks"
)

// openStore opens and migrates the configured store, for commands that work
// on it directly, and says on stderr which database it opened. Unless create
// is set, it refuses a data directory or database that holds no Patchbay
// database: run from the wrong directory, a command would otherwise make a
// new empty one and work on that. Migrating is safe beside a running server:
// it is locked and does nothing when the schema is current.
func openStore(ctx context.Context, cfg config.Config, create bool, logger *slog.Logger, stderr io.Writer) (*store.DB, error) {
	opts := cfg.Store(logger)
	if !create {
		exists, err := store.Exists(ctx, opts)
		if err != nil {
			return nil, err
		}
		if !exists {
			return nil, fmt.Errorf("%s holds no Patchbay database: give the server's --data or --database-url "+
				"(or PATCHBAY_DATA, PATCHBAY_DATABASE_URL, --config), or --create to make a new one there", store.Location(opts))
		}
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, logger); err != nil {
		db.Close()
		return nil, err
	}
	fmt.Fprintf(stderr, "Using the database %s\n", store.Location(opts))
	return db, nil
}

// createFlag adds --create to a command that works on the database directly.
func createFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("create", false, "make a new database when the data directory or database holds none, instead of refusing")
}

func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{error: errors.New("keys needs a command: create, list, revoke or rotate-kek"), command: "keys"}
	}
	sub, rest := args[0], args[1:]
	if isHelpArg(sub) {
		printHelp(stdout, "keys", nil)
		return flag.ErrHelp
	}
	if _, ok := findCommand("keys " + sub); !ok {
		return usageError{error: fmt.Errorf("unknown keys command %q: use create, list, revoke or rotate-kek", sub), command: "keys"}
	}
	fs := flag.NewFlagSet("patchbay keys "+sub, flag.ContinueOnError)
	settings := config.StoreSettings
	if sub == "rotate-kek" {
		settings = append(slices.Clone(settings), "encryption-key", "encryption-key-previous")
	}
	loader := config.Register(fs, settings...)
	create := createFlag(fs)
	var (
		name, tenant *string
		rateLimit    *int64
		scopes       []string
	)
	if sub == "create" {
		name = fs.String("name", "", "the key's name, shown by keys list (required)")
		rateLimit = fs.Int64("rate-limit", 0, "the key's own requests per window; 0 uses the server's --rate-limit")
		fs.Func("scope", "a scope the key holds, such as webhooks:write; repeatable, or space- or comma-separated (default *, everything)", func(v string) error {
			scopes = append(scopes, strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })...)
			return nil
		})
		tenant = fs.String("tenant", "", "restrict the key to this tenant's objects")
	}
	fs.SetOutput(io.Discard)
	positional, err := parseInterspersed(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		printHelp(stdout, "keys "+sub, fs)
		return err
	} else if err != nil {
		return usageError{error: err, command: "keys " + sub}
	}
	if sub != "revoke" && len(positional) > 0 {
		return usageError{error: fmt.Errorf("keys %s takes no arguments (got %q)", sub, positional), command: "keys " + sub}
	}
	cfg, err := loadConfig(loader, getenv, "keys "+sub)
	if err != nil {
		return err
	}

	var act func(db *store.DB) error
	switch sub {
	case "create":
		if *name == "" {
			return usageError{error: errors.New("keys create needs --name"), command: "keys create"}
		}
		if *rateLimit < 0 {
			return usageError{error: errors.New("--rate-limit must be 0 or more"), command: "keys create"}
		}
		act = func(db *store.DB) error {
			var limit *int64
			if *rateLimit > 0 {
				limit = rateLimit
			}
			nk := auth.NewKey{Name: *name, RateLimit: limit, Scopes: scopes}
			if len(nk.Scopes) == 0 {
				nk.Scopes = []string{auth.ScopeAll}
			}
			if *tenant != "" {
				nk.TenantID = tenant
			}
			key, secret, err := auth.NewKeys(db).Create(ctx, nk)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Created API key %s (%s) with scopes %s%s. It is shown only this once:\n%s\n",
				key.ID, key.Name, strings.Join(key.Scopes, " "), tenantNote(key), secret)
			return nil
		}
	case "list":
		act = func(db *store.DB) error { return listKeys(ctx, auth.NewKeys(db), stdout) }
	case "revoke":
		if len(positional) != 1 {
			return usageError{error: errors.New("keys revoke needs one key ID (key_…)"), command: "keys revoke"}
		}
		act = func(db *store.DB) error {
			key, err := auth.NewKeys(db).Revoke(ctx, positional[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Revoked API key %s (%s)\n", key.ID, key.Name)
			return nil
		}
	case "rotate-kek":
		if cfg.EncryptionKey == "" {
			return usageError{error: errors.New("keys rotate-kek needs --encryption-key (the new key) and --encryption-key-previous (the old one; " +
				"with a key file, its content), the same settings every node already runs with")}
		}
		act = func(db *store.DB) error { return rotateKEK(ctx, cfg, db, stdout) }
	}

	db, err := openStore(ctx, cfg, *create, newLogger(stderr, slog.LevelWarn), stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	return act(db)
}

// rotateKEK reseals everything the configured encryption key seals directly
// (connect's data keys, endpoint secrets, source verifiers, stored
// idempotent responses) under the current
// key, row by row, each in a transaction of its own. Rows sealed under the
// current key already are left alone, so an interrupted run is simply run
// again. Nodes keep working throughout: they open with either key.
func rotateKEK(ctx context.Context, cfg config.Config, db *store.DB, stdout io.Writer) error {
	v, err := app.OpenVault(cfg, db)
	if err != nil {
		return err
	}
	// A node still running with only the old key may seal new values during
	// a pass, so passes repeat until one finds nothing left to reseal.
	const passes = 3
	total := 0
	for pass := 1; pass <= passes; pass++ {
		resealed := 0
		for _, col := range sealedColumns() {
			n, err := db.RewriteColumn(ctx, col.Table, col.Column, func(id string, sealed []byte) ([]byte, error) {
				return v.Reseal(sealed, col.AAD(id))
			})
			if pass == 1 || n > 0 {
				fmt.Fprintf(stdout, "%s.%s: %d resealed\n", col.Table, col.Column, n)
			}
			resealed += n
			if err != nil {
				return fmt.Errorf("reseal (run again once fixed; resealed rows are skipped): %w", err)
			}
		}
		n, err := idempotency.Reseal(ctx, db, v)
		if pass == 1 || n > 0 {
			fmt.Fprintf(stdout, "idempotency_keys.response_body: %d resealed\n", n)
		}
		resealed += n
		if err != nil {
			return fmt.Errorf("reseal (run again once fixed; resealed rows are skipped): %w", err)
		}
		total += resealed
		if resealed == 0 {
			fmt.Fprintf(stdout, "Resealed %d values. Everything now opens with --encryption-key alone: remove --encryption-key-previous from every node.\n", total)
			return nil
		}
	}
	return fmt.Errorf("values sealed with an old key kept appearing over %d passes (%d resealed): some node still runs without the new --encryption-key; restart every node with it, then run rotate-kek again", passes, total)
}

// sealedColumns are the columns sealed directly under the encryption key.
func sealedColumns() []vault.Column {
	return slices.Concat(connect.SealedColumns(), webhooks.SealedColumns(), inbound.SealedColumns())
}

// tenantNote says which tenant a key is restricted to, if any.
func tenantNote(k auth.Key) string {
	if k.TenantID == nil {
		return ""
	}
	return ", restricted to tenant " + *k.TenantID
}

func listKeys(ctx context.Context, keys *auth.Keys, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tHINT\tSCOPES\tTENANT\tRATE LIMIT\tCREATED\tREVOKED")
	page := httpapi.Page{Limit: httpapi.PageLimitMax}
	for {
		list, err := keys.List(ctx, page)
		if err != nil {
			return err
		}
		more := len(list) > page.Limit
		if more {
			list = list[:page.Limit]
		}
		for _, k := range list {
			limit, revoked, tenant := "default", "-", "-"
			if k.TenantID != nil {
				tenant = *k.TenantID
			}
			if k.RateLimit != nil {
				limit = strconv.FormatInt(*k.RateLimit, 10)
			}
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Hint, strings.Join(k.Scopes, ","), tenant,
				limit, k.CreatedAt.Format(time.RFC3339), revoked)
		}
		if !more {
			break
		}
		page.After = list[len(list)-1].ID
	}
	return tw.Flush()
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("keys revoke key_… --data dir"), and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
