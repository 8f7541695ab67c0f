"""One grammar for the numbers people type or say: money, percentages, discounts and quantities.

Every place that reads an amount uses this module, so "5万美元" means the same in /deal, /payment,
/request, quick capture, a voice note and an invoice file. Values are exact Decimals (a float
would turn 0.1 + 0.2 into a rounding error on an invoice).

What a number is written with:

* digits with thousands separators and a decimal point ("1,200,000", "12.5"), Chinese numerals
  ("三千", "一万二", "两百五十", read by cn2an), or English number words as a speech recogniser
  writes them ("two hundred", "a thousand");
* a multiplier: k, m/mn, b/bn, thousand, million, billion, 百, 千, 万, 百万, 千万, 亿;
* yuan and tenths as prices are said ("2块5" is ¥2.50);
* a currency symbol, code or word in either language (¥, 元, 块, 人民币, $, USD, dollars, bucks,
  美元, €, euros, 欧元, £, HKD, 港币 ...), a percent ("5%", "5 percent", "百分之五"), a discount
  in 折 ("九五折" is 5 % off, "8.5折" 15 % off), or a unit of goods ("200 units", "三千台").

Money or quantity is decided here once, by one rule:

1. with a currency it is money; with a unit (or, in English, a plural noun that is not time:
   "8 robots", not "3 days") it is a quantity;
2. otherwise a number written with a multiplier of a thousand or more ("120万", "80k", "三千",
   "1.2 million") is money in the company currency;
3. a plain number is no amount in free text (it may be a date or a room number), but it is money
   when it answers "how much?" (`parse_money`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

from bot.services.errors import InvalidInput

__all__ = [
    "CENT",
    "EN_ONES",
    "EN_TENS",
    "MAX_AMOUNT",
    "Amount",
    "en_number",
    "find_amounts",
    "parse_money",
    "parse_percent",
    "zh_number",
]

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 15  # in the currency: beyond any deal, payment or claim
MONEY, PERCENT, QUANTITY = "money", "percent", "quantity"


@dataclass(frozen=True, slots=True)
class Amount:
    """A number a text gives: money (with currency), a percent, or a quantity (with unit)."""

    kind: str  # "money" | "percent" | "quantity"
    value: Decimal
    unit: str  # currency code, "%", or the unit as the text names it ("units", "台")
    text: str
    currency_said: bool = False  # money only: the currency was written, not the default

    @property
    def label(self) -> str:
        """Language-neutral form, as the labelled set writes it: "200 units", "5 %"."""
        number = format(self.value.normalize(), "f")
        return f"{number} {self.unit}"


# --------------------------------------------------------------------------- numbers


# Numbers as a speech recogniser writes them: "two hundred", "twenty five", "a thousand".
def _words(text: str) -> list[str]:
    return text.split()


EN_ONES = _words(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_EN_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_EN_VALUES = {w: n for n, w in enumerate(EN_ONES)} | {w: 10 * n for n, w in enumerate(EN_TENS, 2)}


def en_number(text: str) -> int | None:
    """'two hundred' 200, 'twenty five' 25, 'a thousand' 1000, 'three thousand and ten' 3010."""
    total = current = 0
    for word in re.split(r"[\s-]+", text.lower().strip()):
        if word in _EN_VALUES:
            current += _EN_VALUES[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _EN_SCALES:
            total += (current or 1) * _EN_SCALES[word]
            current = 0
        elif word not in ("a", "and"):
            return None
    return total + current


_ZH_SCALES = {"百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10_000, "萬": 10_000}
_ZH_SCALES |= {"亿": 100_000_000, "億": 100_000_000}
_TRADITIONAL_NUMERALS = str.maketrans({"萬": "万", "億": "亿", "兩": "两", "點": "点"})


def zh_number(text: str) -> Decimal | None:
    """A Chinese numeral ('三千', '一万二', '两百五十', '二〇二六', '三点五万') or None.

    cn2an reads the numeral; a decimal before a scale ("三点五万") is split off here, as cn2an
    reads "三点五" but not "三点五万".
    """
    text = text.translate(_TRADITIONAL_NUMERALS)
    try:
        return Decimal(str(cn2an.cn2an(text, "normal")))
    except (ValueError, KeyError, IndexError, TypeError, InvalidOperation):
        pass
    if len(text) > 1 and text[-1] in _ZH_SCALES and "点" in text:
        head = zh_number(text[:-1])
        return None if head is None else head * _ZH_SCALES[text[-1]]
    return None


# --------------------------------------------------------------------------- the grammar

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
# A Chinese numeral starts with a digit (or 十: "十万"), so "千万别忘了" and "万一" are not numbers.
_ZH_DIGIT = "零〇一二两兩三四五六七八九壹贰叁肆伍陆柒捌玖"
_ZH_NUM = (
    rf"(?:[{_ZH_DIGIT}]|十|拾)[{_ZH_DIGIT}十拾百佰千仟万萬亿億]*"
    rf"(?:[点點][{_ZH_DIGIT}]+[万萬亿億]?)?"
)
_EN_WORD = "|".join(sorted((*_EN_VALUES, *_EN_SCALES), key=len, reverse=True))
# Letters, not \b, bound the words: Chinese characters are word characters too ("预算two").
_EN_NUM = (
    rf"(?<![a-z])(?:(?:{_EN_WORD})|a(?=\s+(?:hundred|thousand|million|billion)(?![a-z])))"
    rf"(?:[\s-]+(?:and\s+)?(?:{_EN_WORD}))*(?![a-z])"
)
_MULTIPLIERS = {
    "k": 1000,
    "thousand": 1000,
    "m": 1_000_000,
    "mn": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
    "百": 100,
    "千": 1000,
    "万": 10_000,
    "萬": 10_000,
    "百万": 1_000_000,
    "千万": 10_000_000,
    "亿": 100_000_000,
    "億": 100_000_000,
}
_MULT = "|".join(sorted(map(re.escape, _MULTIPLIERS), key=len, reverse=True))
# Currency words after the number ("500 dollars", "三千块") and before it ("$80k", "RMB 50万").
CURRENCIES = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "buck": "USD",
    "美元": "USD",
    "美金": "USD",
    "刀": "USD",
    "¥": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "元": "CNY",
    "圆": "CNY",
    "块钱": "CNY",
    "块": "CNY",
    "塊": "CNY",
    "人民币": "CNY",
    "€": "EUR",
    "eur": "EUR",
    "euros": "EUR",
    "euro": "EUR",
    "欧元": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "英镑": "GBP",
    "hk$": "HKD",
    "hkd": "HKD",
    "港币": "HKD",
    "港元": "HKD",
    "jpy": "JPY",
    "日元": "JPY",
    "sgd": "SGD",
}
_CUR_BEFORE = r"us\$|hk\$|\$|¥|￥|€|£|usd|rmb|cny|eur|gbp|hkd|jpy|sgd|人民币|美元|美金|欧元|港币"
_CUR_AFTER = "|".join(
    sorted((re.escape(w) for w in CURRENCIES if w not in "$¥￥€£"), key=len, reverse=True)
)
UNITS = {
    "units": "units",
    "unit": "units",
    "pcs": "pcs",
    "pc": "pcs",
    "pieces": "pcs",
    "piece": "pcs",
    "boxes": "boxes",
    "box": "boxes",
    "cartons": "cartons",
    "carton": "cartons",
    "pallets": "pallets",
    "pallet": "pallets",
    "tons": "tons",
    "ton": "tons",
    "tonnes": "tons",
    "tonne": "tons",
    "kg": "kg",
    "sets": "sets",
    "set": "sets",
    "machines": "machines",
    "machine": "machines",
    "containers": "containers",
    "container": "containers",
    "cases": "cases",
    "case": "cases",
    "bottles": "bottles",
    "rolls": "rolls",
    "licenses": "licenses",
    "licences": "licenses",
    "seats": "seats",
    "samples": "samples",
    "meters": "meters",
    "metres": "meters",
    "trucks": "trucks",
    "rooms": "rooms",
    "boats": "boats",
    "bags": "bags",
    "drums": "drums",
    "liters": "liters",
    "litres": "liters",
    "users": "users",
    "ft": "ft",
    "feet": "ft",
    "lbs": "lbs",
    "lb": "lbs",
    "米": "米",
    "本": "本",
    "册": "册",
    "袋": "袋",
    "辆": "辆",
    "台": "台",
    "臺": "台",
    "件": "件",
    "个": "个",
    "個": "个",
    "箱": "箱",
    "吨": "吨",
    "噸": "吨",
    "套": "套",
    "盒": "盒",
    "瓶": "瓶",
    "包": "包",
    "只": "只",
    "张": "张",
    "卷": "卷",
    "公斤": "kg",
    "千克": "kg",
    "托": "托",
    "柜": "柜",
    "批": "批",
    "份": "份",
    "饼": "饼",
    "斤": "斤",
    "桶": "桶",
    "条": "条",
    "把": "把",
    "颗": "颗",
    "粒": "粒",
    "片": "片",
    "双": "双",
    "根": "根",
    "支": "支",
    "枚": "枚",
    "罐": "罐",
    "捆": "捆",
    "扇": "扇",
    "株": "株",
    "棵": "棵",
    "副": "副",
    "对": "对",
    "头": "头",
    "组": "组",
}
# Measure words that also make common words after a lone Chinese digit ("一片", "一对一", "两头"):
# with one of those digits they are no quantity of goods.
_LOOSE_UNITS = frozenset("个個片对头组副支根")
_UNIT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
_ZHE = r"\d(?:\.\d)?|\d\d|[一二三四五六七八九]{1,2}"
# A Chinese numeral that ends in a spoken tenth ("三千五", "两万八"): it cannot go on with 一.
_ZH_SPOKEN = rf"(?:[{_ZH_DIGIT}]|十)[{_ZH_DIGIT}十百千万]*[百千万亿][{_ZH_DIGIT}]"

# Words that may stand between a number and what it counts: "3 new units", "forty more cameras".
_ADJECTIVES = "more|extra|additional|spare|new|used|old|replacement|empty|full|big|large|small"
# After these a plural noun is goods ("forty more cameras"); after the others only a unit is
# ("3 new units", but "2 new trials" counts no goods).
_MORE = frozenset(("more", "extra", "additional", "spare"))

_AMOUNT = re.compile(
    # 2块5 (two yuan fifty), as prices are said
    rf"(?P<kuai>\d+|{_ZH_NUM})块(?P<jiao>[0-9一二三四五六七八九])(?![0-9万千百]|十(?![一二]?月))"
    "|"
    # a price for one: "三千五一台", "85元一个" (a spoken tenth or a currency ends the number)
    rf"(?P<each>{_DIGITS}|{_ZH_SPOKEN})(?P<eachcur>元|块钱|块)?(?=[一每](?:{_UNIT}))"
    "|"
    # 5%, 7.5 percent, five percent, 百分之五
    rf"(?P<pct>{_DIGITS}|{_EN_NUM})\s*(?:%|(?:percent|per\s+cent|pct)(?![a-z]))"
    rf"|百分之(?P<pctzh>{_DIGITS}|{_ZH_NUM})"
    # 打9折, 九五折, 8.5折
    rf"|打?(?P<zhe>{_ZHE})折"
    # $80k, ¥3,000, USD 1.2m, RMB 50万, 人民币5万
    rf"|(?<![a-z])(?P<pre>{_CUR_BEFORE})\s*(?P<num1>{_DIGITS}|{_ZH_NUM})"
    rf"(?:\s*(?P<mult1>{_MULT})(?![a-z]))?"
    # 120万元, 80k USD, 三千块, 500 dollars, 200 units, 三千台, 8 robots, 120万, 1.2 million
    rf"|(?P<num>{_DIGITS}|{_ZH_NUM}|{_EN_NUM})(?:\s*(?P<mult>{_MULT})(?![a-z])"
    rf"(?:(?<=[千万萬亿億])(?P<tenth>\d)(?![\d%]|[.,]\d))?)?"
    rf"(?:\s*(?P<about>多|余|来)?\s*(?:(?P<adjective>{_ADJECTIVES})\s+)?"
    rf"(?:(?P<post>{_CUR_AFTER})(?![a-z])|(?P<unit>{_UNIT})(?:(?<![a-z])|(?![a-z]))"
    rf"|(?P<noun>[a-z]{{2,}}s)(?![a-z])))?",
    re.IGNORECASE,
)
# "两个月", "一个新客户": 个 after these counts months, people or hours, not goods.
_NOT_COUNTED = frozenset("月人小星礼钟点多半")
# Plural nouns after a number that count time or tries, not goods.
_NOT_GOODS = frozenset(
    _words(
        "seconds secs minutes mins hours hrs days weeks wks months years yrs times calls visits "
        "percents people persons guys managers staff hotels sites stores branches locations "
        "properties technicians engineers workers"
    )
)


def _number(text: str) -> Decimal | None:
    """The value of a number as written: digits, a Chinese numeral or English words."""
    if text[:1].isdigit() or text[:1] == ".":
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            return None
    if re.fullmatch(_EN_NUM, text, re.IGNORECASE):
        value = en_number(text)
        return None if value is None else Decimal(value)
    return zh_number(text)


def _big(num: str, mult: str | None) -> bool:
    """Whether the number is written with a multiplier of a thousand or more (rule 2)."""
    if mult:
        return _MULTIPLIERS[mult.lower()] >= 1000
    return bool(re.search(r"[千仟万萬亿億]|thousand|million|billion", num, re.IGNORECASE))


def _scaled(num: str, mult: str | None, tenth: str | None = None) -> Decimal | None:
    """The number times its multiplier; "2万5" (a digit after the scale) is 2.5万 as said."""
    value = _number(num)
    if value is None:
        return None
    if tenth:
        value += Decimal(tenth) / 10
    return value * _MULTIPLIERS[mult.lower()] if mult else value


def _currency(word: str) -> str:
    return CURRENCIES.get(word.lower(), "CNY" if word == "￥" else "")


def _read(m: re.Match[str], currency: str | None, *, answer: bool) -> Amount | None:
    """One match of the grammar as an amount; None when it is not one (see the module rules).

    `answer` says the text answers "how much?": a plain number is then money.
    """
    raw = m.group().strip()
    if m["kuai"]:
        whole, tenths = _number(m["kuai"]), _number(m["jiao"])
        if whole is None or tenths is None:
            return None
        return Amount(MONEY, whole + tenths / 10, currency or "", raw)
    if m["each"]:
        value = _number(m["each"])
        return Amount(MONEY, value, currency or "", raw) if value else None
    if m["pct"] or m["pctzh"]:
        value = _number(m["pct"] or m["pctzh"])
        return Amount(PERCENT, value, "%", raw) if value is not None else None
    if m["zhe"]:
        digits = m["zhe"]
        paid = Decimal(digits) if digits[0].isdigit() else zh_number(digits)
        if paid is None:
            return None
        paid *= 10 if paid < 10 else 1
        return Amount(PERCENT, Decimal(100) - paid, "%", raw) if 0 < paid < 100 else None
    if m["pre"]:
        value = _scaled(m["num1"], m["mult1"])
        code = _currency(m["pre"])
        return Amount(MONEY, value, code, raw, currency_said=True) if value else None
    num, mult, tenth = m["num"], m["mult"], m["tenth"]
    if m["unit"]:
        if m["unit"] == "把" and not num.isdigit():
            return None  # "下周三把报价发过去": 把 after a Chinese numeral is not chairs
        unit = m["unit"]
        if unit in _LOOSE_UNITS and (
            (unit in "个個" and m.string[m.end() : m.end() + 1] in _NOT_COUNTED)
            or re.fullmatch(f"[{_ZH_DIGIT}]", num)
        ):
            return None  # "两个月", "一个新客户", "一片": not a quantity of goods
        value = _scaled(num, mult, tenth)
        return Amount(QUANTITY, value, UNITS[m["unit"].lower()], raw) if value else None
    if m["noun"]:
        noun = m["noun"].lower()
        adjective = (m["adjective"] or "more").lower()
        if noun in _NOT_GOODS or m["about"] or adjective not in _MORE:
            return None
        value = _scaled(num, mult, tenth)
        return Amount(QUANTITY, value, noun, raw) if value else None
    if m["post"]:
        value = _scaled(num, mult, tenth)
        code = _currency(m["post"])
        return Amount(MONEY, value, code, raw, currency_said=True) if value else None
    if m["about"]:
        return None
    if answer or _big(num, mult):
        value = _scaled(num, mult, tenth)
        return Amount(MONEY, value, currency or "", raw) if value else None
    return None


def _normal(text: str) -> str:
    """Full-width digits and signs as ASCII ("￥３万" → "¥3万"), Chinese commas as commas."""
    return unicodedata.normalize("NFKC", text or "").replace("，", ",")


def find_amounts(text: str, currency: str) -> list[tuple[int, int, Amount]]:
    """The amounts of a free text in order of appearance, with where each stands.

    Money without a written currency is in `currency` (the company's). Plain numbers are not
    amounts, so the numbers of dates ("Dec 3", "下午3点", "3天后") are left for the date reader.
    NFKC keeps the length of the characters a note uses, so positions are those of `text`.
    """
    normal = _normal(text)
    if len(normal) != len(text):
        normal = text
    spoken, where = _spoken_tenth_mapped(normal)
    found: list[tuple[int, int, Amount]] = []
    for m in _AMOUNT.finditer(spoken):
        amount = _read(m, currency, answer=False)
        if amount is not None:
            found.append((where[m.start()], where[m.end() - 1] + 1, amount))
    return [
        f
        for i, f in enumerate(found)
        if not (
            _per_one(f[2])
            and (
                (i + 1 < len(found) and _priced(f, found[i + 1]))
                or (i > 0 and _priced(found[i - 1], f))
            )
        )
    ]


def _per_one(amount: Amount) -> bool:
    """ "一吨" or "每吨": one unit, the measure a price is given for."""
    return amount.kind == QUANTITY and amount.value == 1 and amount.text[:1] in "一每"


def _priced(first: tuple[int, int, Amount], second: tuple[int, int, Amount]) -> bool:
    """A price right next to one unit: "一吨两千八", "三千五一台"."""
    return MONEY in (first[2].kind, second[2].kind) and second[0] - first[1] <= 1


def _answer(text: str) -> re.Match[str] | None:
    value = _normal(text).strip().rstrip("。.!！ ")
    return _AMOUNT.fullmatch(value) if value else None


# "2万5" is 2.5万 as people say it (25,000), "3千2" 3,200: one digit after the scale is its tenth.
# A comma after it ends the clause ("2万5，下周五回电"); only "2万5,000" would be digit grouping.
_SPOKEN_TENTH = re.compile(r"(?<![\d.])(\d+)([千万萬亿億])(\d)(?![\d.%百千万萬亿億]|,\d)")
_TEN_THOUSANDS_THOUSANDS = re.compile(r"(?<![\d.])(\d+)([万萬])(\d)千")


def _spoken_tenth(text: str) -> str:
    """'2万5' and '2万5千' → '2.5万', '1亿2' → '1.2亿'; anything else as it is."""
    text = _TEN_THOUSANDS_THOUSANDS.sub(r"\1.\3\2", text)
    return _SPOKEN_TENTH.sub(r"\1.\3\2", text)


def _spoken_tenth_mapped(text: str) -> tuple[str, list[int]]:
    """`_spoken_tenth` inside a sentence ("要订2万5的货" → "要订2.5万的货"), with the position in
    `text` of every character of the result, so an amount found there is cut from the note at
    the place it was typed."""
    where = list(range(len(text)))
    for pattern in (_TEN_THOUSANDS_THOUSANDS, _SPOKEN_TENTH):
        out: list[str] = []
        mapped: list[int] = []
        last = 0
        for m in pattern.finditer(text):
            out.append(text[last : m.start()])
            mapped += where[last : m.start()]
            tenth = f"{m[1]}.{m[3]}{m[2]}"
            out.append(tenth)
            mapped += [where[m.start()]] * (len(tenth) - 1) + [where[m.end() - 1]]
            last = m.end()
        out.append(text[last:])
        mapped += where[last:]
        text, where = "".join(out), mapped
    return text, where


def parse_money(text: str) -> tuple[Decimal, str | None]:
    """An answer to "how much?" → (amount to the cent, currency code or None when not written).

    '1,200,000', '1.2m', '120万', '2万5', '¥80k', '80k USD', '5万美元', '三千元', '500 bucks'.
    Raises InvalidInput: 'amount_not_positive' for "0" or "-5000", 'amount_too_large' past
    10^15, 'amount_invalid' for anything else that is not one amount of money (a percent, a
    quantity such as "5 apples", two currencies, nothing).
    """
    stripped = _spoken_tenth(_normal(text).strip())
    negative = stripped[:1] in ("-", "−")
    m = _answer(stripped[1:] if negative else stripped)
    amount = _read(m, None, answer=True) if m else None
    written = (m["num"] or m["num1"]) if m else None
    if amount is None and written and _number(written) == 0:
        raise InvalidInput("amount_not_positive", text)  # "0", "¥0": a number, just not above 0
    if amount is None or amount.kind != MONEY or not amount.value.is_finite():
        raise InvalidInput("amount_invalid", text)
    if amount.value > MAX_AMOUNT:
        raise InvalidInput("amount_too_large", text)
    value = amount.value.quantize(CENT, rounding=ROUND_HALF_UP)
    if negative or value <= 0:
        raise InvalidInput("amount_not_positive", text)
    return value, amount.unit or None


def parse_percent(text: str) -> Decimal:
    """An answer to "how many percent off?" → Decimal to two places, above 0 and at most 100.

    '7.5', '7.5%', 'five percent', '百分之五', '九五折' (5 % off), '打8折' (20 % off).
    Raises InvalidInput('percent_invalid') otherwise.
    """
    m = _answer(text)
    amount = _read(m, None, answer=True) if m else None
    plain = amount is not None and amount.kind == MONEY and not amount.currency_said
    if amount is None or not (amount.kind == PERCENT or (plain and not m["mult"])):
        raise InvalidInput("percent_invalid", text)
    if not amount.value.is_finite() or amount.value > 100:
        raise InvalidInput("percent_invalid", text)
    percent = amount.value.quantize(CENT, rounding=ROUND_HALF_UP)
    if percent <= 0 or percent > 100:
        raise InvalidInput("percent_invalid", text)
    return percent
