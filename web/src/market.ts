// What the marketplace components share: the API's objects
// (/work/contracts/marketplace.md, docs/marketplace.md) and small pieces of UI.
import { html, nothing, type TemplateResult } from "lit";
import type { Messages } from "./i18n.js";

export type ListingState = "draft" | "submitted" | "in_review" | "changes_requested" | "approved" | "published" | "suspended" | "unlisted";

export interface Screenshot {
  url: string;
  caption?: string;
}

export interface ListingContent {
  name: string;
  tagline: string;
  description: string;
  /** Rendered by Patchbay from description: no raw HTML, links rel=noopener nofollow. */
  description_html?: string;
  icon_url: string;
  screenshots: Screenshot[];
  categories: string[];
  tags: string[];
  website_url: string;
  support_url: string;
  support_email: string;
  privacy_url: string;
  terms_url: string;
  /** Where installing an app starts, when not at Patchbay's authorize endpoint. */
  install_url?: string;
  pricing: string;
  languages: string[];
  scope_justifications: Record<string, string>;
}

export interface Revision {
  number: number;
  state: ListingState;
  content: ListingContent;
  created_at: string;
  updated_at: string;
  submitted_at?: string | null;
  decided_at?: string | null;
  last_note?: string;
}

export interface Installation {
  id: string;
  listing_id: string;
  listing_slug: string;
  listing_name: string;
  kind: "app" | "integration";
  tenant_id: string;
  user_id: string;
  version: number;
  scopes: string[];
  status: "pending" | "active" | "uninstalled";
  installed_by?: string;
  installed_at?: string | null;
  uninstalled_at?: string | null;
  created_at: string;
}

export interface Rating {
  average: number;
  count: number;
  distribution: Record<string, number>;
}

export interface Listing {
  id: string;
  slug: string;
  kind: "app" | "integration";
  app_id?: string;
  integration_id?: string;
  team_id: string;
  developer_name: string;
  state: ListingState;
  revision_state: ListingState | "";
  version: number;
  content: ListingContent;
  revision?: Revision | null;
  data_access: { scope: string; description?: string; justification?: string }[];
  install_count: number;
  rating: Rating;
  installed?: boolean;
  installation?: Installation | null;
  created_at: string;
  updated_at: string;
  published_at?: string | null;
}

export interface Review {
  id: string;
  listing_id: string;
  user_name?: string;
  rating: number;
  body: string;
  mine?: boolean;
  reply?: { body: string; created_at: string } | null;
  hidden: boolean;
  hidden_reason?: string;
  created_at: string;
  updated_at: string;
}

export interface Transition {
  id: string;
  revision: number;
  action: string;
  from_state: string;
  to_state: string;
  actor_type: "admin" | "reviewer" | "developer";
  actor_name?: string;
  actor_id?: string;
  note?: string;
  created_at: string;
}

export interface Category {
  slug: string;
  name: string;
  description?: string;
  listing_count?: number;
}

export interface Stats {
  active_installs: number;
  days: { date: string; installs: number; uninstalls: number }[];
}

/**
 * asset is the URL of an image Patchbay serves (/assets/…, as listings
 * store them) on Patchbay's origin, for a component on the SaaS's page.
 */
export function asset(url: string, origin: string): string {
  try {
    return new URL(url, origin).href;
  } catch {
    return "";
  }
}

/** icon is a listing's icon, or its initial on the accent colour; decoration beside the name. */
export function icon(c: Pick<ListingContent, "icon_url" | "name">, origin: string, size = 48): TemplateResult {
  return c.icon_url
    ? html`<img class="icon" src=${asset(c.icon_url, origin)} alt="" width=${size} height=${size} />`
    : html`<span class="icon monogram" aria-hidden="true" style="width:${size}px;height:${size}px">${initial(c.name)}</span>`;
}

export function initial(name: string): string {
  const ch = [...(name ?? "")].find((c) => /[\p{L}\p{N}]/u.test(c));
  return ch ? ch.toUpperCase() : "?";
}

/** stars shows a rating as five stars, with its number in words for screen readers. */
export function stars(m: Messages, r: Rating | undefined): TemplateResult {
  if (!r || !r.count) return html`<span class="muted">${m.noRatings}</span>`;
  const full = Math.round(r.average);
  return html`<span class="stars" role="img" aria-label=${m.ratedOf(r.average.toFixed(1), r.count)}
    >${"★".repeat(full)}${"☆".repeat(5 - full)} <span aria-hidden="true">${r.average.toFixed(1)} (${r.count})</span></span
  >`;
}

export function stateLabel(m: Messages, s: string): string {
  return (m.states as Record<string, string>)[s] ?? s;
}

export function stateBadge(m: Messages, s: string): TemplateResult | typeof nothing {
  if (!s) return nothing;
  const tone = s === "published" || s === "approved" ? "ok" : s === "changes_requested" || s === "suspended" ? "error" : "";
  return html`<span class="badge ${tone}" part="state">${stateLabel(m, s)}</span>`;
}

/** A line of a diff: unchanged, removed from the old text or added in the new. */
export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

/** diffLines is a line diff of a and b by their longest common subsequence (texts are at most a few hundred lines). */
export function diffLines(a: string, b: string): DiffLine[] {
  const x = a === "" ? [] : a.split("\n");
  const y = b === "" ? [] : b.split("\n");
  const n = x.length;
  const w = y.length;
  // lcs[i][j] is the length of the LCS of x[i:] and y[j:].
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(w + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = w - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < w) {
    if (x[i] === y[j]) {
      out.push({ op: " ", text: x[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ op: "-", text: x[i++] });
    else out.push({ op: "+", text: y[j++] });
  }
  while (i < n) out.push({ op: "-", text: x[i++] });
  while (j < w) out.push({ op: "+", text: y[j++] });
  return out;
}

/** contentFields are the fields of ListingContent a reviewer compares, as text. */
export function contentFields(c: ListingContent | undefined): [string, string][] {
  if (!c) return [];
  const list = (v: string[] | undefined) => (v ?? []).join(", ");
  return [
    ["name", c.name],
    ["tagline", c.tagline],
    ["description", c.description],
    ["icon_url", c.icon_url],
    ["screenshots", (c.screenshots ?? []).map((s) => `${s.url} ${s.caption ?? ""}`.trim()).join("\n")],
    ["categories", list(c.categories)],
    ["tags", list(c.tags)],
    ["website_url", c.website_url],
    ["support_url", c.support_url],
    ["support_email", c.support_email],
    ["privacy_url", c.privacy_url],
    ["terms_url", c.terms_url],
    ["install_url", c.install_url ?? ""],
    ["pricing", c.pricing],
    ["languages", list(c.languages)],
    ["scope_justifications", Object.entries(c.scope_justifications ?? {}).map(([k, v]) => `${k}: ${v}`).join("\n")],
  ];
}

/** diffView shows what changed from before to after, field by field; unchanged fields are left out. */
export function diffView(m: Messages, before: ListingContent | undefined, after: ListingContent | undefined): TemplateResult {
  const old = new Map(contentFields(before));
  const changed = contentFields(after).filter(([k, v]) => (old.get(k) ?? "") !== (v ?? ""));
  if (!changed.length) return html`<p class="muted" part="diff">${m.noChanges}</p>`;
  return html`<dl class="diff" part="diff">
    ${changed.map(
      ([k, v]) => html`<dt>${(m.fields as Record<string, string>)[k] ?? k}</dt>
        <dd><pre>${diffLines(old.get(k) ?? "", v ?? "").map(
          (l) => html`<span class=${l.op === "+" ? "add" : l.op === "-" ? "del" : ""}><span class="sr-only">${l.op === "+" ? m.added : l.op === "-" ? m.removed : ""}</span><span aria-hidden="true">${l.op} </span>${l.text}
</span>`,
        )}</pre></dd>`,
    )}
  </dl>`;
}

/** normalized is c with every list and map present (the API may send null for an empty one). */
export function normalized(c: ListingContent): ListingContent {
  const e = emptyContent();
  return {
    ...e, ...c,
    screenshots: c.screenshots ?? [], categories: c.categories ?? [], tags: c.tags ?? [], languages: c.languages ?? [],
    scope_justifications: c.scope_justifications ?? {},
  };
}

/** emptyContent is the content of a new listing. */
export function emptyContent(): ListingContent {
  return {
    name: "", tagline: "", description: "", icon_url: "", screenshots: [], categories: [], tags: [], website_url: "", support_url: "",
    support_email: "", privacy_url: "", terms_url: "", pricing: "", languages: [], scope_justifications: {},
  };
}

/** words splits a comma- or space-separated list. */
export function words(s: string): string[] {
  return s.split(/[\s,]+/).map((w) => w.trim()).filter(Boolean);
}
