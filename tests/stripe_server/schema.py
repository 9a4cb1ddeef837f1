"""Parameter schemas read from the `stripe` package's typed params, and form decoding.

Every request parameter the fake accepts is declared by the installed `stripe` package: the
`*Params` TypedDicts (e.g. `stripe.params.checkout.SessionCreateParams`) name nested TypedDicts by
forward-reference strings in the same module. `typing.get_type_hints` fails on those, so the
annotations are read directly and the strings evaluated in the defining module's namespace.

`decode(form_items, params_class)` turns Stripe's form encoding (`a[b][0][c]=v`) into typed Python
values and raises `ParamError` for unknown parameters, wrong types, enum values outside the
declared `Literal`, and missing required keys, naming the parameter as Stripe does.
"""

from __future__ import annotations

import decimal
import re
import sys
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from stripe._request_options import RequestOptions

__all__ = ["ParamError", "decode", "schema_for", "resource_keys"]


class ParamError(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


# ---------------------------------------------------------------------------------------------
# Schema nodes


@dataclass(eq=False)
class Scalar:
    kind: str  # "str" | "int" | "bool" | "float" | "decimal"
    enum: frozenset[str] | None = None  # declared Literal values (without ""), for an enum
    emptyable: bool = False  # an empty string is accepted (it unsets the value)


@dataclass(eq=False)
class ListOf:
    item: Any


@dataclass(eq=False)
class MapOf:
    """Free-form keys (metadata): `Dict[str, str]` / `UntypedStripeObject[str]`."""

    value: Any


@dataclass(eq=False)
class Obj:
    """A TypedDict; fields resolved lazily (some schemas nest deeply)."""

    cls: type
    top_level: bool = False
    _fields: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def fields(self) -> dict[str, Any]:
        if self._fields is None:
            module = sys.modules[self.cls.__module__]
            fields = {}
            for name, annotation in self.cls.__annotations__.items():
                if self.top_level and _is_request_option(name, annotation):
                    continue  # api_key, idempotency_key, ...: sent as headers, not parameters
                fields[name] = _node(annotation, module)
            self._fields = fields
        return self._fields

    @property
    def required(self) -> frozenset[str]:
        return frozenset(k for k in self.cls.__required_keys__ if k in self.fields)


@dataclass(eq=False)
class AnyOf:
    options: list[Any]


_REQUEST_OPTION_ANNOTATIONS = dict(RequestOptions.__annotations__)


def _is_request_option(name: str, annotation: Any) -> bool:
    return name in _REQUEST_OPTION_ANNOTATIONS and repr(annotation) == repr(
        _REQUEST_OPTION_ANNOTATIONS[name]
    )


@cache
def schema_for(params_class: type) -> Obj:
    """The schema of a top-level `*Params` TypedDict."""
    return Obj(params_class, top_level=True)


_obj_cache: dict[type, Obj] = {}


def _typed_dict(cls: type) -> Obj:
    if cls not in _obj_cache:
        _obj_cache[cls] = Obj(cls)
    return _obj_cache[cls]


def _is_typed_dict(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, dict) and hasattr(obj, "__required_keys__")


def _node(annotation: Any, module: Any) -> Any:
    # Forward references: strings ("SessionCreateParamsPaymentIntentData",
    # "Literal['a', 'b']|str", "Dict[str, str]|UntypedStripeObject[str]") evaluated in the module.
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        annotation = eval(annotation, vars(module))  # the installed stripe package
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.NotRequired, typing.Required) or _named(origin, "NotRequired", "Required"):
        return _node(args[0], module)
    if origin is typing.Union or _is_union_type(annotation):
        options = [a for a in args if a is not type(None)]
        return _union([_node(a, module) for a in options])
    if origin is typing.Literal or _named(origin, "Literal"):
        values = frozenset(str(_wire(a)) for a in args)
        return Scalar(_literal_kind(args), values - {""}, "" in values)
    if origin in (list, typing.List):  # noqa: UP006
        return ListOf(_node(args[0], module))
    if origin in (dict, typing.Dict) or _named(origin, "Mapping"):  # noqa: UP006
        return MapOf(_node(args[1], module))
    if getattr(origin, "__name__", "") == "UntypedStripeObject":
        return MapOf(_node(args[0], module) if args else Scalar("str"))
    if _is_typed_dict(annotation):
        return _typed_dict(annotation)
    if annotation is str:
        return Scalar("str")
    if annotation is bool:
        return Scalar("bool")
    if annotation is int:
        return Scalar("int")
    if annotation is float:
        return Scalar("float")
    if annotation is decimal.Decimal:
        return Scalar("decimal")
    if annotation is typing.Any:
        return Scalar("str")
    raise TypeError(f"unsupported annotation in {module.__name__}: {annotation!r}")


def _named(origin: Any, *names: str) -> bool:
    return getattr(origin, "_name", None) in names or getattr(origin, "__name__", None) in names


def _is_union_type(annotation: Any) -> bool:
    import types

    return isinstance(annotation, types.UnionType)


def _literal_kind(args: tuple) -> str:
    if all(isinstance(a, bool) for a in args):
        return "bool"
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return "int"
    return "str"


def _wire(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value


def _union(options: list[Any]) -> Any:
    # `Literal['a', 'b'] | str` is an enum the SDK keeps open for forward compatibility; the API
    # version this package pins accepts only the listed values, so the fake does too.
    # `Literal[''] | X` makes X "emptyable": an empty string unsets it.
    enums = [o for o in options if isinstance(o, Scalar) and o.enum is not None]
    plain = [o for o in options if isinstance(o, Scalar) and o.enum is None]
    others = [o for o in options if not isinstance(o, Scalar)]
    empty = any(e.emptyable for e in options if isinstance(e, Scalar))
    values: set[str] = set()
    kinds: set[str] = set()
    for e in enums:
        values |= e.enum or set()
        if e.enum:
            kinds.add(e.kind)
    scalars: list[Scalar] = []
    if values:
        kind = kinds.pop() if len(kinds) == 1 else "str"
        scalars.append(Scalar(kind, frozenset(values), empty))
        scalars.extend(Scalar(p.kind, None, empty) for p in plain if p.kind not in ("str", kind))
    elif plain:
        scalars.extend(Scalar(p.kind, None, empty or p.emptyable) for p in plain)
    elif empty:
        scalars.append(Scalar("str", frozenset(), True))  # only "" accepted
    maps = [o for o in others if isinstance(o, MapOf)]
    others = [o for o in others if not isinstance(o, MapOf)] + maps[
        :1
    ]  # Dict | UntypedStripeObject
    merged = [*scalars, *others]
    return merged[0] if len(merged) == 1 else AnyOf(merged)


# ---------------------------------------------------------------------------------------------
# Form decoding

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_form(items: list[tuple[str, str]]) -> dict[str, Any]:
    """`a[b][0][c]=v` pairs into nested dicts of strings (list indexes stay dict keys here)."""
    tree: dict[str, Any] = {}
    for raw_key, value in items:
        match = _KEY_RE.match(raw_key)
        if not match:
            raise ParamError(f"Invalid parameter name: {raw_key}", raw_key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = tree
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # `expand[]=x`: append
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                if part in node:
                    raise ParamError(f"Received duplicate parameter: {raw_key}", raw_key)
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ParamError(f"Invalid parameter: {raw_key}", raw_key)
                node = child
    return tree


def decode(items: list[tuple[str, str]], params_class: type) -> dict[str, Any]:
    tree = parse_form(items)
    return _coerce(tree, schema_for(params_class), "")


def _name(prefix: str, key: str) -> str:
    return f"{prefix}[{key}]" if prefix else key


def _shape_ok(value: Any, node: Any) -> bool:
    if isinstance(node, Scalar):
        return isinstance(value, str)
    if isinstance(value, str):
        return value == ""  # an empty string unsets objects, lists and metadata
    if isinstance(node, ListOf):
        return all(k.isdigit() for k in value)
    return True


def _coerce(value: Any, node: Any, param: str) -> Any:
    if isinstance(node, AnyOf):
        candidates = [o for o in node.options if _shape_ok(value, o)]
        if isinstance(value, str) and value != "":
            candidates = [o for o in candidates if isinstance(o, Scalar)]
        first_error: ParamError | None = None
        for option in candidates:
            try:
                return _coerce(value, option, param)
            except ParamError as exc:
                first_error = first_error or exc
        if first_error:
            raise first_error
        raise ParamError(f"Invalid value for {param}.", param)
    if isinstance(node, Scalar):
        return _scalar(value, node, param)
    if isinstance(value, str):
        if value == "" and isinstance(node, MapOf):
            return {}
        if value == "":
            return None
        raise ParamError(f"Invalid object: {param} must be a hash, not a string.", param)
    if isinstance(node, ListOf):
        if not all(k.isdigit() for k in value):
            raise ParamError(f"Invalid array: {param} must be an array.", param)
        indexes = sorted(int(k) for k in value)
        if indexes != list(range(len(indexes))):
            raise ParamError(f"Invalid array: {param} has missing indexes.", param)
        return [_coerce(value[str(i)], node.item, f"{param}[{i}]") for i in indexes]
    if isinstance(node, MapOf):
        out = {}
        for key, sub in value.items():
            out[key] = _coerce(sub, node.value, _name(param, key))
        if re.search(r"(^|\[)metadata\]?$", param):
            _check_metadata(out, param)
        return out
    if isinstance(node, Obj):
        fields = node.fields
        out = {}
        for key, sub in value.items():
            if key not in fields:
                name = _name(param, key)
                raise ParamError(f"Received unknown parameter: {name}", name)
            out[key] = _coerce(sub, fields[key], _name(param, key))
        for key in sorted(node.required):
            if key not in out:
                name = _name(param, key)
                raise ParamError(f"Missing required param: {name}.", name)
        return out
    raise TypeError(node)


def _scalar(value: Any, node: Scalar, param: str) -> Any:
    if not isinstance(value, str):
        raise ParamError(f"Invalid {node.kind}: {param} must be a single value, not a hash.", param)
    if value == "" and node.emptyable:
        return ""
    if node.enum is not None and value not in node.enum:
        allowed = ", ".join(sorted(v for v in node.enum if v != "")) or "an empty string"
        raise ParamError(f"Invalid {param}: must be one of {allowed}", param)
    if node.kind == "int":
        if not re.fullmatch(r"-?\d+", value):
            raise ParamError(f"Invalid integer: {value}", param)
        return int(value)
    if node.kind == "bool":
        if value not in ("true", "false"):
            raise ParamError(f"Invalid boolean: {value}", param)
        return value == "true"
    if node.kind in ("float", "decimal"):
        try:
            return decimal.Decimal(value) if node.kind == "decimal" else float(value)
        except (ValueError, decimal.InvalidOperation):
            raise ParamError(f"Invalid decimal: {value}", param) from None
    return value


def _check_metadata(metadata: dict[str, Any], param: str) -> None:
    if len(metadata) > 50:
        raise ParamError("Metadata can have up to 50 keys.", param)
    for key, value in metadata.items():
        if len(key) > 40:
            raise ParamError(
                f"Metadata keys can have up to 40 characters, but you passed in {key!r}.",
                _name(param, key),
            )
        if isinstance(value, str) and len(value) > 500:
            raise ParamError(
                "Metadata values can have up to 500 characters, but you passed in a value "
                f"that is {len(value)} characters.",
                _name(param, key),
            )


# ---------------------------------------------------------------------------------------------
# Resource field declarations (for the fake's own tests)


def resource_keys(cls: type) -> set[str]:
    """Fields a stripe resource class declares along its MRO (public names only)."""
    keys: set[str] = set()
    for klass in cls.__mro__:
        keys |= {
            k
            for k in getattr(klass, "__dict__", {}).get("__annotations__", {})
            if not k.startswith("_") and k != "OBJECT_NAME"
        }
    return keys
