"""Decode voice notes (Telegram Ogg/Opus, or anything else PyAV reads) to 16 kHz mono PCM.

Everything happens in memory: the audio is never written to disk. Decoding is CPU work and
blocking; call it from a worker thread, never on the event loop.
"""

from __future__ import annotations

import io
import math
import operator
from array import array

import av
import av.error

from backend.speech.errors import SpeechError

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2  # signed 16-bit
BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH
# Telegram's Bot API will not hand a bot files above 20 MB, so nothing legitimate is bigger.
MAX_INPUT_BYTES = 20 * 1024 * 1024
MAX_DURATION_S = 120.0
# RMS on the int16 scale; 30 is about -61 dBFS. Speech sits far above, digital silence and
# the hiss of a muted microphone below.
SILENCE_RMS = 30.0


def decode_voice_note(
    data: bytes,
    *,
    max_input_bytes: int = MAX_INPUT_BYTES,
    max_duration_s: float = MAX_DURATION_S,
    silence_rms: float = SILENCE_RMS,
) -> bytes:
    """Return the note as 16 kHz mono signed 16-bit little-endian PCM.

    Raises SpeechError with code audio_empty, audio_too_large, audio_too_long, audio_corrupt
    or audio_silent.
    """
    if not data:
        raise SpeechError("audio_empty")
    if len(data) > max_input_bytes:
        raise SpeechError("audio_too_large", f"{len(data)} bytes")
    if data.startswith(b"OggS") and not _ogg_pages_complete(data):
        # ffmpeg quietly decodes what is there; a cut-off download would pass as a shorter note.
        raise SpeechError("audio_corrupt", "ogg stream ends inside a page")

    max_pcm_bytes = int(max_duration_s * SAMPLE_RATE) * SAMPLE_WIDTH
    pcm = bytearray()
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise SpeechError("audio_empty", "no audio stream")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    pcm += memoryview(out.planes[0])[: out.samples * SAMPLE_WIDTH]
                if len(pcm) > max_pcm_bytes:
                    raise SpeechError("audio_too_long", f"over {max_duration_s:g} s")
            for out in resampler.resample(None):
                pcm += memoryview(out.planes[0])[: out.samples * SAMPLE_WIDTH]
    except av.error.FFmpegError as exc:
        raise SpeechError("audio_corrupt", type(exc).__name__) from exc

    if len(pcm) > max_pcm_bytes:
        raise SpeechError("audio_too_long", f"over {max_duration_s:g} s")
    if not pcm:
        raise SpeechError("audio_empty", "no samples")
    if pcm_rms(pcm) < silence_rms:
        raise SpeechError("audio_silent")
    return bytes(pcm)


def pcm_duration_s(pcm: bytes | bytearray) -> float:
    """Duration of 16 kHz mono s16 PCM in seconds."""
    return len(pcm) / BYTES_PER_SECOND


def pcm_rms(pcm: bytes | bytearray) -> float:
    """Root mean square of s16 PCM samples on the int16 scale (0 for no samples)."""
    samples = array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH])
    if not samples:
        return 0.0
    return math.sqrt(sum(map(operator.mul, samples, samples)) / len(samples))


def _ogg_pages_complete(data: bytes) -> bool:
    """True when ``data`` is a chain of whole Ogg pages, i.e. nothing was cut off mid-page."""
    pos, size = 0, len(data)
    while pos < size:
        if pos + 27 > size or data[pos : pos + 4] != b"OggS":
            return False
        segments = data[pos + 26]
        body_start = pos + 27 + segments
        if body_start > size:
            return False
        pos = body_start + sum(data[pos + 27 : body_start])
    return pos == size
