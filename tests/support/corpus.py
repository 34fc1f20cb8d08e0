"""The synthetic voice-note corpus in ../shared/speech-corpus, and a transcriber that knows it.

No Swedish or English Vosk model can be had offline, so end-to-end tests of *spoken wishes*
use ``CorpusTranscriber``: it decodes the real Ogg/Opus audio with the real decoder (so bad
audio fails as it would) and answers with the manifest's transcript for a known clip. The
speech pipeline itself is tested with the real Vosk library and model in tests/backend/speech.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from backend.config import PROJECT_ROOT
from backend.speech import SpeechError, Transcript, decode_voice_note
from backend.speech.audio import pcm_duration_s

# The corpus lives in ../shared beside the project (as in CI); RAMTID_SPEECH_CORPUS overrides.
CORPUS = Path(
    os.environ.get("RAMTID_SPEECH_CORPUS", PROJECT_ROOT.parent / "shared" / "speech-corpus")
)
# CI sets this so that a missing corpus fails the run instead of skipping its tests.
REQUIRED = os.environ.get("RAMTID_REQUIRE_SPEECH_CORPUS") == "1"


@dataclass(frozen=True)
class Clip:
    language: str
    file: str
    text: str
    kind: str
    duration_s: float

    @property
    def id(self) -> str:
        return f"{self.language}/{self.file}"

    @property
    def path(self) -> Path:
        return CORPUS / self.language / self.file

    @property
    def data(self) -> bytes:
        return _bytes(self.path)

    def read(self) -> bytes:
        return self.data


@cache
def _bytes(path: Path) -> bytes:
    return path.read_bytes()


def clips() -> list[Clip]:
    """Every clip of the manifests; skips the calling test, with the reason, when the corpus
    is not there (it is test data kept beside the project, in ../shared)."""
    if not (CORPUS / "sv" / "manifest.tsv").is_file():
        reason = (
            f"the speech corpus is not at {CORPUS}: put ../shared/speech-corpus beside the "
            "project or set RAMTID_SPEECH_CORPUS"
        )
        if REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    found = []
    for language in ("sv", "en"):
        with (CORPUS / language / "manifest.tsv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                found.append(
                    Clip(language, row["file"], row["text"], row["kind"], float(row["duration_s"]))
                )
    return found


def clip(language: str, file: str) -> Clip:
    return next(c for c in clips() if c.language == language and c.file == file)


class CorpusTranscriber:
    """Real decoding; the transcript of a known clip instead of an acoustic model's guess."""

    def __init__(self) -> None:
        self.by_hash = {hashlib.sha256(c.read()).hexdigest(): c for c in clips()}

    def languages(self) -> set[str]:
        return {"sv", "en"}

    async def transcribe(self, audio: bytes, *, language: str) -> Transcript:
        if language not in self.languages():
            raise SpeechError("no_model_for_language")
        pcm = decode_voice_note(audio)
        known = self.by_hash.get(hashlib.sha256(audio).hexdigest())
        if known is None:
            raise SpeechError("audio_corrupt", "not a corpus clip")
        return Transcript(
            text=known.text,
            words=(),
            confidence=1.0,
            duration_s=pcm_duration_s(pcm),
            language=language,
        )
