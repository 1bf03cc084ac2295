"""Tracing (资产追踪 / "eagle eye"): creditor banks ask a tracer institution to trace the debtor of one of their debts;
tracers post early-warning signals over 12 dimensions (``kinds.py``), which are resolved to registry debtors (by keyed
identifier hash, else by normalised enterprise name and place, ``matching.py``), scored per debtor (``warning.py``)
and turned into alerts (``TracingAlert``) shown per ACCESS.md's "tracing alerts" row."""
