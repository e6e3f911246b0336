// 人员 Person: positions now and before, household, what she covers,
// milestones on a timeline, mentors and mentees, guidance, visits, commitments
// and their completion. Without a code: a search by name.

import { notFound } from "../app.js";
import { label, t } from "../i18n.js";
import { day, h, link, num, orgLink, pct, personLink, searchBox, section, table, fill } from "../ui.js";

export function personSearch(ctx, onpick, testid = "person-search") {
  return searchBox(
    t("searchPerson"),
    async (text) => {
      const { people } = await ctx.gql("PeopleSearch", { text, under: ctx.root.id });
      return people.nodes.map((p) => ({
        text: p.name,
        sub: [p.code, p.birthYear, p.household && p.household.grid && p.household.grid.organization ? p.household.grid.organization.name : ""].filter(Boolean).join(" · "),
        onpick: () => onpick(p),
      }));
    },
    testid,
  );
}

export async function render(ctx) {
  const code = ctx.params.code;
  if (!code) {
    fill(ctx.box, h("h1", {}, t("person")), section(t("searchPerson"), personSearch(ctx, (p) => ctx.navigate(`/person/${encodeURIComponent(p.code)}`))));
    return;
  }
  const { person: p } = await ctx.gql("Person", { code });
  if (!p) return fill(ctx.box, notFound());
  if (ctx.stale()) return;
  document.title = `${p.name} · OrgGraph`;
  const now = p.positions.filter((x) => !x.until);
  const before = p.positions.filter((x) => x.until);
  const posCols = [
    { title: t("organization"), value: (x) => orgLink(x.organization), csv: (x) => x.organization.name },
    { title: t("role"), value: (x) => label("Role", x.role), key: "role" },
    { title: t("since"), value: (x) => day(x.since) },
    { title: t("until"), value: (x) => day(x.until) },
  ];
  const hh = p.household;
  const mentorTables = (title, list, name) => section(`${title}（${num(list.length)}）`, h("div", { "data-testid": name }, namedLinks(`${p.code}-${name}`, list)));
  fill(ctx.box, 
    h("h1", { "data-testid": "person-name" }, p.name, h("small", { class: "muted" }, ` ${p.code}`)),
    h("div", { class: "toolbar no-print" }, link(`/lineage/${encodeURIComponent(p.code)}`, t("lineageGraph")), h("button", { type: "button", onclick: () => window.print() }, t("print"))),
    section(
      t("person"),
      h(
        "table",
        { class: "facts" },
        h("tbody", {},
          fact(t("gender"), label("Gender", p.gender)),
          fact(t("birthYear"), p.birthYear ?? ""),
          p.birthDate ? fact(t("birthDate"), p.birthDate) : null,
          fact(t("education"), label("Education", p.education)),
          fact(t("political"), label("PoliticalStatus", p.politicalStatus)),
          fact(t("phone"), h("span", { "data-testid": "person-phone" }, p.phone || "")),
          fact(t("currentStage"), label("Stage", p.currentStage) || t("none")),
          fact(t("household2"), hh ? [link(`/household/${encodeURIComponent(hh.code)}`, hh.code), " ", hh.address || "", hh.grid ? [" · ", link(`/grid/${encodeURIComponent(hh.grid.code)}`, hh.grid.name)] : ""] : t("none")),
          fact(t("completion"), h("span", { "data-testid": "person-completion" }, pct(p.commitmentCompletionRate))),
        ),
      ),
    ),
    section(t("positionsNow"), h("div", { "data-testid": "positions-now" }, table(`${p.code}-positions-now`, posCols, now))),
    before.length ? section(t("positionsBefore"), table(`${p.code}-positions-before`, posCols, before)) : null,
    section(
      t("milestones"),
      p.milestones.length
        ? h("ol", { class: "timeline", "data-testid": "milestones" }, p.milestones.map((m) => h("li", {}, h("span", { class: "when" }, m.on), label("Stage", m.stage))))
        : h("p", { class: "muted" }, t("noData")),
    ),
    h("div", { class: "grid2" }, mentorTables(t("mentors"), p.mentors, "mentors"), mentorTables(t("mentees"), p.mentees, "mentees")),
    h("div", { class: "grid2" }, mentorTables(t("guidedBy"), p.guidedBy, "guided-by"), mentorTables(t("guides"), p.guides, "guides")),
    section(
      t("covers"),
      table(`${p.code}-covers`, [
        { title: t("grid") + " / " + t("household"), value: (c) => (c.grid ? link(`/grid/${encodeURIComponent(c.grid.code)}`, c.grid.name) : c.household ? link(`/household/${encodeURIComponent(c.household.code)}`, c.household.code) : ""), csv: (c) => (c.grid ? c.grid.name : c.household ? c.household.code : "") },
        { title: t("role"), value: (c) => label("CoverRole", c.role) },
        { title: t("since"), value: (c) => day(c.since) },
        { title: t("until"), value: (c) => day(c.until) },
      ], p.covers),
    ),
    section(
      `${t("visits")}（${num(p.visits.totalCount)}）`,
      table(`${p.code}-visits`, [
        { title: t("date"), value: (v) => day(v.on) },
        { title: t("household"), value: (v) => link(`/household/${encodeURIComponent(v.household.code)}`, v.household.code), csv: (v) => v.household.code, text: true },
        { title: t("purpose"), value: (v) => v.purpose },
        { title: t("note"), value: (v) => v.note || "" },
      ], p.visits.nodes),
    ),
    section(
      `${t("commitments")}（${t("completion")} ${pct(p.commitmentCompletionRate)}）`,
      table(`${p.code}-commitments`, [
        { title: t("year"), value: (c) => c.year },
        { title: t("commitments"), value: (c) => c.text },
        { title: t("status"), value: (c) => label("CommitmentStatus", c.status) },
        { title: t("completedOn"), value: (c) => day(c.completedOn) },
      ], p.commitments),
    ),
  );
}

function namedLinks(name, list) {
  return table(name, [
    { title: t("name"), value: (l) => personLink(l.person), csv: (l) => l.person.name, key: "name" },
    { title: t("since"), value: (l) => day(l.since) },
    { title: t("until"), value: (l) => day(l.until) },
  ], list);
}

function fact(title, value) {
  return h("tr", {}, h("th", {}, title), h("td", {}, value));
}
