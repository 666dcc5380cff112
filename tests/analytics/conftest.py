import importlib.util
from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def channelattribution():
    """The ChannelAttribution package (it prints a banner and needs matplotlib at import)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import ChannelAttribution
    except ImportError as error:
        pytest.skip(f"ChannelAttribution is not installed: {error}")
    return ChannelAttribution


@pytest.fixture(scope="session")
def example_paths(channelattribution) -> pd.DataFrame:
    """ChannelAttribution's bundled example journeys (10,000 paths, 12 channels)."""
    spec = importlib.util.find_spec("cypack")
    if spec is None or spec.origin is None:
        pytest.skip("ChannelAttribution's example data is not installed")
    csv = Path(spec.origin).parent / "data" / "Data.csv"
    if not csv.exists():
        pytest.skip(f"ChannelAttribution's example data is missing at {csv}")
    return pd.read_csv(csv, sep=";")
