"""The layout by concern (docs/decisions/0008-layout-by-concern.md): the
public site has no models and the domain never imports it; production code
never imports the development tools."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _imported_top_packages(package: str) -> dict[str, set[str]]:
    """{file: top-level packages it imports} for every module of ``package``."""
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        tops = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                tops |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops.add(node.module.partition(".")[0])
        found[str(path.relative_to(ROOT))] = tops
    return found


def test_the_public_app_has_no_models():
    assert list(apps.get_app_config("public").get_models()) == []


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("articles", {"public", "devtools"}),
        ("pagecache", {"public", "devtools"}),
        ("public", {"devtools"}),
        ("healthsite", {"devtools"}),
    ],
)
def test_a_package_never_imports_what_depends_on_it(package: str, forbidden: set[str]):
    imports = _imported_top_packages(package)
    assert imports, package  # the enumeration finds the modules
    assert {path: tops & forbidden for path, tops in imports.items() if tops & forbidden} == {}
