"""``python -m backend.speech``: list and download Vosk models for the speech service.

Example: ``python -m backend.speech download vosk-model-small-sv-rhasspy-0.15 --dest /models``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.speech.errors import SpeechError
from backend.speech.models import DEFAULT_BASE_URL, KNOWN_MODELS, download_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m backend.speech", description="Manage Vosk speech models."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("models", help="list the models this project knows about")
    download = commands.add_parser("download", help="download and unpack a Vosk model")
    download.add_argument("name", help="model name (see 'models') or URL of a model zip")
    download.add_argument("--dest", type=Path, required=True, help="directory for models")
    download.add_argument("--sha256", help="expected SHA-256 of the zip")
    download.add_argument("--base-url", default=DEFAULT_BASE_URL, help="where names are fetched")
    download.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)

    if args.command == "models":
        for name, (language, size) in KNOWN_MODELS.items():
            print(f"{name}\t{language}\t{size}")
        return 0

    try:
        model_dir = download_model(
            args.name,
            args.dest,
            sha256=args.sha256,
            progress=not args.quiet,
            base_url=args.base_url,
        )
    except SpeechError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(model_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
