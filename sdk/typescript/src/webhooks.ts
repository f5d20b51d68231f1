import { createHmac, timingSafeEqual } from "node:crypto";

/** Why a webhook failed verification. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/** Headers as Node's http module, fetch's Headers, or a plain object give them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? "";
  const h = headers as Record<string, string | string[] | undefined>;
  const v = h[name] ?? h[name.toLowerCase()] ?? Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v.join(" ") : (v ?? "");
}

/**
 * Verifies a webhook Patchbay delivered (Standard Webhooks): the webhook-signature header must hold an HMAC-SHA256 of
 * `webhook-id.webhook-timestamp.body` under one of the secrets (whsec_…; during a rotation pass both), compared in constant
 * time, and the timestamp must be within toleranceSeconds (default 300) of now. Pass the body exactly as received, before
 * parsing. Returns the parsed JSON payload; throws WebhookVerificationError.
 */
export function verifyWebhook(secrets: string | string[], headers: WebhookHeaders, body: string | Uint8Array,
  options: { toleranceSeconds?: number; now?: Date } = {}): unknown {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature");
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError("webhook-timestamp is not a number of seconds");
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - Number(timestamp)) > tolerance) throw new WebhookVerificationError("webhook-timestamp is too far from now");
  const payload = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, "utf8"), payload]);
  for (const secret of Array.isArray(secrets) ? secrets : [secrets]) {
    const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
    const expected = createHmac("sha256", key).update(signed).digest();
    for (const part of signatures.split(" ")) {
      const [version, sig] = part.split(",", 2);
      if (version !== "v1" || !sig) continue;
      const given = Buffer.from(sig, "base64");
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        return JSON.parse(payload.toString("utf8"));
      }
    }
  }
  throw new WebhookVerificationError("no signature matches");
}
