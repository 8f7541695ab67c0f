"""The lines about a dialog itself (expired, dropped), shared by the engine and the outbox.

A dialog's title travels in its state (`_title`), so a scheduled job that ends an idle dialog
words the same notice the engine would, without knowing the dialogs.
"""

from __future__ import annotations

from bot.dialogs.registry import Registry
from bot.dialogs.storage import Conversation
from bot.i18n import Translator

TITLE = "_title"  # key in a conversation's data: the title (a catalog id) of the open dialog


def expired(t: Translator, title: str, minutes: int | str) -> str:
    """The dialog ended by itself after the idle time; nothing of it was saved."""
    return t.gettext(
        "Your unfinished “{title}” expired after {minutes} minutes without an answer; "
        "nothing was saved."
    ).format(title=t.gettext(title) if title else "", minutes=minutes)


def dropped(t: Translator, title: str) -> str:
    """A new command replaced the open dialog; nothing of it was saved."""
    return t.gettext("(Your unfinished “{title}” was dropped; nothing was saved.)").format(
        title=t.gettext(title) if title else ""
    )


def outdated(t: Translator, title: str) -> str:
    """The dialog was saved by an earlier release of the bot and cannot go on."""
    return t.gettext(
        "Your unfinished “{title}” was started before an update of the bot and cannot go on; "
        "nothing was saved. Please start it again."
    ).format(title=t.gettext(title) if title else "")


def title_of(registry: Registry, conv: Conversation) -> str:
    """The open dialog's title (a catalog id): from its state, else from its definition."""
    title = conv.data.get(TITLE)
    if isinstance(title, str):
        return title
    dialog = registry.dialogs.get(conv.dialog or "")
    return dialog.title if dialog else ""
