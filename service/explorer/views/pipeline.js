// 后备 Pipeline: the funnel (reached, advanced, conversion, median and p90
// days) of a subtree for a window, in total and per child (ANALYST and above);
// clicking a stage lists who is ready for the next one, longest waiting first.

import { errorPanel, notFound } from "../app.js";
import { enumValues, label, t } from "../i18n.js";
import { chart, datePicker, day, h, link, num, pct, personLink, section, table, fill } from "../ui.js";
import { crumbs, orgTabs } from "./organization.js";

function stageLink(code, stage, text, extra = {}) {
  return link(`/pipeline/${encodeURIComponent(code)}/${stage}${location.search}`, text, extra);
}

async function candidates(ctx, org, stage) {
  // The hundred who waited longest on screen; the CSV has everyone.
  const { pipelineCandidates: ready } = await ctx.gql("Candidates", { id: org.id, stage });
  const all = async () => (await ctx.gqlAll("Candidates", { id: org.id, stage }, (d) => d.pipelineCandidates)).nodes;
  const cols = [
    { title: t("name"), value: (c) => personLink(c.person), csv: (c) => c.person.name, key: "name" },
    { title: t("code"), value: (c) => c.person.code, text: true },
    { title: t("stage"), value: (c) => label("Stage", c.stage) },
    { title: t("nextStage"), value: (c) => label("Stage", c.nextStage) },
    { title: t("reachedOn"), value: (c) => day(c.reachedOn) },
    { title: t("waited"), value: (c) => num(c.waitedDays), num: true, key: "waited" },
    { title: t("mentors"), value: (c) => c.mentors.map((m, i) => [i ? "、" : "", personLink(m)]), csv: (c) => c.mentors.map((m) => m.name).join("、") },
  ];
  return section(
    `${t("ready")}：${label("Stage", stage)}（${num(ready.totalCount)}${ready.pageInfo.hasNextPage ? ` · ${num(ready.nodes.length)} / ${num(ready.totalCount)}` : ""}）`,
    h("div", { "data-testid": "candidates" }, table(`pipeline-${org.code}-${stage}`, cols, ready.nodes, { allRows: all })),
  );
}

export async function render(ctx) {
  const { code, stage } = ctx.params;
  const from = ctx.query.get("from") || null;
  const to = ctx.query.get("to") || null;
  const { organization: org } = await ctx.gql("OrgHeader", { code });
  if (!org) return fill(ctx.box, notFound());
  document.title = `${t("pipeline")} · ${org.name} · OrgGraph`;
  const parts = [
    crumbs(org),
    h("h1", {}, `${t("funnel")}：${org.name}`),
    orgTabs(org.code),
    h(
      "div",
      { class: "toolbar" },
      datePicker(t("from"), "from", ctx.query, (v) => ctx.setQuery({ from: v })),
      datePicker(t("to"), "to", ctx.query, (v) => ctx.setQuery({ to: v })),
      h("span", { class: "muted" }, t("readyHelp")),
    ),
  ];
  // The funnel and the stage's list are asked for at once (neither waits for the other).
  const [asked, list] = await Promise.all([
    ctx.gql("Funnel", { id: org.id, from, to }).then((d) => ({ funnel: d.pipelineFunnel }), (error) => ({ error })),
    stage ? candidates(ctx, org, stage) : null,
  ]);
  const funnel = asked.error ? null : asked.funnel;
  if (asked.error) {
    parts.push(errorPanel(asked.error));
    // A VIEWER cannot see the counts, but may still list who is ready for each stage.
    parts.push(section(t("stageList"), h("p", { class: "toolbar" }, enumValues("Stage").map((s) => stageLink(org.code, s, label("Stage", s), { "data-testid": `stage-${s}` })))));
  }
  if (ctx.stale()) return;
  let box = null;
  if (funnel) {
    const cols = [
      { title: t("stage"), value: (s) => stageLink(org.code, s.stage, label("Stage", s.stage), { "data-testid": `stage-${s.stage}` }), csv: (s) => label("Stage", s.stage), key: "stage" },
      { title: t("nextStage"), value: (s) => label("Stage", s.nextStage) },
      { title: t("stageReached"), value: (s) => num(s.reached), num: true, key: "reached" },
      { title: t("advanced"), value: (s) => num(s.advanced), num: true, key: "advanced" },
      { title: t("conversion"), value: (s) => pct(s.conversion), num: true, key: "conversion" },
      { title: t("median"), value: (s) => num(s.medianDays), num: true, key: "median" },
      { title: t("p90"), value: (s) => num(s.p90Days), num: true, key: "p90" },
    ];
    const path = funnel.stages.filter((s) => s.nextStage || s.stage === "PARTY_MEMBER");
    const childStages = path.map((s) => s.stage);
    const childCols = [
      { title: t("organization"), value: (c) => link(`/pipeline/${encodeURIComponent(c.organization.code)}${location.search}`, c.organization.name), csv: (c) => c.organization.name },
      ...childStages.map((s) => ({
        title: label("Stage", s),
        num: true,
        value: (c) => {
          const f = c.stages.find((x) => x.stage === s);
          return f ? `${num(f.reached)} → ${num(f.advanced)}` : "";
        },
      })),
    ];
    box = h("div", { "data-chart": "", class: "chart", "data-testid": "funnel-chart" });
    parts.push(
      section(t("funnel"), box, h("div", { "data-testid": "funnel" }, table(`pipeline-${org.code}`, cols, funnel.stages))),
      funnel.children.length ? section(`${t("perChild")}（${t("stageReached")} → ${t("advanced")}）`, table(`pipeline-children-${org.code}`, childCols, funnel.children)) : null,
    );
    fill(ctx.box, ...parts, list);
    const c = await chart(box, {
      tooltip: { formatter: (p) => `${p.name}: ${num(p.value)}` },
      series: [
        {
          type: "funnel",
          sort: "none",
          left: "10%",
          width: "80%",
          minSize: "8%",
          label: { formatter: (p) => `${p.name} ${num(p.value)}` },
          data: path.map((s) => ({ name: label("Stage", s.stage), value: s.reached, stage: s.stage })),
        },
      ],
    });
    c.on("click", (p) => ctx.navigate(`/pipeline/${encodeURIComponent(org.code)}/${p.data.stage}${location.search}`));
  } else {
    fill(ctx.box, ...parts, list);
  }
}
