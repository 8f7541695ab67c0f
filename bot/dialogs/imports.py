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
from bot.dialogs.widgets import Confirm
from bot.i18n import N_, Translator
from bot.messages import InFile, OutFile, Reply
from bot.reports import workbook
from bot.services.data.spreadsheet import read_rows
from bot.services.errors import InvalidInput
from bot.services.records import customer_import
from bot.services.records.customer_import import Preview, RowResult, RowStatus

SHOWN_OWNERS = 5  # rows named whose owner is unknown, like the first invalid rows
REASONS = {
    "name_empty": N_("no name"),
    "name_too_long": N_("name too long"),
    "phone_invalid": N_("phone number not valid"),
    "tier_invalid": N_("tier must be A, B or C"),
}


def reason_text(t: Translator, code: str) -> str:
    """Why a row is refused, in words (never the service's code)."""
    return t.gettext(REASONS.get(code, N_("not readable")))


def status_text(t: Translator, row: RowResult, applied: bool, importer: str) -> str:
    """The status column of one row, as the importer reads it (the chat's and the CLI's)."""
    match row.status:
        case RowStatus.NEW if row.detail:
            message = (
                N_("created; no colleague «{owner}» found, so it went to {importer}")
                if applied
                else N_("new; no colleague «{owner}» found, so it goes to {importer}")
            )
            return t.gettext(message).format(owner=row.detail, importer=importer)
        case RowStatus.NEW:
            return t.gettext("created") if applied else t.gettext("new")
        case RowStatus.DUPLICATE:
            return t.gettext("duplicate of «{name}»").format(name=row.detail)
        case RowStatus.REPEAT:
            return t.gettext("repeat of row {line}").format(line=row.detail)
        case RowStatus.INVALID:
            return t.gettext("invalid: {reason}").format(reason=reason_text(t, row.detail))
    return ""


def file_problem(t: Translator, problem: InvalidInput) -> str:
    """One line for a file that cannot be imported at all."""
    if problem.code == "columns_missing":
        return t.gettext(
            "I cannot find the customer name column. The first row should hold headers such "
            "as 名称 or Name, 电话 or Phone."
        )
    if problem.code == "file_empty":
        return t.gettext("That file has no rows.")
    if problem.code == "file_too_big":
        return t.gettext("That file is too big to import here; please split it.")
    return t.gettext(
        "That file is not a spreadsheet I can read. Please send an .xlsx or .csv file."
    )


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
    """The state the summary needs: the table, the file name, the preview (nothing written);
    raises InvalidInput for bad files."""
    table = _table(document)
    if len(table) < 2:
        raise InvalidInput("file_empty")
    customer_import.header_columns(table[0])  # no name column: refused before any preview
    result = await customer_import.preview(ctx.user, table, ctx.finder)
    return {
        "table": table,
        "file": PurePath(document.name or "customers.xlsx").name,
        "preview": result.to_data(),
    }


def _nothing_new(ctx: Ctx, data: dict[str, Any]) -> list[Reply] | None:
    """A file with no new customer: its preview closes the matter, there is nothing to tap."""
    result = Preview.from_data(data["preview"])
    if result.count(RowStatus.NEW):
        return None
    text = preview_text(ctx, result, data["file"]) + "\n\n" + ctx._("Nothing new to import.")
    return [Reply(text)]


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
        return [Reply(file_problem(ctx.t, problem))]
    return _nothing_new(ctx, data) or Start("import", data)


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
        raise Invalid(file_problem(ctx.t, problem)) from problem
    nothing = _nothing_new(ctx, data)
    return Done(nothing) if nothing else None


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
            "   " + ctx._("row {line}: {reason}").format(line=line, reason=reason_text(ctx.t, code))
        )
    yours = [r for r in result.rows if r.status == RowStatus.NEW and r.detail]
    for row in yours[:SHOWN_OWNERS]:
        reason = ctx._("no colleague «{owner}» found, the customer goes to you").format(
            owner=row.detail
        )
        lines.append("   " + ctx._("row {line}: {reason}").format(line=row.line, reason=reason))
    return "\n".join(lines)


def _summary(ctx: Ctx, data: dict[str, Any]) -> str:
    text = preview_text(ctx, Preview.from_data(data["preview"]), data["file"])
    return text + "\n\n" + ctx._("Nothing is saved until you tap Import.")


async def _import(ctx: Ctx, data: dict[str, Any]) -> Transition:
    table: list[list[str]] = data["table"]
    result = await customer_import.apply(
        ctx.user,
        table,
        ctx.finder,
        file_name=data["file"],
        previewed=Preview.from_data(data["preview"]),
    )
    statuses = [status_text(ctx.t, row, True, ctx.user.name) for row in result.rows]
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
        Step("file", ask_file, answer_file),  # a document, not text: no widget reads files
        Confirm(
            prompt=_summary,
            label=N_("📥 Import"),
            refuse=N_("Tap Import to create the new customers, or Cancel."),
            save=_import,
        ),
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
