"""Resource pages: the public pool at /resources, and authoring at /b/<slug>/admin/resources
(a workspace's staff) and /hub/resources (hub admins, for the hub's own resources).

The authoring views are one set of functions registered on both blueprints; `_owner()` is the
workspace of the URL (or the hub's), and every service call names it. Thin: parse, call one
service, render or redirect.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict

from londonhub.billing.services import hub_workspace
from londonhub.platform.core.access import public, require_hub_admin, require_workspace_role
from londonhub.platform.core.extensions import db
from londonhub.platform.core.identity import Role
from londonhub.platform.core.pagecache import shared_page
from londonhub.platform.core.params import page_arg
from londonhub.platform.core.tenancy import Workspace, workspace_blueprint
from londonhub.platform.core.uploads import limit_text, upload_form, upload_view

from . import adoption, pool, review, services
from .files import ACCEPTED
from .forms import FileForm, PublishForm, ResourceForm, SearchForm
from .markup import render_markdown
from .models import AUDIENCES, RESOURCE_TYPES, TOPICS

bp = Blueprint("resources", __name__, url_prefix="/resources", template_folder="templates")
admin_bp = workspace_blueprint(
    "resources_admin", __name__, "/admin/resources", template_folder="templates"
)
hub_bp = Blueprint("resources_hub", __name__, url_prefix="/hub/resources")

require_workspace_role(admin_bp, Role.STAFF, "You are not a member of this workspace.")
require_hub_admin(hub_bp)


@bp.app_template_filter("markdown")
def markdown_filter(text: str):
    return render_markdown(text)


def workspace_section(workspace: Workspace):
    """The workspace page's section: its own published resources and those it adopted
    (registered in init_app); nothing when there are none."""
    entries = adoption.for_workspace_page(workspace)
    return ("resources/_workspace_list.html", {"entries": entries}) if entries else None


@bp.app_template_global("featured_resources")
def featured_resources(limit: int = 3) -> list[pool.Entry]:
    """For the hub's home page (a hook: the page decides whether to show them)."""
    return pool.featured(limit)


@bp.app_template_global("resource_labels")
def resource_labels() -> SimpleNamespace:
    return SimpleNamespace(types=RESOURCE_TYPES, topics=TOPICS, audiences=AUDIENCES)


def _attachment(row, data: bytes):
    """A file answer that a browser saves and never renders or sniffs."""
    response = send_file(
        io.BytesIO(data),
        mimetype=row.content_type,
        as_attachment=True,
        download_name=row.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- public ------------------------------------------------------------------------------------


@bp.get("")
@shared_page
@public
def index():
    form = SearchForm(request.args)
    form.owner.choices = [("", "Any organisation")] + [
        ("hub", current_app.config["HUB_NAME"]) if w.is_hub else (w.slug, f"{w.name} ({w.borough})")
        for w in pool.owners()
    ]
    criteria = pool.Criteria(
        q=form.q.data or "",
        resource_type=request.args.get("type", ""),
        topic=request.args.get("topic", ""),
        audience=request.args.get("audience", ""),
        checked=bool(form.checked.data),
        owner=request.args.get("owner", ""),
        page=page_arg(),
    )
    results = pool.search(criteria)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("resources/index.html", form=form, results=results, args=args)


@bp.get("/<int:resource_id>")
@public
def detail(resource_id: int):
    entry = pool.get_published(resource_id)
    if request.method == "GET":  # HEAD (link checkers, monitors) is not a view
        pool.count_view(resource_id, request.args.get("via", ""))
        db.session.commit()
    return render_template(
        "resources/detail.html",
        entry=entry,
        files=pool.published_files(resource_id),
        checkers=pool.checkers(entry.resource),
        adopt_choices=adoption.adoption_choices(current_user, resource_id),
    )


@bp.get("/<int:resource_id>/files/<int:file_id>")
@public
def download(resource_id: int, file_id: int):
    row = pool.published_file(resource_id, file_id)
    data = services.file_bytes(row)
    if request.method == "GET":  # HEAD fetches no file: not a download
        pool.count_download(row)
        db.session.commit()
    return _attachment(row, data)


@bp.get("/<int:resource_id>/versions")
@public
def history(resource_id: int):
    entry = pool.get_published(resource_id)
    return render_template(
        "resources/history.html", entry=entry, versions=pool.published_versions(resource_id)
    )


@bp.get("/<int:resource_id>/versions/<int:number>")
@public
def version_diff(resource_id: int, number: int):
    entry = pool.get_published(resource_id)
    if number < 1 or number > entry.resource.published_number:
        abort(404)
    new = services.version_of(resource_id, number)
    old = services.version_of(resource_id, number - 1) if number > 1 else None
    return render_template(
        "resources/diff.html",
        entry=entry,
        title=entry.version.title,
        old=old,
        new=new,
        diffs=services.compare(old, new),
        back=url_for(".history", resource_id=resource_id),
    )


# --- authoring (workspace staff and hub admins) ------------------------------------------------


def _owner() -> Workspace:
    if request.blueprint == "resources_hub":
        return hub_workspace()
    return g.tenant


def _render(template: str, status: int = 200, **context):
    return render_template(
        f"resources/{template}", owner=_owner(), ep=request.blueprint, **context
    ), status


def _input(form: ResourceForm) -> services.ResourceInput:
    return services.ResourceInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        body=form.body.data or "",
        resource_type=form.resource_type.data,
        topics=list(form.topics.data or []),
        audience=form.audience.data,
        licence=form.licence.data,
    )


def manage_index():
    return _render("manage_index.html", resources=services.list_owned(_owner(), current_user))


def new():
    owner = _owner()
    services.require_editor(current_user, owner, write=True)
    form = ResourceForm()
    if form.validate_on_submit():
        try:
            resource = services.create_resource(current_user, owner, _input(form))
        except services.ResourceError as exc:
            db.session.rollback()
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your draft has been saved. Add files, then publish it.", "success")
            return redirect(url_for(".manage", resource_id=resource.id))
    elif request.method == "GET":
        form.licence.data = "cc-by-4.0"
    return _render("manage_form.html", 400 if request.method == "POST" else 200, form=form)


def edit(resource_id: int):
    owner = _owner()
    resource = services.get_owned(owner, resource_id, current_user, write=True)
    form = ResourceForm(obj=services.draft_input(resource))
    if form.validate_on_submit():
        try:
            services.update_draft(current_user, owner, resource_id, _input(form))
        except services.ResourceError as exc:
            db.session.rollback()
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your draft has been saved.", "success")
            return redirect(url_for(".manage", resource_id=resource_id))
    status = 400 if request.method == "POST" else 200
    return _render("manage_form.html", status, form=form, resource=resource)


def _manage_page(resource_id: int, status: int = 200, **forms):
    owner = _owner()
    resource = services.get_owned(owner, resource_id, current_user)
    files = services.draft_files(resource.id)
    latest = services.latest_version(resource)
    draft = SimpleNamespace(
        **{name: getattr(resource, name) for name in services.CONTENT_FIELDS},
        file_names="\n".join(f.filename for f in files),
    )
    return _render(
        "manage_resource.html",
        status,
        resource=resource,
        files=files,
        versions=services.versions(resource.id),
        changes=services.compare(latest, draft),
        unpublished=services.has_unpublished_changes(resource, files),
        file_form=forms.get("file_form") or FileForm(prefix="upload"),
        publish_form=forms.get("publish_form") or PublishForm(prefix="publish"),
        reviews=review.reviews_of(current_user, owner, resource.id),
        page_views=pool.page_views(resource.id),
        limit=limit_text(services.file_max_bytes()),
        accepted=ACCEPTED,
    )


def manage(resource_id: int):
    return _manage_page(resource_id)


@upload_view(services.file_max_bytes)
def upload(resource_id: int):
    owner = _owner()
    services.get_owned(owner, resource_id, current_user, write=True)
    file_form, too_large = upload_form(
        lambda **kw: FileForm(prefix="upload", **kw),
        max_bytes=services.file_max_bytes(),
        field="file",
        noun="file",
    )
    if too_large:
        publish_form = PublishForm(prefix="publish", formdata=ImmutableMultiDict())
        return _manage_page(resource_id, 413, file_form=file_form, publish_form=publish_form)
    valid = file_form.validate_on_submit()
    if valid:
        upload = file_form.file.data
        try:
            services.add_file(current_user, owner, resource_id, upload.read(), upload.filename)
        except services.ResourceError as exc:
            db.session.rollback()
            file_form.file.errors.append(str(exc))
        else:
            db.session.commit()
            flash("The file has been added to your draft.", "success")
            return redirect(url_for(".manage", resource_id=resource_id))
    return _manage_page(resource_id, 400, file_form=file_form)


def draft_file(resource_id: int, file_id: int):
    row = services.owned_file(current_user, _owner(), resource_id, file_id)
    return _attachment(row, services.file_bytes(row))


def remove_file(resource_id: int, file_id: int):
    services.remove_file(current_user, _owner(), resource_id, file_id)
    db.session.commit()
    flash("The file has been taken out of your draft.", "success")
    return redirect(url_for(".manage", resource_id=resource_id))


def publish(resource_id: int):
    owner = _owner()
    services.get_owned(owner, resource_id, current_user, write=True)
    publish_form = PublishForm(prefix="publish")
    if publish_form.validate_on_submit():
        try:
            version = services.publish(
                current_user, owner, resource_id, publish_form.change_note.data or ""
            )
        except services.ResourceError as exc:
            db.session.rollback()
            publish_form.change_note.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Version {version.number} is published in the resource pool.", "success")
            return redirect(url_for(".manage", resource_id=resource_id))
    return _manage_page(resource_id, 400, publish_form=publish_form)


def manage_version(resource_id: int, number: int):
    resource = services.get_owned(_owner(), resource_id, current_user)
    new = services.version_of(resource.id, number)
    if new is None:
        abort(404)
    old = services.version_of(resource.id, number - 1) if number > 1 else None
    return _render(
        "diff.html",
        entry=None,
        title=resource.title,
        old=old,
        new=new,
        diffs=services.compare(old, new),
        back=url_for(".manage", resource_id=resource_id),
    )


AUTHORING = [
    ("/", "manage_index", manage_index, ["GET"]),
    ("/new", "new", new, ["GET", "POST"]),
    ("/<int:resource_id>", "manage", manage, ["GET"]),
    ("/<int:resource_id>/edit", "edit", edit, ["GET", "POST"]),
    ("/<int:resource_id>/files", "upload", upload, ["POST"]),
    ("/<int:resource_id>/files/<int:file_id>", "draft_file", draft_file, ["GET"]),
    ("/<int:resource_id>/files/<int:file_id>/remove", "remove_file", remove_file, ["POST"]),
    ("/<int:resource_id>/publish", "publish", publish, ["POST"]),
    ("/<int:resource_id>/versions/<int:number>", "manage_version", manage_version, ["GET"]),
]
for _bp in (admin_bp, hub_bp):
    for _rule, _endpoint, _view, _methods in AUTHORING:
        _bp.add_url_rule(_rule, _endpoint, _view, methods=_methods)
