// The client for Patchbay's /embed/v1 API, authenticated by an embed token.

/** ApiError is a problem+json answer (or a network failure) made usable by the UI. */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** The last path segment of the problem type, e.g. "token_expired". */
    readonly code: string,
    message: string,
    /** Field problems, by field name. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }

  /** tokenDead is true when no request with this token can succeed again. */
  get tokenDead(): boolean {
    return ["token_expired", "token_revoked", "token_invalid", "session_invalid"].includes(this.code);
  }
}

export interface Page<T> {
  data: T[];
  next_cursor?: string;
}

export class Api {
  /**
   * An Api authenticates with the embed token, or, when csrf is set, with the
   * console session's HttpOnly cookie (same origin only) and its CSRF token.
   */
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly csrf = "",
  ) {}

  /** origin is the origin of Patchbay's API. */
  get origin(): string {
    return new URL(this.base, location.href).origin;
  }

  async request<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const headers: Record<string, string> = this.csrf ? { "X-CSRF-Token": this.csrf } : { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["Content-Type"] = contentType;
    let resp: Response;
    try {
      resp = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : body instanceof Blob ? body : JSON.stringify(body),
        credentials: this.csrf ? "same-origin" : "omit",
        cache: "no-store",
      });
    } catch (err) {
      throw new ApiError(0, "network", String(err));
    }
    if (resp.status === 204) return undefined as T;
    const text = await resp.text();
    let json: any = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: reported below by status
    }
    if (!resp.ok) {
      const type: string = json?.type ?? "";
      const code = type.split("/").pop() || `http_${resp.status}`;
      const fields: Record<string, string> = {};
      if (Array.isArray(json?.errors)) {
        for (const e of json.errors) if (e?.field) fields[String(e.field)] = String(e.detail ?? "");
      }
      throw new ApiError(resp.status, code, json?.detail || json?.title || resp.statusText, fields);
    }
    return json as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /** query builds "?a=1&b=2" from the non-empty values of params. */
  static query(params: Record<string, string | number | undefined>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : "";
  }
}

/** enc escapes one path segment. */
export const enc = encodeURIComponent;
