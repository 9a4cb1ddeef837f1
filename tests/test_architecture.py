"""The import rules in pyproject.toml (`lint-imports`, run by `make lint`) hold on the real tree
and catch a backwards import, checked on a copy of the package so the real one is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # The copy comes first on the path, ahead of the installed (editable) package.
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package's Python files and the contracts."""
    shutil.copytree(
        ROOT / "londonhub",
        tmp_path / "londonhub",
        ignore=lambda _dir, names: [
            n for n in names if not n.endswith(".py") and "." in n or n == "__pycache__"
        ],
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_real_tree_keeps_every_import_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_copy_is_what_gets_checked(tree: Path) -> None:
    result = _lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_importing_billing_breaks_the_layers(tree: Path) -> None:
    _append(tree / "londonhub/platform/core/money.py", "import londonhub.billing.models")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "londonhub.platform.core is not allowed to import londonhub.billing" in result.stdout


def test_billing_importing_a_feature_breaks_the_layers(tree: Path) -> None:
    _append(tree / "londonhub/billing/jobs.py", "import londonhub.tenants.rooms.models")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "londonhub.billing is not allowed to import londonhub.tenants" in result.stdout


def test_a_feature_reaching_past_another_features_services_breaks_independence(
    tree: Path,
) -> None:
    # Through services is allowed (the hub already imports tenants.workspace.services) ...
    _append(tree / "londonhub/tenants/rooms/seed.py", "import londonhub.tenants.workspace.services")
    assert _lint_imports(tree).returncode == 0
    # ... its models are not.
    _append(tree / "londonhub/tenants/rooms/seed.py", "import londonhub.tenants.workspace.models")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert (
        "londonhub.tenants.rooms is not allowed to import londonhub.tenants.workspace"
        in result.stdout
    )


def test_a_new_platform_package_must_be_declared_in_a_layer(tree: Path) -> None:
    package = tree / "londonhub/platform/newthing"
    package.mkdir()
    (package / "__init__.py").write_text("")
    result = _lint_imports(tree)
    assert result.returncode == 1
    assert "newthing" in result.stdout
