"""GraphQL of the evidence log: ``evidenceCheckpoint`` (public) — thin types over evidence.operations."""

from __future__ import annotations

import graphene

from portal.core.timeutil import as_utc
from portal.services.evidence import operations

PUBLIC_FIELDS = ("evidenceCheckpoint",)  # checkpoints are public (ACCESS.md)


class Checkpoint(graphene.ObjectType):
    """A signed checkpoint of the evidence log (C2SP tlog-checkpoint signed note, Ed25519)."""

    tree_size = graphene.Int(required=True)
    root_hash = graphene.String(required=True, description="hex SHA-256 root of the tree at tree_size")
    note = graphene.String(required=True, description="the signed note text, verifiable with the public key")
    published_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_root_hash(checkpoint, _info):
        return checkpoint.root_hash.hex()

    @staticmethod
    def resolve_published_at(checkpoint, _info):
        return as_utc(checkpoint.published_at)


class Query(graphene.ObjectType):
    """Evidence's root fields."""

    evidence_checkpoint = graphene.Field(Checkpoint, required=True)

    @staticmethod
    def resolve_evidence_checkpoint(_root, info):
        ctx = info.context
        return operations.newest_checkpoint(ctx.principal, session=ctx.session)
