"""The package's layout: imports run only down the pipeline, and no module circles back.

Stages, lowest first: errors and settings; text; search; answer; app; review;
evaluation; surfaces. A module may import from its own stage and the ones below
it, never from one above. Every import counts, the ones inside functions too.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"

#: Each stage's rank: a module may import only what ranks at or below its own.
RANKS = {
    "assistant": 0,  # the package itself (__version__)
    "errors": 0,
    "settings": 0,
    "text": 1,
    "search": 2,
    "answer": 3,
    "app": 4,
    "review": 5,
    "evaluation": 6,
    "surfaces": 7,
    "__main__": 8,
}


def module_name(path: Path, root: Path) -> str:
    """``assistant.search.store`` for ``<root>/search/store.py``."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def stage(module: str) -> str:
    """The stage a dotted module name belongs to: its first part below the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imports(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import of the package's own modules in a file."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != root.name:
                continue
            if node.module is None or target == root.name:  # from . import x, y
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.split(".")[0] == root.name]
    return found


def upward_imports(root: Path) -> list[str]:
    """Every import in the package at ``root`` that reaches a stage above the importer's."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        importer = module_name(path, root)
        own = RANKS[stage(importer)]
        for line, target in imports(path, root):
            # ``from .. import __version__`` names a value of the package, not a module.
            if target == f"{root.name}.__version__":
                continue
            if RANKS[stage(target)] > own:
                bad.append(f"{path.relative_to(root.parent)}:{line} ({stage(importer)}) "
                           f"imports {target} ({stage(target)})")
    return bad


def import_cycles(root: Path) -> list[list[str]]:
    """Circles among the package's modules (each found once, from its smallest name)."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    graph = {m: sorted({t for _, t in imports(p, root) if t in modules and t != m})
             for m, p in modules.items()}
    cycles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        for nxt in graph[node]:
            if nxt == path[0]:
                cycles.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return cycles


def test_every_module_belongs_to_a_stage() -> None:
    unknown = {stage(module_name(p, PACKAGE)) for p in PACKAGE.rglob("*.py")} - set(RANKS)
    assert not unknown, f"modules outside any stage: {sorted(unknown)}; add them to RANKS"


def test_imports_run_only_down_the_pipeline() -> None:
    assert upward_imports(PACKAGE) == []


def test_no_import_circle() -> None:
    assert import_cycles(PACKAGE) == []


@pytest.mark.parametrize(("where", "line"), [
    pytest.param("text/planted.py", "from ..app import Assistant\n", id="text-imports-app"),
    pytest.param("search/planted.py", "def f():\n    from ..answer import values\n",
                 id="lazy-search-imports-answer"),
    pytest.param("answer/planted.py", "from ..review.check import Checker\n",
                 id="answer-imports-review"),
    pytest.param("app_planted.py", "import assistant.surfaces.web\n", id="absolute-import"),
])
def test_a_planted_upward_import_is_caught(tmp_path: Path, where: str, line: str) -> None:
    root = tmp_path / "assistant"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__", "data"))
    RANKS.setdefault("app_planted", RANKS["app"])
    try:
        (root / where).write_text(line, encoding="utf-8")
        found = upward_imports(root)
    finally:
        RANKS.pop("app_planted")
    assert len(found) == 1
    assert found[0].startswith(f"assistant/{where}:")


def test_a_planted_circle_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "assistant"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__", "data"))
    corpus = root / "text" / "corpus.py"
    corpus.write_text(corpus.read_text(encoding="utf-8") + "\nfrom . import library\n",
                      encoding="utf-8")
    assert ["assistant.text.corpus", "assistant.text.library", "assistant.text.corpus"] in (
        import_cycles(root))
