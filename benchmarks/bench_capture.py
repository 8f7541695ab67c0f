"""Quick capture on the demo data set: accuracy on the labelled notes, and parse time.

The labelled notes (`tests/capture/labelled.jsonl`, English and Chinese) are parsed as a rep who
owns the labelled customers and their look-alikes on top of the ~500 demo customers every demo
rep owns, among 100,000 customers company-wide; then as an admin, who sees all of them. The
larger corpus (`tests/capture/corpus.jsonl`) is labelled against its customers alone, so it is
read as a rep who owns just those (the demo rep's and the admin's times are reported too). Bars:

- on the corpus's test split, at least 95% of the notes fully right (customer, kind, follow-up,
  amounts and quantities) in each language, as the rep; dev and test are both reported, per field;
- customer and follow-up date both right on at least 90% of the first labelled notes (as the rep);
- parsing one note (`capture.draft_visit`: the reading, the mention index, the scope and the one
  query that loads the candidates) p95 ≤ 30 ms in each language, as the rep and as the admin.

The cold load of the mention index, which a restart pays once, is reported too.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.common import (
    Bar,
    Samples,
    bench_database,
    current_scale,
    print_bars,
    print_table,
    warn_if_busy,
)
from bot.models import Customer, Role, User
from bot.services.language.capture import draft_visit
from bot.services.language.capture_text import read_note
from bot.services.records.customers import DuplicateFinder
from bot.services.records.matching import normalize_name
from tests.capture.labelled import (
    CLOCK,
    CORPUS_FIELDS,
    FIELDS,
    LANGUAGES,
    SPLITS,
    TZ,
    Case,
    Note,
    cases,
    corpus,
    customer_names,
    score,
    score_note,
)

ACCURACY = 0.90
WHOLE_NOTE = 0.95
PARSE_P95_MS = 30.0
ROUNDS = {"full": 5, "quick": 2}


async def add_labelled_customers(rep: User, other: User) -> int:
    """The labelled customers and their look-alikes, as the accuracy test has them."""
    names = customer_names()
    rows = [
        Customer(name=name, normalized_name=normalize_name(name), owner_id=owner.id)
        for owner, group in ((rep, "own"), (rep, "decoys"), (other, "others"))
        for name in names[group]
    ]
    await Customer.bulk_create(rows)
    return len(rows)


async def measure(
    actor: User, labelled: list[Case], finder: DuplicateFinder, rounds: int
) -> tuple[Samples, list[dict[str, bool | None]]]:
    samples = Samples()
    scores: list[dict[str, bool | None]] = []
    for round_number in range(rounds):
        for case in labelled:
            started = time.perf_counter()
            draft = await draft_visit(actor, case.text, now=CLOCK, tz=TZ, finder=finder)
            samples.add(started)
            if round_number == 0:
                scores.append(score(case, draft))
    return samples, scores


async def measure_corpus(
    actor: User, notes: list[Note], finder: DuplicateFinder, rounds: int
) -> tuple[dict[str, Samples], list[dict[str, bool]]]:
    """Parse time per language, and each note's fields scored on the first round."""
    samples = {lang: Samples() for lang in LANGUAGES}
    scores: list[dict[str, bool]] = []
    for round_number in range(rounds):
        for note in notes:
            started = time.perf_counter()
            draft = await draft_visit(actor, note.text, now=CLOCK, tz=TZ, finder=finder)
            samples[note.lang].add(started)
            if round_number == 0:
                scores.append(score_note(note, draft))
    return samples, scores


def corpus_accuracy(notes: list[Note], scores: list[dict[str, bool]]) -> dict[str, Any]:
    """Per split and language: notes, whole-note share, and each field's share."""
    table: dict[str, Any] = {}
    for split in SPLITS:
        for lang in LANGUAGES:
            picked = [
                s for n, s in zip(notes, scores, strict=True) if n.split == split and n.lang == lang
            ]
            count = len(picked) or 1
            table[f"{split}/{lang}"] = {
                "notes": len(picked),
                "whole_note": round(sum(all(s.values()) for s in picked) / count, 3),
                "per_field": {
                    f: round(sum(s[f] for s in picked) / count, 3) for f in CORPUS_FIELDS
                },
            }
    table["wrong_dev"] = [
        {"text": n.text, "wrong": [f for f in CORPUS_FIELDS if not s[f]]}
        for n, s in zip(notes, scores, strict=True)
        if n.split == "dev" and not all(s.values())
    ]
    return table


def accuracy(labelled: list[Case], scores: list[dict[str, bool | None]]) -> dict[str, Any]:
    both = sum(bool(s["customer"] and s["followup"]) for s in scores)
    fields = {}
    for name in FIELDS:
        judged = [s[name] for s in scores if s[name] is not None]
        fields[name] = round(sum(bool(v) for v in judged) / len(judged), 3) if judged else None
    wrong = [
        {"text": case.text, "wrong": [n for n in FIELDS if s[n] is False]}
        for case, s in zip(labelled, scores, strict=True)
        if any(s[n] is False for n in FIELDS)
    ]
    held_out = [s for case, s in zip(labelled, scores, strict=True) if case.holdout]
    held_both = sum(bool(s["customer"] and s["followup"]) for s in held_out)
    return {
        "notes": len(scores),
        "customer_and_followup": round(both / len(scores), 3),
        "held_out_notes": len(held_out),
        "held_out_customer_and_followup": round(held_both / len(held_out), 3) if held_out else None,
        "per_field": fields,
        "wrong": wrong,
    }


async def main() -> dict[str, Any]:
    scale = current_scale()
    rounds = ROUNDS[scale.name]
    warn_if_busy()
    labelled = cases()
    notes = corpus()
    async with bench_database(scale) as db:
        reps = await User.filter(role=Role.REP, active=True).order_by("id").limit(2)
        rep, other = reps[0], reps[1]
        admin = await User.create(name="Bench Admin", role=Role.ADMIN)
        added = await add_labelled_customers(rep, other)
        # The corpus is labelled against its customers alone: a rep who owns just those (and
        # their look-alikes) reads it, among the 100,000 names of the company.
        corpus_rep = await User.create(name="Corpus Rep", role=Role.REP)
        corpus_other = await User.create(name="Corpus Other", role=Role.REP)
        added += await add_labelled_customers(corpus_rep, corpus_other)
        owned = await Customer.filter(owner_id=rep.id).count()
        total = await Customer.all().count()

        finder = DuplicateFinder()
        started = time.perf_counter()
        await finder.refresh()
        cold_load = time.perf_counter() - started
        for case in labelled[:10]:  # dateparser loads its language data on first use
            await draft_visit(rep, case.text, now=CLOCK, tz=TZ, finder=finder)

        reading = Samples()
        for case in labelled:
            started = time.perf_counter()
            read_note(case.text, now=CLOCK, tz=TZ)
            reading.add(started)
        as_rep, rep_scores = await measure(rep, labelled, finder, rounds)
        as_admin, admin_scores = await measure(admin, labelled, finder, rounds)
        corpus_times, corpus_scores = await measure_corpus(corpus_rep, notes, finder, rounds)
        demo_rep_times, _ = await measure_corpus(rep, notes, finder, 1)
        corpus_admin, _ = await measure_corpus(admin, notes, finder, 1)

    rep_accuracy = accuracy(labelled, rep_scores)
    admin_accuracy = accuracy(labelled, admin_scores)
    on_corpus = corpus_accuracy(notes, corpus_scores)
    bars = [
        *(
            Bar(
                f"capture: whole note right, test split, {lang}",
                on_corpus[f"test/{lang}"]["whole_note"] * 100,
                WHOLE_NOTE * 100,
                "%",
                at_least=True,
            )
            for lang in LANGUAGES
        ),
        *(
            Bar(
                f"capture: parse p95, rep, {lang}",
                corpus_times[lang].summary()["p95_ms"],
                PARSE_P95_MS,
                "ms",
            )
            for lang in LANGUAGES
        ),
        Bar(
            "capture: customer and follow-up right",
            rep_accuracy["customer_and_followup"] * 100,
            ACCURACY * 100,
            "%",
            at_least=True,
        ),
        Bar("capture: parse p95, rep", as_rep.summary()["p95_ms"], PARSE_P95_MS, "ms"),
        Bar("capture: parse p95, admin", as_admin.summary()["p95_ms"], PARSE_P95_MS, "ms"),
    ]
    result: dict[str, Any] = {
        "demo_data": db.demo.as_dict(),
        "customers": total,
        "labelled_customers_added": added,
        "rep_customers": owned,
        "index_cold_load_seconds": round(cold_load, 3),
        "accuracy_rep": rep_accuracy,
        "accuracy_admin": admin_accuracy,
        "read_note_only": reading.summary(),
        "parse_rep": as_rep.summary(),
        "parse_admin": as_admin.summary(),
        "corpus_accuracy_rep": on_corpus,
        "corpus_parse_rep": {lang: corpus_times[lang].summary() for lang in LANGUAGES},
        "corpus_parse_demo_rep": {lang: demo_rep_times[lang].summary() for lang in LANGUAGES},
        "corpus_parse_admin": {lang: corpus_admin[lang].summary() for lang in LANGUAGES},
        "bars": [bar.as_dict() for bar in bars],
        "all_bars_met": all(bar.met for bar in bars),
    }
    report(result, bars)
    return result


def report(result: dict[str, Any], bars: list[Bar]) -> None:
    keys = ("count", "mean_ms", "p50_ms", "p95_ms", "max_ms")
    print_table(
        f"Quick capture among {result['customers']:,} customers "
        f"(the rep owns {result['rep_customers']:,}); index cold load "
        f"{result['index_cold_load_seconds']:.2f} s",
        ("call", "count", "mean ms", "p50 ms", "p95 ms", "max ms"),
        [
            (label, *(result[name].get(key, 0) for key in keys))
            for label, name in (
                ("read_note (no database)", "read_note_only"),
                ("draft_visit as the rep", "parse_rep"),
                ("draft_visit as an admin", "parse_admin"),
            )
        ],
    )
    print_table(
        "Accuracy on the labelled notes",
        ("who", "notes", "customer+follow-up", *FIELDS),
        [
            (
                who,
                acc["notes"],
                f"{acc['customer_and_followup']:.1%}",
                *(
                    "-" if acc["per_field"][f] is None else f"{acc['per_field'][f]:.1%}"
                    for f in FIELDS
                ),
            )
            for who, acc in (("rep", result["accuracy_rep"]), ("admin", result["accuracy_admin"]))
        ],
    )
    on_corpus = result["corpus_accuracy_rep"]
    print_table(
        "The corpus, as the rep: share of notes right (whole note, then per field)",
        ("split/language", "notes", "whole note", *CORPUS_FIELDS),
        [
            (
                key,
                row["notes"],
                f"{row['whole_note']:.1%}",
                *(f"{row['per_field'][f]:.1%}" for f in CORPUS_FIELDS),
            )
            for key, row in on_corpus.items()
            if key != "wrong_dev"
        ],
    )
    print_table(
        "Corpus parse time per language (draft_visit)",
        ("who", "language", "count", "mean ms", "p50 ms", "p95 ms", "max ms"),
        [
            (who, lang, *(result[name][lang].get(key, 0) for key in keys))
            for who, name in (
                ("rep", "corpus_parse_rep"),
                ("rep with ~500 demo customers", "corpus_parse_demo_rep"),
                ("admin", "corpus_parse_admin"),
            )
            for lang in LANGUAGES
        ],
    )
    for miss in on_corpus["wrong_dev"][:10]:
        print(f"  dev, wrong {', '.join(miss['wrong'])}: {miss['text']}")
    for miss in result["accuracy_rep"]["wrong"][:10]:
        print(f"  wrong {', '.join(miss['wrong'])}: {miss['text']}")
    print_bars(bars)
