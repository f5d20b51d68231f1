// <patchbay-connections> in Chromium: connect through Patchbay's connect flow
// in a popup, against a mock OAuth provider on loopback (TLS, as provider
// URLs must be), then disconnect.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { dialects, eventually, launchBrowser, screenshots, seriousViolations, startHost, startPatchbay, startProvider } from "./harness.mjs";

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

    test("a connection is seen only by its own tenant and user", async () => {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const open = async (tenant, user) => {
        const { token } = await pb.mint({ tenant_id: tenant, user_id: user, capabilities: ["connections"], allowed_origins: [host.origin] });
        const page = await context.newPage();
        await page.goto(host.page("patchbay-connections", token));
        const conns = page.locator("patchbay-connections");
        await conns.getByRole("heading", { name: "Mock CRM" }).waitFor();
        return { page, conns };
      };
      const own = await open("acme", "ada");
      const [popup] = await Promise.all([own.page.waitForEvent("popup"), own.conns.getByRole("button", { name: "Connect Mock CRM" }).click()]);
      await popup.waitForLoadState();
      await popup.getByRole("button", { name: /Continue to Mock OAuth|Connect/ }).click();
      await own.conns.getByRole("button", { name: "Disconnect Mock CRM" }).waitFor();

      await pb.admin("PUT", "/v1/tenants/beta", { name: "Beta" });
      for (const [tenant, user] of [["beta", "ada"], ["acme", "bob"]]) {
        const other = await open(tenant, user);
        // The integration is offered, but the connection is not there to see or to disconnect.
        await other.conns.getByRole("button", { name: "Connect Mock CRM" }).waitFor();
        assert.equal(await other.conns.getByRole("button", { name: "Disconnect Mock CRM" }).count(), 0, `${tenant}/${user} sees ada's connection`);
        assert.doesNotMatch(await other.page.evaluate(() => document.querySelector("patchbay-connections").shadowRoot.textContent), /Connected/);
        await other.page.close();
      }
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
