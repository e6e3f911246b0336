// Live refresh: while she is signed in the page follows the change feed
// (live.js) and refetches the view on screen, in place, when a change names an
// object it shows; "已更新 HH:MM:SS" in the header says when.

import { TOKEN_KEY, documentText } from "./api.js";
import { route, signOut } from "./app.js";
import { t } from "./i18n.js";
import { follow } from "./live.js";
import { h } from "./ui.js";

const main = document.getElementById("view");
const header = document.getElementById("header");

// "已更新 HH:MM:SS" in the header after the view on screen was refetched
// because of a change; cleared when she opens another view.
export const updatedNotice = h("span", { class: "updated", "data-testid": "live-updated", role: "status", hidden: true });
function showUpdated(when) {
  updatedNotice.hidden = !when;
  updatedNotice.title = when ? t("updatedHelp") : "";
  updatedNotice.textContent = when ? `${t("updated")} ${when.toTimeString().slice(0, 8)}` : "";
}
function showLiveState(live) {
  header.classList.toggle("live-retrying", live === "retrying");
  header.title = live === "retrying" ? t("liveRetrying") : "";
}

// Views whose data a change can make stale: they are refetched in place (open
// tree nodes, details and the scroll position kept). The other views (charts,
// aggregates over a subtree) show figures no single change names.
const LIVE_VIEWS = new Set(["organization", "person", "grid", "household", "tree"]);
const REFRESH_AFTER_MS = 1000; // changes of one burst: one refetch
let live = null;
let shown = null; // { view, ids: Set of global ids the view on screen fetched }
let refreshTimer = null;
let refreshing = false;

export function startLive() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (live && live.token === token) return;
  stopLive();
  live = follow({
    token,
    query: () => documentText("Changes"),
    onChange: (change) => {
      // null: changes may have been missed (the cursor expired, or the stream
      // dropped before it had one): refetch once.
      if (shown && (!change || change.objects.some((o) => shown.ids.has(o.id)))) refreshSoon();
    },
    onSignedOut: (reason) => {
      live = null;
      signOut(reason);
    },
    onState: showLiveState,
  });
}

export function stopLive() {
  if (live) live.stop();
  live = null;
  clearTimeout(refreshTimer);
  refreshTimer = null;
}

function refreshSoon() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    const focused = document.activeElement;
    // Not while she is typing in the view (a date, a search): once she leaves it.
    if (refreshing || (focused && main.contains(focused) && /^(INPUT|TEXTAREA|SELECT)$/.test(focused.tagName))) {
      refreshSoon();
      return;
    }
    refreshing = true;
    try {
      await route({ refresh: true });
    } finally {
      refreshing = false;
    }
  }, REFRESH_AFTER_MS);
}

/** Every `id` in a GraphQL answer: the objects the view shows. */
export function collectIds(value, into) {
  if (Array.isArray(value)) for (const v of value) collectIds(v, into);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "id" && typeof v === "string") into.add(v);
      else if (v && typeof v === "object") collectIds(v, into);
    }
  }
}

/** She opened another view: nothing on screen to refetch until it is rendered. */
export function forgetShown() {
  clearTimeout(refreshTimer);
  refreshTimer = null;
  shown = null;
  showUpdated(null);
}

/** The view on screen and the ids it fetched; followed when its data can go stale. */
export function showing(view, ids) {
  if (LIVE_VIEWS.has(view)) shown = { view, ids };
}

/** The view on screen was refetched because of a change. */
export function refreshed(view, ids) {
  shown = { view, ids };
  showUpdated(new Date());
}
