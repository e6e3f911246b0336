// A grid (网格) and its households, each with who covers it: the drill-down
// grid → households → household of the coverage view.

import { notFound } from "../app.js";
import { label, t } from "../i18n.js";
import { datePicker, h, link, num, orgLink, personLink, section, table, fill } from "../ui.js";
import { seesCare, tagList } from "./coverage.js";

export async function render(ctx) {
  const on = ctx.query.get("on") || null;
  const { data, nodes } = await ctx.gqlAll("Grid", { code: ctx.params.code, on }, (d) => d.grid && d.grid.households);
  const grid = data.grid;
  if (!grid) return fill(ctx.box, notFound());
  document.title = `${grid.name} · OrgGraph`;
  const org = grid.organization;
  const who = (list) => list.map((c, i) => [i ? "、" : "", personLink(c.person), `（${label("CoverRole", c.role)}${c.via ? "·" + label("CoverageVia", c.via) : ""}）`]);
  const cols = [
    { title: t("household"), value: (x) => link(`/household/${encodeURIComponent(x.code)}`, x.code), csv: (x) => x.code, text: true },
    { title: t("address"), value: (x) => x.address || "" },
    { title: t("tags"), value: (x) => tagList(x.tags), csv: (x) => x.tags.map((tag) => label("HouseholdTag", tag)).join("、") },
    { title: t("coveredBy"), value: (x) => (x.coveredBy.length ? who(x.coveredBy) : h("span", { class: "tag care" }, t("uncovered"))), csv: (x) => x.coveredBy.map((c) => c.person.name).join("、") },
    { title: t("count"), value: (x) => num(x.coveredBy.length), num: true },
  ];
  fill(ctx.box, 
    h("div", { class: "crumbs" }, [...(org ? org.ancestors : [])].reverse().map((a) => [orgLink(a), " › "]), org ? [link(`/coverage/${encodeURIComponent(org.code)}`, org.name), " › "] : null, grid.name),
    h("h1", {}, grid.name, h("small", { class: "muted" }, ` ${grid.code}`)),
    h("div", { class: "toolbar" }, datePicker(t("date"), "on", ctx.query, (v) => ctx.setQuery({ on: v }))),
    seesCare(ctx.me) ? null : h("p", { class: "notice info" }, t("careHidden")),
    section(t("coveredBy"), h("p", { "data-testid": "grid-leads" }, grid.coveredBy.length ? who(grid.coveredBy) : t("none"))),
    section(`${t("households")}（${num(grid.households.totalCount)}）`, table(`grid-${grid.code}`, cols, nodes || [])),
  );
}
