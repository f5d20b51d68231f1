// Test harness for the browser tests: what patchbay.mjs gives (a real
// Patchbay, a webhook receiver), a host page on another origin, a mock OAuth
// provider, and Chromium.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createTLSServer } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { chromium } from "playwright-core";

import { resultsDir } from "./patchbay.mjs";

export { dialects, eventually, patchbayBinary, repoRoot, resultsDir, startPatchbay, startReceiver } from "./patchbay.mjs";

export const screenshotsDir = join(resultsDir, "screenshots");
mkdirSync(screenshotsDir, { recursive: true });

/**
 * startHost is the SaaS's own page on another origin (localhost, not
 * 127.0.0.1): it loads patchbay.js from Patchbay and shows one component,
 * recording the component's events in window.patchbayEvents.
 */
export async function startHost(patchbayURL) {
  // The page pins the bundle by its integrity hash, as docs/embed.md tells
  // SaaSes to: the served bundle must be the committed one, byte for byte.
  const integrity = "sha384-" + createHash("sha384").update(readFileSync(resolve(import.meta.dirname, "../dist/patchbay.js"))).digest("base64");
  const server = createServer((req, res) => {
    const u = new URL(req.url, "http://localhost");
    const tag = u.searchParams.get("component") ?? "patchbay-webhooks";
    const lang = u.searchParams.get("lang") ?? "en";
    const token = u.searchParams.get("token") ?? "";
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host</title></head>
<body style="margin:0"><main>
<${tag} token="${token}" lang="${lang}"></${tag}>
</main>
<script>
window.patchbayEvents = [];
for (const name of ["endpoint-created","endpoint-updated","endpoint-deleted","test-sent","connected","disconnected","app-revoked","installed","uninstalled","listing-changed","error"]) {
  document.addEventListener("patchbay:" + name, (e) => window.patchbayEvents.push({ type: e.type, detail: e.detail }));
}
</script>
<script src="${patchbayURL}/embed/v1/patchbay.js" integrity="${integrity}" crossorigin="anonymous"></script>
</body></html>`);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const origin = `http://localhost:${server.address().port}`;
  return {
    origin,
    page: (component, token, lang = "en") => `${origin}/?component=${component}&lang=${lang}&token=${encodeURIComponent(token)}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/**
 * startProvider is a mock OAuth provider on loopback (TLS, as provider URLs
 * must be): it approves every authorization at once. Patchbay reads it as
 * provider "mockoauth" from the providers directory it returns.
 */
export async function startProvider() {
  const dir = mkdtempSync(join(tmpdir(), "pbweb-provider-"));
  const cert = join(dir, "cert.pem"), key = join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert], { stdio: "ignore" });
  const access = new Set();
  const server = createTLSServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
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
  mkdirSync(providers, { recursive: true });
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
  scope_descriptions:
    profile: See your profile
  pkce: true
  client_auth: client_secret_basic
verification:
  path: /me
proxy:
  base_url: ${url}/api
`);
  return { url, caFile: cert, providers, close: () => { server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** launchBrowser starts Debian's Chromium, headless, with a fresh profile (Playwright makes one per launch). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

const axeSource = execFileSync("node", ["-e", "process.stdout.write(require('fs').readFileSync(require.resolve('axe-core/axe.min.js'),'utf8'))"], {
  cwd: resolve(import.meta.dirname, ".."),
  encoding: "utf8",
  maxBuffer: 8 << 20,
});

/** seriousViolations runs axe-core in the page (shadow roots included) and returns serious and critical violations. */
export async function seriousViolations(page) {
  // Evaluated through the DevTools protocol, which the hosted pages' CSP
  // (script-src 'self') does not govern, unlike an injected script tag.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
}

/** screenshot saves the page at 1280 and at 390 px wide. */
export async function screenshots(page, name) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(screenshotsDir, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * focusedName is the accessible text of the element that has the keyboard
 * focus, through shadow roots: a button's text or aria-label, else its id.
 */
export function focusedName(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return (el?.getAttribute("aria-label") || (el?.tagName === "BUTTON" ? el.textContent : el?.id) || "").trim();
  });
}
