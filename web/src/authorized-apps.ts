import { html, nothing, type TemplateResult } from "lit";
import { enc, type Page } from "./api.js";
import { Base, when } from "./base.js";

interface AuthorizedApp {
  app_id: string;
  name: string;
  logo_url?: string;
  developer?: string;
  host?: string;
  self_registered: boolean;
  scopes: { name: string; description?: string; access?: string }[];
  granted_at: string;
  last_used_at?: string;
}

/** <patchbay-authorized-apps>: OAuth apps this user authorized in this team, and revoking them. */
export class PatchbayAuthorizedApps extends Base {
  static properties = { ...Base.properties, apps: { state: true } };

  private apps: AuthorizedApp[] = [];

  protected heading(): string {
    return this.m.appsTitle;
  }

  protected async load(): Promise<void> {
    this.apps = (await this.api!.get<Page<AuthorizedApp>>("/authorized-apps?limit=100")).data;
  }

  private async revoke(a: AuthorizedApp): Promise<void> {
    await this.run(async () => {
      await this.api!.request("DELETE", `/authorized-apps/${enc(a.app_id)}`);
      this.apps = this.apps.filter((x) => x.app_id !== a.app_id);
      this.emit("patchbay:app-revoked", { app_id: a.app_id });
      this.say(this.m.revokedNotice(a.name));
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("h1")?.focus();
    });
  }

  protected body(): TemplateResult {
    const m = this.m;
    if (!this.apps.length) return html`<p class="muted" role="status">${m.noApps}</p>`;
    return html`<ul class="plain" part="apps">
      ${this.apps.map(
        (a) => html`<li part="app" data-app=${a.app_id}>
          <div class="row spread">
            <div class="row">
              ${a.logo_url ? html`<img src=${a.logo_url} alt="" width="32" height="32" style="border-radius:6px" />` : nothing}
              <div>
                <h2 style="margin:0;font-size:1rem">${a.name}</h2>
                <div class="muted">${a.developer ? m.by(a.developer) : nothing}${a.host ? html` &middot; ${a.host}` : nothing}
                  ${a.self_registered ? html` &middot; <span class="badge">${m.unreviewed}</span>` : nothing}</div>
              </div>
            </div>
            ${this.confirmable(a.app_id, html`${m.revoke}<span class="sr-only"> ${a.name}</span>`, m.revoke, m.revokeConfirm(a.name), () => this.revoke(a))}
          </div>
          <p class="muted">${m.grantedOn(when(a.granted_at, m.lang))}${a.last_used_at ? html` &middot; ${m.lastUsed(when(a.last_used_at, m.lang))}` : nothing}</p>
          <ul part="scopes">
            ${a.scopes.map((s) => html`<li>${s.description || s.name}${s.access ? html` <span class="badge">${accessLabel(m, s.access)}</span>` : nothing}</li>`)}
          </ul>
        </li>`,
      )}
    </ul>`;
  }
}

function accessLabel(m: { accessRead: string; accessWrite: string; accessAdmin: string }, access: string): string {
  return access === "read" ? m.accessRead : access === "write" ? m.accessWrite : access === "admin" ? m.accessAdmin : access;
}

customElements.define("patchbay-authorized-apps", PatchbayAuthorizedApps);
