"""The quick-capture parser as pure functions: dates, kind, amounts, notes, customer mentions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import VisitKind
from bot.services.language.amounts import en_number, find_amounts, zh_number
from bot.services.language.capture import close_mentions
from bot.services.language.capture_names import MentionIndex
from bot.services.language.capture_text import guess_kind, is_small_talk, read_note
from bot.services.records.matching import normalize_name

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 18 Nov 2026, 10:00 in Shanghai.
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def read(text: str, now: datetime = NOW, tz: ZoneInfo = SHANGHAI, currency: str = "CNY"):
    return read_note(text, now=now, tz=tz, currency=currency)


# --- dates ------------------------------------------------------------------------------------


def test_a_past_and_a_future_date_are_the_visit_time_and_the_follow_up() -> None:
    note = read("met kestrel yesterday 3pm, call back next Friday")
    assert note.at == local(2026, 11, 17, 15) and note.at_said
    assert note.followup == local(2026, 11, 20, 9)


def test_of_two_future_dates_the_later_is_the_follow_up() -> None:
    note = read("send samples by Monday, see them again in two weeks")
    assert note.followup == local(2026, 12, 2, 9)
    assert note.at == NOW and not note.at_said


def test_a_date_announced_as_the_next_contact_wins_over_a_later_deadline() -> None:
    note = read("zenith needs 20k boxes by december, call back tomorrow 4pm")
    assert note.followup == local(2026, 11, 19, 16)
    zh = read("金穗要50吨大米，月底前发货，下周五打电话")
    assert zh.followup == local(2026, 11, 27, 9)


def test_a_bare_time_is_today_past_for_the_visit_and_later_for_the_follow_up() -> None:
    note = read("visited kestrel at 9am, call them at 4pm")
    assert note.at == local(2026, 11, 18, 9)
    assert note.followup == local(2026, 11, 18, 16)


def test_no_date_means_now_and_no_follow_up() -> None:
    note = read("visited brightwater, all fine")
    assert note.at == NOW and note.followup is None and not note.at_said


def test_a_past_day_without_time_keeps_the_time_of_day() -> None:
    assert read("halvorsen visit yesterday, no follow up").at == local(2026, 11, 17, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("拜访锦程，下周五再打电话", local(2026, 11, 27, 9)),
        ("拜访锦程，明天下午3点再联系", local(2026, 11, 19, 15)),
        ("拜访锦程，月底回访", local(2026, 11, 30, 9)),
        ("拜访锦程，下个月底回访", local(2026, 12, 31, 9)),
        ("拜访锦程，下个月再联系", local(2026, 12, 18, 9)),
        ("拜访锦程，过两天再去", local(2026, 11, 20, 9)),
        ("拜访锦程，年底回访", local(2026, 12, 31, 9)),
        ("visited orion, follow up end of the month", local(2026, 11, 30, 9)),
        ("visited orion, follow up end of next week", local(2026, 11, 27, 9)),
        ("visited orion, follow up in a week", local(2026, 11, 25, 9)),
        ("visited orion, follow up in a couple of days", local(2026, 11, 20, 9)),
        ("visited orion, call back tmrw", local(2026, 11, 19, 9)),
        ("visited orion. They liked it, follow up on Dec 3, 2027", local(2027, 12, 3, 9)),
    ],
)
def test_follow_up_phrases_of_notes(text: str, expected: datetime) -> None:
    assert read(text).followup == expected


def test_month_end_already_past_means_next_months() -> None:
    late = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 30 Nov, 12:00 in Shanghai
    assert read("拜访锦程，月底回访", now=late).followup == local(2026, 12, 31, 9)


def test_dates_are_on_the_users_clock() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    note = read("visited orion, call back tomorrow", tz=berlin)
    assert note.followup == datetime(2026, 11, 19, 9, 0, tzinfo=berlin)
    late = datetime(2026, 11, 18, 23, 30, tzinfo=UTC)  # already Thursday in Shanghai
    assert read("visited orion, call back tomorrow", now=late).followup == local(2026, 11, 20, 9)


# --- kind ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("visited acme", VisitKind.VISIT),
        ("called acme about the invoice", VisitKind.CALL),
        ("lunch with acme", VisitKind.MEETING),
        ("wechat with acme", VisitKind.MESSAGE),
        ("拜访了星辰", VisitKind.VISIT),
        ("给星辰打电话", VisitKind.CALL),
        ("和星辰开会", VisitKind.MEETING),
        ("星辰发来微信消息", VisitKind.MESSAGE),
    ],
)
def test_kind_from_words(text: str, kind: VisitKind) -> None:
    assert guess_kind(text) == kind


def test_kind_words_of_the_follow_up_are_not_the_contact() -> None:
    note = read("Visited Acme, call back next Friday")
    assert note.kind == VisitKind.VISIT
    plan = read("acme wants a quote, call them next Friday")
    assert plan.kind == VisitKind.VISIT and not plan.kind_said


# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("they want 200 units at 5% off", ["200 units", "5 %"]),
        ("预算120万", ["1200000 CNY"]),
        ("a quote for $80k", ["80000 USD"]),
        ("paid ¥3,000 deposit", ["3000 CNY"]),
        ("要3千台", ["3000 台"]),
        ("要两百台，打九五折", ["200 台", "5 %"]),
        ("运费谈到8.5折", ["15 %"]),
        ("30k usd overdue", ["30000 USD"]),
        ("1.5m budget", ["1500000 CNY"]),
        ("要2万件", ["20000 件"]),
        ("€4,500 for 120 units", ["4500 EUR", "120 units"]),
        ("三千块", ["3000 CNY"]),
        ("两个月后再说，一个新客户", []),
        ("call at 3pm on Dec 3, room 12", []),
        ("8 robots installed within 3 days", ["8 robots"]),
        ("sales up 1,200% since spring", ["1200 %"]),
        # as a speech recogniser writes them
        ("they want two hundred units at five percent off", ["200 units", "5 %"]),
        ("three thousand boxes and a hundred pallets", ["3000 boxes", "100 pallets"]),
        ("twenty-five robots", ["25 robots"]),
        ("one of them called, back in five days, we met at five", []),
    ],
)
def test_amounts_and_quantities(text: str, labels: list[str]) -> None:
    assert [a.label for _, _, a in find_amounts(text, "CNY")] == labels


def test_amounts_without_currency_are_the_company_currency() -> None:
    assert [a.label for a in read("budget 200k", currency="USD").amounts] == ["200000 USD"]


def test_an_amount_next_to_a_date_is_not_read_as_part_of_it() -> None:
    note = read("sunflower called, they will pay ¥50,000 next week")
    assert [a.label for a in note.amounts] == ["50000 CNY"]
    assert note.followup == local(2026, 11, 25, 9)


@pytest.mark.parametrize(
    ("text", "value"),
    [("三千", 3000), ("两百五十", 250), ("十二", 12), ("一万二千", 12000), ("九五", 95)],
)
def test_chinese_numbers(text: str, value: int) -> None:
    assert zh_number(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("two hundred", 200),
        ("twenty five", 25),
        ("a thousand", 1000),
        ("three thousand and ten", 3010),
    ],
)
def test_spoken_english_numbers(text: str, value: int) -> None:
    assert en_number(text) == value


def test_amount_values_are_exact() -> None:
    [(_, _, amount)] = find_amounts("7.5% off", "CNY")
    assert amount.value == Decimal("7.5") and amount.kind == "percent"


# --- notes and small talk -------------------------------------------------------------------


def test_notes_keep_the_reps_words_with_their_dates() -> None:
    for text in (
        "拜访了锦程，客户要200台，下周五再打电话",
        "Dropped by Vandelay, revisit on Dec 3",
        "月底前回复报价",
        "they want 200 units, call back Friday",
    ):
        assert read(text).notes == text


def test_an_unknown_date_phrase_stays_in_the_note_and_no_date_is_read() -> None:
    note = read("Visited Acme, follow up after the trade fair")
    assert note.followup is None and note.notes == "Visited Acme, follow up after the trade fair"
    note = read("拜访了锦程，年后再联系")
    assert note.followup is None and note.notes == "拜访了锦程，年后再联系"


@pytest.mark.parametrize("text", ["hi", "Thanks!", "thank you", "你好", "谢谢", "ok 👍", "好的"])
def test_small_talk(text: str) -> None:
    assert is_small_talk(text)


@pytest.mark.parametrize("text", ["visited acme", "拜访了星辰", "hi, visited acme"])
def test_notes_are_not_small_talk(text: str) -> None:
    assert not is_small_talk(text)


def test_a_lone_word_is_not_a_visit_log() -> None:
    assert not read("call").says_something
    assert not read("tomorrow").says_something
    assert read("call back tomorrow please").says_something


def test_a_long_note_is_kept_whole_and_read_at_its_start() -> None:
    tail = " and more" * 300
    note = read("Visited Acme, call back next Friday" + tail)
    assert note.followup == local(2026, 11, 20, 9)
    assert note.notes.startswith("Visited Acme, call back next Friday and more")
    assert len(note.notes) > 2500


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120))
def test_any_text_gives_a_reading(text: str) -> None:
    note = read(text)
    assert note.at <= NOW.astimezone(SHANGHAI)
    assert note.followup is None or note.followup > note.at
    assert isinstance(note.notes, str)


# --- customers --------------------------------------------------------------------------------


def index(*names: str, owner: int = 1) -> MentionIndex:
    found = MentionIndex()
    for number, name in enumerate(names, 1):
        found.add(number, normalize_name(name), owner)
    return found


def everyone(owner_id: int) -> bool:
    return True


def mentioned(idx: MentionIndex, text: str) -> list[int]:
    return [m.customer_id for m in close_mentions(idx.mentions(text, everyone))]


def test_part_of_a_name_in_any_case_finds_the_customer() -> None:
    idx = index("Acme Trading Co.", "Globex Steel Ltd", "上海星辰贸易有限公司")
    assert mentioned(idx, "visited ACME today") == [1]
    assert mentioned(idx, "globex wants steel") == [2]
    assert mentioned(idx, "拜访了星辰，要样品") == [3]


def test_a_typo_still_finds_the_customer() -> None:
    idx = index("Brightwater Ceramics", "Halvorsen Marine")
    assert mentioned(idx, "brightwatr called") == [1]
    assert mentioned(idx, "hallvorsen wants parts") == [2]


def test_generic_words_alone_name_nobody() -> None:
    idx = index("Globex Steel Ltd", "上海星辰贸易有限公司", "Acme Trading")
    assert mentioned(idx, "they want more steel and trading terms") == []
    assert mentioned(idx, "上海的贸易公司") == []


def test_two_equally_likely_customers_are_both_offered() -> None:
    idx = index("上海锦程机械有限公司", "北京锦程物流", "Maple Leaf Foods", "Maple Grove Dairy")
    assert mentioned(idx, "拜访锦程") == [1, 2]
    assert mentioned(idx, "拜访锦程机械") == [1]
    assert mentioned(idx, "visited maple") == [3, 4]
    assert mentioned(idx, "visited maple leaf") == [3]


def test_only_visible_owners_are_considered() -> None:
    idx = MentionIndex()
    idx.add(1, normalize_name("Kestrel Logistics"), owner_id=7)
    idx.add(2, normalize_name("Kestrel Aviation"), owner_id=8)
    mine = idx.mentions("visited kestrel", lambda owner: owner == 7)
    assert [m.customer_id for m in mine] == [1]
    assert [m.customer_id for m in idx.mentions("visited kestrel", lambda owner: False)] == []


def test_renames_and_new_owners_are_followed() -> None:
    idx = MentionIndex()
    idx.add(1, normalize_name("Kestrel Logistics"), owner_id=7)
    idx.add(1, normalize_name("Osprey Logistics"), owner_id=8)
    assert idx.mentions("visited kestrel", everyone) == []
    assert [m.customer_id for m in idx.mentions("osprey", lambda o: o == 8)] == [1]
    assert len(idx) == 1


def test_customers_with_the_same_name_are_all_candidates() -> None:
    idx = index("Acme Trading", "ACME Trading Co.")
    assert mentioned(idx, "visited acme trading") == [1, 2]


def test_a_chinese_name_with_a_wrong_character_is_found_in_a_reps_book() -> None:
    idx = index("上海锦程机械有限公司", "北京锦程物流", "上海星辰贸易有限公司", owner=5)
    found = idx.misspelt_mentions("拜访了锦城机械，下周五回访", frozenset({5}))
    assert [m.customer_id for m in found] == [1]
    assert [m.customer_id for m in idx.misspelt_mentions("拜访了星晨贸易", frozenset({5}))] == [3]
    assert idx.misspelt_mentions("拜访了星晨贸易", frozenset({6})) == []
    assert idx.misspelt_mentions("去了新达贸易", frozenset({5})) == []


def test_misspelt_names_are_not_scanned_for_a_whole_large_company() -> None:
    idx = MentionIndex()
    for number in range(1, 3102):
        idx.add(number, normalize_name(f"上海星辰贸易{number}"), owner_id=number % 3)
    assert idx.misspelt_mentions("拜访了星晨贸易", None) == []
    assert idx.misspelt_mentions("拜访了星晨贸易", frozenset({1}))


# --- what reps write that the first rules missed ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dunmore print works mtg 10am tmrw", local(2026, 11, 19, 10)),
        ("mtg postponed to next Thurs 3pm", local(2026, 11, 19, 15)),
        ("couldnt get through line busy try again at 4", local(2026, 11, 18, 16)),
        ("no answer x2 try after lunch", local(2026, 11, 18, 14)),
        ("打了两次都是忙音，晚点再打", local(2026, 11, 18, 17)),
        ("all seedlings dead, call supplier today", local(2026, 11, 18, 17)),
    ],
)
def test_times_beside_days_and_later_today(text: str, expected: datetime) -> None:
    assert read(text).followup == expected


def test_a_flight_that_is_late_is_no_follow_up() -> None:
    assert read("航班晚点了，明天再去拜访").followup == local(2026, 11, 19, 9)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("瑞丰鞋业打了两次都是忙音", VisitKind.CALL),
        ("洪都建材的刘总手机关机", VisitKind.CALL),
        ("今天中午和北方重机的王总吃了个饭", VisitKind.MEETING),
        ("展会上认识一个新客户", VisitKind.MEETING),
        ("Prairie Wind - txt from Hughes", VisitKind.MESSAGE),
        ("sent over the sample book via email call them thursday to discuss", VisitKind.MESSAGE),
        ("test drive event at their lot, 5 vans of interest", VisitKind.VISIT),
    ],
)
def test_more_kind_words(text: str, kind: VisitKind) -> None:
    reading = read(text)
    assert (reading.kind, reading.kind_said) == (kind, True)


def test_a_meeting_cancelled_later_in_its_clause_did_not_happen() -> None:
    assert not read("mtg w/ tanaka cancelled, rescheduling to next wk").kind_said


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("货款2万5下周一打过来", ["25000 CNY"]),
        ("货款4万2，月底前结", ["42000 CNY"]),
        ("老板说要打印机2台，三千五一台", ["2 台", "3500 CNY"]),
        ("有机肥四十吨一吨两千八", ["40 吨", "2800 CNY"]),
        ("单价两块五十二月五号之前要", ["2.5 CNY"]),
        ("螺丝10万颗", ["100000 颗"]),
        ("两双鞋", ["2 双"]),
        ("一片好评", []),
        ("wants 3 new units", ["3 units"]),
        ("2 new trials", []),
        ("2,000 ft of pipe", ["2000 ft"]),
    ],
)
def test_spoken_tenths_prices_for_one_and_units(text: str, labels: list[str]) -> None:
    assert [a.label for *_, a in find_amounts(text, "CNY")] == labels


def test_a_later_word_of_a_name_alone_does_not_name_it() -> None:
    idx = index("Coastal Cold Storage", "Blue Ridge Farms")
    assert mentioned(idx, "cold called a new lead from the expo") == []
    assert mentioned(idx, "blu ridge farms visited, all good") == [2]


def test_two_words_that_make_a_name_find_it() -> None:
    assert mentioned(index("Castlerock Security"), "swung by castle rock, nobody in") == [1]


@pytest.mark.parametrize(
    "text",
    [
        "visited hollister paper and dunmore print works today",
        "上午去了恒达精密，下午去了天一塑料，都要报价",
    ],
)
def test_two_customers_written_apart_are_both_offered(text: str) -> None:
    idx = index(
        "Hollister Paper Mills",
        "Dunmore Print Works",
        "苏州恒达精密机械有限公司",
        "无锡天一塑料制品厂",
    )
    assert len(close_mentions(idx.mentions(text, everyone))) == 2


def test_a_pair_inside_other_words_is_no_second_customer() -> None:
    idx = index("青岛海润水产", "无锡天一塑料制品厂")
    found = idx.mentions("海润水产来电话说冷库有问题，让我们明天一早派人过去", everyone)
    assert [m.customer_id for m in close_mentions(found)] == [1]
