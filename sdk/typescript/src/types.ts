/** Options for one request. */
export interface RequestOptions {
  /** Makes a POST or PATCH safe to retry: Patchbay runs it once and answers repeats with the first response. */
  idempotencyKey?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Aborts the request, its retries included. */
  signal?: AbortSignal;
}

/** A response that is not JSON: an image, an event's body as the provider sent it, the metrics text. */
export interface RawBody {
  contentType: string;
  body: Uint8Array;
}

/** What a generated method asks the client to send. */
export interface OperationRequest {
  operationId: string;
  method: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  rawBody?: Uint8Array | Blob;
  contentType?: string;
  raw?: boolean;
  options?: RequestOptions;
}

/** One request field's problem, in a validation problem. */
export interface FieldProblem {
  field: string;
  detail: string;
}

/**
 * A problem Patchbay answered with (RFC 9457 problem details), thrown by every method for a 4xx or 5xx.
 * `type` names the kind of problem; `errors` names each bad request field.
 */
export class PatchbayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string;
  readonly errors: FieldProblem[];
  /** The server's Retry-After in milliseconds, on 429 and 503 answers; 0 if none. */
  readonly retryAfterMs: number;
  readonly operationId: string;

  constructor(operationId: string, status: number, problem: Record<string, unknown>, retryAfterMs: number) {
    const title = typeof problem.title === "string" ? problem.title : `HTTP ${status}`;
    const detail = typeof problem.detail === "string" ? problem.detail : "";
    super(`patchbay: ${operationId}: ${status} ${title}${detail ? ": " + detail : ""}`);
    this.name = "PatchbayError";
    this.operationId = operationId;
    this.status = status;
    this.type = typeof problem.type === "string" ? problem.type : "about:blank";
    this.title = title;
    this.detail = detail;
    this.requestId = typeof problem.request_id === "string" ? problem.request_id : "";
    this.errors = Array.isArray(problem.errors) ? (problem.errors as FieldProblem[]) : [];
    this.retryAfterMs = retryAfterMs;
  }

  /** True for a 404. */
  get isNotFound(): boolean {
    return this.status === 404;
  }
}
