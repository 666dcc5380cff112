"""Training gates: enough labelled calls, and enough positive examples for every tag."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from models.errors import NotEnoughDataError

MIN_CALLS = 1000
RECOMMENDED_CALLS = 2000
MIN_POSITIVES = 30


@dataclass(frozen=True)
class Gates:
    min_calls: int = MIN_CALLS
    recommended_calls: int = RECOMMENDED_CALLS
    min_positives: int = MIN_POSITIVES


@dataclass
class GateReport:
    n_calls: int
    positives: dict[str, int]
    kept_tags: list[str]
    dropped_tags: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "n_calls": self.n_calls,
            "positives": self.positives,
            "kept_tags": self.kept_tags,
            "dropped_tags": self.dropped_tags,
            "warnings": self.warnings,
        }


def check_gates(
    tag_lists: Sequence[Sequence[str]], requested_tags: Sequence[str] | None, gates: Gates
) -> GateReport:
    """Applies the gates; raises NotEnoughDataError naming the counts when nothing can be trained.

    A tag with fewer positives than `gates.min_positives` is named and left out.
    """
    counts = Counter(tag for tags in tag_lists for tag in set(tags))
    tags = list(dict.fromkeys(requested_tags)) if requested_tags else sorted(counts)
    positives = {tag: int(counts.get(tag, 0)) for tag in tags}
    kept = [t for t in tags if positives[t] >= gates.min_positives]
    dropped = {t: n for t, n in positives.items() if n < gates.min_positives}
    report = GateReport(len(tag_lists), positives, kept, dropped)
    for tag, n in dropped.items():
        report.warnings.append(
            f"tag {tag!r} has {n} positive examples, fewer than the {gates.min_positives} "
            "required; it is left out of this model"
        )
    if len(tag_lists) < gates.min_calls:
        raise NotEnoughDataError(
            f"SmartTag needs at least {gates.min_calls} labelled calls to train; "
            f"found {len(tag_lists)} ({gates.recommended_calls} recommended)",
            report.as_dict(),
        )
    if not kept:
        detail = ", ".join(f"{t!r}: {n}" for t, n in positives.items()) or "no tags"
        raise NotEnoughDataError(
            f"no tag has at least {gates.min_positives} positive examples among "
            f"{len(tag_lists)} labelled calls ({detail})",
            report.as_dict(),
        )
    if len(tag_lists) < gates.recommended_calls:
        report.warnings.append(
            f"{len(tag_lists)} labelled calls; {gates.recommended_calls} are recommended for the "
            "best quality"
        )
    return report
