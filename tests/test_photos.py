"""Photos on visits through the console: kept during /visit, sent outside a dialog to today's
visit (asked which, or offered a new one), refused in one line when not a photo or too large,
counted on the card and in History, sent back by a button only to those who may see them, and
carried by `crmbot backup` / `restore`."""

from __future__ import annotations

import asyncio
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from bot.handlers.console import ConsoleChannel
from bot.handlers.console import render as console_render
from bot.messages import Picture
from bot.models import User, Visit, VisitPhoto
from bot.services.data import photo_backup
from bot.services.people import users
from bot.services.records import customers, photos
from tests.conftest import Team
from tests.support import Chat, FakeClock
from tests.test_cli import crmbot

SHELF = b"\x89PNG\r\n\x1a\n" + b"shelf with our product" * 20
CARD = b"\xff\xd8\xff\xe0" + b"business card" * 20


def photo(data: bytes) -> Picture:
    return Picture(ref="console:test", mime="", size=len(data), data=data)


async def visit(chat: Chat, name: str, *, before_save: list[bytes] = ()) -> str:  # type: ignore[assignment]
    await chat.say(f"/visit {name}")
    await chat.tap("Visit")
    for data in before_save:
        await chat.send(photo=photo(data))
    await chat.tap("Now")
    await chat.say("checked the shelf")
    await chat.say("skip")
    return await chat.tap("Save")


async def test_photos_sent_during_a_visit_are_kept_counted_and_sent_back(
    team: Team, clock: FakeClock, tmp_path: Path
) -> None:
    li = team.chats["Li Wei"]
    await customers.create_customer(
        team.users["Li Wei"], customers.CustomerDraft(name="Acme Trading Co.")
    )
    await li.say("/visit acme")
    await li.tap("Visit")
    said = await li.send(photo=photo(SHELF))
    assert said.startswith("📷 1 photo attached to this visit.")
    assert "Now" in said, "the same question is asked again"
    assert "📷 1 photos" not in await li.send(photo=photo(SHELF)), "the same picture is one"
    assert "📷 2 photos attached to this visit so far." in await li.send(photo=photo(CARD))
    await li.tap("Now")
    await li.say("checked the shelf")
    assert "📷 2 photos" in await li.say("skip"), "the summary before saving counts them"
    saved = await li.tap("Save")
    assert "📷 2 photos attached." in saved
    kept = await VisitPhoto.all().order_by("id").values_list("sha256", "mime", "size")
    assert kept == [
        (hashlib.sha256(SHELF).hexdigest(), "image/png", len(SHELF)),
        (hashlib.sha256(CARD).hexdigest(), "image/jpeg", len(CARD)),
    ]
    sha = kept[0][0]
    assert (tmp_path / "photos" / sha[:2] / f"{sha}.png").read_bytes() == SHELF

    card = await li.say("/customer acme")
    assert "· Li Wei · 📷 2 photos: checked the shelf" in card
    await li.tap("📷 Photos")
    sent = [r.file for r in li.replies if r.file is not None]
    assert [(f.content, f.mime) for f in sent] == [(SHELF, "image/png"), (CARD, "image/jpeg")]
    assert li.replies[0].text == "Acme Trading Co. · 📷 2 photos"
    await li.say("/customer acme")
    assert "📷 2 photos" in await li.tap("History")
    assert "📷 Photos" in " ".join(b.label for r in li.replies for b in r.all_buttons())

    # Sam may not see Li Wei's customer: the same action answers nothing about it.
    visit_id = (await Visit.get()).id
    sam = team.chats["Sam"]
    from bot.buttons import Action, pack

    refused = await sam.send(button=pack(Action("photos", str(visit_id))))
    assert refused == "Not found, or not yours to see."
    # Their manager may.
    await team.chats["Mia"].send(button=pack(Action("photos", str(visit_id))))
    assert len([r for r in team.chats["Mia"].replies if r.file is not None]) == 2


async def test_a_photo_outside_a_dialog_goes_to_todays_visit(team: Team, clock: FakeClock) -> None:
    li = team.chats["Li Wei"]
    for name in ("Acme", "Bolt Ltd"):
        await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name=name))
    # No visit today: offered to log one that starts with the photo.
    offer = await li.send(photo=photo(SHELF))
    assert offer.startswith("📷 You have logged no visit today to attach this photo to.")
    await li.tap("Log a visit with it")
    await li.say("acme")
    await li.tap("Visit")
    await li.tap("Now")
    await li.say("shelf photo first")
    await li.say("skip")
    assert "📷 1 photo attached." in await li.tap("Save")
    # One visit today: attached at once.
    clock.advance(minutes=30)
    said = await li.send(photo=photo(CARD))
    assert said == "📷 Photo attached to your visit at Acme (📷 2 photos)."
    # Two visits today: which one?
    clock.advance(minutes=30)
    await visit(li, "bolt")
    clock.advance(minutes=5)
    asked = await li.send(photo=photo(CARD))
    assert asked.startswith("📷 Which of today's visits is this photo for?")
    assert "Bolt Ltd · 11:00" in asked and "Acme · 10:00" in asked
    stale = li.button("Acme ·")
    assert await li.tap("Bolt Ltd") == "📷 Photo attached to your visit at Bolt Ltd (📷 1 photo)."
    assert await VisitPhoto.filter(visit__customer__name="Acme").count() == 2
    assert await VisitPhoto.filter(visit__customer__name="Bolt Ltd").count() == 1
    # Tomorrow, yesterday's question attaches nothing.
    clock.advance(days=1)
    assert await li.send(button=stale) == "That button is not valid any more."
    assert await VisitPhoto.all().count() == 3


async def test_what_is_not_a_photo_or_too_large_is_refused_in_one_line(
    team: Team, clock: FakeClock
) -> None:
    li = team.chats["Li Wei"]
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name="Acme"))
    await li.say("/visit acme")
    await li.tap("Visit")
    text = await li.send(photo=photo(b"%PDF-1.7 not a picture"))
    assert text.startswith("That is not a photo I can keep (JPEG, PNG, WebP, GIF or HEIC).")
    big = Picture(ref="console:big", size=11 * 1024**2)  # known too large: never fetched
    assert (await li.send(photo=big)).startswith("That photo is too large (at most 10 MB).")
    lost = Picture(ref="console:lost")  # the channel could not fetch it
    assert (await li.send(photo=lost)).startswith("I could not fetch that photo.")
    assert await VisitPhoto.all().count() == 0


async def test_the_console_sends_a_photo_file_in_chinese(
    team: Team, clock: FakeClock, tmp_path: Path
) -> None:
    await users.set_locale(await User.get(name="Li Wei"), "zh")
    await customers.create_customer(team.users["Li Wei"], customers.CustomerDraft(name="宏达贸易"))
    li = team.chats["Li Wei"]
    await li.say("/visit 宏达")
    await li.tap("拜访")
    await li.tap("现在")
    await li.say("看了货架")
    await li.say("跳过")
    await li.tap("保存")
    picture = tmp_path / "货架.jpg"
    picture.write_bytes(CARD)
    console = ConsoleChannel(team.engine, li.external_id)
    text = console_render(await console.send(f"/photo {picture}"))
    assert text == "📷 照片已附到您在宏达贸易的拜访（📷 1 张照片）。"
    missing = console_render(await console.send(f"/photo {tmp_path / 'nope.jpg'}"))
    assert missing == "没能收到这张照片，请再发一次。"
    card = console_render(await console.send("/customer 宏达"))
    assert "📷 1 张照片" in card and "的照片" in card


def test_the_photo_store_reads_types_from_the_bytes(tmp_path: Path) -> None:
    assert photos.image_type(SHELF) == "image/png"
    assert photos.image_type(CARD) == "image/jpeg"
    assert photos.image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert photos.image_type(b"GIF89a...") == "image/gif"
    assert photos.image_type(b"\x00\x00\x00\x18ftypheic") == "image/heic"
    assert photos.image_type(b"<svg>") is None
    shelf = photos.PhotoStore(tmp_path, 100)
    assert shelf.stored("../etc/passwd") is None and shelf.stored("ab") is None


async def test_backup_and_restore_carry_the_photos(tmp_path: Path) -> None:
    source = tmp_path / "photos"
    shelf = photos.PhotoStore(source, 10**6)
    kept = [await shelf.put(data) for data in (SHELF, CARD)]
    env = {"CRM_PHOTO_DIR": str(source)}
    # `main` runs its own event loop: in a thread, beside this test's.
    demo = ("demo-data", "--reps", "2", "--customers", "5", "--visits", "5")
    done = await asyncio.to_thread(crmbot, tmp_path, *demo, **env)
    assert done.returncode == 0, done.stderr
    done = await asyncio.to_thread(crmbot, tmp_path, "backup", "crm-backup.db", **env)
    assert done.returncode == 0, done.stderr
    assert "2 photos to crm-backup.db.photos.tar" in done.stdout
    # A member named outside the store's scheme, and one whose bytes do not match its name,
    # are not restored.
    archive = tmp_path / "crm-backup.db.photos.tar"
    forged_name = "00/" + "0" * 64 + ".png"
    with tarfile.open(archive, "a") as tar:
        for name, data in (("../escape.png", SHELF), (forged_name, SHELF)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

    target = tmp_path / "restored-photos"
    url = f"sqlite://{tmp_path / 'restored' / 'crm.db'}"
    done = await asyncio.to_thread(
        crmbot,
        tmp_path,
        "restore",
        "crm-backup.db",
        CRM_DATABASE_URL=url,
        CRM_PHOTO_DIR=str(target),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("; 2 photos).")
    back = photos.PhotoStore(target, 10**6)
    for item, data in zip(kept, (SHELF, CARD), strict=True):
        assert await back.read(item.sha256, item.mime) == data
    assert not (tmp_path / "escape.png").exists() and not (target / forged_name).exists()
    assert photo_backup.load(tmp_path / "no-such-backup.db", target) == 0


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_a_photo_with_no_visit_today_says_so_in_the_persons_language(
    team: Team, language: str
) -> None:
    await users.set_locale(await User.get(name="Sam"), language)
    said = await team.chats["Sam"].send(photo=photo(SHELF))
    expected = {
        "en": "📷 You have logged no visit today to attach this photo to.",
        "zh": "📷 您今天还没有记录拜访，这张照片无处可附。",
    }
    assert said.startswith(expected[language])
