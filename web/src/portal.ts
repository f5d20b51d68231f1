// Hosted pages (/portal/…) carry the embed token in the URL fragment, which
// browsers never send to a server. It is taken out of the address bar at
// once, before anything else runs, so it stays out of history, bookmarks and
// Referer headers too, and handed to the page's component.
//
// The review console (/admin/marketplace) is such a page too when opened
// with #token=…; without one, the operator signs in with an admin key on
// the page itself and the component uses that session (its csrf attribute).
export function mountPortal(): void {
  const portal = document.documentElement.hasAttribute("data-patchbay-portal");
  const console = document.querySelector<HTMLElement & { token: string }>("patchbay-review-console[data-console]");
  if (!portal && !console) return;
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  if (console) {
    if (!token) return;
    document.getElementById("console-signin")?.remove();
    console.hidden = false;
    console.token = token;
    return;
  }
  const el = document.querySelector<HTMLElement & { token: string }>(
    "patchbay-webhooks, patchbay-connections, patchbay-authorized-apps, patchbay-marketplace, patchbay-developer",
  );
  if (el && token) el.token = token;
}
