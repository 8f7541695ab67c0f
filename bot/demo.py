"""A realistic demo data set: a company of managers and reps, customers, years of visits,
deals with their stage history, invoices and payments, approval requests and tasks.

Used to try the product (`crmbot demo-data`) and by the benchmarks, so every report has
something to show. Deterministic per seed. Rows are inserted in large batches so a million
visits load in about a minute on SQLite; on PostgreSQL they go through COPY.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from tortoise import connections
from tortoise.models import Model
from tortoise.transactions import in_transaction

from bot import db as database
from bot.models import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Customer,
    Deal,
    DealStageChange,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    Role,
    Stage,
    Target,
    TargetMetric,
    TargetScope,
    Task,
    User,
    Visit,
    VisitKind,
)
from bot.services.records.matching import normalize_name

SURNAMES = (
    "Li",
    "Wang",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Schmidt",
    "Müller",
    "Smith",
    "Garcia",
    "Rossi",
    "Tanaka",
    "Kim",
    "Nguyen",
)
GIVEN = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Jun", "Yan", "Anna", "Tom", "Lukas", "Mia")
LATIN_WORDS = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Pied",
    "Piper",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Litware",
    "Tailspin",
    "Adatum",
    "Blue",
    "Red",
    "Golden",
    "Silver",
    "Eastern",
    "Western",
    "Pacific",
    "Atlantic",
    "Summit",
    "Pioneer",
    "Harbor",
)
LATIN_TRADES = (
    "Trading",
    "Logistics",
    "Foods",
    "Machinery",
    "Textiles",
    "Electronics",
    "Chemicals",
    "Pharma",
    "Packaging",
    "Motors",
    "Plastics",
    "Steel",
    "Furniture",
)
LATIN_FORMS = ("Co.", "Co., Ltd.", "Ltd.", "Inc.", "GmbH", "LLC", "Corp.", "")
CITIES = (
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "苏州",
    "南京",
    "成都",
    "武汉",
    "天津",
    "宁波",
    "青岛",
)
ZH_WORDS = (
    "星辰",
    "华通",
    "金桥",
    "东方",
    "新达",
    "恒信",
    "宏发",
    "永盛",
    "天成",
    "瑞丰",
    "博远",
    "锦华",
    "嘉禾",
    "中联",
    "海纳",
    "鼎盛",
    "长江",
    "银河",
    "盛世",
    "万通",
    "同创",
    "德润",
)
ZH_TRADES = (
    "贸易",
    "物流",
    "食品",
    "机械",
    "纺织",
    "电子",
    "化工",
    "医药",
    "包装",
    "汽车",
    "塑料",
    "钢铁",
    "家具",
    "科技",
)
ZH_FORMS = ("有限公司", "股份有限公司", "公司", "")
INDUSTRIES = ("Manufacturing", "Retail", "Logistics", "Food", "Chemicals", "Electronics")
NOTES = (
    "Discussed the new price list",
    "They want samples next week",
    "Met the purchasing manager",
    "Complaint about late delivery",
    "Interested in the premium line",
    "Renewal talk",
    "讨论了新价格",
    "客户要样品",
    "见了采购经理",
    "对交货时间不满意",
)
BATCH = 20_000
M = TypeVar("M", bound=Model)


async def _last_id(model: type[Model]) -> int:
    """The highest id of `model` so far (0 for none): the rows added next have higher ones."""
    last = await model.all().order_by("-id").first()
    return last.id if last else 0


async def _ids_after(model: type[Model], last_id: int) -> list[int]:
    return list(await model.filter(id__gt=last_id).order_by("id").values_list("id", flat=True))


async def _insert(model: type[M], rows: Iterable[M]) -> None:
    """`rows` saved `BATCH` at a time, made as they are saved (a million need not be in memory);
    on PostgreSQL with COPY, several times quicker than multi-row inserts."""
    conn = connections.get("default")
    copy = conn.capabilities.dialect == "postgres"
    pending = iter(rows)
    while batch := list(itertools.islice(pending, BATCH)):
        if copy:
            await _copy(conn, model, batch)
        else:
            await model.bulk_create(batch)


async def _copy(conn: Any, model: type[M], batch: list[M]) -> None:
    """One batch through PostgreSQL's COPY, each value converted as the ORM would store it."""
    meta = model._meta
    names = [
        name
        for name in meta.fields_db_projection
        if not (name == meta.pk_attr and meta.pk.generated)
    ]
    pairs = [(name, meta.fields_map[name]) for name in names]
    records = [
        tuple(field.to_db_value(getattr(row, name), row) for name, field in pairs) for row in batch
    ]
    async with conn.acquire_connection() as raw:
        await raw.copy_records_to_table(
            meta.db_table,
            records=records,
            columns=[meta.fields_db_projection[name] for name in names],
        )


def company_name(rng: random.Random) -> str:
    """One plausible customer name, Latin or Chinese."""
    if rng.random() < 0.5:
        words = " ".join(rng.sample(LATIN_WORDS, rng.choice((1, 2))))
        return " ".join(x for x in (words, rng.choice(LATIN_TRADES), rng.choice(LATIN_FORMS)) if x)
    return (
        rng.choice(CITIES)
        + "".join(rng.sample(ZH_WORDS, rng.choice((1, 2))))
        + rng.choice(ZH_TRADES)
        + rng.choice(ZH_FORMS)
    )


async def generate(
    *, reps: int, customers: int, visits: int, seed: int = 1, now: datetime
) -> dict[str, int]:
    """Add managers (one per ten reps), reps, customers and visits; returns what was added."""
    rng = random.Random(seed)
    managers = max(1, reps // 10)
    async with in_transaction():
        boss_rows = [
            User(
                name=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)} (manager {n + 1})",
                role=Role.MANAGER,
            )
            for n in range(managers)
        ]
        await User.bulk_create(boss_rows)
        boss_ids = (
            await User.filter(role=Role.MANAGER)
            .order_by("-id")
            .limit(managers)
            .values_list("id", flat=True)
        )
        rep_rows = [
            User(
                name=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)} {n + 1}",
                role=Role.REP,
                manager_id=boss_ids[n % len(boss_ids)],
            )
            for n in range(reps)
        ]
        await User.bulk_create(rep_rows, batch_size=BATCH)
        rep_ids = (
            await User.filter(role=Role.REP)
            .order_by("-id")
            .limit(reps)
            .values_list("id", flat=True)
        )

    def customer_rows() -> Iterator[Customer]:
        for _ in range(customers):
            name = company_name(rng)
            owner = rng.choice(rep_ids)
            phone = f"+86138{rng.randrange(10**8):08d}" if rng.random() < 0.6 else None
            yield Customer(
                name=name,
                normalized_name=normalize_name(name),
                phone=phone,
                industry=rng.choice(INDUSTRIES),
                tier=rng.choice("ABC"),
                owner_id=owner,
            )

    base_customer = await _last_id(Customer)
    await _insert(Customer, customer_rows())
    customer_ids = (
        await Customer.filter(id__gt=base_customer).order_by("id").values_list("id", "owner_id")
    )

    kinds = list(VisitKind)

    def visit_rows() -> Iterator[Visit]:
        for _ in range(visits):
            customer_id, owner = rng.choice(customer_ids)
            at = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 720))
            follow = None
            if rng.random() < 0.05:
                follow = now + timedelta(hours=rng.randrange(-24 * 20, 24 * 10))
            yield Visit(
                customer_id=customer_id,
                user_id=owner,
                kind=rng.choice(kinds),
                at=at,
                notes=rng.choice(NOTES),
                next_followup_at=follow,
                followup_owner_id=owner if follow else None,
            )

    await _insert(Visit, visit_rows())
    await _set_last_contact()
    boss_of = dict(await User.filter(id__in=list(rep_ids)).values_list("id", "manager_id"))
    money = await _deals_and_money(rng, customer_ids, boss_of, now)
    pooled = await _pool(base_customer, now)
    targets = await _targets(rng, list(rep_ids), list(boss_ids), visits, now)
    return {
        "managers": managers,
        "reps": reps,
        "customers": customers,
        "visits": visits,
        **money,
        "pooled": pooled,
        "targets": targets,
    }


# Where demo deals stand, and how likely each stage is.
STAGE_WEIGHTS = (
    (Stage.LEAD, 30),
    (Stage.QUALIFIED, 20),
    (Stage.PROPOSAL, 15),
    (Stage.NEGOTIATION, 10),
    (Stage.WON, 15),
    (Stage.LOST, 10),
)
FLOW = (Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION, Stage.WON)
DEAL_WORDS = ("Annual supply", "Pilot order", "Spare parts", "年度采购", "新产品试单", "设备更新")
TASK_TEXTS = ("Call back about the quote", "Send the samples", "回访客户", "准备报价单")


async def _deals_and_money(
    rng: random.Random,
    customer_ids: list[tuple[int, int]],
    boss_of: dict[int, int | None],
    now: datetime,
) -> dict[str, int]:
    """Deals (one per five customers) moved through the stages, invoices for the won ones and
    some open accounts, payments on part of them, discount requests and tasks."""
    if not customer_ids:
        return {"deals": 0, "invoices": 0, "payments": 0, "approvals": 0, "tasks": 0}
    stages = [stage for stage, _ in STAGE_WEIGHTS]
    weights = [weight for _, weight in STAGE_WEIGHTS]
    base_deal = await _last_id(Deal)
    planned: list[tuple[int, int, Stage, datetime, Decimal, str]] = []
    for _ in range(max(1, len(customer_ids) // 5)):
        customer_id, owner = rng.choice(customer_ids)
        stage = rng.choices(stages, weights)[0]
        created = now - timedelta(days=rng.uniform(1, 365))
        currency = "USD" if rng.random() < 0.05 else "CNY"
        amount = Decimal(rng.randrange(10, 2000) * 1000)
        planned.append((customer_id, owner, stage, created, amount, currency))

    def deal_rows() -> Iterator[Deal]:
        for customer_id, owner, stage, created, amount, currency in planned:
            closing = created + timedelta(days=rng.randrange(30, 300))
            yield Deal(
                customer_id=customer_id,
                owner_id=owner,
                title=rng.choice(DEAL_WORDS),
                amount=amount,
                currency=currency,
                stage=stage,
                expected_close=closing.date(),
                lost_reason="price" if stage == Stage.LOST else "",
                closed_at=min(now, closing) if stage in (Stage.WON, Stage.LOST) else None,
            )

    await _insert(Deal, deal_rows())
    deal_ids = await _ids_after(Deal, base_deal)
    changes: list[DealStageChange] = []
    for deal_id, (_, owner, stage, created, _, _) in zip(deal_ids, planned, strict=True):
        if stage == Stage.LOST:
            path = [*FLOW[: rng.randrange(1, 4)], Stage.LOST]
        else:
            path = list(FLOW[: FLOW.index(stage) + 1])
        at, previous = created, None
        for step in path:
            changes.append(
                DealStageChange(
                    deal_id=deal_id, user_id=owner, from_stage=previous, to_stage=step, at=at
                )
            )
            previous = step
            at = min(now, at + timedelta(days=rng.uniform(1, 40)))
    await _insert(DealStageChange, changes)

    # Invoices: every won deal, plus open accounts at one customer in twenty.
    base_invoice = await _last_id(Invoice)
    billed: list[tuple[int, Decimal, str]] = [
        (customer_id, amount, currency)
        for customer_id, _, stage, _, amount, currency in planned
        if stage == Stage.WON
    ]
    billed += [
        (customer_id, Decimal(rng.randrange(1, 300) * 500), "CNY")
        for customer_id, _ in rng.sample(customer_ids, max(1, len(customer_ids) // 20))
    ]
    invoices: list[Invoice] = []
    paid_plan: list[tuple[int, Decimal, date]] = []  # (index, paid, on)
    today = now.date()
    for index, (customer_id, amount, currency) in enumerate(billed):
        issued = today - timedelta(days=rng.randrange(0, 240))
        due = issued + timedelta(days=rng.choice((15, 30, 60)))
        roll = rng.random()
        paid = amount if roll < 0.45 else (amount * Decimal("0.4")).quantize(Decimal("0.01"))
        if roll > 0.7:
            paid = Decimal(0)
        invoices.append(
            Invoice(
                number=f"DEMO-{base_invoice + index + 1:07d}",
                customer_id=customer_id,
                amount=amount,
                paid_amount=paid,
                currency=currency,
                issue_date=issued,
                due_date=due,
                status=InvoiceStatus.PAID if paid >= amount else InvoiceStatus.OPEN,
            )
        )
        if paid:
            paid_plan.append(
                (index, paid, min(today, due + timedelta(days=rng.randrange(-10, 20))))
            )
    await _insert(Invoice, invoices)
    invoice_ids = await _ids_after(Invoice, base_invoice)
    base_payment = await _last_id(Payment)
    payments = [
        Payment(
            customer_id=invoices[index].customer_id,
            amount=paid,
            currency=invoices[index].currency,
            paid_on=on,
            method=rng.choice(("bank", "alipay", "wechat")),
            reference=f"DEMO-PAY-{base_payment + n + 1}",
        )
        for n, (index, paid, on) in enumerate(paid_plan)
    ]
    await _insert(Payment, payments)
    payment_ids = await _ids_after(Payment, base_payment)
    allocations = [
        PaymentAllocation(payment_id=payment_id, invoice_id=invoice_ids[index], amount=paid)
        for payment_id, (index, paid, _) in zip(payment_ids, paid_plan, strict=True)
    ]
    await _insert(PaymentAllocation, allocations)

    # Discount requests on some open deals, waiting for (or decided by) the rep's manager.
    requests: list[ApprovalRequest] = []
    tasks: list[Task] = []
    for deal_id, (customer_id, owner, stage, created, _, _) in zip(deal_ids, planned, strict=True):
        boss = boss_of.get(owner)
        if boss is None:
            continue
        if stage in (Stage.PROPOSAL, Stage.NEGOTIATION) and rng.random() < 0.2:
            status = rng.choice(
                (ApprovalStatus.PENDING, ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)
            )
            requests.append(
                ApprovalRequest(
                    kind=ApprovalKind.DISCOUNT,
                    requester_id=owner,
                    approver_id=boss,
                    deal_id=deal_id,
                    customer_id=customer_id,
                    percent=Decimal(rng.choice((3, 5, 8, 12))),
                    note="Competitor is cheaper",
                    status=status,
                    decided_by_id=None if status == ApprovalStatus.PENDING else boss,
                    decided_at=None if status == ApprovalStatus.PENDING else now,
                    waiting_since=max(created, now - timedelta(days=rng.uniform(0, 5))),
                )
            )
        if rng.random() < 0.1:
            due = now + timedelta(hours=rng.randrange(-72, 240))
            tasks.append(
                Task(
                    assignee_id=owner,
                    created_by_id=boss,
                    customer_id=customer_id,
                    text=rng.choice(TASK_TEXTS),
                    due_at=due,
                    done_at=now if rng.random() < 0.3 else None,
                )
            )
    await _insert(ApprovalRequest, requests)
    await _insert(Task, tasks)
    return {
        "deals": len(planned),
        "invoices": len(invoices),
        "payments": len(payments),
        "approvals": len(requests),
        "tasks": len(tasks),
    }


POOLED_ONE_IN = 40  # one customer in 40 waits in the public pool, as after a few months of it


async def _pool(base_customer: int, now: datetime) -> int:
    """Some customers in the public pool, each with the move that put it there: the pool's
    own set-based updates (no row per customer in Python), dated over the last 60 days."""
    p = database.Params()
    if p.sqlite:
        pooled_at = f"datetime({p(now)}, '-' || (customers.id % 60) || ' days') || '+00:00'"
    else:
        pooled_at = f"{p(now)}::timestamptz - make_interval(days => (customers.id % 60)::int)"
    where = f"id > {int(base_customer)} AND id % {POOLED_ONE_IN} = 7 AND owner_id IS NOT NULL"
    await database.execute(
        f"UPDATE customers SET previous_owner_id = owner_id, owner_id = NULL, "
        f"pooled_at = {pooled_at} WHERE {where}",
        p.values,
    )
    pooled = f"id > {int(base_customer)} AND owner_id IS NULL AND pooled_at IS NOT NULL"
    await database.execute(
        "INSERT INTO pool_moves (customer_id, kind, user_id, actor_id, at) "
        f"SELECT id, 'returned', previous_owner_id, NULL, pooled_at FROM customers WHERE {pooled}"
    )
    counted = await database.fetch(f"SELECT count(*) AS n FROM customers WHERE {pooled}")
    return int(counted[0]["n"])


async def _targets(
    rng: random.Random, rep_ids: list[int], boss_ids: list[int], visits: int, now: datetime
) -> int:
    """This month's and last month's targets: every rep's won, collected and visits, and each
    manager's team (the sum of the team's, rounded), near what the demo's reps achieve."""
    this_month = now.date().replace(day=1)
    months = (this_month, (this_month - timedelta(days=1)).replace(day=1))
    # Visits are spread over about two years: a month's share, per rep.
    per_month = max(1, visits // max(1, len(rep_ids)) // 24)
    boss_of = dict(await User.filter(id__in=rep_ids).values_list("id", "manager_id"))
    rows: list[Target] = []
    for month in months:
        team: dict[int, dict[TargetMetric, Decimal]] = {}
        for rep in rep_ids:
            figures = {
                TargetMetric.WON: Decimal(rng.randrange(5, 30) * 100_000),
                TargetMetric.COLLECTED: Decimal(rng.randrange(4, 25) * 100_000),
                TargetMetric.VISITS: Decimal(max(1, round(per_month * rng.uniform(0.7, 1.4)))),
            }
            boss = boss_of.get(rep)
            for metric, amount in figures.items():
                rows.append(_target(TargetScope.REP, rep, month, metric, amount, now))
                if boss is not None:
                    sums = team.setdefault(boss, {})
                    sums[metric] = sums.get(metric, Decimal(0)) + amount
        for boss in boss_ids:
            for metric, amount in team.get(boss, {}).items():
                rows.append(_target(TargetScope.TEAM, boss, month, metric, amount, now))
    await _insert(Target, rows)
    return len(rows)


def _target(
    scope: TargetScope,
    user_id: int,
    month: date,
    metric: TargetMetric,
    amount: Decimal,
    now: datetime,
) -> Target:
    return Target(
        scope=scope,
        user_id=user_id,
        month=month,
        metric=metric,
        amount=amount,
        currency="" if metric == TargetMetric.VISITS else "CNY",
        updated_at=now,
    )


async def _set_last_contact() -> None:
    """One set-based update: each customer's last contact is its latest visit."""
    await connections.get("default").execute_script(
        "UPDATE customers SET last_contact_at = "
        "(SELECT MAX(v.at) FROM visits v WHERE v.customer_id = customers.id)"
    )
