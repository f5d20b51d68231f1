// <patchbay-marketplace> with an integration listing (one of the SaaS's own
// connectors): a user finds it by type, installs it through the connect flow
// in a popup against a mock OAuth provider on loopback, and uninstalls it,
// which deletes the connection.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { dialects, eventually, launchBrowser, screenshots, seriousViolations, startHost, startPatchbay, startProvider } from "./harness.mjs";

for (const dialect of dialects()) {
  describe(`marketplace integration listing (${dialect})`, () => {
    let pb, host, browser, provider, integration;
    before(async () => {
      provider = await startProvider();
      pb = await startPatchbay(dialect, ["--providers-dir", provider.providers, "--connect-ca-file", provider.caFile]);
      host = await startHost(pb.url);
      browser = await launchBrowser();
      await pb.admin("PUT", "/v1/tenants/acme", { name: "Acme" });
      integration = await pb.admin("POST", "/v1/integrations", { provider_id: "mockoauth", name: "Mock CRM", client_id: "client-1", client_secret: "secret-1" });
      await pb.admin("PUT", "/v1/marketplace/categories/crm", { name: "CRM" });
      // The SaaS lists its own connector through the admin API.
      const l = await pb.admin("POST", "/v1/marketplace/listings", {
        kind: "integration", slug: "mock-crm", integration_id: integration.id, developer_name: "Acme", name: "Mock CRM",
        tagline: "Your CRM's contacts in Acme", description: "Brings **contacts** over every hour.", categories: ["crm"],
        scope_justifications: { profile: "To read the account you connect" }, support_url: "https://acme.example/help", privacy_url: "https://acme.example/privacy", terms_url: "https://acme.example/terms",
      });
      const icon = await fetch(`${pb.url}/v1/marketplace/listings/${l.id}/images`, {
        method: "POST", headers: { Authorization: `Bearer ${pb.key}`, "Content-Type": "image/svg+xml" },
        body: '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#7c2d12"/></svg>',
      }).then((r) => r.json());
      await pb.admin("PATCH", `/v1/marketplace/listings/${l.id}`, { icon_url: icon.url });
      for (const action of ["submit", "approve", "publish"]) await pb.admin("POST", `/v1/marketplace/listings/${l.id}/transitions`, { action });
    });
    after(async () => {
      await browser?.close();
      await host?.close();
      await pb?.stop();
      provider?.close();
    });

    test("install through the connect popup, then uninstall", async () => {
      const { token } = await pb.mint({ tenant_id: "acme", user_id: "ada", capabilities: ["marketplace"], allowed_origins: [host.origin] });
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(host.page("patchbay-marketplace", token));
      const mk = page.locator("patchbay-marketplace");
      await mk.getByLabel("Type").selectOption("integration");
      await mk.getByRole("button", { name: "Search" }).click();
      await mk.locator("[part=listing-card][data-slug=mock-crm]").getByRole("button", { name: "Mock CRM" }).click();
      await mk.getByRole("heading", { name: "Mock CRM", level: 2 }).waitFor();
      await mk.getByText("Integration", { exact: false }).first().waitFor();

      const [popup] = await Promise.all([page.waitForEvent("popup"), mk.getByRole("button", { name: "Install Mock CRM" }).click()]);
      await popup.waitForLoadState();
      await popup.getByRole("button", { name: /Continue to Mock OAuth|Connect/ }).click();
      await mk.getByText("Mock CRM is installed.").waitFor({ timeout: 20000 });
      const installed = await page.evaluate(() => window.patchbayEvents.find((e) => e.type === "patchbay:installed"));
      assert.equal(installed?.detail.slug, "mock-crm");
      const conns = async () => (await pb.admin("GET", "/v1/connections?tenant_id=acme")).data;
      assert.equal((await conns()).length, 1);
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `marketplace-integration-${dialect}`);

      await mk.getByRole("button", { name: "Uninstall Mock CRM" }).click();
      await mk.getByRole("button", { name: "Uninstall", exact: true }).click();
      await mk.getByText("Mock CRM was uninstalled.").waitFor();
      await eventually(async () => assert.equal((await conns()).length, 0));
      await context.close();
    });
  });
}
