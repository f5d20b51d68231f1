import { html, nothing, type TemplateResult } from "lit";
import { enc, type Page } from "./api.js";
import { Base, when } from "./base.js";

interface Integration {
  id: string;
  name: string;
  provider: { id: string; name: string; logo_url?: string };
  connection?: {
    id: string;
    status: "connected" | "needs_reconnect" | "error";
    created_at: string;
    last_refreshed_at?: string;
    account_label?: string;
    scopes?: string[];
  };
}

/** <patchbay-connections>: the SaaS's connectors and this user's connection to each. */
export class PatchbayConnections extends Base {
  static properties = { ...Base.properties, integrations: { state: true }, pending: { state: true } };

  private integrations: Integration[] = [];
  /** pending is the integration whose connect popup is open. */
  private pending = "";
  private popup?: Window | null;
  private popupTimer?: number;

  protected heading(): string {
    return this.m.connectionsTitle;
  }

  protected async load(): Promise<void> {
    this.integrations = (await this.api!.get<Page<Integration>>("/integrations?limit=100")).data;
  }

  connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("message", this.onMessage);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener("message", this.onMessage);
    window.clearInterval(this.popupTimer);
  }

  // The connect page, opened by us, reports how the flow ended.
  private onMessage = (ev: MessageEvent): void => {
    if (!this.popup || ev.source !== this.popup) return;
    const data = ev.data as { type?: string; integration_id?: string; error?: string } | null;
    if (data?.type !== "patchbay:connected" && data?.type !== "patchbay:connect-failed") return;
    this.popup?.close();
    void this.finishConnect(data.integration_id ?? this.pending, data.type === "patchbay:connected", data.error);
  };

  private async finishConnect(integrationID: string, ok: boolean, error?: string): Promise<void> {
    window.clearInterval(this.popupTimer);
    this.popup = undefined;
    this.pending = "";
    await this.run(async () => {
      await this.load();
      const conn = this.integrations.find((i) => i.id === integrationID)?.connection;
      if (ok && conn) {
        this.emit("patchbay:connected", { integration_id: integrationID, connection_id: conn.id });
        this.say(this.m.connectedNotice);
      } else if (!ok) {
        this.notice = { text: error ? `${this.m.connectFailed} (${error})` : this.m.connectFailed, error: true };
      }
    });
  }

  private async connect(i: Integration): Promise<void> {
    // Open the window in the click's turn, so that popup blockers let it through.
    const popup = window.open("", "patchbay-connect", "popup,width=520,height=720");
    await this.run(async () => {
      // return_to must be on one of the token's origins; a hosted page, on
      // Patchbay's own origin, has none and is closed by the flow instead.
      const body = this.api!.origin === location.origin ? {} : { return_to: location.href };
      const { connect_url } = await this.api!.request<{ connect_url: string }>("POST", `/integrations/${enc(i.id)}/connect`, body);
      if (!popup) {
        location.assign(connect_url); // popups blocked: the flow comes back to return_to
        return;
      }
      popup.location.href = connect_url;
      this.popup = popup;
      this.pending = i.id;
      window.clearInterval(this.popupTimer);
      this.popupTimer = window.setInterval(() => {
        if (this.pending !== i.id) return;
        if (popup.closed) return void this.finishConnect(i.id, true);
        // Back on this page's origin (return_to) without a message: done.
        let home = false;
        try {
          home = popup.location.origin === location.origin;
        } catch {
          // still on Patchbay or the provider: cross-origin
        }
        if (home) {
          popup.close();
          void this.finishConnect(i.id, true);
        }
      }, 500);
    });
    if (!this.pending) popup?.close();
  }

  private async disconnect(i: Integration): Promise<void> {
    const conn = i.connection;
    if (!conn) return;
    await this.run(async () => {
      await this.api!.request("DELETE", `/connections/${enc(conn.id)}`);
      this.emit("patchbay:disconnected", { integration_id: i.id, connection_id: conn.id });
      await this.load();
      this.say(this.m.disconnectedNotice);
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLButtonElement>(`[data-connect="${i.id}"]`)?.focus();
    });
  }

  protected body(): TemplateResult {
    const m = this.m;
    const statusLabel = { connected: m.statusConnected, needs_reconnect: m.statusNeedsReconnect, error: m.statusError };
    if (!this.integrations.length) return html`<p class="muted">${m.noIntegrations}</p>`;
    return html`<ul class="plain" part="integrations">
      ${this.integrations.map((i) => {
        const c = i.connection;
        return html`<li part="integration" data-integration=${i.id}>
          <div class="row spread">
            <div class="row">
              ${i.provider.logo_url ? html`<img src=${i.provider.logo_url} alt="" width="32" height="32" style="border-radius:6px" />` : nothing}
              <div>
                <h2 style="margin:0;font-size:1rem">${i.name}</h2>
                <div class="muted">${i.provider.name}</div>
              </div>
            </div>
            <div class="row">
              ${c ? html`<span class="badge ${c.status === "connected" ? "ok" : "error"}" part="status">${statusLabel[c.status] ?? c.status}</span>` : html`<span class="muted">${m.notConnected}</span>`}
              ${!c || c.status !== "connected"
                ? html`<button class="primary" part="button-primary" data-connect=${i.id} ?disabled=${!!this.pending}
                    @click=${() => this.connect(i)}>${c ? m.reconnect : m.connect}<span class="sr-only"> ${i.name}</span></button>`
                : nothing}
              ${c
                ? this.confirmable(i.id, html`${m.disconnect}<span class="sr-only"> ${i.name}</span>`, m.disconnect, m.disconnectConfirm(i.name), () => this.disconnect(i))
                : nothing}
            </div>
          </div>
          ${c
            ? html`<details part="connection-details"><summary>${m.details}<span class="sr-only"> ${i.name}</span></summary>
                <dl>
                  ${c.account_label ? html`<dt class="muted">${m.account}</dt><dd>${c.account_label}</dd>` : nothing}
                  <dt class="muted">${m.connectedSince}</dt><dd>${when(c.created_at, m.lang)}</dd>
                  ${c.last_refreshed_at ? html`<dt class="muted">${m.lastRefreshed}</dt><dd>${when(c.last_refreshed_at, m.lang)}</dd>` : nothing}
                  ${c.scopes?.length ? html`<dt class="muted">${m.scopes}</dt><dd>${c.scopes.join(", ")}</dd>` : nothing}
                </dl>
              </details>`
            : nothing}
        </li>`;
      })}
    </ul>`;
  }
}

customElements.define("patchbay-connections", PatchbayConnections);
