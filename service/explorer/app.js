// The explorer's shell: sign-in with a token, the header (who she is), the
// router (each view has its own URL under /explore), and errors in words
// (expired token → sign-in with the reason; not found; forbidden). GraphQL
// with her token and the database-down banner are api.js; following the change
// feed and refetching the view on screen (live.js) are refresh.js.

import { GraphQLError, SignedOut, TOKEN_KEY, gql, gqlAll, hideBanner } from "./api.js";
import { lang, setLang, t } from "./i18n.js";
import { collectIds, forgetShown, refreshed, showing, startLive, stopLive, updatedNotice } from "./refresh.js";
import { h, notice } from "./ui.js";

const main = document.getElementById("view");
const header = document.getElementById("header");

// ---- sign-in ---------------------------------------------------------------

const state = { me: null, root: null, signOutReason: "" };

function takeTokenFromFragment() {
  const match = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(history.state, "", location.pathname + location.search);
  }
}

export function signOut(reason) {
  stopLive();
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(CALLER_KEY);
  state.me = null;
  state.root = null;
  state.signOutReason = reason || "";
  hideBanner();
  renderSignIn();
}

function renderSignIn() {
  header.replaceChildren(h("div", { class: "brand" }, t("title")), langButton());
  const input = h("textarea", { rows: 4, "data-testid": "token-input", placeholder: t("pasteToken") });
  const submit = () => {
    const token = input.value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    state.signOutReason = "";
    start();
  };
  main.replaceChildren(
    h(
      "section",
      { class: "card signin", "data-testid": "signin" },
      h("h1", {}, t("signIn")),
      state.signOutReason ? notice("error", t("expired"), h("span", { "data-testid": "signout-reason" }, state.signOutReason)) : null,
      h("label", {}, t("tokenLabel"), input),
      h("p", { class: "muted" }, t("tokenHelp")),
      h("button", { type: "button", onclick: submit, "data-testid": "signin-button" }, t("signIn")),
    ),
  );
}

function langButton() {
  return h("button", { type: "button", class: "lang no-print", "data-testid": "lang", onclick: () => { setLang(lang === "zh" ? "en" : "zh"); start(); } }, t("lang"));
}

const CALLER_KEY = "orggraph.caller";

async function loadCaller() {
  // Who she is and her scope root, remembered for this token in this tab, so a
  // page load costs no extra round trips (every request still carries the token).
  const token = sessionStorage.getItem(TOKEN_KEY);
  const remembered = JSON.parse(sessionStorage.getItem(CALLER_KEY) || "null");
  if (remembered && remembered.token === token) {
    state.me = remembered.me;
    state.root = remembered.root;
    return;
  }
  const { me } = await gql("Me");
  let root = null;
  if (me.scope) {
    root = (await gql("ScopeRoot", { code: me.scope })).organization;
  } else {
    const { organizations } = await gql("Roots");
    root = organizations.nodes.find((o) => !o.parent) || organizations.nodes[0] || null;
  }
  state.me = me;
  state.root = root;
  sessionStorage.setItem(CALLER_KEY, JSON.stringify({ token, me, root }));
}

function renderHeader() {
  const { me, root } = state;
  const tabs = [
    ["tree", "/tree"],
    ["coverage", `/coverage/${root.code}`],
    ["pipeline", `/pipeline/${root.code}`],
    ["person", "/person"],
    ["lineage", "/lineage"],
    ["stats", `/stats/${root.code}`],
  ];
  const current = location.pathname.replace(/^\/explore\/?/, "").split("/")[0] || "tree";
  const active = { org: "tree", grid: "coverage", household: "coverage", connect: "lineage" }[current] || current;
  header.replaceChildren(
    h("a", { class: "brand", href: "/explore/tree", "data-nav": "" }, t("title")),
    h(
      "nav",
      { class: "no-print" },
      tabs.map(([key, path]) =>
        h("a", { href: "/explore" + path, "data-nav": "", class: key === active ? "active" : null, "data-testid": `tab-${key}` }, t(key)),
      ),
    ),
    h(
      "div",
      { class: "who", "data-testid": "who" },
      h("strong", { "data-testid": "who-name" }, me.subject),
      h("span", {}, ` · ${t("scope")}: `, h("span", { "data-testid": "who-scope" }, root ? root.name : t("wholeGraph"))),
      h("span", {}, ` · ${t("roles")}: `, h("span", { "data-testid": "who-roles" }, me.roles.join(", "))),
    ),
    updatedNotice,
    langButton(),
    h("button", { type: "button", class: "no-print", "data-testid": "signout", onclick: () => signOut(t("signedOutReason")) }, t("signOut")),
  );
}
// ---- router ----------------------------------------------------------------

// path pattern → view module (views/*.js export render(ctx)).
const ROUTES = [
  [/^\/?$/, "tree"],
  [/^\/tree$/, "tree"],
  [/^\/org\/([^/]+)$/, "organization", ["code"]],
  [/^\/coverage\/([^/]+)$/, "coverage", ["code"]],
  [/^\/grid\/([^/]+)$/, "grid", ["code"]],
  [/^\/household\/([^/]+)$/, "household", ["code"]],
  [/^\/pipeline\/([^/]+)$/, "pipeline", ["code"]],
  [/^\/pipeline\/([^/]+)\/([A-Z_]+)$/, "pipeline", ["code", "stage"]],
  [/^\/person$/, "person"],
  [/^\/person\/([^/]+)$/, "person", ["code"]],
  [/^\/lineage$/, "lineage"],
  [/^\/lineage\/([^/]+)$/, "lineage", ["code"]],
  [/^\/connect$/, "connect"],
  [/^\/stats\/([^/]+)$/, "stats", ["code"]],
];

let renderSeq = 0;

export function navigate(path, { replace = false } = {}) {
  const url = path.startsWith("/explore") ? path : "/explore" + path;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  route();
}

/** Change the current URL's query (e.g. ?on=2024-01-01) and render again. */
export function setQuery(values, { replace = false } = {}) {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(values)) {
    if (v == null || v === "") params.delete(k);
    else params.set(k, v);
  }
  const search = params.toString();
  navigate(location.pathname + (search ? "?" + search : ""), { replace });
}

function disposeCharts() {
  for (const box of main.querySelectorAll("[data-chart]")) if (box._dispose) box._dispose();
}

export async function route({ refresh = false } = {}) {
  if (!state.me) return start();
  const seq = ++renderSeq;
  const path = decodeURI(location.pathname.replace(/^\/explore/, ""));
  const query = new URLSearchParams(location.search);
  if (!refresh) {
    forgetShown();
    renderHeader();
  }
  let match = null;
  for (const [pattern, view, names] of ROUTES) {
    const m = path.match(pattern);
    if (m) {
      const params = {};
      (names || []).forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      match = { view, params };
      break;
    }
  }
  const box = h("div", { class: "view", "data-view": match ? match.view : "none" });
  if (refresh) return refreshView(seq, match, query, box);
  disposeCharts();
  main.replaceChildren(box);
  main.setAttribute("aria-busy", "true");
  box.append(h("p", { class: "muted loading" }, t("loading")));
  if (!match) {
    box.replaceChildren(notFound());
    main.removeAttribute("aria-busy");
    return;
  }
  const ids = new Set();
  try {
    const module = await import(`./views/${match.view}.js`);
    await module.render(viewContext(seq, match, query, box, ids, false));
    if (seq !== renderSeq) return;
    showing(match.view, ids);
  } catch (e) {
    if (e instanceof SignedOut || seq !== renderSeq) return;
    box.replaceChildren(errorPanel(e));
  }
  if (seq === renderSeq) {
    main.removeAttribute("aria-busy");
    box.setAttribute("data-ready", "");
    // The view's data is on screen (bench/explorer.py reads this mark).
    performance.mark("view-ready", { detail: match.view });
  }
}

/** What a view renders with: her, the route's parameters, GraphQL that notes the ids it fetched. */
function viewContext(seq, match, query, box, ids, refresh) {
  const noted = (data) => {
    if (seq === renderSeq) collectIds(data, ids);
    return data;
  };
  const run = async (name, variables) => noted(await gql(name, variables));
  return {
    me: state.me,
    root: state.root,
    params: match.params,
    query,
    gql: run,
    gqlAll: (name, variables, pick) => gqlAll(name, variables, pick, run),
    watch: (more) => {
      for (const id of more) ids.add(id);
    },
    refresh,
    navigate,
    setQuery,
    box,
    stale: () => seq !== renderSeq,
    analyst: state.me.roles.some((r) => r === "ANALYST" || r === "EDITOR" || r === "ADMIN"),
  };
}

/** The view on screen rendered again off screen, then swapped in where she was. */
async function refreshView(seq, match, query, box) {
  const ids = new Set();
  try {
    const module = await import(`./views/${match.view}.js`);
    await module.render(viewContext(seq, match, query, box, ids, true));
  } catch (e) {
    if (!(e instanceof SignedOut) && seq === renderSeq) console.warn("refresh failed", e);
    return;
  }
  if (seq !== renderSeq) return;
  const open = [...main.querySelectorAll("details")].map((d) => d.open);
  const [x, y] = [window.scrollX, window.scrollY];
  disposeCharts();
  main.replaceChildren(box);
  box.querySelectorAll("details").forEach((d, i) => (d.open = Boolean(open[i])));
  box.setAttribute("data-ready", "");
  window.scrollTo(x, y);
  refreshed(match.view, ids);
}

export function notFound() {
  return h("section", { class: "card", "data-testid": "not-found" }, h("h1", {}, t("notFound")), h("p", {}, t("notFoundHelp")));
}

/** Why she may not see something, in words (not an empty chart). */
export function forbidden(message) {
  return notice(
    "warn",
    h("strong", {}, t("forbidden") + ": "),
    h("span", { "data-testid": "forbidden" }, t("needsAnalyst") + state.me.roles.join(", ")),
    message ? h("small", { class: "muted" }, ` (${message})`) : null,
  );
}

export function errorPanel(e) {
  if (e instanceof GraphQLError && e.code === "NOT_FOUND") return notFound();
  if (e instanceof GraphQLError && e.code === "FORBIDDEN") return forbidden(e.message);
  return notice("error", String(e.message || e));
}

document.addEventListener("click", (event) => {
  const a = event.target.closest && event.target.closest("a[data-nav]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", () => route());

async function start() {
  setLang(lang);
  takeTokenFromFragment();
  if (!sessionStorage.getItem(TOKEN_KEY)) return renderSignIn();
  main.replaceChildren(h("p", { class: "muted" }, t("loading")));
  try {
    await loadCaller();
  } catch (e) {
    if (e instanceof SignedOut) return;
    main.replaceChildren(errorPanel(e));
    return;
  }
  if (!state.root) {
    main.replaceChildren(notice("error", t("noScopeRoot")));
    return;
  }
  startLive();
  route();
}

start();
