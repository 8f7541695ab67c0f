"""A realistic demo data set: a company of managers and reps, customers, and years of visits.

Used to try the product (`crmbot demo-data`) and by the benchmarks. Deterministic per seed.
Rows are inserted in large batches so a million visits load in about a minute on SQLite.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from bot.models import Customer, Role, User, Visit, VisitKind
from bot.services.matching import normalize_name

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

    first_customer = await Customer.all().order_by("-id").first()
    base_customer = first_customer.id if first_customer else 0
    owners: list[int] = []
    for start in range(0, customers, BATCH):
        rows = []
        for _ in range(start, min(customers, start + BATCH)):
            name = company_name(rng)
            owner = rng.choice(rep_ids)
            owners.append(owner)
            phone = f"+86138{rng.randrange(10**8):08d}" if rng.random() < 0.6 else None
            rows.append(
                Customer(
                    name=name,
                    normalized_name=normalize_name(name),
                    phone=phone,
                    industry=rng.choice(INDUSTRIES),
                    tier=rng.choice("ABC"),
                    owner_id=owner,
                )
            )
        await Customer.bulk_create(rows)
    customer_ids = (
        await Customer.filter(id__gt=base_customer).order_by("id").values_list("id", "owner_id")
    )

    kinds = list(VisitKind)
    for start in range(0, visits, BATCH):
        rows = []
        for _ in range(start, min(visits, start + BATCH)):
            customer_id, owner = rng.choice(customer_ids)
            at = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 720))
            follow = None
            if rng.random() < 0.05:
                follow = now + timedelta(hours=rng.randrange(-24 * 20, 24 * 10))
            rows.append(
                Visit(
                    customer_id=customer_id,
                    user_id=owner,
                    kind=rng.choice(kinds),
                    at=at,
                    notes=rng.choice(NOTES),
                    next_followup_at=follow,
                    followup_owner_id=owner if follow else None,
                )
            )
        await Visit.bulk_create(rows)
    await _set_last_contact()
    return {"managers": managers, "reps": reps, "customers": customers, "visits": visits}


async def _set_last_contact() -> None:
    """One set-based update: each customer's last contact is its latest visit."""
    from tortoise import connections

    await connections.get("default").execute_script(
        "UPDATE customers SET last_contact_at = "
        "(SELECT MAX(v.at) FROM visits v WHERE v.customer_id = customers.id)"
    )
