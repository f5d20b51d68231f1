// The test page's app: sdk/react's <Webhooks> mounted through React, its
// callbacks recorded in window.reactEvents, and a button that changes its
// lang prop, as a host app re-rendering with new props would.
import { createElement as h, useState } from "react";
import { createRoot } from "react-dom/client";
import { Webhooks } from "../../../sdk/react/src/index.tsx";

window.reactEvents = [];
const record = (name) => (detail) => window.reactEvents.push({ name, detail });

function App({ token }) {
  const [lang, setLang] = useState("en");
  return h("div", null,
    h("button", { type: "button", id: "lang", onClick: () => setLang(lang === "en" ? "de" : "en") }, lang === "en" ? "Deutsch" : "English"),
    h(Webhooks, {
      token,
      lang,
      className: "portal",
      style: { display: "block", maxWidth: "60rem" },
      onEndpointCreated: record("onEndpointCreated"),
      onEndpointUpdated: record("onEndpointUpdated"),
      onTestSent: record("onTestSent"),
      onError: record("onError"),
    }));
}

const token = new URLSearchParams(location.search).get("token") ?? "";
createRoot(document.getElementById("root")).render(h(App, { token }));
