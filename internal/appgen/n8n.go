package appgen

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/patchbay/patchbay/internal/automation"
)

// N8n generates an n8n community node package (n8n-nodes-<product>): OAuth 2
// credentials against Patchbay, a trigger node that subscribes a webhook
// through Patchbay's REST hooks, and an action node with a resource and an
// operation per action. It builds and lints with n8n's own node tooling.
func N8n(c automation.Catalog, opts Options) (Files, error) {
	if err := checkVersion(c); err != nil {
		return nil, err
	}
	if !strings.Contains(opts.AuthorEmail, "@") {
		return nil, fmt.Errorf("an n8n community package names its author's email (n8n's lint requires it); none was given")
	}
	if _, err := uniqueKeys(keysOf(c.Actions, func(a automation.Action) string { return a.Key }), camel); err != nil {
		return nil, fmt.Errorf("actions: %w", err)
	}
	name := pascal(c.Product.Key)
	credential := camel(c.Product.Key) + "OAuth2Api"
	credentialClass := name + "OAuth2Api"
	pkg := "n8n-nodes-" + kebab(c.Product.Key)
	files := Files{}

	files["package.json"] = jsonFile(obj{
		{"name", pkg},
		{"version", "0.1.0"},
		{"description", sentence(c.Product.Name + " nodes for n8n: a trigger on its events and actions on its API")},
		{"license", "MIT"},
		{"homepage", c.Product.HomepageURL},
		{"author", obj{{"name", c.Product.Name}, {"email", opts.AuthorEmail}}},
		{"keywords", []string{"n8n-community-node-package", kebab(c.Product.Key)}},
		{"scripts", obj{{"build", "n8n-node build"}, {"lint", "n8n-node lint"}, {"dev", "n8n-node dev"}, {"release", "n8n-node release"}, {"prepublishOnly", "n8n-node prerelease"}}},
		{"files", []string{"dist"}},
		{"n8n", obj{
			{"n8nNodesApiVersion", 1},
			{"strict", true},
			{"credentials", []string{"dist/credentials/" + credentialClass + ".credentials.js"}},
			{"nodes", []string{"dist/nodes/" + name + "/" + name + ".node.js", "dist/nodes/" + name + "Trigger/" + name + "Trigger.node.js"}},
		}},
		{"devDependencies", obj{{"@n8n/node-cli", n8nNodeCLIVersion}, {"typescript", "5.9.3"}}},
		{"peerDependencies", obj{{"n8n-workflow", "*"}}},
	})
	files["tsconfig.json"] = jsonFile(obj{
		{"compilerOptions", obj{
			{"strict", true}, {"module", "commonjs"}, {"moduleResolution", "node"}, {"target", "es2019"},
			{"lib", []string{"es2019", "es2020", "es2022.error"}}, {"removeComments", true},
			{"useUnknownInCatchVariables", false}, {"forceConsistentCasingInFileNames", true},
			{"noImplicitAny", true}, {"noImplicitReturns", true}, {"noUnusedLocals", true},
			{"strictNullChecks", true}, {"preserveConstEnums", true}, {"esModuleInterop", true},
			{"resolveJsonModule", true}, {"incremental", true}, {"declaration", true},
			{"sourceMap", true}, {"skipLibCheck", true}, {"outDir", "./dist/"},
		}},
		{"include", []string{"credentials/**/*", "nodes/**/*", "nodes/**/*.json", "package.json"}},
	})
	files["eslint.config.mjs"] = []byte("import { config } from '@n8n/node-cli/eslint';\n\nexport default config;\n")
	files[".gitignore"] = []byte("dist/\nnode_modules/\n")

	icon := productIcon(c.Product)
	for _, dir := range []string{"credentials/", "nodes/" + name + "/", "nodes/" + name + "Trigger/"} {
		files[dir+icon.light] = icon.svg("#334155")
		files[dir+icon.dark] = icon.svg("#cbd5e1")
	}

	scopes := strings.Join(c.OAuth.RequiredScopes, " ")
	authQuery := ""
	if c.OAuth.Resource != "" {
		authQuery = "resource=" + url.QueryEscape(c.OAuth.Resource)
	}
	files["credentials/"+credentialClass+".credentials.ts"] = []byte(generatedHeader("//", "n8n") + fmt.Sprintf(`import type { ICredentialType, INodeProperties } from 'n8n-workflow';

export class %[1]s implements ICredentialType {
	name = %[2]s;

	extends = ['oAuth2Api'];

	displayName = %[3]s;

	icon = %[4]s as const;

	documentationUrl = %[5]s;

	properties: INodeProperties[] = %[6]s;
}
`, credentialClass, tsString(credential), tsString(c.Product.Name+" OAuth2 API"), tsLiteral(icon.themed(), 1), tsString(docsURL(c)),
		tsLiteral([]any{
			hidden("Grant Type", "grantType", "pkce"),
			hidden("Authorization URL", "authUrl", c.OAuth.AuthorizeURL),
			hidden("Access Token URL", "accessTokenUrl", c.OAuth.TokenURL),
			hidden("Auth URI Query Parameters", "authQueryParameters", authQuery),
			hidden("Scope", "scope", scopes),
			hidden("Authentication", "authentication", "header"),
		}, 1)))

	actionNode, err := n8nActionNode(c, name, credential, icon.themed())
	if err != nil {
		return nil, err
	}
	files["nodes/"+name+"/"+name+".node.ts"] = actionNode
	files["nodes/"+name+"Trigger/"+name+"Trigger.node.ts"] = n8nTriggerNode(c, name, credential, icon.themed())
	files["README.md"] = []byte(n8nReadme(c, pkg))
	return files, nil
}

func hidden(displayName, name, value string) obj {
	return obj{{"displayName", displayName}, {"name", name}, {"type", "hidden"}, {"default", value}}
}

// n8nActionNode is the node with a resource (what an action acts on) and an
// operation (the action) per catalog action.
func n8nActionNode(c automation.Catalog, name, credential string, icon obj) ([]byte, error) {
	byResource := map[string][]automation.Action{}
	actions := map[string]automation.Action{}
	for _, a := range c.Actions {
		byResource[singular(actionNoun(a.Key))] = append(byResource[singular(actionNoun(a.Key))], a)
		actions[a.Key] = a
	}
	resources := sortedKeys(byResource)
	var resourceOptions []any
	for _, r := range resources {
		resourceOptions = append(resourceOptions, obj{{"name", r}, {"value", camel(r)}})
	}
	props := []any{}
	if len(resources) > 0 {
		props = append(props, obj{{"displayName", "Resource"}, {"name", "resource"}, {"type", "options"}, {"noDataExpression", true},
			{"options", resourceOptions}, {"default", camel(resources[0])}})
	}
	// specs are what execute needs per operation; choices the loadOptions
	// methods, one per action that lists a field's choices.
	specs := obj{}
	choiceSources := map[string]automation.DynamicChoices{}
	for _, r := range resources {
		list := byResource[r]
		sortBy(list, func(a automation.Action) string { return a.DisplayName })
		var ops []any
		for _, a := range list {
			ops = append(ops, obj{{"name", a.DisplayName}, {"value", camel(a.Key)},
				{"description", phrase(a.Description)}, {"action", sentenceCase(a.DisplayName)}})
		}
		props = append(props, obj{{"displayName", "Operation"}, {"name", "operation"}, {"type", "options"}, {"noDataExpression", true},
			{"displayOptions", obj{{"show", obj{{"resource", []string{camel(r)}}}}}},
			{"options", ops}, {"default", camel(list[0].Key)}})
		for _, a := range list {
			for _, f := range a.Fields {
				p, err := n8nField(f, camel(r), camel(a.Key), actions)
				if err != nil {
					return nil, fmt.Errorf("action %s: %w", a.Key, err)
				}
				props = append(props, p)
				if f.Choices != nil {
					choiceSources[f.Choices.Action] = *f.Choices
				}
			}
			specs = append(specs, kv{camel(a.Key), n8nSpec(a)})
		}
	}
	choices := obj{}
	var methods strings.Builder
	for _, source := range sortedKeys(choiceSources) {
		ch := choiceSources[source]
		choices = append(choices, kv{camel(source), obj{
			{"action", n8nSpec(actions[source])}, {"itemsPointer", ch.ItemsPointer},
			{"valuePointer", ch.ValuePointer}, {"labelPointer", ch.LabelPointer}}})
		fmt.Fprintf(&methods, "\t\t\tasync %s(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {\n\t\t\t\treturn listChoices(this, CHOICES[%s]);\n\t\t\t},\n",
			"get"+pascal(source)+"Choices", tsString(camel(source)))
	}

	description := obj{
		{"displayName", c.Product.Name},
		{"name", camel(c.Product.Key)},
		{"icon", icon},
		{"group", []string{"transform"}},
		{"version", 1},
		{"subtitle", `={{$parameter["operation"] + ": " + $parameter["resource"]}}`},
		{"description", sentence("Use the " + c.Product.Name + " API")},
		{"defaults", obj{{"name", c.Product.Name}}},
		{"inputs", code("[NodeConnectionTypes.Main]")},
		{"outputs", code("[NodeConnectionTypes.Main]")},
		{"usableAsTool", true},
		{"credentials", []any{obj{{"name", credential}, {"required", true}}}},
		{"properties", props},
	}
	src := generatedHeader("//", "n8n") + `import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

type Field = { key: string; in: 'path' | 'query' | 'body'; type: string };
type ActionSpec = { method: IHttpRequestMethods; url: string; search: boolean; idempotency: string; fields: Field[] };
type ChoiceSpec = { action: ActionSpec; itemsPointer: string; valuePointer: string; labelPointer: string };

// OPERATIONS are the catalog's actions by operation, as execute calls them.
const OPERATIONS: Record<string, ActionSpec> = ` + tsLiteral(specs, 0) + `;

// CHOICES are the actions that list a field's choices.
const CHOICES: Record<string, ChoiceSpec> = ` + tsLiteral(choices, 0) + `;

// pointer reads a JSON Pointer (RFC 6901).
function pointer(doc: unknown, ptr: string): unknown {
	if (!ptr) return doc;
	let v: unknown = doc;
	for (const raw of ptr.split('/').slice(1)) {
		const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
		if (v === null || typeof v !== 'object') return undefined;
		v = (v as Record<string, unknown>)[key];
	}
	return v;
}

// request is one call of an action; values come from get(field). The
// idempotency key names the call (execution, node, item), so a retried
// request is recognised as the same call.
function request(spec: ActionSpec, get: (f: Field) => unknown, idempotencyKey: string): IHttpRequestOptions {
	let url = spec.url;
	const qs: IDataObject = {};
	const body: IDataObject = {};
	for (const f of spec.fields) {
		let value = get(f);
		if (value === undefined || value === '') continue;
		if ((f.type === 'object' || f.type === 'array') && typeof value === 'string') value = JSON.parse(value);
		if (f.in === 'path') url = url.split('{' + f.key + '}').join(encodeURIComponent(String(value)));
		else if (f.in === 'query') qs[f.key] = value as IDataObject[string];
		else body[f.key] = value as IDataObject[string];
	}
	const options: IHttpRequestOptions = { method: spec.method, url, qs, json: true, headers: { Accept: 'application/json' } };
	if (['POST', 'PUT', 'PATCH'].includes(spec.method)) options.body = body;
	if (spec.idempotency === 'key') options.headers = { ...options.headers, 'Idempotency-Key': idempotencyKey };
	return options;
}

async function listChoices(ctx: ILoadOptionsFunctions, spec: ChoiceSpec): Promise<INodePropertyOptions[]> {
	const answer = await ctx.helpers.httpRequestWithAuthentication.call(ctx, ` + tsString(credential) + `, request(spec.action, () => undefined, ''));
	const items = pointer(answer, spec.itemsPointer);
	if (!Array.isArray(items)) return [];
	return items.map((item) => ({ name: String(pointer(item, spec.labelPointer)), value: String(pointer(item, spec.valuePointer)) }));
}

export class ` + name + ` implements INodeType {
	description: INodeTypeDescription = ` + tsLiteral(description, 1) + `;

	methods = {
		loadOptions: {
` + methods.String() + `		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const operation = this.getNodeParameter('operation', i) as string;
			const spec = OPERATIONS[operation];
			if (!spec) throw new NodeOperationError(this.getNode(), 'Unknown operation ' + operation, { itemIndex: i });
			try {
				const key = this.getExecutionId() + '-' + this.getNode().id + '-' + i;
				const options = request(spec, (f) => this.getNodeParameter(f.key, i, undefined), key);
				const answer = await this.helpers.httpRequestWithAuthentication.call(this, ` + tsString(credential) + `, options);
				const list = spec.search && answer && Array.isArray((answer as IDataObject).data) ? (answer as IDataObject).data : answer;
				for (const json of Array.isArray(list) ? list : [list]) out.push({ json: json as IDataObject, pairedItem: i });
			} catch (error) {
				if (this.continueOnFail()) {
					out.push({ json: { error: (error as Error).message }, pairedItem: i });
					continue;
				}
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			}
		}
		return [out];
	}
}
`
	return []byte(src), nil
}

// n8nSpec is what execute needs of an action.
func n8nSpec(a automation.Action) obj {
	fields := []any{}
	for _, f := range a.Fields {
		fields = append(fields, obj{{"key", f.Key}, {"in", f.In}, {"type", f.Type}})
	}
	return obj{{"method", a.Method}, {"url", a.URLTemplate}, {"search", a.Search}, {"idempotency", a.Idempotency}, {"fields", fields}}
}

// n8nField is an action's input field as a node parameter, shown for its
// resource and operation only.
func n8nField(f automation.Field, resource, operation string, actions map[string]automation.Action) (obj, error) {
	p := obj{{"displayName", titleCase(f.Label)}, {"name", f.Key}}
	help := phrase(f.Help)
	var def any
	switch {
	case f.Choices != nil:
		if _, ok := actions[f.Choices.Action]; !ok {
			return nil, fmt.Errorf("field %s takes its choices from %q, which is not an action", f.Key, f.Choices.Action)
		}
		// n8n's convention for fields filled from a list, which its lint holds
		// nodes to: the label says a name or an ID may be given.
		p = obj{{"displayName", titleCase(f.Label) + " Name or ID"}, {"name", f.Key}, {"type", "options"},
			{"typeOptions", obj{{"loadOptionsMethod", "get" + pascal(f.Choices.Action) + "Choices"}}}}
		help = `Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>`
		def = ""
	case len(f.Enum) > 0:
		var options []any
		for _, e := range f.Enum {
			options = append(options, obj{{"name", titleCase(e)}, {"value", e}})
		}
		p = append(p, kv{"type", "options"}, kv{"options", options})
		def = f.Enum[0]
	case f.Type == "integer" || f.Type == "number":
		p = append(p, kv{"type", "number"})
		def = 0
	case f.Type == "boolean":
		p = append(p, kv{"type", "boolean"})
		def = false
	case f.Type == "object":
		p = append(p, kv{"type", "json"})
		def = "{}"
	case f.Type == "array":
		p = append(p, kv{"type", "json"})
		def = "[]"
	default:
		p = append(p, kv{"type", "string"})
		def = ""
	}
	if f.Required {
		p = append(p, kv{"required", true})
	}
	p = append(p, kv{"displayOptions", obj{{"show", obj{{"resource", []string{resource}}, {"operation", []string{operation}}}}}})
	p = append(p, kv{"default", def})
	if help != "" {
		if f.Type == "boolean" && !strings.HasPrefix(help, "Whether") {
			help = "Whether " + help
		}
		p = append(p, kv{"description", help})
	}
	return p, nil
}

// n8nTriggerNode is the webhook trigger: activating a workflow subscribes
// its webhook URL through Patchbay, deactivating it unsubscribes.
func n8nTriggerNode(c automation.Catalog, name, credential string, icon obj) []byte {
	var events, filters []any
	triggers := obj{}
	for _, t := range c.Triggers {
		events = append(events, obj{{"name", t.DisplayName}, {"value", t.Key}, {"description", phrase(t.Description)}})
		var specs []any
		for _, f := range t.FilterFields {
			param := "filter" + pascal(t.Key+" "+f.Key)
			specs = append(specs, obj{{"key", f.Key}, {"param", param}, {"type", f.Type}})
			p := obj{{"displayName", titleCase(f.Label)}, {"name", param}}
			switch {
			case len(f.Enum) > 0:
				options := []any{obj{{"name", "Any"}, {"value", ""}}}
				for _, e := range f.Enum {
					options = append(options, obj{{"name", titleCase(e)}, {"value", e}})
				}
				p = append(p, kv{"type", "options"}, kv{"options", options})
			case f.Type == "integer" || f.Type == "number":
				p = append(p, kv{"type", "string"}) // empty means no filter
			case f.Type == "boolean":
				p = append(p, kv{"type", "options"}, kv{"options", []any{obj{{"name", "Any"}, {"value", ""}}, obj{{"name", "False"}, {"value", "false"}}, obj{{"name", "True"}, {"value", "true"}}}})
			default:
				p = append(p, kv{"type", "string"})
			}
			p = append(p, kv{"displayOptions", obj{{"show", obj{{"event", []string{t.Key}}}}}}, kv{"default", ""})
			p = append(p, kv{"description", "Only events whose " + f.Key + " equals this value; empty for all"})
			filters = append(filters, p)
		}
		if specs == nil {
			specs = []any{}
		}
		triggers = append(triggers, kv{t.Key, specs})
	}
	sortBy(events, func(e any) string { return e.(obj)[0].v.(string) })
	props := []any{}
	if len(events) > 0 {
		props = append(props, obj{{"displayName", "Event"}, {"name", "event"}, {"type", "options"}, {"required", true},
			{"options", events}, {"default", c.Triggers[0].Key}})
	}
	props = append(props, filters...)
	description := obj{
		{"displayName", c.Product.Name + " Trigger"},
		{"name", camel(c.Product.Key) + "Trigger"},
		{"icon", icon},
		{"group", []string{"trigger"}},
		{"version", 1},
		{"subtitle", `={{$parameter["event"]}}`},
		{"description", sentence("Starts the workflow when " + c.Product.Name + " publishes an event")},
		{"defaults", obj{{"name", c.Product.Name + " Trigger"}}},
		{"inputs", code("[]")},
		{"outputs", code("[NodeConnectionTypes.Main]")},
		{"credentials", []any{obj{{"name", credential}, {"required", true}}}},
		{"webhooks", []any{obj{{"name", "default"}, {"httpMethod", "POST"}, {"responseMode", "onReceived"}, {"path", "webhook"}}}},
		{"properties", props},
	}
	src := generatedHeader("//", "n8n") + `import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

type FilterSpec = { key: string; param: string; type: string };

// FILTERS are each event type's filter fields and their parameters.
const FILTERS: Record<string, FilterSpec[]> = ` + tsLiteral(triggers, 0) + `;

const SUBSCRIBE_URL = ` + tsString(c.Hooks.SubscribeURL) + `;
const UNSUBSCRIBE_URL = ` + tsString(c.Hooks.UnsubscribeURL) + `;
const CREDENTIAL = ` + tsString(credential) + `;

function filterValue(raw: string, type: string): string | number | boolean {
	if (type === 'integer' || type === 'number') return Number(raw);
	if (type === 'boolean') return raw === 'true';
	return raw;
}

export class ` + name + `Trigger implements INodeType {
	description: INodeTypeDescription = ` + tsLiteral(description, 1) + `;

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return this.getWorkflowStaticData('node').hookId !== undefined;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				const event = this.getNodeParameter('event') as string;
				const filter: IDataObject = {};
				for (const f of FILTERS[event] ?? []) {
					const raw = this.getNodeParameter(f.param, '') as string;
					if (raw !== '') filter[f.key] = filterValue(raw, f.type);
				}
				const hook = (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL, {
					method: 'POST',
					url: SUBSCRIBE_URL,
					body: { target_url: this.getNodeWebhookUrl('default'), trigger: event, filter },
					json: true,
				})) as IDataObject;
				this.getWorkflowStaticData('node').hookId = hook.id;
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node');
				if (data.hookId === undefined) return true;
				try {
					await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL, {
						method: 'DELETE',
						url: UNSUBSCRIBE_URL.split('{id}').join(encodeURIComponent(String(data.hookId))),
					});
				} catch (error) {
					// 404: the hook is already gone.
					if ((error as { httpCode?: string }).httpCode !== '404') return false;
				}
				delete data.hookId;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const headers = this.getHeaderData() as IDataObject;
		const seconds = Number(headers['webhook-timestamp']);
		return {
			workflowData: [
				[
					{
						json: {
							id: headers['webhook-id'] as string,
							type: this.getNodeParameter('event') as string,
							timestamp: seconds > 0 ? new Date(seconds * 1000).toISOString() : null,
							data: this.getBodyData(),
						},
					},
				],
			],
		};
	}
}
`
	return []byte(src)
}

type icon struct {
	light, dark string
	letter      string
}

// productIcon is a plain lettermark in a light and a dark variant: the
// platforms want icon files in the package, and a logo fetched at generation
// time would make the output depend on the network.
func productIcon(p automation.Product) icon {
	letter := strings.ToUpper(p.Name[:1])
	if !identifier.MatchString(letter) {
		letter = "P"
	}
	return icon{light: kebab(p.Key) + ".svg", dark: kebab(p.Key) + ".dark.svg", letter: letter}
}

func (i icon) svg(fill string) []byte {
	text := "#ffffff"
	if fill != "#334155" {
		text = "#0f172a"
	}
	return []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="` + fill + `"/>` +
		`<text x="32" y="43" font-family="sans-serif" font-size="32" font-weight="700" text-anchor="middle" fill="` + text + `">` + i.letter + `</text></svg>` + "\n")
}

// themed is the icon as a node description names it.
func (i icon) themed() obj {
	return obj{{"light", "file:" + i.light}, {"dark", "file:" + i.dark}}
}

func docsURL(c automation.Catalog) string {
	if c.Product.HomepageURL != "" {
		return c.Product.HomepageURL
	}
	return c.Product.PatchbayURL
}

// sentenceCase keeps the first letter's case and lowers the others' first
// letters (Create Project → Create project), as n8n's action labels are.
func sentenceCase(s string) string {
	ws := strings.Fields(s)
	for i := 1; i < len(ws); i++ {
		ws[i] = strings.ToLower(ws[i][:1]) + ws[i][1:]
	}
	return strings.Join(ws, " ")
}

// phrase is s without a final full stop: n8n's lint wants one-sentence
// parameter descriptions without one.
func phrase(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if strings.Count(s, ". ") == 0 {
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// titleCase capitalises every word, as n8n's parameter labels are.
func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		ws[i] = title(w)
	}
	return strings.Join(ws, " ")
}

// singular is a resource's name in the singular (Teams → Team), as n8n's
// resource options are.
func singular(noun string) string {
	switch {
	case strings.HasSuffix(noun, "ies"):
		return strings.TrimSuffix(noun, "ies") + "y"
	case strings.HasSuffix(noun, "ss"):
		return noun
	case strings.HasSuffix(noun, "s"):
		return strings.TrimSuffix(noun, "s")
	}
	return noun
}

func sortBy[T any](items []T, key func(T) string) {
	slices.SortStableFunc(items, func(a, b T) int { return strings.Compare(key(a), key(b)) })
}

func n8nReadme(c automation.Catalog, pkg string) string {
	return fmt.Sprintf(`# %[1]s

%[2]s nodes for n8n, generated by Patchbay from %[2]s's automation catalog (%[3]d triggers,
%[4]d actions). Regenerate with `+"`patchbay automation n8n --out DIR`"+` when event types or actions change;
do not edit by hand.

- **%[2]s Trigger** starts a workflow on an event: activating the workflow subscribes its webhook URL
  through Patchbay (`+"`POST /v1/hooks`"+`), deactivating it unsubscribes.
- **%[2]s** calls %[5]s: one resource per kind of record, one operation per action.
- **Credentials:** OAuth 2 with PKCE against Patchbay (%[6]s).

## Build, lint, publish

1. `+"`npm install`"+`, `+"`npm run build`"+`, `+"`npm run lint`"+` (n8n's own node tooling, `+"`@n8n/node-cli`"+`).
2. In Patchbay, register an OAuth app for n8n whose redirect URI is your n8n's
   `+"`https://<n8n host>/rest/oauth2-credential/callback`"+`, with the scopes %[7]s.
3. `+"`npm publish`"+` (the package name must start with `+"`n8n-nodes-`"+`; keep the
   `+"`n8n-community-node-package`"+` keyword). Users install it under Settings → Community nodes.
4. For verification by n8n (shown in n8n Cloud), submit it through n8n's creator portal: the review
   asks that it lints clean with `+"`@n8n/node-cli`"+`, has no runtime dependencies, and documents its
   credentials and operations.
`, pkg, c.Product.Name, len(c.Triggers), len(c.Actions), c.Product.APIBaseURL, c.Product.PatchbayURL, strings.Join(c.OAuth.RequiredScopes, ", "))
}
