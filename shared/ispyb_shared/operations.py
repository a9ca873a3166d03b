"""One way to declare an operation: the body it takes, what it answers, the errors it documents.

A handler decorated with :func:`operation` receives the validated body as ``body=`` and the
list parameters as ``params=``, and returns rows (or a :class:`~ispyb_shared.listing.Page`);
the decorator dumps them with the response schema, answers the status, and writes all of it
into the OpenAPI document, models derived from the same marshmallow schemas::

    @ns.route("")
    class Proposals(Resource):
        @operation(ns, response=ProposalRead, list_spec=service.LIST_SPEC)
        def get(self, *, params):
            \"\"\"List proposals.\"\"\"
            return service.list_proposals(db_session=db_session(), params=params, ...)

        @operation(ns, body=ProposalCreate, response=ProposalRead, status=201, errors=(409,))
        def post(self, *, body):
            \"\"\"Create a proposal.\"\"\"
            return service.create_proposal(db_session=db_session(), data=body, ...)

(microblog-api's ``@body``/``@response`` is the model.) A handler that must choose its
status or add headers at run time (a replayed idempotent create answers 200, not 201)
returns a :class:`Reply`. A create (``status=201``) is idempotent by the client's
``Idempotency-Key`` header (idempotency.py; ``idempotent=False`` opts out): a retry gets
the first answer again, with 200. Swagger model names are the schema class names; a list of
``XRead`` is documented as ``XList``, the list envelope.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Response, request
from flask_restx import Namespace
from marshmallow import INCLUDE, Schema

from .app import document_errors, list_params, load_body
from .dumping import compiled_dump
from .errors import InvalidParameter
from .idempotency import IDEMPOTENCY_HEADER, REPLAYED_HEADER, call_idempotently, requested_key
from .listing import ListSpec, Page, list_params_doc, whole_page
from .schemas import ErrorSchema, json_schema, list_json_schema

__all__ = ["Expand", "Reply", "list_model_for", "model_for", "operation"]

_DEFAULT_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}
# What an operation can answer because of what it takes, beside what it declares.
_BODY_ERRORS = (400, 415, 422)
_LIST_ERRORS = (400,)
# A malformed key, a key in use by a request still running, a key reused for another one.
_IDEMPOTENCY_ERRORS = (400, 409, 422)
_IDEMPOTENCY_DOC = {
    IDEMPOTENCY_HEADER: {
        "in": "header",
        "type": "string",
        "required": False,
        "description": "A key of the client's (1-255 visible ASCII characters) making the "
        "create safe to retry: the same key with the same request again answers the first "
        f"answer with 200 and {REPLAYED_HEADER}: true; with another request, 422.",
    }
}


class _AsSent(Schema):
    """A JSON object taken as sent, whatever its fields."""

    class Meta:
        unknown = INCLUDE


_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELDS_DOC = {
    "fields": {
        "in": "query",
        "type": "string",
        "required": False,
        "description": "Sparse fieldset: comma-separated names of the fields to answer "
        "(of each row, in a list), e.g. fields=uuid,name; an unknown name is a 400.",
    }
}


@dataclass(frozen=True)
class Expand:
    """The nested blocks of a resource's answer that are embedded on request
    (``expand=crystal,diffractionPlan``): ``blocks`` maps each block's JSON path (dotted
    through nested objects and lists: ``dewars.containers.samples``) to its description;
    ``default`` the blocks answered without ``expand=``; ``aliases`` other names of a
    block (``protein`` for ``crystal.protein``). Naming a block embeds its parents too;
    a block not named (nor in the default) is left out of the answer. The handler may
    take ``expand=`` (the set of blocks answered) to load what they need in a fixed
    number of statements."""

    blocks: Mapping[str, str]
    default: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [
            name for name in (*self.default, *self.aliases.values()) if name not in self.blocks
        ]
        if unknown:
            raise ValueError(f"expand: undeclared block(s) {unknown}")

    def _closed(self, names: Iterable[str]) -> frozenset[str]:
        chosen = set()
        for name in names:
            parts = name.split(".")
            chosen.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
        return frozenset(chosen & set(self.blocks))

    def resolve(self, raw: str | None) -> frozenset[str]:
        """The blocks answered for ``expand=raw`` (None: not sent); 400 naming ``expand``
        on an unknown name."""
        if raw is None:
            return self._closed(self.default)
        requested = [part.strip() for part in raw.split(",") if part.strip()]
        unknown = [
            name for name in requested if name not in self.blocks and name not in self.aliases
        ]
        if unknown:
            shown = ", ".join(repr(name) for name in unknown[:5] if _EXPAND_NAME.match(name))
            allowed = ", ".join(sorted(self.blocks))
            problem = f"Unknown block(s): {shown}." if shown else "Not a list of block names."
            raise InvalidParameter(
                "Invalid query parameters.", {"expand": [f"{problem} Allowed: {allowed}."]}
            )
        return self._closed([*self.default, *(self.aliases.get(n, n) for n in requested)])

    def excluded(self, response: type[Schema], answered: frozenset[str]) -> tuple[str, ...]:
        """The schema paths (marshmallow ``exclude=``) of the blocks left out: the
        outermost ones only."""
        left_out = sorted(name for name in self.blocks if name not in answered)
        outermost = [
            name for name in left_out if not any(name.startswith(other + ".") for other in left_out)
        ]
        return tuple(_schema_path(response, name) for name in outermost)

    def under(self, prefix: str, *, shorthands: bool = False) -> Expand:
        """These blocks nested at ``prefix`` (a sample's inside a group's members:
        ``members.blSample.crystal``), so a resource that embeds another declares its
        blocks once. With ``shorthands`` their own names and aliases stay accepted, as
        aliases of the nested paths."""
        aliases: dict[str, str] = {}
        if shorthands:
            aliases = {name: f"{prefix}.{name}" for name in self.blocks}
            aliases.update({alias: f"{prefix}.{name}" for alias, name in self.aliases.items()})
        return Expand(
            blocks={f"{prefix}.{name}": text for name, text in self.blocks.items()},
            default=tuple(f"{prefix}.{name}" for name in self.default),
            aliases=aliases,
        )

    def doc(self) -> dict[str, Any]:
        default = ", ".join(self.default) or "none"
        aliases = "; ".join(f"{a} = {b}" for a, b in sorted(self.aliases.items()))
        described = "; ".join(f"{name}: {text}" for name, text in self.blocks.items())
        return {
            "expand": {
                "in": "query",
                "type": "array",
                "items": {"type": "string", "enum": list(self.blocks)},
                "collectionFormat": "csv",
                "required": False,
                "description": "Nested blocks to embed, comma-separated (a block brings its "
                f"parents); without expand=: {default}. {described}."
                + (f" Also: {aliases}." if aliases else "")
                + " An unknown name is a 400.",
            }
        }


_EXPAND_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def _schema_path(response: type[Schema], json_path: str) -> str:
    """``dewars.containers.samples`` (JSON keys) as marshmallow field names, through
    Nested and List(Nested) fields."""
    schema: Schema = response()
    names = []
    for key in json_path.split("."):
        found = next(
            (
                (name, item)
                for name, item in schema.fields.items()
                if (item.data_key or name) == key
            ),
            None,
        )
        if found is None:
            raise ValueError(f"expand: {json_path!r} is not a field of {response.__name__}")
        name, item = found
        names.append(name)
        inner = getattr(item, "inner", item)
        schema = getattr(inner, "schema", None)
    return ".".join(names)


def _sparse_dumper(response: type[Schema], *, many: bool) -> Callable[..., Callable[[Any], Any]]:
    """The dump function of a request's ``fields=`` (the whole schema's without it) and
    of the blocks left out (``exclude``: marshmallow paths, see :class:`Expand`),
    compiled from the schema (dumping.py)."""
    whole_schema = response(many=many)
    whole = compiled_dump(whole_schema)
    # fields= names the JSON keys; only= the schema's fields (a data_key may differ).
    names = {
        field.data_key or name: name
        for name, field in whole_schema.fields.items()
        if not field.load_only
    }

    @functools.lru_cache(maxsize=64)  # bounded: the combinations are a client's choice
    def only(
        requested: tuple[str, ...] | None, exclude: tuple[str, ...] = ()
    ) -> Callable[[Any], Any]:
        kwargs: dict[str, Any] = {}
        if requested is not None:
            kwargs["only"] = tuple(names[key] for key in requested)
            exclude = tuple(path for path in exclude if path.split(".")[0] in kwargs["only"])
        if exclude:
            kwargs["exclude"] = exclude
        return compiled_dump(response(many=many, **kwargs)) if kwargs else whole

    def dumper(raw: str | None, exclude: tuple[str, ...] = ()) -> Callable[[Any], Any]:
        if raw is None:
            return only(None, exclude) if exclude else whole
        requested = tuple(sorted({part.strip() for part in raw.split(",") if part.strip()}))
        unknown = [name for name in requested if name not in names]
        if not requested or unknown:
            shown = ", ".join(repr(name) for name in unknown[:5] if _FIELD_NAME.match(name))
            problem = f"Unknown field(s): {shown}." if shown else "Not a list of field names."
            if not requested:
                problem = "Name at least one field."
            raise InvalidParameter("Invalid query parameters.", {"fields": [problem]})
        return only(requested, exclude)

    return dumper


@dataclass
class Reply:
    """A handler's answer when the status or headers are decided at run time."""

    value: Any
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)


def _registry(ns: Namespace) -> dict[str, Any]:
    registry = ns.__dict__.setdefault("_ispyb_models", {})
    if "Error" not in registry:
        registry["Error"] = ns.schema_model("Error", json_schema(ErrorSchema))
    return registry


def model_for(ns: Namespace, schema: type[Schema]) -> Any:
    """The Swagger model of ``schema`` in ``ns`` (registered once, by class name)."""
    registry = _registry(ns)
    name = schema.__name__
    if name not in registry:
        registry[name] = ns.schema_model(name, json_schema(schema))
    return registry[name]


def list_model_for(ns: Namespace, schema: type[Schema]) -> Any:
    """The list envelope of ``schema`` items: ``ProposalRead`` -> ``ProposalList``."""
    registry = _registry(ns)
    base = schema.__name__
    name = (base[: -len("Read")] if base.endswith("Read") else base) + "List"
    if name not in registry:
        registry[name] = ns.schema_model(name, list_json_schema(schema))
    return registry[name]


def operation(
    ns: Namespace,
    *,
    body: type[Schema] | None = None,
    partial: bool = False,
    as_sent: bool = False,
    response: type[Schema] | None = None,
    many: bool = False,
    status: int = 200,
    list_spec: ListSpec | None = None,
    errors: Iterable[int] = (),
    description: str | None = None,
    load: Callable[[Schema], Any] | None = None,
    authorize: Callable[[], object] | None = None,
    idempotent: bool | None = None,
    expand: Expand | None = None,
) -> Callable:
    """Declare an operation of ``ns`` (see the module's documentation).

    ``body``: the schema the JSON body is loaded with (``partial`` for PATCH), passed to
    the handler as ``body=``; ``as_sent``: the JSON object is passed as sent (checked for
    depth and storable text, not against ``body``, which documents it) to a service that
    checks it itself. ``list_spec``: the operation lists; the handler gets
    ``params=`` and returns a Page, answered in the list envelope of ``response`` items.
    ``response``: the schema the result is dumped with (None: the handler's value is the
    answer, e.g. 204's empty body); ``many``: the handler returns every item (a list few
    enough never to be paged), answered in the list envelope all the same (one page).
    ``errors``: the error statuses the operation can answer besides those its body or list
    parameters imply. ``load``: a loader other than the JSON body loader (a CSV upload),
    given a fresh ``body`` schema. ``authorize``: a check run before the body is read (who
    may call comes first: a reader posting a bad body is told 403, not what is wrong with
    the body). ``idempotent``: the operation honours the Idempotency-Key header (default:
    when ``status`` is 201, a create). ``expand``: the nested blocks answered on request
    (:class:`Expand`), for every method of the operation (a write's answer too); a
    handler with an ``expand`` parameter is given the set of blocks answered.
    """
    errors = tuple(errors)
    if idempotent is None:
        idempotent = status == 201
    if idempotent:
        errors += _IDEMPOTENCY_ERRORS
    if body is not None:
        errors += _BODY_ERRORS
    if list_spec is not None:
        errors += _LIST_ERRORS
    if list_spec is not None and response is None:
        raise ValueError("a list operation needs the response schema of its items")
    # GETs answer a sparse fieldset on request (fields=); the dumps are compiled from
    # the schema (dumping.py): marshmallow's result, faster.
    dump_one = dump_many = None
    if response is not None:
        sparse_one = _sparse_dumper(response, many=many)
        sparse_many = _sparse_dumper(response, many=True)
        dump_one, dump_many = sparse_one(None), sparse_many(None)

    def answer(result: Any) -> Any:
        if isinstance(result, Reply):
            return _dumped(result.value), result.status, dict(result.headers)
        if isinstance(result, Response):
            return result
        if status == 204:
            return "", 204
        return _dumped(result), status

    def _dumped(value: Any) -> Any:
        fields = request.args.get("fields") if request.method in ("GET", "HEAD") else None
        if response is None:
            fields = None
        if many and isinstance(value, list):
            value = whole_page(value)
        exclude: tuple[str, ...] = ()
        if expand is not None and response is not None:
            answered = expand.resolve(request.args.get("expand"))
            if answered not in left_out:
                left_out[answered] = expand.excluded(response, answered)
            exclude = left_out[answered]
        if isinstance(value, Page):
            if fields is None and not exclude:
                return value.envelope(dump_many)
            return value.envelope(sparse_many(fields, exclude))
        if dump_one is None:
            return value
        if fields is None and not exclude:
            return dump_one(value)
        return sparse_one(fields, exclude)(value)

    left_out: dict[frozenset[str], tuple[str, ...]] = {}  # per set of blocks (bounded)
    if expand is not None:
        if response is None:
            raise ValueError("expand= needs the response schema")
        for name in expand.blocks:
            _schema_path(response, name)  # every declared block is a field: checked once
        errors += (400,)

    def decorate(func: Callable) -> Callable:
        reads = func.__name__ == "get" and response is not None
        takes_expand = expand is not None and "expand" in inspect.signature(func).parameters

        @functools.wraps(func)
        def handler(resource, *args, **kwargs):
            if authorize is not None:
                authorize()
            if reads and "fields" in request.args:
                sparse_one(request.args["fields"])  # a bad fieldset: 400 before any SQL
            if expand is None and list_spec is not None and "expand" in request.args:
                # reserved by the lists (listing.py), answered by the lists declaring it
                raise InvalidParameter(
                    "Invalid query parameters.", {"expand": ["Unknown parameter."]}
                )
            if expand is not None:
                answered = expand.resolve(request.args.get("expand"))  # 400 before any SQL
                if takes_expand:
                    kwargs["expand"] = answered
            key = requested_key() if idempotent else None
            if body is not None:
                schema = _AsSent() if as_sent else body()
                kwargs["body"] = load(schema) if load else load_body(schema, partial=partial)
            if list_spec is not None:
                kwargs["params"] = list_params(list_spec)
            return call_idempotently(key, lambda: answer(func(resource, *args, **kwargs)))

        text = description or _DEFAULT_TEXT.get(status, "OK")
        if list_spec is not None:
            handler = ns.doc(params=list_params_doc(list_spec))(handler)
            handler = ns.response(status, text, list_model_for(ns, response))(handler)
        elif response is not None and status != 204:
            model = model_for(ns, response)
            listed = list_model_for(ns, response) if many else model
            handler = ns.response(status, text, listed)(handler)
        else:
            handler = ns.response(status, text)(handler)
        if idempotent:
            handler = ns.doc(params=_IDEMPOTENCY_DOC)(handler)
            if response is not None and status != 200 and list_spec is None:
                replayed = (
                    f"Replayed: the answer to the first request with this {IDEMPOTENCY_HEADER}"
                )
                handler = ns.response(200, replayed, model_for(ns, response))(handler)
        if body is not None and load is None:
            handler = ns.expect(model_for(ns, body))(handler)
        if reads:
            handler = ns.doc(params=_FIELDS_DOC)(handler)
        if expand is not None:
            handler = ns.doc(params=expand.doc())(handler)
        documented = set(errors) | ({400} if reads else set())
        return document_errors(ns, _registry(ns), *sorted(documented))(handler)

    return decorate
