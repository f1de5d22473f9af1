"""The Python packages import one way (docs/architecture.md), read from the source with ``ast``.

exports → ``ingest`` → ``quality`` (the gate) → ``transform`` (dbt) → ``publish`` → ``report``: a
layer may import the layers before it and the neutral bottom (``settings``, ``resources``,
``project_vars``, ``fastpath``), never one after it. The neutral modules import no layer. The entry
points (``cli``, ``build``, ``definitions``, ``summary``, ``progress``) assemble everything and no
layer imports them. Imports inside functions count: a lazy import is still a dependency. Nothing is
imported to find this out, so a broken module cannot hide an edge.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "dagster_project"

LAYERS = ("ingest", "quality", "transform", "publish", "report")  # in the order data flows
NEUTRAL = frozenset({"settings", "resources", "project_vars", "fastpath"})
ENTRY_POINTS = frozenset({"__init__", "cli", "build", "definitions", "summary", "progress", "export_raw"})


def component(module: str) -> str | None:
    """``dagster_project.quality.suites`` → ``quality``; None for a module outside the package."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path, module: str) -> Iterable[tuple[str, int]]:
    """(imported module, line) of every import in the file, at any depth, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:  # `from pkg import sub` may name a submodule: keep both
                yield f"{prefix}.{alias.name}", node.lineno


def dependency_edges(root: Path) -> dict[tuple[str, str], list[str]]:
    """(importing component, imported component) → where (``file:line``), for the package under ``root``."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        relative = path.relative_to(root)
        module = ".".join(relative.with_suffix("").parts)
        if module.endswith(".__init__"):
            module = module[: -len(".__init__")]
        source = component(module)
        for imported, line in imports_of(path, module):
            target = component(imported)
            if target is None or target == source:
                continue
            edges.setdefault((source, target), []).append(f"{relative}:{line}")
    return edges


def cycles(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Every strongly connected group of more than one component (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def direction_violations(edges: dict[tuple[str, str], list[str]]) -> list[str]:
    """Every import against the allowed direction, naming both sides and where it is."""
    problems = []
    for (source, target), where in sorted(edges.items()):
        known = NEUTRAL | ENTRY_POINTS | set(LAYERS)
        unknown = [name for name in (source, target) if name not in known]
        if unknown:
            problems.append(
                f"{', '.join(unknown)} ({where[0]}) is in no layer: add it to LAYERS, NEUTRAL or ENTRY_POINTS "
                "in tests/test_import_layers.py and to docs/architecture.md"
            )
            continue
        if source in ENTRY_POINTS:
            continue
        if target in ENTRY_POINTS:
            allowed = False
        elif source in NEUTRAL:
            allowed = target in NEUTRAL
        else:
            allowed = target in NEUTRAL or LAYERS.index(target) < LAYERS.index(source)
        if not allowed:
            problems.append(f"{source} imports {target} ({', '.join(where)}): the layers import one way, {LAYERS}")
    return problems


def test_no_import_cycle_between_the_packages():
    edges = dependency_edges(REPO_ROOT)
    assert ("quality", "ingest") in edges and ("report", "publish") in edges  # the walk sees real imports
    assert cycles(edges) == []


def test_every_import_runs_the_allowed_way():
    assert direction_violations(dependency_edges(REPO_ROOT)) == []


def test_the_generator_is_a_tool_only_the_cli_uses():
    users = sorted(
        {
            str(path.relative_to(REPO_ROOT))
            for path in (REPO_ROOT / PACKAGE).rglob("*.py")
            for imported, _ in imports_of(path, PACKAGE)
            if imported.split(".")[0] == "journey_generator"
        }
    )
    assert users == ["dagster_project/cli.py"]
    generator = dependency_edges_of_generator()
    assert generator == [], f"journey_generator imports the warehouse: {generator}"


def dependency_edges_of_generator() -> list[str]:
    return sorted(
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path in (REPO_ROOT / "journey_generator").rglob("*.py")
        for imported, line in imports_of(path, "journey_generator")
        if imported.split(".")[0] == PACKAGE
    )


def _write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checks_fail_on_a_cycle_and_on_a_backward_import(tmp_path):
    """A synthetic package with the two faults this project had: ingest ↔ quality (through a lazy
    import) and publish ↔ report (through a relative import), plus a neutral module reaching up."""
    for name in ("", "ingest/", "quality/", "publish/", "report/", "transform/"):
        _write(tmp_path, f"{PACKAGE}/{name}__init__.py")
    _write(tmp_path, f"{PACKAGE}/settings.py", "from dagster_project.transform import project\n")
    _write(tmp_path, f"{PACKAGE}/transform/project.py")
    _write(tmp_path, f"{PACKAGE}/ingest/loader.py", "def rule():\n    from dagster_project.quality.config import x\n")
    _write(tmp_path, f"{PACKAGE}/quality/config.py", "from dagster_project.ingest import loader\n")
    _write(tmp_path, f"{PACKAGE}/publish/assets.py", "from ..report import cli\n")
    _write(
        tmp_path,
        f"{PACKAGE}/report/cli.py",
        "import dagster_project.publish.assets\nfrom dagster_project import build\n",
    )
    _write(tmp_path, f"{PACKAGE}/build.py", "from dagster_project.publish import assets\n")
    edges = dependency_edges(tmp_path)
    assert cycles(edges) == [["build", "publish", "report"], ["ingest", "quality"]]
    problems = direction_violations(edges)
    assert problems == [
        f"ingest imports quality ({PACKAGE}/ingest/loader.py:2): the layers import one way, {LAYERS}",
        f"publish imports report ({PACKAGE}/publish/assets.py:1): the layers import one way, {LAYERS}",
        f"report imports build ({PACKAGE}/report/cli.py:2): the layers import one way, {LAYERS}",
        f"settings imports transform ({PACKAGE}/settings.py:1): the layers import one way, {LAYERS}",
    ]
    _write(tmp_path, f"{PACKAGE}/extras/thing.py", "from dagster_project import settings\n")
    unplaced = [problem for problem in direction_violations(dependency_edges(tmp_path)) if "no layer" in problem]
    assert unplaced == [
        f"extras ({PACKAGE}/extras/thing.py:1) is in no layer: add it to LAYERS, NEUTRAL or ENTRY_POINTS "
        "in tests/test_import_layers.py and to docs/architecture.md"
    ]


@pytest.mark.slow
def test_importing_the_code_location_leaves_the_environment_alone():
    """``settings.use_paths`` pins paths where a build or the CLI starts, never on import."""
    script = (
        "import os, json\n"
        "before = dict(os.environ)\n"
        "import dagster_project.definitions\n"
        "changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))\n"
        "print(json.dumps(changed))\n"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JOURNEY_", "GX_", "DBT_", "DAGSTER_IS_DEV")) and key != "DO_NOT_TRACK"
    }
    environment["PYTHONPATH"] = str(REPO_ROOT)
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    changed = json.loads(done.stdout.strip().splitlines()[-1])
    ours = [
        name for name in changed if name.startswith(("JOURNEY_", "GX_", "DBT_")) or name in ("PATH", "DO_NOT_TRACK")
    ]
    assert ours == [], f"importing the definitions changed {changed}"
