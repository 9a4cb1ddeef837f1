"""The open-data bundle of published figures: CSV, JSON and a Frictionless data-package
descriptor (datapackage.json) describing the CSV, zipped together for one download."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from flask import Response

from londonhub.platform.core.exports import csv_safe
from londonhub.platform.core.metrics import all_metrics

from .services import PublishedFigure

CSV_FIELDS = ("year", "metric", "name", "borough", "place", "value", "unit", "suppressed")
LICENCE = {
    "name": "OGL-UK-3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "title": "Open Government Licence v3.0",
}


def figures_csv(figures: list[PublishedFigure]) -> str:
    """One row per figure; suppressed figures have an empty value and suppressed=true."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for f in figures:
        value = "" if f.value is None else f.value
        writer.writerow(
            [
                csv_safe(str(cell))
                for cell in (
                    f.year,
                    f.metric,
                    f.name,
                    f.borough or "",
                    f.place,
                    value,
                    f.unit,
                    "true" if f.suppressed else "false",
                )
            ]
        )
    return buffer.getvalue()


def figures_json(figures: list[PublishedFigure], year: int) -> str:
    return json.dumps(
        {
            "year": year,
            "note": "Aggregates only; figures below 5 are suppressed (value null).",
            "figures": [f.as_dict() for f in figures],
        },
        indent=2,
    )


def datapackage(year: int, public_url: str) -> dict:
    """A Frictionless Data Package descriptor for the year's CSV."""
    publishable = [m for m in all_metrics() if m.publishable]
    return {
        "name": f"connecting-londoners-figures-{year}",
        "title": f"Connecting Londoners: London's civil society in figures, {year}",
        "description": (
            "Figures derived from the hub's records, defined once in its data dictionary "
            f"({public_url}/data). Aggregates only: any figure below 5 is suppressed."
        ),
        "homepage": f"{public_url}/data",
        "licenses": [LICENCE],
        "resources": [
            {
                "name": "figures",
                "path": f"figures-{year}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": "year", "type": "integer"},
                        {
                            "name": "metric",
                            "type": "string",
                            "constraints": {"enum": [m.key for m in publishable]},
                        },
                        {"name": "name", "type": "string"},
                        {
                            "name": "borough",
                            "type": "string",
                            "description": "Workspace slug; empty for London as a whole",
                        },
                        {"name": "place", "type": "string"},
                        {
                            "name": "value",
                            "type": "number",
                            "description": "Empty when suppressed (below 5)",
                        },
                        {"name": "unit", "type": "string"},
                        {"name": "suppressed", "type": "boolean"},
                    ],
                    "missingValues": [""],
                },
            }
        ],
        "metrics": [
            {"key": m.key, "name": m.name, "definition": m.definition, "unit": m.unit_label}
            for m in publishable
        ],
    }


def bundle(figures: list[PublishedFigure], year: int, public_url: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"figures-{year}.csv", figures_csv(figures))
        archive.writestr(f"figures-{year}.json", figures_json(figures, year))
        archive.writestr("datapackage.json", json.dumps(datapackage(year, public_url), indent=2))
    return buffer.getvalue()


def public_download(body: str | bytes, mimetype: str, filename: str | None = None) -> Response:
    """Published data: the same for everyone, cacheable for a few minutes."""
    response = Response(body, mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
