// The React wrapper (sdk/react) in Chromium: a page on the SaaS's origin
// bundles it with React (esbuild, as a SaaS's build would), loads
// patchbay.js from Patchbay, and mounts the webhooks portal through React.
// The wrapper's props reach the element and its callbacks get the
// component's events.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { dialects, eventually, launchBrowser, resultsDir, screenshots, seriousViolations, startPatchbay, startReceiver } from "./harness.mjs";

const webDir = resolve(import.meta.dirname, "..");

/**
 * bundleApp builds test/react/app.mjs with the wrapper's TypeScript source.
 * React resolves from web/ for every importer, the wrapper included, so the
 * page has one React, as a SaaS's bundler would give it.
 */
async function bundleApp() {
  const outfile = join(resultsDir, "react-app.js");
  await build({
    entryPoints: [join(webDir, "test/react/app.mjs")],
    outfile,
    bundle: true,
    format: "iife",
    target: ["es2022"],
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
    plugins: [{
      name: "one-react",
      setup(b) {
        b.onResolve({ filter: /^react(-dom)?(\/.*)?$/ }, (args) =>
          args.pluginData === "one-react" ? undefined : b.resolve(args.path, { resolveDir: webDir, kind: args.kind, pluginData: "one-react" }));
      },
    }],
  });
  return readFileSync(outfile);
}

/** startReactHost is the SaaS's page on another origin than Patchbay's. */
async function startReactHost(patchbayURL, app) {
  const integrity = "sha384-" + createHash("sha384").update(readFileSync(join(webDir, "dist/patchbay.js"))).digest("base64");
  const server = createServer((req, res) => {
    if (req.url === "/app.js") return res.writeHead(200, { "Content-Type": "text/javascript" }).end(app);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>React host</title></head>
<body style="margin:0"><main id="root"></main>
<script src="${patchbayURL}/embed/v1/patchbay.js" integrity="${integrity}" crossorigin="anonymous"></script>
<script src="/app.js"></script>
</body></html>`);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const origin = `http://localhost:${server.address().port}`;
  return { origin, page: (token) => `${origin}/?token=${encodeURIComponent(token)}`, close: () => new Promise((ok) => server.close(ok)) };
}

for (const dialect of dialects()) {
  describe(`sdk/react (${dialect})`, () => {
    let pb, host, receiver, browser;
    before(async () => {
      const app = await bundleApp();
      pb = await startPatchbay(dialect);
      host = await startReactHost(pb.url, app);
      receiver = await startReceiver();
      browser = await launchBrowser();
      await pb.admin("POST", "/v1/event-types", { name: "invoice.paid", description: "An invoice was paid in full.", example: { invoice_id: "inv_1" } });
      await pb.admin("PUT", "/v1/tenants/acme", { name: "Acme" });
    });
    after(async () => {
      await browser?.close();
      await receiver?.close();
      await host?.close();
      await pb?.stop();
    });

    const mint = (extra = {}) => pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["webhooks"], allowed_origins: [host.origin], ...extra });
    const events = (page, name) => page.evaluate((n) => window.reactEvents.filter((e) => e.name === n), name);

    test("<Webhooks> mounted by React: create an endpoint, send a test event, props and callbacks", async () => {
      const page = await browser.newPage({ locale: "en-US" });
      const errors = [];
      page.on("pageerror", (err) => errors.push(String(err)));
      await page.goto(host.page((await mint()).token));
      const wh = page.locator("patchbay-webhooks");
      await wh.getByRole("button", { name: "Add endpoint" }).waitFor();
      // React passed className and style through to the element.
      assert.deepEqual(await wh.evaluate((el) => [el.className, el.style.maxWidth]), ["portal", "60rem"]);

      await wh.getByRole("button", { name: "Add endpoint" }).click();
      await wh.getByLabel("Endpoint URL").fill(receiver.url + "/react");
      await wh.getByRole("button", { name: "Create" }).click();
      await wh.locator("#secret-value").waitFor();
      const [created] = await events(page, "onEndpointCreated");
      assert.equal(created?.detail.url, receiver.url + "/react", "onEndpointCreated got the endpoint");
      assert.match(created.detail.endpoint_id, /.+/);

      await wh.getByRole("button", { name: "Send test event" }).click();
      await wh.getByText("Test event sent").waitFor();
      const [sent] = await events(page, "onTestSent");
      assert.equal(sent?.detail.endpoint_id, created.detail.endpoint_id);
      await eventually(() => receiver.requests.find((r) => r.headers["webhook-id"] === sent.detail.message_id) ?? assert.fail("not received"));
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `react-webhooks-${dialect}`);

      // A new lang prop from a React re-render reaches the component.
      await page.locator("#lang").click();
      await wh.getByRole("tab", { name: "Zustellungen" }).waitFor();
      assert.equal(await wh.evaluate((el) => el.lang), "de");
      assert.deepEqual(errors, []);
      await page.close();
    });

    test("onError gets a revoked token's error", async () => {
      const minted = await mint();
      await pb.admin("DELETE", `/v1/embed/tokens/${minted.id}`);
      const page = await browser.newPage({ locale: "en-US" });
      await page.goto(host.page(minted.token));
      await page.locator("patchbay-webhooks").getByRole("alert").getByText("This session was ended").waitFor();
      const [err] = await eventually(async () => {
        const got = await events(page, "onError");
        assert.ok(got.length > 0, "onError was called");
        return got;
      });
      assert.equal(err.detail.code, "token_revoked");
      await page.close();
    });
  });
}
