// A live Patchbay set up as a SaaS would for automation platforms: a scope
// catalog, an event type exposed as a trigger, an action on a loopback test
// API, a platform's OAuth app, and a user who authorizes it in a browser.
// The generated apps are then driven by the platforms' own packages.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { launchBrowser, patchbayBinary, startPatchbay, startReceiver } from "../../../web/test/harness.mjs";

export { dialects, eventually } from "../../../web/test/harness.mjs";

export const outDir = resolve(import.meta.dirname, "../.out");

/** listen starts an HTTP server on a free loopback port. */
async function listen(handler) {
  const server = createServer(handler);
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

/**
 * startSaaS runs Patchbay with a login page, a test API (the SaaS's own
 * API, which records the calls the generated actions make) and a webhook
 * receiver standing in for the platform.
 */
export async function startSaaS(dialect) {
  const calls = [];
  const api = await listen((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks)) : undefined;
      calls.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(req.method === "POST" ? 201 : 200, { "Content-Type": "application/json" });
      if (req.url === "/v1/teams") res.end(JSON.stringify({ data: [{ id: "team_core", name: "Core" }] }));
      else res.end(JSON.stringify({ id: "prj_new", ...body }));
    });
  });
  let pb;
  const login = await listen(async (req, res) => {
    const challenge = new URL(req.url, "http://x").searchParams.get("login_challenge");
    const r = await pb.admin("POST", `/v1/oauth/login-requests/${encodeURIComponent(challenge)}/accept`,
      { user_id: "ada", team_id: "acme", user_name: "Ada Lovelace", team_name: "Acme Inc" });
    res.writeHead(302, { Location: r.redirect_to }).end();
  });
  const callback = await listen((req, res) => res.writeHead(200, { "Content-Type": "text/plain" }).end(req.url));
  pb = await startPatchbay(dialect, ["--oauth-login-url", `${login.url}/login`, "--automation-api-url", api.url]);
  const receiver = await startReceiver();

  await pb.admin("PUT", "/v1/tenants/acme", { name: "Acme Inc" });
  for (const [name, description] of [["read:projects", "See your projects"], ["write:projects", "Create and change projects"]]) {
    await pb.admin("POST", "/v1/oauth/scopes", { name, description });
  }
  // The SaaS's API is a protected resource: tokens for it carry its audience.
  await pb.admin("POST", "/v1/oauth/resources", { resource: api.url, name: "Acme API", scopes: ["read:projects", "write:projects"] });
  await pb.admin("POST", "/v1/event-types", {
    name: "project.created", description: "A project was created.",
    schema: { type: "object", properties: { id: { type: "string" }, name: { type: "string" }, status: { type: "string", enum: ["active", "archived"] } } },
    example: { id: "prj_1", name: "Launch", status: "active" },
  });
  await pb.admin("PATCH", "/v1/automation/triggers/project.created", { display_name: "New Project", filter_fields: ["/status"] });
  await pb.admin("POST", "/v1/automation/actions", {
    key: "list_teams", display_name: "Find Teams", description: "Lists your teams.", search: true, method: "GET",
    url_template: `${api.url}/v1/teams`, input_schema: { type: "object", properties: {} },
    output_sample: { data: [{ id: "team_1", name: "Core" }] }, scopes: ["read:projects"],
  });
  await pb.admin("POST", "/v1/automation/actions", {
    key: "create_project", display_name: "Create Project", description: "Creates a project.", method: "POST",
    url_template: `${api.url}/v1/teams/{team_id}/projects`,
    input_schema: { type: "object", required: ["team_id", "name"], properties: {
      team_id: { type: "string", title: "Team", "x-patchbay-choices": { action: "list_teams", items_pointer: "/data", value_pointer: "/id", label_pointer: "/name" } },
      name: { type: "string", title: "Name", description: "The project's name." } } },
    output_sample: { id: "prj_1", name: "Launch" }, scopes: ["write:projects"], idempotency: "key",
  });
  const app = await pb.admin("POST", "/v1/oauth/apps", {
    team_id: "platform", name: "Automation platform", redirect_uris: [`${callback.url}/callback`], scopes: ["read:projects", "write:projects"],
  });
  const catalog = await pb.admin("GET", "/v1/automation/catalog");
  return {
    pb, app, catalog, calls, receiver, redirectURI: `${callback.url}/callback`, apiURL: api.url,
    /** publish sends an event to the acme tenant. */
    publish: (payload) => pb.admin("POST", "/v1/tenants/acme/messages", { event_type: "project.created", payload }),
    async stop() {
      await pb.stop();
      await receiver.close();
      for (const s of [api, login, callback]) s.server.close();
    },
  };
}

/**
 * authorizeCode runs the authorization-code flow with PKCE in Chromium: the
 * user signs in through the SaaS's login page and allows the app. It returns
 * the code and verifier, for the generated app's own token request. extra
 * are the app's own authorization parameters (such as resource).
 */
export async function authorizeCode(saas, scope, extra = {}) {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const q = new URLSearchParams({ client_id: saas.app.client_id, response_type: "code", redirect_uri: saas.redirectURI, scope,
      state: "s", code_challenge: challenge, code_challenge_method: "S256", ...extra });
    await page.goto(`${saas.pb.url}/oauth/authorize?${q}`);
    if (!/\/callback\?/.test(page.url())) await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL(/\/callback\?/);
    const code = new URL(page.url()).searchParams.get("code");
    assert.ok(code, page.url());
    return { code, verifier };
  } finally {
    await browser.close();
  }
}

/** generate runs `patchbay automation PLATFORM` against the live node into .out/NAME. */
export function generate(saas, platform, name) {
  const dir = join(outDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  execFileSync(patchbayBinary(), ["automation", platform, "--out", dir, "--url", saas.pb.url, "--key", saas.pb.key, "--author-email", "integrations@acme.test"],
    { encoding: "utf8" });
  return dir;
}
