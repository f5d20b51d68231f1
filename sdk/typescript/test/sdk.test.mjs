// The TypeScript SDK against live Patchbays (SQLite, and PostgreSQL when
// PATCHBAY_TEST_DATABASE_URL is set): generated methods, typed problems,
// iterators, idempotency, retries honouring Retry-After, and verifying a
// real delivery with the webhook helper.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { Patchbay, PatchbayError, verifyWebhook, WebhookVerificationError, operationMethods } from "../dist/index.js";
import { dialects, startPatchbay, startReceiver } from "../../../web/test/patchbay.mjs";

for (const dialect of dialects()) {
  test(`CRUD, problems, pagination and idempotency (${dialect})`, async (t) => {
    const node = await startPatchbay(dialect);
    t.after(() => node.stop());
    const pb = new Patchbay({ baseUrl: node.url, apiKey: node.key });

    const created = await pb.createOAuthScope({ name: "invoices.read", description: "Read your invoices" });
    assert.equal(created.name, "invoices.read");
    assert.equal((await pb.getOAuthScope("invoices.read")).description, "Read your invoices");
    const updated = await pb.updateOAuthScope("invoices.read", { description: "Read and list your invoices", access_level: "write" });
    assert.equal(updated.access_level, "write");

    await assert.rejects(pb.createOAuthScope({ name: "invoices.read", description: "again" }), (err) => {
      assert.ok(err instanceof PatchbayError);
      assert.equal(err.status, 409);
      assert.ok(err.type && err.requestId, "a problem type and request ID");
      return true;
    });
    await assert.rejects(pb.createOAuthScope({ name: "", description: "no name" }), (err) => {
      assert.ok(err instanceof PatchbayError && err.status >= 400 && err.status < 500);
      assert.ok(err.errors.length > 0 && err.errors[0].field, "names the bad field");
      return true;
    });
    await pb.deleteOAuthScope("invoices.read");
    await assert.rejects(pb.getOAuthScope("invoices.read"), (err) => err instanceof PatchbayError && err.isNotFound);

    const want = [];
    for (let i = 0; i < 7; i++) {
      want.push(`scope.${i}`);
      await pb.createOAuthScope({ name: `scope.${i}`, description: `Scope ${i}` });
    }
    const first = await pb.listOAuthScopes({ limit: 3 });
    assert.equal(first.data.length, 3);
    assert.ok(first.next_cursor);
    const names = [];
    for await (const s of pb.allOAuthScopes({ limit: 3 })) names.push(s.name);
    assert.deepEqual(names, want);

    const once = await pb.createOAuthScope({ name: "once", description: "Once" }, { idempotencyKey: `ts-${dialect}` });
    const again = await pb.createOAuthScope({ name: "once", description: "Once" }, { idempotencyKey: `ts-${dialect}` });
    assert.equal(again.created_at, once.created_at, "a repeat with the same key gets the first response");

    const tenant = await pb.putTenant("acme", { name: "Acme Inc." });
    assert.equal(tenant.id, "acme");
    const tenants = [];
    for await (const t of pb.allTenants()) tenants.push(t.id);
    assert.deepEqual(tenants, ["acme"]);
    assert.equal((await pb.health()).status, "ok");
    const metrics = await pb.getMetrics();
    assert.ok(metrics.body.length > 0 && metrics.contentType.startsWith("text/plain"));
  });

  test(`a delivery verifies with verifyWebhook (${dialect})`, async (t) => {
    const node = await startPatchbay(dialect, ["--webhook-retry-schedule", "200ms"]);
    const receiver = await startReceiver();
    t.after(async () => {
      await node.stop();
      await receiver.close();
    });
    const pb = new Patchbay({ baseUrl: node.url, apiKey: node.key });
    await pb.putTenant("acme", { name: "Acme Inc." });
    await pb.createEventType({ name: "invoice.paid", description: "An invoice was paid" });
    const endpoint = await pb.createEndpoint("acme", { url: receiver.url });
    assert.match(endpoint.secret, /^whsec_/);
    const message = await pb.publish("acme", { event_type: "invoice.paid", payload: { invoice: "in_1", amount: 4200 } });

    const delivery = await receiver.next();
    assert.equal(delivery.headers["webhook-id"], message.id);
    const payload = verifyWebhook(endpoint.secret, delivery.headers, delivery.body);
    assert.deepEqual(payload, { invoice: "in_1", amount: 4200 });

    // A changed body, another secret, or an old timestamp are refused.
    const tampered = Buffer.from(delivery.body.toString().replace("4200", "4201"));
    assert.throws(() => verifyWebhook(endpoint.secret, delivery.headers, tampered), WebhookVerificationError);
    const other = "whsec_" + Buffer.from("another secret of enough bytes!!").toString("base64");
    assert.throws(() => verifyWebhook(other, delivery.headers, delivery.body), WebhookVerificationError);
    const later = new Date((Number(delivery.headers["webhook-timestamp"]) + 3600) * 1000);
    assert.throws(() => verifyWebhook(endpoint.secret, delivery.headers, delivery.body, { now: later }), WebhookVerificationError);
    // During a rotation both secrets verify.
    assert.ok(verifyWebhook([other, endpoint.secret], delivery.headers, delivery.body));
  });

  test(`retries honour Retry-After; POSTs without a key are not retried (${dialect})`, async (t) => {
    const node = await startPatchbay(dialect, ["--rate-limit", "3", "--rate-limit-window", "1s"]);
    t.after(() => node.stop());
    const retrying = new Patchbay({ baseUrl: node.url, apiKey: node.key, retries: 5, minWaitMs: 50, maxWaitMs: 5000 });
    const started = Date.now();
    for (let i = 0; i < 8; i++) await retrying.listOAuthScopes();
    assert.ok(Date.now() - started >= 1000, "8 requests at 3 a second must have waited for Retry-After");

    const plain = new Patchbay({ baseUrl: node.url, apiKey: node.key, retries: 0 });
    let limited;
    for (let i = 0; i < 8 && !limited; i++) {
      try {
        await plain.listOAuthScopes();
      } catch (err) {
        limited = err;
      }
    }
    assert.ok(limited instanceof PatchbayError && limited.status === 429 && limited.retryAfterMs > 0, `want a 429 with Retry-After, got ${limited}`);

    let refusedPosts = 0;
    for (let i = 0; i < 6; i++) {
      try {
        await retrying.createOAuthScope({ name: `post.${i}`, description: "x" });
      } catch (err) {
        if (err instanceof PatchbayError && err.status === 429) refusedPosts++;
        else throw err;
      }
    }
    assert.ok(refusedPosts > 0, "POSTs without an idempotency key must not be retried");
    const keyed = new Patchbay({ baseUrl: node.url, apiKey: node.key, retries: 5, minWaitMs: 50, maxWaitMs: 5000, idempotencyKeys: true });
    for (let i = 0; i < 6; i++) await keyed.createOAuthScope({ name: `keyed.${i}`, description: "x" });
  });
}

test("every operation of the document has a method", async () => {
  const { execFileSync } = await import("node:child_process");
  const { resolve } = await import("node:path");
  const doc = JSON.parse(execFileSync("go", ["run", "./cmd/patchbay", "openapi"], { cwd: resolve(import.meta.dirname, "../../.."), encoding: "utf8", maxBuffer: 64 << 20 }));
  const pb = new Patchbay({ baseUrl: "http://127.0.0.1:1", apiKey: "x" });
  const browserOnly = /^(getOauthAuthorize|getOauthConsent|postOauthConsent|getOauthDevice|postOauthDevice|getConnectToken|postConnectSessionsSessionId|getConnectCallback|getConnectDone|getPortal\w+|getDocs|getEmbedV1PatchbayJs|optionsEmbedV1Path|(get|post)InSourceId\w*)$/;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (browserOnly.test(op.operationId)) continue;
      const name = operationMethods[op.operationId];
      assert.ok(name, `${method.toUpperCase()} ${path} (${op.operationId}) has no method: run go run ./client/internal/gen/sdkgen`);
      const fn = name === "proxy" ? pb.proxy : pb[name];
      assert.equal(typeof fn, "function", `${op.operationId} maps to ${name}, which Patchbay lacks`);
    }
  }
});

test("verifyWebhook checks a signature made by hand", () => {
  const secret = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
  const body = '{"type":"invoice.paid"}';
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac("sha256", Buffer.from("0123456789abcdef0123456789abcdef")).update(`msg_1.${ts}.${body}`).digest("base64");
  const headers = new Headers({ "webhook-id": "msg_1", "webhook-timestamp": ts, "webhook-signature": `v1,bogus v1,${sig}` });
  assert.deepEqual(verifyWebhook(secret, headers, body), { type: "invoice.paid" });
  assert.throws(() => verifyWebhook(secret, new Headers({ "webhook-id": "msg_1" }), body), WebhookVerificationError);
});
