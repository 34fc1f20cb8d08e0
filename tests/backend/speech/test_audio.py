from __future__ import annotations

import io
import wave

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.speech import audio
from backend.speech.audio import (
    MAX_DURATION_S,
    MAX_INPUT_BYTES,
    SAMPLE_RATE,
    decode_voice_note,
    pcm_duration_s,
    pcm_rms,
)
from backend.speech.errors import SPEECH_ERROR_CODES, SpeechError
from tests.backend.speech.synth import (
    encode,
    interleave_stereo,
    noise_pcm,
    silence_pcm,
    tone_pcm,
)
from tests.support.corpus import Clip

CORPUS_IDS = [f"en/{n:02d}.ogg" for n in range(1, 21)] + [f"sv/{n:02d}.ogg" for n in range(1, 11)]


def expect_code(code: str, data: bytes, *, max_duration_s: float = MAX_DURATION_S) -> None:
    with pytest.raises(SpeechError) as raised:
        decode_voice_note(data, max_duration_s=max_duration_s)
    assert raised.value.code == code


@pytest.mark.parametrize("clip_id", CORPUS_IDS)
def test_corpus_note_decodes_to_16k_mono_pcm_of_its_length(
    corpus: dict[str, Clip], clip_id: str
) -> None:
    clip = corpus[clip_id]

    pcm = decode_voice_note(clip.data)

    assert len(pcm) % 2 == 0
    assert pcm_duration_s(pcm) == pytest.approx(clip.duration_s, abs=0.2)
    assert pcm_rms(pcm) > 300  # speech, far above the silence threshold


def test_stereo_wav_at_44_1_khz_is_mixed_down_and_resampled() -> None:
    left, right = tone_pcm(2, rate=44_100), tone_pcm(2, rate=44_100, hz=220)
    note = encode(
        interleave_stereo(left, right),
        rate=44_100,
        layout="stereo",
        container="wav",
        codec="pcm_s16le",
    )

    pcm = decode_voice_note(note)

    assert pcm_duration_s(pcm) == pytest.approx(2.0, abs=0.05)
    assert pcm_rms(pcm) > 500


def test_flac_is_accepted() -> None:
    note = encode(tone_pcm(3, rate=22_050), rate=22_050, container="flac", codec="flac")

    pcm = decode_voice_note(note)

    assert len(pcm) == pytest.approx(3 * SAMPLE_RATE * 2, abs=0.05 * SAMPLE_RATE * 2)


def test_empty_bytes_are_empty() -> None:
    expect_code("audio_empty", b"")


def test_a_valid_file_without_samples_is_empty() -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(b"")

    expect_code("audio_empty", buffer.getvalue())


@pytest.mark.parametrize(
    "data",
    [b"not audio at all " * 100, bytes(range(256)) * 40, b"OggS"],
    ids=["text", "bytes", "ogg-magic-only"],
)
def test_garbage_is_corrupt(data: bytes) -> None:
    expect_code("audio_corrupt", data)


@pytest.mark.parametrize("keep", [0.5, 0.9, 100, 1000, -1])
def test_truncated_voice_note_is_corrupt(corpus: dict[str, Clip], keep: float) -> None:
    data = corpus["en/01.ogg"].data
    cut = int(len(data) * keep) if isinstance(keep, float) else keep

    expect_code("audio_corrupt", data[:cut])


def test_digital_silence_is_silent() -> None:
    expect_code("audio_silent", encode(silence_pcm(3)))


def test_faint_noise_of_a_muted_microphone_is_silent() -> None:
    expect_code("audio_silent", encode(noise_pcm(3, amplitude=3)))


def test_quiet_but_audible_tone_is_not_silent() -> None:
    assert decode_voice_note(encode(tone_pcm(2, amplitude=200)))


def test_oversized_input_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_decode(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded an oversized note")

    monkeypatch.setattr(audio.av, "open", must_not_decode)

    expect_code("audio_too_large", b"OggS" + bytes(MAX_INPUT_BYTES))


def test_note_over_two_minutes_is_too_long() -> None:
    note = encode(tone_pcm(125, amplitude=500))

    expect_code("audio_too_long", note)


def test_exactly_the_limit_is_accepted_and_just_over_is_not(corpus: dict[str, Clip]) -> None:
    data = corpus["en/01.ogg"].data  # 6.07 s

    assert decode_voice_note(data, max_duration_s=6.5)
    expect_code("audio_too_long", data, max_duration_s=5.0)


def test_pcm_rms_of_known_signals() -> None:
    assert pcm_rms(b"") == 0.0
    assert pcm_rms(silence_pcm(0.1)) == 0.0
    assert pcm_rms((1000).to_bytes(2, "little", signed=True) * 100) == pytest.approx(1000)


@settings(max_examples=150, deadline=None, database=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_pcm_or_a_known_error(data: bytes) -> None:
    try:
        pcm = decode_voice_note(data)
    except SpeechError as exc:
        assert exc.code in SPEECH_ERROR_CODES
    else:
        assert len(pcm) % 2 == 0


@settings(max_examples=60, deadline=None, database=None)
@given(st.data())
def test_damaged_voice_note_gives_pcm_or_a_known_error(
    corpus: dict[str, Clip], data: st.DataObject
) -> None:
    note = bytearray(corpus["sv/08.ogg"].data)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(note) - 1))
        note[position] = data.draw(st.integers(0, 255))

    try:
        pcm = decode_voice_note(bytes(note))
    except SpeechError as exc:
        assert exc.code in SPEECH_ERROR_CODES
    else:
        assert pcm_duration_s(pcm) < 10
