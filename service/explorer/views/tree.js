// 组织 Organization tree: the scope root down to villages, councils and teams,
// collapsible; each node with its people, households and coverage ratio
// (loaded as it is shown); a search box that jumps to a node (?at=<code>).

import { label, t } from "../i18n.js";
import { h, link, num, pct, searchBox, fill } from "../ui.js";

let cached = null; // { rootId, byId, children, byCode, expanded: Set }
const figures = new Map(); // id → Promise of { people, households, ratio }

async function loadTree(ctx) {
  // One request: the root and three levels below it (a whole county).
  const { organization: top } = await ctx.gql("OrgTree", { code: ctx.root.code });
  const tree = { rootId: top.id, byId: new Map(), byCode: new Map(), children: new Map(), expanded: new Set([top.id]) };
  const walk = (n, parentId) => {
    add(tree, n, parentId);
    const kids = n.children;
    // Branches the request did not reach are loaded when expanded.
    n.more = Boolean(kids && (kids.pageInfo ? kids.pageInfo.hasNextPage : kids.totalCount > 0));
    for (const c of (kids && kids.nodes) || []) walk(c, n.id);
  };
  walk(top, null);
  return tree;
}

function add(tree, n, parentId) {
  n.parentId = parentId;
  tree.byId.set(n.id, n);
  tree.byCode.set(n.code, n);
  if (parentId) {
    if (!tree.children.has(parentId)) tree.children.set(parentId, []);
    tree.children.get(parentId).push(n);
  }
}

async function loadMore(ctx, tree, n) {
  const { nodes } = await ctx.gqlAll("OrgChildren", { code: n.code }, (d) => d.organization && d.organization.children);
  tree.children.set(n.id, []);
  for (const c of nodes || []) {
    add(tree, c, n.id);
    c.more = c.children.totalCount > 0;
  }
  n.more = false;
}

// At most four figure requests at once, so a large expansion does not flood the service.
let running = 0;
const waiting = [];
function limited(fn) {
  return new Promise((resolve, reject) => {
    const go = () => {
      running++;
      fn().then(resolve, reject).finally(() => {
        running--;
        if (waiting.length) waiting.shift()();
      });
    };
    if (running < 4) go();
    else waiting.push(go);
  });
}

function figuresOf(ctx, id) {
  if (!figures.has(id)) {
    figures.set(
      id,
      limited(() => ctx.gql("OrgFigures", { id })).then((d) => ({
        people: d.people.totalCount,
        households: d.node.households.totalCount,
        ratio: d.node.coverage.householdCount ? d.node.coverage.coverageRatio : null,
      })),
    );
  }
  return figures.get(id);
}

// A change named an organization on screen: the tree and its figures are read
// again, and the nodes she had opened are opened (and loaded) again.
async function reload(ctx, old) {
  const tree = await loadTree(ctx);
  if (old && old.rootId === tree.rootId) {
    for (const id of old.expanded) {
      const n = tree.byId.get(id);
      if (!n) continue;
      if (n.more) await loadMore(ctx, tree, n);
      tree.expanded.add(id);
    }
  }
  figures.clear();
  return tree;
}

export async function render(ctx) {
  if (!cached || cached.rootId !== ctx.root.id) cached = await loadTree(ctx);
  else if (ctx.refresh) {
    const tree = await reload(ctx, cached);
    if (ctx.stale()) return;
    cached = tree;
  }
  if (ctx.stale()) return;
  const tree = cached;
  ctx.watch(tree.byId.keys()); // the organizations listed (read once, kept between visits)
  const at = ctx.query.get("at");
  const target = at ? tree.byCode.get(at) : null;
  if (target) {
    let p = tree.byId.get(target.parentId);
    while (p) {
      tree.expanded.add(p.id);
      p = tree.byId.get(p.parentId);
    }
  }

  function row(n) {
    const kids = tree.children.get(n.id) || [];
    const open = tree.expanded.has(n.id);
    const figs = h("span", { class: "figs", "data-testid": `figs-${n.code}` }, "…");
    const li = h("li", { "data-code": n.code });
    const toggle = kids.length || n.more
      ? h("button", { type: "button", class: "toggle", "aria-expanded": String(open), "data-testid": `toggle-${n.code}`, onclick: async () => {
          if (tree.expanded.has(n.id)) tree.expanded.delete(n.id);
          else {
            if (n.more) await loadMore(ctx, tree, n);
            tree.expanded.add(n.id);
          }
          li.replaceWith(row(n));
        } }, open ? "▾" : "▸")
      : h("span", { class: "toggle" }, "");
    li.append(
      h(
        "div",
        { class: "row" + (target && target.id === n.id ? " hit" : "") },
        toggle,
        link(`/org/${encodeURIComponent(n.code)}`, n.name, { "data-testid": `node-${n.code}` }),
        h("span", { class: "kind" }, `${label("OrgKind", n.kind)} · ${label("Level", n.level)}`),
        kids.length ? h("span", { class: "kind" }, `(${kids.length})`) : null,
        figs,
      ),
    );
    figuresOf(ctx, n.id).then(
      (f) => figs.replaceChildren(`${t("people")} ${num(f.people)} · ${t("households")} ${num(f.households)} · ${t("ratio")} ${pct(f.ratio)}`),
      () => figs.replaceChildren(""),
    );
    if (open && kids.length) li.append(h("ul", {}, kids.map(row)));
    return li;
  }

  const root = tree.byId.get(tree.rootId);
  const search = searchBox(
    t("searchOrg"),
    async (text) =>
      [...tree.byId.values()]
        .filter((n) => n.name.includes(text) || n.code.toLowerCase().includes(text.toLowerCase()))
        .slice(0, 20)
        .map((n) => ({ text: n.name, sub: `${n.code} · ${label("OrgKind", n.kind)}`, onpick: () => ctx.setQuery({ at: n.code }) })),
    "org-search",
  );
  const list = h("div", { class: "tree", "data-testid": "org-tree" }, h("ul", {}, row(root)));
  fill(ctx.box, 
    h("h1", {}, `${t("tree")}：${root.name}`),
    h("div", { class: "toolbar" }, search, h("span", { class: "muted", "data-testid": "tree-count" }, `${num(tree.byId.size)} ${t("nodes")}`), h("span", { class: "muted" }, t("orgTreeHelp"))),
    h("section", { class: "card" }, list),
  );
  if (target && !ctx.refresh) {
    const el = list.querySelector(`li[data-code="${CSS.escape(target.code)}"]`);
    if (el) el.scrollIntoView({ block: "center" });
  }
}
