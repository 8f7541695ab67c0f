"""The migrations bring a database that already holds data up to date, not only an empty one:
a column added without a database default would stop the first start after an upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from bot.db import tortoise_config


async def _migrate(url: str, target: str | None = None) -> None:
    try:
        await run_migrations(config=tortoise_config(url), target=target)
    finally:
        await Tortoise.close_connections()


def _a_rep_and_a_customer(conn: sqlite3.Connection, *, tier: str) -> None:
    """Li Wei (user 1) and her customer Acme, as the schema of every release so far holds them."""
    conn.execute(
        "INSERT INTO users (name, role, locale, timezone, active, created_at) "
        "VALUES ('Li Wei', 'rep', 'en', 'UTC', 1, '2026-11-18')"
    )
    conn.execute(
        "INSERT INTO customers (name, normalized_name, address, industry, tier, status, "
        "credit_limit, notes, created_at, updated_at, owner_id) VALUES ('Acme', 'acme', '', "
        "'', ?, 'active', '0', '', '2026-11-18', '2026-11-18', 1)",
        (tier,),
    )


async def test_a_database_with_rows_upgrades_from_the_release_before(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    url = f"sqlite://{path}"
    await _migrate(url, "models.0008_turn_function")
    with sqlite3.connect(path) as conn:
        _a_rep_and_a_customer(conn, tier="")
        conn.execute(
            "INSERT INTO visits (customer_id, user_id, kind, at, notes, outcome, next_step, "
            "transcript, audio_ref, created_at) VALUES (1, 1, 'visit', '2026-11-18', 'met', '', "
            "'', '', '', '2026-11-18')"
        )
    await _migrate(url)
    with sqlite3.connect(path) as conn:
        customer = conn.execute("SELECT place_learned, latitude FROM customers").fetchone()
        visit = conn.execute(
            "SELECT far, too_fast, distance_m, checkout_far, checkout_at, minutes_on_site "
            "FROM visits"
        ).fetchone()
        photos = conn.execute("SELECT count(*) FROM visit_photos").fetchone()
    assert customer == (0, None) and visit == (0, 0, None, 0, None, None) and photos == (0,)


async def test_an_owner_made_optional_keeps_rows_and_name_triggers(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    url = f"sqlite://{path}"
    await _migrate(url, "models.0011_places")
    with sqlite3.connect(path) as conn:
        _a_rep_and_a_customer(conn, tier="B")
    await _migrate(url)
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT count(*) FROM customer_name_changes").fetchone()[0]
        conn.execute("UPDATE customers SET owner_id = NULL, previous_owner_id = 1 WHERE id = 1")
        conn.execute("UPDATE customers SET normalized_name = 'acme co' WHERE id = 1")
        changes = conn.execute(
            "SELECT normalized_name, owner_id FROM customer_name_changes ORDER BY id"
        ).fetchall()[before:]
        customer = conn.execute(
            "SELECT name, tier, owner_id, previous_owner_id FROM customers"
        ).fetchone()
    assert customer == ("Acme", "B", None, 1)
    assert changes == [("acme", None), ("acme co", None)]
