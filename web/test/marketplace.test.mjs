// The marketplace in Chromium, end to end through its three UIs against a
// real Patchbay: a developer team builds an app and its listing in
// <patchbay-developer> and submits it; an operator requests changes in the
// review console (/admin/marketplace, signed in with an admin key); the
// developer fixes and resubmits; a reviewer with a marketplace:review token
// approves and publishes; a user of another team finds it in
// <patchbay-marketplace>, installs it through the real OAuth consent,
// reviews it and uninstalls it, and the app's token dies.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { dialects, eventually, focusedName, launchBrowser, screenshots, seriousViolations, startHost, startPatchbay, startReceiver } from "./harness.mjs";

for (const dialect of dialects()) {
  describe(`marketplace UI (${dialect})`, () => {
    let pb, host, browser, login, callback, receiver;
    /** state shared by the steps, which run in order */
    const s = {};

    before(async () => {
      // The SaaS's login page: signs in user "ann" of team "globex".
      login = createServer(async (req, res) => {
        const challenge = new URL(req.url, "http://x").searchParams.get("login_challenge");
        const r = await pb.admin("POST", `/v1/oauth/login-requests/${encodeURIComponent(challenge)}/accept`, { user_id: "ann", team_id: "globex" });
        res.writeHead(302, { Location: r.redirect_to }).end();
      });
      // The app's redirect URI.
      callback = createServer((req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(`<!doctype html><title>Timely</title><p>Timely is set up.</p>`));
      await Promise.all([login, callback].map((srv) => new Promise((ok) => srv.listen(0, "127.0.0.1", ok))));
      receiver = await startReceiver();
      pb = await startPatchbay(dialect, ["--oauth-login-url", `http://127.0.0.1:${login.address().port}/login`]);
      host = await startHost(pb.url);
      browser = await launchBrowser();
      for (const [id, name] of [["devteam", "Devs"], ["globex", "Globex"], ["otherdev", "Other devs"]]) await pb.admin("PUT", `/v1/tenants/${id}`, { name });
      await pb.admin("POST", "/v1/oauth/scopes", { name: "contacts:read", description: "Read your contacts" });
      await pb.admin("PUT", "/v1/marketplace/categories/crm", { name: "CRM", description: "Customers and contacts", position: 10 });
    });
    after(async () => {
      await browser?.close();
      await host?.close();
      await pb?.stop();
      await receiver?.close();
      login?.close();
      callback?.close();
    });

    /** svg is an SVG file for a file input. */
    const svg = (inner, w = 64, h = 64) => ({
      name: "image.svg", mimeType: "image/svg+xml",
      buffer: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 64 64">${inner}</svg>`),
    });
    const devToken = async (team = "devteam") =>
      (await pb.mint({ tenant_id: team, user_id: "dev1", user_name: "Dee Veloper", capabilities: ["developer"], allowed_origins: [host.origin] })).token;
    const events = (page, type) => page.evaluate((t) => window.patchbayEvents.filter((e) => e.type === t), type);

    test("a developer creates an app and its listing, with a live preview, and submits it", async () => {
      const page = await browser.newPage();
      await page.goto(host.page("patchbay-developer", await devToken()));
      const dev = page.locator("patchbay-developer");
      await dev.getByText("You have no listings yet").waitFor();
      await dev.getByRole("button", { name: "New listing" }).click();
      // No app yet: the new-app form is open.
      await dev.getByLabel("Name", { exact: true }).last().fill("Timely");
      await dev.getByLabel("Redirect URI").fill(`http://127.0.0.1:${callback.address().port}/callback`);
      await dev.getByLabel("Permissions").fill("contacts:read");
      await dev.getByRole("button", { name: "Create app" }).click();
      await dev.getByText("Copy its client secret now").waitFor();
      await dev.getByLabel("Address name").fill("timely");
      await dev.getByLabel("Name", { exact: true }).first().fill("Timely");
      await dev.getByLabel("Tagline").fill("Time tracking for your contacts");
      await dev.getByLabel("Developer name shown to users").fill("Devs Inc.");
      await dev.getByRole("button", { name: "Create listing" }).click();
      await dev.getByText("Listing created as a draft.").waitFor();
      s.listingID = await dev.locator("[data-listing]").first().getAttribute("data-listing");

      // The form, with the preview rendered by Patchbay as the developer types.
      await dev.getByLabel("Description").fill("## Track time\n\nLogs **hours** per contact.\n\n<script>window.pwned = 1</script>\n\n[docs](javascript:alert(1))");
      await dev.locator("[part=preview] h2", { hasText: "Track time" }).waitFor();
      assert.equal(await dev.locator("[part=preview] strong", { hasText: "hours" }).count(), 1);
      // Images: a hostile SVG is refused; a plain one becomes the icon, another a screenshot.
      await dev.getByLabel("Icon", { exact: true }).setInputFiles(svg('<script>alert(1)</script>'));
      await dev.locator("[part=notice]").filter({ hasText: /script|image|SVG/i }).waitFor();
      await dev.getByLabel("Icon", { exact: true }).setInputFiles(svg('<rect width="64" height="64" fill="#0f766e"/>'));
      await dev.getByText("Image uploaded.").waitFor();
      await dev.locator('[part=preview] img.icon[src*="/assets/"]').waitFor();
      await dev.getByLabel(/Add a screenshot/).setInputFiles(svg('<rect width="64" height="64" fill="#1d4ed8"/><circle cx="32" cy="32" r="20" fill="#fff"/>', 640, 400));
      await dev.getByLabel("Caption of screenshot 1").fill("The weekly report");
      await dev.getByLabel("Categories").fill("crm");
      await dev.getByLabel("Tags").fill("time, tracking");
      await dev.getByLabel("Website").fill("https://timely.example");
      await dev.getByLabel("Support page").fill("https://timely.example/help");
      await dev.getByLabel("Support email").fill("help@timely.example");
      await dev.getByLabel("Privacy policy").fill("https://timely.example/privacy");
      await dev.getByLabel("Terms of service").fill("https://timely.example/terms");
      await dev.getByLabel("Pricing").fill("Free");
      await dev.getByLabel("Languages").fill("en, de");
      await dev.getByLabel(/Read your contacts/).fill("To log time against your contacts");
      await dev.getByRole("button", { name: "Save" }).click();
      await dev.getByText("Saved.").waitFor();
      assert.equal(await page.evaluate(() => window.pwned), undefined);
      assert.equal(await dev.locator('[part=preview] a[href^="javascript:"]').count(), 0);
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `developer-edit-${dialect}`);

      await dev.getByRole("button", { name: "Check before submitting" }).click();
      await dev.locator("[part=checks]").or(dev.getByText("Everything required is there")).waitFor();
      assert.deepEqual(await dev.locator("[part=checks]").allTextContents(), []);
      await dev.getByRole("button", { name: "Submit for review" }).click();
      await dev.getByText(/Done: the listing is now submitted/).waitFor();
      const changed = await events(page, "patchbay:listing-changed");
      assert.ok(changed.some((e) => e.detail.action === "submit" && e.detail.listing_id === s.listingID), JSON.stringify(changed));
      await page.close();
    });

    test("one team never sees another team's drafts", async () => {
      const page = await browser.newPage();
      await page.goto(host.page("patchbay-developer", await devToken("otherdev")));
      await page.locator("patchbay-developer").getByText("You have no listings yet").waitFor();
      const { token } = await pb.mint({ tenant_id: "globex", user_id: "ann", capabilities: ["marketplace"], allowed_origins: [host.origin] });
      await page.goto(host.page("patchbay-marketplace", token));
      await page.locator("patchbay-marketplace").getByText("Nothing matches").waitFor();
      await page.close();
    });

    test("an operator signs in with an admin key and requests changes with a note", async () => {
      const page = await browser.newPage();
      await page.goto(`${pb.url}/admin/marketplace`);
      await page.getByLabel("Admin API key").fill(pb.key);
      await page.getByRole("button", { name: "Sign in" }).click();
      const rc = page.locator("patchbay-review-console");
      // The session is a cookie the page's script cannot read.
      assert.equal(await page.evaluate(() => document.cookie), "");
      await rc.getByRole("button", { name: "Timely" }).click();
      await rc.getByRole("heading", { name: "Timely" }).waitFor();
      await rc.locator("[part=diff] .add", { hasText: "Time tracking for your contacts" }).waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `review-console-${dialect}`);

      // Request changes needs a note.
      await rc.getByRole("button", { name: "Request changes" }).click();
      await rc.getByText("Write a note").waitFor();
      await rc.getByLabel("Note to the developer").fill("Please say which contact fields you read.");
      await rc.getByRole("button", { name: "Request changes" }).click();
      await rc.getByText(/Done: the listing is now changes requested/).waitFor();
      await rc.locator("[part=transitions] li[data-action=request_changes]", { hasText: "Please say which contact fields you read." }).waitFor();
      await page.close();
    });

    test("the developer reads the note, fixes and resubmits", async () => {
      const page = await browser.newPage();
      await page.goto(host.page("patchbay-developer", await devToken()));
      const dev = page.locator("patchbay-developer");
      await dev.getByRole("button", { name: "Timely" }).click();
      await dev.locator("[part=reviewer-note]", { hasText: "Please say which contact fields you read." }).waitFor();
      await dev.getByLabel(/Read your contacts/).fill("We read names and e-mail addresses to log time against them");
      await dev.getByRole("button", { name: "Save" }).click();
      await dev.getByText("Saved.").waitFor();
      await dev.getByRole("button", { name: "Submit for review" }).click();
      await dev.getByText(/Done: the listing is now submitted/).waitFor();
      await screenshots(page, `developer-submitted-${dialect}`);
      await page.close();
    });

    test("a reviewer with a marketplace:review token approves and publishes, by keyboard", async () => {
      const { token } = await pb.mint({ tenant_id: "devteam", user_id: "rev1", user_name: "Rae Viewer", capabilities: ["marketplace:review"], allowed_origins: [host.origin] });
      const page = await browser.newPage();
      await page.goto(`${pb.url}/admin/marketplace#token=${token}`);
      assert.equal(new URL(page.url()).hash, "");
      const rc = page.locator("patchbay-review-console");
      await rc.getByRole("button", { name: "Timely" }).click();
      await rc.getByRole("heading", { name: "Timely" }).waitFor();
      await rc.getByText("We read names and e-mail addresses").first().waitFor();
      for (let i = 0; i < 30 && (await focusedName(page)) !== "Approve"; i++) await page.keyboard.press("Tab");
      assert.equal(await focusedName(page), "Approve");
      await page.keyboard.press("Enter");
      await rc.getByText(/Done: the listing is now approved/).waitFor();
      await rc.getByRole("button", { name: "Publish" }).click();
      await rc.getByText(/Done: the listing is now published/).waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await page.close();
    });

    test("a user finds the app, installs it through the consent screen, reviews it and uninstalls it", async () => {
      await pb.admin("PUT", `/v1/marketplace/apps/${(await pb.admin("GET", `/v1/marketplace/listings/${s.listingID}`)).app_id}/webhook`, { url: receiver.url });
      const { token } = await pb.mint({ tenant_id: "globex", user_id: "ann", user_name: "Ann", capabilities: ["marketplace"], allowed_origins: [host.origin] });
      const page = await browser.newPage();
      await page.goto(host.page("patchbay-marketplace", token));
      const mk = page.locator("patchbay-marketplace");
      await mk.getByLabel("Search apps and integrations").fill("contacts");
      await mk.getByLabel("Category").selectOption("crm");
      await mk.getByRole("button", { name: "Search" }).click();
      const card = mk.locator("[part=listing-card][data-slug=timely]");
      await card.getByText("Time tracking for your contacts").waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `marketplace-directory-${dialect}`);

      await card.getByRole("button", { name: "Timely" }).click();
      await mk.getByRole("heading", { name: "Timely", level: 2 }).waitFor();
      await mk.locator("[part=data-access]").getByText("Read your contacts").waitFor();
      await mk.locator("[part=description] h2", { hasText: "Track time" }).waitFor();
      assert.equal(await page.evaluate(() => window.pwned), undefined);
      assert.equal(await mk.locator('[part=description] a[href^="javascript:"]').count(), 0);

      // Install: the consent screen opens in a popup; allowing it installs.
      const [popup] = await Promise.all([page.waitForEvent("popup"), mk.getByRole("button", { name: "Install Timely" }).click()]);
      await popup.getByRole("button", { name: "Allow" }).click();
      await popup.getByText("Timely is set up.").waitFor();
      await mk.getByText("Timely is installed.").waitFor({ timeout: 20000 });
      const installed = await events(page, "patchbay:installed");
      assert.equal(installed[0]?.detail.slug, "timely");
      await popup.close();
      await eventually(() => assert.ok(receiver.requests.some((r) => r.body.toString().includes('"app.installed"')), "app.installed not received"));
      await mk.getByText("1 install").first().waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `marketplace-listing-${dialect}`);

      // A review, by keyboard: the form takes the focus on its first star;
      // the arrows move along the radios to 5, Tab to the text, Enter on publish.
      await mk.getByRole("button", { name: "Write a review" }).click();
      await page.keyboard.press("Space");
      for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
      assert.equal(await mk.getByLabel("5 stars").isChecked(), true);
      await page.keyboard.press("Tab");
      await page.keyboard.type("Saves me an hour a week.");
      await page.keyboard.press("Tab");
      assert.equal(await focusedName(page), "Publish review");
      await page.keyboard.press("Enter");
      await mk.getByText("Thank you: your review is published.").waitFor();
      await mk.locator("[part=review]", { hasText: "Saves me an hour a week." }).waitFor();
      await mk.locator("[part=distribution] tr", { hasText: "5 stars" }).getByText("1", { exact: true }).waitFor();

      // The directory's installed filter: the team has it, so "not installed yet" finds nothing.
      await mk.getByRole("button", { name: "Browse" }).click();
      await mk.getByLabel("Show").selectOption("false");
      await mk.getByRole("button", { name: "Search" }).click();
      await mk.getByText("Nothing matches").waitFor();
      await mk.getByLabel("Show").selectOption("true");
      await mk.getByRole("button", { name: "Search" }).click();
      await mk.locator("[part=listing-card][data-slug=timely]").getByText("Installed").waitFor();

      // The installed view, and uninstalling from it (asks again, focus on the confirming button).
      await mk.getByRole("button", { name: "Installed" }).first().click();
      const row = mk.locator("[part=installation][data-slug=timely]");
      await row.waitFor();
      await screenshots(page, `marketplace-installed-${dialect}`);
      await row.getByRole("button", { name: /^Uninstall/ }).click();
      assert.equal(await focusedName(page), "Uninstall");
      await page.keyboard.press("Enter");
      await mk.getByText("Timely was uninstalled.").waitFor();
      const un = await events(page, "patchbay:uninstalled");
      assert.equal(un[0]?.detail.slug, "timely");
      await eventually(() => assert.ok(receiver.requests.some((r) => r.body.toString().includes('"app.uninstalled"')), "app.uninstalled not received"));
      await page.close();
    });

    test("the developer sees the install count and replies to the review", async () => {
      const page = await browser.newPage();
      await page.goto(host.page("patchbay-developer", await devToken()));
      const dev = page.locator("patchbay-developer");
      await dev.getByRole("button", { name: "Timely" }).click();
      // Installed once and uninstalled once today: 0 active, and the day's row says 1 and 1.
      await dev.getByRole("heading", { name: "Active installs: 0" }).waitFor();
      const days = await dev.locator("[part=installs] tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].slice(1).map((c) => c.textContent)));
      assert.deepEqual(days, [["1", "1"]]);
      await dev.getByLabel("Reply to Ann").fill("Thank you, Ann!");
      await dev.getByRole("button", { name: "Reply" }).click();
      await dev.getByText("Reply published.").waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshots(page, `developer-listing-${dialect}`);
      await page.close();
    });

    test("an operator hides a review in the console, and users no longer see it", async () => {
      const page = await browser.newPage();
      await page.goto(`${pb.url}/admin/marketplace`);
      await page.getByLabel("Admin API key").fill(pb.key);
      await page.getByRole("button", { name: "Sign in" }).click();
      const rc = page.locator("patchbay-review-console");
      await rc.getByLabel("Show").selectOption("published");
      await rc.getByRole("button", { name: "Timely" }).click();
      const review = rc.locator("li[data-review]", { hasText: "Saves me an hour a week." });
      await review.getByLabel("Reason for hiding").fill("Names a competitor");
      await review.getByRole("button", { name: "Hide review" }).click();
      await rc.locator("[part=notice]").waitFor();
      assert.equal((await rc.locator("[part=notice]").textContent()).trim().replace(/\s+×$/, ""), "Review hidden.");
      await review.getByText("Names a competitor").waitFor();
      // Signing out ends the session: the sign-in form is back.
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Admin API key").waitFor();
      await page.close();

      const { token } = await pb.mint({ tenant_id: "globex", user_id: "ann", capabilities: ["marketplace"], allowed_origins: [host.origin] });
      const user = await browser.newPage();
      await user.goto(host.page("patchbay-marketplace", token));
      const mk = user.locator("patchbay-marketplace");
      await mk.locator("[part=listing-card][data-slug=timely]").getByRole("button", { name: "Timely" }).click();
      await mk.locator("[part=reviews]").waitFor();
      assert.equal(await mk.locator("[part=review]", { hasText: "Saves me an hour a week." }).count(), 0);
      await user.close();
    });
  });
}
