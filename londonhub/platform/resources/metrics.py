"""The resource pool's figures in the data dictionary (see core/metrics.py): credited to the
workspace that owns the resource (adoptions: to the workspace that adopted it)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Select, func, select

from londonhub.platform.core.metrics import Metric, Period, register_metric, within

from .models import Resource, ResourceAdoption, ResourceReview, ResourceVersion, ReviewDecision


def _published(period: Period) -> Select:
    return (
        select(Resource.owner_workspace_id, func.count(ResourceVersion.id))
        .select_from(ResourceVersion)
        .join(Resource, Resource.id == ResourceVersion.resource_id)
        .where(ResourceVersion.number == 1, within(ResourceVersion.published_at, period))
        .group_by(Resource.owner_workspace_id)
    )


def _checked(period: Period) -> Select:
    return (
        select(Resource.owner_workspace_id, func.count(ResourceReview.id))
        .select_from(ResourceReview)
        .join(Resource, Resource.id == ResourceReview.resource_id)
        .where(
            ResourceReview.decision == ReviewDecision.APPROVE,
            within(ResourceReview.created_at, period),
        )
        .group_by(Resource.owner_workspace_id)
    )


def _adopted(period: Period) -> Select:
    return (
        select(ResourceAdoption.tenant_id, func.count(ResourceAdoption.id))
        .where(within(ResourceAdoption.created_at, period))
        .group_by(ResourceAdoption.tenant_id)
    )


def _downloads(period: Period) -> Select:
    return (
        select(Resource.owner_workspace_id, func.sum(Resource.download_count))
        .where(Resource.published_number.is_not(None), Resource.created_at < period.end)
        .group_by(Resource.owner_workspace_id)
    )


def register(app: Flask) -> None:
    for metric in (
        Metric(
            "resources.published",
            "Resources published",
            "Resources first published to the shared pool, in the month of their first "
            "published version.",
            "count",
            "resources",
            True,
            _published,
            order=60,
        ),
        Metric(
            "resources.checked",
            "Resources quality-checked",
            "Peer reviews that approved a version of a resource, in the month of the review.",
            "count",
            "resources",
            True,
            _checked,
            order=61,
        ),
        Metric(
            "resources.adopted",
            "Resources adopted",
            "Pool resources a workspace listed on its own page, in the month it did, "
            "credited to that workspace.",
            "count",
            "resources",
            True,
            _adopted,
            order=62,
        ),
        Metric(
            "resources.downloads",
            "Resource downloads",
            "Downloads of published resources' files, as counted so far (the pool keeps a "
            "running count, not the day of each download, so every month shows the count "
            "when it was last computed).",
            "count",
            "resources",
            True,
            _downloads,
            combine="last",
            order=63,
        ),
    ):
        register_metric(app, metric)
