"""Settings of the API process (``CALLSCOPE_API_*``); storage locations come from data.settings."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CALLSCOPE_API_", env_file=".env", extra="ignore")

    title: str = "callscope"
    page_size_default: int = Field(50, ge=1, le=1000)
    page_size_max: int = Field(500, ge=1, le=10_000)
    # Requests inside the app at once (and handler threads); below the config store's
    # connection pool (5 + 10 overflow), so no request ever waits for a connection.
    max_concurrency: int = Field(12, ge=1, le=14)
    # How long a token's effective rights are reused at most.
    rights_cache_seconds: float = Field(5.0, ge=0, le=300)
    # How often a worker reads the config store's cache versions (access data, tag events):
    # a change committed through another worker, host or command takes effect within this
    # time (at once through this worker); 0 reads them on every request.
    cache_check_seconds: float = Field(1.0, ge=0, le=60)
    # Price of one transcribed audio minute in the cost preview, in the account's currency.
    transcription_price_per_minute: float = Field(1.5, ge=0)


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
