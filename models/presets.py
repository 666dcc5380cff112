"""Ready SmartTag models for real estate and auto, trained from the demo's industry dialogues.

`build_preset` is reproducible: the same seed and size give the same corpus and the same model.
An account applies a preset without training, or retrains from it with its own tags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from models.datasets import Example
from models.errors import RegistryError
from models.gates import Gates
from models.text import document_from_turns
from models.training import train_with_gates

PRESETS = {"real_estate": "Недвижимость", "auto": "Авто"}
PRESET_CALLS = 2000
PRESET_SEED = 20160


def presets_root() -> Path:
    from models.registry import models_root

    return models_root() / "presets"


def preset_dir(name: str) -> Path:
    if name not in PRESETS:
        raise RegistryError(f"unknown SmartTag preset {name!r}; expected one of {list(PRESETS)}")
    return presets_root() / name


def preset_corpus(name: str, n: int = PRESET_CALLS, seed: int = PRESET_SEED) -> list[Example]:
    from data.demo.dialogues import generate_dialogues

    dialogues = generate_dialogues(n, name, seed)
    return [
        Example(
            f"{name}:{i}",
            document_from_turns([(t.speaker, t.text) for t in d.turns]),
            tuple(d.tags),
        )
        for i, d in enumerate(dialogues)
    ]


def build_preset(
    name: str,
    *,
    n: int = PRESET_CALLS,
    seed: int = PRESET_SEED,
    params: dict | None = None,
    out_dir: Path | None = None,
    progress: Callable[[str, float, str], None] | None = None,
) -> dict:
    """Trains and saves one preset; returns its training report."""
    target = out_dir or preset_dir(name)
    result = train_with_gates(
        preset_corpus(name, n, seed),
        gates=Gates(min_calls=min(n, 1000)),
        params={"random_state": seed, **(params or {})},
        seed=seed,
        progress=progress,
    )
    result.report["preset"] = name
    result.report["corpus"] = {"generator": "data.demo.dialogues", "n": n, "seed": seed}
    result.model.metrics_ = result.report
    result.model.save(target)
    (target / "preset.json").write_text(
        json.dumps({"name": name, "title": PRESETS[name], "n": n, "seed": seed}, ensure_ascii=False)
    )
    return result.report


def list_presets() -> list[dict]:
    from models.storage import read_metadata

    out = []
    for name, title in PRESETS.items():
        path = presets_root() / name
        entry = {"name": name, "title": title, "built": (path / "manifest.json").is_file()}
        if entry["built"]:
            meta = read_metadata(path)
            entry["tags"] = meta["labels"]
            entry["macro_f1"] = (meta["metrics"].get("smarttag") or {}).get("macro_f1")
        out.append(entry)
    return out


def apply_preset(
    session: Session, account_id: int, name: str, actor: str, *, enable: bool = True
) -> dict:
    """Gives the account the preset as a new version and makes it active: tagging without
    training."""
    from models import registry
    from models.storage import read_metadata

    path = preset_dir(name)
    if not (path / "manifest.json").is_file():
        raise RegistryError(
            f"SmartTag preset {name!r} is not built; run `callscope smarttag presets build`"
        )
    report = read_metadata(path)["metrics"]
    row = registry.register_version(session, account_id, path, report, actor, preset=name)
    registry.promote(session, row, actor, f"preset {name} applied")
    if enable:
        registry.set_enabled(session, account_id, True, actor)
    return registry.account_state(session, account_id)
