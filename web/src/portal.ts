// Hosted pages (/portal/…) carry the embed token in the URL fragment, which
// browsers never send to a server. It is taken out of the address bar at
// once, before anything else runs, so it stays out of history, bookmarks and
// Referer headers too, and handed to the page's component.
export function mountPortal(): void {
  if (!document.documentElement.hasAttribute("data-patchbay-portal")) return;
  const params = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, "", location.pathname + location.search);
  const token = params.get("token");
  const el = document.querySelector<HTMLElement & { token: string }>("patchbay-webhooks, patchbay-connections, patchbay-authorized-apps");
  if (el && token) el.token = token;
}
