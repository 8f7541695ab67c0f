"""Settings from the environment and a `.env` file; one object, built where the app is wired."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the product, with the embedded default that needs no service."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field("sqlite://crm.db", alias="CRM_DATABASE_URL")
    locale: str = Field("en", alias="CRM_LOCALE")
    timezone: str = Field("Asia/Shanghai", alias="CRM_TIMEZONE")
    dialog_timeout_minutes: int = Field(30, alias="CRM_DIALOG_TIMEOUT", ge=1)
    invite_days: int = Field(7, alias="CRM_INVITE_DAYS", ge=1)
    page_size: int = Field(8, alias="CRM_PAGE_SIZE", ge=3, le=30)
    telegram_bot_username: str | None = Field(None, alias="TELEGRAM_BOT_USERNAME")
    currency: str = Field("CNY", alias="CRM_CURRENCY", min_length=3, max_length=3)
    large_deal_threshold: str = Field("CNY:1000000,USD:150000", alias="CRM_LARGE_DEAL_THRESHOLD")
    approval_escalate_above: str = Field(
        "CNY:50000,USD:7500,%:10", alias="CRM_APPROVAL_ESCALATE_ABOVE"
    )
    approval_sla_hours: int = Field(24, alias="CRM_APPROVAL_SLA_HOURS", ge=1)
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    http_host: str = Field("0.0.0.0", alias="CRM_HTTP_HOST")
    http_port: int = Field(8080, alias="CRM_HTTP_PORT", ge=0, le=65535)
    digest_time: str = Field("08:30", alias="CRM_DIGEST_TIME", pattern=r"^\d{1,2}:\d{2}$")
    summary_time: str = Field("18:30", alias="CRM_SUMMARY_TIME", pattern=r"^\d{1,2}:\d{2}$")
    dormant_days: int = Field(30, alias="CRM_DORMANT_DAYS", ge=1)
    digest_when_empty: str = Field("skip", alias="CRM_DIGEST_WHEN_EMPTY", pattern="^(skip|line)$")
    misfire_grace_hours: float = Field(3.0, alias="CRM_MISFIRE_GRACE", gt=0)
    send_rate: float = Field(30.0, alias="CRM_SEND_RATE", gt=0)
    send_burst: int = Field(30, alias="CRM_SEND_BURST", ge=1)
    chat_send_rate: float = Field(1.0, alias="CRM_CHAT_SEND_RATE", gt=0)
    chat_send_burst: int = Field(5, alias="CRM_CHAT_SEND_BURST", ge=1)
    send_max_attempts: int = Field(8, alias="CRM_SEND_MAX_ATTEMPTS", ge=1)
    wechat_token: SecretStr | None = Field(None, alias="WECHAT_TOKEN")
    wechat_app_id: str | None = Field(None, alias="WECHAT_APP_ID")
    wechat_app_secret: SecretStr | None = Field(None, alias="WECHAT_APP_SECRET")
    wechat_aes_key: SecretStr | None = Field(None, alias="WECHAT_AES_KEY")
    wechat_api_base_url: str = Field(
        "https://api.weixin.qq.com/cgi-bin/", alias="WECHAT_API_BASE_URL"
    )
    wecom_corp_id: str | None = Field(None, alias="WECOM_CORP_ID")
    wecom_agent_id: str | None = Field(None, alias="WECOM_AGENT_ID")
    wecom_secret: SecretStr | None = Field(None, alias="WECOM_SECRET")
    wecom_token: SecretStr | None = Field(None, alias="WECOM_TOKEN")
    wecom_aes_key: SecretStr | None = Field(None, alias="WECOM_AES_KEY")
    wecom_api_base_url: str = Field(
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
