// 统计 Dashboard: the organization's figures and each child's (people by role,
// households by tag, coverage) as charts and tables (ANALYST and above).

import { errorPanel, notFound } from "../app.js";
import { label, t } from "../i18n.js";
import { chart, figure, h, link, num, pct, section, table, fill, vendor } from "../ui.js";
import { crumbs, orgTabs } from "./organization.js";

function heading(org) {
  document.title = `${t("stats")} · ${org.name} · OrgGraph`;
  return [crumbs(org), h("h1", {}, `${t("dashboardOf")}：${org.name}`), orgTabs(org.code)];
}

export async function render(ctx) {
  const code = ctx.params.code;
  let org;
  let s;
  try {
    org = (await ctx.gql("Stats", { code, on: ctx.query.get("on") || null })).organization;
    s = org && org.stats;
  } catch (e) {
    // FORBIDDEN (a VIEWER): the heading, and why the figures are not shown.
    ({ organization: org } = await ctx.gql("OrgHeader", { code }));
    if (!org) return fill(ctx.box, notFound());
    return fill(ctx.box, ...heading(org), errorPanel(e));
  }
  if (!org) return fill(ctx.box, notFound());
  const head = heading(org);
  if (ctx.stale()) return;
  const roleBox = h("div", { "data-chart": "", class: "chart", "data-testid": "chart-roles" });
  const tagBox = h("div", { "data-chart": "", class: "chart", "data-testid": "chart-tags" });
  const childBox = h("div", { "data-chart": "", class: "chart", "data-testid": "chart-children" });
  const roles = s.peopleByRole.filter((r) => r.people > 0);
  const kids = s.children.filter((c) => c.households > 0);
  const childCols = [
    { title: t("organization"), value: (c) => link(`/stats/${encodeURIComponent(c.organization.code)}`, c.organization.name), csv: (c) => c.organization.name },
    { title: t("households"), value: (c) => num(c.households), num: true },
    { title: t("covered"), value: (c) => num(c.coveredHouseholds), num: true },
    { title: t("ratio"), value: (c) => pct(c.coverageRatio), num: true },
    { title: t("people"), value: (c) => num(c.peopleByRole.reduce((a, r) => a + r.people, 0)), num: true },
  ];
  fill(ctx.box, 
    ...head,
    h(
      "div",
      { class: "figures", "data-testid": "stats-figures" },
      figure("households", t("households"), num(s.households), "stats-households"),
      figure("covered", t("covered"), num(s.coveredHouseholds), "stats-covered"),
      figure("ratio", t("ratio"), pct(s.coverageRatio), "stats-ratio"),
      h("div", { class: "figure muted" }, s.asOf),
    ),
    h(
      "div",
      { class: "grid2" },
      section(t("peopleByRole"), roleBox, table(`stats-roles-${org.code}`, [
        { title: t("role"), value: (r) => label("Role", r.role) },
        { title: t("count"), value: (r) => num(r.people), num: true },
      ], roles)),
      section(t("householdsByTag"), tagBox, table(`stats-tags-${org.code}`, [
        { title: t("tags"), value: (r) => label("HouseholdTag", r.tag) },
        { title: t("households"), value: (r) => num(r.households), num: true },
      ], s.householdsByTag)),
    ),
    section(t("coverageByChild"), childBox, table(`stats-children-${org.code}`, childCols, s.children)),
  );
  const bar = (names, values, color, horizontal) => ({
    grid: { left: horizontal ? 110 : 50, right: 30, top: 20, bottom: horizontal ? 30 : 80 },
    tooltip: { trigger: "axis" },
    [horizontal ? "yAxis" : "xAxis"]: { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 30 } },
    [horizontal ? "xAxis" : "yAxis"]: { type: "value" },
    series: [{ type: "bar", data: values, itemStyle: { color }, label: { show: true, position: horizontal ? "right" : "top", formatter: (p) => num(p.value) } }],
  });
  // The charts follow the first paint (the tables above hold the same figures).
  charts(ctx, roleBox, tagBox, childBox, bar, roles, kids, s).catch((e) => ctx.stale() || childBox.replaceChildren(errorPanel(e)));
}

async function charts(ctx, roleBox, tagBox, childBox, bar, roles, kids, s) {
  await vendor("echarts");
  if (ctx.stale()) return;
  await chart(roleBox, bar(roles.map((r) => label("Role", r.role)), roles.map((r) => r.people), "#b3261e", true));
  await chart(tagBox, bar(s.householdsByTag.map((r) => label("HouseholdTag", r.tag)), s.householdsByTag.map((r) => r.households), "#3a6fd6", true));
  await chart(childBox, {
    ...bar(kids.map((c) => c.organization.name), kids.map((c) => Math.round(c.coverageRatio * 1000) / 10), "#3a9a5b", false),
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "bar", data: kids.map((c) => Math.round(c.coverageRatio * 1000) / 10), itemStyle: { color: "#3a9a5b" }, label: { show: true, position: "top", formatter: "{c}%" } }],
  });
}
