// Labels of the page in Chinese (first) and English. Enum values are labelled
// from the schema's own Chinese labels (window.ORGGRAPH_LABELS, filled in by
// the server from the schema); in English the enum name is shown, humanized.

const STRINGS = {
  zh: {
    title: "OrgGraph 组织图谱", tree: "组织", coverage: "覆盖", pipeline: "后备", person: "人员",
    lineage: "传帮带", stats: "统计", signOut: "退出", signIn: "登录", tokenLabel: "访问令牌（token）",
    tokenHelp: "粘贴管理员发给您的令牌，或使用 make run 打印的链接。令牌只保存在本标签页中。",
    scope: "范围", roles: "角色", wholeGraph: "全部", loading: "加载中…", notFound: "未找到",
    notFoundHelp: "该对象不存在，或不在您的范围内。", forbidden: "无权查看",
    needsAnalyst: "统计数据需要 ANALYST（分析员）、EDITOR 或 ADMIN 角色；您的角色：",
    serviceDown: "数据库暂时不可用，正在自动重试…", offline: "无法连接服务，正在自动重试…",
    expired: "请重新登录：", search: "搜索", searchOrg: "按名称搜索组织", searchPerson: "按姓名搜索人员",
    people: "人员", households: "户数", covered: "已覆盖", uncovered: "未覆盖", multiply: "多人覆盖",
    ratio: "覆盖率", board: "班子成员", date: "日期", today: "今天", role: "职务", since: "起", until: "止",
    age: "年龄", ageBand: "年龄段", education: "学历", political: "政治面貌", phone: "电话",
    termHistory: "换届历史", termStats: "换届统计", grids: "网格", leads: "牵头人", meetings: "会议",
    topic: "议题", form: "形式", place: "地点", attendees: "参会人", name: "名称", code: "编码",
    kind: "类型", level: "层级", children: "下级组织", csv: "下载 CSV", print: "打印",
    members: "覆盖人员（谁联系哪些户）", gridsCovered: "包干网格", householdsCovered: "联系户",
    reached: "覆盖户数", uncoveredList: "未覆盖户", tags: "标签", address: "地址", grid: "网格",
    careHidden: "关怀标签（留守儿童、困境妇女等）仅对 EDITOR、ADMIN 显示。",
    phoneMasked: "电话等个人信息已按您的角色脱敏。", coveredBy: "覆盖人", via: "方式",
    household: "户", residents: "家庭成员", funnel: "后备干部漏斗", from: "从", to: "到",
    stage: "阶段", nextStage: "下一阶段", advanced: "进入下一阶段", conversion: "转化率",
    median: "中位天数", p90: "90% 天数", perChild: "各下级", ready: "可进入下一阶段的人员",
    readyHelp: "点击漏斗中的阶段，查看谁已符合进入下一阶段的条件（等待最久者在前）。",
    waited: "已等待天数", reachedOn: "达到日期", mentors: "导师", mentees: "带教对象",
    positionsNow: "现任职务", positionsBefore: "曾任职务", organization: "组织", covers: "联系覆盖",
    milestones: "成长节点", guides: "联系指导的执委", guidedBy: "联系指导人", visits: "走访",
    purpose: "事由", note: "备注", commitments: "一句话承诺", year: "年份", status: "状态",
    completedOn: "完成日期", completion: "承诺完成率", birthYear: "出生年份", gender: "性别",
    currentStage: "当前阶段", none: "无", lineageGraph: "传帮带谱系", expandHelp: "点击人员展开其导师和带教对象；双击打开人员页。",
    connect: "两人如何联系", personA: "人员甲", personB: "人员乙", find: "查找", noPath: "在您的范围内找不到两人之间的联系（最多 6 步）。",
    hops: "步", peopleByRole: "各职务人数", householdsByTag: "各标签户数", coverageByChild: "各下级覆盖率",
    total: "合计", count: "人数", aged45: "45岁及以下", college: "大专及以上", party: "党员",
    onCommittee: "进村两委", youngest: "最年轻", share: "占比", open: "打开", coverageOf: "覆盖情况",
    treemapHelp: "绿色：已覆盖；红色：无人覆盖；蓝色：多人覆盖。带 ！ 的为未覆盖的关怀对象。",
    members2: "成员", gridPicture: "网格覆盖图", back: "返回", lang: "English", noData: "暂无数据",
    updated: "已更新", updatedHelp: "本页数据在他人修改后已自动刷新", liveRetrying: "实时更新已断开，正在重连…",
    lineageOf: "的传帮带", dashboardOf: "统计", org: "组织页", pick: "请选择", chooseRole: "统计职务",
    orgTreeHelp: "点击 ▸ 展开，点击名称打开组织页。", nodes: "个组织", stageList: "阶段名单",
    relationship: "关系", signedOutReason: "已退出登录。", noScopeRoot: "找不到您范围内的组织。",
    reason: "原因", pasteToken: "粘贴令牌", household2: "所住户", notAvailable: "—",
    stageReached: "达到人数", birthDate: "出生日期", showAll: "显示全部", more: "等",
  },
  en: {
    title: "OrgGraph explorer", tree: "Organizations", coverage: "Coverage", pipeline: "Pipeline", person: "People",
    lineage: "Lineage", stats: "Dashboard", signOut: "Sign out", signIn: "Sign in", tokenLabel: "Access token",
    tokenHelp: "Paste the token you were given, or use the link `make run` prints. It is kept in this tab only.",
    scope: "Scope", roles: "Roles", wholeGraph: "everything", loading: "Loading…", notFound: "Not found",
    notFoundHelp: "It does not exist, or it lies outside your scope.", forbidden: "Not allowed",
    needsAnalyst: "Statistics need the ANALYST, EDITOR or ADMIN role; your roles: ",
    serviceDown: "The database is unavailable; retrying by itself…", offline: "Cannot reach the service; retrying by itself…",
    expired: "Please sign in again: ", search: "Search", searchOrg: "Search organizations by name", searchPerson: "Search people by name",
    people: "People", households: "Households", covered: "Covered", uncovered: "Uncovered", multiply: "Covered more than once",
    ratio: "Coverage", board: "Board", date: "Date", today: "today", role: "Role", since: "Since", until: "Until",
    age: "Age", ageBand: "Age band", education: "Education", political: "Political status", phone: "Phone",
    termHistory: "Term history", termStats: "Term statistics", grids: "Grids", leads: "Leads", meetings: "Meetings",
    topic: "Topic", form: "Form", place: "Place", attendees: "Attendees", name: "Name", code: "Code",
    kind: "Kind", level: "Level", children: "Children", csv: "Download CSV", print: "Print",
    members: "Members covering households", gridsCovered: "Grids", householdsCovered: "Households",
    reached: "Households reached", uncoveredList: "Uncovered households", tags: "Tags", address: "Address", grid: "Grid",
    careHidden: "Care tags (left-behind children, women in hardship …) are shown to EDITOR and ADMIN only.",
    phoneMasked: "Phones and other personal data are masked for your role.", coveredBy: "Covered by", via: "Via",
    household: "Household", residents: "Residents", funnel: "Cadre pipeline", from: "From", to: "To",
    stage: "Stage", nextStage: "Next stage", advanced: "Advanced", conversion: "Conversion",
    median: "Median days", p90: "p90 days", perChild: "Per child", ready: "Ready for the next stage",
    readyHelp: "Click a stage of the funnel to see who is ready for the next one (longest waiting first).",
    waited: "Days waited", reachedOn: "Reached on", mentors: "Mentors", mentees: "Mentees",
    positionsNow: "Positions now", positionsBefore: "Positions before", organization: "Organization", covers: "Covers",
    milestones: "Milestones", guides: "Guides", guidedBy: "Guided by", visits: "Visits",
    purpose: "Purpose", note: "Note", commitments: "Commitments", year: "Year", status: "Status",
    completedOn: "Completed on", completion: "Completion", birthYear: "Birth year", gender: "Gender",
    currentStage: "Current stage", none: "none", lineageGraph: "Mentoring lineage", expandHelp: "Click a person to expand her mentors and mentees; double-click opens her page.",
    connect: "How are two people connected", personA: "Person A", personB: "Person B", find: "Find", noPath: "No connection within your scope (at most 6 hops).",
    hops: "hops", peopleByRole: "People by role", householdsByTag: "Households by tag", coverageByChild: "Coverage by child",
    total: "Total", count: "Count", aged45: "45 or under", college: "College or above", party: "Party members",
    onCommittee: "On village committee", youngest: "Youngest", share: "Share", open: "Open", coverageOf: "Coverage",
    treemapHelp: "Green: covered; red: nobody covers; blue: covered more than once. ! marks an uncovered care case.",
    members2: "Members", gridPicture: "Grid picture", back: "Back", lang: "中文", noData: "No data",
    updated: "Updated", updatedHelp: "This page was refreshed after a change made elsewhere", liveRetrying: "Live updates disconnected, reconnecting…",
    lineageOf: ": lineage", dashboardOf: "Dashboard", org: "Organization", pick: "Choose", chooseRole: "Role",
    orgTreeHelp: "Click ▸ to expand, a name to open the organization.", nodes: "organizations", stageList: "Stage list",
    relationship: "Relationship", signedOutReason: "Signed out.", noScopeRoot: "No organization found in your scope.",
    reason: "Reason", pasteToken: "Paste a token", household2: "Household", notAvailable: "—",
    stageReached: "Reached", birthDate: "Birth date", showAll: "Show all", more: "and more",
  },
};

export let lang = sessionStorage.getItem("orggraph.lang") || "zh";

export function setLang(value) {
  lang = value;
  sessionStorage.setItem("orggraph.lang", value);
  document.documentElement.lang = value === "zh" ? "zh-CN" : "en";
}

export function t(key) {
  return STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
}

const LABELS = window.ORGGRAPH_LABELS || {};

/** An enum value's label: the schema's Chinese label, or the humanized name in English. */
export function label(type, value) {
  if (value == null) return "";
  if (lang === "zh") return (LABELS[type] && LABELS[type][value]) || value;
  const words = String(value).toLowerCase().replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function enumValues(type) {
  return Object.keys(LABELS[type] || {});
}
