import { randomUUID } from "node:crypto";
import { GeneratedClient } from "./generated.js";
import { PatchbayError, type OperationRequest, type RawBody, type RequestOptions } from "./types.js";

/** How a Patchbay client is made. */
export interface ClientOptions {
  /** The installation's URL, such as http://127.0.0.1:8080. */
  baseUrl: string;
  /** An admin API key (pbk_…), or for the embed methods an embed token (pbe_…). */
  apiKey: string;
  /** How many times a safe request is retried after a 429, 502, 503, 504 or a failure to connect (default 2; 0 turns retries off). */
  retries?: number;
  /** The shortest and longest wait between attempts, in milliseconds (defaults 200 and 10 000). A Retry-After longer than maxWaitMs is not waited for. */
  minWaitMs?: number;
  maxWaitMs?: number;
  /** Give every POST and PATCH without an idempotency key a random one, so that they are retried safely too. */
  idempotencyKeys?: boolean;
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch;
}

const safeMethods = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const retriedStatuses = new Set([429, 502, 503, 504]);

/**
 * The Patchbay admin API. Every operation of the OpenAPI document is a typed method (see GeneratedClient);
 * lists have an `all…` async iterator; failures throw PatchbayError.
 *
 *     const pb = new Patchbay({ baseUrl: "http://127.0.0.1:8080", apiKey: process.env.PATCHBAY_API_KEY! });
 *     await pb.putTenant("acme", { name: "Acme Inc." });
 *     for await (const t of pb.allTenants()) console.log(t.id);
 */
export class Patchbay extends GeneratedClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #retries: number;
  readonly #minWaitMs: number;
  readonly #maxWaitMs: number;
  readonly #idempotencyKeys: boolean;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    super();
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#retries = options.retries ?? 2;
    this.#minWaitMs = options.minWaitMs ?? 200;
    this.#maxWaitMs = options.maxWaitMs ?? 10_000;
    this.#idempotencyKeys = options.idempotencyKeys ?? false;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  protected async send<T>(req: OperationRequest): Promise<T> {
    const options = req.options ?? {};
    const url = new URL(this.baseUrl + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (this.#apiKey) headers.Authorization = "Bearer " + this.#apiKey;
    let body: BodyInit | undefined;
    if (req.rawBody !== undefined) {
      body = req.rawBody as BodyInit;
      headers["Content-Type"] = req.contentType ?? "application/octet-stream";
    } else if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers["Content-Type"] = "application/json";
    }
    let key = options.idempotencyKey;
    if (!key && this.#idempotencyKeys && (req.method === "POST" || req.method === "PATCH")) key = "pbts_" + randomUUID();
    if (key) headers["Idempotency-Key"] = key;
    const retryable = safeMethods.has(req.method) || key !== undefined;

    for (let attempt = 0; ; attempt++) {
      let resp: Response;
      try {
        resp = await this.#fetch(url, { method: req.method, headers, body, signal: options.signal });
      } catch (err) {
        if (options.signal?.aborted || !retryable || attempt >= this.#retries) throw err;
        await sleep(this.#backoff(attempt), options.signal);
        continue;
      }
      if (resp.ok) {
        if (req.raw) {
          return { contentType: resp.headers.get("Content-Type") ?? "", body: new Uint8Array(await resp.arrayBuffer()) } satisfies RawBody as T;
        }
        const text = await resp.text();
        return (text ? JSON.parse(text) : undefined) as T;
      }
      const text = await resp.text();
      let problem: Record<string, unknown> = {};
      try {
        problem = JSON.parse(text);
      } catch {
        problem = { detail: text.trim() };
      }
      const retryAfterMs = parseRetryAfter(resp.headers.get("Retry-After"));
      const error = new PatchbayError(req.operationId, resp.status, problem, retryAfterMs);
      if (!retryable || attempt >= this.#retries || !retriedStatuses.has(resp.status)) throw error;
      if (retryAfterMs > this.#maxWaitMs) throw error; // longer than we wait: the caller decides
      await sleep(retryAfterMs > 0 ? retryAfterMs : this.#backoff(attempt), options.signal);
    }
  }

  /** Exponential backoff with full jitter. */
  #backoff(attempt: number): number {
    return Math.random() * Math.min(this.#minWaitMs * 2 ** attempt, this.#maxWaitMs);
  }

  protected async *paginate<T>(page: (cursor: string | undefined) => Promise<{ data: T[]; next_cursor?: string }>): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const p = await page(cursor);
      yield* p.data;
      cursor = p.next_cursor || undefined;
    } while (cursor);
  }

  /**
   * Calls a connection's provider through Patchbay's proxy (any method): Patchbay adds the credentials, refreshes tokens
   * and retries within the provider's rate budget. The provider's answer comes back as a Response whatever its status.
   */
  async proxy(connectionId: string, method: string, path: string, init: { body?: BodyInit; headers?: Record<string, string>; idempotencyKey?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers, Authorization: "Bearer " + this.#apiKey };
    if (init.idempotencyKey) headers["Idempotency-Key"] = init.idempotencyKey;
    const url = `${this.baseUrl}/v1/connections/${encodeURIComponent(connectionId)}/proxy/${path.replace(/^\/+/, "")}`;
    return this.#fetch(url, { method, headers, body: init.body });
  }
}

/** parseRetryAfter reads Retry-After (seconds or an HTTP date) as milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  if (!value) return 0;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
