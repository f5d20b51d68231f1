// React wrappers for Patchbay's web components. They render the custom
// element, pass the token and options as attributes, and turn the
// components' DOM events into typed callback props. The host page must load
// patchbay.js (from your Patchbay, see docs/embed.md), which defines the elements.
import { createElement, useEffect, useRef, type CSSProperties } from "react";
import type {
  AppRevokedEventDetail,
  ConnectionEventDetail,
  EndpointEventDetail,
  ErrorEventDetail,
  InstallEventDetail,
  ListingChangedEventDetail,
  PatchbayEventMap,
  PatchbayTheme,
  TestSentEventDetail,
} from "./patchbay";

export type * from "./patchbay";

/** Props every component takes. */
export interface CommonProps {
  /** The embed token your backend minted for the signed-in user. */
  token: string;
  /** Message language, e.g. "en" or "de"; default the browser's. */
  lang?: string;
  /** Colour scheme; default the branding's, else the system's. */
  theme?: PatchbayTheme;
  /** Patchbay's base URL; default the origin patchbay.js came from. */
  apiBase?: string;
  className?: string;
  style?: CSSProperties;
  onError?: (detail: ErrorEventDetail) => void;
}

export interface WebhooksProps extends CommonProps {
  onEndpointCreated?: (detail: EndpointEventDetail) => void;
  onEndpointUpdated?: (detail: EndpointEventDetail) => void;
  onEndpointDeleted?: (detail: EndpointEventDetail) => void;
  onTestSent?: (detail: TestSentEventDetail) => void;
}

export interface ConnectionsProps extends CommonProps {
  onConnected?: (detail: ConnectionEventDetail) => void;
  onDisconnected?: (detail: ConnectionEventDetail) => void;
}

export interface AuthorizedAppsProps extends CommonProps {
  onAppRevoked?: (detail: AppRevokedEventDetail) => void;
}

export interface MarketplaceProps extends CommonProps {
  onInstalled?: (detail: InstallEventDetail) => void;
  onUninstalled?: (detail: InstallEventDetail) => void;
}

export interface DeveloperProps extends CommonProps {
  onListingChanged?: (detail: ListingChangedEventDetail) => void;
}

type Handlers = Partial<{ [K in keyof PatchbayEventMap]: (detail: PatchbayEventMap[K]["detail"]) => void }>;

function usePatchbayElement(tag: string, props: CommonProps, handlers: Handlers) {
  const ref = useRef<HTMLElement>(null);
  // Handlers change identity on every render; listen once per element and
  // call whatever the latest props hold.
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const names = Object.keys({
      "patchbay:endpoint-created": 0,
      "patchbay:endpoint-updated": 0,
      "patchbay:endpoint-deleted": 0,
      "patchbay:test-sent": 0,
      "patchbay:connected": 0,
      "patchbay:disconnected": 0,
      "patchbay:app-revoked": 0,
      "patchbay:installed": 0,
      "patchbay:uninstalled": 0,
      "patchbay:listing-changed": 0,
      "patchbay:error": 0,
    } satisfies Record<keyof PatchbayEventMap, 0>) as (keyof PatchbayEventMap)[];
    const listener = (ev: Event) => {
      const fn = latest.current[ev.type as keyof PatchbayEventMap] as ((d: unknown) => void) | undefined;
      fn?.((ev as CustomEvent).detail);
    };
    names.forEach((n) => el.addEventListener(n, listener));
    return () => names.forEach((n) => el.removeEventListener(n, listener));
  }, []);
  return createElement(tag, {
    ref,
    token: props.token,
    lang: props.lang,
    theme: props.theme,
    "api-base": props.apiBase,
    className: props.className,
    style: props.style,
  });
}

/** Webhooks is <patchbay-webhooks>: the customer's webhook portal. */
export function Webhooks(p: WebhooksProps) {
  return usePatchbayElement("patchbay-webhooks", p, {
    "patchbay:endpoint-created": p.onEndpointCreated,
    "patchbay:endpoint-updated": p.onEndpointUpdated,
    "patchbay:endpoint-deleted": p.onEndpointDeleted,
    "patchbay:test-sent": p.onTestSent,
    "patchbay:error": p.onError,
  });
}

/** Connections is <patchbay-connections>: connectors and this user's connections. */
export function Connections(p: ConnectionsProps) {
  return usePatchbayElement("patchbay-connections", p, {
    "patchbay:connected": p.onConnected,
    "patchbay:disconnected": p.onDisconnected,
    "patchbay:error": p.onError,
  });
}

/** AuthorizedApps is <patchbay-authorized-apps>: OAuth apps this user authorized, and revoking them. */
export function AuthorizedApps(p: AuthorizedAppsProps) {
  return usePatchbayElement("patchbay-authorized-apps", p, {
    "patchbay:app-revoked": p.onAppRevoked,
    "patchbay:error": p.onError,
  });
}

/** Marketplace is <patchbay-marketplace>: the directory, listings, install and uninstall. */
export function Marketplace(p: MarketplaceProps) {
  return usePatchbayElement("patchbay-marketplace", p, {
    "patchbay:installed": p.onInstalled,
    "patchbay:uninstalled": p.onUninstalled,
    "patchbay:error": p.onError,
  });
}

/** Developer is <patchbay-developer>: a developer team's listings, their review and install counts. */
export function Developer(p: DeveloperProps) {
  return usePatchbayElement("patchbay-developer", p, {
    "patchbay:listing-changed": p.onListingChanged,
    "patchbay:error": p.onError,
  });
}
