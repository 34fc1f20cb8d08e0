"""The one error type of the speech package, carrying a stable code for the bot to translate."""

from __future__ import annotations

from typing import Literal, get_args

SpeechErrorCode = Literal[
    "audio_empty",
    "audio_too_large",
    "audio_too_long",
    "audio_corrupt",
    "audio_silent",
    "no_model_for_language",
    "model_load_failed",
    "grammar_not_supported",
    "grammar_out_of_vocabulary",
    "download_failed",
    "checksum_mismatch",
    "unsafe_archive",
    "bad_archive",
]

SPEECH_ERROR_CODES: frozenset[str] = frozenset(get_args(SpeechErrorCode))


class SpeechError(Exception):
    """A voice note or model could not be used; ``code`` is stable, ``detail`` is for logs.

    ``detail`` never contains transcript text or audio content.
    """

    def __init__(self, code: SpeechErrorCode, detail: str | None = None) -> None:
        super().__init__(code if detail is None else f"{code}: {detail}")
        self.code: SpeechErrorCode = code
        self.detail = detail
