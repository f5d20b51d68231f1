// <patchbay-authorized-apps> in Chromium: a user authorizes an OAuth app
// through Patchbay's real consent flow, sees it in the component, revokes it,
// and the app's token dies.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { dialects, focusedName, launchBrowser, screenshots, seriousViolations, startHost, startPatchbay } from "./harness.mjs";

for (const dialect of dialects()) {
  describe(`patchbay-authorized-apps (${dialect})`, () => {
    let pb, host, browser, app, login, callback;
    before(async () => {
      // The SaaS's login page: signs in user "ada" of team "acme" and accepts
      // the login challenge through the admin API, as a real SaaS does.
      login = createServer(async (req, res) => {
        const challenge = new URL(req.url, "http://x").searchParams.get("login_challenge");
        const r = await pb.admin("POST", `/v1/oauth/login-requests/${encodeURIComponent(challenge)}/accept`, { user_id: "ada", team_id: "acme" });
        res.writeHead(302, { Location: r.redirect_to }).end();
      });
      // The app's redirect URI: shows the code.
      callback = createServer((req, res) => res.writeHead(200, { "Content-Type": "text/plain" }).end(req.url));
      await Promise.all([login, callback].map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok))));
      pb = await startPatchbay(dialect, ["--oauth-login-url", `http://127.0.0.1:${login.address().port}/login`]);
      host = await startHost(pb.url);
      browser = await launchBrowser();
      await pb.admin("PUT", "/v1/tenants/acme", { name: "Acme" });
      await pb.admin("POST", "/v1/oauth/scopes", { name: "read:projects", description: "Read your projects" });
      app = await pb.admin("POST", "/v1/oauth/apps", {
        team_id: "devteam", name: "Timely", developer_name: "Timely Labs", redirect_uris: ["http://127.0.0.1/callback"], scopes: ["read:projects"],
      });
    });
    after(async () => {
      await browser?.close();
      await host?.close();
      await pb?.stop();
      login?.close();
      callback?.close();
    });

    /** authorize runs the authorization code flow in a browser page and returns the app's access token. */
    async function authorize() {
      const verifier = randomBytes(32).toString("base64url");
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      const redirect = `http://127.0.0.1:${callback.address().port}/callback`;
      const page = await browser.newPage();
      const q = new URLSearchParams({ client_id: app.client_id, response_type: "code", redirect_uri: redirect, scope: "read:projects",
        state: "s", code_challenge: challenge, code_challenge_method: "S256" });
      await page.goto(`${pb.url}/oauth/authorize?${q}`);
      // The consent screen shows the first time; a grant already given sends the browser straight back.
      if (!/\/callback\?/.test(page.url())) await page.getByRole("button", { name: "Allow" }).click();
      await page.waitForURL(/\/callback\?/);
      const code = new URL(page.url()).searchParams.get("code");
      await page.close();
      const resp = await fetch(`${pb.url}/oauth/token`, {
        method: "POST",
        headers: { Authorization: "Basic " + Buffer.from(`${app.client_id}:${app.client_secret}`).toString("base64"), "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirect, code_verifier: verifier }),
      });
      const tok = await resp.json();
      assert.ok(tok.access_token, JSON.stringify(tok));
      return tok.access_token;
    }

    const introspect = async (token) =>
      (await fetch(`${pb.url}/oauth/introspect`, {
        method: "POST",
        headers: { Authorization: `Bearer ${pb.key}`, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }),
      })).json();

    test("revoke an authorized app and its token dies", async () => {
      const accessToken = await authorize();
      assert.equal((await introspect(accessToken)).active, true);
      const { token } = await pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["authorized_apps"], allowed_origins: [host.origin] });
      const page = await browser.newPage();
      await page.goto(host.page("patchbay-authorized-apps", token));
      const apps = page.locator("patchbay-authorized-apps");
      await apps.getByRole("heading", { name: "Timely" }).waitFor();
      await apps.getByText("Read your projects").waitFor();
      await apps.getByText("by Timely Labs").waitFor(); // the app's developer_name, not its team ID
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `authorized-apps-${dialect}`);

      // Keyboard only: Tab to "Revoke access", Enter, then confirm (focus moves there).
      const focusedText = () => focusedName(page);
      for (let i = 0; i < 10 && !(await focusedText()).startsWith("Revoke access"); i++) await page.keyboard.press("Tab");
      assert.match(await focusedText(), /^Revoke access/);
      await page.keyboard.press("Enter");
      assert.equal(await focusedText(), "Revoke access"); // the confirming button
      await page.keyboard.press("Enter");
      await apps.getByText("Timely no longer has access").waitFor();
      const ev = await page.evaluate(() => window.patchbayEvents.find((e) => e.type === "patchbay:app-revoked"));
      assert.equal(ev?.detail.app_id, app.id);
      assert.equal((await introspect(accessToken)).active, false);
      await page.close();
    });

    test("only the token's user in the token's team sees the authorization", async () => {
      await authorize();
      await pb.admin("PUT", "/v1/tenants/globex", { name: "Globex" });
      const page = await browser.newPage();
      for (const [tenant, user] of [["acme", "someone-else"], ["globex", "ada"]]) {
        const { token } = await pb.mint({ tenant_id: tenant, user_id: user, capabilities: ["authorized_apps"], allowed_origins: [host.origin] });
        await page.goto(host.page("patchbay-authorized-apps", token));
        await page.locator("patchbay-authorized-apps").getByText("You have not authorized any apps").waitFor();
      }
      // The hosted page is on Patchbay's own origin, which every token may be
      // used from: this one names only the SaaS's page, and the revocation
      // (a DELETE, which carries Origin) still goes through.
      await page.goto(`${pb.url}/portal/authorized-apps#token=${(await pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["authorized_apps"], allowed_origins: [host.origin] })).token}`);
      const apps = page.locator("patchbay-authorized-apps");
      await apps.getByRole("heading", { name: "Timely" }).waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `portal-authorized-apps-${dialect}`);
      await apps.getByRole("button", { name: /^Revoke access/ }).first().click();
      await apps.getByRole("button", { name: "Revoke access", exact: true }).click();
      await apps.getByText("Timely no longer has access").waitFor();
      await page.close();
    });
  });
}
