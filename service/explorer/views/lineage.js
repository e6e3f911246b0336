// 传帮带 Lineage: the mentoring lineage as a graph (cytoscape.js) that expands
// on click, and "how are these two connected" between two people chosen by
// search (the shortest `connection`, shown on /connect?from=&to=).

import { notFound } from "../app.js";
import { t } from "../i18n.js";
import { h, section, vendor, fill } from "../ui.js";
import { personSearch } from "./person.js";

export function connectBox(ctx, from, to) {
  const chosen = { from, to };
  const names = { from: h("strong", { "data-testid": "connect-from" }, from ? from.name : ""), to: h("strong", { "data-testid": "connect-to" }, to ? to.name : "") };
  const pick = (which) => (p) => {
    chosen[which] = p;
    names[which].textContent = p.name;
  };
  const go = () => {
    if (chosen.from && chosen.to) ctx.navigate(`/connect?from=${encodeURIComponent(chosen.from.code)}&to=${encodeURIComponent(chosen.to.code)}`);
  };
  return section(
    t("connect"),
    h(
      "div",
      { class: "toolbar" },
      h("span", {}, t("personA") + "："), personSearch(ctx, pick("from"), "connect-search-from"), names.from,
      h("span", {}, t("personB") + "："), personSearch(ctx, pick("to"), "connect-search-to"), names.to,
      h("button", { type: "button", onclick: go, "data-testid": "connect-go" }, t("find")),
    ),
  );
}

function addBranches(nodes, edges, person, branches, upward) {
  for (const b of branches || []) {
    nodes.set(b.person.code, b.person);
    const [source, target] = upward ? [b.person.code, person.code] : [person.code, b.person.code];
    edges.set(`${source}>${target}`, { source, target, since: b.since, until: b.until });
    addBranches(nodes, edges, b.person, b.branches, upward);
  }
}

export async function render(ctx) {
  const code = ctx.params.code;
  if (!code) {
    fill(ctx.box, 
      h("h1", {}, t("lineage")),
      section(t("lineageGraph"), personSearch(ctx, (p) => ctx.navigate(`/lineage/${encodeURIComponent(p.code)}`), "lineage-search")),
      connectBox(ctx, null, null),
    );
    return;
  }
  const nodes = new Map();
  const edges = new Map();
  const expanded = new Set();
  async function expand(c) {
    const { person } = await ctx.gql("Lineage", { code: c, depth: 3 });
    if (!person) return null;
    nodes.set(person.code, person);
    expanded.add(person.code);
    if (person.lineage) {
      addBranches(nodes, edges, person, person.lineage.mentors, true);
      addBranches(nodes, edges, person, person.lineage.mentees, false);
    }
    return person;
  }
  const [person, cytoscape] = await Promise.all([expand(code), vendor("cytoscape")]);
  if (!person) return fill(ctx.box, notFound());
  if (ctx.stale()) return;
  document.title = `${person.name}${t("lineageOf")} · OrgGraph`;
  const graph = h("div", { class: "lineage-graph", "data-testid": "lineage-graph" });
  const listing = h("p", { class: "muted", "data-testid": "lineage-people" });
  fill(ctx.box, 
    h("h1", {}, `${person.name}${t("lineageOf")}`),
    h("div", { class: "toolbar no-print" }, h("a", { href: `/explore/person/${encodeURIComponent(code)}`, "data-nav": "" }, t("person")), h("span", { class: "muted" }, t("expandHelp"))),
    section(t("lineageGraph"), graph, listing),
    connectBox(ctx, person, null),
  );
  const elements = () => [
    ...[...nodes.values()].map((p) => ({ data: { id: p.code, label: p.name, root: p.code === code ? 1 : 0, open: expanded.has(p.code) ? 1 : 0 } })),
    ...[...edges.values()].map((e) => ({ data: { id: `${e.source}>${e.target}`, source: e.source, target: e.target, ended: e.until ? 1 : 0 } })),
  ];
  const cy = cytoscape({
    container: graph,
    elements: elements(),
    maxZoom: 1.6,
    minZoom: 0.2,
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 13, "text-valign": "bottom", "text-margin-y": 4, "background-color": "#7a8797", width: 22, height: 22 } },
      { selector: "node[open = 1]", style: { "background-color": "#1d5fbf" } },
      { selector: "node[root = 1]", style: { "background-color": "#b3261e", width: 30, height: 30 } },
      { selector: "edge", style: { width: 2, "line-color": "#b9c2cf", "target-arrow-color": "#b9c2cf", "target-arrow-shape": "triangle", "curve-style": "bezier" } },
      { selector: "edge[ended = 1]", style: { "line-style": "dashed" } },
    ],
    layout: { name: "breadthfirst", directed: true, spacingFactor: 1.1 },
  });
  const list = () => listing.replaceChildren([...nodes.values()].map((p) => p.name).join("、"));
  list();
  cy.on("tap", "node", async (e) => {
    const c = e.target.id();
    if (expanded.has(c)) return;
    await expand(c);
    cy.json({ elements: elements() });
    cy.layout({ name: "breadthfirst", directed: true, spacingFactor: 1.1 }).run();
    list();
  });
  cy.on("dbltap", "node", (e) => ctx.navigate(`/person/${encodeURIComponent(e.target.id())}`));
}
