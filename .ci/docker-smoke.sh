#!/usr/bin/env bash
# Smoke-test the Docker image's recipe without Docker.
#
#   .ci/docker-smoke.sh            (PYTHON=python3.11 by default; KEEP=1 keeps the temp dir)
#
# Mirrors the Dockerfile step by step in a temp directory:
#   builder  - a clean build context (the .dockerignore allowlist), a fresh venv, the
#              dependencies from pyproject.toml, a wheel of the project installed into the venv,
#              the gettext catalogs compiled (skipped while there are no .po files);
#   runtime  - locales copied next to the app, a data dir for SQLite, and `ramtid serve` started
#              from a directory outside the source tree (as uid 10001 where possible), probed
#              with the Dockerfile's own HEALTHCHECK command, then GET /health, /docs and
#              /openapi.json, the migrated schema checked, and the server stopped.
# It proves that the installed wheel, not the source tree, runs - migrations included.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3.11}"
run_uid=10001

work="$(mktemp -d "${TMPDIR:-/tmp}/ramtid-smoke.XXXXXX")"
chmod 0755 "$work"
ctx="$work/ctx"            # the build context (/src in the builder)
venv="$work/opt/venv"      # /opt/venv
dist="$work/dist"          # /tmp/dist
app="$work/app"            # /app
data="$work/data"          # /data
server_pid=""

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

cleanup() {
    local status=$?
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ $status -ne 0 && -f "$work/server.log" ]]; then
        echo "--- server log ---" >&2
        cat "$work/server.log" >&2
    fi
    if [[ "${KEEP:-0}" == 1 ]]; then
        echo "kept $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT

"$python" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
    || fail "$python is not Python 3.11 (set PYTHON=...)"

# --- builder -------------------------------------------------------------------------------
step "build context (the .dockerignore allowlist)"
mkdir -p "$ctx"
cp "$root/pyproject.toml" "$root/uv.lock" "$root/README.md" "$ctx/"
for dir in backend bot contract ramtid locales; do
    if [[ -d "$root/$dir" ]]; then
        tar -C "$root" --exclude=__pycache__ --exclude='*.py[cod]' --exclude='*.mo' \
            --exclude='*.db' --exclude='*.db-shm' --exclude='*.db-wal' -cf - "$dir" \
            | tar -C "$ctx" -xf -
    fi
done
ls "$ctx"

step "venv and dependencies (from uv.lock, with hashes)"
"$python" -m venv "$venv"
uv="${UV:-$root/.tools/bin/uv}"
[[ -x "$uv" ]] || uv="$(command -v uv)" || fail "uv not found: run make first (or set UV=)"
(
    cd "$ctx"
    "$uv" export --locked --no-dev --no-emit-project --format requirements-txt \
        --output-file "$work/requirements.txt" --quiet
)
grep -c '==' "$work/requirements.txt" | sed 's/$/ pinned requirements/'
"$venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check --require-hashes \
    -r "$work/requirements.txt"

step "wheel"
"$venv/bin/pip" wheel --quiet --no-cache-dir --no-deps --wheel-dir "$dist" "$ctx"
wheel="$(ls "$dist"/ramtid-*.whl)"
echo "$wheel"
"$venv/bin/python" - "$wheel" "$root" <<'PY'
import sys
import zipfile
from pathlib import Path

wheel, root = sys.argv[1], Path(sys.argv[2])
names = set(zipfile.ZipFile(wheel).namelist())
need = {"backend/migrations/env.py", "backend/migrations/script.py.mako"}
need |= {
    f"backend/migrations/versions/{p.name}"
    for p in (root / "backend/migrations/versions").glob("*.py")
}
missing = sorted(need - names)
for name in sorted(n for n in names if n.startswith("backend/migrations/")):
    print("  in wheel:", name)
if missing:
    sys.exit(f"migrations missing from the wheel: {missing}")
print(f"wheel has all {len(need)} migration files")
PY
"$venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check "$wheel"
"$venv/bin/pip" uninstall --quiet --yes setuptools

step "gettext catalogs"
(
    cd "$ctx"
    mkdir -p locales
    if [ -n "$(find locales -path '*/LC_MESSAGES/messages.po' -print -quit)" ]; then
        "$venv/bin/pybabel" compile --directory locales --domain messages --statistics
    else
        echo "No locales/*/LC_MESSAGES/messages.po yet; nothing to compile."
    fi
)
"$venv/bin/ramtid" --help > /dev/null

# --- runtime -------------------------------------------------------------------------------
step "runtime layout"
mkdir -p "$app" "$data"
cp -a "$ctx/locales" "$app/locales"
find "$app/locales" -name '*.mo' -print
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
export RAMTID_DATABASE_URL="sqlite+aiosqlite:///$data/ramtid.db"
export RAMTID_LOCALES_DIR="$app/locales"
unset PYTHONPATH RAMTID_BACKEND_URL 2>/dev/null || true
cd "$app"   # not the source tree: no ./backend, no ./.env to fall back on

"$venv/bin/python" - "$venv" <<'PY'
import gettext
import os
import sys
from pathlib import Path

import backend
import backend.config as config
import backend.db as db

venv = Path(sys.argv[1]).resolve()
where = Path(backend.__file__).resolve()
print("backend imported from", where)
if venv not in where.parents:
    sys.exit("backend was not imported from the venv")
print("migrations dir:", db.MIGRATIONS_DIR, "exists:", db.MIGRATIONS_DIR.is_dir())
print("config.LOCALES_DIR:", config.LOCALES_DIR, "exists:", config.LOCALES_DIR.is_dir())
settings = config.Settings()
locales_dir = getattr(settings, "locales_dir", None)
print("Settings.locales_dir:", locales_dir if locales_dir else "<no such setting yet>")
if locales_dir is not None and Path(locales_dir).resolve() != Path(os.environ["RAMTID_LOCALES_DIR"]).resolve():
    sys.exit("Settings.locales_dir does not follow RAMTID_LOCALES_DIR")

catalogs = Path(os.environ["RAMTID_LOCALES_DIR"])
for mo in sorted(catalogs.glob("*/LC_MESSAGES/messages.mo")):
    lang = mo.parent.parent.name
    gettext.translation("messages", catalogs, [lang])  # raises if unreadable
    print(f"catalog {lang}: loads")
PY

as_user=()
if [[ "$(id -u)" == 0 ]] && command -v setpriv > /dev/null; then
    # Run the server as uid $run_uid like the image does, but only if that uid gets the very
    # interpreter we installed for (a venv whose base Python lives under a private home, e.g.
    # pyenv in /root, resolves to another Python or none for other users).
    setpriv_run=(setpriv --reuid="$run_uid" --regid="$run_uid" --clear-groups)
    probe='import sys, backend.main; print(sys.version, sys.base_prefix)'
    ours="$("$venv/bin/python" -c "$probe")"
    theirs="$("${setpriv_run[@]}" "$venv/bin/python" -c "$probe" 2>&1)" || true
    if [[ "$theirs" == "$ours" ]]; then
        as_user=("${setpriv_run[@]}")
        chown "$run_uid:$run_uid" "$data"
        chmod 0750 "$data"
    else
        echo "note: uid $run_uid does not get our interpreter ($ours) but: ${theirs##*$'\n'}"
        echo "note: running the server as $(id -un); a system-wide python3.11 in PYTHON=... would let uid $run_uid run it"
    fi
fi
echo "server runs as: $([[ ${#as_user[@]} -gt 0 ]] && echo "uid $run_uid" || id -un)"

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

step "ramtid serve on 127.0.0.1:$port"
"${as_user[@]}" "$venv/bin/ramtid" serve --host 127.0.0.1 --port "$port" > "$work/server.log" 2>&1 &
server_pid=$!
echo "pid $server_pid"

# The Dockerfile's HEALTHCHECK command, pointed at our port.
mapfile -t healthcheck < <("$venv/bin/python" - "$root/Dockerfile" "$port" <<'PY'
import json
import sys

text = open(sys.argv[1]).read().replace("\\\n", " ")
line = next(line for line in text.splitlines() if line.startswith("HEALTHCHECK"))
argv = json.loads(line.split(" CMD ", 1)[1])
for arg in argv:
    print(arg.replace("127.0.0.1:8000", f"127.0.0.1:{sys.argv[2]}"))
PY
)
echo "healthcheck: ${healthcheck[*]}"
healthcheck[0]="$venv/bin/${healthcheck[0]}"

healthy=0
for _ in $(seq 1 90); do
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited early"
    if "${healthcheck[@]}" 2> /dev/null; then
        healthy=1
        break
    fi
    sleep 1
done
[[ $healthy == 1 ]] || fail "HEALTHCHECK did not pass within 90 s"
echo "HEALTHCHECK passed"

step "HTTP"
"$venv/bin/python" - "http://127.0.0.1:$port" <<'PY'
import json
import sys
import urllib.request

base = sys.argv[1]


def get(path: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


status, ctype, body = get("/health")
print(f"GET /health -> {status} {ctype} {body.decode()}")
assert status == 200 and json.loads(body) == {"status": "ok"}, body

status, ctype, body = get("/docs")
print(f"GET /docs -> {status} {ctype} {len(body)} bytes")
assert status == 200 and b"swagger" in body.lower(), body[:200]

status, ctype, body = get("/openapi.json")
spec = json.loads(body)
print(f"GET /openapi.json -> {status} {spec['info']['title']} {spec['info']['version']},"
      f" {len(spec['paths'])} paths")
assert status == 200 and "/health" in spec["paths"]

# The web pages come from the wheel's package data: templates, the stylesheet, htmx.
status, ctype, body = get("/web/signin")
print(f"GET /web/signin -> {status} {ctype} {len(body)} bytes")
assert status == 200 and b"/web/static/htmx.min.js" in body, body[:200]
for asset in ("/web/static/app.css", "/web/static/htmx.min.js", "/web/static/app.js"):
    status, ctype, body = get(asset)
    print(f"GET {asset} -> {status} {ctype} {len(body)} bytes")
    assert status == 200 and body, asset
PY

step "database"
"$venv/bin/python" - "$data/ramtid.db" <<'PY'
import os
import sqlite3
import sys

from alembic.script import ScriptDirectory

from backend.db import alembic_config

head = ScriptDirectory.from_config(alembic_config(os.environ["RAMTID_DATABASE_URL"])).get_current_head()
db = sqlite3.connect(sys.argv[1])
(version,) = db.execute("select version_num from alembic_version").fetchone()
tables = [r[0] for r in db.execute("select name from sqlite_master where type = 'table' order by 1")]
print(f"{sys.argv[1]}: alembic_version={version} (head {head}), {len(tables)} tables:", ", ".join(tables))
assert version == head, (version, head)
PY

step "stop"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
echo "server exited with status $status"
echo "--- server log ---"
cat "$work/server.log"
# uvicorn shuts down gracefully, then re-raises the SIGTERM it caught: 143 = 128 + SIGTERM.
# (As PID 1 in a container the re-raised signal is ignored and the exit status is 0.)
[[ $status == 0 || $status == 143 ]] || fail "the server did not shut down cleanly"
if grep -q Traceback "$work/server.log"; then fail "traceback in the server log"; fi
# The lifespan disposed of the engine: the last SQLite connection closed, checkpointing and
# removing the write-ahead log.
[[ ! -e "$data/ramtid.db-wal" ]] || fail "ramtid.db-wal left behind: the engine was not disposed"
echo "shutdown was graceful (engine disposed, WAL checkpointed)"

"${as_user[@]}" "$venv/bin/ramtid" migrate

step "OK: the installed wheel serves the API from $app with migrations applied"
