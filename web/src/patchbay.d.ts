// Public types of Patchbay's web components: their attributes, properties and
// the DOM events they dispatch. The bundle's own code imports these, so they
// cannot drift from what it does. Copied to dist/patchbay.d.ts by the build.

/** Colour scheme: follow the branding, force one, or follow the system. */
export type PatchbayTheme = "light" | "dark" | "auto";

/** Attributes (and properties of the same names) every component accepts. */
export interface PatchbayElementAttributes {
  /** The embed token (pbe_…) minted by the SaaS's backend for one user. */
  token?: string;
  /** Message language ("en", "de"); default navigator.language. */
  lang?: string;
  /** Colour scheme; default the branding's theme, else "auto". */
  theme?: PatchbayTheme;
  /** Patchbay's base URL; default the origin patchbay.js was loaded from. */
  "api-base"?: string;
}

export interface EndpointEventDetail {
  endpoint_id: string;
  url: string;
}
export interface TestSentEventDetail {
  endpoint_id: string;
  event_type: string;
  message_id: string;
  delivery_id: string;
}
export interface ConnectionEventDetail {
  integration_id: string;
  connection_id?: string;
}
export interface AppRevokedEventDetail {
  app_id: string;
}
export interface InstallEventDetail {
  listing_id: string;
  slug: string;
  installation_id: string;
}
export interface ListingChangedEventDetail {
  listing_id: string;
  /** save, or the workflow action taken: submit, withdraw, publish, approve, request_changes, suspend, … */
  action: string;
}
export interface ErrorEventDetail {
  /** HTTP status, 0 for a network failure. */
  status: number;
  /** token_expired, token_revoked, token_invalid, capability_missing, origin_not_allowed, network, … */
  code: string;
  message: string;
}

/** Every event a component dispatches; all bubble and cross shadow roots (composed). */
export interface PatchbayEventMap {
  "patchbay:endpoint-created": CustomEvent<EndpointEventDetail>;
  "patchbay:endpoint-updated": CustomEvent<EndpointEventDetail>;
  "patchbay:endpoint-deleted": CustomEvent<EndpointEventDetail>;
  "patchbay:test-sent": CustomEvent<TestSentEventDetail>;
  "patchbay:connected": CustomEvent<ConnectionEventDetail>;
  "patchbay:disconnected": CustomEvent<ConnectionEventDetail>;
  "patchbay:app-revoked": CustomEvent<AppRevokedEventDetail>;
  "patchbay:installed": CustomEvent<InstallEventDetail>;
  "patchbay:uninstalled": CustomEvent<InstallEventDetail>;
  "patchbay:listing-changed": CustomEvent<ListingChangedEventDetail>;
  "patchbay:error": CustomEvent<ErrorEventDetail>;
}

/** The properties the components share. */
export interface PatchbayElement extends HTMLElement {
  token: string;
  theme: PatchbayTheme | "";
  apiBase: string;
  addEventListener<K extends keyof PatchbayEventMap>(
    type: K,
    listener: (this: PatchbayElement, ev: PatchbayEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

/** <patchbay-webhooks>: the customer's webhook portal. */
export interface PatchbayWebhooksElement extends PatchbayElement {}
/** <patchbay-connections>: connectors and this user's connections. */
export interface PatchbayConnectionsElement extends PatchbayElement {}
/** <patchbay-authorized-apps>: OAuth apps this user authorized in this team. */
export interface PatchbayAuthorizedAppsElement extends PatchbayElement {}
/** <patchbay-marketplace>: the directory, listing pages, install and uninstall, reviews (capability marketplace). */
export interface PatchbayMarketplaceElement extends PatchbayElement {}
/** <patchbay-developer>: a developer team's apps and listings, editing, submission (capability developer). */
export interface PatchbayDeveloperElement extends PatchbayElement {}
/** <patchbay-review-console>: the operator's review console (capability marketplace:review). */
export interface PatchbayReviewConsoleElement extends PatchbayElement {}

declare global {
  interface HTMLElementTagNameMap {
    "patchbay-webhooks": PatchbayWebhooksElement;
    "patchbay-connections": PatchbayConnectionsElement;
    "patchbay-authorized-apps": PatchbayAuthorizedAppsElement;
    "patchbay-marketplace": PatchbayMarketplaceElement;
    "patchbay-developer": PatchbayDeveloperElement;
    "patchbay-review-console": PatchbayReviewConsoleElement;
  }
  interface HTMLElementEventMap extends PatchbayEventMap {}
}
