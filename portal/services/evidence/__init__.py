"""Evidence: an append-only RFC 9162 transparency log with signed checkpoints and court-verifiable bundles.

Pure modules (no database, no Flask; importable by an offline verifier): ``merkle`` (hashing, proofs, verification),
``note`` (C2SP signed notes, checkpoints, verifier keys), ``entry`` (the committed entry and its canonical bytes),
``bundle`` (build and verify a bundle). The rest is the service: ``models``, ``store`` (the batched tree),
``signing`` (the log's keys), ``log`` (integration, checkpoints), ``audit`` (audit and monitor), ``policy``,
``operations`` and ``tasks``. This file imports nothing so the offline verifier stays light.
"""
