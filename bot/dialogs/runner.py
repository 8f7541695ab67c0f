"""Routing and the step runner: what a message means in the chat's state, and the dialog's move.

Buttons are read by their data (`bot.buttons`), commands by name, anything else goes to the open
dialog's current step (or, outside a dialog, to quick capture); a step validates its answer,
and the dialog moves on, back, or ends. It runs inside the chat's turn (`bot.dialogs.engine`)
and changes only the conversation it is given: the engine saves it.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

from bot.buttons import Action, Choice, Move, Nav, pack, unpack
from bot.config import Settings
from bot.dialogs import notices, onboarding
from bot.dialogs.base import Answer, Ctx, Done, Goto, Invalid, Question, Start, StepLike
from bot.dialogs.common import nav_word
from bot.dialogs.convert import digits, to_int
from bot.dialogs.registry import Registry
from bot.dialogs.storage import Conversation
from bot.dialogs.widgets import says_label
from bot.messages import Button, ButtonKind, Incoming, Reply
from bot.services.errors import NotFound, PermissionDenied, ServiceError

VERSION = "_v"  # key in a conversation's data: the version of the dialog that saved it


class Runner:
    """Routes one message within a chat's conversation and runs the dialog's steps."""

    __slots__ = ("registry", "settings")

    def __init__(self, registry: Registry, settings: Settings) -> None:
        self.registry = registry
        self.settings = settings

    async def route(
        self, ctx: Ctx, conv: Conversation, msg: Incoming, heard: str | Reply | None
    ) -> list[Reply]:
        if msg.button is not None:
            return await self._button(ctx, conv, msg.button)
        text = (msg.text or "").strip()
        echo: list[Reply] = []
        if isinstance(heard, Reply):
            if conv.dialog:
                return await self._ask(ctx, conv, self._current(conv), heard.text)
            return [heard]
        if heard is not None and msg.audio is not None:
            echo = [Reply(ctx._("🎙 “{text}”").format(text=heard))]
            # From here on the note is what was heard, for the steps and quick capture alike.
            msg = replace(msg, audio=replace(msg.audio, recognition=heard, data=None))
            ctx.incoming = msg
        if not text and msg.audio is not None:
            text = msg.audio.recognition.strip()
        return echo + await self._route_text(ctx, conv, msg, text)

    async def _route_text(
        self, ctx: Ctx, conv: Conversation, msg: Incoming, text: str
    ) -> list[Reply]:
        if text.startswith("/"):
            return await self._command(ctx, conv, text)
        nav = nav_word(text)  # typed skip/back/cancel (跳过, 返回, 取消…) act as the buttons
        if nav and (conv.dialog or nav is Move.CANCEL):
            return await self._command(ctx, conv, f"/{nav}")
        if conv.dialog:
            typed = _match_button(conv.buttons, text) if text else None
            if typed is not None:
                return await self._button(ctx, conv, typed)
            answer = Answer(
                text=text or None,
                location=msg.location,
                contact=msg.contact,
                audio=msg.audio,
                photo=msg.photo,
            )
            if not (
                text or msg.location or msg.contact or msg.audio or msg.extra or msg.document
            ) and (msg.photo is None):
                return await self._ask(ctx, conv, self._current(conv))
            return await self._answer(ctx, conv, answer)
        typed = _match_button(conv.buttons, text) if text else None
        if typed is not None:
            return await self._button(ctx, conv, typed)
        if msg.contact is not None and "shared_contact" in self.registry.dialogs:
            data = {"name": msg.contact.name, "phone": msg.contact.phone}
            return await self._apply(ctx, conv, Start("shared_contact", data))
        if msg.photo is not None and self.registry.photo is not None:
            return await self._apply(ctx, conv, await self.registry.photo(ctx, text))
        if msg.document is not None and self.registry.document is not None:
            return await self._apply(ctx, conv, await self.registry.document(ctx, text))
        if msg.location is not None and self.registry.location is not None:
            return await self._apply(ctx, conv, await self.registry.location(ctx, text))
        if self.registry.fallback is not None:
            return await self._apply(ctx, conv, await self.registry.fallback(ctx, text))
        return [Reply(ctx._("I did not get that. /help lists what I can do."))]

    async def _command(self, ctx: Ctx, conv: Conversation, text: str) -> list[Reply]:
        name, args = onboarding.split_command(text)
        if name == Move.CANCEL:
            if not conv.dialog:
                return [Reply(ctx._("Nothing to cancel."))]
            conv.end_dialog()
            return [Reply(ctx._("Cancelled. Nothing was saved."))]
        if name in (Move.BACK, Move.SKIP) and conv.dialog:
            return await self._answer(ctx, conv, Answer(nav=Move(name)))
        handler = self.registry.commands.get(name)
        if handler is None:
            return [
                Reply(
                    ctx._("Unknown command /{name}. /help lists what I can do.").format(
                        name=name[:30]
                    )
                )
            ]
        notes: list[Reply] = []
        if conv.dialog:
            notes.append(Reply(self._dropped_notice(ctx, conv)))
            conv.end_dialog()
        return notes + await self._apply(ctx, conv, await handler(ctx, args))

    async def _button(self, ctx: Ctx, conv: Conversation, data: str) -> list[Reply]:
        tapped = unpack(data)  # None: forged, malformed or from an earlier version
        if isinstance(tapped, Choice | Nav):
            if not conv.dialog or tapped.token != conv.token:
                return [
                    Reply(ctx._("That button belongs to an earlier question and no longer works."))
                ]
            if isinstance(tapped, Nav):
                if tapped.move is Move.CANCEL:
                    conv.end_dialog()
                    return [Reply(ctx._("Cancelled. Nothing was saved."))]
                return await self._answer(ctx, conv, Answer(nav=tapped.move))
            return await self._answer(ctx, conv, Answer(choice=tapped.value))
        if isinstance(tapped, Action):
            action = self.registry.actions.get(tapped.name)
            if action is not None:
                # A failing action (forged id, not yours) raises before anything changes; one
                # that opens a dialog replaces the open one in `_apply`.
                return await self._apply(ctx, conv, await action(ctx, tapped.arg))
        return [Reply(ctx._("That button is not valid any more."))]

    async def _apply(
        self, ctx: Ctx, conv: Conversation, result: list[Reply] | Start
    ) -> list[Reply]:
        if isinstance(result, list):
            return result
        dialog = self.registry.dialogs[result.dialog]
        data = dict(result.data)
        begun = await dialog.begin(ctx, result.args)
        if isinstance(begun, list):
            return result.note + begun
        if isinstance(begun, Start):
            return result.note + await self._apply(ctx, conv, begun)
        data.update(begun)
        conv.end_dialog()
        conv.dialog = dialog.name
        conv.data = data | {"_trail": [], notices.TITLE: dialog.title, VERSION: dialog.version}
        return result.note + await self._enter(ctx, conv, dialog.steps[0])

    # --- steps -----------------------------------------------------------------------------

    def _current(self, conv: Conversation) -> StepLike:
        dialog = self.registry.dialogs[conv.dialog or ""]
        step = dialog.step(conv.step)
        if step is None:
            raise LookupError(f"dialog {conv.dialog} has no step {conv.step}")
        return step

    async def _enter(self, ctx: Ctx, conv: Conversation, step: StepLike | None) -> list[Reply]:
        """Move to `step`, skipping steps that do not apply; past the last step the dialog ends."""
        dialog = self.registry.dialogs[conv.dialog or ""]
        while step is not None:
            question = await step.ask(ctx, conv.data)
            if question is not None:
                conv.step = step.key
                conv.token = secrets.token_hex(3)
                conv.expires_at = ctx.now + timedelta(minutes=self.settings.dialog_timeout_minutes)
                return [self._render(ctx, conv, step, question)]
            step = dialog.after(step.key)
        conv.end_dialog()
        return []

    async def _ask(
        self, ctx: Ctx, conv: Conversation, step: StepLike, error: str = ""
    ) -> list[Reply]:
        question = await step.ask(ctx, conv.data)
        if question is None:
            return await self._enter(ctx, conv, step)
        conv.expires_at = ctx.now + timedelta(minutes=self.settings.dialog_timeout_minutes)
        reply = self._render(ctx, conv, step, question)
        if error:
            reply = Reply(f"{error}\n\n{reply.text}", reply.buttons, reply.file)
        return [reply]

    def _render(self, ctx: Ctx, conv: Conversation, step: StepLike, question: Question) -> Reply:
        rows: list[tuple[Button, ...]] = []
        choices = [
            Button(label, pack(Choice(conv.token, value))) for value, label in question.choices
        ]
        width = max(1, question.columns)
        for start in range(0, len(choices), width):
            rows.append(tuple(choices[start : start + width]))
        nav: list[Button] = []
        if conv.data.get("_trail"):
            nav.append(Button(ctx._("‹ Back"), pack(Nav(conv.token, Move.BACK)), ButtonKind.NAV))
        if step.optional:
            nav.append(Button(ctx._("Skip"), pack(Nav(conv.token, Move.SKIP)), ButtonKind.NAV))
        nav.append(Button(ctx._("Cancel"), pack(Nav(conv.token, Move.CANCEL)), ButtonKind.NAV))
        rows.append(tuple(nav))
        return Reply(question.text, tuple(rows))

    async def _answer(self, ctx: Ctx, conv: Conversation, answer: Answer) -> list[Reply]:
        dialog = self.registry.dialogs.get(conv.dialog or "")
        step = dialog.step(conv.step) if dialog else None
        if (
            dialog is None
            or step is None
            or conv.data.get(VERSION, 1) != dialog.version
            or not self.registry.readable(dialog, conv.data)
        ):
            # Saved by an earlier release whose dialog or data no longer fits this one.
            title = notices.title_of(self.registry, conv)
            conv.end_dialog()
            return [Reply(notices.outdated(ctx.t, title))]
        trail: list[str] = conv.data.setdefault("_trail", [])
        if answer.nav is Move.BACK:
            if not trail:
                return await self._ask(ctx, conv, step, ctx._("This is the first question."))
            previous = dialog.step(trail.pop())
            return await self._enter(ctx, conv, previous)
        if answer.nav is Move.SKIP:
            if not step.optional:
                return await self._ask(ctx, conv, step, ctx._("This one cannot be skipped."))
            conv.data.pop(step.key, None)
            trail.append(step.key)
            return await self._enter(ctx, conv, dialog.after(step.key))
        try:
            outcome = await step.answer(ctx, conv.data, answer)
        except Invalid as bad:
            return await self._ask(ctx, conv, step, bad.message)
        except ServiceError as refused:
            return await self._ask(ctx, conv, step, service_error_text(ctx, refused))
        if isinstance(outcome, Done):
            conv.end_dialog()
            return outcome.replies
        if isinstance(outcome, Start):
            return await self._apply(ctx, conv, outcome)
        target = dialog.step(outcome.step) if isinstance(outcome, Goto) else dialog.after(step.key)
        if target is None or target.key != step.key:
            trail.append(step.key)
        return await self._enter(ctx, conv, target)

    def _dropped_notice(self, ctx: Ctx, conv: Conversation) -> str:
        return notices.dropped(ctx.t, notices.title_of(self.registry, conv))


def service_error_text(ctx: Ctx, error: ServiceError) -> str:
    """One line for a refusal that reached the dialog layer without a more specific message."""
    if isinstance(error, NotFound | PermissionDenied):
        return ctx._("Not found, or not yours to see.")
    return ctx._("That did not work: {reason}.").format(reason=error.code)


def _match_button(buttons: list[list[str]], text: str) -> str | None:
    """A typed '2' or a typed label picks that button, as numbered channels promise."""
    value = text.strip().rstrip(".、)").strip()
    if digits(value) is not None:
        number = to_int(value, low=1, high=len(buttons))
        return buttons[number - 1][1] if number is not None else None
    folded = value.casefold()
    for label, data in buttons:
        if label.casefold() == folded:
            return data
    # "approve", "批准", "同意" for "✅ Approve": the label without emoji, in either language
    return next((data for label, data in buttons if says_label(label, value)), None)
