"""API operations declared once, from which both the views and the OpenAPI document follow.

An operation names its route, its typed query, body and response models (schemas.py) and the
token scope it needs. The decorator parses and validates the request with those models (400
or 422 problems naming each field at fault), checks the token, serialises the answer with the
response model, and adds an ETag (with `If-None-Match` -> 304) to every GET. `document()`
writes the OpenAPI 3.1 document from the same declarations: nothing is written twice.

Why our own small generator rather than flask-openapi3 or spectree: both bring their own
blueprint classes, error bodies and docs UIs that we would have to bend to problem details and
to our workspace routing; pydantic (which either would pull in) already gives JSON Schema
2020-12, the dialect of OpenAPI 3.1, and this file is the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from http import HTTPStatus
from typing import Any, Literal

from flask import Blueprint, Response, current_app, json, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from londonhub.platform.core.access import public
from londonhub.platform.core.params import MAX_ID

from . import tokens
from .problems import PROBLEM_TYPE, ApiProblem
from .schemas import SLUG, Problem

Scope = Literal["read", "write"]
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
REF = "#/components/schemas/{model}"


@dataclass
class Operation:
    rule: str
    method: str
    operation_id: str
    summary: str
    description: str
    tag: str
    response: type[BaseModel] | None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    scope: Scope | None = None
    status: int = 200
    conflicts: bool = False  # may answer 409 (a state that forbids the change)
    path_params: list[tuple[str, str]] = field(default_factory=list)


class Api:
    """The registry of one API version's operations, on its blueprint."""

    def __init__(self, bp: Blueprint, title: str, version: str, description: str) -> None:
        self.bp = bp
        self.title = title
        self.version = version
        self.description = description
        self.operations: list[Operation] = []

    def operation(
        self,
        rule: str,
        *,
        summary: str,
        tag: str,
        response: type[BaseModel] | None,
        method: str = "GET",
        query: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        scope: Scope | None = None,
        status: int = 200,
        conflicts: bool = False,
    ) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
        def decorator(fn: Callable[..., Any]) -> Callable[..., Response]:
            op = Operation(
                rule=rule,
                method=method,
                operation_id=fn.__name__,
                summary=summary,
                description=(fn.__doc__ or "").strip(),
                tag=tag,
                response=response,
                query=query,
                body=body,
                scope=scope,
                status=status,
                conflicts=conflicts,
                path_params=[(conv or "string", name) for conv, name in _PARAM.findall(rule)],
            )
            self.operations.append(op)

            @wraps(fn)
            def view(**path: Any) -> Response:
                return _run(op, fn, path)

            if scope is None:
                public(view)  # the cross-tenant matrix: anyone may read it

            self.bp.add_url_rule(
                rule, fn.__name__, view, methods=[method], provide_automatic_options=False
            )
            return view

        return decorator

    # --- the document --------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        models: list[type[BaseModel]] = [Problem]
        for op in self.operations:
            models += [m for m in (op.response, op.body) if m is not None]
        unique = list(dict.fromkeys(models))
        _, defs = models_json_schema(
            [(m, "serialization" if m is not op_body(self, m) else "validation") for m in unique],
            ref_template=REF,
        )
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            path = _PARAM.sub(lambda m: "{" + m.group(2) + "}", self.bp.url_prefix + op.rule)
            paths.setdefault(path, {})[op.method.lower()] = _describe(op)
        return {
            "openapi": "3.1.0",
            "info": {
                "title": self.title,
                "version": self.version,
                "description": self.description,
            },
            "servers": [{"url": current_app.config["PUBLIC_URL"]}],
            "paths": paths,
            "components": {
                "schemas": defs.get("$defs", {}),
                "securitySchemes": {
                    "workspaceToken": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A workspace's API token, made by its admins at "
                        "/b/<slug>/admin/api-tokens: read-only or read-write.",
                    }
                },
            },
        }


def op_body(api: Api, model: type[BaseModel]) -> type[BaseModel] | None:
    """`model` if some operation takes it as its body (its input schema then applies)."""
    return model if any(op.body is model for op in api.operations) else None


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_TYPE: {"schema": _ref(Problem)}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _path_parameter(converter: str, name: str) -> dict[str, Any]:
    if converter == "int":
        schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        example: object = 1
    else:
        schema = {"type": "string", "pattern": SLUG, "maxLength": 63}
        example = "hackney"
    return {"name": name, "in": "path", "required": True, "schema": schema, "example": example}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        if "anyOf" in prop:  # `X | None`: null is never sent in a query string
            kinds = [s for s in prop.pop("anyOf") if s.get("type") != "null"]
            prop.update(kinds[0])
            prop.pop("default", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _describe(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.response is None:
        responses[str(op.status)] = {"description": HTTPStatus(op.status).phrase}
    else:
        ok: dict[str, Any] = {
            "description": HTTPStatus(op.status).phrase,
            "content": {"application/json": {"schema": _ref(op.response)}},
        }
        if op.method == "GET":
            ok["headers"] = {"ETag": {"schema": {"type": "string"}}}
            responses["304"] = {"description": "Not modified: the ETag in If-None-Match"}
        responses[str(op.status)] = ok
    if op.query is not None or op.body is not None:
        responses["400"] = _problem("Invalid parameters or body; `errors` names each")
    if op.scope is not None:
        responses["401"] = _problem(
            "No token, or not a valid one",
            {"WWW-Authenticate": {"schema": {"type": "string"}}},
        )
        responses["403"] = _problem("The token is for another workspace or cannot write")
    if op.path_params:
        responses["404"] = _problem("No such workspace or object")
    if op.conflicts:
        responses["409"] = _problem("The object's state does not allow this")
    if op.body is not None:
        responses["415"] = _problem("The body is not JSON")
        responses["422"] = _problem("The body's fields are not valid; `errors` names each")
    responses["429"] = _problem(
        "Too many requests: wait Retry-After seconds",
        {"Retry-After": {"schema": {"type": "string", "pattern": r"^\d+$"}, "required": True}},
    )
    described: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [_path_parameter(c, n) for c, n in op.path_params]
        + (_query_parameters(op.query) if op.query else []),
        "responses": responses,
    }
    if op.description:
        described["description"] = op.description
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    if op.scope is not None:
        described["security"] = [{"workspaceToken": []}]
        described["x-token-scope"] = op.scope
    return described


# --- running an operation ---------------------------------------------------------------------


def _field_errors(error: ValidationError, where: str) -> list[dict[str, str]]:
    return [
        {"name": ".".join(str(part) for part in e["loc"]) or where, "message": e["msg"]}
        for e in error.errors(include_url=False)
    ]


def _parse_query(model: type[BaseModel]) -> BaseModel:
    known = model.model_fields
    values = {name: value for name, value in request.args.items() if name in known}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        errors = _field_errors(error, "query")
        names = ", ".join(dict.fromkeys(e["name"] for e in errors))
        raise ApiProblem(400, f"Check these parameters: {names}.", errors=errors) from None


def _parse_body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise ApiProblem(415, "Send the body as JSON (Content-Type: application/json).")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem(400, "The body is not valid JSON.")
    try:
        # Strict, as JSON: 0 is not false, "1" is not a number.
        return model.model_validate_json(request.get_data(), strict=True)
    except ValidationError as error:
        errors = _field_errors(error, "body")
        names = ", ".join(dict.fromkeys(e["name"] for e in errors))
        raise ApiProblem(422, f"Check these fields: {names}.", errors=errors) from None


def _run(op: Operation, fn: Callable[..., Any], path: dict[str, Any]) -> Response:
    kwargs: dict[str, Any] = dict(path)
    if "slug" in kwargs:
        kwargs["workspace"] = tokens.workspace_for_api(kwargs.pop("slug"))
        if op.scope is not None:
            tokens.require_scope(kwargs["workspace"], op.scope)
    if op.query is not None:
        kwargs["query"] = _parse_query(op.query)
    if op.body is not None:
        kwargs["body"] = _parse_body(op.body)
    result = fn(**kwargs)
    if op.response is None:
        response = current_app.response_class(status=op.status)
    else:
        body = op.response.model_validate(result).model_dump(mode="json")
        response = current_app.response_class(
            json.dumps(body), status=op.status, mimetype="application/json"
        )
    response.headers["Vary"] = "Authorization"
    response.headers["Cache-Control"] = "private, no-cache" if op.scope else "no-cache"
    if op.method == "GET" and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response
