"""A coverage report's parts (`ReportPart`: its counts, a page of households by
their number of coverers, a page of the people covering) as one request asks
them, and their batch function: one query per report, and reports asking the
same pages answered together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from graph import coverage
from graph.coverage import CoverageMember, CoverageSummary
from graph.driver import Database
from graph.model import Household, Page, PageArgs


@dataclass(frozen=True, slots=True)
class ReportPart:
    """What a field of a coverage report on `on` needs: the counts, and with
    `households` a page of households by their number of coverers, with
    `members` a page of the people covering something."""

    on: dt.date
    households: coverage.HouseholdsAsked | None = None
    members: PageArgs | None = None


@dataclass(frozen=True, slots=True)
class ReportFound:
    """A ReportPart's answer: the counts and the page it asked for, if any."""

    summary: CoverageSummary
    households: Page[Household] | None = None
    members: Page[CoverageMember] | None = None


async def coverage_reports(db: Database, keys: Sequence[tuple[str, ReportPart]]) -> list[ReportFound]:
    """The parts of each report asked in one tick, from one query per report
    (organization and date): its counts and every page asked of it; reports
    asking the same pages from one query together when the tallies answer."""
    asked: dict[tuple[str, dt.date], tuple[list[coverage.HouseholdsAsked], list[PageArgs]]] = {}
    for organization_id, part in keys:
        households, members = asked.setdefault((organization_id, part.on), ([], []))
        if part.households is not None and part.households not in households:
            households.append(part.households)
        if part.members is not None and part.members not in members:
            members.append(part.members)
    # Reports asking the same pages (a view's children, each asked its counts)
    # are answered together.
    alike: dict[tuple[dt.date, tuple[coverage.HouseholdsAsked, ...], tuple[PageArgs, ...]], list[str]] = {}
    for (organization_id, on), (households, members) in asked.items():
        alike.setdefault((on, tuple(households), tuple(members)), []).append(organization_id)
    reports: dict[tuple[str, dt.date], coverage.Report] = {}
    for (on, pages, member_pages), ids in alike.items():
        answers = await coverage.coverage_reports(db, ids, on, pages, member_pages)
        reports.update({(organization_id, on): r for organization_id, r in zip(ids, answers, strict=True)})
    found: list[ReportFound] = []
    for organization_id, part in keys:
        report = reports[(organization_id, part.on)]
        households, members = asked[(organization_id, part.on)]
        found.append(
            ReportFound(
                report.summary,
                None if part.households is None else report.households[households.index(part.households)],
                None if part.members is None else report.members[members.index(part.members)],
            )
        )
    return found
