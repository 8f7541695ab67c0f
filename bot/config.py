"""Settings from the environment and a `.env` file; one object, built where the app is wired.

Every value is typed and checked when the settings are built, so a mistyped setting stops the
program at once with one line naming it (`describe`), instead of failing hours later in a
scheduled job or silently dropping a currency from a threshold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import time
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from annotated_types import Ge, Gt, Le
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PERCENT = "%"
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")
_HTTP_URL = r"https?://[^/\s]+(/\S*)?"
_DATABASE_URL = r"(sqlite|postgres|postgresql|asyncpg|psycopg)://\S*"


@cache
def _currencies() -> frozenset[str]:
    """ISO 4217 codes, as Babel (already used to format amounts) knows them."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def currency_code(value: object) -> str:
    """A known three-letter ISO 4217 code, upper-cased ('cny' → 'CNY')."""
    code = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code) or code not in _currencies():
        raise ValueError(f"expected an ISO 4217 currency code such as CNY or USD, not {value!r}")
    return code


def time_of_day(value: object) -> time:
    """'08:30' → 08:30; hours 0–23, minutes 00–59 (a `time` passes through)."""
    if isinstance(value, time):
        return value
    match = _HHMM.fullmatch(str(value).strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError("expected a time of day as HH:MM from 00:00 to 23:59, e.g. 08:30")
    return time(int(match[1]), int(match[2]))


def time_of_day_or_off(value: object) -> time | None:
    """Like `time_of_day`, but empty (or unset) means off."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return time_of_day(value)


def time_zone(value: object) -> str:
    """An IANA time zone name that this machine's zone database knows (Asia/Shanghai)."""
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            "expected an IANA time zone such as Asia/Shanghai or Europe/Berlin"
        ) from None
    return name


def _amounts(value: object, *, percent: bool) -> dict[str, Decimal]:
    """'CNY:1000000,USD:150000' → {'CNY': Decimal('1000000'), 'USD': Decimal('150000')}.

    Every part must be a known currency (or `%`, where allowed) and a positive amount; one bad
    part rejects the whole setting, so no currency is ever dropped without a word.
    """
    example = "CNY:50000,USD:7500,%:10" if percent else "CNY:1000000,USD:150000"
    expected = f"expected CURRENCY:AMOUNT pairs separated by commas, e.g. {example}"
    if isinstance(value, Mapping):
        parts = [f"{k}:{v}" for k, v in value.items()]
    else:
        text = str(value).strip()
        parts = [p.strip() for p in text.split(",")] if text else []
    limits: dict[str, Decimal] = {}
    for part in parts:
        code, colon, raw = part.partition(":")
        if not colon:
            raise ValueError(f"{expected} ({part!r} has no ':')")
        code = code.strip().upper()
        if code != PERCENT or not percent:
            try:
                code = currency_code(code)
            except ValueError:
                also = " or %" if percent else ""
                raise ValueError(
                    f"{expected} ({code!r} is not an ISO 4217 currency code{also})"
                ) from None
        try:
            amount = Decimal(raw.strip())
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount <= 0 or (code == PERCENT and amount > 100):
            what = "a percentage above 0 and at most 100" if code == PERCENT else "above 0"
            raise ValueError(f"{expected} (the amount for {code} must be {what}, not {raw!r})")
        if code in limits:
            raise ValueError(f"{expected} ({code} appears twice)")
        limits[code] = amount
    return limits


def _thresholds(value: object) -> dict[str, Decimal]:
    return _amounts(value, percent=False)


def _escalation(value: object) -> dict[str, Decimal]:
    return _amounts(value, percent=True)


def _check(pattern: str | re.Pattern[str], text: str, message: str) -> None:
    if not re.fullmatch(pattern, text):
        raise ValueError(message)


def _web_url(value: str | None) -> str | None:
    if value:
        _check(_HTTP_URL, value, "expected an http(s) URL such as https://crm.example.com/telegram")
    return value


def _api_url(value: str) -> str:
    _check(_HTTP_URL, value, "expected an http(s) URL")
    return value


def _secret(
    pattern: re.Pattern[str], message: str
) -> Callable[[SecretStr | None], SecretStr | None]:
    """A check of an optional secret: unset or empty, or the whole of it matches `pattern`."""

    def check(value: SecretStr | None) -> SecretStr | None:
        text = value.get_secret_value() if value is not None else ""
        if text:
            _check(pattern, text, message)
        return value

    return check


_webhook_secret = _secret(_WEBHOOK_SECRET, "expected 1 to 256 characters of A-Z a-z 0-9 _ -")
_aes_key = _secret(_AES_KEY, "expected the EncodingAESKey: 43 letters and digits")


# --- the public pool (公海) ---------------------------------------------------------------------

POOL_TIERS = ("A", "B", "C")
UNTIERED = "*"


def _pool_idle_days(value: object) -> dict[str, int]:
    """'A:90,B:60,C:30' → {'A': 90, 'B': 60, 'C': 30}: idle days per tier before a customer goes
    back to the pool. A tier left out (or an empty value) never goes back; `*:N` is for
    customers without a tier, who otherwise follow the longest of the days given."""
    expected = "expected TIER:DAYS pairs separated by commas (tiers A, B, C or *), e.g. A:90,B:60"
    if isinstance(value, Mapping):
        parts = [f"{k}:{v}" for k, v in value.items()]
    else:
        text = str(value).strip()
        parts = [p.strip() for p in text.split(",")] if text else []
    days: dict[str, int] = {}
    for part in parts:
        tier, colon, raw = part.partition(":")
        tier = tier.strip().upper()
        if not colon or tier not in (*POOL_TIERS, UNTIERED):
            raise ValueError(f"{expected} (not {part!r})")
        if tier in days:
            raise ValueError(f"{expected} ({tier} appears twice)")
        if not raw.strip().isdigit() or not 1 <= int(raw) <= 3650:
            raise ValueError(f"{expected} (days for {tier} must be a whole number from 1 to 3650)")
        days[tier] = int(raw)
    return days


def _database_url(value: str) -> str:
    _check(_DATABASE_URL, value, "expected sqlite://path or postgres://user@host:5432/db")
    return value


TimeOfDay = Annotated[time, BeforeValidator(time_of_day)]
TimeOfDayOrOff = Annotated[time | None, BeforeValidator(time_of_day_or_off)]
Zone = Annotated[str, BeforeValidator(time_zone)]
Currency = Annotated[str, BeforeValidator(currency_code)]
Thresholds = Annotated[dict[str, Decimal], NoDecode, BeforeValidator(_thresholds)]
Escalation = Annotated[dict[str, Decimal], NoDecode, BeforeValidator(_escalation)]
WebUrl = Annotated[str | None, AfterValidator(_web_url)]
ApiUrl = Annotated[str, AfterValidator(_api_url)]
WebhookSecret = Annotated[SecretStr | None, AfterValidator(_webhook_secret)]
AesKey = Annotated[SecretStr | None, AfterValidator(_aes_key)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
PoolIdleDays = Annotated[dict[str, int], NoDecode, BeforeValidator(_pool_idle_days)]


class Settings(BaseSettings):
    """Every knob of the product, with the embedded default that needs no service."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: DatabaseUrl = Field("sqlite://crm.db", alias="CRM_DATABASE_URL")
    locale: Literal["en", "zh"] = Field("en", alias="CRM_LOCALE")
    timezone: Zone = Field("Asia/Shanghai", alias="CRM_TIMEZONE")
    dialog_timeout_minutes: int = Field(30, alias="CRM_DIALOG_TIMEOUT", ge=1)
    invite_days: int = Field(7, alias="CRM_INVITE_DAYS", ge=1)
    page_size: int = Field(8, alias="CRM_PAGE_SIZE", ge=3, le=30)
    telegram_bot_username: str | None = Field(None, alias="TELEGRAM_BOT_USERNAME")
    currency: Currency = Field("CNY", alias="CRM_CURRENCY")
    large_deal_threshold: Thresholds = Field(
        "CNY:1000000,USD:150000",  # type: ignore[arg-type]  # parsed by its validator
        alias="CRM_LARGE_DEAL_THRESHOLD",
        validate_default=True,
    )
    approval_escalate_above: Escalation = Field(
        "CNY:50000,USD:7500,%:10",  # type: ignore[arg-type]  # parsed by its validator
        alias="CRM_APPROVAL_ESCALATE_ABOVE",
        validate_default=True,
    )
    approval_sla_hours: int = Field(24, alias="CRM_APPROVAL_SLA_HOURS", ge=1)
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_url: WebUrl = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: WebhookSecret = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: ApiUrl = Field(
        "https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    telegram_chat_burst: int = Field(20, alias="TELEGRAM_CHAT_BURST", ge=1, le=10_000)
    http_host: str = Field("0.0.0.0", alias="CRM_HTTP_HOST", min_length=1)
    http_port: int = Field(8080, alias="CRM_HTTP_PORT", ge=0, le=65535)
    digest_time: TimeOfDay = Field(time(8, 30), alias="CRM_DIGEST_TIME")
    summary_time: TimeOfDay = Field(time(18, 30), alias="CRM_SUMMARY_TIME")
    dormant_days: int = Field(30, alias="CRM_DORMANT_DAYS", ge=1)
    near_me_km: float = Field(5.0, alias="CRM_NEAR_ME_KM", gt=0, le=100)
    checkin_radius_m: int = Field(500, alias="CRM_CHECKIN_RADIUS", ge=10, le=100_000)
    photo_dir: str = Field("photos", alias="CRM_PHOTO_DIR", min_length=1)
    photo_max_mb: float = Field(10.0, alias="CRM_PHOTO_MAX_MB", gt=0, le=50)
    digest_when_empty: Literal["skip", "line"] = Field("skip", alias="CRM_DIGEST_WHEN_EMPTY")
    misfire_grace_hours: float = Field(3.0, alias="CRM_MISFIRE_GRACE", gt=0)
    send_rate: float = Field(30.0, alias="CRM_SEND_RATE", gt=0)
    send_burst: int = Field(30, alias="CRM_SEND_BURST", ge=1)
    chat_send_rate: float = Field(1.0, alias="CRM_CHAT_SEND_RATE", gt=0)
    chat_send_burst: int = Field(5, alias="CRM_CHAT_SEND_BURST", ge=1)
    send_max_attempts: int = Field(8, alias="CRM_SEND_MAX_ATTEMPTS", ge=1)
    send_lease_seconds: float = Field(60.0, alias="CRM_SEND_LEASE", ge=0.5, le=3600)
    wechat_token: SecretStr | None = Field(None, alias="WECHAT_TOKEN")
    wechat_app_id: str | None = Field(None, alias="WECHAT_APP_ID")
    wechat_app_secret: SecretStr | None = Field(None, alias="WECHAT_APP_SECRET")
    wechat_aes_key: AesKey = Field(None, alias="WECHAT_AES_KEY")
    wechat_api_base_url: ApiUrl = Field(
        "https://api.weixin.qq.com/cgi-bin/", alias="WECHAT_API_BASE_URL"
    )
    wecom_corp_id: str | None = Field(None, alias="WECOM_CORP_ID")
    wecom_agent_id: str | None = Field(None, alias="WECOM_AGENT_ID")
    wecom_secret: SecretStr | None = Field(None, alias="WECOM_SECRET")
    wecom_token: SecretStr | None = Field(None, alias="WECOM_TOKEN")
    wecom_aes_key: AesKey = Field(None, alias="WECOM_AES_KEY")
    wecom_api_base_url: ApiUrl = Field(
        "https://qyapi.weixin.qq.com/cgi-bin/", alias="WECOM_API_BASE_URL"
    )
    wechat_reply_budget: float = Field(4.0, alias="WECHAT_REPLY_BUDGET", ge=0, le=4.5)
    voice_max_seconds: float = Field(120.0, alias="CRM_VOICE_MAX_SECONDS", gt=0)
    stt_model: str | None = Field(None, alias="CRM_STT_MODEL")
    stt_workers: int = Field(1, alias="CRM_STT_WORKERS", ge=1, le=16)
    metrics_token: SecretStr | None = Field(None, alias="CRM_METRICS_TOKEN")
    log_level: str | None = Field(
        None, alias="CRM_LOG_LEVEL", pattern="(?i)^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$"
    )
    log_format: str = Field("text", alias="CRM_LOG_FORMAT", pattern="^(text|json)$")
    # The daily report (日报): drafted at this local time on weekdays; empty: no daily reports.
    daily_report_at: TimeOfDayOrOff = Field(time(18, 0), alias="CRM_DAILY_REPORT_AT")
    # The public pool (公海): unset idle days keep every customer with its owner.
    pool_idle_days: PoolIdleDays = Field(
        "",  # type: ignore[arg-type]  # parsed by its validator
        alias="CRM_POOL_IDLE_DAYS",
        validate_default=True,
    )
    pool_warning_days: int = Field(7, alias="CRM_POOL_WARNING_DAYS", ge=0, le=365)
    pool_claims_per_day: int = Field(5, alias="CRM_POOL_CLAIMS_PER_DAY", ge=1, le=1000)
    pool_max_customers: int = Field(0, alias="CRM_POOL_MAX_CUSTOMERS", ge=0, le=1_000_000)
    pool_cooldown_days: int = Field(30, alias="CRM_POOL_COOLDOWN_DAYS", ge=0, le=3650)
    pool_time: TimeOfDay = Field(time(2, 0), alias="CRM_POOL_TIME")
    # The follow-up ladder: whole days a follow-up is overdue before the manager's summary lists
    # it, and before its customer is at risk (the rep sees it from the first day).
    ladder_manager_days: int = Field(2, alias="CRM_LADDER_MANAGER_DAYS", ge=1, le=90)
    ladder_risk_days: int = Field(4, alias="CRM_LADDER_RISK_DAYS", ge=1, le=365)

    @field_validator("ladder_risk_days")
    @classmethod
    def _risk_after_manager(cls, value: int, info: ValidationInfo) -> int:
        manager = info.data.get("ladder_manager_days")
        if manager is not None and value < manager:
            raise ValueError(
                f"expected at least CRM_LADDER_MANAGER_DAYS ({manager}): the manager hears of "
                "a follow-up before its customer is at risk"
            )
        return value


# --- one line per bad setting -------------------------------------------------------------------

_FIELDS_BY_ALIAS = {field.alias: (name, field) for name, field in Settings.model_fields.items()}


def describe(error: ValidationError) -> list[str]:
    """One line per bad setting: its name, what was given (never a secret), what is expected."""
    lines: list[str] = []
    seen: set[str] = set()
    for problem in error.errors(include_url=False):
        alias = str(problem["loc"][0]) if problem["loc"] else "settings"
        if alias in seen:
            continue
        seen.add(alias)
        _, field = _FIELDS_BY_ALIAS.get(alias, (alias, None))
        secret = field is not None and "SecretStr" in str(field.annotation)
        given = problem.get("input")
        shown = "(hidden)" if secret else _shown(given)
        lines.append(f"{alias}={shown}: {_expected(problem, field)}")
    return lines


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _expected(problem: Any, field: Any) -> str:
    kind = problem["type"]
    if kind == "value_error":
        return str(problem["ctx"]["error"])
    if kind == "literal_error":
        return f"expected {problem['ctx']['expected']}"
    if field is not None and field.annotation in (int, float):
        return _number(field)
    return str(problem["msg"])


def _number(field: Any) -> str:
    """'expected a whole number from 3 to 30', 'expected a number above 0', …"""
    what = "a whole number" if field.annotation is int else "a number"
    low = high = None
    for rule in field.metadata:
        if isinstance(rule, Ge):
            low = f"{rule.ge}"
        elif isinstance(rule, Gt):
            low = f"above {rule.gt}"
        elif isinstance(rule, Le):
            high = f"{rule.le}"
    if low is not None and high is not None:
        if low.startswith("above"):
            return f"expected {what} {low} and at most {high}"
        return f"expected {what} from {low} to {high}"
    if low is not None:
        return f"expected {what} {low}" if low.startswith("above") else f"expected {what} ≥ {low}"
    if high is not None:
        return f"expected {what} ≤ {high}"
    return f"expected {what}"
