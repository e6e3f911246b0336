"""The explorer in a real browser (headless Debian Chromium through Playwright)
on the seeded demo county, against a live OrgGraph with real tokens.

A county EDITOR and a VIEWER of one township click through every view; the
numbers and names on screen must equal the GraphQL answers to the same
question (asked with the explorer's own documents and the same token). Every
request the page makes is recorded: none may leave for another origin.
Screenshots of every view go to tests/screenshots/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from graph.access import Grant
from graph.driver import Connection, Database
from service.auth import mint
from service.explorer import documents
from tests.browser import LiveServer, chromium, demo_server, graphql_data, screenshot

SECRET = "explorer-test-secret-0123456789-0123"
DOCUMENTS = documents()
READY = ".view[data-ready]"


def token(org: str, *roles: Grant, sub: str, **overrides: Any) -> str:
    return mint(org=org, roles=list(roles), subject=sub, key=SECRET, **overrides)


EDITOR = token("QX", Grant.EDITOR, sub="county-editor")
VIEWER = token("QX-T01", Grant.VIEWER, sub="township-viewer")


@pytest.fixture(scope="module")
def server(demo: Database, neo4j_connection: Connection) -> Iterator[LiveServer]:
    """OrgGraph with authentication on, over the seeded demo, on a free port."""
    with demo_server(neo4j_connection, SECRET) as live:
        yield live


def ask(server: LiveServer, bearer: str, name: str, **variables: Any) -> dict[str, Any]:
    """The GraphQL answer to the explorer's document `name`, with the same token."""
    return graphql_data(server, bearer, DOCUMENTS[name], **variables)


class Tab:
    """A signed-in browser tab that records every URL it requests."""

    def __init__(self, browser: Any, server: LiveServer, bearer: str) -> None:
        self.server = server
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        self.context.set_default_timeout(150_000)
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{server.url}/explore#token={bearer}")
        self.page.wait_for_selector(READY)

    def open(self, path: str) -> Any:
        self.page.goto(f"{self.server.url}/explore{path}")
        self.page.wait_for_selector(READY)
        return self.page

    def click(self, selector: str) -> Any:
        self.page.click(selector)
        self.page.wait_for_selector(READY)
        return self.page

    def texts(self, selector: str) -> list[str]:
        return [t.strip() for t in self.page.locator(selector).all_inner_texts()]

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).inner_text()).strip()

    def shot(self, name: str) -> None:
        self.page.wait_for_timeout(300)  # charts draw after the data arrives
        screenshot(self.page, name)


@pytest.fixture(scope="module")
def browser(server: LiveServer) -> Iterator[Any]:
    # After the server: the seeding (async) cannot start once Playwright's loop runs.
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def editor(browser: Any, server: LiveServer) -> Iterator[Tab]:
    tab = Tab(browser, server, EDITOR)
    yield tab
    tab.context.close()


@pytest.fixture(scope="module")
def viewer(browser: Any, server: LiveServer) -> Iterator[Tab]:
    tab = Tab(browser, server, VIEWER)
    yield tab
    tab.context.close()


def num(n: int) -> str:
    return f"{n:,}"


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def test_sign_in_takes_the_token_from_the_fragment_and_shows_who(editor: Tab) -> None:
    page = editor.page
    assert "#" not in page.url and "token" not in page.url
    assert page.evaluate("sessionStorage.getItem('orggraph.token')") == EDITOR
    assert editor.text("[data-testid=who-name]") == "county-editor"
    assert editor.text("[data-testid=who-scope]") == "青溪县妇联"
    assert editor.text("[data-testid=who-roles]") == "EDITOR"


def test_tree_has_the_whole_scope_with_figures_and_search(editor: Tab, server: LiveServer) -> None:
    root = ask(server, EDITOR, "ScopeRoot", code="QX")["organization"]
    query = "query($id: ID!) { organizations(under: $id) { totalCount } }"
    everything = graphql_data(server, EDITOR, query, id=root["id"])["organizations"]["totalCount"]
    editor.open("/tree")
    assert editor.text("[data-testid=tree-count]").startswith(f"{num(everything)} ")
    # The root's figures equal the API's answer for the same organization.
    figures = ask(server, EDITOR, "OrgFigures", id=root["id"])
    expected = (
        f"人员 {num(figures['people']['totalCount'])} · 户数 {num(figures['node']['households']['totalCount'])}"
        f" · 覆盖率 {pct(figures['node']['coverage']['coverageRatio'])}"
    )
    editor.page.wait_for_function(
        "t => document.querySelector('[data-testid=figs-QX]').textContent === t", arg=expected
    )
    # Search by a Chinese name jumps to the node, its township expanded.
    editor.page.fill("[data-testid=org-search]", "郭园村妇联")
    editor.click(".matches button")
    assert "at=QX-T01-V01" in editor.page.url
    assert editor.page.locator(".row.hit [data-testid=node-QX-T01-V01]").is_visible()
    editor.shot("explorer-tree")
    editor.click("[data-testid=toggle-QX-T01]")
    assert not editor.page.locator("[data-testid=node-QX-T01-V01]").is_visible()


def test_organization_board_equals_the_api(editor: Tab, server: LiveServer) -> None:
    org = ask(server, EDITOR, "Organization", code="QX-T01-V01")["organization"]
    editor.open("/org/QX-T01-V01")
    names = editor.texts("[data-testid=board] td[data-col=name]")
    roles = editor.texts("[data-testid=board] td[data-col=role]")
    label = {"CHAIR": "主席", "VICE_CHAIR": "副主席", "EXECUTIVE": "执委"}
    assert names == [p["person"]["name"] for p in org["positions"]["nodes"]]
    assert roles == [label.get(p["role"], p["role"]) for p in org["positions"]["nodes"]]
    assert len(names) >= 7
    phones = editor.texts("[data-testid=board] td[data-col=phone]")
    assert all(re.fullmatch(r"1\d{10}", p) for p in phones)  # an EDITOR sees phones unmasked
    assert editor.page.locator("[data-testid=term-history] li").count() >= 2
    # The term statistics are filled in after the board is on screen.
    editor.page.wait_for_selector("[data-testid^=table-term-statistics] td[data-col=count]")
    assert editor.page.locator("[data-testid^=table-term-statistics] td[data-col=count]").count() >= 1
    editor.shot("explorer-organization")
    # The board on an earlier day (the date picker) is the board of the term before.
    editor.page.fill("[data-testid=date-on]", "2019-01-01")
    editor.page.wait_for_selector(READY)
    assert "on=2019-01-01" in editor.page.url
    before = ask(server, EDITOR, "Organization", code="QX-T01-V01", on="2019-01-01")["organization"]
    assert editor.texts("[data-testid=board] td[data-col=name]") == [
        p["person"]["name"] for p in before["positions"]["nodes"]
    ]
    editor.page.go_back()
    editor.page.wait_for_selector(READY)
    assert "on=" not in editor.page.url


def test_coverage_counts_equal_the_api(editor: Tab, server: LiveServer) -> None:
    for code in ("QX-T01-V01", "QX"):
        c = ask(server, EDITOR, "Coverage", code=code)["organization"]["coverage"]
        editor.open(f"/coverage/{code}")
        assert editor.text("[data-testid=cov-households] .value") == num(c["householdCount"])
        assert editor.text("[data-testid=cov-covered] .value") == num(c["coveredCount"])
        assert editor.text("[data-testid=cov-uncovered] .value") == num(c["uncoveredCount"])
        assert editor.text("[data-testid=cov-multiply] .value") == num(c["multiplyCovered"]["totalCount"])
        assert editor.text("[data-testid=cov-ratio] .value") == pct(c["coverageRatio"])
        editor.page.wait_for_selector("[data-testid=coverage-treemap] canvas")
        editor.shot(f"explorer-coverage-{code}")
    village = ask(server, EDITOR, "Coverage", code="QX-T01-V01")["organization"]
    members = ask(server, EDITOR, "CoverageMembers", id=village["id"])["coverage"]["members"]
    editor.open("/coverage/QX-T01-V01")
    assert editor.texts("[data-testid^=table-coverage-members] td[data-col=name]") == [
        m["person"]["name"] for m in members["nodes"]
    ]
    assert editor.texts("[data-testid^=table-coverage-members] td[data-col=reached]") == [
        num(m["householdsReached"]) for m in members["nodes"]
    ]
    # Drill down: grid → its households → a household.
    editor.click("[data-testid^=table-coverage-members] a[href^='/explore/grid/']")
    assert "/explore/grid/" in editor.page.url
    editor.shot("explorer-grid")
    editor.click("[data-testid^=table-grid] a[href^='/explore/household/']")
    assert editor.page.locator("[data-testid=household-address]").inner_text()
    editor.shot("explorer-household")


def test_pipeline_funnel_and_candidates_equal_the_api(editor: Tab, server: LiveServer) -> None:
    root = ask(server, EDITOR, "ScopeRoot", code="QX")["organization"]
    funnel = ask(server, EDITOR, "Funnel", id=root["id"])["pipelineFunnel"]
    editor.open("/pipeline/QX")
    assert editor.texts("[data-testid=funnel] td[data-col=reached]") == [
        num(s["reached"]) for s in funnel["stages"]
    ]
    assert editor.texts("[data-testid=funnel] td[data-col=advanced]") == [
        num(s["advanced"]) for s in funnel["stages"]
    ]
    editor.page.wait_for_selector("[data-testid=funnel-chart] canvas")
    editor.shot("explorer-pipeline")
    ready = ask(server, EDITOR, "Candidates", id=root["id"], stage="PARTY_ACTIVIST")["pipelineCandidates"]
    editor.click("[data-testid=funnel] [data-testid=stage-PARTY_ACTIVIST]")
    assert editor.page.url.endswith("/explore/pipeline/QX/PARTY_ACTIVIST")
    names = editor.texts("[data-testid=candidates] td[data-col=name]")
    assert names == [c["person"]["name"] for c in ready["nodes"]]
    waited = [int(w.replace(",", "")) for w in editor.texts("[data-testid=candidates] td[data-col=waited]")]
    assert waited == sorted(waited, reverse=True)  # longest waiting first
    editor.shot("explorer-pipeline-candidates")


def test_person_and_lineage(editor: Tab, server: LiveServer) -> None:
    person = ask(server, EDITOR, "Person", code="P0000001")["person"]
    assert person["mentors"], "the demo's first chair has a mentor"
    editor.open("/person/P0000001")
    assert editor.text("[data-testid=person-name]").startswith(person["name"])
    assert editor.texts("[data-testid=mentors] td[data-col=name]") == [
        m["person"]["name"] for m in person["mentors"]
    ]
    assert editor.text("[data-testid=person-phone]") == person["phone"]
    editor.shot("explorer-person")
    editor.click("a[href='/explore/lineage/P0000001']")
    editor.page.wait_for_selector("[data-testid=lineage-graph] canvas")
    listed = editor.text("[data-testid=lineage-people]")
    assert person["name"] in listed and person["mentors"][0]["person"]["name"] in listed
    editor.shot("explorer-lineage")
    # How are these two connected: the shortest path, as the API answers it.
    mentor = person["mentors"][0]["person"]
    editor.open("/lineage")
    for which, who in (("from", person), ("to", mentor)):
        editor.page.fill(f"[data-testid=connect-search-{which}]", who["name"])
        editor.page.locator(".matches button", has_text=who["code"]).first.click()
        assert editor.text(f"[data-testid=connect-{which}]") == who["name"]
    editor.click("[data-testid=connect-go]")
    assert editor.page.url.endswith(f"/explore/connect?from=P0000001&to={mentor['code']}")
    ids = [ask(server, EDITOR, "PersonRef", code=c)["person"]["id"] for c in ("P0000001", mentor["code"])]
    path = ask(server, EDITOR, "Connection", **{"from": ids[0], "to": ids[1]})["connection"]
    stops = editor.texts("[data-testid=connection-path] .stop a")
    assert stops == [n.get("name") or n["code"] for n in path["nodes"]]
    editor.shot("explorer-connection")


def test_dashboard_equals_the_api(editor: Tab, server: LiveServer) -> None:
    stats = ask(server, EDITOR, "Stats", code="QX")["organization"]["stats"]
    editor.open("/stats/QX")
    assert editor.text("[data-testid=stats-households] .value") == num(stats["households"])
    assert editor.text("[data-testid=stats-covered] .value") == num(stats["coveredHouseholds"])
    # Each child's row (its households and coverage) is the API's, the charts drawn after.
    rows = editor.page.locator("[data-testid=table-stats-children-QX] tbody tr")
    assert rows.count() == len(stats["children"]) >= 2
    assert [r.split("\t")[:2] for r in rows.all_inner_texts()] == [
        [c["organization"]["name"], num(c["households"])] for c in stats["children"]
    ]
    editor.page.wait_for_selector("[data-testid=chart-children] canvas")
    editor.shot("explorer-dashboard")


def test_tables_download_as_csv_excel_reads(editor: Tab) -> None:
    editor.open("/org/QX-T01-V01")
    with editor.page.expect_download() as info:
        editor.page.click("[data-testid^=table-board] button.csv")
    with open(info.value.path(), "rb") as f:
        raw = f.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("名称,编码,职务")
    assert re.search(r',"=""1\d{10}"""$', lines[1])  # the phone as text
    assert '"=""P' in lines[1]  # and the code


def test_english_switch_and_print(editor: Tab) -> None:
    editor.open("/org/QX-T01-V01")
    editor.click("[data-testid=lang]")
    assert editor.text("[data-testid=tab-coverage]") == "Coverage"
    assert "Chair" in editor.texts("[data-testid=board] td[data-col=role]")
    editor.click("[data-testid=lang]")
    assert editor.text("[data-testid=tab-coverage]") == "覆盖"
    editor.page.emulate_media(media="print")
    assert not editor.page.locator("header nav").is_visible()
    assert not editor.page.locator("button.csv").first.is_visible()
    editor.shot("explorer-print")
    editor.page.emulate_media(media="screen")


def test_viewer_sees_masked_phones_no_care_tags_and_only_her_township(
    viewer: Tab, server: LiveServer
) -> None:
    assert viewer.text("[data-testid=who-scope]") == "福田镇妇联"
    viewer.open("/tree")
    assert viewer.page.locator("[data-testid=node-QX-T01]").count() == 1
    assert viewer.page.locator("[data-testid=node-QX-T02]").count() == 0
    viewer.shot("explorer-viewer-tree")
    viewer.open("/org/QX-T01-V01")
    phones = viewer.texts("[data-testid=board] td[data-col=phone]")
    assert phones and all("****" in p for p in phones)
    viewer.page.wait_for_selector("[data-testid=term-stats] [data-testid=forbidden]")
    assert viewer.page.locator("[data-testid=forbidden]").count() == 1  # term statistics need ANALYST
    viewer.shot("explorer-viewer-organization")
    viewer.open("/coverage/QX-T01")
    assert viewer.page.locator("[data-testid=care-hidden]").is_visible()
    assert viewer.page.locator(".tag.care").count() == 0
    c = ask(server, VIEWER, "Coverage", code="QX-T01")["organization"]["coverage"]
    assert viewer.text("[data-testid=cov-households] .value") == num(c["householdCount"])
    viewer.shot("explorer-viewer-coverage")
    # A shared link to another township shows "not found", not its data.
    for path in ("/org/QX-T02-V01", "/coverage/QX-T02", "/grid/QX-T02-V01-G01", "/stats/QX"):
        viewer.open(path)
        assert viewer.page.locator("[data-testid=not-found]").is_visible(), path
    viewer.shot("explorer-viewer-not-found")
    # The pipeline explains that statistics need the ANALYST role.
    viewer.open("/pipeline/QX-T01")
    assert "ANALYST" in viewer.text("[data-testid=forbidden]")
    assert viewer.page.locator("[data-testid=funnel-chart]").count() == 0
    viewer.shot("explorer-viewer-pipeline")
    viewer.open("/stats/QX-T01")
    assert "ANALYST" in viewer.text("[data-testid=forbidden]")


def test_no_request_leaves_for_another_origin(editor: Tab, viewer: Tab, server: LiveServer) -> None:
    for tab in (editor, viewer):
        assert tab.requests, "requests were recorded"
        foreign = [u for u in tab.requests if not (u.startswith(server.url + "/") or u.startswith("blob:"))]
        assert foreign == []
        assert tab.errors == []
    assert any("/explore-assets/vendor/echarts.min.js" in u for u in editor.requests)
    assert any("/explore-assets/vendor/cytoscape.min.js" in u for u in editor.requests)


def test_an_expired_token_returns_to_sign_in_with_the_reason(browser: Any, server: LiveServer) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=10)
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(150_000)
        page.goto(f"{server.url}/explore/org/QX#token={token('QX', Grant.EDITOR, sub='late', now=past)}")
        page.wait_for_selector("[data-testid=signin]")
        assert "expired" in page.locator("[data-testid=signout-reason]").inner_text()
        # Pasting a good token signs her in again, on the same view.
        page.fill("[data-testid=token-input]", EDITOR)
        page.click("[data-testid=signin-button]")
        page.wait_for_selector(READY)
        assert page.locator("[data-testid=org-name]").inner_text().startswith("青溪县妇联")
    finally:
        context.close()


def test_database_down_shows_a_banner_and_recovers_by_itself(browser: Any, server: LiveServer) -> None:
    context = browser.new_context(locale="zh-CN")
    failures = {"left": 2, "health": 2}

    def not_ready(route: Any) -> None:
        # /health/ready says the database is down while the failures last.
        if failures["health"] > 0:
            failures["health"] -= 1
            route.fulfill(status=503, content_type="application/json", body='{"status":"unavailable"}')
        else:
            route.continue_()

    def flaky(route: Any) -> None:
        # The service's answer to the coverage while Neo4j is down, twice, then the real one.
        if failures["left"] > 0 and '"operationName":"Coverage"' in (route.request.post_data or ""):
            failures["left"] -= 1
            route.fulfill(
                status=200,
                content_type="application/json",
                body='{"data":null,"errors":[{"message":"Neo4j is unavailable",'
                '"extensions":{"code":"SERVICE_UNAVAILABLE"}}]}',
            )
        else:
            route.continue_()

    try:
        page = context.new_page()
        page.set_default_timeout(150_000)
        page.goto(f"{server.url}/explore/person#token={EDITOR}")  # a view that asks nothing more
        page.wait_for_selector(READY)
        context.route("**/graphql", flaky)
        context.route("**/health/ready", not_ready)
        page.click("[data-testid=tab-coverage]")
        page.wait_for_selector("#banner:not([hidden])")
        assert "重试" in page.locator("#banner").inner_text()
        page.wait_for_selector(READY)
        assert page.locator("#banner").is_hidden()
        assert page.locator("[data-testid=cov-households]").is_visible()
        assert failures == {"left": 0, "health": 0}
    finally:
        context.close()
