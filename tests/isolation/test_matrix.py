"""Every route, every role of workspace A, aimed at workspace B: refused, and nothing changes."""

from __future__ import annotations

import time

from londonhub.platform.core.tenancy import TenantScoped

from .matrix import TENANT_OBJECT_FACTORIES, tenant_models, walk


def test_every_tenant_owned_model_has_an_isolation_fixture(app):
    models = tenant_models()
    assert models, "no tenant-owned models found: the matrix would prove nothing"
    missing = [m.__name__ for m in models if m.__name__ not in TENANT_OBJECT_FACTORIES]
    assert missing == [], f"give these models a factory in tests/isolation/matrix.py: {missing}"
    assert all(issubclass(m, TenantScoped) for m in models)


def test_no_route_lets_workspace_a_read_or_change_workspace_b(app, world, snapshot_url):
    started = time.perf_counter()
    result = walk(app, world, snapshot_url)
    elapsed = time.perf_counter() - started
    print(
        f"\ncross-tenant matrix: {result.routes} routes with parameters, {result.cases} "
        f"(route, role, method) cases in {elapsed:.1f}s"
    )
    assert result.unfilled == [], (
        "routes the matrix cannot fill in (add a filler or an exemption in matrix.py): "
        + ", ".join(result.unfilled)
    )
    assert result.cases >= 3 * 2 * 10
    assert result.failures == [], "\n".join(map(str, result.failures))
