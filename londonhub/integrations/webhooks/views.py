"""A workspace admin's webhooks at /b/<slug>/admin/webhooks. Thin: parse, call, render."""

from __future__ import annotations

from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from londonhub.platform.core.access import require_workspace_role
from londonhub.platform.core.events import EVENT_TYPES
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.core.params import page_arg
from londonhub.platform.core.tenancy import workspace_blueprint

from . import services
from .delivery import MAX_ATTEMPTS, RETRY_DELAYS
from .forms import EndpointForm

bp = workspace_blueprint("webhooks_admin", __name__, "/admin/webhooks", template_folder="templates")
require_workspace_role(bp, Role.ADMIN, "Only the workspace's admins can manage its webhooks.")


def _secret_page(endpoint, secret: str, *, new: bool):
    """The secret, once: never cached, never shown again."""
    response = make_response(
        render_template("webhooks/secret.html", endpoint=endpoint, secret=secret, new=new)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    page = page_arg()
    deliveries, has_next = services.list_deliveries(g.tenant, page=page)
    return render_template(
        "webhooks/index.html",
        endpoints=services.list_endpoints(g.tenant),
        deliveries=deliveries,
        page=page,
        has_next=has_next,
        event_types=EVENT_TYPES,
        retry_delays=RETRY_DELAYS,
        max_attempts=MAX_ATTEMPTS,
    )


@bp.route("/new", methods=["GET", "POST"])
def new_endpoint():
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = services.create_endpoint(
                current_user,
                g.tenant,
                url=form.url.data,
                description=form.description.data or "",
                events=form.events.data,
            )
        except services.WebhookError as exc:
            db.session.rollback()
            getattr(form, exc.field or "url").errors.append(str(exc))
        else:
            db.session.commit()
            return _secret_page(endpoint, secret, new=True)
    status = 400 if request.method == "POST" else 200
    return render_template("webhooks/endpoint_form.html", form=form, endpoint=None), status


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
def endpoint(endpoint_id: int):
    found = services.get_endpoint(g.tenant, endpoint_id)
    form = EndpointForm(obj=found)
    if request.method == "GET":
        form.events.data = found.event_types
    elif form.validate_on_submit():
        try:
            services.update_endpoint(
                current_user,
                g.tenant,
                endpoint_id,
                url=form.url.data,
                description=form.description.data or "",
                events=form.events.data,
                active=form.active.data,
            )
        except services.WebhookError as exc:
            db.session.rollback()
            getattr(form, exc.field or "url").errors.append(str(exc))
        else:
            db.session.commit()
            flash("The endpoint has been saved.", "success")
            return redirect(url_for(".endpoint", endpoint_id=endpoint_id))
    page = page_arg()
    deliveries, has_next = services.list_deliveries(g.tenant, endpoint_id=found.id, page=page)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "webhooks/endpoint_form.html",
        form=form,
        endpoint=found,
        deliveries=deliveries,
        page=page,
        has_next=has_next,
    ), status


@bp.post("/<int:endpoint_id>/rotate")
def rotate(endpoint_id: int):
    endpoint = services.get_endpoint(g.tenant, endpoint_id)
    secret = services.rotate_secret(current_user, g.tenant, endpoint_id)
    db.session.commit()
    return _secret_page(endpoint, secret, new=False)


@bp.route("/<int:endpoint_id>/delete", methods=["GET", "POST"])
def delete(endpoint_id: int):
    """GET asks first, saying what will happen; only the confirmation's POST removes."""
    endpoint = services.get_endpoint(g.tenant, endpoint_id)
    if request.method == "GET":
        return render_template(
            "brand/confirm.html",
            title=f"Remove the endpoint {endpoint.url}?",
            consequences=[
                "No more events will be sent to this address.",
                "Its list of deliveries and their answers will be removed.",
            ],
            action=url_for(".delete", endpoint_id=endpoint_id),
            button="Yes, remove the endpoint",
            back=url_for(".endpoint", endpoint_id=endpoint_id),
        )
    services.delete_endpoint(current_user, g.tenant, endpoint_id)
    db.session.commit()
    flash("The endpoint has been removed.", "success")
    return redirect(url_for(".index"))


@bp.get("/deliveries/<int:delivery_id>")
def delivery(delivery_id: int):
    found = services.get_delivery(g.tenant, delivery_id)
    return render_template(
        "webhooks/delivery.html",
        view=found,
        attempts=services.delivery_attempts(g.tenant, delivery_id),
        payload=services.event_payload(g.tenant, found.delivery.event_id),
    )


@bp.post("/deliveries/<int:delivery_id>/replay")
def replay(delivery_id: int):
    try:
        copy = services.replay(current_user, g.tenant, delivery_id)
    except services.WebhookError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".delivery", delivery_id=delivery_id))
    copy_id = copy.id
    db.session.commit()  # the attempt runs after this (in-process without Redis)
    flash("The event has been sent again.", "success")
    return redirect(url_for(".delivery", delivery_id=copy_id))
