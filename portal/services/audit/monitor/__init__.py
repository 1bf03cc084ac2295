"""Violating-speech monitor (issue 5, parts 3-4): data-driven detection of catalogue kinds in agent speech.

Public entry points:

* :func:`scan_utterance` — the real-time path: one utterance → findings.
* :func:`scan_transcript` — one transcript (list of ``{"speaker", "text"}``) → findings.
* :func:`scan_chunk` — a chunk of JSONL lines → results (for Celery tasks).
* :func:`scan_stream` — the streaming batch path behind ``portal audit scan``.

Pattern data lives in ``standards/speech/`` (see docs/audit-monitor.md); it is loaded and compiled once per process.
"""

from __future__ import annotations

from portal.core.errors import BadInput
from portal.services.audit.monitor.detector import SPEAKERS, Detector, Finding
from portal.services.audit.monitor.patterns import PatternError, load
from portal.services.audit.monitor.scan import BadLine, detector, parse_line, scan_chunk, scan_line, scan_stream

__all__ = ["BadLine", "Detector", "Finding", "PatternError", "detector", "load", "parse_line", "scan_chunk",
           "scan_line", "scan_stream", "scan_transcript", "scan_utterance"]


def scan_utterance(text: str, language: str, speaker: str) -> list[Finding]:
    """Findings in one utterance (real-time path). Non-agent speakers never yield findings."""
    return detector().scan_utterance(text, language, speaker)


def scan_transcript(turns: list[dict], language: str) -> list[Finding]:
    """Findings in a transcript given as ``[{"speaker": ..., "text": ...}, ...]``; ``BadInput`` if malformed."""
    if language not in ("zh", "en"):
        raise BadInput(f"unknown language {language!r} (expected zh or en)", field="language")
    pairs = []
    for i, turn in enumerate(turns):
        speaker, text = turn.get("speaker"), turn.get("text")
        if speaker not in SPEAKERS or not isinstance(text, str):
            raise BadInput(f"turns[{i}] needs a speaker in {', '.join(SPEAKERS)} and a text string", field="turns")
        pairs.append((speaker, text))
    return detector().scan_turns(pairs, language)
