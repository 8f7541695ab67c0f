"""Settings from the environment and a `.env` file; one object, built where the app is wired."""

from __future__ import annotations

from pydantic import Field
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
