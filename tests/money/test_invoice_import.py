"""Invoice import: rows created/updated/refused with reasons; a broken file changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.models import Invoice, InvoiceStatus, Role
from bot.services.errors import InvalidInput, PermissionDenied
from bot.services.finance.invoice_import import import_invoices
from tests.conftest import Team
from tests.money.helpers import own_customer

GOOD = """number,customer,amount,currency,issue_date,due_date
INV-1,Acme Trading Co.,"1,200.50",CNY,2026-10-01,2026-10-31
INV-2,acme trading co,120万,,2026-11-01,2026-12-01
INV-3,Globex,$80k,,2026-11-01,2026-11-30
"""


async def test_csv_import_creates_then_updates(team: Team, tmp_path: Path) -> None:
    acme = await own_customer(team, "Li Wei", "Acme Trading Co.")
    globex = await own_customer(team, "Olga", "Globex")
    path = tmp_path / "invoices.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    report = await import_invoices(path, actor=None)
    assert (report.created, report.updated, report.refused, report.applied) == (3, 0, [], True)
    inv2 = await Invoice.get(number="INV-2")
    assert (inv2.customer_id, inv2.amount, inv2.currency) == (acme.id, Decimal(1200000), "CNY")
    inv3 = await Invoice.get(number="INV-3")
    assert (inv3.customer_id, inv3.currency, inv3.due_date) == (
        globex.id,
        "USD",
        date(2026, 11, 30),
    )

    await Invoice.filter(number="INV-1").update(paid_amount=Decimal(200))
    path.write_text(GOOD.replace("2026-10-31", "2026-11-15"), encoding="utf-8")
    report = await import_invoices(path, actor=None)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    inv1 = await Invoice.get(number="INV-1")
    assert inv1.due_date == date(2026, 11, 15) and inv1.paid_amount == Decimal(200)
    assert inv1.status == InvoiceStatus.OPEN


async def test_a_broken_file_changes_nothing(team: Team, tmp_path: Path) -> None:
    await own_customer(team, "Li Wei", "Acme Trading Co.")
    path = tmp_path / "invoices.csv"
    path.write_text(
        GOOD
        + "INV-4,Nobody Ltd,100,,2026-11-01,2026-11-30\n"
        + "INV-5,Acme Trading Co.,lots,,2026-11-01,2026-11-30\n"
        + "INV-6,Acme Trading Co.,100,,2026-11-01,2026-10-30\n"
        + "INV-1,Acme Trading Co.,100,,2026-11-01,2026-11-30\n"
        + "INV-7,Acme Trading Co.,100,,someday,2026-11-30\n",
        encoding="utf-8",
    )
    report = await import_invoices(path, actor=None)
    assert not report.applied and await Invoice.all().count() == 0
    reasons = {line: reason for line, _, reason in report.refused}
    assert reasons == {
        4: "customer_unknown",  # Globex does not exist here
        5: "customer_unknown",
        6: "amount_invalid",
        7: "due_before_issue",
        8: "number_repeated",
        9: "date_invalid",
    }
    partial = await import_invoices(path, actor=None, partial=True)
    assert partial.applied and await Invoice.all().count() == 2

    (tmp_path / "cols.csv").write_text("number,amount\nX,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as missing:
        await import_invoices(tmp_path / "cols.csv", actor=None)
    assert missing.value.code == "columns_missing" and "due_date" in missing.value.detail
    (tmp_path / "junk.xlsx").write_bytes(b"not a zip at all")
    with pytest.raises(InvalidInput) as junk:
        await import_invoices(tmp_path / "junk.xlsx", actor=None)
    assert junk.value.code == "file_unreadable"
    assert await Invoice.all().count() == 2
    with pytest.raises(PermissionDenied):
        await import_invoices(path, actor=team.users["Li Wei"])


async def test_xlsx_with_chinese_headers_and_real_dates(team: Team, tmp_path: Path) -> None:
    acme = await own_customer(team, "Li Wei", "Acme Trading Co.")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["发票号", "客户", "金额", "开票日期", "到期日"])
    sheet.append(["X-1", "Acme Trading Co.", 1500.5, date(2026, 11, 1), date(2026, 12, 1)])
    book.save(tmp_path / "inv.xlsx")
    await team.join("Fay", Role.FINANCE)
    report = await import_invoices(tmp_path / "inv.xlsx", actor=team.users["Fay"])
    assert report.created == 1 and report.applied
    invoice = await Invoice.get(number="X-1")
    assert invoice.customer_id == acme.id and invoice.amount == Decimal("1500.50")


def test_cli_import_reports_rows_and_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    import sqlite3

    from tests.test_cli import crmbot

    assert crmbot(tmp_path, "migrate").returncode == 0
    db = sqlite3.connect(tmp_path / "cli.db")
    db.execute(
        "INSERT INTO users (id, name, role, locale, timezone, active, created_at) "
        "VALUES (1, 'Li', 'rep', 'en', 'UTC', 1, '2026-11-18 00:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO customers (name, normalized_name, address, industry, tier, status, "
        "credit_limit, notes, created_at, updated_at, owner_id) VALUES ('Acme Trading Co.', "
        "'acme trading', '', '', '', 'active', '0', '', '2026-11-18', '2026-11-18', 1)"
    )
    db.commit()
    db.close()
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD, encoding="utf-8")  # Globex is unknown here
    result = crmbot(tmp_path, "import", "invoices", str(bad))
    assert result.returncode == 1, result.stderr
    assert (
        "would be created: 2" in result.stdout and "row 4 INV-3: no such customer" in result.stdout
    )
    assert "Nothing was changed" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text("\n".join(GOOD.splitlines()[:3]) + "\n", encoding="utf-8")
    result = crmbot(tmp_path, "import", "invoices", str(good))
    assert result.returncode == 0, result.stderr
    assert "Invoices created: 2, updated: 0, unchanged: 0, refused: 0" in result.stdout
    result = crmbot(tmp_path, "import", "invoices", str(tmp_path / "missing.xlsx"))
    assert result.returncode == 2
    assert result.stderr.strip() == "Cannot import missing.xlsx: there is no such file."
