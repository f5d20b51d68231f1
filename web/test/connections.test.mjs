// <patchbay-connections> in Chromium: connect through Patchbay's connect flow
// in a popup, against a mock OAuth provider on loopback (TLS, as provider
// URLs must be), then disconnect.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { dialects, eventually, launchBrowser, screenshots, seriousViolations, startHost, startPatchbay } from "./harness.mjs";

/** startProvider is a mock OAuth provider: it approves every authorization at once. */
async function startProvider() {
  const dir = mkdtempSync(join(tmpdir(), "pbweb-provider-"));
  const cert = join(dir, "cert.pem"), key = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert], { stdio: "ignore" });
  const access = new Set();
  const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
    const u = new URL(req.url, "https://127.0.0.1");
    if (req.method === "GET" && u.pathname === "/authorize") {
      const code = "code_" + randomBytes(8).toString("hex");
      return res.writeHead(302, { Location: `${u.searchParams.get("redirect_uri")}?code=${code}&state=${encodeURIComponent(u.searchParams.get("state"))}` }).end();
    }
    if (req.method === "POST" && u.pathname === "/token") {
      const at = "at_" + randomBytes(8).toString("hex");
      access.add(at);
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ access_token: at, refresh_token: "rt_" + randomBytes(8).toString("hex"), token_type: "Bearer", expires_in: 3600, scope: "profile" }));
    }
    if (req.method === "POST" && u.pathname === "/revoke") return res.writeHead(200).end();
    if (u.pathname === "/api/me") {
      const ok = access.has((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      res.writeHead(ok ? 200 : 401, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ ok, id: "u1" }));
    }
    res.writeHead(404).end();
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `https://127.0.0.1:${server.address().port}`;
  const providers = join(dir, "providers");
  execFileSync("mkdir", ["-p", providers]);
  writeFileSync(join(providers, "mockoauth.yaml"), `id: mockoauth
display_name: Mock OAuth
categories: [testing]
docs_url: https://example.com/docs
auth:
  mode: oauth2
  authorization_url: ${url}/authorize
  token_url: ${url}/token
  revocation_url: ${url}/revoke
  scopes: [profile]
  pkce: true
  client_auth: client_secret_basic
verification:
  path: /me
proxy:
  base_url: ${url}/api
`);
  return { url, caFile: cert, providers, close: () => { server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

for (const dialect of dialects()) {
  describe(`patchbay-connections (${dialect})`, () => {
    let pb, host, browser, provider, integration;
    before(async () => {
      provider = await startProvider();
      pb = await startPatchbay(dialect, ["--providers-dir", provider.providers, "--connect-ca-file", provider.caFile]);
      host = await startHost(pb.url);
      browser = await launchBrowser();
      await pb.admin("PUT", "/v1/tenants/acme", { name: "Acme" });
      integration = await pb.admin("POST", "/v1/integrations", { provider_id: "mockoauth", name: "Mock CRM", client_id: "client-1", client_secret: "secret-1" });
    });
    after(async () => {
      await browser?.close();
      await host?.close();
      await pb?.stop();
      provider?.close();
    });

    test("connect in a popup through the mock provider, then disconnect", async () => {
      const { token } = await pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["connections"], allowed_origins: [host.origin] });
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(host.page("patchbay-connections", token));
      const conns = page.locator("patchbay-connections");
      await conns.getByRole("heading", { name: "Mock CRM" }).waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `connections-${dialect}`);

      // Keyboard only: focus "Connect Mock CRM" and press Enter.
      await conns.getByRole("button", { name: "Connect Mock CRM" }).focus();
      const [popup] = await Promise.all([page.waitForEvent("popup"), page.keyboard.press("Enter")]);
      await popup.waitForLoadState();
      await popup.getByRole("button", { name: /Continue to Mock OAuth|Connect/ }).click();
      await conns.getByText("Connected", { exact: true }).first().waitFor();
      const connected = await eventually(async () =>
        (await page.evaluate(() => window.patchbayEvents.find((e) => e.type === "patchbay:connected"))) ?? assert.fail("no patchbay:connected"));
      assert.equal(connected.detail.integration_id, integration.id);
      await conns.getByText("Details").click();
      assert.doesNotMatch(await page.evaluate(() => document.querySelector("patchbay-connections").shadowRoot.textContent), /at_|rt_|secret-1/);
      await screenshots(page, `connections-connected-${dialect}`);

      // Disconnect, keyboard only: the button, then the confirming button that takes the focus.
      await conns.getByRole("button", { name: "Disconnect Mock CRM" }).focus();
      await page.keyboard.press("Enter");
      await page.keyboard.press("Enter");
      await conns.getByText("Disconnected.").waitFor();
      const ev = await page.evaluate(() => window.patchbayEvents.find((e) => e.type === "patchbay:disconnected"));
      assert.equal(ev?.detail.connection_id, connected.detail.connection_id);
      await conns.getByRole("button", { name: "Connect Mock CRM" }).waitFor();
      await context.close();
    });

    test("the hosted page and a token without the capability", async () => {
      const page = await browser.newPage();
      await page.goto(`${pb.url}/portal/connections#token=${(await pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["connections"], allowed_origins: [pb.url] })).token}`);
      await page.locator("patchbay-connections").getByRole("heading", { name: "Mock CRM" }).waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `portal-connections-${dialect}`);
      await page.goto("about:blank"); // a new fragment alone would not reload the page
      await page.goto(`${pb.url}/portal/connections#token=${(await pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["webhooks"], allowed_origins: [pb.url] })).token}`);
      await page.locator("patchbay-connections").getByRole("alert").getByText("You do not have access to this section").waitFor();
      await page.close();
    });
  });
}
