import pytest

from models.tagger import SmartTagger
from tests.models.synthetic import TINY, calls


@pytest.fixture(scope="session")
def tiny_model() -> SmartTagger:
    """One small multi-label model shared by the read-only tests."""
    train = calls(240, seed=1)
    return SmartTagger(**TINY, random_state=0).fit(
        [e.document for e in train], [list(e.tags) for e in train]
    )
