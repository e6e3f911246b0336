// Organization page: the board on a chosen date (role, term, age band,
// education, Party status), the term history (换届) as a timeline, the term
// statistics table in the shape of the Quzhou report (ANALYST and above),
// grids with their leads, meetings.

import { errorPanel, forbidden, notFound } from "../app.js";
import { enumValues, label, t } from "../i18n.js";
import { ageBand, datePicker, day, h, link, num, orgLink, pct, personLink, section, table, fill } from "../ui.js";

export function crumbs(org) {
  const above = [...(org.ancestors || [])].reverse();
  return h("div", { class: "crumbs" }, above.map((a) => [orgLink(a), " › "]), h("span", {}, org.name));
}

export function orgTabs(code) {
  const c = encodeURIComponent(code);
  return h(
    "div",
    { class: "toolbar no-print" },
    link(`/org/${c}`, t("org")),
    link(`/coverage/${c}`, t("coverage")),
    link(`/pipeline/${c}`, t("pipeline")),
    link(`/stats/${c}`, t("stats")),
    link(`/tree?at=${c}`, t("tree")),
    h("button", { type: "button", onclick: () => window.print() }, t("print")),
  );
}

function history(code, positions) {
  // One timeline entry per day on which terms began or ended (a 换届 ends and starts terms at once).
  const days = new Map();
  const at = (d) => {
    if (!days.has(d)) days.set(d, { started: [], ended: [] });
    return days.get(d);
  };
  for (const p of positions) {
    at(p.since).started.push(p);
    if (p.until) at(p.until).ended.push(p);
  }
  const entries = [...days.entries()].sort((a, b) => (a[0] < b[0] ? 1 : -1));
  const who = (list) => list.map((p, i) => [i ? "、" : "", personLink(p.person), `（${label("Role", p.role)}）`]);
  return h(
    "ol",
    { class: "timeline", "data-testid": "term-history" },
    entries.map(([d, e]) =>
      h(
        "li",
        {},
        h("span", { class: "when" }, d),
        e.started.length ? h("div", {}, `${t("since")} ${e.started.length}：`, who(e.started)) : null,
        e.ended.length ? h("div", { class: "muted" }, `${t("until")} ${e.ended.length}：`, who(e.ended)) : null,
      ),
    ),
  );
}

async function termStatistics(ctx, org, on) {
  const box = h("div", {});
  if (!ctx.analyst) {
    box.append(forbidden());
    return box;
  }
  const role = ctx.query.get("role") || "CHAIR";
  const picker = h(
    "select",
    { "data-testid": "stats-role", onchange: (e) => ctx.setQuery({ role: e.target.value }, { replace: true }) },
    enumValues("Role").map((r) => h("option", { value: r, selected: r === role }, label("Role", r))),
  );
  // Above a village: the village federations' officers, as in the 换届 report.
  const narrow = org.level === "VILLAGE" || org.level === "UNIT" ? {} : { level: "VILLAGE", kind: "FEDERATION" };
  try {
    const { termStatistics: s } = await ctx.gql("TermStatistics", { id: org.id, role, on, ...narrow });
    const share = (n, x) => `${num(n)}（${pct(x)}）`;
    const cols = [
      { title: t("organization"), value: (r) => (r.organization ? orgLink(r.organization) : t("total")), csv: (r) => (r.organization ? r.organization.name : t("total")) },
      { title: t("count"), value: (r) => num(r.count), num: true, key: "count" },
      { title: t("aged45"), value: (r) => share(r.aged45OrUnder, r.shareAged45OrUnder), num: true },
      { title: t("college"), value: (r) => share(r.collegeOrAbove, r.shareCollegeOrAbove), num: true },
      { title: t("party"), value: (r) => share(r.partyMembers, r.sharePartyMembers), num: true },
      { title: t("onCommittee"), value: (r) => share(r.onVillageCommittee, r.shareOnVillageCommittee), num: true },
      { title: t("youngest"), value: (r) => (r.youngest ? [personLink(r.youngest), r.youngestAge != null ? ` ${r.youngestAge}` : ""] : ""), csv: (r) => (r.youngest ? `${r.youngest.name} ${r.youngestAge ?? ""}` : "") },
    ];
    box.append(
      h("label", { class: "picker no-print" }, t("chooseRole") + " ", picker),
      table(`term-statistics-${org.code}-${role}`, cols, [...s.organizations, s.total]),
    );
  } catch (e) {
    box.append(errorPanel(e));
  }
  return box;
}

export async function render(ctx) {
  const code = ctx.params.code;
  const on = ctx.query.get("on") || null;
  // A village's grids are asked at once too (any other organization answers
  // an empty list, unused): one round trip before the page, not two.
  const gridsAsked = ctx.gql("OrgGrids", { code, on }).catch((e) => e);
  const [data, hist] = await Promise.all([
    ctx.gql("Organization", { code, on }),
    ctx.gqlAll("TermHistory", { code }, (d) => d.organization && d.organization.positions),
  ]);
  const org = data.organization;
  if (!org) return fill(ctx.box, notFound());
  // The term statistics (a county's: every village federation's row) follow the
  // board: the page is shown first and their table filled in when it arrives.
  const stats = h("div", { "data-testid": "term-stats" }, h("p", { class: "muted loading" }, t("loading")));
  termStatistics(ctx, org, on).then((box) => ctx.stale() || stats.replaceChildren(box));
  let grids = null;
  if (org.level === "VILLAGE") {
    const answer = await gridsAsked;
    if (answer instanceof Error) throw answer;
    grids = answer.organization.grids;
  }
  if (ctx.stale()) return;
  document.title = `${org.name} · OrgGraph`;

  const board = org.positions.nodes;
  const boardCols = [
    { title: t("name"), value: (p) => personLink(p.person), csv: (p) => p.person.name, key: "name" },
    { title: t("code"), value: (p) => p.person.code, text: true },
    { title: t("role"), value: (p) => label("Role", p.role), key: "role" },
    { title: t("since"), value: (p) => day(p.since) },
    { title: t("until"), value: (p) => day(p.until) },
    { title: t("ageBand"), value: (p) => ageBand(p.person.birthYear, on) },
    { title: t("education"), value: (p) => label("Education", p.person.education) },
    { title: t("political"), value: (p) => label("PoliticalStatus", p.person.politicalStatus) },
    { title: t("phone"), value: (p) => p.person.phone || "", text: true, key: "phone" },
  ];
  const leads = (g, role) => g.coveredBy.filter((c) => c.role === role).map((c, i) => [i ? "、" : "", personLink(c.person)]);
  const gridCols = [
    { title: t("grid"), value: (g) => link(`/grid/${encodeURIComponent(g.code)}`, g.name), csv: (g) => g.name },
    { title: t("code"), value: (g) => g.code, text: true },
    { title: t("organization"), value: (g) => (g.organization ? g.organization.name : "") },
    { title: t("households"), value: (g) => num(g.households.totalCount), num: true },
    { title: label("CoverRole", "LEAD"), value: (g) => leads(g, "LEAD"), csv: (g) => g.coveredBy.filter((c) => c.role === "LEAD").map((c) => c.person.name).join("、") },
    { title: label("CoverRole", "ASSIST"), value: (g) => leads(g, "ASSIST"), csv: (g) => g.coveredBy.filter((c) => c.role === "ASSIST").map((c) => c.person.name).join("、") },
  ];
  const meetingCols = [
    { title: t("date"), value: (m) => day(m.on) },
    { title: t("topic"), value: (m) => m.topic },
    { title: t("form"), value: (m) => label("MeetingForm", m.form) },
    { title: t("place"), value: (m) => m.place || "" },
    { title: t("attendees"), value: (m) => m.attendees.map((p, i) => [i ? "、" : "", personLink(p)]), csv: (m) => m.attendees.map((p) => p.name).join("、") },
  ];
  const historyCols = [
    { title: t("name"), value: (p) => personLink(p.person), csv: (p) => p.person.name },
    { title: t("code"), value: (p) => p.person.code, text: true },
    { title: t("role"), value: (p) => label("Role", p.role) },
    { title: t("since"), value: (p) => day(p.since) },
    { title: t("until"), value: (p) => day(p.until) },
  ];
  fill(ctx.box, 
    crumbs(org),
    h("h1", { "data-testid": "org-name" }, org.name, h("small", { class: "muted" }, ` ${label("OrgKind", org.kind)} · ${label("Level", org.level)} · ${org.code}`)),
    orgTabs(org.code),
    section(
      t("board"),
      h("div", { class: "toolbar" }, datePicker(t("date"), "on", ctx.query, (v) => ctx.setQuery({ on: v })), h("span", { class: "muted" }, on || t("today"))),
      ctx.me.personalData ? null : h("p", { class: "muted" }, t("phoneMasked")),
      h("div", { "data-testid": "board" }, table(`board-${org.code}-${on || "today"}`, boardCols, board)),
    ),
    section(t("termHistory"), history(org.code, hist.nodes || []), h("details", {}, h("summary", {}, t("termHistory") + " · CSV"), table(`term-history-${org.code}`, historyCols, hist.nodes || []))),
    section(t("termStats"), stats),
    grids && grids.totalCount ? section(`${t("grids")}（${num(grids.totalCount)}）`, table(`grids-${org.code}`, gridCols, grids.nodes)) : null,
    section(`${t("meetings")}（${num(org.meetings.totalCount)}）`, table(`meetings-${org.code}`, meetingCols, org.meetings.nodes)),
    org.children.totalCount
      ? section(
          t("children"),
          table(`children-${org.code}`, [
            { title: t("name"), value: (c) => orgLink(c), csv: (c) => c.name },
            { title: t("code"), value: (c) => c.code, text: true },
            { title: t("kind"), value: (c) => label("OrgKind", c.kind) },
            { title: t("level"), value: (c) => label("Level", c.level) },
          ], org.children.nodes),
        )
      : null,
  );
}
