import { html, nothing, type TemplateResult } from "lit";
import { unsafeHTML } from "lit/directives/unsafe-html.js";
import { ApiError, enc, type Page } from "./api.js";
import { Base, when } from "./base.js";
import { asset, emptyContent, icon, normalized, stars, stateBadge, stateLabel, words, type ListingContent, type Listing, type Review, type Stats, type Transition } from "./market.js";

interface App {
  id: string;
  name: string;
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  scopes: string[];
}

type View = { kind: "list" } | { kind: "new" } | { kind: "listing"; id: string };

/** <patchbay-developer>: a developer team's apps and listings, the edit form with preview, submission and the review conversation. */
export class PatchbayDeveloper extends Base {
  static properties = {
    ...Base.properties,
    view: { state: true },
    listings: { state: true },
    apps: { state: true },
    listing: { state: true },
    draft: { state: true },
    preview: { state: true },
    transitions: { state: true },
    reviews: { state: true },
    stats: { state: true },
    problems: { state: true },
    fieldErrors: { state: true },
    newSecret: { state: true },
  };

  private view: View = { kind: "list" };
  private listings: Listing[] = [];
  private apps: App[] = [];
  private listing?: Listing;
  /** draft is the content in the edit form, which the preview shows. */
  private draft: ListingContent = emptyContent();
  private preview = "";
  private transitions: Transition[] = [];
  private reviews: Review[] = [];
  private stats?: Stats;
  private problems: { field: string; detail: string }[] = [];
  private fieldErrors: Record<string, string> = {};
  private newSecret?: { app: string; secret: string };
  private previewTimer?: number;

  protected heading(): string {
    return this.m.developerTitle;
  }

  protected async load(): Promise<void> {
    const [l, a] = await Promise.all([
      this.api!.get<Page<Listing>>("/developer/listings?limit=100"),
      this.api!.get<Page<App>>("/developer/apps?limit=100"),
    ]);
    this.listings = l.data;
    this.apps = a.data;
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearTimeout(this.previewTimer);
  }

  private async go(view: View): Promise<void> {
    this.view = view;
    this.notice = undefined;
    this.confirming = "";
    this.problems = [];
    this.fieldErrors = {};
    await this.run(async () => {
      if (view.kind === "list") await this.load();
      if (view.kind === "listing") await this.loadListing(view.id);
    });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>("h2")?.focus();
  }

  private async loadListing(id: string): Promise<void> {
    const base = `/developer/listings/${enc(id)}`;
    const [l, t, r, s] = await Promise.all([
      this.api!.get<Listing>(base),
      this.api!.get<Page<Transition>>(`${base}/transitions?limit=100`),
      this.api!.get<Page<Review>>(`${base}/reviews?limit=50`),
      this.api!.get<Stats>(`${base}/stats?days=30`),
    ]);
    this.listing = l;
    this.transitions = t.data;
    this.reviews = r.data;
    this.stats = s;
    this.draft = normalized(structuredClone(l.revision?.content ?? l.content));
    this.preview = this.draft.description_html ?? "";
  }

  protected body(): TemplateResult {
    const v = this.view;
    return v.kind === "list" ? this.listView() : v.kind === "new" ? this.newView() : this.listingView();
  }

  // --- the team's listings ---

  private listView(): TemplateResult {
    const m = this.m;
    return html`<section part="developer-listings">
      <div class="row spread">
        <h2 tabindex="-1">${m.yourListings}</h2>
        <button class="primary" part="button-primary" @click=${() => this.go({ kind: "new" })}>${m.newListing}</button>
      </div>
      ${!this.listings.length
        ? html`<p class="muted" role="status">${m.noOwnListings}</p>`
        : html`<div class="table-wrap"><table>
            <thead><tr><th scope="col">${m.fields.name}</th><th scope="col">${m.status}</th><th scope="col" class="optional">${m.version}</th><th scope="col">${m.activeInstalls}</th></tr></thead>
            <tbody>${this.listings.map(
              (l) => html`<tr data-listing=${l.id}>
                <td><button class="link title" @click=${() => this.go({ kind: "listing", id: l.id })}>${(l.revision?.content ?? l.content).name}</button><div class="muted">${l.slug}</div></td>
                <td>${stateBadge(m, l.state)} ${l.revision_state && l.revision_state !== l.state ? html`<div class="muted">${m.revisionState(stateLabel(m, l.revision_state))}</div>` : nothing}</td>
                <td class="optional">${l.version || "—"}</td>
                <td>${l.install_count}</td>
              </tr>`,
            )}</tbody>
          </table></div>`}
    </section>`;
  }

  // --- a new app and listing ---

  private newView(): TemplateResult {
    const m = this.m;
    const err = this.fieldErrors;
    const fe = (f: string) => (err[f] ? html`<div class="field-error" id="nl-${f}-error">${err[f]}</div>` : nothing);
    return html`<section part="new-listing">
      <button class="link" @click=${() => this.go({ kind: "list" })}>&larr; ${m.yourListings}</button>
      <h2 tabindex="-1">${m.newListing}</h2>
      ${this.newSecret
        ? html`<div class="notice" role="status"><p>${m.appCreated(this.newSecret.app)}</p><p>${m.clientSecret}: <code>${this.newSecret.secret}</code></p></div>`
        : nothing}
      ${this.apps.length
        ? html`<form @submit=${this.createListing} novalidate>
            <label for="nl-app">${m.app}</label>
            <select id="nl-app" name="app_id">${this.apps.map((a) => html`<option value=${a.id}>${a.name}</option>`)}</select>
            <label for="nl-slug">${m.slug}</label>
            <input id="nl-slug" name="slug" required pattern="[a-z0-9-]+" aria-describedby="nl-slug-help ${err.slug ? "nl-slug-error" : ""}" aria-invalid=${err.slug ? "true" : "false"} />
            <div class="muted" id="nl-slug-help">${m.slugHelp}</div>${fe("slug")}
            <label for="nl-name">${m.fields.name}</label>
            <input id="nl-name" name="name" required maxlength="60" aria-invalid=${err.name ? "true" : "false"} />${fe("name")}
            <label for="nl-tagline">${m.fields.tagline}</label>
            <input id="nl-tagline" name="tagline" required maxlength="120" aria-invalid=${err.tagline ? "true" : "false"} />${fe("tagline")}
            <label for="nl-developer">${m.developerName}</label>
            <input id="nl-developer" name="developer_name" required aria-invalid=${err.developer_name ? "true" : "false"} />${fe("developer_name")}
            <p><button class="primary" type="submit">${m.createListing}</button></p>
          </form>`
        : html`<p class="muted">${m.noAppsYet}</p>`}
      <details ?open=${!this.apps.length}>
        <summary>${m.newApp}</summary>
        <form @submit=${this.createApp} novalidate>
          <label for="na-name">${m.fields.name}</label>
          <input id="na-name" name="name" required />${fe("app.name")}
          <label for="na-redirect">${m.redirectURI}</label>
          <input id="na-redirect" name="redirect_uri" type="url" required placeholder="https://" />${fe("app.redirect_uris")}
          <label for="na-scopes">${m.scopes}</label>
          <input id="na-scopes" name="scopes" aria-describedby="na-scopes-help" />
          <div class="muted" id="na-scopes-help">${m.scopesHelp}</div>${fe("app.scopes")}
          <p><button type="submit">${m.createApp}</button></p>
        </form>
      </details>
    </section>`;
  }

  private async createApp(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    this.fieldErrors = {};
    await this.run(async () => {
      try {
        const app = await this.api!.request<App>("POST", "/developer/apps", {
          name: String(f.get("name") ?? ""), client_type: "confidential", redirect_uris: words(String(f.get("redirect_uri") ?? "")), scopes: words(String(f.get("scopes") ?? "")),
        });
        this.apps = [...this.apps, app];
        if (app.client_secret) this.newSecret = { app: app.name, secret: app.client_secret };
        (ev.target as HTMLFormElement).reset();
      } catch (e) {
        if (e instanceof ApiError) this.fieldErrors = Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [`app.${k.split("/")[0]}`, v]));
        throw e;
      }
    });
  }

  private async createListing(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    this.fieldErrors = {};
    await this.run(async () => {
      try {
        const l = await this.api!.request<Listing>("POST", "/developer/listings", {
          kind: "app", app_id: String(f.get("app_id")), slug: String(f.get("slug") ?? "").trim(), developer_name: String(f.get("developer_name") ?? ""),
          name: String(f.get("name") ?? ""), tagline: String(f.get("tagline") ?? ""),
        });
        this.newSecret = undefined;
        await this.go({ kind: "listing", id: l.id });
        this.say(this.m.listingCreated);
      } catch (e) {
        if (e instanceof ApiError) this.fieldErrors = Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k.split("/")[0], v]));
        throw e;
      }
    });
  }

  // --- one listing: edit with preview, submit, conversation, installs ---

  private get editable(): boolean {
    const l = this.listing;
    if (!l) return false;
    const s = l.revision?.state ?? l.state;
    return s === "draft" || s === "changes_requested" || (!l.revision && ["published", "suspended", "unlisted"].includes(l.state));
  }

  private listingView(): TemplateResult {
    const m = this.m;
    const l = this.listing;
    if (!l) return html`<p role="status">${m.loading}</p>`;
    const rs = l.revision?.state ?? l.state;
    // The reviewer's note: the revision's, or the last request for changes in the log.
    const note = l.revision?.last_note || [...this.transitions].reverse().find((t) => t.action === "request_changes")?.note;
    return html`<article part="developer-listing" data-listing=${l.id}>
      <button class="link" @click=${() => this.go({ kind: "list" })}>&larr; ${m.yourListings}</button>
      <div class="row spread">
        <h2 tabindex="-1">${this.draft.name || l.slug}</h2>
        <div class="row">${stateBadge(m, l.state)}${rs && rs !== l.state ? html`<span class="muted">${m.revisionState(stateLabel(m, rs))}</span>` : nothing}</div>
      </div>
      ${note && rs === "changes_requested" ? html`<div class="notice error" part="reviewer-note"><strong>${m.reviewerNote}</strong> ${note}</div>` : nothing}
      <div class="row" part="workflow">${this.workflowButtons(l)}</div>
      ${this.problems.length
        ? html`<div class="notice error" role="alert" part="checks"><strong>${m.checksFailed}</strong><ul>${this.problems.map((p) => html`<li><code>${p.field}</code>: ${p.detail}</li>`)}</ul></div>`
        : nothing}
      <div class="columns">
        ${this.editForm(l)}
        <aside part="preview" aria-labelledby="dv-preview">
          <h3 id="dv-preview">${m.preview}</h3>
          <div class="card listing-card">
            <div class="row">${icon(this.draft, this.api!.origin)}<div><strong>${this.draft.name}</strong><div class="muted">${l.developer_name}</div></div></div>
            <p>${this.draft.tagline}</p>
          </div>
          <div class="description">${unsafeHTML(this.preview)}</div>
        </aside>
      </div>
      <section part="installs" aria-labelledby="dv-installs">
        <h3 id="dv-installs">${m.activeInstalls}: ${this.stats?.active_installs ?? l.install_count}</h3>
        ${this.stats?.days?.length
          ? html`<div class="table-wrap"><table><caption class="sr-only">${m.installsPerDay}</caption>
              <thead><tr><th scope="col">${m.date}</th><th scope="col">${m.installsLabel}</th><th scope="col">${m.uninstallsLabel}</th></tr></thead>
              <tbody>${this.stats.days.filter((d) => d.installs || d.uninstalls).slice(-10).map((d) => html`<tr><td>${d.date}</td><td>${d.installs}</td><td>${d.uninstalls}</td></tr>`)}</tbody>
            </table></div>`
          : nothing}
      </section>
      <section part="conversation" aria-labelledby="dv-conv">
        <h3 id="dv-conv">${m.conversation}</h3>
        ${transitionList(m, this.transitions)}
      </section>
      <section part="developer-reviews" aria-labelledby="dv-reviews">
        <h3 id="dv-reviews">${m.reviews}</h3>
        <div>${stars(m, l.rating)}</div>
        <ul class="plain">${this.reviews.map((r) => this.reviewItem(r))}</ul>
      </section>
    </article>`;
  }

  private workflowButtons(l: Listing): TemplateResult[] {
    const m = this.m;
    const s = l.revision?.state ?? l.state;
    const act = (action: string, label: string, primary = false) =>
      html`<button class=${primary ? "primary" : ""} @click=${() => this.transition(l, action)}>${label}</button>`;
    const out: TemplateResult[] = [];
    if (s === "draft" || s === "changes_requested") out.push(html`<button @click=${() => this.check(l)}>${m.runChecks}</button>`, act("submit", m.submitForReview, true));
    if (s === "submitted") out.push(act("withdraw", m.withdraw));
    if (s === "approved") out.push(act("publish", m.publish, true));
    if (l.state === "published" && !l.revision) out.push(act("unlist", m.unlist));
    if (l.state === "unlisted") out.push(act("relist", m.relist));
    return out;
  }

  private async check(l: Listing): Promise<void> {
    await this.run(async () => {
      const c = await this.api!.get<{ ok: boolean; problems: { field: string; detail: string }[] }>(`/developer/listings/${enc(l.id)}/checks`);
      this.problems = c.problems ?? [];
      if (c.ok) this.say(this.m.checksPassed);
    });
  }

  private async transition(l: Listing, action: string): Promise<void> {
    this.problems = [];
    await this.run(async () => {
      try {
        await this.api!.request<Listing>("POST", `/developer/listings/${enc(l.id)}/transitions`, { action, note: "" });
      } catch (e) {
        if (e instanceof ApiError && e.code === "checks_failed") this.problems = Object.entries(e.fields).map(([field, detail]) => ({ field, detail }));
        throw e;
      }
      await this.loadListing(l.id);
      this.emit("patchbay:listing-changed", { listing_id: l.id, action });
      this.say(this.m.transitionDone(stateLabel(this.m, this.listing?.revision?.state ?? this.listing?.state ?? "")));
    });
  }

  private editForm(l: Listing): TemplateResult {
    const m = this.m;
    const d = this.draft;
    const err = this.fieldErrors;
    const ro = !this.editable;
    const field = (name: keyof ListingContent & string, label: string, type = "text", help = "") => html`
      <label for="dv-${name}">${label}</label>
      <input id="dv-${name}" name=${name} type=${type} ?readonly=${ro} .value=${String(d[name] ?? "")}
        aria-invalid=${err[name] ? "true" : "false"} aria-describedby=${err[name] ? `dv-${name}-error` : help ? `dv-${name}-help` : nothing}
        @input=${(e: InputEvent) => this.setDraft({ [name]: (e.target as HTMLInputElement).value } as Partial<ListingContent>)} />
      ${help ? html`<div class="muted" id="dv-${name}-help">${help}</div>` : nothing}
      ${err[name] ? html`<div class="field-error" id="dv-${name}-error">${err[name]}</div>` : nothing}`;
    const listField = (name: "categories" | "tags" | "languages", label: string, help: string) => html`
      <label for="dv-${name}">${label}</label>
      <input id="dv-${name}" name=${name} ?readonly=${ro} .value=${d[name].join(", ")} aria-describedby="dv-${name}-help ${err[name] ? `dv-${name}-error` : ""}"
        aria-invalid=${err[name] ? "true" : "false"} @change=${(e: Event) => this.setDraft({ [name]: words((e.target as HTMLInputElement).value) } as Partial<ListingContent>)} />
      <div class="muted" id="dv-${name}-help">${help}</div>
      ${err[name] ? html`<div class="field-error" id="dv-${name}-error">${err[name]}</div>` : nothing}`;
    return html`<form part="edit-form" class="grow" @submit=${(e: SubmitEvent) => this.save(e, l)} novalidate>
      <h3>${m.editListing}</h3>
      ${ro ? html`<p class="muted">${m.lockedWhileReviewed}</p>` : nothing}
      ${field("name", m.fields.name)} ${field("tagline", m.fields.tagline)}
      <label for="dv-description">${m.fields.description}</label>
      <textarea id="dv-description" name="description" ?readonly=${ro} .value=${d.description} aria-describedby="dv-description-help"
        @input=${(e: InputEvent) => {
          this.setDraft({ description: (e.target as HTMLTextAreaElement).value });
          this.schedulePreview();
        }}></textarea>
      <div class="muted" id="dv-description-help">${m.markdownHelp}</div>
      ${err.description ? html`<div class="field-error">${err.description}</div>` : nothing}
      <label for="dv-icon">${m.fields.icon_url}</label>
      <div class="row">${icon(d, this.api!.origin)}<input id="dv-icon" type="file" accept="image/png,image/webp,image/svg+xml" ?disabled=${ro} @change=${(e: Event) => this.upload(e, l, "icon")} /></div>
      <fieldset><legend>${m.screenshots}</legend>
        ${d.screenshots.map(
          (s, i) => html`<div class="row shot-row"><img src=${asset(s.url, this.api!.origin)} alt="" width="80" />
            <input aria-label=${m.captionN(i + 1)} ?readonly=${ro} .value=${s.caption ?? ""} style="max-width:20rem"
              @input=${(e: InputEvent) => this.setDraft({ screenshots: d.screenshots.map((x, j) => (j === i ? { ...x, caption: (e.target as HTMLInputElement).value } : x)) })} />
            <button type="button" ?disabled=${ro} @click=${() => this.setDraft({ screenshots: d.screenshots.filter((_, j) => j !== i) })}>${m.remove}<span class="sr-only"> ${m.screenshotN(i + 1)}</span></button></div>`,
        )}
        ${d.screenshots.length < 6 && !ro
          ? html`<label for="dv-shot">${m.addScreenshot}</label><input id="dv-shot" type="file" accept="image/png,image/webp,image/svg+xml" @change=${(e: Event) => this.upload(e, l, "screenshot")} />`
          : nothing}
      </fieldset>
      ${listField("categories", m.fields.categories, m.categoriesHelp)} ${listField("tags", m.fields.tags, m.tagsHelp)}
      ${field("website_url", m.fields.website_url, "url")} ${field("support_url", m.fields.support_url, "url")}
      ${field("support_email", m.fields.support_email, "email")} ${field("privacy_url", m.fields.privacy_url, "url")}
      ${field("terms_url", m.fields.terms_url, "url")} ${field("install_url", m.fields.install_url, "url", m.installURLHelp)}
      ${field("pricing", m.fields.pricing)}
      ${listField("languages", m.languages, m.languagesHelp)}
      ${l.data_access?.length
        ? html`<fieldset part="justifications"><legend>${m.fields.scope_justifications}</legend>
            ${l.data_access.map(
              (a) => html`<label for="dv-just-${a.scope}">${a.description || a.scope} <code class="muted">${a.scope}</code></label>
                <input id="dv-just-${a.scope}" ?readonly=${ro} .value=${d.scope_justifications?.[a.scope] ?? ""}
                  @input=${(e: InputEvent) => this.setDraft({ scope_justifications: { ...d.scope_justifications, [a.scope]: (e.target as HTMLInputElement).value } })} />`,
            )}
          </fieldset>`
        : nothing}
      ${ro ? nothing : html`<p><button class="primary" type="submit" part="button-primary">${m.save}</button></p>`}
    </form>`;
  }

  private setDraft(patch: Partial<ListingContent>): void {
    this.draft = { ...this.draft, ...patch };
  }

  // The preview is rendered by Patchbay's own Markdown renderer, so what the
  // developer sees is what the directory will show; at most one request per 400 ms of typing.
  private schedulePreview(): void {
    window.clearTimeout(this.previewTimer);
    this.previewTimer = window.setTimeout(async () => {
      try {
        this.preview = (await this.api!.request<{ html: string }>("POST", "/preview/markdown", { markdown: this.draft.description })).html;
      } catch {
        // the preview is a convenience; saving reports problems
      }
    }, 400);
  }

  private async upload(ev: Event, l: Listing, what: "icon" | "screenshot"): Promise<void> {
    const input = ev.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    await this.run(async () => {
      const { url } = await this.api!.request<{ url: string }>("POST", `/developer/listings/${enc(l.id)}/images`, file, file.type || "application/octet-stream");
      if (what === "icon") this.setDraft({ icon_url: url });
      else this.setDraft({ screenshots: [...this.draft.screenshots, { url, caption: "" }] });
      this.say(this.m.uploaded);
    });
    input.value = "";
  }

  private async save(ev: SubmitEvent, l: Listing): Promise<void> {
    ev.preventDefault();
    this.fieldErrors = {};
    const { description_html: _html, ...content } = this.draft;
    await this.run(async () => {
      try {
        this.listing = await this.api!.request<Listing>("PATCH", `/developer/listings/${enc(l.id)}`, content);
      } catch (e) {
        if (e instanceof ApiError) this.fieldErrors = Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k.split("/")[0], v]));
        throw e;
      }
      await this.loadListing(l.id);
      this.emit("patchbay:listing-changed", { listing_id: l.id, action: "save" });
      this.say(this.m.saved);
    });
  }

  private reviewItem(r: Review): TemplateResult {
    const m = this.m;
    return html`<li part="review" data-review=${r.id}>
      <div class="row">${stars(m, { average: r.rating, count: 1, distribution: {} })}<strong>${r.user_name || m.anonymous}</strong>
        <span class="muted">${when(r.created_at, m.lang)}</span>${r.hidden ? html`<span class="badge error">${m.hiddenReview}</span>` : nothing}</div>
      <p>${r.body}</p>
      ${r.reply
        ? html`<blockquote class="reply"><strong>${m.yourReply}</strong><p>${r.reply.body}</p></blockquote>`
        : html`<form class="row" @submit=${(e: SubmitEvent) => this.reply(e, r)}>
            <label class="sr-only" for="reply-${r.id}">${m.replyTo(r.user_name || m.anonymous)}</label>
            <input id="reply-${r.id}" name="body" required placeholder=${m.replyPlaceholder} style="max-width:28rem" />
            <button type="submit">${m.reply}</button>
          </form>`}
    </li>`;
  }

  private async reply(ev: SubmitEvent, r: Review): Promise<void> {
    ev.preventDefault();
    const body = String(new FormData(ev.target as HTMLFormElement).get("body") ?? "").trim();
    if (!body) return;
    await this.run(async () => {
      const updated = await this.api!.request<Review>("PUT", `/developer/listings/${enc(r.listing_id)}/reviews/${enc(r.id)}/reply`, { body });
      this.reviews = this.reviews.map((x) => (x.id === r.id ? updated : x));
      this.say(this.m.replySaved);
    });
  }
}

/** transitionList is a listing's workflow log: who did what, when, with the note. */
export function transitionList(m: import("./i18n.js").Messages, list: Transition[]): TemplateResult {
  if (!list.length) return html`<p class="muted">${m.noTransitions}</p>`;
  return html`<ol class="plain conversation" part="transitions">
    ${list.map(
      (t) => html`<li data-action=${t.action}>
        <div><strong>${t.actor_name || t.actor_id || m.actors[t.actor_type] || t.actor_type}</strong> <span class="muted">(${m.actors[t.actor_type] ?? t.actor_type})</span>
          &middot; ${m.workflowActions[t.action as keyof typeof m.workflowActions] ?? t.action} &middot; ${stateLabel(m, t.to_state)}
          <span class="muted">&middot; ${when(t.created_at, m.lang)} &middot; ${m.revisionN(t.revision)}</span></div>
        ${t.note ? html`<p class="note">${t.note}</p>` : nothing}
      </li>`,
    )}
  </ol>`;
}

customElements.define("patchbay-developer", PatchbayDeveloper);
