"""Transcriber behaviour that needs no real model: routing, errors, the null transcriber."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.speech import NullTranscriber, SpeechError, Transcriber, VoskTranscriber
from backend.speech.transcriber import Word, make_transcript
from tests.backend.speech.synth import encode, silence_pcm
from tests.support.corpus import Clip


async def test_null_transcriber_has_no_languages_and_refuses_every_note(
    corpus: dict[str, Clip],
) -> None:
    transcriber: Transcriber = NullTranscriber()

    assert transcriber.languages() == set()
    with pytest.raises(SpeechError) as raised:
        await transcriber.transcribe(corpus["sv/01.ogg"].data, language="sv")
    assert raised.value.code == "no_model_for_language"


async def test_language_without_a_model_is_refused(
    corpus: dict[str, Clip], tmp_path: Path
) -> None:
    transcriber = VoskTranscriber({"ko": tmp_path / "ko-model"})
    try:
        assert transcriber.languages() == {"ko"}
        with pytest.raises(SpeechError) as raised:
            await transcriber.transcribe(corpus["sv/01.ogg"].data, language="sv")
        assert raised.value.code == "no_model_for_language"
    finally:
        transcriber.close()


@pytest.mark.parametrize("make_dir", [False, True], ids=["missing", "empty-dir"])
async def test_model_directory_without_a_model_fails_to_load(
    corpus: dict[str, Clip], tmp_path: Path, make_dir: bool
) -> None:
    model_dir = tmp_path / "sv-model"
    if make_dir:
        model_dir.mkdir()
    transcriber = VoskTranscriber({"sv": model_dir})
    try:
        with pytest.raises(SpeechError) as raised:
            await transcriber.transcribe(corpus["sv/01.ogg"].data, language="sv")
        assert raised.value.code == "model_load_failed"
    finally:
        transcriber.close()


async def test_bad_audio_is_reported_before_any_model_is_loaded(tmp_path: Path) -> None:
    # The model path does not exist: reaching the model would say model_load_failed.
    transcriber = VoskTranscriber({"sv": tmp_path / "missing"})
    try:
        with pytest.raises(SpeechError) as raised:
            await transcriber.transcribe(encode(silence_pcm(2)), language="sv")
        assert raised.value.code == "audio_silent"
        with pytest.raises(SpeechError) as raised:
            await transcriber.transcribe(b"", language="sv")
        assert raised.value.code == "audio_empty"
    finally:
        transcriber.close()


async def test_grammar_needs_a_model_with_a_runtime_graph(
    corpus: dict[str, Clip], tmp_path: Path
) -> None:
    static_graph_model = tmp_path / "big-model"
    (static_graph_model / "graph").mkdir(parents=True)
    (static_graph_model / "graph" / "HCLG.fst").write_bytes(b"")
    transcriber = VoskTranscriber({"sv": static_graph_model})
    try:
        with pytest.raises(SpeechError) as raised:
            await transcriber.transcribe(
                corpus["sv/07.ogg"].data, language="sv", grammar=["ja", "nej"]
            )
        assert raised.value.code == "grammar_not_supported"
    finally:
        transcriber.close()


def test_transcript_confidence_is_the_mean_word_confidence() -> None:
    words = [Word("ja", 0.1, 0.4, 0.9), Word("tack", 0.5, 0.9, 0.5)]

    transcript = make_transcript(words, duration_s=1.2, language="sv")

    assert transcript.text == "ja tack"
    assert transcript.confidence == pytest.approx(0.7)
    assert transcript.words == tuple(words)
    assert make_transcript([], duration_s=1.0, language="sv").confidence == 0.0
