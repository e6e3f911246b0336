// 覆盖 Coverage of a village, township or county: households, covered,
// uncovered, covered more than once and the ratio; a treemap (village → grid →
// household, or county/township → child) coloured covered / uncovered /
// multiply covered, uncovered care cases marked for those allowed to see care
// tags; which members cover which grid households; drill-down to grids.

import { notFound } from "../app.js";
import { label, t } from "../i18n.js";
import { chart, datePicker, figure, h, link, num, pct, personLink, section, table, fill, vendor } from "../ui.js";
import { crumbs, orgTabs } from "./organization.js";

const CARE = new Set(["LEFT_BEHIND_CHILD", "LEFT_BEHIND_ELDERLY", "HARDSHIP_WOMAN", "LOW_INCOME", "DISABILITY"]);
const COLORS = { covered: "#3a9a5b", uncovered: "#d64545", multiply: "#3a6fd6", care: "#8b0000" };

export const seesCare = (me) => me.roles.includes("EDITOR") || me.roles.includes("ADMIN");

export function tagList(tags) {
  return (tags || []).map((tag) => h("span", { class: "tag" + (CARE.has(tag) ? " care" : "") }, label("HouseholdTag", tag)));
}

export function legend() {
  return h(
    "div",
    { class: "legend" },
    h("span", {}, h("i", { style: `background:${COLORS.covered}` }), t("covered")),
    h("span", {}, h("i", { style: `background:${COLORS.uncovered}` }), t("uncovered")),
    h("span", {}, h("i", { style: `background:${COLORS.multiply}` }), t("multiply")),
  );
}

async function villagePicture(ctx, org, on) {
  const { nodes: grids } = await ctx.gqlAll("VillageGrids", { code: org.code, on }, (d) => d.organization && d.organization.grids);
  return (grids || []).map((g) => ({
    name: g.name,
    code: g.code,
    kind: "grid",
    children: g.households.nodes.map((hh) => {
      const n = hh.coveredBy.length;
      const care = n === 0 && hh.tags.some((tag) => CARE.has(tag));
      return {
        name: (care ? "！" : "") + hh.code.split("-").pop(),
        code: hh.code,
        kind: "household",
        value: 1,
        tags: hh.tags,
        coverers: hh.coveredBy.map((c) => c.person.name),
        itemStyle: { color: care ? COLORS.care : n === 0 ? COLORS.uncovered : n === 1 ? COLORS.covered : COLORS.multiply },
      };
    }),
  }));
}

function childPicture(children) {
  return children
    .filter((c) => c.coverage.householdCount)
    .map((c) => {
      const multi = c.coverage.multiplyCovered.totalCount;
      const parts = [
        [t("covered"), c.coverage.coveredCount - multi, COLORS.covered],
        [t("multiply"), multi, COLORS.multiply],
        [t("uncovered"), c.coverage.uncoveredCount, COLORS.uncovered],
      ];
      return {
        name: `${c.name} ${pct(c.coverage.coverageRatio)}`,
        code: c.code,
        kind: "org",
        children: parts.filter((p) => p[1] > 0).map(([name, value, color]) => ({ name, value, code: c.code, kind: "org", itemStyle: { color } })),
      };
    });
}

export async function render(ctx) {
  const code = ctx.params.code;
  const on = ctx.query.get("on") || null;
  const { organization: org } = await ctx.gql("Coverage", { code, on });
  if (!org) return fill(ctx.box, notFound());
  const village = org.level === "VILLAGE";
  // The first hundred members and uncovered households on screen; the CSV has them all.
  const { members, uncovered } = org.coverage;
  const all = (name, pick) => async () => (await ctx.gqlAll(name, { id: org.id, on }, (d) => pick(d.coverage))).nodes;
  const shown = (connection) => (connection.pageInfo.hasNextPage ? ` · ${num(connection.nodes.length)} / ${num(connection.totalCount)}` : "");
  if (ctx.stale()) return;
  document.title = `${t("coverage")} · ${org.name} · OrgGraph`;
  const c = org.coverage;
  const box = h("div", { "data-chart": "", class: "chart tall", "data-testid": "coverage-treemap" }, h("p", { class: "muted loading" }, t("loading")));

  const memberCols = [
    { title: t("name"), value: (m) => personLink(m.person), csv: (m) => m.person.name, key: "name" },
    { title: t("code"), value: (m) => m.person.code, text: true },
    { title: t("phone"), value: (m) => m.person.phone || "", text: true, key: "phone" },
    { title: t("gridsCovered"), value: (m) => m.grids.map((g, i) => [i ? "、" : "", link(`/grid/${encodeURIComponent(g.code)}`, g.name)]), csv: (m) => m.grids.map((g) => g.name).join("、") },
    { title: t("householdsCovered"), value: (m) => [m.households.slice(0, 6).map((x, i) => [i ? "、" : "", link(`/household/${encodeURIComponent(x.code)}`, x.code.split("-").slice(-2).join("-"))]), m.households.length > 6 ? ` ${t("more")} ${num(m.households.length)}` : ""], csv: (m) => m.households.map((x) => x.code).join("、") },
    { title: t("reached"), value: (m) => num(m.householdsReached), num: true, key: "reached" },
  ];
  const uncoveredCols = [
    { title: t("household"), value: (x) => link(`/household/${encodeURIComponent(x.code)}`, x.code), csv: (x) => x.code, text: true },
    { title: t("grid"), value: (x) => (x.grid ? link(`/grid/${encodeURIComponent(x.grid.code)}`, x.grid.name) : ""), csv: (x) => (x.grid ? x.grid.name : "") },
    { title: t("address"), value: (x) => x.address || "" },
    { title: t("tags"), value: (x) => tagList(x.tags), csv: (x) => x.tags.map((tag) => label("HouseholdTag", tag)).join("、"), key: "tags" },
  ];
  const childCols = [
    { title: t("organization"), value: (x) => link(`/coverage/${encodeURIComponent(x.code)}`, x.name), csv: (x) => x.name },
    { title: t("households"), value: (x) => num(x.coverage.householdCount), num: true },
    { title: t("covered"), value: (x) => num(x.coverage.coveredCount), num: true },
    { title: t("uncovered"), value: (x) => num(x.coverage.uncoveredCount), num: true },
    { title: t("multiply"), value: (x) => num(x.coverage.multiplyCovered.totalCount), num: true },
    { title: t("ratio"), value: (x) => pct(x.coverage.coverageRatio), num: true },
  ];
  fill(ctx.box, 
    crumbs(org),
    h("h1", {}, `${t("coverageOf")}：${org.name}`),
    orgTabs(org.code),
    h("div", { class: "toolbar" }, datePicker(t("date"), "on", ctx.query, (v) => ctx.setQuery({ on: v })), h("span", { class: "muted" }, c.asOf)),
    h(
      "div",
      { class: "figures", "data-testid": "coverage-figures" },
      figure("households", t("households"), num(c.householdCount), "cov-households"),
      figure("covered", t("covered"), num(c.coveredCount), "cov-covered"),
      figure("uncovered", t("uncovered"), num(c.uncoveredCount), "cov-uncovered"),
      figure("multiply", t("multiply"), num(c.multiplyCovered.totalCount), "cov-multiply"),
      figure("ratio", t("ratio"), pct(c.coverageRatio), "cov-ratio"),
    ),
    seesCare(ctx.me) ? null : h("p", { class: "notice info", "data-testid": "care-hidden" }, t("careHidden")),
    section(t("gridPicture"), legend(), village ? h("p", { class: "muted" }, t("treemapHelp")) : null, box),
    village ? null : section(t("children"), table(`coverage-children-${org.code}`, childCols, org.children.nodes.filter((x) => x.coverage.householdCount))),
    section(
      `${t("members")}（${num(members.totalCount)}${shown(members)}）`,
      table(`coverage-members-${org.code}`, memberCols, members.nodes, { allRows: all("CoverageMembers", (x) => x.members) }),
    ),
    section(
      `${t("uncoveredList")}（${num(c.uncoveredCount)}${shown(uncovered)}）`,
      table(`coverage-uncovered-${org.code}`, uncoveredCols, uncovered.nodes, { allRows: all("CoverageUncovered", (x) => x.uncovered) }),
    ),
  );
  // The picture follows the first paint: a village's needs every grid's
  // households (a request of its own), and the chart library draws it.
  treemap(ctx, box, village, village ? villagePicture(ctx, org, on) : childPicture(org.children.nodes)).catch((e) => {
    if (!ctx.stale()) box.replaceChildren(h("p", { class: "notice error" }, String(e.message || e)));
  });
}

async function treemap(ctx, box, village, picture) {
  picture = await picture;
  await vendor("echarts");
  if (ctx.stale()) return;
  box.replaceChildren();
  const tm = await chart(box, {
    tooltip: {
      formatter: (p) => {
        const d = p.data || {};
        if (d.kind === "household") return `${d.code}<br>${t("coveredBy")}: ${d.coverers.join("、") || t("none")}<br>${(d.tags || []).map((x) => label("HouseholdTag", x)).join("、")}`;
        return `${p.name}: ${num(p.value)} ${t("households")}`;
      },
    },
    series: [
      {
        type: "treemap",
        top: 4,
        left: 4,
        right: 4,
        bottom: 4,
        data: picture,
        leafDepth: village ? 2 : 2,
        roam: false,
        breadcrumb: { show: false },
        label: { show: true, formatter: "{b}" },
        upperLabel: { show: true, height: 22, color: "#fff", backgroundColor: "#555" },
        levels: [{ itemStyle: { borderColor: "#555", borderWidth: 2, gapWidth: 2 } }, { itemStyle: { borderColor: "#fff", borderWidth: 1, gapWidth: 1 } }],
        nodeClick: false,
      },
    ],
  });
  tm.on("click", (p) => {
    const d = p.data || {};
    if (d.kind === "grid") ctx.navigate(`/grid/${encodeURIComponent(d.code)}`);
    else if (d.kind === "household") ctx.navigate(`/household/${encodeURIComponent(d.code)}`);
    else if (d.kind === "org") ctx.navigate(`/coverage/${encodeURIComponent(d.code)}`);
  });
}
