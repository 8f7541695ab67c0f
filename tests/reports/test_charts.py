"""Charts that read right: whole counts, empty pictures that say so, every currency drawn."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.models import Customer
from bot.reports import charts
from bot.services.finance import deals
from tests.conftest import START, Team
from tests.reports.helpers import NO_ALERTS, seed
from tests.reports.test_reports import chart

WEEKS = ["10.11", "17.11", "24.11", "01.12"]


def _y_ticks(figure: object) -> list[list[float]]:
    return [list(ax.get_yticks()) for ax in figure.axes]  # type: ignore[attr-defined]


def _texts(figure: object) -> list[str]:
    return [t.get_text() for ax in figure.axes for t in ax.texts]  # type: ignore[attr-defined]


def test_visit_counts_step_by_whole_numbers() -> None:
    figure = charts.draw_lines(
        "Visits", WEEKS, [("Li Wei", [0, 1, 2, 1]), ("Sam", [1, 0, 0, 1])], ""
    )
    [ticks] = _y_ticks(figure)
    assert ticks and all(tick == int(tick) for tick in ticks), ticks
    assert max(ticks) >= 2


@pytest.mark.parametrize("series", [[], [("Li Wei", [0, 0, 0, 0])]])
def test_an_empty_visits_chart_says_so_and_shows_no_scale(series: list) -> None:
    figure = charts.draw_lines("Visits", WEEKS, series, "No visits logged.")
    assert _y_ticks(figure) == [[]]
    assert "No visits logged." in _texts(figure)


def test_an_empty_bar_chart_says_so_and_shows_no_scale() -> None:
    empty = [charts.Bar(label, 0.0) for label in ("due today", "overdue 1–30 days", "later")]
    figure = charts.draw_panels("Aging", [("CNY", empty)], "Nothing is owed.")
    assert _y_ticks(figure) == [[]]
    assert "Nothing is owed." in _texts(figure)


def test_each_currency_gets_its_own_panel() -> None:
    cny = [charts.Bar("Dec", 900_000.0, "900k"), charts.Bar("Jan", 0.0)]
    usd = [charts.Bar("Dec", 512_500.0, "512k"), charts.Bar("Jan", 0.0)]
    figure = charts.draw_panels("Pipeline", [("CNY", cny), ("USD", usd)], "No open deals.")
    assert [ax.get_ylabel() for ax in figure.axes] == ["CNY", "USD"]
    assert "512k" in _texts(figure) and "900k" in _texts(figure)


@pytest.fixture
async def company(team: Team) -> Team:
    await seed(team)
    olga = team.users["Olga"]
    customer = await Customer.get(name="Globex Foods GmbH")
    await deals.create_deal(
        olga,
        deals.DealDraft(customer.id, "Export order", Decimal(512_500), "USD", date(2026, 11, 28)),
        now=START - timedelta(days=1),
        large=NO_ALERTS | {"USD": Decimal("1e12")},
    )
    return team


async def test_no_dollar_deal_disappears_from_the_pipeline(company: Team) -> None:
    _, caption = await chart(company, "Olga", "Pipeline")
    assert caption == (
        "Open pipeline CN¥900,000 + $512,500; expected to close this month: CN¥0 + $512,500"
    ), caption

    chat = company.chats["Olga"]
    await chat.say("/lang zh")
    await chat.say("/report pipeline")
    [answer] = chat.replies
    assert answer.file is not None
    assert answer.text == "进行中的商机共 ¥900,000 + US$512,500；本月预计成交：¥0 + US$512,500"


async def test_a_caption_in_chinese_names_other_currencies_in_full_width_brackets(
    company: Team,
) -> None:
    chat = company.chats["Olga"]
    await chat.say("/lang zh")
    await chat.say("/report funnel")
    [answer] = chat.replies
    assert answer.text.endswith("（另有 US$512,500）"), answer.text
    assert " (" not in answer.text
    _, english = await chart(company, "Mia", "Funnel")
    assert "(+" not in english  # Mia's team has no dollar deal
