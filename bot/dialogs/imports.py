"""Customer import in the chat: send the spreadsheet, read the preview, tap Import or Cancel.

    (file sent, or /import → "send the file") → file: read, checked → confirm: preview
    confirm → Import: created in one transaction, the file comes back with a status column
    confirm → Cancel: nothing written

The checked table rides in the dialog state (cells as text), so Import checks the same rows
again against the customers as they are then, and nothing is written before the tap.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from bot.dialogs.base import Answer, Ctx, Dialog, Done, Invalid, Question, Start, Step, Transition
from bot.dialogs.feature import LEADS, Command, Feature
from bot.dialogs.widgets import confirmed
from bot.i18n import N_
from bot.messages import InFile, OutFile, Reply
from bot.reports import workbook
from bot.services import customer_import
from bot.services.customer_import import Preview, RowResult, RowStatus
from bot.services.errors import InvalidInput
from bot.services.spreadsheet import read_rows

REASONS = {
    "name_empty": N_("no name"),
    "name_too_long": N_("name too long"),
    "phone_invalid": N_("phone number not valid"),
    "tier_invalid": N_("tier must be A, B or C"),
}


def reason_text(ctx: Ctx, code: str) -> str:
    return ctx._(REASONS[code]) if code in REASONS else code


def status_text(ctx: Ctx, row: RowResult, applied: bool) -> str:
    """The status column of one row, as the importer reads it."""
    match row.status:
        case RowStatus.NEW:
            return ctx._("created") if applied else ctx._("new")
        case RowStatus.DUPLICATE:
            return ctx._("duplicate of «{name}»").format(name=row.detail)
        case RowStatus.REPEAT:
            return ctx._("repeat of row {line}").format(line=row.detail)
        case RowStatus.INVALID:
            return ctx._("invalid: {reason}").format(reason=reason_text(ctx, row.detail))
    return ""


def file_problem(ctx: Ctx, problem: InvalidInput) -> str:
    """One line for a file that cannot be imported at all."""
    if problem.code == "columns_missing":
        return ctx._(
            "I cannot find the customer name column. The first row should hold headers such "
            "as 名称 or Name, 电话 or Phone."
        )
    if problem.code == "file_empty":
        return ctx._("That file has no rows.")
    if problem.code == "file_too_big":
        return ctx._("That file is too big to import here; please split it.")
    return ctx._("That file is not a spreadsheet I can read. Please send an .xlsx or .csv file.")


def _table(document: InFile) -> list[list[str]]:
    """The file's rows as text cells; InvalidInput when it is not a spreadsheet."""
    if document.data is None:
        raise InvalidInput("not_spreadsheet")
    rows = read_rows(document.data, document.name)
    cells = [[customer_import.cell_text(c) for c in row] for row in rows]
    while cells and not any(cells[-1]):
        cells.pop()
    return cells


async def _checked(ctx: Ctx, document: InFile) -> dict[str, Any]:
    """The state a preview needs: the table, the file name; raises InvalidInput for bad files."""
    table = _table(document)
    if len(table) < 2:
        raise InvalidInput("file_empty")
    customer_import.header_columns(table[0])  # no name column: refused before any preview
    return {"table": table, "file": PurePath(document.name or "customers.xlsx").name}


async def document_received(ctx: Ctx, args: str) -> list[Reply] | Start:
    """A file sent outside a dialog: a customer spreadsheet to preview, if the sender imports."""
    document = ctx.incoming.document
    if document is None:
        return [Reply(ctx._("I did not get that. /help lists what I can do."))]
    if not customer_import.can_import(ctx.user):
        return [Reply(ctx._("Only admins and managers import customers."))]
    try:
        data = await _checked(ctx, document)
    except InvalidInput as problem:
        return [Reply(file_problem(ctx, problem))]
    return Start("import", data)


async def begin_import(ctx: Ctx, args: str) -> dict[str, Any] | list[Reply]:
    if not customer_import.can_import(ctx.user):
        return [Reply(ctx._("Only admins and managers import customers."))]
    return {}


async def ask_file(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    if data.get("table"):
        return None
    return Question(
        ctx._(
            "Send me the customer list as an .xlsx or .csv file. Headers in the first row: "
            "名称/Name (required), 电话/Phone, 地址/Address, 行业/Industry, 等级/Tier, "
            "负责人/Owner, 备注/Notes."
        )
    )


async def answer_file(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    document = ctx.incoming.document
    if document is None:
        raise Invalid(ctx._("Please send the file itself (as a document), .xlsx or .csv."))
    try:
        data.update(await _checked(ctx, document))
    except InvalidInput as problem:
        raise Invalid(file_problem(ctx, problem)) from problem
    return None


def preview_text(ctx: Ctx, result: Preview, file: str) -> str:
    lines = [
        ctx._("Import from {file}:").format(file=file),
        "🆕 " + ctx._("new customers: {n}").format(n=result.count(RowStatus.NEW)),
        "👥 "
        + ctx._("already customers (duplicates): {n}").format(n=result.count(RowStatus.DUPLICATE)),
        "🔁 " + ctx._("repeats within the file: {n}").format(n=result.count(RowStatus.REPEAT)),
        "⚠️ " + ctx._("invalid rows: {n}").format(n=result.count(RowStatus.INVALID)),
    ]
    for line, code in result.reasons:
        lines.append(
            "   " + ctx._("row {line}: {reason}").format(line=line, reason=reason_text(ctx, code))
        )
    return "\n".join(lines)


async def ask_confirm(ctx: Ctx, data: dict[str, Any]) -> Question | None:
    result = await customer_import.preview(ctx.user, data["table"], ctx.finder)
    data["preview"] = result.to_data()
    text = preview_text(ctx, result, data["file"])
    if not result.count(RowStatus.NEW):
        text += "\n\n" + ctx._("Nothing new to import.")
        return Question(text)
    text += "\n\n" + ctx._("Nothing is saved until you tap Import.")
    return Question(text, [("save", ctx._("📥 Import"))])


async def answer_confirm(ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
    if not confirmed(answer):
        raise Invalid(ctx._("Tap Import to create the new customers, or Cancel."))
    table: list[list[str]] = data["table"]
    previewed = Preview.from_data(data["preview"]) if data.get("preview") else None
    result = await customer_import.apply(
        ctx.user, table, ctx.finder, file_name=data["file"], previewed=previewed
    )
    statuses = [status_text(ctx, row, True) for row in result.rows]
    content = workbook.status_file(table, statuses, ctx._("Import status"))
    stem = PurePath(data["file"]).stem or "customers"
    summary = ctx.ngettext(
        "✅ {n} customer created.", "✅ {n} customers created.", result.created
    ).format(n=result.created)
    summary += " " + ctx._("The status of every row is in the file.")
    out = OutFile(f"{stem}-import.xlsx", content, workbook.XLSX_MIME)
    return Done([Reply(summary, file=out)])


IMPORT = Dialog(
    name="import",
    title=N_("Import customers"),
    begin=begin_import,
    steps=(
        Step("file", ask_file, answer_file),
        Step("confirm", ask_confirm, answer_confirm),
    ),
)


FEATURE = Feature(
    name="imports",
    commands=(
        Command(
            "import",
            N_("import customers from a spreadsheet (admins, managers)"),
            LEADS,
            dialog=IMPORT,
        ),
    ),
    document=document_received,
)
