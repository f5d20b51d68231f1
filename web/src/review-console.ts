import { html, nothing, type TemplateResult } from "lit";
import { unsafeHTML } from "lit/directives/unsafe-html.js";
import { Api, enc, type Page } from "./api.js";
import { Base, when } from "./base.js";
import { transitionList } from "./developer.js";
import { diffView, icon, stateBadge, stateLabel, type Listing, type ListingContent, type Revision, type Review, type Transition } from "./market.js";

type View = { kind: "queue" } | { kind: "listing"; id: string };

/** The queue's filters: what a reviewer looks at. */
const queues = {
  review: "submitted,in_review",
  approved: "approved",
  published: "published",
  suspended: "suspended",
  changes: "changes_requested",
} as const;

/**
 * <patchbay-review-console>: the operator's marketplace review console: the
 * queue, a listing's changes between revisions, approve / request changes /
 * suspend with a note, and hiding reviews. Served at /admin/marketplace, it
 * authenticates with an embed token granting marketplace:review, or with the
 * operator's console session (csrf attribute, set by that page).
 */
export class PatchbayReviewConsole extends Base {
  static properties = {
    ...Base.properties,
    view: { state: true },
    queue: { state: true },
    filter: { state: true },
    listing: { state: true },
    revisions: { state: true },
    transitions: { state: true },
    reviews: { state: true },
    compare: { state: true },
    noteError: { state: true },
  };

  protected sessionBase = "/admin/marketplace/api";
  private view: View = { kind: "queue" };
  private queue?: Page<Listing>;
  private cursors: string[] = [];
  private cursor = "";
  private filter: keyof typeof queues = "review";
  private listing?: Listing;
  private revisions: Revision[] = [];
  private transitions: Transition[] = [];
  private reviews: Review[] = [];
  /** compare is the revision number the working content is compared with; 0 is the live content. */
  private compare = 0;
  private noteError = "";

  protected heading(): string {
    return this.m.consoleTitle;
  }

  protected async load(): Promise<void> {
    await this.loadQueue("");
  }

  private async loadQueue(cursor: string): Promise<void> {
    this.queue = await this.api!.get<Page<Listing>>("/marketplace/review/listings" + Api.query({ state: queues[this.filter], limit: 25, cursor }));
    this.cursor = cursor;
  }

  private async go(view: View): Promise<void> {
    this.view = view;
    this.notice = undefined;
    this.noteError = "";
    await this.run(async () => {
      if (view.kind === "queue") await this.loadQueue(this.cursor);
      else await this.loadListing(view.id);
    });
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>("h2")?.focus();
  }

  private async loadListing(id: string): Promise<void> {
    const base = `/marketplace/review/listings/${enc(id)}`;
    const [l, revs, t, r] = await Promise.all([
      this.api!.get<Listing>(base),
      this.api!.get<Page<Revision>>(`${base}/revisions?limit=100`),
      this.api!.get<Page<Transition>>(`${base}/transitions?limit=100`),
      this.api!.get<Page<Review>>(`${base}/reviews?limit=50`),
    ]);
    this.listing = l;
    this.revisions = revs.data;
    this.transitions = t.data;
    this.reviews = r.data;
    // Compare the working revision with what is live; before the first
    // publication, with the revision before it (if any).
    const current = l.revision?.number ?? 0;
    this.compare = l.version > 0 ? 0 : (this.revisions.find((x) => x.number < current)?.number ?? -1);
  }

  protected body(): TemplateResult {
    return this.view.kind === "queue" ? this.queueView() : this.listingView();
  }

  private queueView(): TemplateResult {
    const m = this.m;
    const q = this.queue;
    return html`<section part="queue">
      <div class="row spread">
        <h2 tabindex="-1">${m.reviewQueue}</h2>
        <div><label for="rc-filter" class="inline">${m.show}</label>
          <select id="rc-filter" @change=${(e: Event) => {
            this.filter = (e.target as HTMLSelectElement).value as keyof typeof queues;
            this.cursors = [];
            void this.run(() => this.loadQueue(""));
          }}>
            ${Object.keys(queues).map((k) => html`<option value=${k} ?selected=${k === this.filter}>${m.queues[k as keyof typeof queues]}</option>`)}
          </select></div>
      </div>
      ${!q
        ? html`<p role="status">${m.loading}</p>`
        : !q.data.length
          ? html`<p class="muted" role="status">${m.queueEmpty}</p>`
          : html`<div class="table-wrap"><table part="queue-table">
              <thead><tr><th scope="col">${m.fields.name}</th><th scope="col">${m.developer}</th><th scope="col">${m.status}</th><th scope="col" class="optional">${m.updated}</th></tr></thead>
              <tbody>${q.data.map(
                (l) => html`<tr data-listing=${l.id}>
                  <td><button class="link title" @click=${() => this.go({ kind: "listing", id: l.id })}>${(l.revision?.content ?? l.content).name}</button>
                    <div class="muted">${l.slug} &middot; ${l.kind === "app" ? m.kindApp : m.kindIntegration}</div></td>
                  <td>${l.developer_name}<div class="muted">${l.team_id}</div></td>
                  <td>${stateBadge(m, l.state)}${l.revision_state && l.revision_state !== l.state ? html`<div class="muted">${m.revisionState(stateLabel(m, l.revision_state))}</div>` : nothing}</td>
                  <td class="optional">${when(l.revision?.submitted_at ?? l.updated_at, m.lang)}</td>
                </tr>`,
              )}</tbody>
            </table></div>`}
      ${q && (this.cursors.length || q.next_cursor)
        ? html`<div class="row">
            <button ?disabled=${!this.cursors.length} @click=${() => this.run(() => this.loadQueue(this.cursors.pop() ?? ""))}>${m.previous}</button>
            <button ?disabled=${!q.next_cursor} @click=${() => {
              this.cursors = [...this.cursors, this.cursor];
              return this.run(() => this.loadQueue(q.next_cursor!));
            }}>${m.next}</button>
          </div>`
        : nothing}
    </section>`;
  }

  private listingView(): TemplateResult {
    const m = this.m;
    const l = this.listing;
    if (!l) return html`<p role="status">${m.loading}</p>`;
    const working = l.revision?.content ?? l.content;
    const before: ListingContent | undefined = this.compare === 0 ? (l.version > 0 ? l.content : undefined) : this.revisions.find((r) => r.number === this.compare)?.content;
    return html`<article part="review-listing" data-listing=${l.id}>
      <button class="link" @click=${() => this.go({ kind: "queue" })}>&larr; ${m.reviewQueue}</button>
      <div class="row spread">
        <div class="row">${icon(working, this.api!.origin)}<div><h2 tabindex="-1">${working.name}</h2>
          <div class="muted">${l.slug} &middot; ${m.by(l.developer_name)} (${l.team_id || "—"}) &middot; ${l.kind === "app" ? m.kindApp : m.kindIntegration}</div></div></div>
        <div class="row">${stateBadge(m, l.state)}${l.revision ? html`<span class="muted">${m.revisionN(l.revision.number)}: ${stateLabel(m, l.revision.state)}</span>` : nothing}</div>
      </div>
      <p>${m.liveVersion(l.version)} &middot; ${m.installs(l.install_count)}</p>
      ${this.actions(l)}
      <section part="changes" aria-labelledby="rc-changes">
        <div class="row spread">
          <h3 id="rc-changes">${m.changes}</h3>
          <div><label for="rc-compare" class="inline">${m.compareWith}</label>
            <select id="rc-compare" @change=${(e: Event) => (this.compare = Number((e.target as HTMLSelectElement).value))}>
              ${l.version > 0 ? html`<option value="0" ?selected=${this.compare === 0}>${m.liveContent}</option>` : html`<option value="-1" ?selected=${this.compare === -1}>${m.nothingBefore}</option>`}
              ${this.revisions.filter((r) => r.number !== l.revision?.number).map((r) => html`<option value=${r.number} ?selected=${this.compare === r.number}>${m.revisionN(r.number)} (${stateLabel(m, r.state)})</option>`)}
            </select></div>
        </div>
        ${diffView(m, before, working)}
      </section>
      <section aria-labelledby="rc-data">
        <h3 id="rc-data">${m.dataAccess}</h3>
        ${l.data_access?.length
          ? html`<ul>${l.data_access.map((d) => html`<li><code>${d.scope}</code> ${d.description ?? ""} — ${working.scope_justifications?.[d.scope] || d.justification || html`<strong class="error">${m.noJustification}</strong>`}</li>`)}</ul>`
          : html`<p class="muted">${m.noDataAccess}</p>`}
      </section>
      <details><summary>${m.renderedDescription}</summary><div class="description">${unsafeHTML(working.description_html ?? "")}</div></details>
      <section part="history" aria-labelledby="rc-history">
        <h3 id="rc-history">${m.conversation}</h3>
        ${transitionList(m, this.transitions)}
      </section>
      <section part="console-reviews" aria-labelledby="rc-reviews">
        <h3 id="rc-reviews">${m.reviews}</h3>
        ${!this.reviews.length ? html`<p class="muted">${m.noReviews}</p>` : nothing}
        <ul class="plain">${this.reviews.map(
          (r) => html`<li data-review=${r.id}>
            <div class="row"><strong>${r.user_name || m.anonymous}</strong> <span>${m.starsN(r.rating)}</span>${r.hidden ? html`<span class="badge error">${m.hiddenReview}</span> <span class="muted">${r.hidden_reason}</span>` : nothing}</div>
            <p>${r.body}</p>
            ${r.hidden
              ? nothing
              : html`<form class="row" @submit=${(e: SubmitEvent) => this.hide(e, r)}>
                  <label class="sr-only" for="hide-${r.id}">${m.hideReason}</label>
                  <input id="hide-${r.id}" name="reason" required placeholder=${m.hideReason} style="max-width:20rem" />
                  <button type="submit">${m.hideReview}</button>
                </form>`}
          </li>`,
        )}</ul>
      </section>
    </article>`;
  }

  private actions(l: Listing): TemplateResult {
    const m = this.m;
    const rs = l.revision?.state ?? (l.version === 0 ? l.state : "");
    const buttons: [string, string, boolean][] = []; // action, label, needs a note
    if (rs === "submitted") buttons.push(["start_review", m.workflowActions.start_review, false]);
    if (rs === "submitted" || rs === "in_review") buttons.push(["approve", m.workflowActions.approve, false], ["request_changes", m.workflowActions.request_changes, true]);
    if (rs === "approved") buttons.push(["publish", m.workflowActions.publish, false]);
    if (l.state === "published" || l.state === "unlisted") buttons.push(["suspend", m.workflowActions.suspend, true]);
    if (l.state === "suspended") buttons.push(["reinstate", m.workflowActions.reinstate, false]);
    if (!buttons.length) return html`<p class="muted">${m.nothingToDecide}</p>`;
    return html`<form part="decision" class="card" @submit=${(e: SubmitEvent) => e.preventDefault()}>
      <label for="rc-note">${m.noteLabel}</label>
      <textarea id="rc-note" name="note" aria-describedby="rc-note-help ${this.noteError ? "rc-note-error" : ""}" aria-invalid=${this.noteError ? "true" : "false"}></textarea>
      <div class="muted" id="rc-note-help">${m.noteHelp}</div>
      ${this.noteError ? html`<div class="field-error" id="rc-note-error" role="alert">${this.noteError}</div>` : nothing}
      <div class="row">
        ${buttons.map(([action, label, needsNote]) => html`<button type="button" data-action=${action}
          class=${action === "approve" || action === "publish" ? "primary" : action === "suspend" || action === "request_changes" ? "danger" : ""}
          @click=${() => this.decide(l, action, needsNote)}>${label}</button>`)}
      </div>
    </form>`;
  }

  private async decide(l: Listing, action: string, needsNote: boolean): Promise<void> {
    const area = this.renderRoot.querySelector<HTMLTextAreaElement>("#rc-note");
    const note = area?.value.trim() ?? "";
    if (needsNote && !note) {
      this.noteError = this.m.noteRequired;
      area?.focus();
      return;
    }
    this.noteError = "";
    await this.run(async () => {
      await this.api!.request<Listing>("POST", `/marketplace/review/listings/${enc(l.id)}/transitions`, { action, note });
      if (area) area.value = "";
      await this.loadListing(l.id);
      this.emit("patchbay:listing-changed", { listing_id: l.id, action });
      this.say(this.m.transitionDone(stateLabel(this.m, this.listing?.revision?.state ?? this.listing?.state ?? "")));
    });
  }

  private async hide(ev: SubmitEvent, r: Review): Promise<void> {
    ev.preventDefault();
    const reason = String(new FormData(ev.target as HTMLFormElement).get("reason") ?? "").trim();
    if (!reason) return;
    await this.run(async () => {
      const updated = await this.api!.request<Review>("POST", `/marketplace/review/reviews/${enc(r.id)}/hide`, { body: reason });
      this.reviews = this.reviews.map((x) => (x.id === r.id ? updated : x));
      this.say(this.m.reviewHidden);
    });
  }
}

customElements.define("patchbay-review-console", PatchbayReviewConsole);
