import { html, nothing, type TemplateResult } from "lit";
import { unsafeHTML } from "lit/directives/unsafe-html.js";
import { Api, enc, type Page } from "./api.js";
import { Base, when } from "./base.js";
import { asset, icon, stars, type Category, type Installation, type Listing, type Review } from "./market.js";

type View = { kind: "directory" } | { kind: "listing"; slug: string } | { kind: "installed" };

interface Query {
  q: string;
  category: string;
  kind: string;
  sort: string;
  /** installed is "true", "false" or "" (either). */
  installed: string;
}

/** <patchbay-marketplace>: the directory of apps and integrations, a listing's page, install, uninstall and reviews. */
export class PatchbayMarketplace extends Base {
  static properties = {
    ...Base.properties,
    view: { state: true },
    results: { state: true },
    categories: { state: true },
    listing: { state: true },
    reviews: { state: true },
    installations: { state: true },
    query: { state: true },
    editing: { state: true },
    pending: { state: true },
  };

  private view: View = { kind: "directory" };
  private results?: Page<Listing>;
  /** cursors are the cursors of the pages before this one, for "previous page". */
  private cursors: string[] = [];
  private cursor = "";
  private categories: Category[] = [];
  private listing?: Listing;
  private reviews: Review[] = [];
  private installations: Installation[] = [];
  private query: Query = { q: "", category: "", kind: "", sort: "relevance", installed: "" };
  /** editing is true while the user's review form is open. */
  private editing = false;
  /** pending is the slug whose install window is open. */
  private pending = "";
  private popupTimer?: number;

  protected heading(): string {
    return this.m.marketplaceTitle;
  }

  protected async load(): Promise<void> {
    const [cats] = await Promise.all([this.api!.get<Page<Category>>("/marketplace/categories?limit=100"), this.search("")]);
    this.categories = cats.data;
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    window.clearInterval(this.popupTimer);
  }

  private async search(cursor: string): Promise<void> {
    const q = this.query;
    this.results = await this.api!.get<Page<Listing>>(
      "/marketplace/listings" + Api.query({ q: q.q, category: q.category, kind: q.kind, installed: q.installed, sort: q.q || q.sort !== "relevance" ? q.sort : "popular", limit: 12, cursor }),
    );
    this.cursor = cursor;
  }

  private async go(view: View): Promise<void> {
    this.view = view;
    this.notice = undefined;
    this.confirming = "";
    this.editing = false;
    await this.run(async () => {
      if (view.kind === "listing") await this.loadListing(view.slug);
      if (view.kind === "installed") this.installations = (await this.api!.get<Page<Installation>>("/marketplace/installations?limit=100")).data;
      if (view.kind === "directory" && !this.results) await this.search("");
    });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>("h2")?.focus();
  }

  private async loadListing(slug: string): Promise<void> {
    const [l, r] = await Promise.all([
      this.api!.get<Listing>(`/marketplace/listings/${enc(slug)}`),
      this.api!.get<Page<Review>>(`/marketplace/listings/${enc(slug)}/reviews?limit=50`),
    ]);
    this.listing = l;
    this.reviews = r.data;
  }

  protected body(): TemplateResult {
    const m = this.m;
    const v = this.view;
    return html`<nav aria-label=${m.marketplaceTitle} class="row" part="nav">
        <button aria-current=${v.kind !== "installed" ? "page" : "false"} @click=${() => this.go({ kind: "directory" })}>${m.browse}</button>
        <button aria-current=${v.kind === "installed" ? "page" : "false"} @click=${() => this.go({ kind: "installed" })}>${m.installedTab}</button>
      </nav>
      ${v.kind === "directory" ? this.directory() : v.kind === "installed" ? this.installedView() : this.listingView()}`;
  }

  // --- directory ---

  private submitSearch(ev: SubmitEvent): void {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    const v = (k: string) => String(f.get(k) ?? "");
    this.query = { q: v("q"), category: v("category"), kind: v("kind"), sort: v("sort") || "relevance", installed: v("installed") };
    this.cursors = [];
    void this.run(() => this.search(""));
  }

  private directory(): TemplateResult {
    const m = this.m;
    const q = this.query;
    const r = this.results;
    return html`<section part="directory">
      <h2 tabindex="-1" class="sr-only">${m.browse}</h2>
      <form role="search" class="filters" part="search" @submit=${this.submitSearch}>
        <div class="grow"><label for="mk-q">${m.searchLabel}</label><input id="mk-q" name="q" type="search" .value=${q.q} /></div>
        <div><label for="mk-category">${m.category}</label>
          <select id="mk-category" name="category" .value=${q.category}>
            <option value="">${m.allCategories}</option>
            ${this.categories.map((c) => html`<option value=${c.slug} ?selected=${c.slug === q.category}>${c.name}</option>`)}
          </select></div>
        <div><label for="mk-kind">${m.kindLabel}</label>
          <select id="mk-kind" name="kind">
            <option value="">${m.allKinds}</option>
            <option value="app" ?selected=${q.kind === "app"}>${m.kindApp}</option>
            <option value="integration" ?selected=${q.kind === "integration"}>${m.kindIntegration}</option>
          </select></div>
        <div><label for="mk-installed">${m.show}</label>
          <select id="mk-installed" name="installed">
            <option value="">${m.everything}</option>
            <option value="false" ?selected=${q.installed === "false"}>${m.notInstalledYet}</option>
            <option value="true" ?selected=${q.installed === "true"}>${m.installedTab}</option>
          </select></div>
        <div><label for="mk-sort">${m.sortLabel}</label>
          <select id="mk-sort" name="sort">
            ${(["relevance", "popular", "rating", "newest"] as const).map((s) => html`<option value=${s} ?selected=${q.sort === s}>${m.sorts[s]}</option>`)}
          </select></div>
        <button class="primary" part="button-primary" type="submit">${m.search}</button>
      </form>
      ${!r
        ? html`<p role="status">${m.loading}</p>`
        : !r.data.length
          ? html`<p class="muted" role="status">${m.noListings}</p>`
          : html`<ul class="cards" part="listings" aria-label=${m.results}>
              ${r.data.map((l) => this.card(l))}
            </ul>`}
      ${r && (this.cursors.length || r.next_cursor)
        ? html`<div class="row" part="paging">
            <button ?disabled=${!this.cursors.length} @click=${() => this.run(() => this.search(this.cursors.pop() ?? ""))}>${m.previous}</button>
            <button ?disabled=${!r.next_cursor} @click=${() => {
              this.cursors = [...this.cursors, this.cursor];
              return this.run(() => this.search(r.next_cursor!));
            }}>${m.next}</button>
          </div>`
        : nothing}
    </section>`;
  }

  private card(l: Listing): TemplateResult {
    const m = this.m;
    const c = l.content;
    return html`<li class="card listing-card" part="listing-card" data-slug=${l.slug}>
      <div class="row">
        ${icon(c, this.api!.origin)}
        <div class="grow">
          <h3><button class="link title" @click=${() => this.go({ kind: "listing", slug: l.slug })}>${c.name}</button></h3>
          <div class="muted">${l.developer_name}</div>
        </div>
      </div>
      <p>${c.tagline}</p>
      <div class="row muted">
        ${stars(m, l.rating)} <span>${m.installs(l.install_count)}</span>
        ${l.installed ? html`<span class="badge ok">${m.installedBadge}</span>` : nothing}
      </div>
    </li>`;
  }

  // --- a listing's page ---

  private listingView(): TemplateResult {
    const m = this.m;
    const l = this.listing;
    if (!l) return html`<p role="status">${m.loading}</p>`;
    const c = l.content;
    const active = l.installation?.status === "active";
    return html`<article part="listing" data-slug=${l.slug}>
      <button class="link" @click=${() => this.go({ kind: "directory" })}>&larr; ${m.backToDirectory}</button>
      <div class="row spread listing-head">
        <div class="row">
          ${icon(c, this.api!.origin, 64)}
          <div>
            <h2 tabindex="-1">${c.name}</h2>
            <div class="muted">${m.by(l.developer_name)} &middot; ${l.kind === "app" ? m.kindApp : m.kindIntegration}</div>
            <div class="row muted">${stars(m, l.rating)} <span>${m.installs(l.install_count)}</span></div>
          </div>
        </div>
        <div class="row">
          ${active
            ? html`<span class="badge ok">${m.installedBadge}</span>
                ${this.confirmable("uninstall", html`${m.uninstall}<span class="sr-only"> ${c.name}</span>`, m.uninstall, m.uninstallConfirm(c.name), () => this.uninstall({ id: l.id, slug: l.slug, name: c.name }))}`
            : html`<button class="primary" part="button-primary" ?disabled=${!!this.pending} @click=${() => this.install(l)}>${this.pending ? m.installing : m.install}<span class="sr-only"> ${c.name}</span></button>`}
        </div>
      </div>
      <p class="tagline">${c.tagline}</p>
      ${c.screenshots?.length
        ? html`<ul class="shots" part="screenshots" aria-label=${m.screenshots}>
            ${c.screenshots.map((s, i) => html`<li><figure><img src=${asset(s.url, this.api!.origin)} alt=${s.caption || m.screenshotN(i + 1)} loading="lazy" />${s.caption ? html`<figcaption class="muted">${s.caption}</figcaption>` : nothing}</figure></li>`)}
          </ul>`
        : nothing}
      <div class="columns">
        <div class="description" part="description">${unsafeHTML(c.description_html ?? "")}</div>
        <aside>
          <h3>${m.dataAccess}</h3>
          ${l.data_access?.length
            ? html`<ul part="data-access">${l.data_access.map((d) => html`<li><strong>${d.description || d.scope}</strong> <code class="muted">${d.scope}</code>${d.justification ? html`<div class="muted">${m.why} ${d.justification}</div>` : nothing}</li>`)}</ul>`
            : html`<p class="muted">${m.noDataAccess}</p>`}
          <h3>${m.developer}</h3>
          <p>${l.developer_name || this.session?.branding?.product_name || ""}</p>
          <ul class="plain links">
            ${c.website_url ? html`<li><a href=${c.website_url} target="_blank" rel="noopener nofollow">${m.website}</a></li>` : nothing}
            ${c.support_url ? html`<li><a href=${c.support_url} target="_blank" rel="noopener nofollow">${m.support}</a></li>` : nothing}
            ${c.support_email ? html`<li><a href="mailto:${c.support_email}">${c.support_email}</a></li>` : nothing}
            ${c.privacy_url ? html`<li><a href=${c.privacy_url} target="_blank" rel="noopener nofollow">${m.privacy}</a></li>` : nothing}
            ${c.terms_url ? html`<li><a href=${c.terms_url} target="_blank" rel="noopener nofollow">${m.terms}</a></li>` : nothing}
          </ul>
          ${c.pricing ? html`<h3>${m.pricing}</h3><p>${c.pricing}</p>` : nothing}
          ${c.languages?.length ? html`<h3>${m.languages}</h3><p>${c.languages.join(", ")}</p>` : nothing}
          ${c.categories?.length ? html`<h3>${m.category}</h3><p>${c.categories.map((s) => this.categories.find((x) => x.slug === s)?.name ?? s).join(", ")}</p>` : nothing}
        </aside>
      </div>
      ${this.reviewsSection(l)}
    </article>`;
  }

  private reviewsSection(l: Listing): TemplateResult {
    const m = this.m;
    const r = l.rating;
    const mine = this.reviews.find((x) => x.mine);
    const canReview = l.installation?.status === "active";
    return html`<section part="reviews" aria-labelledby="mk-reviews">
      <h3 id="mk-reviews">${m.reviews}</h3>
      <div class="row">${stars(m, r)}</div>
      ${r?.count
        ? html`<table class="distribution" part="distribution"><caption class="sr-only">${m.distribution}</caption>
            <tbody>${[5, 4, 3, 2, 1].map((n) => {
              const count = r.distribution?.[String(n)] ?? 0;
              return html`<tr><th scope="row">${m.starsN(n)}</th><td class="bar-cell"><span class="bar" style="width:${r.count ? Math.round((100 * count) / r.count) : 0}%"></span></td><td>${count}</td></tr>`;
            })}</tbody>
          </table>`
        : nothing}
      ${canReview && !this.editing
        ? html`<button @click=${async () => {
            this.editing = true;
            await this.updateComplete;
            this.renderRoot.querySelector<HTMLInputElement>("#rv-rating input:checked, #rv-rating input")?.focus();
          }}>${mine ? m.editReview : m.writeReview}</button>`
        : nothing}
      ${this.editing ? this.reviewForm(l, mine) : nothing}
      <ul class="plain" part="review-list">
        ${this.reviews.map(
          (x) => html`<li part="review">
            <div class="row">${stars(m, { average: x.rating, count: 1, distribution: {} })}<strong>${x.user_name || m.anonymous}</strong>
              <span class="muted">${when(x.updated_at || x.created_at, m.lang)}</span>${x.mine ? html`<span class="badge">${m.yourReview}</span>` : nothing}</div>
            <p class="review-body">${x.body}</p>
            ${x.reply ? html`<blockquote class="reply"><strong>${m.replyFrom(l.developer_name)}</strong><p>${x.reply.body}</p></blockquote>` : nothing}
          </li>`,
        )}
      </ul>
    </section>`;
  }

  private reviewForm(l: Listing, mine?: Review): TemplateResult {
    const m = this.m;
    return html`<form part="review-form" @submit=${(ev: SubmitEvent) => this.saveReview(ev, l)}>
      <fieldset id="rv-rating"><legend>${m.yourRating}</legend>
        ${[1, 2, 3, 4, 5].map((n) => html`<label><input type="radio" name="rating" value=${n} required ?checked=${mine?.rating === n} />${m.starsN(n)}</label>`)}
      </fieldset>
      <label for="rv-body">${m.yourReview}</label>
      <textarea id="rv-body" name="body" maxlength="2000" .value=${mine?.body ?? ""}></textarea>
      <div class="row">
        <button class="primary" type="submit">${m.publishReview}</button>
        <button type="button" @click=${() => (this.editing = false)}>${m.cancel}</button>
      </div>
    </form>`;
  }

  private async saveReview(ev: SubmitEvent, l: Listing): Promise<void> {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    const rating = Number(f.get("rating"));
    if (!rating) {
      this.notice = { text: this.m.ratingRequired, error: true };
      return;
    }
    await this.run(async () => {
      await this.api!.request("PUT", `/marketplace/listings/${enc(l.slug)}/review`, { rating, body: String(f.get("body") ?? "") });
      this.editing = false;
      await this.loadListing(l.slug);
      this.say(this.m.reviewSaved);
    });
  }

  // --- install and uninstall ---

  private async install(l: Listing): Promise<void> {
    // Open the window in the click's turn, so that popup blockers let it through.
    const popup = window.open("", "patchbay-install", "popup,width=520,height=720");
    const ok = await this.run(async () => {
      // The connect page tells this page (the request's Origin) when it is done; the watch below sees it either way.
      const res = await this.api!.request<{ kind: string; url: string }>("POST", `/marketplace/listings/${enc(l.slug)}/install`, {});
      if (!popup) {
        location.assign(res.url); // popups blocked: the flow ends on the app's or the SaaS's page
        return;
      }
      popup.location.href = res.url;
      this.pending = l.slug;
      this.say(this.m.installStarted(l.content.name));
      this.watchInstall(l, popup);
    });
    if (!ok || !this.pending) popup?.close();
  }

  // The install window ends on the app's own page (OAuth) or on Patchbay's
  // connect page; either way the listing reports the installation once it
  // is active. Checked every 2 s while the window is open, and once when it
  // closes; at most 10 minutes.
  private watchInstall(l: Listing, popup: Window): void {
    window.clearInterval(this.popupTimer);
    const started = Date.now();
    let checking = false;
    this.popupTimer = window.setInterval(async () => {
      if (checking) return;
      checking = true;
      try {
        const closed = popup.closed;
        const fresh = await this.api!.get<Listing>(`/marketplace/listings/${enc(l.slug)}`).catch(() => undefined);
        const active = fresh?.installation?.status === "active";
        if (active || closed || Date.now() - started > 600_000) {
          window.clearInterval(this.popupTimer);
          this.pending = "";
          if (this.view.kind === "listing" && this.view.slug === l.slug) await this.run(() => this.loadListing(l.slug));
          if (active && fresh?.installation) {
            this.emit("patchbay:installed", { listing_id: l.id, slug: l.slug, installation_id: fresh.installation.id });
            this.say(this.m.installedNotice(l.content.name));
          } else {
            this.notice = { text: this.m.installNotFinished, error: true };
          }
        }
      } finally {
        checking = false;
      }
    }, 2000);
  }

  private async uninstall(l: Pick<Listing, "id" | "slug"> & { name: string }): Promise<void> {
    await this.run(async () => {
      const ins = await this.api!.request<Installation>("POST", `/marketplace/listings/${enc(l.slug)}/uninstall`, {});
      this.emit("patchbay:uninstalled", { listing_id: l.id, slug: l.slug, installation_id: ins.id });
      if (this.view.kind === "listing") await this.loadListing(l.slug);
      if (this.view.kind === "installed") this.installations = this.installations.filter((i) => i.listing_slug !== l.slug);
      this.say(this.m.uninstalledNotice(l.name));
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("h2")?.focus();
    });
  }

  private installedView(): TemplateResult {
    const m = this.m;
    return html`<section part="installed">
      <h2 tabindex="-1">${m.installedTab}</h2>
      ${!this.installations.length
        ? html`<p class="muted" role="status">${m.nothingInstalled}</p>`
        : html`<ul class="plain">
            ${this.installations.map(
              (i) => html`<li class="row spread" part="installation" data-slug=${i.listing_slug}>
                <div>
                  <button class="link title" @click=${() => this.go({ kind: "listing", slug: i.listing_slug })}>${i.listing_name}</button>
                  <div class="muted">${m.installedOn(when(i.installed_at ?? i.created_at, m.lang))}${i.scopes?.length ? html` &middot; ${i.scopes.join(", ")}` : nothing}</div>
                </div>
                ${this.confirmable(i.id, html`${m.uninstall}<span class="sr-only"> ${i.listing_name}</span>`, m.uninstall, m.uninstallConfirm(i.listing_name), () =>
                  this.uninstall({ id: i.listing_id, slug: i.listing_slug, name: i.listing_name }),
                )}
              </li>`,
            )}
          </ul>`}
    </section>`;
  }
}

customElements.define("patchbay-marketplace", PatchbayMarketplace);
