"""Recognition with a real Vosk model (the Korean one from PyPI).

English and Swedish through a Korean model give nonsense words; these tests check the
pipeline's behaviour (words, timings, confidences, concurrency), not transcript accuracy.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import vosk

from backend.speech import SpeechError, Transcript, VoskTranscriber
from backend.speech.transcriber import load_model
from tests.support.corpus import Clip

pytestmark = pytest.mark.speech

# "yes", "no", "hello" in Korean: all in the model's vocabulary.
KO_GRAMMAR = ["네", "아니요", "안녕하세요"]


def assert_well_formed(transcript: Transcript, clip: Clip) -> None:
    assert transcript.words, "no words recognized in speech"
    assert transcript.language == "ko"
    assert transcript.duration_s == pytest.approx(clip.duration_s, abs=0.2)
    assert transcript.text == " ".join(word.word for word in transcript.words)
    previous_end = 0.0
    for word in transcript.words:
        assert word.word.strip()
        assert previous_end <= word.start_s <= word.end_s <= transcript.duration_s
        assert 0.0 <= word.confidence <= 1.0
        previous_end = word.end_s
    mean = sum(word.confidence for word in transcript.words) / len(transcript.words)
    assert transcript.confidence == pytest.approx(mean)
    assert 0.0 < transcript.confidence <= 1.0


@pytest.mark.parametrize("clip_id", ["en/01.ogg", "en/16.ogg", "sv/03.ogg", "sv/08.ogg"])
async def test_speech_gives_words_with_ordered_timings_inside_the_note(
    ko_transcriber: VoskTranscriber, corpus: dict[str, Clip], clip_id: str
) -> None:
    clip = corpus[clip_id]

    transcript = await ko_transcriber.transcribe(clip.data, language="ko")

    assert_well_formed(transcript, clip)


async def test_grammar_limits_the_words_to_the_given_phrases(
    ko_transcriber: VoskTranscriber, corpus: dict[str, Clip]
) -> None:
    clip = corpus["en/13.ogg"]

    transcript = await ko_transcriber.transcribe(clip.data, language="ko", grammar=KO_GRAMMAR)

    assert_well_formed(transcript, clip)
    assert {word.word for word in transcript.words} <= set(KO_GRAMMAR)


async def test_grammar_phrases_outside_the_vocabulary_are_dropped(
    ko_transcriber: VoskTranscriber, corpus: dict[str, Clip]
) -> None:
    transcript = await ko_transcriber.transcribe(
        corpus["sv/07.ogg"].data, language="ko", grammar=["ja tack", "nej", "네"]
    )

    assert {word.word for word in transcript.words} <= {"네"}


async def test_grammar_with_no_known_phrase_is_refused(
    ko_transcriber: VoskTranscriber, corpus: dict[str, Clip]
) -> None:
    with pytest.raises(SpeechError) as raised:
        await ko_transcriber.transcribe(
            corpus["sv/07.ogg"].data, language="ko", grammar=["ja", "nej tack", "  "]
        )
    assert raised.value.code == "grammar_out_of_vocabulary"


async def test_event_loop_keeps_ticking_while_notes_are_transcribed(
    ko_transcriber: VoskTranscriber, corpus: dict[str, Clip]
) -> None:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    gaps: list[float] = []

    async def tick() -> None:
        last = loop.time()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = loop.time()
            gaps.append(now - last)
            last = now

    clips = [corpus["en/13.ogg"], corpus["en/16.ogg"], corpus["sv/10.ogg"]]
    ticker = asyncio.create_task(tick())
    try:
        transcripts = await asyncio.gather(
            *(ko_transcriber.transcribe(clip.data, language="ko") for clip in clips)
        )
    finally:
        done.set()
        await ticker

    for transcript, clip in zip(transcripts, clips, strict=True):
        assert_well_formed(transcript, clip)
    assert len(gaps) > 20, "the ticker should have run throughout"
    assert max(gaps) < 0.5, f"event loop blocked for {max(gaps):.2f} s"


async def test_two_transcribers_share_one_loaded_model(
    ko_model_path: Path, ko_model: vosk.Model, tmp_path: Path
) -> None:
    same_dir_other_spelling = tmp_path / "ko-link"
    same_dir_other_spelling.symlink_to(ko_model_path, target_is_directory=True)
    first = VoskTranscriber({"ko": ko_model_path})
    second = VoskTranscriber({"ko": same_dir_other_spelling}, max_workers=1)
    try:
        second.preload()
        assert first.model("ko") is second.model("ko") is ko_model
        assert load_model(ko_model_path) is ko_model
    finally:
        first.close()
        second.close()


async def test_transcript_text_is_never_logged(
    ko_transcriber: VoskTranscriber,
    corpus: dict[str, Clip],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="backend.speech"):
        transcript = await ko_transcriber.transcribe(corpus["en/19.ogg"].data, language="ko")

    assert caplog.records, "the transcription should be logged (without its text)"
    messages = "\n".join(record.getMessage() for record in caplog.records)
    assert transcript.text not in messages
    for word in transcript.words:
        if len(word.word) > 2:
            assert word.word not in messages
