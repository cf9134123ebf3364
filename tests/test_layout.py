"""The tree shows the architecture: one subpackage per stage of the data's journey, imports that
run one way (pages → ui → metrics/outputs/history → ingest → model), small modules, and only the
UI layer importing Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "recruit_dash"
SHARED = {"model", "periods", "errors", "clock", "formats"}  # the shared nouns, used by everything
# What each room may import, besides itself and the shared nouns.
ALLOWED = {
    "ingest": set(),
    "metrics": set(),
    "outputs": {"metrics"},
    "history": {"ingest", "metrics"},
    "people": {"ingest", "metrics"},
    "ui": {"ingest", "metrics", "outputs", "history", "people"},
    "cli": {"ingest", "metrics", "outputs", "history", "people"},
    "__main__": {"cli"},
}
MODULES = sorted(path for path in PACKAGE.rglob("*.py"))


def room(path: Path) -> str:
    """Return the subpackage (or top-level module) a file belongs to."""
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def imports(path: Path) -> set[str]:
    """Return the modules a file imports (recruit_dash's as dotted paths below the package)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "recruit_dash":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("recruit_dash."):
                found.add(node.module.removeprefix("recruit_dash."))
            else:
                found.add("external:" + node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                found.add(name.removeprefix("recruit_dash.") if name.startswith("recruit_dash.")
                          else "external:" + name.split(".")[0])
    return found


def test_the_tree_has_one_subpackage_per_stage_each_saying_what_it_holds():
    for name in ("ingest", "metrics", "history", "outputs", "ui"):
        init = PACKAGE / name / "__init__.py"
        assert init.is_file(), name
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), name
    for name in SHARED:
        assert (PACKAGE / f"{name}.py").is_file(), name


def test_tests_mirror_the_package():
    for name in ("ingest", "metrics", "history", "outputs", "ui"):
        assert list((ROOT / "tests" / name).glob("test_*.py")), name


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_run_one_way(path):
    here = room(path)
    for target in imports(path):
        if target.startswith("external:"):
            continue
        there = target.split(".")[0]
        assert there in SHARED or there == here or there in ALLOWED.get(here, set()), (
            f"{path.relative_to(ROOT)} ({here}) imports {target}")


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_only_the_ui_layer_imports_streamlit(path):
    if room(path) != "ui":
        assert "external:streamlit" not in imports(path), path


def test_no_module_is_over_500_lines_and_no_page_over_200():
    long = {str(path.relative_to(ROOT)): count for path in MODULES
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > 500}
    assert not long
    pages = {path.name: count for path in (ROOT / "pages").glob("*.py")
             if (count := len(path.read_text(encoding="utf-8").splitlines())) > 200}
    assert not pages


def test_no_grab_bag_modules():
    names = {path.stem for path in MODULES}
    assert not names & {"utils", "helpers", "common", "misc"}
