// A household (户): address, tags (care tags only for EDITOR and ADMIN), the
// people living there, who covers it directly or through its grid.

import { notFound } from "../app.js";
import { label, t } from "../i18n.js";
import { datePicker, day, h, link, personLink, section, table, fill } from "../ui.js";
import { seesCare, tagList } from "./coverage.js";

export async function render(ctx) {
  const on = ctx.query.get("on") || null;
  const { household: x } = await ctx.gql("Household", { code: ctx.params.code, on });
  if (!x) return fill(ctx.box, notFound());
  document.title = `${x.code} · OrgGraph`;
  const g = x.grid;
  fill(ctx.box, 
    h("div", { class: "crumbs" }, g && g.organization ? [link(`/coverage/${encodeURIComponent(g.organization.code)}`, g.organization.name), " › "] : null, g ? [link(`/grid/${encodeURIComponent(g.code)}`, g.name), " › "] : null, x.code),
    h("h1", {}, `${t("household")} ${x.code}`),
    h("div", { class: "toolbar" }, datePicker(t("date"), "on", ctx.query, (v) => ctx.setQuery({ on: v }))),
    section(
      t("household"),
      h("p", {}, `${t("address")}：`, h("span", { "data-testid": "household-address" }, x.address || "")),
      h("p", { "data-testid": "household-tags" }, `${t("tags")}：`, tagList(x.tags)),
      seesCare(ctx.me) ? null : h("p", { class: "muted" }, t("careHidden")),
    ),
    section(
      t("residents"),
      table(`household-${x.code}-members`, [
        { title: t("name"), value: (p) => personLink(p), csv: (p) => p.name },
        { title: t("code"), value: (p) => p.code, text: true },
        { title: t("gender"), value: (p) => label("Gender", p.gender) },
        { title: t("birthYear"), value: (p) => p.birthYear ?? "" },
        { title: t("phone"), value: (p) => p.phone || "", text: true, key: "phone" },
      ], x.members),
    ),
    section(
      t("coveredBy"),
      table(`household-${x.code}-coverage`, [
        { title: t("name"), value: (c) => personLink(c.person), csv: (c) => c.person.name },
        { title: t("role"), value: (c) => label("CoverRole", c.role) },
        { title: t("via"), value: (c) => label("CoverageVia", c.via) },
        { title: t("since"), value: (c) => day(c.since) },
        { title: t("phone"), value: (c) => c.person.phone || "", text: true },
      ], x.coveredBy, { empty: t("uncovered") }),
    ),
  );
}
