"""The demo's stand-ins, bound only in the demo's own Definitions: the ground-truth recognizer
(no Vosk model can ship with the project) and SmartTag labels from the generator's reference tags
(the demo has no staff tagging calls). The product's Definitions cannot reach either."""

from __future__ import annotations

from pathlib import Path

from data.warehouse import Warehouse
from models.workflow import LabelReader
from pipelines.demo.labels import ground_truth_reader
from pipelines.resources import (
    ConfigStoreResource,
    LandingResource,
    ModelsResource,
    NotificationsResource,
    QuarantineLimitResource,
    RecognizerResource,
    TrainingLabelsResource,
    WarehouseResource,
)

DIALOGUES_FILE = "call_dialogues.jsonl"


class GroundTruthRecognizerResource(RecognizerResource):
    """Replays the demo generator's reference dialogues from ``ground_truth_dir``; the rows it
    makes carry ``recognizer = ground-truth``."""

    ground_truth_dir: str

    def get(self):
        from speech.recognizer import GroundTruthRecognizer

        return GroundTruthRecognizer(Path(self.ground_truth_dir) / DIALOGUES_FILE)


class GroundTruthLabelsResource(TrainingLabelsResource):
    """SmartTag learns the demo account's reference tags from ``ground_truth_dir``, on
    ground-truth transcripts."""

    ground_truth_dir: str

    def reader(self) -> LabelReader:
        return ground_truth_reader(Path(self.ground_truth_dir))

    def check_transcripts(self, warehouse: Warehouse) -> None:
        return None


def demo_resources(home: Path, config_url: str, vosk_model_path: Path | None) -> dict:
    home = Path(home)
    recordings = str(home / "recordings")
    recognizer = (
        RecognizerResource(model_path=str(vosk_model_path), recordings_dir=recordings)
        if vosk_model_path
        else GroundTruthRecognizerResource(
            ground_truth_dir=str(home / "ground_truth"), recordings_dir=recordings
        )
    )
    return {
        "warehouse": WarehouseResource(root=str(home / "warehouse")),
        "config_store": ConfigStoreResource(url=config_url),
        "recognizer": recognizer,
        "training_labels": GroundTruthLabelsResource(ground_truth_dir=str(home / "ground_truth")),
        "landing": LandingResource(home=str(home)),
        "models": ModelsResource(home=str(home)),
        "quarantine_limit": QuarantineLimitResource(),
        "notifications": NotificationsResource(home=str(home)),
    }
