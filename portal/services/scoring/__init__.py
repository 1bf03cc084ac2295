"""Credit scoring: explainable scorecards, a gradient-boosting challenger, model governance per bank, stability
monitoring, and federated training across banks (horizontal with secure aggregation, vertical with PSI).

Pure algorithm modules (no database, no Flask): ``data``, ``binning``, ``features``, ``training``, ``scorecard``,
``gbm``, ``metrics``, ``evaluate``, ``monitoring`` and ``federated/``. The feature vocabulary: ``models``,
``policy``, ``operations``, ``tasks``. See docs/scoring.md.
"""
