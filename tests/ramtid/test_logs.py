"""The logging filter every process writes through (``ramtid.logs``), record by record."""

from __future__ import annotations

import logging

from ramtid.logs import HIDDEN, CareDataFilter, guard


def written(record: logging.LogRecord) -> str:
    """The record as a handler of ours writes it (message, then any traceback)."""
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    guard(handler)
    assert all(f.filter(record) for f in handler.filters if isinstance(f, CareDataFilter))
    return handler.format(record)


def record(
    msg: str, *args: object, exc: BaseException | None = None, name: str = "backend"
) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, exc_info)


def raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_an_exception_is_written_as_its_types_and_frames_never_its_words() -> None:
    who = "Lisa Andersson"  # the frames show code lines: the name is not in them
    try:
        try:
            raise ValueError(f"input_value={who!r}")
        except ValueError as cause:
            raise RuntimeError(f"could not save {who}'s note") from cause
    except RuntimeError as exc:
        line = written(record("saving failed", exc=exc))
    assert "Lisa" not in line
    assert "builtins.ValueError" in line and "builtins.RuntimeError" in line
    assert "which led to:" in line and "test_logs.py" in line  # the frames are kept


def test_a_database_error_keeps_its_sqlstate_and_a_network_error_its_address() -> None:
    class DriverError(Exception):
        sqlstate = "22P02"

    quoted = "invalid input: " + "Eva"
    line = written(record("failed", exc=raised(DriverError(quoted))))
    assert "SQLSTATE 22P02" in line and "Eva" not in line
    refused = raised(ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"))
    assert "127.0.0.1" in written(record("database unavailable", exc=refused))


def test_values_given_to_the_database_layer_are_hidden_and_its_words_kept() -> None:
    row = ("Lisa", "Andersson")
    line = written(record("Row %r", row, name="sqlalchemy.engine.Engine"))
    assert line == f"Row {HIDDEN!r}"
    statement = "SELECT client.first_name FROM client WHERE client.id = ?"
    assert written(record("%s", statement, name="sqlalchemy.engine.Engine")) == statement


def test_personal_identity_numbers_are_replaced_wherever_they_are() -> None:
    for number in ("19400101-1234", "400101-1234", "194001011234", "400101+1234"):
        assert number not in written(record("client %s", number))
    assert written(record("visit %s at %s", 1234, "2026-11-23")) == "visit 1234 at 2026-11-23"


def test_json_lines_carry_ids_and_the_redacted_traceback_only() -> None:
    import json

    from ramtid.logs import JsonFormatter

    handler = logging.Handler()
    handler.setFormatter(JsonFormatter())
    guard(handler)
    rec = record(
        "notification %s not delivered for 19460101-1234",
        42,
        exc=raised(ValueError("Lisa Andersson")),
    )
    assert all(f.filter(rec) for f in handler.filters if isinstance(f, CareDataFilter))
    entry = json.loads(handler.format(rec))
    assert entry["message"] == f"notification 42 not delivered for {HIDDEN}"
    assert (entry["level"], entry["logger"]) == ("ERROR", "backend")
    assert "builtins.ValueError" in entry["exception"]
    assert "Lisa" not in json.dumps(entry)
