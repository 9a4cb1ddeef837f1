"""The resource pool's domain event (core.events): a workspace's systems hear when it
publishes a version to the pool. Public data only: the resource is public once published."""

from __future__ import annotations

from londonhub.platform.core.events import emit, register_event_type, timestamp
from londonhub.platform.core.tenancy import Workspace

from .models import Resource, ResourceVersion


def register() -> None:
    register_event_type(
        "resource.published",
        "A version of one of the workspace's resources is published in the London pool.",
        {
            "resource_id": "the resource's id (its page is /resources/<id>)",
            "version": "the number of the version published",
            "title": "its title",
            "resource_type": "its type (for example policy-template)",
            "topics": "its topics",
            "change_note": "what changed, in the publisher's words",
            "published_at": "when it was published",
        },
    )


def published(owner: Workspace, resource: Resource, version: ResourceVersion) -> None:
    emit(
        owner,
        "resource.published",
        {
            "resource_id": resource.id,
            "version": version.number,
            "title": version.title,
            "resource_type": version.resource_type,
            "topics": version.topic_list,
            "change_note": version.change_note,
            "published_at": timestamp(version.published_at),
        },
    )
