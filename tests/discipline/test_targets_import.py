"""Targets from a spreadsheet: `crmbot import targets FILE` (.xlsx or a Chinese Excel CSV),
rows set or skipped with their reasons, the same permissions as /target."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from bot.models import Target
from bot.services.data.spreadsheet import read_rows
from bot.services.discipline import targets
from bot.services.errors import InvalidInput, PermissionDenied
from tests.conftest import Team
from tests.test_cli import crmbot_process

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
JAN = date(2027, 1, 1)


def gbk_csv(rows: list[str]) -> bytes:
    """What Excel on a Chinese Windows saves as CSV."""
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


async def _import(team: Team, who: str, data: bytes, name: str) -> targets.ImportReport:
    table = read_rows(data, name)
    return await targets.import_targets(
        team.users[who], table, now=NOW, tz=SHANGHAI, currency="CNY"
    )


async def _targets() -> dict[tuple[str, str, str], tuple[Decimal, str]]:
    rows = await Target.all().values_list(
        "user__name", "scope", "metric", "amount", "currency", "month"
    )
    assert {month for *_, month in rows} <= {JAN}
    return {(n, str(s), str(m)): (Decimal(str(a)), c) for n, s, m, a, c, _ in rows}


async def test_a_manager_imports_a_chinese_csv_for_the_team(team: Team) -> None:
    data = gbk_csv(
        [
            "销售,月份,成交额,回款,拜访,币种",
            "Li Wei,2027-01,120万,80万,30,",
            "Sam,2027年1月,1000000,,25,USD",
            "Mia,2027-01,,,60,",  # the manager: the team's target
            "Olga,2027-01,5000,,,",  # another manager's rep
            "Nobody,2027-01,5000,,,",
            "Sam,someday,5000,,,",
            "Sam,2027-01,lots,,,",
            "Sam,2027-01,,,2.5,",
            "Sam,2027-01,,,,",
            ",,,,,",  # an empty line is no row
        ]
    )
    report = await _import(team, "Mia", data, "目标.csv")
    assert report.targets_set == 6
    assert [(r.line, r.reason) for r in report.skipped] == [
        (5, "target_person_unknown"),
        (6, "target_person_unknown"),
        (7, "month_invalid"),
        (8, "target_amount_invalid"),
        (9, "target_visits_invalid"),
        (10, "target_row_empty"),
    ]
    assert await _targets() == {
        ("Li Wei", "rep", "won"): (Decimal("1200000"), "CNY"),
        ("Li Wei", "rep", "collected"): (Decimal("800000"), "CNY"),
        ("Li Wei", "rep", "visits"): (Decimal(30), ""),
        ("Sam", "rep", "won"): (Decimal("1000000"), "USD"),
        ("Sam", "rep", "visits"): (Decimal(25), ""),
        ("Mia", "team", "visits"): (Decimal(60), ""),
    }

    # Importing again replaces what was set; nothing is doubled.
    again = await _import(team, "Mia", gbk_csv(["rep,month,visits", "Li Wei,2027-01,35"]), "a.csv")
    assert again.targets_set == 1 and not again.skipped
    assert (await _targets())[("Li Wei", "rep", "visits")] == (Decimal(35), "")
    assert await Target.all().count() == 6


async def test_reps_cannot_import_and_a_file_needs_its_columns(team: Team) -> None:
    with pytest.raises(PermissionDenied):
        await _import(team, "Li Wei", gbk_csv(["rep,month,won", "Sam,2027-01,5"]), "t.csv")
    with pytest.raises(InvalidInput) as missing:
        await _import(team, "Mia", gbk_csv(["rep,won", "Sam,5"]), "t.csv")
    assert missing.value.code == "columns_missing" and missing.value.detail == "month"


async def test_crmbot_import_targets_from_xlsx(team: Team, db_url: str, tmp_path: Path) -> None:
    """The operator's command, as the first admin, on the same database."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Rep", "Month", "Won", "Collected", "Visits", "Currency"])
    sheet.append([team.users["Olga"].id, datetime(2027, 1, 1), 1500000, 900000, 40, "CNY"])  # noqa: DTZ001 (a cell)
    sheet.append(["Nobody", "2027-01", 1, None, None, None])
    out = io.BytesIO()
    book.save(out)
    (tmp_path / "targets.xlsx").write_bytes(out.getvalue())

    done = await crmbot_process(
        tmp_path, "import", "targets", "targets.xlsx", CRM_DATABASE_URL=db_url
    )
    assert done.returncode == 1, done.stderr  # a row was skipped
    assert "Targets set: 3 (rows: 1 set, 1 skipped)" in done.stdout, done.stdout
    assert (
        "row 3 (Nobody): no such rep or manager among those you may set targets for" in done.stdout
    )
    assert await _targets() == {
        ("Olga", "rep", "won"): (Decimal("1500000"), "CNY"),
        ("Olga", "rep", "collected"): (Decimal("900000"), "CNY"),
        ("Olga", "rep", "visits"): (Decimal(40), ""),
    }
