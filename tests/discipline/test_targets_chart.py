"""The targets leaderboard in /report: bars per rep with each rep's target across, Chinese
names that render, whole-number ticks for visits, and an empty chart that says so."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.models import Customer, Deal, Stage, TargetMetric, TargetScope, User, Visit
from bot.reports import charts
from bot.services.discipline import targets
from tests.conftest import Team
from tests.reports.helpers import png_size
from tests.support import FakeClock

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEC = date(2026, 12, 1)


async def _leaderboard(
    team: Team, who: str, *, label: str = "Targets leaderboard"
) -> tuple[bytes, str]:
    chat = team.chats[who]
    await chat.say("/report")
    await chat.tap(label)
    [answer] = chat.replies
    assert answer.file is not None and answer.file.mime == "image/png"
    assert answer.file.name == "leaderboard-20261208.png"
    width, height = png_size(answer.file.content)
    assert (width, height) == (1100, 660)
    return answer.file.content, answer.text


async def _work(rep: User, won: str, visits: int) -> None:
    acme = await Customer.create(name=f"Acme {rep.id}", normalized_name=f"a{rep.id}", owner=rep)
    await Deal.create(
        customer=acme,
        owner=rep,
        title="Pumps",
        amount=Decimal(won),
        currency="CNY",
        stage=Stage.WON,
        closed_at=NOW - timedelta(days=1),
    )
    for n in range(visits):
        await Visit.create(customer=acme, user=rep, at=NOW - timedelta(hours=n + 1))


async def test_the_leaderboard_ranks_the_team_against_its_targets(
    team: Team, clock: FakeClock
) -> None:
    clock.now = NOW
    admin, li, sam = team.users["admin"], team.users["Li Wei"], team.users["Sam"]
    await _work(li, "300000", 3)
    await _work(sam, "900000", 7)
    await _work(team.users["Olga"], "5000000", 1)  # another team: not on Mia's board
    for rep, goal in ((li, "200000"), (sam, "1000000")):
        await targets.set_target(
            admin, TargetScope.REP, rep.id, DEC, TargetMetric.WON, Decimal(goal), "CNY", now=NOW
        )
    await targets.set_target(
        admin, TargetScope.REP, sam.id, DEC, TargetMetric.VISITS, Decimal(10), "", now=NOW
    )
    _, caption = await _leaderboard(team, "Mia")
    assert caption == "December 2026: 2 reps, 1 at or above the target for deals won"

    board = await targets.leaderboard(
        await User.get(id=team.users["Mia"].id), now=NOW, tz=SHANGHAI, currency="CNY"
    )
    assert [s.name for s in board.standings] == ["Li Wei", "Sam"]  # 150 % before 90 %
    assert board.standings[0].targets == {
        "won": Decimal("200000"),
        "collected": None,
        "visits": None,
    }
    assert board.standings[1].done["visits"] == 7

    await team.chats["Mia"].say("/lang zh")
    _, chinese = await _leaderboard(team, "Mia", label="目标排行榜")
    assert chinese == "2026年12月：共 2 名销售，1 人达成成交目标"


def _panels() -> list[charts.BoardPanel]:
    names = ["王芳", "李伟", "Sam"]
    won = [
        charts.Standing(n, v, t, "")
        for n, v, t in zip(names, (900e3, 300e3, 0.0), (1e6, 200e3, None), strict=True)
    ]
    visits = [
        charts.Standing(n, v, t) for n, v, t in zip(names, (3, 1, 2), (4, None, 2), strict=True)
    ]
    return [
        charts.BoardPanel("成交金额（CNY）", won),
        charts.BoardPanel("拜访", visits, counts=True),
    ]


def test_the_chart_draws_bars_targets_and_chinese_names() -> None:
    figure = charts.draw_leaderboard("2026年12月目标与完成情况", _panels(), "空", "目标")
    won, visits = figure.axes
    assert [t.get_text() for t in visits.get_xticklabels()] == ["王芳", "李伟", "Sam"]
    assert [p.get_height() for p in won.patches] == [900e3, 300e3, 0.0]
    assert [p.get_facecolor()[:3] for p in won.patches][1] != won.patches[0].get_facecolor()[:3]
    [line] = won.collections  # the targets, one segment per rep that has one
    assert [round(seg[0][1]) for seg in line.get_segments()] == [1_000_000, 200_000]
    assert all(float(t).is_integer() for t in visits.get_yticks())
    assert won.get_legend().get_texts()[0].get_text() == "目标"

    # The CJK font is found: drawing Chinese names warns of no missing glyph.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = charts.leaderboard("2026年12月目标与完成情况", _panels(), "空", "目标")
    assert png_size(png) == (1100, 660)
    assert "WenQuanYi Micro Hei" in charts.font_families()


def test_an_empty_leaderboard_says_so() -> None:
    empty = [charts.BoardPanel("Won", [charts.Standing("Li Wei", 0.0)])]
    figure = charts.draw_leaderboard("Targets", empty, "No targets and no results.", "Target")
    [ax] = figure.axes
    assert [t.get_text() for t in ax.texts] == ["No targets and no results."]
    assert not ax.patches and not ax.axison
