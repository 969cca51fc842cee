from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .server import FeedServer


@pytest.fixture
def feeds():
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def feed_config(tmp_path: Path, feeds: FeedServer) -> Path:
    """Settings that fetch the official sources from the stand-in server (feeds.mirrors)."""
    path = tmp_path / "launcher.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "feeds": {
                    "mirrors": {
                        "https://earthquake.usgs.gov/": f"{feeds.url}/usgs/",
                        "https://cap-alerts.s3.amazonaws.com/": f"{feeds.url}/cap/",
                        "https://api.ooni.io/": f"{feeds.url}/ooni/",
                        "https://api.ioda.inetintel.cc.gatech.edu/": f"{feeds.url}/ioda/",
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    return path
