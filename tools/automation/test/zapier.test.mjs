// The generated Zapier app, checked by Zapier's own packages: its definition
// passes zapier-platform-schema's validator, and zapier-platform-core's app
// tester runs its authentication, REST-hook trigger, polling fallback,
// dynamic dropdown, create and search against a live Patchbay.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { authorizeCode, dialects, eventually, generate, startSaaS } from "./setup.mjs";

const require = createRequire(import.meta.url);
// What `zapier validate` runs: the app compiled as the platform loads it,
// checked by zapier-platform-schema's validator.
const schemaTools = require("zapier-platform-core/src/tools/schema");

for (const dialect of dialects()) {
  describe(`generated Zapier app (${dialect})`, () => {
    let saas, App, appTester, authData;
    before(async () => {
      saas = await startSaaS(dialect);
      const dir = generate(saas, "zapier", `zapier-${dialect}`);
      process.env.CLIENT_ID = saas.app.client_id;
      process.env.CLIENT_SECRET = saas.app.client_secret;
      App = require(dir);
      appTester = require("zapier-platform-core").createAppTester(App);
    });
    after(async () => {
      await saas?.stop();
    });

    test("passes Zapier's schema validation", () => {
      const errors = schemaTools.validateApp(schemaTools.prepareApp(App));
      assert.deepEqual(errors.map((e) => `${e.property} ${e.message}`), []);
      assert.deepEqual(Object.keys(App.triggers).sort(), ["choices_list_teams", "project_created"]);
      assert.deepEqual(Object.keys(App.creates), ["create_project"]);
      assert.deepEqual(Object.keys(App.searches), ["list_teams"]);
    });

    test("signs in with OAuth 2 and PKCE, tests the connection and refreshes", async () => {
      // The authorization request as Zapier makes it from the app's authorizeUrl.
      const { resource } = App.authentication.oauth2Config.authorizeUrl.params;
      assert.equal(resource, saas.catalog.oauth.resource);
      const { code, verifier } = await authorizeCode(saas, App.authentication.oauth2Config.scope, resource ? { resource } : {});
      const tokens = await appTester(App.authentication.oauth2Config.getAccessToken, {
        inputData: { code, code_verifier: verifier, redirect_uri: saas.redirectURI },
      });
      assert.ok(tokens.access_token && tokens.refresh_token, JSON.stringify(tokens));
      const me = await appTester(App.authentication.test, { authData: tokens });
      assert.equal(me.user_id, "ada");
      assert.equal(me.team_id, "acme");
      const label = App.authentication.connectionLabel({}, { inputData: me });
      assert.ok(label.length > 0);
      const refreshed = await appTester(App.authentication.oauth2Config.refreshAccessToken, { authData: tokens });
      assert.ok(refreshed.access_token && refreshed.access_token !== tokens.access_token, JSON.stringify(refreshed));
      authData = refreshed;
    });

    test("a REST hook delivers events, perform shapes them, unsubscribe stops them", async () => {
      const trigger = App.triggers.project_created.operation;
      const sub = await appTester(trigger.performSubscribe, { authData, targetUrl: saas.receiver.url, inputData: { status: "active" } });
      assert.match(sub.id, /^hook_/);
      // The same subscription again is the same hook (Zapier retries subscribes).
      const again = await appTester(trigger.performSubscribe, { authData, targetUrl: saas.receiver.url, inputData: { status: "active" } });
      assert.equal(again.id, sub.id);

      await saas.publish({ id: "prj_archived", name: "Old", status: "archived" }); // filtered out
      const msg = await saas.publish({ id: "prj_9", name: "Launch", status: "active" });
      const delivery = await eventually(() => {
        const d = saas.receiver.requests.find((r) => r.headers["webhook-id"] === msg.id);
        assert.ok(d, "no delivery yet");
        return d;
      });
      const body = JSON.parse(delivery.body);
      const headers = Object.fromEntries(Object.entries(delivery.headers).map(([k, v]) => [`Http-${k.replace(/(^|-)(\w)/g, (m) => m.toUpperCase())}`, v]));
      const [event] = await appTester(trigger.perform, { authData, cleanedRequest: body, rawRequest: { headers, content: delivery.body.toString() } });
      assert.equal(event.id, msg.id);
      assert.equal(event.type, "project.created");
      assert.deepEqual(event.data, { id: "prj_9", name: "Launch", status: "active" });
      assert.ok(!saas.receiver.requests.some((r) => JSON.parse(r.body).id === "prj_archived"), "the filter let an archived project through");

      const listed = await appTester(trigger.performList, { authData });
      assert.ok(listed.length >= 1 && listed[0].id && listed[0].type === "project.created", JSON.stringify(listed));

      await appTester(trigger.performUnsubscribe, { authData, subscribeData: sub });
      // Unsubscribing twice is not an error: the hook may already be gone.
      await appTester(trigger.performUnsubscribe, { authData, subscribeData: sub });
      const before = saas.receiver.requests.length;
      await saas.publish({ id: "prj_10", name: "After", status: "active" });
      await new Promise((ok) => setTimeout(ok, 1500));
      assert.equal(saas.receiver.requests.length, before, "a delivery arrived after unsubscribing");
    });

    test("the dynamic dropdown, the create and the search call the SaaS's API with the user's token", async () => {
      const choices = await appTester(App.triggers.choices_list_teams.operation.perform, { authData });
      assert.deepEqual(choices, [{ id: "team_core", label: "Core" }]);
      const created = await appTester(App.creates.create_project.operation.perform, { authData, inputData: { team_id: "team_core", name: "Launch" } });
      assert.equal(created.id, "prj_new", JSON.stringify({ created, calls: saas.calls }));
      const call = saas.calls.find((c) => c.method === "POST");
      assert.equal(call.url, "/v1/teams/team_core/projects");
      assert.deepEqual(call.body, { name: "Launch" });
      assert.equal(call.headers.authorization, `Bearer ${authData.access_token}`);
      assert.ok(call.headers["idempotency-key"]);
      const found = await appTester(App.searches.list_teams.operation.perform, { authData, inputData: {} });
      assert.deepEqual(found, [{ id: "team_core", name: "Core" }]);
    });
  });
}
