"""Migrations are history: they carry the SQL, tables and helpers they need
instead of importing live modules, and the editorial roles are kept in line
with ``articles.roles`` by ``migrate`` itself, not by new migrations."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from articles.roles import ROLES

ROOT = Path(settings.BASE_DIR)
# Packages of this repository (articles, healthsite, and any app added later).
PROJECT_PACKAGES = {p.parent.name for p in ROOT.glob("*/__init__.py")}


def _project_migration_files() -> list[Path]:
    """Every migration module of every app that lives in this repository."""
    files = []
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        inside = (
            folder.is_relative_to(ROOT) and folder.relative_to(ROOT).parts[0] in PROJECT_PACKAGES
        )
        if inside and folder.is_dir():
            files += sorted(p for p in folder.glob("[0-9]*.py"))
    return files


def _forbidden_imports(path: Path) -> list[str]:
    """Imports of project code in one migration file, as ``line: module``.

    Allowed: ``import <app>.models``, the form Django's migration writer uses
    for validators and callables named in field definitions (Django documents
    that such functions must be kept while a migration refers to them)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.ImportFrom):  # relative import: project code
            modules = ["." * node.level + (node.module or "")]
        else:
            continue
        for module in modules:
            top, _, rest = module.partition(".")
            writer_reference = isinstance(node, ast.Import) and rest == "models"
            if module.startswith(".") or (top in PROJECT_PACKAGES and not writer_reference):
                found.append(f"{node.lineno}: {module}")
    return found


def test_every_app_of_the_project_has_its_migrations_checked():
    """The enumeration below really sees the migrations (0001-0009 at least)."""
    names = {p.name for p in _project_migration_files()}
    assert {"0001_initial.py", "0004_search.py", "0008_pg_search_document.py"} <= names


@pytest.mark.parametrize(
    "path", _project_migration_files(), ids=lambda p: f"{p.parent.parent.name}/{p.stem}"
)
def test_migration_does_not_import_live_project_code(path: Path):
    """A historical migration that imports a live module (search SQL, the role
    table, the renderer) would change what it does whenever that module
    changes; it must carry a frozen copy instead. The one exception is listed
    in DERIVED_DATA_IMPORTS with its reason."""
    allowed = DERIVED_DATA_IMPORTS.get(path.stem, set())
    assert [found for found in _forbidden_imports(path) if found not in allowed] == []


# Migrations that rewrite derived data (the live HTML) on purpose with the
# current code: a frozen renderer would write HTML that no approval or page
# would ever produce (docs/decisions/0004-markdown-dialect.md).
DERIVED_DATA_IMPORTS = {
    "0011_rerender_live_versions": {"93: articles.rendering"},
}


def test_the_import_check_catches_live_module_imports(tmp_path: Path):
    """The check itself flags the imports this project's migrations once had."""
    migration = tmp_path / "0099_example.py"
    migration.write_text(
        "import articles.models\n"
        "from articles.search import PG_SEARCH_SETUP\n"
        "from healthsite import settings\n"
        "import articles.roles\n"
        "from . import helpers\n"
        "def forwards(apps, schema_editor):\n"
        "    from articles.rendering import plain_text\n"
    )
    assert _forbidden_imports(migration) == [
        "2: articles.search",
        "3: healthsite",
        "4: articles.roles",
        "5: .",
        "7: articles.rendering",
    ]


def _role_permissions() -> dict[str, set[str]]:
    return {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.filter(name__in=ROLES)
    }


@pytest.mark.django_db
def test_migrate_brings_the_roles_in_line_with_the_role_table():
    """Roles drift (a permission removed by hand, a group deleted, one added
    that the table does not list); the next ``migrate`` repairs it from
    ``articles.roles.ROLES`` without any new migration."""
    editors = Group.objects.get(name="Editors")
    editors.permissions.remove(Permission.objects.get(codename="submit_article"))
    editors.permissions.add(Permission.objects.get(codename="approve_article"))
    Group.objects.filter(name="Clinical reviewers").delete()

    call_command("migrate", verbosity=0, interactive=False)

    assert _role_permissions() == {name: set(codenames) for name, codenames in ROLES.items()}
