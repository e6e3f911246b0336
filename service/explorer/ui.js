// Small DOM helpers shared by the views: elements, links, tables with CSV
// download, number/date/percent formats, notices, and the vendor scripts.

import { download } from "./csv.js";
import { lang, t } from "./i18n.js";

/** h("div", {class: "x"}, child, "text", [more]) → an element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

/** Replace an element's children (nulls and arrays allowed, as in h()). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** A link inside the explorer (the router handles the click). */
export function link(path, text, attrs = {}) {
  return h("a", { href: "/explore" + path, "data-nav": "", ...attrs }, text);
}

export const personLink = (p) => (p ? link(`/person/${encodeURIComponent(p.code)}`, p.name) : "");
export const orgLink = (o) => (o ? link(`/org/${encodeURIComponent(o.code)}`, o.name) : "");

const numberFormat = new Intl.NumberFormat("zh-CN");
/** 12,345 (thousands separators). */
export const num = (n) => (n == null ? t("notAvailable") : numberFormat.format(n));
/** 88.3% */
export const pct = (x) => (x == null ? t("notAvailable") : (x * 100).toFixed(1) + "%");
/** Dates are ISO already (YYYY-MM-DD); the value is shown as it comes. */
export const day = (d) => d || "";

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}

export function notice(kind, ...text) {
  return h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "note" }, ...text);
}

export function figure(key, title, value, testid) {
  return h("div", { class: "figure", "data-testid": testid || key }, h("div", { class: "value" }, value), h("div", { class: "label" }, title));
}

/**
 * A table of `rows` under `columns` [{title, value(row) → text|Node, csv(row)?, text?, num?}],
 * with a CSV download of the same rows. `name` is the CSV's file name and the table's test id.
 */
export function table(name, columns, rows, { empty, limit = 200, allRows = null } = {}) {
  const head = h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : null }, c.title)));
  const tr = (r) => h("tr", {}, columns.map((c) => h("td", { class: c.num ? "num" : null, "data-col": c.key || null }, c.value(r))));
  const body = rows.slice(0, limit).map(tr);
  const rest = rows.length > limit
    ? h("button", { type: "button", class: "no-print", onclick: (e) => { e.target.closest(".table-wrap").querySelector("tbody").append(...rows.slice(limit).map(tr)); e.target.remove(); } }, `${t("showAll")} ${num(rows.length)}`)
    : null;
  const csvColumns = columns.map((c) => ({
    title: c.title,
    text: c.text,
    value: (r) => {
      if (c.csv) return c.csv(r);
      const v = c.value(r);
      return v instanceof Node ? v.textContent : v;
    },
  }));
  // `allRows`: the table shows a first page; the CSV fetches every row.
  const save = async () => download(name, csvColumns, allRows ? await allRows() : rows);
  const button = h("button", { class: "csv no-print", type: "button", onclick: save }, "↓ " + t("csv"));
  return h(
    "div",
    { class: "table-wrap", "data-testid": `table-${name}` },
    h("div", { class: "table-tools no-print" }, button),
    rows.length
      ? h("table", {}, h("thead", {}, head), h("tbody", {}, body))
      : h("p", { class: "muted" }, empty || t("noData")),
    rest,
  );
}

/** Age band from the birth year (shown to every role) on a date. */
export function ageBand(birthYear, onDate) {
  if (!birthYear) return "";
  const year = onDate ? Number(onDate.slice(0, 4)) : new Date().getFullYear();
  const age = year - birthYear;
  if (lang === "zh") return age <= 35 ? "35岁及以下" : age <= 45 ? "36-45岁" : age <= 55 ? "46-55岁" : "56岁及以上";
  return age <= 35 ? "35 or under" : age <= 45 ? "36-45" : age <= 55 ? "46-55" : "56 or over";
}

const vendorLoads = {};
/** Load a vendor script (echarts, cytoscape) once, from this service. */
export function vendor(name) {
  if (!vendorLoads[name]) {
    vendorLoads[name] = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = window.ORGGRAPH_VENDOR[name];
      s.onload = () => resolve(window[name]);
      s.onerror = () => reject(new Error(`${name} did not load`));
      document.head.append(s);
    });
  }
  return vendorLoads[name];
}

/** An ECharts chart in a new box; resized with the window, disposed with the view. */
export async function chart(box, option) {
  const echarts = await vendor("echarts");
  const c = echarts.init(box, null, { renderer: "canvas" });
  c.setOption({ animation: false, textStyle: { fontFamily: "inherit" }, ...option });
  const resize = () => c.resize();
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  box._dispose = () => {
    window.removeEventListener("resize", resize);
    window.removeEventListener("beforeprint", resize);
    c.dispose();
  };
  return c;
}

/** A date picker bound to the URL's `name` query parameter (empty: today). */
export function datePicker(title, name, query, onChange) {
  const input = h("input", { type: "date", value: query.get(name) || "", "data-testid": `date-${name}` });
  input.addEventListener("change", () => onChange(input.value));
  return h("label", { class: "picker no-print" }, title + " ", input);
}

/** A search box that lists matches from `search(text)` → [{text, sub, onpick}]. */
export function searchBox(placeholder, search, testid) {
  const input = h("input", { type: "search", placeholder, "data-testid": testid });
  const list = h("ul", { class: "matches" });
  let seq = 0;
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      const text = input.value.trim();
      if (!text) return list.replaceChildren();
      const items = await search(text);
      if (mine !== seq) return;
      list.replaceChildren(
        ...(items.length
          ? items.map((it) =>
              h("li", {}, h("button", { type: "button", onclick: () => { list.replaceChildren(); it.onpick(); } }, it.text, it.sub ? h("small", {}, " " + it.sub) : null)),
            )
          : [h("li", { class: "muted" }, t("noData"))]),
      );
    }, 200);
  });
  return h("div", { class: "search no-print" }, input, list);
}
