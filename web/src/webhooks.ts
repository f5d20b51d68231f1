import { html, nothing, svg, type TemplateResult } from "lit";
import { Api, enc, type Page } from "./api.js";
import { Base, when } from "./base.js";
import { verifySample, sampleLanguages, type SampleLanguage } from "./samples.js";

interface EventType {
  name: string;
  description: string;
  schema: unknown;
  example: unknown;
  deprecated: boolean;
}
interface Endpoint {
  id: string;
  url: string;
  description: string;
  event_types: string[] | null;
  channels: string[] | null;
  rate_limit: number | null;
  headers: Record<string, string> | null;
  disabled: boolean;
  disabled_reason?: string;
  created_at: string;
  updated_at: string;
  secret?: string;
}
interface Delivery {
  id: string;
  message_id: string;
  event_type: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  last_status_code: number | null;
  created_at: string;
  next_attempt_at?: string;
}
interface Attempt {
  id: string;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error?: string;
  request: { url: string; headers: Record<string, string>; body: unknown };
  response: { headers: Record<string, string>; body: unknown };
}
interface Recovery {
  id: string;
  status: "running" | "completed";
  /** resent is how many failed deliveries were queued again so far. */
  resent: number;
}
interface Stats {
  attempts: number;
  success_rate: number | null;
  latency_ms: { p50: number; p90: number; p99: number; max: number } | null;
  last_error?: string;
  buckets: { start: string; succeeded: number; failed: number }[];
}
interface DeliveryFilter {
  event_type: string;
  status: string;
  since: string;
  until: string;
}

type View = { kind: "endpoints" } | { kind: "new" } | { kind: "catalog" } | { kind: "endpoint"; id: string; tab: "overview" | "deliveries" | "settings" };

/** <patchbay-webhooks>: endpoints, event catalog, deliveries, secrets and health for one tenant. */
export class PatchbayWebhooks extends Base {
  static properties = {
    ...Base.properties,
    view: { state: true },
    endpoints: { state: true },
    eventTypes: { state: true },
    secret: { state: true },
    deliveries: { state: true },
    delivery: { state: true },
    stats: { state: true },
    recovery: { state: true },
    fieldErrors: { state: true },
    sampleLang: { state: true },
    filter: { state: true },
  };

  private view: View = { kind: "endpoints" };
  private endpoints: Endpoint[] = [];
  private eventTypes: EventType[] = [];
  private secret?: string;
  private deliveries?: Page<Delivery> & { cursors: string[] };
  private delivery?: Delivery & { attempts_detail: Attempt[] };
  private stats?: Stats;
  private recovery?: Recovery;
  private fieldErrors: Record<string, string> = {};
  private sampleLang: SampleLanguage = "node";
  private filter: DeliveryFilter = { event_type: "", status: "", since: "", until: "" };
  private recoveryTimer?: number;

  protected heading(): string {
    return this.m.webhooksTitle;
  }

  private get canWrite(): boolean {
    return this.session?.capabilities.includes("webhooks") ?? false;
  }

  protected async load(): Promise<void> {
    const [types, eps] = await Promise.all([
      this.api!.get<Page<EventType>>("/event-types?limit=100"),
      this.api!.get<Page<Endpoint>>("/endpoints?limit=100"),
    ]);
    this.eventTypes = types.data;
    this.endpoints = eps.data;
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearTimeout(this.recoveryTimer);
  }

  private endpoint(): Endpoint | undefined {
    const v = this.view;
    return v.kind === "endpoint" ? this.endpoints.find((e) => e.id === v.id) : undefined;
  }

  private go(view: View): void {
    this.view = view;
    this.fieldErrors = {};
    this.confirming = "";
    this.notice = undefined;
    if (view.kind !== "endpoint") {
      this.secret = undefined;
      this.delivery = undefined;
      this.deliveries = undefined;
      this.stats = undefined;
      window.clearTimeout(this.recoveryTimer);
      this.recovery = undefined;
    }
    if (view.kind === "endpoint" && view.tab === "overview") void this.run(() => this.loadStats(view.id));
    if (view.kind === "endpoint" && view.tab === "deliveries") void this.run(() => this.loadDeliveries(""));
    this.updateComplete.then(() => (this.renderRoot.querySelector("h2") as HTMLElement | null)?.focus());
  }

  protected body(): TemplateResult {
    const m = this.m;
    const v = this.view;
    return html`
      <nav aria-label=${m.webhooksTitle} class="row" part="nav">
        <button aria-current=${v.kind === "endpoints" || v.kind === "endpoint" || v.kind === "new" ? "page" : "false"} @click=${() => this.go({ kind: "endpoints" })}>${m.endpoints}</button>
        <button aria-current=${v.kind === "catalog" ? "page" : "false"} @click=${() => this.go({ kind: "catalog" })}>${m.eventCatalog}</button>
      </nav>
      ${v.kind === "endpoints" ? this.endpointList() : nothing}
      ${v.kind === "new" ? this.endpointForm() : nothing}
      ${v.kind === "catalog" ? this.catalog() : nothing}
      ${v.kind === "endpoint" ? this.endpointView(v.tab) : nothing}
    `;
  }

  // --- endpoints list ---

  private endpointList(): TemplateResult {
    const m = this.m;
    return html`<section part="endpoints">
      <div class="row spread">
        <h2 tabindex="-1">${m.endpoints}</h2>
        ${this.canWrite ? html`<button class="primary" part="button-primary" @click=${() => this.go({ kind: "new" })}>${m.addEndpoint}</button>` : nothing}
      </div>
      ${this.endpoints.length === 0
        ? html`<p class="muted">${m.noEndpoints}</p>`
        : html`<ul class="plain">
            ${this.endpoints.map(
              (e) => html`<li class="row spread" part="endpoint">
                <div>
                  <button class="link" @click=${() => this.go({ kind: "endpoint", id: e.id, tab: "overview" })}><code>${e.url}</code></button>
                  ${e.disabled ? html`<span class="badge error">${m.disabled}</span>` : nothing}
                  <div class="muted">${e.description || m.noDescription} &middot; ${e.event_types?.length ? e.event_types.join(", ") : m.allEventTypes}</div>
                </div>
              </li>`,
            )}
          </ul>`}
    </section>`;
  }

  // --- create / edit ---

  private endpointForm(e?: Endpoint): TemplateResult {
    const m = this.m;
    const err = this.fieldErrors;
    const id = (f: string) => `ep-${f}`;
    const described = (f: string) => (err[f] ? `${id(f)}-error` : nothing);
    const fieldError = (f: string) => (err[f] ? html`<div class="field-error" id="${id(f)}-error">${err[f]}</div>` : nothing);
    return html`<form part="form" @submit=${(ev: SubmitEvent) => this.saveEndpoint(ev, e)} novalidate>
      ${e ? nothing : html`<h2 tabindex="-1">${m.addEndpoint}</h2>`}
      <label for=${id("url")}>${m.endpointURL}</label>
      <input id=${id("url")} name="url" type="url" required placeholder="https://" .value=${e?.url ?? ""} aria-invalid=${err.url ? "true" : "false"} aria-describedby=${described("url")} />
      ${fieldError("url")}
      <label for=${id("description")}>${m.description}</label>
      <input id=${id("description")} name="description" .value=${e?.description ?? ""} aria-describedby=${described("description")} />
      ${fieldError("description")}
      <fieldset aria-describedby=${described("event_types")}>
        <legend>${m.eventTypeFilter}</legend>
        <p class="muted">${m.eventTypeFilterHelp}</p>
        ${this.eventTypes.map(
          (t) => html`<label><input type="checkbox" name="event_types" value=${t.name} .checked=${e?.event_types?.includes(t.name) ?? false} />${t.name}</label>`,
        )}
      </fieldset>
      ${fieldError("event_types")}
      <label for=${id("channels")}>${m.channels}</label>
      <input id=${id("channels")} name="channels" .value=${e?.channels?.join(", ") ?? ""} aria-describedby="${id("channels")}-help" />
      <div class="muted" id="${id("channels")}-help">${m.channelsHelp}</div>
      ${fieldError("channels")}
      <label for=${id("rate_limit")}>${m.rateLimit}</label>
      <input id=${id("rate_limit")} name="rate_limit" type="number" min="1" inputmode="numeric" .value=${e?.rate_limit ? String(e.rate_limit) : ""} aria-describedby="${id("rate_limit")}-help" />
      <div class="muted" id="${id("rate_limit")}-help">${m.rateLimitHelp}</div>
      ${fieldError("rate_limit")}
      <label for=${id("headers")}>${m.headers}</label>
      <textarea id=${id("headers")} name="headers" aria-describedby="${id("headers")}-help" .value=${Object.entries(e?.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join("\n")}></textarea>
      <div class="muted" id="${id("headers")}-help">${m.headersHelp}</div>
      ${fieldError("headers")}
      <div class="row" style="margin-top:1rem">
        <button class="primary" type="submit" part="button-primary" ?disabled=${this.busy}>${e ? m.save : m.create}</button>
        ${e ? nothing : html`<button type="button" @click=${() => this.go({ kind: "endpoints" })}>${m.cancel}</button>`}
      </div>
    </form>`;
  }

  private async saveEndpoint(ev: SubmitEvent, existing?: Endpoint): Promise<void> {
    ev.preventDefault();
    const m = this.m;
    const f = new FormData(ev.target as HTMLFormElement);
    const errors: Record<string, string> = {};
    const url = String(f.get("url") ?? "").trim();
    if (!url) errors.url = m.required;
    const headers: Record<string, string> = {};
    for (const line of String(f.get("headers") ?? "").split("\n")) {
      if (!line.trim()) continue;
      const i = line.indexOf(":");
      if (i <= 0) errors.headers = m.headersInvalid;
      else headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    const rate = String(f.get("rate_limit") ?? "").trim();
    if (rate && !(Number(rate) >= 1 && Number.isInteger(Number(rate)))) errors.rate_limit = m.rateLimitInvalid;
    this.fieldErrors = errors;
    if (Object.keys(errors).length) return this.focusFirstError();
    const body = {
      url,
      description: String(f.get("description") ?? ""),
      event_types: f.getAll("event_types").map(String),
      channels: String(f.get("channels") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      rate_limit: rate ? Number(rate) : null,
      headers,
    };
    await this.run(async () => {
      try {
        if (existing) {
          const ep = await this.api!.request<Endpoint>("PATCH", `/endpoints/${enc(existing.id)}`, body);
          this.endpoints = this.endpoints.map((e) => (e.id === ep.id ? ep : e));
          this.emit("patchbay:endpoint-updated", { endpoint_id: ep.id, url: ep.url });
          this.say(m.saved);
        } else {
          const ep = await this.api!.request<Endpoint>("POST", "/endpoints", body);
          this.endpoints = [...this.endpoints, { ...ep, secret: undefined }];
          this.emit("patchbay:endpoint-created", { endpoint_id: ep.id, url: ep.url });
          this.go({ kind: "endpoint", id: ep.id, tab: "overview" });
          this.secret = ep.secret;
          this.say(m.endpointCreated);
        }
      } catch (err: any) {
        if (err?.fields && Object.keys(err.fields).length) {
          this.fieldErrors = err.fields;
          await this.focusFirstError();
          return;
        }
        throw err;
      }
    });
  }

  private async focusFirstError(): Promise<void> {
    await this.updateComplete;
    (this.renderRoot.querySelector('[aria-invalid="true"], .field-error') as HTMLElement | null)?.focus?.();
  }

  // --- catalog ---

  private catalog(): TemplateResult {
    const m = this.m;
    return html`<section part="catalog">
      <h2 tabindex="-1">${m.eventCatalog}</h2>
      ${this.eventTypes.length === 0 ? html`<p class="muted">${m.noEventTypes}</p>` : nothing}
      <ul class="plain">
        ${this.eventTypes.map(
          (t) => html`<li part="event-type">
            <h3><code>${t.name}</code> ${t.deprecated ? html`<span class="badge">${m.deprecated}</span>` : nothing}</h3>
            <p>${t.description}</p>
            ${t.schema ? html`<details><summary>${m.schema}</summary><pre tabindex="0">${JSON.stringify(t.schema, null, 2)}</pre></details>` : nothing}
            ${t.example ? html`<details><summary>${m.example}</summary><pre tabindex="0">${JSON.stringify(t.example, null, 2)}</pre></details>` : nothing}
          </li>`,
        )}
      </ul>
    </section>`;
  }

  // --- one endpoint ---

  private endpointView(tab: "overview" | "deliveries" | "settings"): TemplateResult {
    const m = this.m;
    const e = this.endpoint();
    if (!e) return html`<p>${m.notFound}</p>`;
    const tabs: [typeof tab, string][] = [
      ["overview", m.overview],
      ["deliveries", m.deliveries],
      ["settings", m.settings],
    ];
    return html`<section part="endpoint-detail">
      <button class="link" @click=${() => this.go({ kind: "endpoints" })}>&larr; ${m.endpoints}</button>
      <h2 tabindex="-1"><code>${e.url}</code> ${e.disabled ? html`<span class="badge error">${m.disabled}</span>` : nothing}</h2>
      ${e.disabled_reason ? html`<p class="error">${e.disabled_reason}</p>` : nothing}
      <div role="tablist" aria-label=${m.endpoint} @keydown=${this.tabKeys}>
        ${tabs.map(
          ([k, label]) => html`<button role="tab" id="tab-${k}" aria-controls="panel" aria-selected=${tab === k ? "true" : "false"} tabindex=${tab === k ? "0" : "-1"}
            @click=${() => this.go({ kind: "endpoint", id: e.id, tab: k })}>${label}</button>`,
        )}
      </div>
      <div role="tabpanel" id="panel" aria-labelledby="tab-${tab}">
        ${tab === "overview" ? this.overview(e) : nothing}
        ${tab === "deliveries" ? this.deliveryLog(e) : nothing}
        ${tab === "settings" ? this.settings(e) : nothing}
      </div>
    </section>`;
  }

  private tabKeys(ev: KeyboardEvent): void {
    if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft") return;
    const tabs = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    const i = tabs.indexOf(ev.target as HTMLButtonElement);
    const next = tabs[(i + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    next.click();
    this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('[role="tab"][aria-selected="true"]')?.focus());
  }

  private overview(e: Endpoint): TemplateResult {
    const m = this.m;
    return html`
      <div class="card" part="health">
        <h3>${m.health}</h3>
        ${this.stats ? this.health(this.stats) : html`<p class="muted">${m.loading}</p>`}
      </div>
      <div class="card" part="secret">
        <h3>${m.signingSecret}</h3>
        ${this.secret
          ? html`<p><code id="secret-value" part="secret-value">${this.secret}</code></p>
              <button @click=${() => navigator.clipboard?.writeText(this.secret!).then(() => this.say(m.copied))}>${m.copy}</button>
              <button @click=${() => (this.secret = undefined)}>${m.hide}</button>`
          : html`<p class="muted">${m.secretHidden}</p>
              <button @click=${() => this.run(async () => {
                this.secret = (await this.api!.get<{ secret: string }>(`/endpoints/${enc(e.id)}/secret`)).secret;
              })}>${m.reveal}</button>`}
        ${this.canWrite ? this.confirmable("rotate", m.rotate, m.rotate, m.rotateConfirm, () => this.rotate(e), false) : nothing}
      </div>
      ${this.canWrite ? this.testForm(e) : nothing}
      <div class="card" part="verify-sample">
        <h3>${m.verifyTitle}</h3>
        <p class="muted">${m.verifyHelp}</p>
        <label for="sample-lang">${m.language}</label>
        <select id="sample-lang" @change=${(ev: Event) => (this.sampleLang = (ev.target as HTMLSelectElement).value as SampleLanguage)}>
          ${sampleLanguages.map(([k, name]) => html`<option value=${k} ?selected=${k === this.sampleLang}>${name}</option>`)}
        </select>
        <pre tabindex="0" aria-label=${m.verifyTitle}><code>${verifySample(this.sampleLang)}</code></pre>
      </div>
    `;
  }

  private health(s: Stats): TemplateResult {
    const m = this.m;
    const pct = s.success_rate == null || !s.attempts ? "–" : `${(s.success_rate * 100).toFixed(1)} %`;
    const ms = (v: number | undefined) => (v == null || !s.attempts ? "–" : `${Math.round(v)} ms`);
    const max = Math.max(1, ...s.buckets.map((b) => b.succeeded + b.failed));
    const w = 240, h = 48, bw = s.buckets.length ? w / s.buckets.length : w;
    const total = s.buckets.reduce((a, b) => a + b.succeeded + b.failed, 0);
    const failed = s.buckets.reduce((a, b) => a + b.failed, 0);
    return html`<dl class="row" style="gap:1.5rem">
        <div><dt class="muted">${m.successRate}</dt><dd style="margin:0" data-testid="success-rate">${pct}</dd></div>
        <div><dt class="muted">${m.latency} p50</dt><dd style="margin:0">${ms(s.latency_ms?.p50)}</dd></div>
        <div><dt class="muted">${m.latency} p99</dt><dd style="margin:0">${ms(s.latency_ms?.p99)}</dd></div>
      </dl>
      <svg part="chart" role="img" viewBox="0 0 ${w} ${h}" width="100%" height=${h} preserveAspectRatio="none" aria-label=${m.chartLabel(total, failed)}>
        ${s.buckets.map((b, i) => {
          const okH = (b.succeeded / max) * h, failH = (b.failed / max) * h;
          return svg`<rect class="ok-bar" x=${i * bw} y=${h - okH} width=${Math.max(bw - 1, 1)} height=${okH}></rect>
            <rect class="fail-bar" x=${i * bw} y=${h - okH - failH} width=${Math.max(bw - 1, 1)} height=${failH}></rect>`;
        })}
      </svg>
      ${s.last_error ? html`<p><span class="muted">${m.lastError}:</span> <span class="error">${s.last_error}</span></p>` : nothing}`;
  }

  private async loadStats(id: string): Promise<void> {
    this.stats = await this.api!.get<Stats>(`/endpoints/${enc(id)}/stats?window=24h`);
  }

  private async rotate(e: Endpoint): Promise<void> {
    await this.run(async () => {
      this.secret = (await this.api!.request<{ secret: string }>("POST", `/endpoints/${enc(e.id)}/secret/rotate`)).secret;
      this.say(this.m.rotated);
    });
  }

  private testForm(e: Endpoint): TemplateResult {
    const m = this.m;
    const types = e.event_types?.length ? this.eventTypes.filter((t) => e.event_types!.includes(t.name)) : this.eventTypes;
    const example = (name: string) => JSON.stringify(this.eventTypes.find((t) => t.name === name)?.example ?? {}, null, 2);
    return html`<form class="card" part="test-form" @submit=${(ev: SubmitEvent) => this.sendTest(ev, e)}>
      <h3>${m.sendTest}</h3>
      <label for="test-type">${m.eventType}</label>
      <select id="test-type" name="event_type" @change=${(ev: Event) => {
        const ta = this.renderRoot.querySelector<HTMLTextAreaElement>("#test-payload");
        if (ta) ta.value = example((ev.target as HTMLSelectElement).value);
      }}>
        ${types.map((t) => html`<option value=${t.name}>${t.name}</option>`)}
      </select>
      <label for="test-payload">${m.payload}</label>
      <textarea id="test-payload" name="payload" .value=${types[0] ? example(types[0].name) : "{}"} aria-describedby=${this.fieldErrors.payload ? "test-payload-error" : nothing}></textarea>
      ${this.fieldErrors.payload ? html`<div class="field-error" id="test-payload-error">${this.fieldErrors.payload}</div>` : nothing}
      <div class="row" style="margin-top:.5rem"><button class="primary" part="button-primary" type="submit" ?disabled=${this.busy || !types.length}>${m.sendTestButton}</button></div>
    </form>`;
  }

  private async sendTest(ev: SubmitEvent, e: Endpoint): Promise<void> {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    const type = String(f.get("event_type") ?? "");
    let payload: unknown;
    try {
      payload = JSON.parse(String(f.get("payload") || "{}"));
      this.fieldErrors = {};
    } catch {
      this.fieldErrors = { payload: this.m.invalidJSON };
      return;
    }
    await this.run(async () => {
      const r = await this.api!.request<{ message_id: string; delivery_id: string }>("POST", `/endpoints/${enc(e.id)}/test`, { event_type: type, payload });
      this.emit("patchbay:test-sent", { endpoint_id: e.id, event_type: type, message_id: r.message_id, delivery_id: r.delivery_id });
      this.say(this.m.testSent);
    });
  }

  // --- deliveries ---

  private async loadDeliveries(cursor: string, back = false): Promise<void> {
    const e = this.endpoint();
    if (!e) return;
    const f = this.filter;
    const iso = (v: string) => (v ? new Date(v).toISOString() : undefined);
    const page = await this.api!.get<Page<Delivery>>(
      `/endpoints/${enc(e.id)}/deliveries` + Api.query({ event_type: f.event_type, status: f.status, since: iso(f.since), until: iso(f.until), limit: 20, cursor }),
    );
    const cursors = this.deliveries?.cursors ?? [];
    this.deliveries = { ...page, cursors: back ? cursors.slice(0, -1) : cursor ? [...cursors, cursor] : [] };
  }

  private deliveryLog(e: Endpoint): TemplateResult {
    const m = this.m;
    const d = this.deliveries;
    const statusLabel = (s: string) => (s === "succeeded" ? m.succeeded : s === "failed" ? m.failed : m.pending);
    return html`
      <form class="card" part="delivery-filters" @submit=${(ev: SubmitEvent) => {
        ev.preventDefault();
        const f = new FormData(ev.target as HTMLFormElement);
        this.filter = { event_type: String(f.get("event_type")), status: String(f.get("status")), since: String(f.get("since")), until: String(f.get("until")) };
        this.deliveries = undefined;
        void this.run(() => this.loadDeliveries(""));
      }}>
        <h3>${m.filters}</h3>
        <div class="row">
          <div><label for="f-type">${m.eventType}</label>
            <select id="f-type" name="event_type"><option value="">${m.any}</option>
              ${this.eventTypes.map((t) => html`<option value=${t.name} ?selected=${this.filter.event_type === t.name}>${t.name}</option>`)}</select></div>
          <div><label for="f-status">${m.status}</label>
            <select id="f-status" name="status"><option value="">${m.any}</option>
              ${["succeeded", "failed", "pending"].map((s) => html`<option value=${s} ?selected=${this.filter.status === s}>${statusLabel(s)}</option>`)}</select></div>
          <div><label for="f-since">${m.since}</label><input id="f-since" name="since" type="datetime-local" .value=${this.filter.since} /></div>
          <div><label for="f-until">${m.until}</label><input id="f-until" name="until" type="datetime-local" .value=${this.filter.until} /></div>
        </div>
        <div class="row" style="margin-top:.5rem"><button type="submit">${m.apply}</button>
          <button type="button" @click=${() => this.run(() => this.loadDeliveries(d?.cursors.at(-1) ?? ""))}>${m.refresh}</button></div>
      </form>
      ${this.delivery ? this.deliveryDetail(this.delivery) : nothing}
      ${!d
        ? html`<p class="muted" role="status">${m.loading}</p>`
        : d.data.length === 0
          ? html`<p class="muted" role="status">${m.noDeliveries}</p>`
          : html`<div class="table-wrap"><table part="deliveries">
              <caption class="sr-only">${m.deliveries}</caption>
              <thead><tr><th>${m.eventType}</th><th>${m.status}</th><th class="optional">${m.attempts}</th><th class="optional">${m.created}</th><th><span class="sr-only">${m.actions}</span></th></tr></thead>
              <tbody>${d.data.map(
                (x) => html`<tr data-delivery=${x.id}>
                  <td><code>${x.event_type}</code></td>
                  <td><span class="badge ${x.status === "succeeded" ? "ok" : x.status === "failed" ? "error" : ""}">${statusLabel(x.status)}</span>${x.last_status_code ? html` <span class="muted">${x.last_status_code}</span>` : nothing}</td>
                  <td class="optional">${x.attempts}</td>
                  <td class="optional">${when(x.created_at, this.m.lang)}</td>
                  <td><button @click=${() => this.openDelivery(x.id)} aria-label="${m.viewAttempts}: ${x.event_type} ${when(x.created_at, this.m.lang)}">${m.view}</button></td>
                </tr>`,
              )}</tbody></table></div>`}
      <div class="row" style="margin-top:.5rem">
        ${d?.cursors.length ? html`<button @click=${() => this.run(() => this.loadDeliveries(d.cursors.at(-2) ?? "", true))}>${m.previous}</button>` : nothing}
        ${d?.next_cursor ? html`<button @click=${() => this.run(() => this.loadDeliveries(d.next_cursor!))}>${m.next}</button>` : nothing}
      </div>
      ${this.canWrite ? this.recoverForm(e) : nothing}`;
  }

  private async openDelivery(id: string): Promise<void> {
    await this.run(async () => {
      const d = await this.api!.get<Delivery & { attempts: Attempt[] | number }>(`/deliveries/${enc(id)}`);
      const list = Array.isArray(d.attempts) ? d.attempts : [];
      this.delivery = { ...d, attempts: list.length, attempts_detail: list };
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("#delivery-detail h3")?.focus();
    });
  }

  private deliveryDetail(d: Delivery & { attempts_detail: Attempt[] }): TemplateResult {
    const m = this.m;
    const heads = (h: Record<string, string> | undefined) => Object.entries(h ?? {}).map(([k, v]) => `${k}: ${v}\n`).join("");
    const body = (b: unknown) => (b == null ? "" : typeof b === "string" ? b : JSON.stringify(b, null, 2));
    return html`<div class="card" id="delivery-detail" part="delivery-detail">
      <div class="row spread">
        <h3 tabindex="-1">${m.delivery} <code>${d.id}</code></h3>
        <button @click=${() => (this.delivery = undefined)}>${m.close}</button>
      </div>
      <p class="muted">${d.event_type} &middot; ${m.message} <code>${d.message_id}</code></p>
      ${this.canWrite ? html`<button @click=${() => this.resend(d.id)}>${m.resend}</button>` : nothing}
      ${d.attempts_detail.length === 0 ? html`<p class="muted">${m.noAttempts}</p>` : nothing}
      ${d.attempts_detail.map(
        (a, i) => html`<details ?open=${i === d.attempts_detail.length - 1} part="attempt">
          <summary>${m.attempt} ${i + 1}: ${a.status_code ?? a.error ?? "–"} &middot; ${a.duration_ms} ms &middot; ${when(a.started_at, this.m.lang)}</summary>
          ${a.error ? html`<p class="error">${a.error}</p>` : nothing}
          <h4>${m.request}</h4>
          <pre tabindex="0">POST ${a.request?.url}\n${heads(a.request?.headers)}\n${body(a.request?.body)}</pre>
          <h4>${m.response}</h4>
          <pre tabindex="0">${a.status_code ?? ""}\n${heads(a.response?.headers)}\n${body(a.response?.body)}</pre>
        </details>`,
      )}
    </div>`;
  }

  private async resend(id: string): Promise<void> {
    await this.run(async () => {
      await this.api!.request("POST", `/deliveries/${enc(id)}/resend`);
      this.say(this.m.resent);
      await this.loadDeliveries(this.deliveries?.cursors.at(-1) ?? "");
    });
  }

  private recoverForm(e: Endpoint): TemplateResult {
    const m = this.m;
    const r = this.recovery;
    return html`<form class="card" part="recover" @submit=${(ev: SubmitEvent) => this.recover(ev, e)}>
      <h3>${m.recoverTitle}</h3>
      <p class="muted">${m.recoverHelp}</p>
      <label for="recover-since">${m.since}</label>
      <input id="recover-since" name="since" type="datetime-local" required />
      <div class="row" style="margin-top:.5rem"><button type="submit" ?disabled=${this.busy || (r && !isFinished(r))}>${m.recover}</button></div>
      ${r
        ? html`<div role="status" aria-live="polite">
            ${isFinished(r) ? nothing : html`<progress aria-label=${m.recoverTitle}></progress>`}
            ${m.recoverProgress(r.resent)} ${isFinished(r) ? m.done : ""}
          </div>`
        : nothing}
    </form>`;
  }

  private async recover(ev: SubmitEvent, e: Endpoint): Promise<void> {
    ev.preventDefault();
    const since = String(new FormData(ev.target as HTMLFormElement).get("since") ?? "");
    if (!since) return;
    await this.run(async () => {
      this.recovery = await this.api!.request<Recovery>("POST", `/endpoints/${enc(e.id)}/recover`, { since: new Date(since).toISOString() });
      this.pollRecovery(e.id);
    });
  }

  private pollRecovery(endpointID: string): void {
    window.clearTimeout(this.recoveryTimer);
    if (!this.recovery || isFinished(this.recovery)) return;
    this.recoveryTimer = window.setTimeout(async () => {
      const ok = await this.run(async () => {
        this.recovery = await this.api!.get<Recovery>(`/endpoints/${enc(endpointID)}/recoveries/${enc(this.recovery!.id)}`);
      });
      if (ok) this.pollRecovery(endpointID);
    }, 1000);
  }

  // --- settings ---

  private settings(e: Endpoint): TemplateResult {
    const m = this.m;
    if (!this.canWrite) return html`<p class="muted">${m.readOnly}</p>`;
    return html`
      <div class="card">${this.endpointForm(e)}</div>
      <div class="card row">
        <button @click=${() => this.setDisabled(e, !e.disabled)}>${e.disabled ? m.enable : m.disable}</button>
        ${this.confirmable("delete", m.delete, m.delete, m.deleteConfirm, () => this.deleteEndpoint(e))}
      </div>`;
  }

  private async setDisabled(e: Endpoint, disabled: boolean): Promise<void> {
    await this.run(async () => {
      const ep = await this.api!.request<Endpoint>("PATCH", `/endpoints/${enc(e.id)}`, { disabled });
      this.endpoints = this.endpoints.map((x) => (x.id === ep.id ? ep : x));
      this.emit("patchbay:endpoint-updated", { endpoint_id: ep.id, url: ep.url });
      this.say(disabled ? this.m.disabledNotice : this.m.enabledNotice);
    });
  }

  private async deleteEndpoint(e: Endpoint): Promise<void> {
    await this.run(async () => {
      await this.api!.request("DELETE", `/endpoints/${enc(e.id)}`);
      this.endpoints = this.endpoints.filter((x) => x.id !== e.id);
      this.emit("patchbay:endpoint-deleted", { endpoint_id: e.id, url: e.url });
      this.go({ kind: "endpoints" });
      this.say(this.m.deleted);
    });
  }
}

function isFinished(r: Recovery): boolean {
  return r.status !== "running";
}

customElements.define("patchbay-webhooks", PatchbayWebhooks);
