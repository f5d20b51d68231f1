export { Patchbay, parseRetryAfter, type ClientOptions } from "./client.js";
export { PatchbayError, type FieldProblem, type OperationRequest, type RawBody, type RequestOptions } from "./types.js";
export { verifyWebhook, WebhookVerificationError, type WebhookHeaders } from "./webhooks.js";
export * from "./generated.js";
