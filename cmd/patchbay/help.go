package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/config"
)

// command is one entry of the command line's help. The flags come from the
// command's own flag set, so they cannot drift from what it parses.
type command struct {
	name     string   // as typed after "patchbay": "keys create"
	summary  string   // one line, lowercase, no closing period
	usage    []string // each a line after "patchbay "
	about    string   // optional paragraph after the usage
	examples []string
}

var commands = []command{
	{name: "serve", summary: "run the API and job workers",
		usage: []string{"serve [flags]"},
		about: "Every flag is also an environment variable (PATCHBAY_…) and a key of the --config file; flags win over the environment, which wins over the file.",
		examples: []string{
			"patchbay serve --dev",
			"PATCHBAY_DATABASE_URL=postgres://patchbay@db/patchbay PATCHBAY_ENCRYPTION_KEY=$(cat key) patchbay serve --addr :8080 --role api",
		}},
	{name: "migrate", summary: "apply database migrations and exit",
		usage:    []string{"migrate [--create] [flags]"},
		about:    "It refuses a data directory or database that holds no Patchbay database unless --create is given, so a typo never makes a new empty one.",
		examples: []string{"patchbay migrate --database-url postgres://patchbay@db/patchbay", "patchbay migrate --data /var/lib/patchbay --create"}},
	{name: "keys", summary: "create, list and revoke admin API keys; reseal secrets under a new encryption key",
		usage: []string{"keys COMMAND [flags]"},
		about: "Each keys command works on the database directly and says which one it opened; it refuses one that holds no Patchbay database unless --create is given."},
	{name: "keys create", summary: "create an admin API key (printed once, on the last line)",
		usage:    []string{"keys create --name NAME [--scope SCOPE]... [--tenant TENANT] [flags]"},
		examples: []string{"patchbay keys create --name backend", "patchbay keys create --name portal --scope webhooks:write --scope tenants:read --tenant acme"}},
	{name: "keys list", summary: "list admin API keys (never their secrets)",
		usage:    []string{"keys list [flags]"},
		examples: []string{"patchbay keys list --data /var/lib/patchbay"}},
	{name: "keys revoke", summary: "revoke an admin API key",
		usage:    []string{"keys revoke KEY_ID [flags]"},
		examples: []string{"patchbay keys revoke key_01J9Z8Q4X3M2N1P0R7S6T5V4W3"}},
	{name: "keys rotate-kek", summary: "reseal stored secrets under --encryption-key",
		usage: []string{"keys rotate-kek --encryption-key NEW --encryption-key-previous OLD [flags]"},
		about: "Run it once every node runs with both keys; when it is done, remove --encryption-key-previous from every node.",
		examples: []string{
			`patchbay keys rotate-kek --encryption-key "$NEW_KEY" --encryption-key-previous "$OLD_KEY" --database-url "$PATCHBAY_DATABASE_URL"`,
		}},
	{name: "doctor", summary: "check the configuration, database, encryption key and clock, and say what to fix",
		usage:    []string{"doctor [flags]"},
		about:    "Takes the settings serve takes. Exits 1 when a check fails; warnings alone exit 0.",
		examples: []string{"patchbay doctor --config /etc/patchbay/patchbay.yaml", "PATCHBAY_DATABASE_URL=postgres://patchbay@db/patchbay patchbay doctor"}},
	{name: "healthcheck", summary: "ask a running node's /healthz and exit 0 if it answers 200",
		usage:    []string{"healthcheck [--url URL] [--timeout DURATION]"},
		about:    "For container health checks, where the image has no curl. It reads PATCHBAY_ADDR as serve does, so in a container it needs no flags.",
		examples: []string{"patchbay healthcheck", "patchbay healthcheck --url http://127.0.0.1:8080/healthz"}},
	{name: "automation", summary: "generate the Zapier, n8n or Make app from the automation catalog",
		usage:    []string{"automation PLATFORM --out DIR [flags]"},
		about:    "PLATFORM is zapier, n8n or make. The catalog comes from a running node (GET /v1/automation/catalog with an admin key), so the app carries the URLs and scopes that node serves; --catalog reads a saved copy instead. The same catalog always gives the same files.",
		examples: []string{"patchbay automation zapier --out ./zapier-app --url https://patchbay.acme.com --key \"$KEY\"", "patchbay automation make --out ./make-app --catalog catalog.json"}},
	{name: "automation zapier", summary: "generate a Zapier Platform CLI app",
		usage:    []string{"automation zapier --out DIR [--url URL --key KEY | --catalog FILE]"},
		examples: []string{"patchbay automation zapier --out ./zapier-app --key \"$KEY\""}},
	{name: "automation n8n", summary: "generate an n8n community node package",
		usage:    []string{"automation n8n --out DIR [--url URL --key KEY | --catalog FILE]"},
		examples: []string{"patchbay automation n8n --out ./n8n-nodes-acme --key \"$KEY\""}},
	{name: "automation make", summary: "generate a Make custom app (local development layout)",
		usage:    []string{"automation make --out DIR [--url URL --key KEY | --catalog FILE]"},
		examples: []string{"patchbay automation make --out ./make-app --key \"$KEY\""}},
	{name: "bench", summary: "measure a running server's request rate (GETs of one URL)",
		usage:    []string{"bench --url URL [--key KEY] [flags]", "bench COMMAND [flags]"},
		examples: []string{"patchbay bench --url http://127.0.0.1:8080/v1/tenants/acme --key \"$KEY\" --duration 10s"}},
	{name: "bench webhooks", summary: "measure outgoing webhook delivery on loopback (its own node and receivers)",
		usage:    []string{"bench webhooks [flags]"},
		examples: []string{"patchbay bench webhooks --messages 5000", "patchbay bench webhooks --database-url postgres://postgres@127.0.0.1/postgres --batch 100"}},
	{name: "bench oauth", summary: "measure a running server's OAuth token and introspection rates",
		usage:    []string{"bench oauth --url URL --key KEY [flags]"},
		examples: []string{"patchbay bench oauth --url http://127.0.0.1:8080 --key \"$KEY\" --duration 10s"}},
	{name: "bench inbound", summary: "measure a running server's incoming-webhook ingest rate and latency",
		usage:    []string{"bench inbound --url URL --key KEY [flags]"},
		examples: []string{"patchbay bench inbound --url http://127.0.0.1:8080 --key \"$KEY\" --duration 10s"}},
	{name: "bench marketplace", summary: "seed published marketplace listings and measure a running server's directory search latency",
		usage:    []string{"bench marketplace --url URL --key KEY [flags]"},
		examples: []string{"patchbay bench marketplace --url http://127.0.0.1:8080 --key \"$KEY\" --listings 10000 --rate 200 --duration 10s"}},
	{name: "openapi", summary: "print the OpenAPI 3.1 document of the admin API, as /openapi.json serves it",
		usage:    []string{"openapi"},
		about:    "Needs no database or configuration; development-only routes are left out. Served with its reference page at /docs.",
		examples: []string{"patchbay openapi > openapi.json"}},
	{name: "version", summary: "print the version, commit, build date and Go version",
		usage: []string{"version"}},
	{name: "help", summary: "show help for a command",
		usage:    []string{"help [COMMAND [SUBCOMMAND]]"},
		examples: []string{"patchbay help keys create"}},
}

func findCommand(name string) (command, bool) {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		return command{}, false
	}
	return commands[i], true
}

// subcommands are the commands one word below name ("" for the top level).
func subcommands(name string) []command {
	var subs []command
	for _, c := range commands {
		parent := ""
		if i := strings.LastIndexByte(c.name, ' '); i >= 0 {
			parent = c.name[:i]
		}
		if parent == name {
			subs = append(subs, c)
		}
	}
	return subs
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "Patchbay: the integrations backbone for SaaS products.\n\nUsage:\n  patchbay COMMAND [flags]\n\n")
	printCommandList(w, "Commands", subcommands(""))
	fmt.Fprint(w, "\nRun \"patchbay help COMMAND\" or \"patchbay COMMAND --help\" for a command's usage, flags and examples.\n")
}

func printCommandList(w io.Writer, title string, cmds []command) {
	type row struct{ name, summary string }
	var rows []row
	for _, c := range cmds {
		rows = append(rows, row{c.name, c.summary})
		if c.name == "keys" || c.name == "bench" {
			for _, sub := range subcommands(c.name) {
				rows = append(rows, row{"  " + strings.TrimPrefix(sub.name, c.name+" "), sub.summary})
			}
		}
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r.name))
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %s\n", width, r.name, r.summary)
	}
}

// printHelp writes a command's help: summary, usage, subcommands, flags
// grouped by section, and examples. fs may be nil for a command without flags.
func printHelp(w io.Writer, name string, fs *flag.FlagSet) {
	c, _ := findCommand(name)
	fmt.Fprintf(w, "patchbay %s: %s\n\nUsage:\n", c.name, c.summary)
	for _, u := range c.usage {
		fmt.Fprintf(w, "  patchbay %s\n", u)
	}
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", wrap(c.about, 0))
	}
	if subs := subcommands(name); len(subs) > 0 {
		fmt.Fprintln(w)
		printCommandList(w, "Commands", subs)
	}
	if fs != nil {
		printFlags(w, fs)
	}
	if len(c.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, e := range c.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// helpFlag describes one flag of a command's help.
type helpFlag struct {
	name, placeholder, usage, def, env string
}

func printFlags(w io.Writer, fs *flag.FlagSet) {
	const own = "Flags"
	sections := map[string][]helpFlag{}
	fs.VisitAll(func(f *flag.Flag) {
		if s, ok := config.FlagHelp(f); ok {
			sections[s.Group+" flags"] = append(sections[s.Group+" flags"], helpFlag{f.Name, s.Placeholder, s.Usage, s.Default, s.Env})
			return
		}
		placeholder, usage := flag.UnquoteUsage(f)
		if !strings.Contains(f.Usage, "`") {
			placeholder = ownPlaceholder(f.Name, placeholder)
		}
		sections[own] = append(sections[own], helpFlag{f.Name, placeholder, usage, f.DefValue, ""})
	})
	order := []string{own}
	for _, g := range config.Groups {
		order = append(order, g+" flags")
	}
	for _, title := range order {
		flags := sections[title]
		if len(flags) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		for _, f := range flags {
			head := "  --" + f.name
			if f.placeholder != "" {
				head += " " + f.placeholder
			}
			var notes []string
			if f.def != "" && f.def != "false" && f.def != "0" {
				notes = append(notes, "default "+f.def)
			}
			if f.env != "" {
				notes = append(notes, "env "+f.env)
			}
			usage := f.usage
			if len(notes) > 0 {
				usage += " (" + strings.Join(notes, "; ") + ")"
			}
			fmt.Fprintf(w, "%s\n%s\n", head, wrap(usage, 6))
		}
	}
}

// ownPlaceholder names the value of a command's own flag from its type, as
// flag.UnquoteUsage reports it ("string", "int", "duration"…).
func ownPlaceholder(name, kind string) string {
	switch kind {
	case "":
		return "" // boolean
	case "int", "int64", "uint", "uint64", "float":
		return "N"
	case "duration":
		return "DURATION"
	}
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// wrap breaks text into lines of at most 80 columns, each indented by indent
// spaces.
func wrap(text string, indent int) string {
	const width = 80
	var b strings.Builder
	pad := strings.Repeat(" ", indent)
	col := 0
	for _, word := range strings.Fields(text) {
		switch {
		case col == 0:
			b.WriteString(pad)
			col = indent
		case col+1+len(word) > width:
			b.WriteString("\n" + pad)
			col = indent
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}

// parseArgs parses a command's flags. Asked for help (-h, --help), it prints
// the command's help to stdout and returns flag.ErrHelp, which run turns into
// success; a bad flag is a usage error naming the command.
func parseArgs(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard) // errors are reported once, by main; help goes to stdout
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printHelp(stdout, strings.TrimPrefix(fs.Name(), "patchbay "), fs)
		return err
	}
	if err != nil {
		return usageError{error: err, command: strings.TrimPrefix(fs.Name(), "patchbay ")}
	}
	return nil
}

// isHelpArg reports whether arg asks for help where a subcommand is expected.
func isHelpArg(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// runHelp answers "patchbay help [COMMAND [SUBCOMMAND]]" by asking the command
// itself for its help, so the flags shown are the ones it parses.
func runHelp(runCmd commandRunner, topic []string, stdout io.Writer) error {
	if len(topic) == 0 {
		printUsage(stdout)
		return nil
	}
	name := strings.Join(topic, " ")
	if _, ok := findCommand(name); !ok {
		return usageError{error: fmt.Errorf("no help for %q: not a command", name)}
	}
	return runCmd(append(slices.Clone(topic), "--help"))
}

// commandRunner runs a command line without the program name.
type commandRunner func(args []string) error
