"""Public volunteering pages: London-wide search at /opportunities and each opportunity's
page at /b/<slug>/opportunities/<id>. Thin: parse, call one operation, render."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from londonhub.platform.core.access import public
from londonhub.platform.core.forms import choices
from londonhub.platform.core.pagecache import shared_page
from londonhub.platform.core.params import page_arg
from londonhub.platform.core.tenancy import get_workspace_by_slug, workspace_blueprint
from londonhub.platform.core.timeutil import in_london
from londonhub.platform.core.workspaces import borough_choices

from ..forms import GroupFilterForm, SearchForm
from ..models import SUPPORT
from ..operations import groups, opportunities, search
from ..vocab import CAUSES, NEIGHBOURS, SKILLS

bp = Blueprint("volunteering", __name__, template_folder="../templates")
public_bp = workspace_blueprint(
    "volunteering_public", __name__, "/opportunities", template_folder="../templates"
)
groups_bp = workspace_blueprint(
    "volunteering_groups", __name__, "/groups", template_folder="../templates"
)


@bp.app_template_filter("london_time")
def london_time(moment, fmt: str = "%a %-d %b %Y, %H:%M") -> str:
    return in_london(moment).strftime(fmt)


@bp.get("/opportunities", endpoint="search")
@shared_page
def search_page():
    form = SearchForm(request.args)
    boroughs = borough_choices()
    form.borough.choices = choices([("", "Anywhere in London"), *boroughs])
    page = page_arg()
    valid = form.validate() if request.args else True
    criteria = search.Criteria(page=page)
    if valid:
        known = {slug for slug, _ in boroughs}
        criteria = search.Criteria(
            q=form.q.data or "",
            cause=form.cause.data or "",
            skill=form.skill.data or "",
            borough=form.borough.data if form.borough.data in known else "",
            neighbours=bool(form.neighbours.data),
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            remote=bool(form.remote.data),
            groups=bool(form.groups.data),
            under_18=bool(form.under_18.data),
            step_free=bool(form.step_free.data),
            page=page,
        )
    results = search.search_opportunities(criteria)
    query = request.args.to_dict(flat=False)
    query.pop("page", None)
    names = dict(boroughs)
    return render_template(
        "volunteering/search.html",
        form=form,
        results=results,
        criteria=criteria,
        query=query,
        near=[names[s] for s in criteria.boroughs if s in names],
        neighbours=NEIGHBOURS,
        causes=CAUSES,
        skills=SKILLS,
    ), (200 if valid else 400)


@public_bp.get("/<int:opportunity_id>")
@public
def opportunity(opportunity_id: int):
    found, group = opportunities.get_public_opportunity(g.tenant, opportunity_id)
    return render_template(
        "volunteering/opportunity.html",
        opportunity=found,
        group=group,
        workspace=g.tenant,
        sessions=opportunities.upcoming_sessions(g.tenant, found.id),
        taking_responses=opportunities.is_open(found) and g.tenant.is_active,
        support=SUPPORT,
    )


@bp.get("/groups", endpoint="groups")
def group_directory():
    """London's local groups listed publicly, by borough and cause, paged."""
    form = GroupFilterForm(request.args)
    boroughs = borough_choices()
    form.borough.choices = choices([("", "Anywhere in London"), *boroughs])
    borough = form.borough.data if form.borough.data in dict(boroughs) else ""
    workspace = get_workspace_by_slug(borough) if borough else None
    found = groups.public_groups(workspace, form.cause.data or "", page_arg())
    return _groups_page(form, found, None, "volunteering.groups")


@groups_bp.get("/")
@public
def workspace_groups():
    """One workspace's local groups listed publicly, paged."""
    form = GroupFilterForm(request.args)
    del form.borough
    found = groups.public_groups(g.tenant, form.cause.data or "", page_arg())
    return _groups_page(form, found, g.tenant, "volunteering_groups.workspace_groups")


def _groups_page(form, found, workspace, endpoint: str):
    query = request.args.to_dict(flat=False)
    query.pop("page", None)
    return render_template(
        "volunteering/groups.html",
        form=form,
        found=found,
        workspace=workspace,
        endpoint=endpoint,
        query=query,
    )


def workspace_section(workspace):
    """The workspace page's list of its own opportunities (registered in init_app)."""
    return "volunteering/_workspace_section.html", {"listings": search.workspace_listing(workspace)}
