import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { Api, ApiError } from "./api.js";
import { messages, pickLanguage, type Messages } from "./i18n.js";
import { styles } from "./styles.js";
import type { PatchbayEventMap, PatchbayTheme } from "./patchbay";

export interface Branding {
  product_name?: string;
  logo_url?: string;
  accent_color?: string;
  theme?: PatchbayTheme;
  support_url?: string;
  terms_url?: string;
  privacy_url?: string;
}

export interface Session {
  tenant_id: string;
  user_id: string;
  user_name?: string;
  capabilities: string[];
  expires_at: string;
  locale?: string;
  branding?: Branding;
}

// The origin patchbay.js was served from is where its API is, unless the
// host page says otherwise (api-base); read once, while the script runs.
const scriptOrigin = (() => {
  const src = (document.currentScript as HTMLScriptElement | null)?.src;
  try {
    return src ? new URL(src).origin : location.origin;
  } catch {
    return location.origin;
  }
})();

/** Base is what every component shares: token, session, branding, language, errors. */
export abstract class Base extends LitElement {
  static styles = styles;
  static properties = {
    token: { type: String },
    lang: { type: String },
    theme: { type: String },
    apiBase: { type: String, attribute: "api-base" },
    csrf: { type: String },
    session: { state: true },
    fatal: { state: true },
    notice: { state: true },
    busy: { state: true },
    confirming: { state: true },
  };

  token = "";
  theme: PatchbayTheme | "" = "";
  apiBase = "";
  /** csrf, set by a page Patchbay serves to a signed-in operator, authenticates by that page's session cookie instead of a token. */
  csrf = "";
  /** sessionBase is the API under which a csrf-authenticated component finds the paths it would find under /embed/v1. */
  protected sessionBase = "";
  protected session?: Session;
  /** fatal is an error no retry can fix (dead token, missing capability). */
  protected fatal?: ApiError;
  protected notice?: { text: string; error: boolean };
  protected busy = false;
  /** confirming is the key of the destructive action waiting for its second click. */
  protected confirming = "";
  protected api?: Api;

  /** load fetches what the component shows, once the session is known. */
  protected abstract load(): Promise<void>;
  /** body renders the component once the session is loaded. */
  protected abstract body(): TemplateResult | typeof nothing;
  /** heading is the component's title. */
  protected abstract heading(): string;

  protected get m(): Messages {
    return messages(pickLanguage(this.lang || this.session?.locale || navigator.language));
  }

  protected willUpdate(changed: PropertyValues): void {
    if (changed.has("theme") || changed.has("session")) {
      this.dataset.scheme = this.theme || this.session?.branding?.theme || "auto";
    }
  }

  protected updated(changed: PropertyValues): void {
    if ((changed.has("token") || changed.has("apiBase") || changed.has("csrf")) && (this.token || (this.csrf && this.sessionBase))) void this.start();
  }

  private async start(): Promise<void> {
    const origin = (this.apiBase || scriptOrigin).replace(/\/$/, "");
    this.api = this.token ? new Api(origin + "/embed/v1", this.token) : new Api(origin + this.sessionBase, "", this.csrf);
    this.fatal = undefined;
    this.notice = undefined;
    await this.run(async () => {
      this.session = await this.api!.get<Session>("/session");
      this.applyBranding(this.session.branding);
      await this.load();
    });
  }

  private applyBranding(b?: Branding): void {
    const accent = b?.accent_color;
    if (accent && /^#[0-9a-f]{6}$/i.test(accent)) {
      this.style.setProperty("--pb-accent", accent);
      this.style.setProperty("--pb-on-accent", readableOn(accent));
    }
  }

  /** run calls fn and turns its failure into a message (or, for a dead token, the fatal state). */
  protected async run(fn: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    try {
      await fn();
      return true;
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, "client", String(err));
      this.emit("patchbay:error", { status: e.status, code: e.code, message: e.message });
      if (e.tokenDead || e.code === "capability_missing" || e.code === "origin_not_allowed" || !this.session) {
        this.fatal = e;
      } else {
        this.notice = { text: e.message, error: true };
      }
      return false;
    } finally {
      this.busy = false;
    }
  }

  protected say(text: string): void {
    this.notice = { text, error: false };
  }

  protected emit<K extends keyof PatchbayEventMap>(name: K, detail: PatchbayEventMap[K]["detail"]): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /**
   * confirmable is a button for a destructive action that asks again in
   * place, moving the focus to the confirming button (no modal to trap focus
   * in, and no window.confirm, which sandboxed iframes block). label may
   * carry text for screen readers only; confirmLabel is the visible one.
   */
  protected confirmable(key: string, label: TemplateResult | string, confirmLabel: string, question: string, action: () => Promise<void>, danger = true): TemplateResult {
    if (this.confirming !== key) {
      return html`<button class=${danger ? "danger" : ""} @click=${async () => {
        this.confirming = key;
        await this.updateComplete;
        this.renderRoot.querySelector<HTMLButtonElement>(`[data-confirm="${CSS.escape(key)}"]`)?.focus();
      }}>${label}</button>`;
    }
    return html`<span role="group" aria-label=${question} class="row">
      <span>${question}</span>
      <button class="danger" data-confirm=${key} @click=${() => {
        this.confirming = "";
        return action();
      }}>${confirmLabel}</button>
      <button @click=${() => (this.confirming = "")}>${this.m.cancel}</button>
    </span>`;
  }

  protected fatalMessage(e: ApiError): string {
    const m = this.m;
    switch (e.code) {
      case "token_expired":
        return m.tokenExpired;
      case "token_revoked":
        return m.tokenRevoked;
      case "token_invalid":
        return m.tokenInvalid;
      case "session_invalid":
        return m.sessionInvalid;
      case "capability_missing":
        return m.capabilityMissing;
      case "origin_not_allowed":
        return m.originNotAllowed;
      case "network":
        return m.networkError;
    }
    return `${m.loadFailed} ${e.message}`;
  }

  render() {
    const m = this.m;
    const b = this.session?.branding;
    return html`<div class="root" part="root" lang=${pickLanguage(this.lang || this.session?.locale || navigator.language)}>
      <header part="header">
        ${b?.logo_url ? html`<img src=${b.logo_url} alt="" part="logo" />` : nothing}
        <h1 part="title" tabindex="-1">${this.heading()}</h1>
        ${b?.product_name ? html`<span class="muted">${b.product_name}</span>` : nothing}
      </header>
      ${this.fatal
        ? html`<div class="notice error" role="alert" part="error">
            <p><strong>${this.fatalMessage(this.fatal)}</strong></p>
            ${b?.support_url ? html`<p><a href=${b.support_url} target="_blank" rel="noopener">${m.contactSupport}</a></p>` : nothing}
          </div>`
        : !this.token && !this.csrf
          ? html`<p class="notice error" role="alert" part="error">${m.tokenMissing}</p>`
          : !this.session
            ? html`<p role="status" aria-live="polite">${m.loading}</p>`
            : html`${this.notice
                  ? html`<div class="notice ${this.notice.error ? "error" : ""}" role=${this.notice.error ? "alert" : "status"} part="notice">
                      ${this.notice.text}
                      <button class="link" @click=${() => (this.notice = undefined)} aria-label=${m.dismiss}>&times;</button>
                    </div>`
                  : nothing}
                ${this.body()}`}
    </div>`;
  }
}

/** readableOn is black or white, whichever contrasts more with the hex colour bg. */
export function readableOn(bg: string): string {
  const c = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? "#000000" : "#ffffff";
}

/** when formats an RFC 3339 time for people in lang. */
export function when(ts: string | undefined, lang: string): string {
  if (!ts) return "";
  const d = new Date(ts);
  return isNaN(d.getTime()) ? ts : d.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
}
