"""Questions as widgets: every question of a kind asks, reads and checks its answer alike.

A dialog is a tuple of widgets. Each one validates the answer **when it arrives** (one clear line
and the same question again), stores a JSON value under its `key` in the dialog's data, and then
runs the dialog's own `then` hook if it has one (a search, a service call; an `Invalid` there
undoes the value). Typed navigation (skip/跳过, back/返回, cancel/取消) and typed numbers or labels
of the buttons are read by the runner before a widget sees the answer, on every channel.

- `Text`: a line or a note; refuses empty, symbol-only and over-long answers (a long note is
  kept cut to size and offered with Keep, never dropped silently);
- `Pick`: one of a few options, by button, typed label (in either language), value or synonym;
- `CustomerPick`: the customer search with paging (`bot.dialogs.common`);
- `Money`: the one amounts grammar (`services.amounts`), above zero and within a sane bound;
- `When`: the one dates grammar (`services.dates`), with the same free forms in every question;
- `Count`: a whole number in a range, through `bot.dialogs.convert`;
- `Confirm`: a summary and Save; typed yes/save/好/确认 work too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from bot.dialogs.base import Answer, Ctx, Goto, Invalid, Question, Transition
from bot.dialogs.common import CUSTOMER_STEP, ask_customer, not_given
from bot.dialogs.convert import to_int
from bot.i18n import N_, Translator
from bot.services.errors import InvalidInput, ServiceError
from bot.services.language import amounts
from bot.services.language.dates import parse_when
from bot.services.language.phones import format_phone
from bot.services.records.customers import clean_phone

KEEP = "keep"
SAVE = "save"

Prompt = str | Callable[[Ctx, dict[str, Any]], str]
Then = Callable[[Ctx, dict[str, Any]], Awaitable[Transition]]
Condition = Callable[[Ctx, dict[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Option:
    """One choice: the value stored, its label (a catalog id) and other words that mean it."""

    value: str
    label: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Jump:
    """An extra button under a question that skips ahead, e.g. "Save now ✓" to the summary."""

    value: str
    label: str
    to: str
    run: Then | None = None  # instead of moving: finish here ("Save now ✓" saves at once)


async def _jump(ctx: Ctx, data: dict[str, Any], jump: Jump) -> Transition:
    """Where a jump button leads: its own action if it has one, else the step it names."""
    return Goto(jump.to) if jump.run is None else await jump.run(ctx, data)


_READERS = {language: Translator.for_user(language, None) for language in ("en", "zh")}


def fold(text: str) -> str:
    """What typed words are compared by: NFKC, case-folded, trimmed of spaces and end marks."""
    value = unicodedata.normalize("NFKC", text).casefold().strip()
    return value.strip(" .!?。！？✓✅").strip()


def in_any_language(message: str) -> set[str]:
    """A catalog id's text in every language, folded: "批准" means Approve for an English reader
    too, since people type in whatever their keyboard is set to."""
    return {fold(t.gettext(message)) for t in _READERS.values()} | {fold(message)}


def fold_label(text: str) -> str:
    """A button label or a typed word without its emoji and marks: "✅ Approve" → "approve"."""
    value = fold(text)
    start = next((i for i, ch in enumerate(value) if ch.isalnum()), len(value))
    end = next((i for i in range(len(value), 0, -1) if value[i - 1].isalnum()), start)
    return value[start:end]


# Words that mean a button people type rather than tap, in every language: a label's own text in
# each catalog works by itself; these are the other words for it ("同意" for Approve).
BUTTON_WORDS: dict[str, tuple[str, ...]] = {
    N_("✅ Approve"): ("approve", "approved", "yes approve", "批准", "同意", "通过"),
    N_("❌ Reject"): ("reject", "rejected", "decline", "驳回", "拒绝", "不同意", "不批准"),
}
_SAME_AS: dict[str, frozenset[str]] = {}
for _message, _words in BUTTON_WORDS.items():
    _meaning = frozenset(
        {fold_label(t.gettext(_message)) for t in _READERS.values()}
        | {fold_label(_message)}
        | {fold_label(word) for word in _words}
    )
    for _label in _meaning:
        _SAME_AS[_label] = _meaning


def says_label(label: str, typed: str) -> bool:
    """Whether typed text names a button: its label without emoji, or (for the labels of
    `BUTTON_WORDS`) the label in another language or another word for it."""
    want, have = fold_label(typed), fold_label(label)
    if not want:
        return False
    return want == have or want in _SAME_AS.get(have, ())


def prompt_text(ctx: Ctx, prompt: Prompt, data: Mapping[str, Any]) -> str:
    """A prompt in the reader's language, with `{key}` filled from the dialog's data."""
    if callable(prompt):
        return prompt(ctx, dict(data))
    return ctx._(prompt).format_map(_Blank(data))


class _Blank(dict[str, Any]):
    """Formatting data where a missing key reads as empty rather than failing the question."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Widget:
    """What every widget shares: key, prompt, optional, when it applies, the hook after it."""

    key: str
    prompt: Prompt
    optional: bool = False
    when: Condition | None = None  # asked only when this holds
    skip_if_set: bool = False  # a value given up front ("/newcustomer Acme") is not asked again
    then: Then | None = None
    jumps: tuple[Jump, ...] = ()
    columns: int = 1

    async def ask(self, ctx: Ctx, data: dict[str, Any]) -> Question | None:
        if self.when is not None and not self.when(ctx, data):
            return None
        if self.skip_if_set and data.get(self.key) not in (None, ""):
            return None
        choices = [*self.options(ctx, data)]
        choices += [(jump.value, ctx._(jump.label)) for jump in self.jumps]
        return Question(prompt_text(ctx, self.prompt, data), choices, self.columns)

    async def answer(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
        for jump in self.jumps:
            if answer.choice == jump.value:
                return await _jump(ctx, data, jump)
        had, before = self.key in data, data.get(self.key)
        if answer.choice == KEEP and had:
            data[self.key] = self.recheck(ctx, data, before)
            return None  # nothing new: the hook already ran for this value
        data[self.key] = await self.read(ctx, data, answer)
        if self.then is None:
            return None
        try:
            return await self.then(ctx, data)
        except (Invalid, ServiceError):
            if had:
                data[self.key] = before
            else:
                data.pop(self.key, None)
            raise

    def options(self, ctx: Ctx, data: dict[str, Any]) -> list[tuple[str, str]]:
        """The buttons this widget offers itself (besides jumps)."""
        return []

    def fields(self) -> dict[str, Any]:
        """The keys this widget stores in the dialog's data and the type of each: together they
        make the dialog's typed state (`registry.state_type`)."""
        return {self.key: str}

    def recheck(self, ctx: Ctx, data: dict[str, Any], value: Any) -> Any:
        """A kept value, checked again against what changed since (e.g. the visit's time)."""
        return value

    async def read(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Any:
        raise NotImplementedError


def _typed(answer: Answer) -> str:
    return answer.text or answer.choice or ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Text(Widget):
    """Free text: a name, a title, a note. Refused when empty, made of symbols only, or (short
    fields) too long; a long note is cut to fit and offered back with Keep."""

    max_len: int = 100
    multiline: bool = False  # notes keep their line breaks; names and titles are one line
    empty: str = N_("Please type a few words.")
    clean: Callable[[str], Any] | None = None  # a service's normaliser; InvalidInput refuses
    invalid: str = N_("That does not look right. Please type it again.")
    keep: bool = False  # offer the value already there (a draft's, or after Back) as "✓ Keep"
    shown: Callable[[str], str] | None = None  # how a kept value reads on its button (a phone)

    async def ask(self, ctx: Ctx, data: dict[str, Any]) -> Question | None:
        question = await Widget.ask(self, ctx, data)
        value = data.get(self.key)
        if question is None or not (self.keep and self.multiline and value):
            return question
        # A note on the table (a draft's, or one cut to size) is shown whole before Keep.
        return Question(f"{question.text}\n📝 {value}", question.choices, question.columns)

    def options(self, ctx: Ctx, data: dict[str, Any]) -> list[tuple[str, str]]:
        value = data.get(self.key)
        if not (self.keep and isinstance(value, str) and value):
            return []
        if self.multiline:
            return [(KEEP, ctx._("✓ Keep these notes"))]
        return [(KEEP, "✓ " + _excerpt(self.shown(value) if self.shown else value, 40))]

    async def read(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Any:
        raw = answer.text or ""
        value = raw.strip() if self.multiline else " ".join(raw.split())
        value = value.replace("\x00", "")
        if not value or not any(ch.isalnum() for ch in value):
            raise Invalid(ctx._(self.empty))
        if len(value) > self.max_len:
            if not (self.multiline and self.keep):
                raise Invalid(
                    ctx._("That is too long: {count} characters, at most {n}.").format(
                        count=len(value), n=self.max_len
                    )
                )
            # Keep what fits and say what was cut; the person decides with Keep or a new text.
            data[self.key] = value[: self.max_len]
            raise Invalid(
                ctx._(
                    "That is {count} characters; at most {n} fit. I kept the first {n} "
                    "(the text ends “…{tail}”): tap Keep to use them, or send a shorter text."
                ).format(
                    count=len(value), n=self.max_len, tail=value[self.max_len - 20 : self.max_len]
                )
            )
        if self.clean is not None:
            try:
                return self.clean(value)
            except InvalidInput as bad:
                raise Invalid(ctx._(self.invalid)) from bad
        return value


def _excerpt(text: str, size: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


@dataclass(frozen=True, slots=True, kw_only=True)
class Pick(Widget):
    """One of a few options: tapped, or typed as its label (either language), value or synonym.
    The current value is marked ✓, so a draft's choice is kept with one tap."""

    choices: Sequence[Option] | Callable[[Ctx, dict[str, Any]], Sequence[Option]] = ()
    invalid: str = N_("Please choose one of the options.")
    free: bool = False  # any other typed text is the answer itself (a lost deal's reason)
    max_len: int = 300

    def _choices(self, ctx: Ctx, data: dict[str, Any]) -> Sequence[Option]:
        return self.choices(ctx, data) if callable(self.choices) else self.choices

    def options(self, ctx: Ctx, data: dict[str, Any]) -> list[tuple[str, str]]:
        current = data.get(self.key)
        return [
            (o.value, ("✓ " if o.value == current else "") + ctx._(o.label))
            for o in self._choices(ctx, data)
        ]

    async def read(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Any:
        options = self._choices(ctx, data)
        if answer.choice is not None:
            if any(o.value == answer.choice for o in options):
                return answer.choice
            raise Invalid(ctx._(self.invalid))
        typed = fold(answer.text or "")
        for option in options:
            words = in_any_language(option.label) | {fold(w) for w in option.words}
            if typed and (typed == fold(option.value) or typed in words):
                return option.value
        if self.free and typed:
            text = " ".join((answer.text or "").split())
            if len(text) > self.max_len:
                raise Invalid(
                    ctx._("That is too long: {count} characters, at most {n}.").format(
                        count=len(text), n=self.max_len
                    )
                )
            return text
        raise Invalid(ctx._(self.invalid))


Loader = Callable[[Ctx, dict[str, Any]], Awaitable[Sequence[Option]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class PickFrom(Pick):
    """A Pick whose options a query gives when asked (open deals, team members): what was
    offered is kept in the data, so the answer is checked against that and nothing else.
    Labels are shown as given (names and titles, not catalog ids)."""

    load: Loader = field(default=None)  # type: ignore[assignment]
    none: str = ""  # the line when the query finds nothing (then the question is not asked)

    async def ask(self, ctx: Ctx, data: dict[str, Any]) -> Question | None:
        if self.when is not None and not self.when(ctx, data):
            return None
        if self.skip_if_set and data.get(self.key) not in (None, ""):
            return None
        offered = await self.load(ctx, data)
        data[self._offered_key] = [[o.value, o.label] for o in offered]
        if not offered and self.none:
            return Question(ctx._(self.none))
        return await Pick.ask(self, ctx, data)

    @property
    def _offered_key(self) -> str:
        return f"_offered_{self.key}"

    def _choices(self, ctx: Ctx, data: dict[str, Any]) -> Sequence[Option]:
        return [Option(value, label) for value, label in data.get(self._offered_key) or []]

    def options(self, ctx: Ctx, data: dict[str, Any]) -> list[tuple[str, str]]:
        current = data.get(self.key)
        return [
            (o.value, ("✓ " if o.value == current else "") + o.label)
            for o in self._choices(ctx, data)
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Money(Widget):
    """An amount in the one grammar ("1.2m", "120万", "2万5", "$80k"), above zero and at most
    10^15; its currency goes under `currency_key` (the company's when none is named)."""

    prompt: Prompt = N_("Amount? e.g. 1,200,000 or 1.2m or 120万 or $80k")
    currency_key: str = "currency"
    default_currency: bool = True  # False: the currency the data already holds, if any

    def fields(self) -> dict[str, Any]:
        return {self.key: str, self.currency_key: str}

    async def read(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Any:
        amount, currency = read_money(ctx, _typed(answer))
        fallback = data.get(self.currency_key) if not self.default_currency else None
        data[self.currency_key] = currency or fallback or ctx.settings.currency.upper()
        return str(amount)


def read_money(ctx: Ctx, typed: str) -> tuple[Decimal, str | None]:
    """A typed or spoken amount, checked: readable, above zero, within bounds, two decimals."""
    text = " ".join(typed.split())
    if not text:
        raise Invalid(ctx._("Please type an amount, e.g. 1.2m or 120万."))
    try:
        amount, currency = amounts.parse_money(text[:60])
    except InvalidInput as bad:
        if bad.code == "amount_not_positive":
            raise Invalid(ctx._("The amount must be above zero.")) from bad
        if bad.code == "amount_too_large":
            raise Invalid(ctx._("That amount is too large to be right.")) from bad
        raise Invalid(
            ctx._("I could not read that amount. Try 1,200,000 or 1.2m or 120万 or $80k.")
        ) from bad
    return amount, currency


@dataclass(frozen=True, slots=True, kw_only=True)
class When(Widget):
    """A date or time in the one dates grammar: "yesterday 3pm", "下周五", "月底", "12/31"...
    Stored as ISO text: a datetime, or a date when `day_only`."""

    shortcuts: Sequence[Option] = ()  # values are phrases the grammar reads ("tomorrow")
    prefer: Literal["past", "future"] = "future"
    rule: Literal["past", "future", "today_or_future", None] = None
    after: str | None = None  # the key of an earlier moment this one must follow
    day_only: bool = False
    invalid: str = N_("I could not read that date. Try “tomorrow 10am”, “next friday” or “下周五”.")

    def options(self, ctx: Ctx, data: dict[str, Any]) -> list[tuple[str, str]]:
        choices = [(o.value, ctx._(o.label)) for o in self.shortcuts]
        value = data.get(self.key)
        if isinstance(value, str) and value:
            choices.insert(0, (KEEP, "✓ " + self._show(ctx, value)))
        return choices

    def _show(self, ctx: Ctx, value: str) -> str:
        if self.day_only:
            return ctx.t.date(
                datetime.combine(date.fromisoformat(value), datetime.min.time(), ctx.t.timezone)
            )
        return ctx.t.datetime(datetime.fromisoformat(value))

    def recheck(self, ctx: Ctx, data: dict[str, Any], value: Any) -> Any:
        moment = _moment(value, ctx) if isinstance(value, str) else None
        if moment is None:
            raise Invalid(ctx._(self.invalid))
        self._check(ctx, data, moment)
        return value

    async def read(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Any:
        text = " ".join(_typed(answer).split())
        if not text:
            raise Invalid(ctx._("Please type a date."))
        moment = (
            None
            if len(text) > 100
            else parse_when(text, now=ctx.now, tz=ctx.t.timezone, prefer=self.prefer)
        )
        if moment is None:
            raise Invalid(ctx._(self.invalid))
        self._check(ctx, data, moment)
        if self.day_only:
            return moment.astimezone(ctx.t.timezone).date().isoformat()
        return moment.isoformat()

    def _check(self, ctx: Ctx, data: dict[str, Any], moment: datetime) -> None:
        local_today = ctx.now.astimezone(ctx.t.timezone).date()
        day = moment.astimezone(ctx.t.timezone).date()
        if self.rule == "past" and (day > local_today if self.day_only else moment > ctx.now):
            raise Invalid(ctx._("That is in the future. When did it happen?"))
        if self.rule == "future" and (day <= local_today if self.day_only else moment <= ctx.now):
            raise Invalid(ctx._("That date must be in the future."))
        if self.rule == "today_or_future" and day < local_today:
            raise Invalid(ctx._("That date is in the past."))
        earlier = _moment(data.get(self.after), ctx) if self.after else None
        if earlier is not None and moment <= earlier:
            raise Invalid(ctx._("That date must be in the future."))


def _moment(value: Any, ctx: Ctx) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:  # a day: its start in the reader's zone
        parsed = parsed.replace(tzinfo=ctx.t.timezone)
    return parsed


@dataclass(frozen=True, slots=True, kw_only=True)
class Count(Widget):
    """A whole number within [low, high] (a percentage, a quantity), with optional shortcuts."""

    def fields(self) -> dict[str, Any]:
        return {self.key: int | str}  # a number, or a shortcut's value ("auto")

    low: int = 0
    high: int = 100
    shortcuts: Sequence[Option] = ()
    suffix: str = ""  # stripped from the typed answer ("15%")
    invalid: str = N_("Please type a whole number from {low} to {high}.")

    def options(self, ctx: Ctx, data: dict[str, Any]) -> list[tuple[str, str]]:
        return [(o.value, ctx._(o.label)) for o in self.shortcuts]

    async def read(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Any:
        if answer.choice is not None and any(o.value == answer.choice for o in self.shortcuts):
            return answer.choice
        typed = fold(answer.text or "")
        for option in self.shortcuts:
            if typed in in_any_language(option.label) | {fold(option.value)}:
                return option.value
        raw = (answer.text or "").strip()  # not folded: NFKC would read "²" as "2"
        if self.suffix:
            raw = raw.removesuffix(self.suffix).removesuffix(fold(self.suffix)).strip()
        number = to_int(raw, low=self.low, high=self.high)
        if number is None:
            raise Invalid(ctx._(self.invalid).format(low=self.low, high=self.high))
        return number


YES_WORDS = frozenset({"save", "yes", "y", "ok", "okay", "confirm", "sure"}) | frozenset(
    {"保存", "是", "是的", "好", "好的", "确认", "确定", "对", "行", "可以"}
)


def confirmed(answer: Answer) -> bool:
    """A tap on Save, or a typed yes/save/ok/好/确认 in either language."""
    return answer.choice == SAVE or fold(answer.text or "") in YES_WORDS


@dataclass(frozen=True, slots=True, kw_only=True)
class Confirm(Widget):
    """The summary of what will be written, and Save: nothing is written before it."""

    def fields(self) -> dict[str, Any]:
        return {}

    key: str = "confirm"
    prompt: Prompt = N_("Save this?")
    save: Then = field(default=None)  # type: ignore[assignment]
    label: str = N_("✅ Save")
    refuse: str = N_("Tap Save to keep it, or Cancel to drop it.")

    def options(self, ctx: Ctx, data: dict[str, Any]) -> list[tuple[str, str]]:
        return [(SAVE, prompt_text(ctx, self.label, data))]  # "Deactivate {user_name}"

    async def answer(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
        for jump in self.jumps:
            if answer.choice == jump.value:
                return await _jump(ctx, data, jump)
        if not confirmed(answer) and fold(answer.text or "") not in in_any_language(self.label):
            raise Invalid(ctx._(self.refuse))
        return await self.save(ctx, data)


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerPick(Widget):
    """Which customer: a search among those the person may see, paged, a tap to pick; filled
    in ahead by `/visit acme` or a card's button (then not asked)."""

    def fields(self) -> dict[str, Any]:
        return {"customer_id": int, "customer_name": str}

    key: str = "customer"
    prompt: Prompt = ""

    async def ask(self, ctx: Ctx, data: dict[str, Any]) -> Question | None:
        if self.when is not None and not self.when(ctx, data):
            return None
        if not self.prompt:
            return await CUSTOMER_STEP.ask(ctx, data)
        return await ask_customer(ctx, data, prompt_text(ctx, self.prompt, data))

    async def answer(self, ctx: Ctx, data: dict[str, Any], answer: Answer) -> Transition:
        outcome = await CUSTOMER_STEP.answer(ctx, data, answer)
        if outcome is None and self.then is not None:
            return await self.then(ctx, data)
        return outcome


NOT_A_PHONE = N_("That does not look like a phone number, e.g. 138 1234 5678 or +49 30 1234567.")
# The optional phone question of a new customer and a new contact: one readable form everywhere.
PHONE = Text(
    key="phone",
    prompt=N_("Phone number? (optional)"),
    optional=True,
    when=not_given("phone"),
    keep=True,
    shown=format_phone,
    empty=NOT_A_PHONE,
    clean=clean_phone,
    invalid=NOT_A_PHONE,
)
