"""Every route and every GraphQL root field refuses the anonymous (except the few that are public by contract)."""

from __future__ import annotations

import re

import pytest

from portal.api.schema import build_schema

PUBLIC_PATHS = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/login",
    "/login/totp",
    "/lang/<lang>",
    "/evidence/checkpoint",
    "/evidence/public-key",
    "/evidence/consistency",
}
PUBLIC_FIELDS = {"evidenceCheckpoint"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static") or rule.rule in PUBLIC_PATHS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.rule


def test_every_route_refuses_the_anonymous(app):
    checked = 0
    client = app.test_client()
    for method, path in _routes(app):
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", path)
        resp = client.open(url, method=method, json={"query": "{ __typename }"} if path == "/graphql" else None)
        if path == "/graphql" and method == "POST":
            continue  # anonymous GraphQL is refused per field, below
        assert resp.status_code in (302, 400, 401, 403), f"{method} {path} answered {resp.status_code}"
        if resp.status_code == 302:
            assert "/login" in resp.headers["Location"]
        checked += 1
    assert checked >= 3


def _root_fields():
    schema = build_schema().graphql_schema
    for op, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None:
            continue
        for name, field in root.fields.items():
            yield op, name, field


@pytest.mark.parametrize("op, name, field", list(_root_fields()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_graphql_field_refuses_the_anonymous(gql, op, name, field):
    if name in PUBLIC_FIELDS:
        pytest.skip("public by contract (evidence checkpoints)")
    from graphql import GraphQLNonNull, get_named_type, is_leaf_type

    args = []
    variables = {}
    defs = []
    for arg_name, arg in field.args.items():
        if isinstance(arg.type, GraphQLNonNull):
            defs.append(f"${arg_name}: {arg.type}")
            args.append(f"{arg_name}: ${arg_name}")
            variables[arg_name] = _sample(arg.type)
    selection = "" if is_leaf_type(get_named_type(field.type)) else "{ __typename }"
    head = f"{op}({', '.join(defs)})" if defs else op
    call = f"{name}({', '.join(args)})" if args else name
    status, body = gql(f"{head} {{ {call} {selection} }}", variables)
    codes = {e["extensions"]["code"] for e in body.get("errors", [])}
    assert codes == {"UNAUTHENTICATED"}, body
    assert status == 401


def _sample(type_):
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull

    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        return {k: _sample(f.type) for k, f in inner.fields.items() if isinstance(f.type, GraphQLNonNull)}
    return {"Date": "2026-01-01", "DateTime": "2026-01-01T00:00:00+08:00", "Int": 1, "Boolean": True, "Float": 1.0}.get(
        inner.name, "x"
    )
