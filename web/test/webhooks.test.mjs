// <patchbay-webhooks> in Chromium against a real Patchbay, on each store.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { dialects, eventually, focusedName, launchBrowser, screenshots, seriousViolations, startHost, startPatchbay, startReceiver } from "./harness.mjs";

for (const dialect of dialects()) {
  describe(`patchbay-webhooks (${dialect})`, () => {
    let pb, host, receiver, browser;
    before(async () => {
      pb = await startPatchbay(dialect);
      host = await startHost(pb.url);
      receiver = await startReceiver();
      browser = await launchBrowser();
      await pb.admin("POST", "/v1/event-types", {
        name: "invoice.paid",
        description: "An invoice was paid in full.",
        schema: { type: "object", properties: { invoice_id: { type: "string" } }, required: ["invoice_id"] },
        example: { invoice_id: "inv_123", amount: 4200 },
      });
      await pb.admin("POST", "/v1/event-types", { name: "user.created", description: "A user signed up." });
      for (const t of ["acme", "globex"]) await pb.admin("PUT", `/v1/tenants/${t}`, { name: t });
    });
    after(async () => {
      await browser?.close();
      await receiver?.close();
      await host?.close();
      await pb?.stop();
    });

    /** open shows the webhooks portal on the host page with a fresh token for tenant. */
    const open = async (tenant, options) => {
      const page = await browser.newPage(options);
      await page.goto(host.page("patchbay-webhooks", await token(tenant)));
      return { page, wh: page.locator("patchbay-webhooks") };
    };

    const token = async (tenant, extra = {}) =>
      (await pb.mint({ tenant_id: tenant, user_id: "ada", user_name: "Ada", capabilities: ["webhooks"], allowed_origins: [host.origin], ...extra })).token;

    test("create an endpoint, send a test event, see it delivered, open the attempt, resend", async () => {
      const { page, wh } = await open("acme");
      await wh.getByRole("button", { name: "Add endpoint" }).click();
      await wh.getByLabel("Endpoint URL").fill(receiver.url);
      await wh.getByLabel("Description").fill("Billing receiver");
      await wh.getByLabel("invoice.paid").check();
      await wh.getByRole("button", { name: "Create" }).click();
      const secret = await wh.locator("#secret-value").textContent();
      assert.match(secret, /^whsec_/);
      const created = await page.evaluate(() => window.patchbayEvents.find((e) => e.type === "patchbay:endpoint-created"));
      assert.ok(created?.detail.endpoint_id, "patchbay:endpoint-created with the endpoint's ID");
      assert.equal(created.detail.url, receiver.url);

      await wh.getByRole("button", { name: "Send test event" }).click();
      await wh.getByText("Test event sent").waitFor();
      const sent = await page.evaluate(() => window.patchbayEvents.find((e) => e.type === "patchbay:test-sent"));
      assert.equal(sent?.detail.event_type, "invoice.paid");

      // The receiver gets it, signed with the secret the portal showed.
      const req = await eventually(() => receiver.requests.find((r) => r.headers["webhook-id"] === sent.detail.message_id) ?? assert.fail("not received"));
      const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
      const sig = createHmac("sha256", key).update(`${req.headers["webhook-id"]}.${req.headers["webhook-timestamp"]}.`).update(req.body).digest("base64");
      assert.ok(req.headers["webhook-signature"].split(" ").includes(`v1,${sig}`), "signature verifies with the shown secret");
      assert.deepEqual(JSON.parse(req.body), { invoice_id: "inv_123", amount: 4200 });

      await screenshots(page, `webhooks-overview-${dialect}`);
      await wh.getByRole("tab", { name: "Deliveries" }).click();
      await eventually(async () => {
        await wh.getByRole("button", { name: "Refresh" }).click();
        assert.equal(await wh.locator(`tr[data-delivery="${sent.detail.delivery_id}"] .badge`).textContent(), "Succeeded");
      });
      await wh.locator(`tr[data-delivery="${sent.detail.delivery_id}"]`).getByRole("button").click();
      const detail = wh.locator("#delivery-detail");
      await detail.getByText(`webhook-id: ${sent.detail.message_id}`, { exact: false }).first().waitFor();
      assert.match(await detail.textContent(), /received/); // the receiver's answer
      assert.match(await detail.textContent(), /inv_123/); // the request's body
      await screenshots(page, `webhooks-delivery-${dialect}`);

      const before = receiver.requests.length;
      await detail.getByRole("button", { name: "Resend" }).click();
      await wh.getByText("Delivery queued again").waitFor();
      await eventually(() => assert.ok(receiver.requests.length > before, "resent delivery arrives"));
      assert.deepEqual(await seriousViolations(page), []);
      await page.close();
    });

    test("edit, disable, enable, reveal and rotate the secret, recover failed deliveries, delete", async () => {
      const { page, wh } = await open("acme");
      await wh.getByRole("button", { name: "Add endpoint" }).click();
      await wh.getByLabel("Endpoint URL").fill(receiver.failingURL);
      await wh.getByRole("button", { name: "Create" }).click();
      const first = await wh.locator("#secret-value").textContent();
      await wh.getByRole("button", { name: "Hide" }).click();
      await wh.getByRole("button", { name: "Reveal secret" }).click();
      assert.equal(await wh.locator("#secret-value").textContent(), first);
      await wh.getByRole("button", { name: "Rotate secret" }).click();
      await wh.getByRole("group").getByRole("button", { name: "Rotate secret" }).click();
      await wh.getByText("Secret rotated").waitFor();
      assert.notEqual(await wh.locator("#secret-value").textContent(), first);

      // A test event fails at the receiver through every retry; recovery sends it again.
      await wh.getByRole("button", { name: "Send test event" }).click();
      await wh.getByText("Test event sent").waitFor();
      const sent = await page.evaluate(() => window.patchbayEvents.findLast((e) => e.type === "patchbay:test-sent"));
      await wh.getByRole("tab", { name: "Deliveries" }).click();
      await eventually(async () => {
        await wh.getByRole("button", { name: "Refresh" }).click();
        assert.equal(await wh.locator(`tr[data-delivery="${sent.detail.delivery_id}"] .badge`).textContent(), "Failed");
      });
      await wh.getByLabel("Status").selectOption("failed");
      await wh.getByRole("button", { name: "Apply" }).click();
      await wh.locator(`tr[data-delivery="${sent.detail.delivery_id}"]`).waitFor();
      const before = receiver.requests.filter((r) => r.headers["webhook-id"] === sent.detail.message_id).length;
      await wh.locator("#recover-since").fill("2020-01-01T00:00");
      await wh.getByRole("button", { name: "Recover", exact: true }).click();
      await wh.getByText("Done.").waitFor();
      await eventually(() => assert.ok(receiver.requests.filter((r) => r.headers["webhook-id"] === sent.detail.message_id).length > before));

      await wh.getByRole("tab", { name: "Settings" }).click();
      await wh.getByLabel("Description").fill("Renamed");
      await wh.getByRole("button", { name: "Save" }).click();
      await wh.getByText("Saved.").waitFor();
      await wh.getByRole("button", { name: "Disable" }).click();
      await wh.getByText("Endpoint disabled").waitFor();
      await wh.getByRole("button", { name: "Enable" }).click();
      await wh.getByText("Endpoint enabled").waitFor();
      const updates = await page.evaluate(() => window.patchbayEvents.filter((e) => e.type === "patchbay:endpoint-updated").length);
      assert.equal(updates, 3);
      await wh.getByRole("button", { name: "Delete endpoint" }).click();
      await wh.getByRole("group").getByRole("button", { name: "Delete endpoint" }).click();
      await wh.getByText("Endpoint deleted.").waitFor();
      const deleted = await page.evaluate(() => window.patchbayEvents.find((e) => e.type === "patchbay:endpoint-deleted"));
      assert.equal(deleted?.detail.url, receiver.failingURL);
      await assert.rejects(pb.admin("GET", `/v1/tenants/acme/endpoints/${deleted.detail.endpoint_id}`), /404/);
      await page.close();
    });

    test("the event catalog shows types, descriptions, schema and example", async () => {
      const { page, wh } = await open("acme");
      await wh.getByRole("button", { name: "Event catalog" }).click();
      await wh.getByText("An invoice was paid in full.").waitFor();
      await wh.getByText("Schema").first().click();
      await wh.getByText('"invoice_id"').first().waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `webhooks-catalog-${dialect}`);
      await page.close();
    });

    test("keyboard only: add an endpoint and send a test event", async () => {
      const { page, wh } = await open("acme");
      await wh.getByRole("button", { name: "Add endpoint" }).waitFor();
      const focused = () => focusedName(page);
      // Tab to "Add endpoint" and press Enter.
      for (let i = 0; i < 10 && (await focused()) !== "Add endpoint"; i++) await page.keyboard.press("Tab");
      assert.equal(await focused(), "Add endpoint");
      await page.keyboard.press("Enter");
      for (let i = 0; i < 10 && (await focused()) !== "ep-url"; i++) await page.keyboard.press("Tab");
      assert.equal(await focused(), "ep-url");
      await page.keyboard.type(receiver.url + "/keyboard");
      await page.keyboard.press("Enter"); // submits the form
      await wh.locator("#secret-value").waitFor();
      for (let i = 0; i < 30 && (await focused()) !== "Send test event"; i++) await page.keyboard.press("Tab");
      assert.equal(await focused(), "Send test event");
      await page.keyboard.press("Enter");
      await wh.getByText("Test event sent").waitFor();
      // Tabs move with the arrow keys.
      await wh.getByRole("tab", { name: "Overview" }).focus();
      await page.keyboard.press("ArrowRight");
      assert.equal(await focused(), "Deliveries");
      await page.close();
    });

    test("keyboard only: recover failed deliveries, open a delivery and resend it", async () => {
      // A tenant of its own, so its one endpoint is the first thing to tab to.
      await pb.admin("PUT", "/v1/tenants/keyboard", { name: "Keyboard" });
      await pb.admin("POST", "/v1/tenants/keyboard/endpoints", { url: receiver.failingURL });
      const page = await browser.newPage({ locale: "en-US" });
      await page.goto(host.page("patchbay-webhooks", await token("keyboard")));
      const wh = page.locator("patchbay-webhooks");
      await wh.getByRole("button", { name: "Add endpoint" }).waitFor();
      const focused = () => focusedName(page);
      /** tabTo presses Tab until the focus is on the control named like name (at most 40 times). */
      const tabTo = async (name) => {
        const matches = (got) => (name instanceof RegExp ? name.test(got) : got === name);
        for (let i = 0; i < 40 && !matches(await focused()); i++) await page.keyboard.press("Tab");
        assert.ok(matches(await focused()), `focus reached ${name}; it is on ${await focused()}`);
      };

      await tabTo(receiver.failingURL);
      await page.keyboard.press("Enter");
      await tabTo("Send test event");
      await page.keyboard.press("Enter");
      await wh.getByText("Test event sent").waitFor();
      const sent = await page.evaluate(() => window.patchbayEvents.findLast((e) => e.type === "patchbay:test-sent"));
      const received = () => receiver.requests.filter((r) => r.headers["webhook-id"] === sent.detail.message_id).length;

      // The tabs follow the arrow keys: Overview → Deliveries.
      await tabTo("Overview");
      await page.keyboard.press("ArrowRight");
      assert.equal(await focused(), "Deliveries");
      // Refresh until the delivery failed through its retries.
      await tabTo("Refresh");
      const row = wh.locator(`tr[data-delivery="${sent.detail.delivery_id}"] .badge`);
      await eventually(async () => {
        await page.keyboard.press("Enter");
        assert.equal(await row.textContent({ timeout: 1000 }), "Failed");
      });
      assert.equal(await focused(), "Refresh", "the focus stays on Refresh");

      // Recover everything failed since 1 January 2020: the date typed into
      // the date field segment by segment, then Recover.
      await tabTo("recover-since");
      // Month and day move on by themselves; a year may have up to six
      // digits, so the right arrow moves on to the hour.
      await page.keyboard.type("01012020");
      await page.keyboard.press("ArrowRight");
      await page.keyboard.type("1200A");
      assert.equal(await wh.locator("#recover-since").inputValue(), "2020-01-01T00:00");
      await tabTo("Recover");
      const before = received();
      await page.keyboard.press("Enter");
      await wh.getByText("Done.").waitFor();
      await eventually(() => assert.ok(received() > before, "the recovered delivery arrives"));

      // Open the delivery's attempts and resend it.
      await tabTo(/^View attempts: invoice\.paid /);
      await page.keyboard.press("Enter");
      await wh.locator("#delivery-detail").getByText(sent.detail.message_id).first().waitFor();
      await tabTo("Resend");
      const beforeResend = received();
      await page.keyboard.press("Enter");
      await wh.getByText("Delivery queued again").waitFor();
      await eventually(() => assert.ok(received() > beforeResend, "the resent delivery arrives"));
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `webhooks-keyboard-recovered-${dialect}`);
      await page.close();
    });

    test("invalid input names the field", async () => {
      const { page, wh } = await open("acme");
      await wh.getByRole("button", { name: "Add endpoint" }).click();
      await wh.getByLabel("Endpoint URL").fill("not a url");
      await wh.getByRole("button", { name: "Create" }).click();
      await wh.locator("#ep-url-error").waitFor();
      assert.equal(await wh.getByLabel("Endpoint URL").getAttribute("aria-invalid"), "true");
      await page.close();
    });

    test("tenant A's token never shows tenant B's endpoints", async () => {
      await pb.admin("POST", "/v1/tenants/globex/endpoints", { url: receiver.url + "/globex-only" });
      const { page, wh } = await open("acme");
      await wh.getByRole("button", { name: "Add endpoint" }).waitFor();
      assert.doesNotMatch(await page.evaluate(() => document.querySelector("patchbay-webhooks").shadowRoot.textContent), /globex-only/);
      await page.goto(host.page("patchbay-webhooks", await token("globex")));
      await wh.getByText(receiver.url + "/globex-only").waitFor();
      await page.close();
    });

    test("a revoked or expired token shows a clear message and patchbay:error", async () => {
      const minted = await pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["webhooks"], allowed_origins: [host.origin] });
      await pb.admin("DELETE", `/v1/embed/tokens/${minted.id}`);
      const page = await browser.newPage();
      await page.goto(host.page("patchbay-webhooks", minted.token));
      await page.locator("patchbay-webhooks").getByRole("alert").getByText("This session was ended").waitFor();
      const err = await page.evaluate(() => window.patchbayEvents.find((e) => e.type === "patchbay:error"));
      assert.equal(err?.detail.code, "token_revoked");
      await screenshots(page, `webhooks-revoked-${dialect}`);

      const short = await pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["webhooks"], allowed_origins: [host.origin], ttl_seconds: 1 });
      await new Promise((ok) => setTimeout(ok, 2100));
      await page.goto(host.page("patchbay-webhooks", short.token));
      await page.locator("patchbay-webhooks").getByRole("alert").getByText("Your session has expired").waitFor();
      await page.close();
    });

    test("the hosted page takes the token from the fragment and removes it, in German", async () => {
      const page = await browser.newPage({ locale: "de-DE" });
      const cspErrors = [];
      page.on("console", (m) => /Content Security Policy/i.test(m.text()) && cspErrors.push(m.text()));
      const resp = await page.goto(`${pb.url}/portal/webhooks#token=${await token("acme", { allowed_origins: [pb.url] })}`);
      assert.match(resp.headers()["content-security-policy"], /script-src 'self'/);
      const wh = page.locator("patchbay-webhooks");
      await wh.getByRole("button", { name: "Endpunkt hinzufügen" }).waitFor();
      assert.equal(await page.evaluate(() => location.href), `${pb.url}/portal/webhooks`);
      assert.deepEqual(cspErrors, []);
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `portal-webhooks-${dialect}`);
      await page.close();
    });
  });
}
