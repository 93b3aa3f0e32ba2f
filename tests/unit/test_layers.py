"""The layers of wp_seo_bridge, as README's "How it works" draws them, read from the code's imports (ast):

    commands  cli, __main__                    the CLI: builds and runs what is below
    daemon    daemon/, wiring                  schedules passes; builds gateways and the engine from the config
    story     pipeline, claims, batch          one draft's story and a pass over a site, in either Mistral mode
    stages    select extract relate rewrite check render push      never import each other
    gateways  gateways/                        all the I/O: WordPress (XML-RPC, REST) and Mistral
    markup    markup/                          text and HTML primitives the stages share (word count, Yoast's
                                               text view, the sanitiser, the article's tokens)
    floor     model, config, __init__          the nouns of the journey, the settings, the version

A module imports only its own layer or the ones below it. Beside the tower: standin/ (the OFFLINE Mistral
stand-in, an HTTP server for tests and the demo) and plugin/ (the WordPress plugin's files): only the CLI
imports them. The few crossings that stay are listed below, each with its reason.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "wp_seo_bridge"

LAYERS = {
    "floor": {"__init__", "model", "config"},
    "markup": {"markup"},
    "gateways": {"gateways"},
    "stages": {"select", "extract", "relate", "rewrite", "check", "render", "push"},
    "story": {"pipeline", "claims", "batch"},
    "daemon": {"daemon", "wiring"},
    "commands": {"cli", "__main__"},
}
ORDER = list(LAYERS)
LAYER_OF = {name: layer for layer, names in LAYERS.items() for name in names}
BESIDE = {"standin", "plugin"}
STAGES = LAYERS["stages"]

#: A stage that imports a gateway names only the contract of the one call it makes, never the transport.
STAGE_USES_GATEWAY = {
    ("rewrite", "gateways.mistral"): "the call's errors and answer parser; the call itself goes through the "
                                     "gateway the pipeline hands it (the rewrite.Gateway protocol)",
    ("push", "gateways.wordpress.base"): "PostUpdate, the guarded edit push builds; the pipeline sends it",
}
#: What may import a module beside the tower.
USES_BESIDE = {
    ("cli", "standin"): "`wp-seo-bridge standin` serves the offline stand-in",
    ("cli", "plugin"): "`wp-seo-bridge plugin --zip` packs the plugin",
    ("standin", "relate"): "the stand-in places offered internal links in its answers as a model would",
    ("standin", "model"): "the nouns",
}
#: Libraries that talk to the network, the disk's databases or other processes.
IO_LIBRARIES = {"requests", "urllib3", "httpx", "mistralai", "wordpress_xmlrpc", "xmlrpc", "socket", "socketserver",
                "ssl", "http", "urllib.request", "sqlite3", "subprocess", "fcntl"}
#: Who may use them besides gateways/.
IO_ALLOWED = {
    "daemon": "the job log (SQLite), /metrics and /healthz (http.server), the one-daemon lock (fcntl)",
    "wiring": "the host name in the daemon's id (socket)",
    "standin": "an HTTP server of its own (tests and the demo)",
}
#: Modules whose functions import: the CLI's commands load what each runs, so `--help`, `plugin --zip` or
#: `standin` do not import mistralai, pydantic models and the engine. No cycle hides behind them (below).
LATE_IMPORTS_ALLOWED = {"cli", "daemon.commands"}


def modules() -> dict[str, Path]:
    """Dotted names below wp_seo_bridge ("check.rules", "check" for check/__init__.py, "__init__")."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts)
        found[name] = path
    return found


MODULES = modules()


def _package_of(name: str) -> list[str]:
    path = MODULES[name]
    parts = name.split(".") if path.name == "__init__.py" and name != "__init__" else name.split(".")[:-1]
    return parts


def _resolve(base: list[str], dotted: str) -> str:
    """The module a dotted name under wp_seo_bridge stands for (a name imported from a package, when it is
    no submodule, is the package's)."""
    parts = [*base, *filter(None, dotted.split("."))]
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts) or "__init__"


#: How ``imports`` names a module that is not ours: "lib:requests", "lib:http.server".
LIB = "lib:"


def imports(name: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import of a module; ours as dotted names below
    wp_seo_bridge (see ``modules``), libraries as written after ``LIB`` ("lib:requests", "lib:http.server")."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    out: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, late: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    mine = alias.name.startswith("wp_seo_bridge.")
                    out.append((_resolve([], alias.name[14:]) if mine else LIB + alias.name, child.lineno, late))
            elif isinstance(child, ast.ImportFrom):
                if child.level or (child.module or "").split(".")[0] == "wp_seo_bridge":
                    base = _package_of(name)[:len(_package_of(name)) - child.level + 1] if child.level else []
                    module = child.module or ""
                    if not child.level:
                        module = module[len("wp_seo_bridge"):]
                    for alias in child.names:
                        out.append((_resolve(base, f"{module}.{alias.name}"), child.lineno, late))
                else:
                    out.append((LIB + (child.module or ""), child.lineno, late))
            visit(child, late or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(tree, False)
    return out


def ours(imported: str) -> bool:
    return not imported.startswith(LIB)


def top(name: str) -> str:
    return name.split(".")[0]


def test_every_module_has_a_place_in_the_picture():
    unplaced = sorted({top(m) for m in MODULES} - set(LAYER_OF) - BESIDE)
    assert unplaced == [], "give each a layer in LAYERS (and README's picture) or put it in BESIDE"


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for name in MODULES:
        if top(name) in BESIDE:
            continue
        for imported, line, _ in imports(name):
            if ours(imported) and top(imported) not in BESIDE and \
                    ORDER.index(LAYER_OF[top(imported)]) > ORDER.index(LAYER_OF[top(name)]):
                upward.append(f"{name}:{line} ({LAYER_OF[top(name)]}) imports {imported} ({LAYER_OF[top(imported)]})")
    assert upward == []


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_imports_no_other_stage_and_of_the_gateways_only_its_calls_contract(stage):
    crossings = []
    for name in (m for m in MODULES if top(m) == stage):
        for imported, line, _ in imports(name):
            if not ours(imported):
                continue
            if top(imported) in STAGES - {stage}:
                crossings.append(f"{name}:{line} imports the stage {imported}")
            elif top(imported) == "gateways" and (stage, imported) not in STAGE_USES_GATEWAY:
                crossings.append(f"{name}:{line} imports {imported}")
    assert crossings == []


def test_markup_is_the_floor_below_the_stages():
    below = {imported for m in MODULES if top(m) == "markup" for imported, _, _ in imports(m) if ours(imported)}
    assert {top(m) for m in below} <= {"markup", "model"}
    for stage in ("extract", "check", "render"):
        assert any(top(i) == "markup" for m in MODULES if top(m) == stage for i, _, _ in imports(m)), stage


def test_what_stands_beside_the_tower_is_imported_only_where_listed():
    found = set()
    for name in MODULES:
        for imported, _, _ in imports(name):
            if not ours(imported) or top(imported) == top(name):
                continue
            if top(imported) in BESIDE or top(name) in BESIDE:
                found.add((top(name), top(imported)))
    assert found - set(USES_BESIDE) == set()


def test_io_libraries_only_in_the_gateways_and_the_daemons_wiring():
    found = []
    for name in MODULES:
        if top(name) == "gateways" or top(name) in IO_ALLOWED:
            continue
        for imported, line, _ in imports(name):
            library = imported.removeprefix(LIB)
            if not ours(imported) and any(library == lib or library.startswith(lib + ".") for lib in IO_LIBRARIES):
                found.append(f"{name}:{line} imports {imported}")
    assert found == []


def test_no_import_inside_a_function_but_the_clis_commands():
    late = [f"{name}:{line} imports {imported} inside a function" for name in MODULES
            if name not in LATE_IMPORTS_ALLOWED
            for imported, line, inside in imports(name) if inside and ours(imported)]
    assert late == []


def test_no_import_cycle_even_through_the_late_imports():
    graph: dict[str, set[str]] = defaultdict(set)
    for name in MODULES:
        for imported, _, _ in imports(name):
            # A package's __init__ runs before its submodules: a submodule naming its package is no cycle.
            if ours(imported) and imported != name and not name.startswith(imported + "."):
                graph[name].add(imported)
    cycles, state = [], {}

    def walk(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" → ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = "done"

    for name in sorted(MODULES):
        if name not in state:
            walk(name, [name])
    assert cycles == []


def test_an_upward_import_fails_this_test(tmp_path, monkeypatch):
    """The rules see what they must: a stage importing the pipeline, a model importing requests."""
    fake = {**MODULES, "render.bad": tmp_path / "bad.py"}
    (tmp_path / "bad.py").write_text("import requests\n\n\ndef f():\n    from ..pipeline import run_pass\n")
    monkeypatch.setitem(globals(), "MODULES", fake)
    assert imports("render.bad") == [("lib:requests", 1, False), ("pipeline", 5, True)]
    with pytest.raises(AssertionError):
        test_no_module_imports_a_layer_above_its_own()
    with pytest.raises(AssertionError):
        test_io_libraries_only_in_the_gateways_and_the_daemons_wiring()
    with pytest.raises(AssertionError):
        test_no_import_inside_a_function_but_the_clis_commands()
