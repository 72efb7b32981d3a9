"""The public facade: exported names, what `import bearerkit` does not import, lazy loading."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import types
from pathlib import Path

import bearerkit as bk

EXPECTED = {
    "ApiError", "AuthError", "BearerkitError", "Cassette", "CassetteError", "Client", "ClientCredentials",
    "InsecureTransportError", "use_cassette",
    "NetworkError", "NotFoundError", "PagingError", "RateLimitError", "RecordPathError", "ResponseFormatError",
    "ServerError", "Token", "TokenError", "__version__", "load_token", "paging", "sandbox", "scan", "tmdb", "widgets",
}  # fmt: skip
INIT = Path(bk.__file__)


def run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_all_is_the_public_api() -> None:
    # New names may join (the test below checks they are wired); none of these may leave.
    assert set(bk.__all__) >= EXPECTED
    assert bk.__all__ == sorted(bk.__all__)
    for name in bk.__all__:
        assert getattr(bk, name) is not None


def test_every_lazy_name_is_the_object_its_module_defines() -> None:
    for name, module_name in bk._LAZY.items():
        module = importlib.import_module(module_name, "bearerkit")
        value = getattr(bk, name)
        if module_name == f".{name}":  # a subpackage: bk.tmdb is bearerkit.tmdb
            assert value is module and isinstance(value, types.ModuleType), name
        else:  # a class or function, never a module by accident (bk.scan)
            assert value is getattr(module, name), name
            assert not isinstance(value, types.ModuleType), name


def test_the_lazy_table_the_type_checking_block_and_all_agree() -> None:
    # Adding a public name takes three edits; this catches the one forgotten.
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    typed: set[str] = set()
    eager: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                for alias in imp.names:
                    assert alias.asname == alias.name, f"use `import {alias.name} as {alias.name}`"
                    typed.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module in ("_version", "errors"):
            eager |= {alias.asname or alias.name for alias in node.names}
    assert typed == set(bk._LAZY)
    assert set(bk.__all__) == set(bk._LAZY) | eager


def test_unknown_names_raise_attribute_error() -> None:
    try:
        bk.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:
        raise AssertionError("bk.no_such_name did not raise")
    assert set(bk.__all__) <= set(dir(bk))


def test_error_tree() -> None:
    for cls in (
        bk.TokenError,
        bk.InsecureTransportError,
        bk.NetworkError,
        bk.ResponseFormatError,
        bk.PagingError,
        bk.CassetteError,
        bk.ApiError,
    ):
        assert issubclass(cls, bk.BearerkitError)
    for cls in (bk.AuthError, bk.NotFoundError, bk.RateLimitError, bk.ServerError):
        assert issubclass(cls, bk.ApiError)
        assert cls.__doc__ and "Raised" in cls.__doc__


def test_import_is_light() -> None:
    # Not even pandas or requests: `bearerkit scan` in a pre-commit hook needs neither.
    code = (
        "import sys, bearerkit\n"
        "heavy = [m for m in ('pandas', 'requests', 'dotenv', 'ipywidgets', 'matplotlib', 'tqdm',"
        " 'IPython', 'requests_cache', 'vcr', 'bearerkit.client', 'bearerkit.paging',"
        " 'bearerkit.ratelimit', 'bearerkit.scan', 'bearerkit.cassette', 'bearerkit.oauth',"
        " 'bearerkit.sandbox', 'bearerkit.tmdb', 'bearerkit.widgets') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    assert run(code) == ""


def test_the_client_loads_nothing_it_does_not_need() -> None:
    # What every notebook pays before its first request (bench/imports.py times it).
    code = (
        "import sys, bearerkit as bk\n"
        "bk.Client\n"
        "heavy = [m for m in ('dotenv', 'tqdm', 'vcr', 'yaml', 'requests_cache', 'IPython',"
        " 'ipywidgets', 'bearerkit.scan', 'bearerkit.oauth', 'bearerkit.sandbox',"
        " 'bearerkit.tmdb', 'bearerkit.widgets') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    assert run(code) == ""


def test_lazy_attributes_load_on_first_use() -> None:
    code = (
        "import sys, bearerkit as bk\n"
        "before = 'bearerkit.tmdb' in sys.modules\n"
        "bk.tmdb\n"
        "print(before, 'bearerkit.tmdb' in sys.modules, 'bearerkit.widgets' in sys.modules)\n"
    )
    assert run(code).split() == ["False", "True", "False"]


def test_from_import_of_a_lazy_name_works() -> None:
    assert run(
        "from bearerkit import Client, scan, tmdb\nprint(Client.__name__, callable(scan))"
    ) == ("Client True")


def test_bk_scan_is_the_function_whichever_loads_first() -> None:
    for first in ("import bearerkit.scan", "from bearerkit.scan import cli", "bk.scan"):
        code = (
            "import bearerkit as bk\n"
            f"{first}\n"
            "import bearerkit.scan.files\n"
            "print(isinstance(bk.scan, type(bk)), callable(bk.scan), bk.scan.__module__)\n"
        )
        assert run(code).split() == ["False", "True", "bearerkit.scan.api"], first
    assert isinstance(sys.modules["bearerkit.scan"], types.ModuleType)


def test_widgets_without_ipywidgets_name_the_extra() -> None:
    # A plain `pip install bearerkit` has no ipywidgets; None in sys.modules hides it here.
    code = (
        "import sys\n"
        "sys.modules['ipywidgets'] = None\n"
        "import bearerkit as bk\n"
        "import pydoc\n"
        "pydoc.render_doc(bk)  # help(bearerkit) still works\n"
        "try:\n"
        "    bk.widgets.ApiExplorer\n"
        "except bk.BearerkitError as err:\n"
        "    print(err)\n"
        "try:\n"
        "    from bearerkit.widgets import TokenBox\n"
        "except bk.BearerkitError as err:\n"
        "    print(err)\n"
    )
    said = run(code).splitlines()
    assert len(said) == 2
    assert said[0].startswith("bearerkit.widgets.ApiExplorer needs ipywidgets")
    assert said[1].startswith("bearerkit.widgets.TokenBox needs ipywidgets")
    assert all('pip install "bearerkit[notebook]"' in line for line in said)
