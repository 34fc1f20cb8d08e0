"""Speech to text behind a small protocol, with Vosk as the offline implementation.

Care notes are sensitive: nothing here logs transcript text or writes audio to disk.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import vosk

from backend.speech.audio import SAMPLE_RATE, SAMPLE_WIDTH, decode_voice_note, pcm_duration_s
from backend.speech.errors import SpeechError

logger = logging.getLogger(__name__)

# 4000 frames = 0.25 s per AcceptWaveform call, as in the Vosk examples.
CHUNK_BYTES = 4000 * SAMPLE_WIDTH


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start_s: float
    end_s: float
    confidence: float


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    words: tuple[Word, ...]
    confidence: float  # mean word confidence, 0 when there are no words
    duration_s: float
    language: str


class Transcriber(Protocol):
    async def transcribe(self, audio: bytes, *, language: str) -> Transcript: ...

    def languages(self) -> set[str]: ...


class NullTranscriber:
    """Used when no speech models are configured: every language is unsupported."""

    async def transcribe(
        self, audio: bytes, *, language: str, grammar: Sequence[str] | None = None
    ) -> Transcript:
        raise SpeechError("no_model_for_language", language)

    def languages(self) -> set[str]:
        return set()


# One vosk.Model per model directory per process; models are large and read-only, and Vosk
# allows many recognizers (threads) on one model.
_models: dict[Path, vosk.Model] = {}
_models_lock = threading.Lock()


def load_model(path: Path) -> vosk.Model:
    """Load the Vosk model in ``path`` once per process (blocking; seconds for big models)."""
    key = path.expanduser().resolve()
    model = _models.get(key)
    if model is not None:
        return model
    with _models_lock:  # one load at a time, and never the same model twice
        model = _models.get(key)
        if model is None:
            if not key.is_dir():
                raise SpeechError("model_load_failed", f"not a directory: {key}")
            vosk.SetLogLevel(-1)
            started = time.perf_counter()
            try:
                # Always a path: vosk.Model(lang=...) would download from the internet.
                model = vosk.Model(model_path=str(key))
            except Exception as exc:  # vosk raises a bare Exception
                raise SpeechError("model_load_failed", str(key)) from exc
            logger.info("Loaded Vosk model %s in %.1f s", key, time.perf_counter() - started)
            _models[key] = model
        return model


def supports_grammar(path: Path) -> bool:
    """Vosk can only swap in a runtime grammar for models built with a lookahead graph."""
    return (path / "graph" / "HCLr.fst").is_file()


# Recognition is CPU-bound and can fill every core; the event loop answering people must not
# wait behind it. Linux schedules threads individually, so each worker lowers its own priority.
SPEECH_NICENESS = 10


def _yield_cpu_to_requests() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SPEECH_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        logger.debug("could not lower the speech workers' priority")


class VoskTranscriber:
    """Offline recognition with one Vosk model per language, in a bounded thread pool.

    Decoding and recognition run in at most ``max_workers`` threads so the event loop stays
    free; Vosk releases the GIL while it computes, so the workers run in parallel.
    """

    def __init__(self, model_paths: dict[str, Path], max_workers: int = 2) -> None:
        self._model_paths = {language: Path(path) for language, path in model_paths.items()}
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers,
            thread_name_prefix="speech",
            initializer=_yield_cpu_to_requests,
        )

    def languages(self) -> set[str]:
        return set(self._model_paths)

    def model(self, language: str) -> vosk.Model:
        """The model for ``language``, loaded on first use (blocking)."""
        path = self._model_paths.get(language)
        if path is None:
            raise SpeechError("no_model_for_language", language)
        return load_model(path)

    def preload(self) -> None:
        """Load every configured model now (blocking), e.g. at startup in a thread."""
        for language in self._model_paths:
            self.model(language)

    async def transcribe(
        self, audio: bytes, *, language: str, grammar: Sequence[str] | None = None
    ) -> Transcript:
        """Transcribe a voice note; ``grammar`` limits recognition to the given phrases."""
        if language not in self._model_paths:
            raise SpeechError("no_model_for_language", language)
        loop = asyncio.get_running_loop()
        job = functools.partial(self._transcribe_blocking, audio, language, grammar)
        return await loop.run_in_executor(self._executor, job)

    def close(self) -> None:
        """Stop the worker threads after the running transcriptions finish."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _transcribe_blocking(
        self, audio: bytes, language: str, grammar: Sequence[str] | None
    ) -> Transcript:
        started = time.perf_counter()
        if grammar is not None and not supports_grammar(self._model_paths[language]):
            raise SpeechError("grammar_not_supported", language)
        pcm = decode_voice_note(audio)  # before the model: bad audio fails fast
        model = self.model(language)
        words = recognize_pcm(pcm, model, grammar=grammar)
        duration_s = pcm_duration_s(pcm)
        logger.debug(
            "Transcribed %.1f s of %s audio: %d words in %.2f s",
            duration_s,
            language,
            len(words),
            time.perf_counter() - started,
        )
        return make_transcript(words, duration_s=duration_s, language=language)


def recognize_pcm(
    pcm: bytes, model: vosk.Model, *, grammar: Sequence[str] | None = None
) -> tuple[Word, ...]:
    """Run Vosk over 16 kHz mono s16 PCM and return the recognized words (blocking)."""
    if grammar is None:
        recognizer = vosk.KaldiRecognizer(model, SAMPLE_RATE)
    else:
        recognizer = vosk.KaldiRecognizer(model, SAMPLE_RATE, _grammar_json(model, grammar))
    recognizer.SetWords(True)
    duration_s = pcm_duration_s(pcm)
    words: list[Word] = []
    for start in range(0, len(pcm), CHUNK_BYTES):
        if recognizer.AcceptWaveform(pcm[start : start + CHUNK_BYTES]):
            words += _parse_words(recognizer.Result(), duration_s)
    words += _parse_words(recognizer.FinalResult(), duration_s)
    return tuple(words)


def make_transcript(words: Sequence[Word], *, duration_s: float, language: str) -> Transcript:
    confidence = sum(word.confidence for word in words) / len(words) if words else 0.0
    return Transcript(
        text=" ".join(word.word for word in words),
        words=tuple(words),
        confidence=confidence,
        duration_s=duration_s,
        language=language,
    )


def _grammar_json(model: vosk.Model, grammar: Sequence[str]) -> str:
    # Vosk drops unknown words from a phrase with a warning on stderr and crashes on malformed
    # JSON, so keep only whole phrases the model knows and build the JSON ourselves.
    phrases = [
        " ".join(phrase.split())
        for phrase in grammar
        if phrase.split() and all(model.vosk_model_find_word(word) >= 0 for word in phrase.split())
    ]
    if not phrases:
        raise SpeechError("grammar_out_of_vocabulary")
    return json.dumps(phrases, ensure_ascii=False)


def _parse_words(result_json: str, duration_s: float) -> list[Word]:
    result: dict[str, Any] = json.loads(result_json)
    return [
        Word(
            word=str(item["word"]),
            start_s=min(max(float(item["start"]), 0.0), duration_s),
            end_s=min(max(float(item["end"]), 0.0), duration_s),
            confidence=min(max(float(item.get("conf", 0.0)), 0.0), 1.0),
        )
        for item in result.get("result", [])
    ]
