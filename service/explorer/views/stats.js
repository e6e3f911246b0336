// 统计 Dashboard: the organization's figures and each child's (people by role,
// households by tag, coverage) as charts and tables (ANALYST and above).

import { errorPanel, notFound } from "../app.js";
import { label, t } from "../i18n.js";
import { chart, figure, h, link, num, pct, section, table, fill } from "../ui.js";
import { crumbs, orgTabs } from "./organization.js";

export async function render(ctx) {
  const { organization: org } = await ctx.gql("OrgHeader", { code: ctx.params.code });
  if (!org) return fill(ctx.box, notFound());
  document.title = `${t("stats")} · ${org.name} · OrgGraph`;
  const head = [crumbs(org), h("h1", {}, `${t("dashboardOf")}：${org.name}`), orgTabs(org.code)];
  let s;
  try {
    s = (await ctx.gql("Stats", { id: org.id, on: ctx.query.get("on") || null })).organizationStats;
  } catch (e) {
    return fill(ctx.box, ...head, errorPanel(e));
  }
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
  await chart(roleBox, bar(roles.map((r) => label("Role", r.role)), roles.map((r) => r.people), "#b3261e", true));
  await chart(tagBox, bar(s.householdsByTag.map((r) => label("HouseholdTag", r.tag)), s.householdsByTag.map((r) => r.households), "#3a6fd6", true));
  await chart(childBox, {
    ...bar(kids.map((c) => c.organization.name), kids.map((c) => Math.round(c.coverageRatio * 1000) / 10), "#3a9a5b", false),
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "bar", data: kids.map((c) => Math.round(c.coverageRatio * 1000) / 10), itemStyle: { color: "#3a9a5b" }, label: { show: true, position: "top", formatter: "{c}%" } }],
  });
}
