// The pages Patchbay renders itself (OAuth consent, the device flow's
// verification pages, the connect page, error pages) in Chromium, with the
// SaaS's branding, in light and dark: the browser's preference (colorScheme)
// under the brand's "auto", and a tenant whose brand prefers dark. Each page
// is checked with axe-core, photographed at 1280 and 390 px, and its main
// step done with the keyboard alone.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { dialects, eventually, focusedName, launchBrowser, screenshots, seriousViolations, startPatchbay, startProvider } from "./harness.mjs";

// logoSVG is the SaaS's uploaded logo.
const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#7c3aed"/><circle cx="32" cy="32" r="14" fill="#fff"/></svg>`;

/**
 * startSaaS stands in for the SaaS: its login page signs the browser in at
 * once as the user it is told to (through the admin API's login-request
 * accept call, with display names), the app's callback records the codes it
 * receives, and /back is the connect flow's return URL.
 */
async function startSaaS() {
  const saas = { pb: undefined, user: "ada", team: "team_1", teamName: "Analytical Engines", codes: [], returns: [] };
  const server = createServer(async (req, res) => {
    const u = new URL(req.url, "http://127.0.0.1");
    try {
      if (u.pathname === "/login") {
        const to = await saas.pb.admin("POST", `/v1/oauth/login-requests/${encodeURIComponent(u.searchParams.get("login_challenge"))}/accept`,
          { user_id: saas.user, team_id: saas.team, user_name: "Ada Lovelace", team_name: saas.teamName });
        return res.writeHead(302, { Location: to.redirect_to }).end();
      }
      if (u.pathname === "/callback") saas.codes.push(Object.fromEntries(u.searchParams));
      if (u.pathname === "/back") saas.returns.push(Object.fromEntries(u.searchParams));
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(`<!doctype html><html lang="en"><title>SaaS</title><main><h1>Back at the SaaS</h1></main></html>`);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  saas.url = `http://127.0.0.1:${server.address().port}`;
  saas.close = () => new Promise((ok) => server.close(ok));
  return saas;
}

/** background is the page's computed background colour. */
const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const lightBackground = "rgb(246, 247, 249)"; // htmlpage's --bg, light
const darkBackground = "rgb(17, 19, 24)"; // and dark

/** pressUntil tabs until the focused control is named name (at most 30 times), then presses Enter. */
async function tabTo(page, name) {
  for (let i = 0; i < 30 && (await focusedName(page)) !== name; i++) await page.keyboard.press("Tab");
  assert.equal(await focusedName(page), name);
}

for (const dialect of dialects()) {
  describe(`server-rendered pages (${dialect})`, () => {
    let pb, saas, provider, browser, app, cli, integration;
    before(async () => {
      saas = await startSaaS();
      provider = await startProvider();
      pb = await startPatchbay(dialect, ["--oauth-login-url", `${saas.url}/login`, "--oauth-device-poll-interval", "1s",
        "--providers-dir", provider.providers, "--connect-ca-file", provider.caFile]);
      saas.pb = pb;
      browser = await launchBrowser();
      await pb.admin("PUT", "/v1/branding", { product_name: "Acme Cloud", accent_color: "#7c3aed", theme: "auto",
        support_url: "https://acme.example/help", terms_url: "https://acme.example/terms", privacy_url: "https://acme.example/privacy" });
      const logo = await fetch(`${pb.url}/v1/branding/logo`, { method: "PUT", body: logoSVG, headers: { Authorization: `Bearer ${pb.key}`, "Content-Type": "image/svg+xml" } });
      assert.equal(logo.status, 200, await logo.text());
      for (const t of ["team_1", "night", "acme"]) await pb.admin("PUT", `/v1/tenants/${t}`, { name: t });
      // The tenant "night" prefers dark whatever the browser says.
      await pb.admin("PUT", "/v1/tenants/night/branding", { theme: "dark", accent_color: "#ffd400" });
      for (const [name, description, access_level] of [["read:projects", "See your projects", "read"], ["write:projects", "Change your projects", "write"],
        ["admin:billing", "Manage your billing", "admin"]]) await pb.admin("POST", "/v1/oauth/scopes", { name, description, access_level });
      app = await pb.admin("POST", "/v1/oauth/apps", { team_id: "devteam", name: "Timely", developer_name: "Timely Labs", description: "Time tracking for your projects.",
        redirect_uris: [`${saas.url}/callback`], scopes: ["read:projects", "write:projects", "admin:billing"], homepage_url: "https://timely.example/about",
        policy_url: "https://timely.example/privacy", terms_url: "https://timely.example/terms", is_published: true });
      const appLogo = await fetch(`${pb.url}/v1/oauth/apps/${app.id}/logo`, { method: "PUT", body: logoSVG.replace("#7c3aed", "#0f766e"),
        headers: { Authorization: `Bearer ${pb.key}`, "Content-Type": "image/svg+xml" } });
      assert.equal(appLogo.status, 200, await appLogo.text());
      cli = await pb.admin("POST", "/v1/oauth/apps", { team_id: "devteam", name: "Timely CLI", developer_name: "Timely Labs", client_type: "public",
        redirect_uris: ["http://127.0.0.1/cb"], scopes: ["read:projects"] });
      integration = await pb.admin("POST", "/v1/integrations", { provider_id: "mockoauth", name: "Mock CRM", client_id: "client-1", client_secret: "secret-1" });
    });
    after(async () => {
      await browser?.close();
      await pb?.stop();
      await saas?.close();
      provider?.close();
    });

    /** newContext is a fresh browser context that waits at most 10 s for anything. */
    const newContext = async (options) => {
      const context = await browser.newContext(options);
      context.setDefaultTimeout(10000);
      return context;
    };

    /** authorizeURL starts an authorization code flow of the app, with PKCE. */
    const authorizeURL = (state) => {
      const challenge = createHash("sha256").update(randomBytes(32).toString("base64url")).digest("base64url");
      const q = new URLSearchParams({ response_type: "code", client_id: app.client_id, redirect_uri: `${saas.url}/callback`,
        scope: "read:projects write:projects admin:billing", state, code_challenge: challenge, code_challenge_method: "S256" });
      return `${pb.url}/oauth/authorize?${q}`;
    };

    for (const scheme of ["light", "dark"]) {
      test(`consent with the SaaS's and the app's branding, allowed with the keyboard (${scheme})`, async () => {
        // A user of their own: one who has allowed the app already is not asked again.
        saas.team = "team_1";
        saas.user = "ada-" + scheme;
        const context = await newContext({ colorScheme: scheme });
        const page = await context.newPage();
        const state = "st-" + scheme;
        await page.goto(authorizeURL(state));
        await page.getByRole("heading", { name: "Timely wants to access your account" }).waitFor();
        const text = await page.locator("body").innerText();
        for (const want of ["by Timely Labs", "Published app", "Ada Lovelace", "Analytical Engines", "See your projects", "Change your projects",
          "Manage your billing", "Website: timely.example", `127.0.0.1:${new URL(saas.url).port}`, "Acme Cloud"]) {
          assert.ok(text.includes(want), `the consent screen says ${JSON.stringify(want)}:\n${text}`);
        }
        // The SaaS's uploaded logo, served by Patchbay, is shown and loads.
        const logo = page.locator("header.brand img.logo");
        assert.match(await logo.getAttribute("src"), /^\/assets\/[0-9a-f]{64}\.svg$/);
        assert.ok(await logo.evaluate((img) => img.complete && img.naturalWidth > 0), "the brand logo loads");
        // Beside it in the card, the SaaS's logo and the app's uploaded one.
        const appLogo = page.getByRole("img", { name: "Timely", exact: true });
        assert.match(await appLogo.getAttribute("src"), /^\/assets\/[0-9a-f]{64}\.svg$/);
        assert.ok(await appLogo.evaluate((img) => img.complete && img.naturalWidth > 0), "the app's logo loads");
        assert.notEqual(await appLogo.getAttribute("src"), await logo.getAttribute("src"));
        assert.equal(await page.locator("footer").getByRole("link", { name: "Privacy" }).getAttribute("href"), "https://acme.example/privacy");
        assert.equal(await page.locator("main").getByRole("link", { name: "Privacy policy" }).getAttribute("href"), "https://timely.example/privacy");
        assert.equal(await page.locator("main").getByRole("link", { name: "Terms of service" }).getAttribute("href"), "https://timely.example/terms");
        assert.equal(await background(page), scheme === "dark" ? darkBackground : lightBackground);
        // The accent colour is the brand's, on the primary button.
        assert.equal(await page.getByRole("button", { name: "Allow" }).evaluate((b) => getComputedStyle(b).backgroundColor), "rgb(124, 58, 237)");
        assert.deepEqual(await seriousViolations(page), []);
        await screenshots(page, `page-consent-${scheme}-${dialect}`);

        // Keyboard only: Tab to Allow, press Enter; the app gets its code.
        await tabTo(page, "Allow");
        await Promise.all([page.waitForURL(`${saas.url}/callback?**`), page.keyboard.press("Enter")]);
        const got = saas.codes.find((c) => c.state === state);
        assert.match(got?.code ?? "", /.+/, "the app's callback received a code");
        await context.close();
      });

      test(`the device flow's pages, code typed and allowed with the keyboard (${scheme})`, async () => {
        saas.team = "team_1";
        saas.user = "ada-device-" + scheme;
        const form = new URLSearchParams({ client_id: cli.client_id, scope: "read:projects" });
        const da = await (await fetch(`${pb.url}/oauth/device_authorization`, { method: "POST", body: form })).json();
        assert.match(da.user_code ?? "", /.+/, JSON.stringify(da));
        const context = await newContext({ colorScheme: scheme });
        const page = await context.newPage();

        // A wrong code first: explained, and the field marked invalid.
        await page.goto(da.verification_uri);
        await page.getByRole("heading", { name: "Connect a device" }).waitFor();
        assert.equal(await background(page), scheme === "dark" ? darkBackground : lightBackground);
        assert.deepEqual(await seriousViolations(page), []);
        await screenshots(page, `page-device-${scheme}-${dialect}`);
        await tabTo(page, "user_code");
        await page.keyboard.type("BCDF-GHJK");
        await page.keyboard.press("Enter");
        await page.getByRole("alert").waitFor();
        assert.equal(await page.getByLabel("Code").getAttribute("aria-invalid"), "true");
        assert.deepEqual(await seriousViolations(page), []);
        await screenshots(page, `page-device-wrong-code-${scheme}-${dialect}`);

        // The right one, typed in lower case: sign-in, then the consent
        // screen with the device warning.
        await page.getByLabel("Code").fill("");
        await page.getByLabel("Code").focus();
        await page.keyboard.type(da.user_code.toLowerCase());
        await page.keyboard.press("Enter");
        await page.getByRole("heading", { name: "Timely CLI wants to access your account" }).waitFor();
        await page.getByText("You entered a code from a device").waitFor();
        assert.deepEqual(await seriousViolations(page), []);
        await screenshots(page, `page-device-consent-${scheme}-${dialect}`);
        await tabTo(page, "Allow");
        await page.keyboard.press("Enter");
        await page.getByRole("status").waitFor();
        assert.deepEqual(await seriousViolations(page), []);
        await screenshots(page, `page-device-done-${scheme}-${dialect}`);

        // The device now gets its token.
        const token = await eventually(async () => {
          const resp = await fetch(`${pb.url}/oauth/token`, { method: "POST", body: new URLSearchParams({
            grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: da.device_code, client_id: cli.client_id }) });
          const body = await resp.json();
          assert.equal(resp.status, 200, JSON.stringify(body));
          return body;
        });
        assert.match(token.access_token, /.+/);
        await context.close();
      });

      test(`the connect page, continued with the keyboard through a loopback provider (${scheme})`, async () => {
        const session = await pb.admin("POST", "/v1/connect/sessions", { tenant_id: "acme", end_user_id: "ada-" + scheme, integration_id: integration.id,
          return_url: `${saas.url}/back` });
        const context = await newContext({ colorScheme: scheme, ignoreHTTPSErrors: true }); // the provider's certificate is self-signed
        const page = await context.newPage();
        await page.goto(session.url);
        await page.getByRole("heading", { name: "Connect Mock OAuth" }).waitFor();
        // What will be shared, in the provider definition's words, with the scope's name beside.
        await page.getByRole("listitem").filter({ hasText: "See your profile (profile)" }).waitFor();
        assert.equal(await background(page), scheme === "dark" ? darkBackground : lightBackground);
        assert.deepEqual(await seriousViolations(page), []);
        await screenshots(page, `page-connect-${scheme}-${dialect}`);
        await tabTo(page, "Continue to Mock OAuth");
        await Promise.all([page.waitForURL(`${saas.url}/back?**`), page.keyboard.press("Enter")]);
        const back = saas.returns.find((r) => r.session_id === session.id);
        assert.ok(back, `the return URL got the session's outcome: ${JSON.stringify(saas.returns)}`);
        const conns = await pb.admin("GET", `/v1/connections?tenant_id=acme&end_user_id=ada-${scheme}`);
        assert.equal(conns.data.length, 1, JSON.stringify(conns));
        await context.close();
      });

      test(`error pages explain themselves and link to support (${scheme})`, async () => {
        const context = await newContext({ colorScheme: scheme });
        const page = await context.newPage();
        for (const [name, path, heading, status] of [["consent", "/oauth/consent?consent_challenge=pbch_nope", "Cannot continue", 400],
          ["connect", "/connect/pbcs_nope", "Cannot connect", 400]]) {
          const resp = await page.goto(pb.url + path);
          assert.equal(resp.status(), status);
          await page.getByRole("heading", { name: heading }).waitFor();
          assert.equal(await page.getByRole("link", { name: "Contact support" }).first().getAttribute("href"), "https://acme.example/help");
          assert.match(await page.locator("body").innerText(), /Error code: \w+/);
          assert.equal(await background(page), scheme === "dark" ? darkBackground : lightBackground);
          assert.deepEqual(await seriousViolations(page), []);
          await screenshots(page, `page-error-${name}-${scheme}-${dialect}`);
        }
        await context.close();
      });
    }

    test("a tenant whose brand prefers dark gets a dark consent screen in a light browser", async () => {
      saas.team = "night";
      saas.user = "ada-night";
      const context = await newContext({ colorScheme: "light" });
      const page = await context.newPage();
      await page.goto(authorizeURL("st-night"));
      await page.getByRole("heading", { name: "Timely wants to access your account" }).waitFor();
      assert.equal(await background(page), darkBackground);
      // A light accent gets dark text, which keeps AA contrast.
      const allow = page.getByRole("button", { name: "Allow" });
      assert.deepEqual(await allow.evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]),
        ["rgb(255, 212, 0)", "rgb(17, 17, 17)"]);
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `page-consent-brand-dark-${dialect}`);
      await page.getByRole("button", { name: "Deny" }).click();
      await page.waitForURL(`${saas.url}/callback?**`);
      assert.equal(saas.codes.find((c) => c.state === "st-night")?.error, "access_denied");
      await context.close();
      saas.team = "team_1";
    });
  });
}
