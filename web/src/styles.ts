import { css } from "lit";

// The shared look. Everything a host page may want to change is a custom
// property (--pb-*) or a ::part; the defaults meet WCAG AA in both schemes.
export const styles = css`
  :host {
    --pb-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    --pb-radius: 8px;
    --pb-space: 1rem;
    --pb-accent: #1d4ed8;
    --pb-on-accent: #ffffff;
    /* Each colour is light-dark(light, dark); the scheme picks one. */
    --pb-bg: light-dark(#ffffff, #18181b);
    --pb-surface: light-dark(#f6f7f9, #232327);
    --pb-text: light-dark(#1d1d1f, #f4f4f5);
    --pb-muted: light-dark(#52525b, #b4b4bb);
    --pb-border: light-dark(#c9ccd1, #4a4a52);
    --pb-danger: light-dark(#b91c1c, #f87171);
    --pb-success: light-dark(#15803d, #4ade80);
    --pb-focus: light-dark(#1d4ed8, #93c5fd);
    display: block;
    font-family: var(--pb-font);
    font-size: 15px;
    line-height: 1.5;
    color: var(--pb-text);
    background: var(--pb-bg);
    color-scheme: light;
    container-type: inline-size;
  }
  :host([data-scheme="dark"]) { color-scheme: dark; }
  :host([data-scheme="auto"]) { color-scheme: light dark; }
  * { box-sizing: border-box; }
  .root { padding: var(--pb-space); }
  header { display: flex; align-items: center; gap: calc(var(--pb-space) / 2); margin-bottom: var(--pb-space); flex-wrap: wrap; }
  header img { width: 32px; height: 32px; border-radius: 6px; object-fit: contain; }
  h1 { font-size: 1.25rem; margin: 0; }
  h2 { font-size: 1.1rem; margin: var(--pb-space) 0 calc(var(--pb-space) / 2); }
  h3 { font-size: 1rem; margin: calc(var(--pb-space) / 2) 0; }
  p { margin: 0.25rem 0 0.5rem; }
  .muted { color: var(--pb-muted); font-size: 0.9em; }
  .card { border: 1px solid var(--pb-border); border-radius: var(--pb-radius); padding: var(--pb-space); margin-bottom: var(--pb-space); background: var(--pb-bg); }
  .row { display: flex; gap: calc(var(--pb-space) / 2); flex-wrap: wrap; align-items: center; }
  .spread { justify-content: space-between; }
  button, .button {
    font: inherit; padding: 0.45rem 0.9rem; border-radius: var(--pb-radius); border: 1px solid var(--pb-border);
    background: var(--pb-surface); color: var(--pb-text); cursor: pointer; min-height: 2.25rem; text-decoration: none; display: inline-block;
  }
  button.primary { background: var(--pb-accent); color: var(--pb-on-accent); border-color: var(--pb-accent); }
  button.danger { color: var(--pb-danger); border-color: var(--pb-danger); background: transparent; }
  button.link { border: none; background: none; color: inherit; text-decoration: underline; padding: 0.2rem; min-height: 0; }
  button:disabled { opacity: 0.6; cursor: default; }
  :focus-visible { outline: 3px solid var(--pb-focus); outline-offset: 2px; }
  label { display: block; font-weight: 600; margin: 0.6rem 0 0.2rem; }
  fieldset { border: 1px solid var(--pb-border); border-radius: var(--pb-radius); margin: 0.6rem 0; }
  fieldset label { display: inline-flex; gap: 0.35rem; font-weight: 400; margin: 0.2rem 0.8rem 0.2rem 0; }
  legend { font-weight: 600; }
  input, select, textarea {
    font: inherit; color: var(--pb-text); background: var(--pb-bg); border: 1px solid var(--pb-border);
    border-radius: calc(var(--pb-radius) / 2); padding: 0.4rem; width: 100%; max-width: 40rem;
  }
  input[type="checkbox"] { width: auto; }
  textarea { font-family: ui-monospace, monospace; min-height: 6rem; }
  .field-error, .error { color: var(--pb-danger); }
  .ok { color: var(--pb-success); }
  pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; }
  pre { background: var(--pb-surface); border-radius: calc(var(--pb-radius) / 2); padding: 0.6rem; overflow: auto; max-height: 20rem; white-space: pre-wrap; word-break: break-all; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.4rem; border-bottom: 1px solid var(--pb-border); vertical-align: top; }
  .table-wrap { overflow-x: auto; }
  [role="tablist"] { display: flex; gap: 0.25rem; border-bottom: 1px solid var(--pb-border); margin-bottom: var(--pb-space); flex-wrap: wrap; }
  [role="tab"] { border: none; border-bottom: 3px solid transparent; border-radius: 0; background: none; }
  [role="tab"][aria-selected="true"] { border-bottom-color: var(--pb-accent); font-weight: 600; }
  .badge { display: inline-block; font-size: 0.8em; padding: 0.05rem 0.5rem; border-radius: 999px; border: 1px solid currentColor; }
  .notice { border-left: 4px solid var(--pb-accent); background: var(--pb-surface); padding: 0.5rem 0.75rem; margin-bottom: var(--pb-space); }
  .notice.error { border-left-color: var(--pb-danger); }
  ul.plain { list-style: none; padding: 0; margin: 0; }
  ul.plain > li { border-bottom: 1px solid var(--pb-border); padding: 0.6rem 0; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .grow { flex: 1 1 12rem; min-width: 0; }
  .filters { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-end; margin-bottom: var(--pb-space); }
  .filters label { margin-top: 0; }
  label.inline { display: inline; margin-right: 0.4rem; }
  select { width: auto; }
  .cards { list-style: none; padding: 0; margin: 0 0 var(--pb-space); display: grid; gap: var(--pb-space); grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
  .cards .card { margin: 0; }
  .listing-card h3 { margin: 0; }
  button.title { font-weight: 600; font-size: 1rem; text-align: left; padding: 0; }
  .icon { width: 48px; height: 48px; border-radius: 10px; object-fit: contain; flex: none; }
  .monogram { display: inline-flex; align-items: center; justify-content: center; background: var(--pb-accent); color: var(--pb-on-accent); font-weight: 700; font-size: 1.2rem; }
  .stars { color: var(--pb-text); letter-spacing: 0.05em; }
  .tagline { font-size: 1.05rem; }
  .columns { display: flex; flex-wrap: wrap; gap: calc(var(--pb-space) * 1.5); align-items: flex-start; }
  .columns > * { flex: 1 1 20rem; min-width: 0; }
  .columns > aside { flex: 0 1 18rem; }
  .description { overflow-wrap: anywhere; }
  .description img { max-width: 100%; }
  .shots { list-style: none; padding: 0; display: flex; gap: var(--pb-space); overflow-x: auto; margin: var(--pb-space) 0; }
  .shots figure { margin: 0; }
  .shots img { max-height: 14rem; max-width: 80vw; border: 1px solid var(--pb-border); border-radius: var(--pb-radius); }
  ul.plain.links > li { border: none; padding: 0.15rem 0; }
  nav button[aria-current="page"] { border-color: var(--pb-accent); box-shadow: inset 0 -3px 0 var(--pb-accent); font-weight: 600; }
  a { color: var(--pb-focus); }
  .distribution { max-width: 24rem; }
  .distribution th, .distribution td { border: none; padding: 0.1rem 0.4rem; font-weight: 400; }
  .bar-cell { width: 60%; }
  .bar { display: block; height: 0.6rem; min-width: 2px; background: var(--pb-accent); border-radius: 999px; }
  .reply, .note { border-left: 3px solid var(--pb-border); margin: 0.4rem 0 0.4rem 0.5rem; padding: 0.2rem 0.75rem; white-space: pre-wrap; }
  .conversation > li { padding: 0.4rem 0; }
  .diff dt { font-weight: 600; margin-top: 0.6rem; }
  .diff dd { margin: 0; }
  .diff .add { background: light-dark(#dcfce7, #14532d); display: block; }
  .diff .del { background: light-dark(#fee2e2, #7f1d1d); display: block; text-decoration: line-through; }
  svg .ok-bar { fill: var(--pb-success); }
  svg .fail-bar { fill: var(--pb-danger); }
  @container (max-width: 480px) {
    .root { padding: calc(var(--pb-space) / 2); }
    th.optional, td.optional { display: none; }
  }
`;
