"""Reports, exports and imports from the command line and the console, in a fresh directory."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook

from tests.reports.helpers import png_size
from tests.reports.test_import import gbk_csv
from tests.test_cli import crmbot


def test_demo_data_then_report_export_and_import(tmp_path: Path) -> None:
    made = crmbot(tmp_path, "demo-data", "--reps", "10", "--customers", "300", "--visits", "2000")
    assert made.returncode == 0, made.stderr
    for what in ("deals", "invoices", "payments", "approvals", "tasks"):
        assert re.search(rf"[1-9]\d* {what}", made.stdout), made.stdout

    # the console writes the chart and prints its path
    chat = crmbot(tmp_path, "chat", stdin="/report\n1\n/export\n4\n")
    assert chat.returncode == 0, chat.stderr
    paths = re.findall(r"\[file: (.+?)\]", chat.stdout)
    assert len(paths) == 2, chat.stdout
    chart, workbook = Path(paths[0]), Path(paths[1])
    assert chart.parent == tmp_path / "crmbot-files" and png_size(chart.read_bytes())[0] >= 800
    assert workbook.name.startswith("receivables-") and workbook.suffix == ".xlsx"

    nowhere = crmbot(tmp_path, "export", "customers", "no-such-folder/all.xlsx")
    assert nowhere.returncode == 1 and not nowhere.stdout
    assert nowhere.stderr.strip() == (
        "Cannot write no-such-folder/all.xlsx: No such file or directory"
    ), nowhere.stderr
    exported = crmbot(tmp_path, "export", "customers", "all.xlsx")
    assert exported.returncode == 0, exported.stderr
    assert "300 rows written" in exported.stdout
    sheet = load_workbook(tmp_path / "all.xlsx").worksheets[0]
    assert sheet.max_row == 301

    users = crmbot(tmp_path, "users").stdout
    rep_id = next(line.split()[0] for line in users.splitlines() if " rep " in line)
    mine = crmbot(tmp_path, "export", "customers", "mine.xlsx", "--user", rep_id)
    assert mine.returncode == 0, mine.stderr
    count = int(re.search(r"(\d+) rows", mine.stdout).group(1))  # type: ignore[union-attr]
    assert 0 < count < 300

    (tmp_path / "new.csv").write_bytes(gbk_csv())
    refused = crmbot(tmp_path, "import", "customers", "new.csv", stdin="n\n")
    assert refused.returncode == 1 and "new: 4" in refused.stdout, refused.stdout
    assert "Nothing was changed." in refused.stdout
    done = crmbot(tmp_path, "import", "customers", "new.csv", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Created 4 customers" in done.stdout and (tmp_path / "new-import.xlsx").exists()
    again = crmbot(tmp_path, "export", "customers", "all.xlsx")
    assert "304 rows written" in again.stdout

    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    bad = crmbot(tmp_path, "import", "customers", "notes.pdf")
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "Cannot import notes.pdf: That file is not a spreadsheet I can read. "
        "Please send an .xlsx or .csv file."
    ), bad.stderr


def test_csv_export_sentences_and_a_chinese_status_file(tmp_path: Path) -> None:
    made = crmbot(tmp_path, "demo-data", "--reps", "2", "--customers", "5", "--visits", "5")
    assert made.returncode == 0, made.stderr
    assert "created the local admin" in crmbot(tmp_path, "chat", stdin="/help\n").stdout
    written = crmbot(tmp_path, "export", "customers", "out.csv")
    assert written.returncode == 0 and "5 rows written to out.csv" in written.stdout, written.stderr
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfID,Name,Phone,")  # UTF-8 with BOM, as Excel opens it
    lines = raw.decode("utf-8-sig").splitlines()
    assert len(lines) == 6 and not (tmp_path / "out.csv.part").exists()
    zh = crmbot(tmp_path, "export", "visits", "拜访.csv", CRM_LOCALE="zh")
    assert zh.returncode == 0, zh.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "拜访.csv").read_text(encoding="utf-8-sig"))))
    kinds = {row[rows[0].index("类型")] for row in rows[1:]}
    assert kinds and kinds <= {"拜访", "电话", "消息", "会议"}, kinds

    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02\x03")
    binary = crmbot(tmp_path, "import", "customers", "binary.csv")
    assert binary.returncode == 2 and "not_spreadsheet" not in binary.stderr
    assert "not a spreadsheet I can read" in binary.stderr
    (tmp_path / "no-name.csv").write_text("a,b\n1,2\n")
    headless = crmbot(tmp_path, "import", "customers", "no-name.csv")
    assert headless.returncode == 2 and "columns_missing" not in headless.stderr
    assert "I cannot find the customer name column." in headless.stderr

    (tmp_path / "owners.csv").write_text("名称,负责人\n测试客户甲,不存在的人\n", encoding="utf-8")
    done = crmbot(tmp_path, "import", "customers", "owners.csv", "--yes", CRM_LOCALE="zh")
    assert done.returncode == 0, done.stderr
    assert "row 2: 新客户；找不到同事“不存在的人”" in done.stdout, done.stdout
    sheet = load_workbook(tmp_path / "owners-import.xlsx").worksheets[0]
    assert sheet["C1"].value == "导入结果"
    assert sheet["C2"].value.startswith("已创建；找不到同事“不存在的人”，已归入")
