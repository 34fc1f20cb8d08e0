"""The contract between bot and backend imports nothing but pydantic and the standard library,
so that either side (and a worker that only talks HTTP) can use it without the other."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from backend.config import PROJECT_ROOT

ALLOWED = {"pydantic", "pydantic_core", "contract", "__future__"}


def test_the_contract_imports_only_pydantic_and_the_standard_library() -> None:
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / "contract").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in ALLOWED and top not in sys.stdlib_module_names:
                    found.setdefault(Path(path).name, set()).add(top)
    assert found == {}
