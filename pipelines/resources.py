"""Resources shared by every asset: the warehouse, the config store, the speech recognizer and
the source of SmartTag's training labels.

Settings reach assets through these resources. ``build_resources`` binds each to its
``CALLSCOPE_*`` variable as an ``EnvVar``, resolved when a run starts; a variable that is not set
leaves the field empty and the resource falls back to the default in ``data.settings``.
"""

import math
import os
from pathlib import Path

import dagster as dg

from data.config.store import ConfigStore
from data.notifications.delivery import Policy
from data.settings import Settings, get_settings
from data.warehouse import Warehouse
from models.workflow import LabelReader, manual_label_reader


class WarehouseResource(dg.ConfigurableResource):
    """The Parquet warehouse; ``root`` defaults to ``$CALLSCOPE_HOME/warehouse``."""

    root: str | None = None

    def get(self) -> Warehouse:
        return Warehouse(self.root) if self.root else Warehouse.from_settings()


_stores: dict[str, ConfigStore] = {}


class ConfigStoreResource(dg.ConfigurableResource):
    """The transactional config store; ``url`` defaults to ``CALLSCOPE_CONFIG_URL``."""

    url: str | None = None

    def get(self) -> ConfigStore:
        url = self.url or get_settings().database_url
        if url not in _stores:
            _stores[url] = ConfigStore(url)
        return _stores[url]


class RecognizerResource(dg.ConfigurableResource):
    """The product's recognizer, Vosk with the model at ``CALLSCOPE_VOSK_MODEL_PATH``, and how
    transcription runs: where recordings are, the process-pool size, the Dask scheduler."""

    model_path: str | None = None
    recordings_dir: str | None = None
    workers: int | None = None
    dask_scheduler: str | None = None
    gating: bool | None = None

    def settings(self, base: Settings | None = None) -> Settings:
        """``base`` (else the process's settings) with this resource's fields where given."""
        given = {
            "recordings_dir": Path(self.recordings_dir) if self.recordings_dir else None,
            "speech_workers": self.workers,
            "dask_scheduler": self.dask_scheduler,
        }
        base = base or get_settings()
        return base.model_copy(update={k: v for k, v in given.items() if v is not None})

    def get(self):
        from speech.recognizer import VoskRecognizer

        settings = get_settings()
        gate = settings.speech_gating if self.gating is None else self.gating
        return VoskRecognizer(self.model_path or settings.vosk_model_path, gate=gate)

    def run(self, max_seconds: float, workers: int | None = None):
        """A transcription run with this recognizer; ``workers`` overrides the pool size."""
        from speech.daily import SpeechRun

        settings = get_settings()
        return SpeechRun(
            recognizer=self.get(),
            recordings_dir=Path(self.recordings_dir or settings.recordings_dir),
            workers=workers or self.workers or settings.speech_workers,
            scheduler=self.dask_scheduler or settings.dask_scheduler,
            max_seconds=max_seconds,
        )


class LandingResource(dg.ConfigurableResource):
    """The folder the day's files land in, ``<home>/landing``; ``home`` defaults to
    ``CALLSCOPE_HOME``."""

    home: str | None = None

    def path(self) -> Path:
        return Path(self.home) / "landing" if self.home else get_settings().landing_dir


class ModelsResource(dg.ConfigurableResource):
    """Where trained models and their versions are kept, ``<home>/models``; ``home`` defaults to
    ``CALLSCOPE_HOME``."""

    home: str | None = None

    def path(self) -> Path:
        return Path(self.home) / "models" if self.home else get_settings().models_dir


class QuarantineLimitResource(dg.ConfigurableResource):
    """The quarantined share of a day's rows above which the ingest checks fail;
    ``max_share`` defaults to ``CALLSCOPE_QUARANTINE_MAX_SHARE`` (0.05)."""

    max_share: str | None = None  # an environment variable's text; checked when read

    def get(self) -> float:
        if not self.max_share:
            return get_settings().quarantine_max_share
        try:
            share = float(self.max_share)
        except ValueError:
            share = math.nan
        if not 0 <= share <= 1:
            raise dg.Failure(f"quarantine max share must be from 0 to 1, got {self.max_share!r}")
        return share


class NotificationsResource(dg.ConfigurableResource):
    """The settings notifications are raised and delivered with: the home (its signing secret),
    the public URL of recording links, the SMTP server and the SMS gateway. A field left empty
    keeps its value from ``data.settings`` (as do the limits and time-outs)."""

    home: str | None = None
    public_url: str | None = None
    secret: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    sms_url: str | None = None

    def settings(self) -> Settings:
        given = {
            "home": Path(self.home) if self.home else None,
            "notifications_public_url": self.public_url,
            "notifications_secret": self.secret,
            "smtp_host": self.smtp_host,
            "smtp_port": self.smtp_port,
            "notifications_sms_url": self.sms_url,
        }
        return get_settings().model_copy(update={k: v for k, v in given.items() if v is not None})

    def policy(self) -> Policy:
        return Policy.from_settings(self.settings())


_GROUND_TRUTH_ROWS = "recognizer = 'ground-truth'"


class TrainingLabelsResource(dg.ConfigurableResource):
    """Where SmartTag learns tags from: in the product, the tags people set in the cabinet, on
    transcripts a real recognizer made."""

    def reader(self) -> LabelReader:
        return manual_label_reader

    def check_transcripts(self, warehouse: Warehouse) -> None:
        """Refuses to train on a warehouse that holds ground-truth (demo) transcripts."""
        if not warehouse.has_table("transcripts"):
            return
        replayed = len(
            warehouse.read("transcripts", columns=["recognizer"], where=_GROUND_TRUTH_ROWS)
        )
        if replayed:
            raise dg.Failure(
                f"the warehouse holds {replayed} transcripts replayed by the demo's ground-truth "
                "recognizer; SmartTag trains on them only inside the demo"
            )


def _env(name: str) -> dg.EnvVar | None:
    return dg.EnvVar(name) if os.environ.get(name) else None


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(root=_env("CALLSCOPE_WAREHOUSE_DIR")),
        "config_store": ConfigStoreResource(url=_env("CALLSCOPE_CONFIG_URL")),
        "recognizer": RecognizerResource(
            model_path=_env("CALLSCOPE_VOSK_MODEL_PATH"),
            workers=(
                dg.EnvVar.int("CALLSCOPE_SPEECH_WORKERS")
                if os.environ.get("CALLSCOPE_SPEECH_WORKERS")
                else None
            ),
            dask_scheduler=_env("CALLSCOPE_DASK_SCHEDULER"),
        ),
        "training_labels": TrainingLabelsResource(),
        "landing": LandingResource(home=_env("CALLSCOPE_HOME")),
        "models": ModelsResource(home=_env("CALLSCOPE_HOME")),
        "quarantine_limit": QuarantineLimitResource(
            max_share=_env("CALLSCOPE_QUARANTINE_MAX_SHARE")
        ),
        "notifications": NotificationsResource(
            home=_env("CALLSCOPE_HOME"),
            public_url=_env("CALLSCOPE_NOTIFICATIONS_PUBLIC_URL"),
            secret=_env("CALLSCOPE_NOTIFICATIONS_SECRET"),
            smtp_host=_env("CALLSCOPE_SMTP_HOST"),
            smtp_port=(
                dg.EnvVar.int("CALLSCOPE_SMTP_PORT")
                if os.environ.get("CALLSCOPE_SMTP_PORT")
                else None
            ),
            sms_url=_env("CALLSCOPE_NOTIFICATIONS_SMS_URL"),
        ),
    }
