"""Operation limits checked before anything runs: depth, aliases, estimated nodes, one ``debtor`` per operation,
and introspection off in production (``__typename`` still allowed).

Each limit walks every operation with its fragments expanded, so no operation or fragment name escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from portal.api.errors import coded


@dataclass(frozen=True)
class Limits:
    """The documented limits (CONTRACT.md)."""

    depth: int = 8
    aliases: int = 15
    tokens: int = 2000
    nodes: int = 10_000
    debtor_lookups: int = 1
    default_page: int = 20
    max_page: int = 100


@dataclass
class _Tally:
    depth: int = 0
    aliases: int = 0
    nodes: int = 0
    debtor: int = 0


class _Walker:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict, limits):
        self.schema, self.fragments, self.variables, self.limits = schema, fragments, variables, limits

    def page_size(self, field: FieldNode, field_def: Any) -> int:
        if field_def is None or "first" not in field_def.args:
            return 1
        for arg in field.arguments:
            if arg.name.value == "first":
                if isinstance(arg.value, IntValueNode):
                    return max(0, min(int(arg.value.value), self.limits.max_page))
                if isinstance(arg.value, VariableNode):
                    value = self.variables.get(arg.value.name.value)
                    if isinstance(value, int):
                        return max(0, min(value, self.limits.max_page))
        return self.limits.default_page

    def walk(
        self,
        sel: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        depth: int,
        mult: int,
        tally: _Tally,
        seen: frozenset[str],
        root: bool,
    ) -> None:
        if sel is None:
            return
        for node in sel.selections:
            if isinstance(node, FieldNode):
                name = node.name.value
                if node.alias is not None:
                    tally.aliases += 1
                if name.startswith("__"):
                    continue
                if root and name == "debtor":
                    tally.debtor += 1
                field_def = parent.fields.get(name) if isinstance(parent, GraphQLObjectType) else None
                tally.nodes += mult
                tally.depth = max(tally.depth, depth + 1)
                child_type = get_named_type(field_def.type) if field_def is not None else None
                factor = self.page_size(node, field_def)
                self.walk(node.selection_set, child_type, depth + 1, mult * max(factor, 1), tally, seen, False)
            elif isinstance(node, InlineFragmentNode):
                cond = node.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                self.walk(node.selection_set, target, depth, mult, tally, seen, root)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                frag = self.fragments.get(name)
                if frag is None or name in seen:
                    continue  # unknown fragments and cycles are reported by the standard rules
                target = self.schema.get_type(frag.type_condition.name.value)
                self.walk(frag.selection_set, target, depth, mult, tally, seen | {name}, root)


def limit_rule(variables: dict[str, Any] | None, limits: Limits = Limits(), *, introspection: bool = True):
    """A validation rule class enforcing ``limits`` (and, when ``introspection`` is False, refusing it)."""
    values = dict(variables or {})

    class OperationLimits(ValidationRule):
        def __init__(self, context: ValidationContext):
            super().__init__(context)
            doc = context.document
            fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
            walker = _Walker(context.schema, fragments, values, limits)
            for op in doc.definitions:
                if not isinstance(op, OperationDefinitionNode):
                    continue
                root_type = context.schema.get_root_type(op.operation)
                tally = _Tally()
                walker.walk(op.selection_set, root_type, 0, 1, tally, frozenset(), True)
                label = op.name.value if op.name else "anonymous operation"
                checks = (
                    (tally.depth > limits.depth, f"depth {tally.depth} exceeds {limits.depth}"),
                    (tally.aliases > limits.aliases, f"{tally.aliases} aliases exceed {limits.aliases}"),
                    (tally.nodes > limits.nodes, f"estimated {tally.nodes} nodes exceed {limits.nodes}"),
                    (tally.debtor > limits.debtor_lookups, f"{tally.debtor} debtor look-ups exceed 1"),
                )
                for failed, why in checks:
                    if failed:
                        context.report_error(coded(f"{label}: {why}", "QUERY_TOO_COMPLEX", op))

        def enter_field(self, node: FieldNode, *_args: Any) -> None:
            if not introspection and node.name.value in {"__schema", "__type"}:
                self.report_error(coded("introspection is disabled in production mode", "FORBIDDEN", node))

    return OperationLimits
