"""Quick capture through the engine: free text → draft → Confirm / Edit / Cancel."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.buttons import Choice, Nav, pack, unpack
from bot.messages import Audio
from bot.models import Customer, Visit
from bot.services.records import customers
from tests.conftest import Team

NOTE = "Visited Acme, they want 200 units at 5% off, call back next Friday"


async def own(team: Team, who: str, name: str) -> Customer:
    return await customers.create_customer(team.users[who], customers.CustomerDraft(name=name))


async def test_typed_note_to_confirmed_visit_with_follow_up(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    await own(team, "Li Wei", "Globex Steel")
    reply = await li.say(NOTE)
    assert "Log this?" in reply and "Acme Trading Co." in reply
    assert "Visit · Nov 18, 10:00" in reply and "💰 5%" in reply and "📦 200 units" in reply
    assert "Next follow-up: Nov 20, 09:00" in reply
    assert await Visit.all().count() == 0
    reply = await li.tap("Confirm")
    assert reply.startswith("Logged.") and "Nov 20, 09:00" in reply
    visit = await Visit.get(customer_id=acme.id)
    assert visit.kind == "visit"
    assert visit.at == datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    assert visit.next_followup_at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    assert visit.followup_owner_id == team.users["Li Wei"].id
    assert visit.notes == NOTE
    assert visit.transcript == "" and visit.audio_ref == ""


async def test_edit_walks_the_visit_dialog_with_the_values_filled_in(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    await li.say("called acme yesterday 3pm, they want $80k, follow up in two weeks")
    reply = await li.tap("Edit")
    assert "Acme Trading Co.: what kind of contact?" in reply and "✓ Call" in reply
    reply = await li.tap("Meeting")
    assert "✓ Nov 17, 15:00" in reply
    reply = await li.tap("Nov 17, 15:00")
    assert "called acme yesterday 3pm, they want $80k, follow up in two weeks" in reply
    reply = await li.tap("Keep these notes")
    assert "✓ Dec 2, 09:00" in reply
    reply = await li.tap("Dec 2, 09:00")
    assert "Save this?" in reply and "Meeting · Nov 17, 15:00" in reply
    assert await Visit.all().count() == 0
    await li.tap("Save")
    visit = await Visit.get(customer_id=acme.id)
    assert visit.kind == "meeting"
    assert visit.at == datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
    assert visit.next_followup_at == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert visit.notes == "called acme yesterday 3pm, they want $80k, follow up in two weeks"


async def test_edit_can_change_the_notes_and_the_follow_up(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    await li.say(NOTE)
    await li.tap("Edit")
    await li.tap("Visit")
    await li.tap("Now")
    await li.say("Wants 300 units now")
    await li.say("下周五下午3点")
    await li.tap("Save")
    visit = await Visit.get(customer_id=acme.id)
    assert visit.notes == "Wants 300 units now"
    assert visit.next_followup_at == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


async def test_cancel_writes_nothing(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Acme Trading Co.")
    await li.say(NOTE)
    reply = await li.tap("Cancel")
    assert "Nothing was saved" in reply
    assert await Visit.all().count() == 0


async def test_two_close_customers_are_asked_first(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "上海锦程机械有限公司")
    logistics = await own(team, "Li Wei", "北京锦程物流")
    reply = await li.say("拜访锦程，谈了新合同，下周三再去")
    assert "Which customer is this about?" in reply
    assert "上海锦程机械有限公司" in reply and "北京锦程物流" in reply
    reply = await li.tap("北京锦程物流")
    assert "Log this?" in reply and "Next follow-up: Nov 25, 09:00" in reply
    await li.tap("Confirm")
    visit = await Visit.get(customer_id=logistics.id)
    assert visit.next_followup_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


async def test_no_customer_named_offers_search_and_new_customer(team: Team) -> None:
    li = team.chats["Li Wei"]
    initech = await own(team, "Li Wei", "Initech")
    reply = await li.say("visited the new shop, they want 20 units, call back friday")
    assert "I did not find one in your note" in reply and "/newcustomer" in reply
    reply = await li.say("initech")
    assert "Log this?" in reply and "Initech" in reply and "20 units" in reply
    await li.tap("Confirm")
    assert await Visit.filter(customer_id=initech.id).count() == 1


async def test_another_customer_than_the_ones_suggested(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Maple Leaf Foods")
    await own(team, "Li Wei", "Maple Grove Dairy")
    hooli = await own(team, "Li Wei", "Hooli")
    await li.say("visited maple, call next week")
    reply = await li.tap("Another customer")
    assert "Type part of the name" in reply
    await li.say("hooli")
    await li.tap("Confirm")
    assert await Visit.filter(customer_id=hooli.id).count() == 1


async def test_a_rep_cannot_capture_onto_a_customer_they_cannot_see(team: Team) -> None:
    li = team.chats["Li Wei"]
    hidden = await own(team, "Sam", "Kestrel Aviation")
    reply = await li.say("visited kestrel aviation, they want 5 planes serviced, call monday")
    assert "Kestrel" not in reply.split("\n")[0] and "I did not find one" in reply
    reply = await li.say("kestrel")
    assert "No customer of yours matches" in reply
    cancel = unpack(li.button("Cancel"))
    assert isinstance(cancel, Nav)
    forged = await li.send(button=pack(Choice(cancel.token, str(hidden.id))))
    assert "Please pick one of the customers listed." in forged
    assert await Visit.all().count() == 0


async def test_a_manager_captures_onto_a_team_members_customer(team: Team) -> None:
    mia = team.chats["Mia"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    await mia.say(NOTE)
    await mia.tap("Confirm")
    visit = await Visit.get(customer_id=acme.id)
    assert visit.user_id == team.users["Mia"].id
    assert visit.followup_owner_id == team.users["Li Wei"].id


async def test_voice_note_keeps_transcript_and_audio_reference(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    reply = await li.send(audio=Audio(ref="f1", duration=4.0, recognition=NOTE))
    assert "Log this?" in reply and "From your voice note" in reply
    await li.tap("Confirm")
    visit = await Visit.get(customer_id=acme.id)
    assert visit.transcript == NOTE
    assert visit.audio_ref == "f1"
    assert visit.next_followup_at == datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


async def test_voice_note_edited_keeps_its_transcript(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    await li.send(audio=Audio(ref="f2", recognition=NOTE))
    await li.tap("Edit")
    await li.tap("Call")
    await li.tap("Now")
    await li.tap("Keep these notes")
    await li.tap("Nov 20, 09:00")
    await li.tap("Save")
    visit = await Visit.get(customer_id=acme.id)
    assert (visit.kind, visit.transcript, visit.audio_ref) == ("call", NOTE, "f2")


async def test_greetings_and_noise_are_not_drafts(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Acme Trading Co.")
    assert "To log a visit, just tell me what happened" in await li.say("hi")
    assert "To log a visit" in await li.say("Thanks!")
    assert "I did not get that. /help" in await li.say("asdf qwerty")
    await li.say("/lang zh")
    reply = await li.say("你好")
    assert "记录拜访" in reply
    assert await Visit.all().count() == 0


async def test_chinese_summary(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "上海锦程机械有限公司")
    await li.say("/lang zh")
    reply = await li.say("打电话给锦程机械，客户要3千台，打九五折，明天下午3点再联系")
    assert "记录这条吗？" in reply and "上海锦程机械有限公司" in reply
    assert "电话 · 11月18日 10:00" in reply and "💰 5%" in reply and "📦 3,000台" in reply
    assert "下次跟进：11月19日 15:00" in reply
    reply = await li.tap("确认")
    assert reply.startswith("已记录")


async def test_free_text_inside_a_dialog_is_an_answer_not_a_capture(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Acme Trading Co.")
    await li.say("/visit acme")
    reply = await li.say(NOTE)
    assert "Please choose visit, call, message or meeting." in reply
    assert "Log this?" not in reply


async def test_the_kind_changes_with_one_tap(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    reply = await li.say("acme wants a quote for 50 units, send it by Friday")
    assert "The note does not say how you were in touch" in reply and "Visit ·" in reply
    reply = await li.tap("📞 Call")
    assert "Call · Nov 18, 10:00" in reply and "does not say how" not in reply
    assert "🚶 Visit" in reply and "📞 Call" not in reply
    await li.tap("Confirm")
    visit = await Visit.get(customer_id=acme.id)
    assert (
        visit.kind == "call" and visit.notes == "acme wants a quote for 50 units, send it by Friday"
    )


async def test_a_note_without_a_kind_takes_the_reps_usual_one(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Acme Trading Co.")
    for _ in range(2):
        await li.say("called acme about the invoice")
        await li.tap("Confirm")
    reply = await li.say("acme wants 30 units, follow up Monday")
    assert "Call · Nov 18, 10:00" in reply and "your usual kind" in reply


async def test_a_name_written_exactly_beats_its_look_alike_and_both_are_asked_when_unclear(
    team: Team,
) -> None:
    li = team.chats["Li Wei"]
    trading = await own(team, "Li Wei", "Acme Trading")
    await own(team, "Li Wei", "Acme Tradng")
    reply = await li.say("Visited Acme Trading, talked about pricing")
    assert "Log this?" in reply and "🏢 Acme Trading\n" in reply
    await li.tap("Confirm")
    assert await Visit.filter(customer_id=trading.id).count() == 1
    reply = await li.say("Visited Acme, talked about pricing")
    assert "Which customer is this about?" in reply
    assert "Acme Trading" in reply and "Acme Tradng" in reply


async def test_a_slip_and_a_homophone_find_the_customer(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Northwind Traders")
    await own(team, "Li Wei", "深圳华瑞科技有限公司")
    reply = await li.say("Visited Nortwind, they want samples, call back Friday")
    assert "🏢 Northwind Traders" in reply
    await li.tap("Cancel")
    reply = await li.say("给华锐打电话，没人接，明天再打")
    assert "🏢 深圳华瑞科技有限公司" in reply and "Call ·" in reply


async def test_quantities_never_show_as_money_and_dates_stay_in_the_note(team: Team) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Acme Trading Co.")
    reply = await li.say("visited acme, they want 200 units, call back Friday")
    assert "📦 200 units" in reply and "💰" not in reply
    assert "📝 visited acme, they want 200 units, call back Friday" in reply


async def test_an_unknown_date_phrase_is_kept_and_the_draft_says_no_date_was_read(
    team: Team,
) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Acme Trading Co.")
    reply = await li.say("visited acme, follow up after the trade fair")
    assert "📝 visited acme, follow up after the trade fair" in reply
    assert "No follow-up date was read from the note." in reply


async def test_a_past_date_without_a_year_is_next_years_and_the_draft_shows_the_year(
    team: Team,
) -> None:
    li = team.chats["Li Wei"]
    await own(team, "Li Wei", "Acme Trading Co.")
    reply = await li.say("called acme, contract renewal, follow up Nov 2")
    assert "Next follow-up: Nov 2, 2027, 09:00" in reply


async def test_a_run_on_voice_transcript_takes_the_same_path(team: Team) -> None:
    li = team.chats["Li Wei"]
    acme = await own(team, "Li Wei", "Acme Trading Co.")
    spoken = (
        "so I just got off the phone with acme they want two hundred units and a five percent "
        "discount I said I would check and call them back on friday"
    )
    reply = await li.send(audio=Audio(ref="f3", duration=9.0, recognition=spoken))
    assert "Call · Nov 18, 10:00" in reply and "📦 200 units" in reply and "💰 5%" in reply
    assert "Next follow-up: Nov 20, 09:00" in reply and "From your voice note" in reply
    await li.tap("Confirm")
    visit = await Visit.get(customer_id=acme.id)
    assert (visit.kind, visit.notes, visit.transcript) == ("call", spoken, spoken)
