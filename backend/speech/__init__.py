"""Speech to text for voice notes: decode in memory, recognize offline with Vosk.

The backend depends on the ``Transcriber`` protocol; ``VoskTranscriber`` is the real one and
``NullTranscriber`` stands in when no models are configured.
"""

from backend.speech.audio import decode_voice_note
from backend.speech.errors import SpeechError, SpeechErrorCode
from backend.speech.transcriber import (
    NullTranscriber,
    Transcriber,
    Transcript,
    VoskTranscriber,
    Word,
)

__all__ = [
    "NullTranscriber",
    "SpeechError",
    "SpeechErrorCode",
    "Transcriber",
    "Transcript",
    "VoskTranscriber",
    "Word",
    "decode_voice_note",
]
