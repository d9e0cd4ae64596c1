"""The package's import graph: no cycles (counting imports inside functions too), and the layers.

The graph is read from the source with :mod:`ast`, so a lazy import (inside a function) counts as
much as one at the top of a module: a cycle through a lazy import is a cycle all the same.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qualcode"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _targets(module: str, path: Path, node, modules) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = module.split(".")
            if path.name != "__init__.py":
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in modules else prefix
                 for a in node.names]
    out = []
    for name in names:
        while name and name not in modules:  # "qualcode.refi.read_qdpx" -> "qualcode.refi"
            name = name.rpartition(".")[0]
        if name and name != module:
            out.append(name)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the qualcode modules it imports anywhere in its source."""
    modules = _modules()
    graph = {m: set() for m in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[module].update(_targets(module, path, node, modules))
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles_in_the_package():
    graph = import_graph()
    assert len(graph) > 40 and "qualcode.codings" in graph["qualcode.matrix"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("module,forbidden", [
    ("qualcode.codebook", "qualcode.refi"),
    ("qualcode.codings", "qualcode.refi"),
    ("qualcode.corpus", "qualcode.readers.plain"),
    ("qualcode.coders.persist", "qualcode.coders.classifier"),
])
def test_layers(module, forbidden):
    graph = import_graph()
    reached = {t for t in graph[module] if t == forbidden or t.startswith(forbidden + ".")}
    assert not reached, f"{module} imports {sorted(reached)}"


def test_the_library_never_imports_click_or_the_web_layer():
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("cli", "web", "__main__.py"):  # the shells over the library
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            else:
                continue
            for name in names:
                assert not name.split(".")[0] == "click", f"{rel} imports click"
                assert ".web" not in name and "cli" not in name.split("."), f"{rel} imports {name}"


#: The files whose function-level imports are not yet sorted into lazy-with-a-reason or top-level;
#: empty this set once they are.
UNSWEPT: set[str] = set()  # every module is swept


def function_level_imports_without_reason(source: str) -> list[int]:
    """Line numbers of the imports inside a function that carry no ``# lazy: <why>`` comment.

    An import stays inside a function only to defer a heavy or optional dependency (scikit-learn,
    spaCy, ...) or to keep a module off the command line's start-up path, and says so."""
    lines = source.splitlines()
    out = []

    def walk(node, inside):
        for child in ast.iter_child_nodes(node):
            if inside and isinstance(child, (ast.Import, ast.ImportFrom)):
                span = range(child.lineno, (child.end_lineno or child.lineno) + 1)
                if not any("# lazy:" in lines[i - 1] for i in span):
                    out.append(child.lineno)
            walk(child, inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    walk(ast.parse(source), False)
    return out


def test_the_lazy_import_check_finds_an_import_without_a_reason():
    source = ("import os\n\ndef f():\n    import json\n    import sklearn  # lazy: scikit-learn\n"
              "    class A:\n        def g(self):\n            from x import (y,\n  z)\n")
    assert function_level_imports_without_reason(source) == [4, 8]


def test_every_function_level_import_says_why_it_is_lazy():
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in UNSWEPT:
            continue
        missing += [f"{rel}:{n}" for n in function_level_imports_without_reason(path.read_text(encoding="utf-8"))]
    assert not missing, "move to the top, or add '# lazy: <what it defers>': " + ", ".join(missing)


#: What ``qualcode --help`` must not load: the heavy libraries and the package's modules that pull
#: them (or are only needed by a command when it runs). The lazy imports above exist for this.
NOT_AT_START_UP = ("sklearn", "spacy", "torch", "sentence_transformers", "scipy", "openpyxl", "docx",
                   "pypdf", "lxml", "jinja2", "starlette", "uvicorn", "qualcode.refi",
                   "qualcode.coders", "qualcode.web", "qualcode.study", "qualcode.exports",
                   "qualcode.methods", "qualcode.project_codebook", "qualcode.project_io")


def test_the_command_line_starts_without_the_heavy_modules():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", "import sys, qualcode.cli; print(*sys.modules)"],
                         capture_output=True, text=True, env=env, check=True).stdout.split()
    assert "qualcode.cli.commands_coding" in out and "pandas" in out
    loaded = sorted(m for m in out if m in NOT_AT_START_UP or m.startswith(tuple(f"{n}." for n in NOT_AT_START_UP)))
    assert not loaded, f"'import qualcode.cli' loads {loaded}"
