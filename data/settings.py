"""Runtime settings, read from ``CALLSCOPE_*`` environment variables (and a ``.env`` file)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLSCOPE_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".callscope"), description="Root of all runtime state.")
    config_url: str | None = Field(
        None, description="SQLAlchemy URL of the config store; default: SQLite under home."
    )
    vosk_model_path: Path | None = Field(
        None, description="Directory of a Russian Vosk model, e.g. vosk-model-small-ru-0.22."
    )
    dask_scheduler: str | None = Field(
        None, description="Address of a Dask scheduler; transcription fans out over it when set."
    )
    speech_workers: int = Field(2, ge=1, description="Local process-pool size for transcription.")
    speech_gating: bool = Field(
        False, description="Decode only the voice-active stretches of each call leg."
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "callscope@localhost"
    quarantine_max_share: float = Field(
        0.05, ge=0, le=1, description="Asset checks fail above this quarantined share."
    )
    timezone: str = Field("Europe/Moscow", description="Wall-clock zone of CoMagic timestamps.")
    warehouse_uri: str | None = Field(
        None, description="Warehouse root on S3 (s3://bucket/prefix); default: home/warehouse."
    )
    notifications_allow_private_hosts: bool = Field(
        False, description="Let notifications reach private, loopback and link-local hosts."
    )
    notifications_secret: str | None = Field(
        None,
        description="Installation secret signing recording links and intake requests; default: "
        "a random one kept in home/notifications.secret.",
    )
    notifications_public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL of this API as receivers reach it."
    )
    notifications_link_ttl_hours: int = Field(
        720, ge=1, description="Lifetime of a recording link (file_link)."
    )
    notifications_sms_url: str | None = Field(None, description="The SMS gateway's URL.")
    notifications_sms_method: Literal["GET", "POST"] = "POST"
    notifications_sms_template: str = Field(
        '{"phone": "{{phone}}", "text": "{{text}}"}',
        description="The gateway's request: JSON (POST) or a query string (GET).",
    )
    notifications_timeout: float = Field(10.0, gt=0, description="Seconds per send attempt.")
    notifications_max_attempts: int = Field(6, ge=1)

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def recordings_dir(self) -> Path:
        return self.home / "recordings"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def ground_truth_dir(self) -> Path:
        return self.home / "ground_truth"

    @property
    def database_url(self) -> str:
        if self.config_url:
            return self.config_url
        return f"sqlite:///{(self.home / 'config.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
