// "How are these two connected": the shortest path between two people
// (/connect?from=<code>&to=<code>), every step in the caller's scope.

import { notFound } from "../app.js";
import { label, t } from "../i18n.js";
import { day, h, link, section, fill } from "../ui.js";
import { connectBox } from "./lineage.js";

function stop(n) {
  const kind = { Person: t("person"), Organization: t("organization"), Grid: t("grid"), Household: t("household") }[n.__typename] || n.__typename;
  const path = { Person: "person", Organization: "org", Grid: "grid", Household: "household" }[n.__typename];
  return h("span", { class: "stop" }, h("small", { class: "muted" }, kind + " "), path ? link(`/${path}/${encodeURIComponent(n.code)}`, n.name || n.code) : n.code);
}

export async function render(ctx) {
  const fromCode = ctx.query.get("from");
  const toCode = ctx.query.get("to");
  if (!fromCode || !toCode) return fill(ctx.box, connectBox(ctx, null, null));
  const [a, b] = await Promise.all([ctx.gql("PersonRef", { code: fromCode }), ctx.gql("PersonRef", { code: toCode })]);
  if (!a.person || !b.person) return fill(ctx.box, notFound());
  const { connection: path } = await ctx.gql("Connection", { from: a.person.id, to: b.person.id });
  if (ctx.stale()) return;
  let body;
  if (!path) body = h("p", { class: "notice info", "data-testid": "no-path" }, t("noPath"));
  else {
    const items = [];
    path.nodes.forEach((n, i) => {
      items.push(stop(n));
      const r = path.relationships[i];
      if (r) {
        const forward = r.fromId === n.id;
        const dates = [r.role ? label("Role", r.role) : "", r.since ? `${day(r.since)}${r.until ? "–" + day(r.until) : ""}` : "", r.on ? day(r.on) : ""].filter(Boolean).join(" ");
        items.push(h("span", { class: "hop" }, forward ? "—" : "←", label("RelationshipKind", r.type), dates ? `（${dates}）` : "", forward ? "→" : "—"));
      }
    });
    body = h("div", {}, h("p", {}, `${path.length} ${t("hops")}`), h("div", { class: "path", "data-testid": "connection-path" }, items));
  }
  document.title = `${a.person.name} ↔ ${b.person.name} · OrgGraph`;
  fill(ctx.box, h("h1", {}, `${a.person.name} ↔ ${b.person.name}`), section(t("connect"), body), connectBox(ctx, a.person, b.person));
}
