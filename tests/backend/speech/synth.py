"""Make test audio in memory with PyAV: tones, faint noise, silence, in any container."""

from __future__ import annotations

import io
import math
import random
from array import array

import av


def tone_pcm(seconds: int, *, rate: int = 48_000, hz: int = 440, amplitude: int = 3000) -> bytes:
    """Mono s16 sine; built from one second repeated (a whole number of cycles per second)."""
    second = array(
        "h", (round(amplitude * math.sin(2 * math.pi * hz * i / rate)) for i in range(rate))
    )
    return second.tobytes() * seconds


def noise_pcm(seconds: float, *, rate: int = 48_000, amplitude: int = 3, seed: int = 7) -> bytes:
    """Mono s16 white noise of at most ``amplitude`` (3 is about -80 dBFS: a muted mic)."""
    rng = random.Random(seed)
    count = int(seconds * rate)
    return array("h", (rng.randint(-amplitude, amplitude) for _ in range(count))).tobytes()


def silence_pcm(seconds: float, *, rate: int = 48_000) -> bytes:
    return bytes(int(seconds * rate) * 2)


def encode(
    pcm: bytes,
    *,
    rate: int = 48_000,
    layout: str = "mono",
    container: str = "ogg",
    codec: str = "libopus",
) -> bytes:
    """Encode interleaved s16 PCM; the defaults make a Telegram-like Ogg/Opus voice note."""
    channels = 2 if layout == "stereo" else 1
    frame_samples = 960
    frame_bytes = frame_samples * 2 * channels
    if len(pcm) % frame_bytes:
        pcm += bytes(frame_bytes - len(pcm) % frame_bytes)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = layout
        for pts, start in enumerate(range(0, len(pcm), frame_bytes)):
            frame = av.AudioFrame(format="s16", layout=layout, samples=frame_samples)
            frame.planes[0].update(pcm[start : start + frame_bytes])
            frame.sample_rate = rate
            frame.pts = pts * frame_samples
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def interleave_stereo(left: bytes, right: bytes) -> bytes:
    """Two mono s16 signals of equal length as one interleaved stereo signal."""
    a, b = array("h"), array("h")
    a.frombytes(left)
    b.frombytes(right)
    both = array("h", bytes(len(left) * 2))
    both[0::2] = a
    both[1::2] = b
    return both.tobytes()
