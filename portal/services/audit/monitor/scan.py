"""Batch scanning of transcript JSONL (CONTRACT.md): line validation, chunks for Celery, a streaming file scanner.

* :func:`scan_line` turns one input line into its output line, or a reason why the line is bad.
* :func:`scan_chunk` scans a list of lines and returns JSON-serialisable results — what a Celery task calls.
* :func:`scan_stream` reads a binary stream line by line (never the whole file), optionally fans chunks out to a
  process pool with a bounded number in flight, and yields results strictly in input order; memory stays flat.
"""

from __future__ import annotations

import json
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from portal.services.audit.monitor.detector import SPEAKERS, Detector

LANGUAGES = ("zh", "en")
_DETECTOR: Detector | None = None


def detector() -> Detector:
    """The process-wide detector (patterns loaded and compiled once per process)."""
    global _DETECTOR
    if _DETECTOR is None:
        _DETECTOR = Detector()
    return _DETECTOR


def use_detector(det: Detector) -> None:
    """Make ``det`` the process-wide detector (e.g. compiled from another ``standards/speech`` folder)."""
    global _DETECTOR
    _DETECTOR = det


class BadLine(ValueError):
    """A transcript line that cannot be scanned; the message says why."""


def parse_line(line: str | bytes) -> tuple[object, str, list[tuple[str, str]]]:
    """Validate one JSONL line; return ``(id, language, [(speaker, text), ...])`` or raise :class:`BadLine`."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadLine(f"not valid UTF-8 (byte {exc.start})") from None
    if not line.strip():
        raise BadLine("empty line")
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise BadLine(f"invalid JSON: {getattr(exc, 'msg', exc)} (column {getattr(exc, 'colno', '?')})") from None
    if not isinstance(obj, dict):
        raise BadLine("not a JSON object")
    tid = obj.get("id")
    if tid is None:
        raise BadLine("missing id")
    if isinstance(tid, bool) or not isinstance(tid, str | int) or tid == "":
        raise BadLine("id must be a non-empty string or an integer")
    language = obj.get("language")
    if language not in LANGUAGES:
        raise BadLine(f"unknown language {language!r} (expected zh or en)")
    turns = obj.get("turns")
    if not isinstance(turns, list):
        raise BadLine("turns is not a list" if "turns" in obj else "missing turns")
    out = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise BadLine(f"turns[{i}] is not an object")
        speaker = turn.get("speaker")
        if speaker not in SPEAKERS:
            raise BadLine(f"turns[{i}].speaker {speaker!r} is not one of {', '.join(SPEAKERS)}")
        text = turn.get("text")
        if not isinstance(text, str):
            raise BadLine(f"turns[{i}].text is not a string")
        out.append((speaker, text))
    return tid, language, out


def scan_line(line: str | bytes, det: Detector | None = None) -> dict:
    """Scan one line; return ``{"id", "findings"}`` (the output object). Raises :class:`BadLine`."""
    tid, language, turns = parse_line(line)
    det = det or detector()
    return {"id": tid, "findings": [f.as_dict() for f in det.scan_turns(turns, language)]}


def scan_chunk(lines: list[str | bytes], first_line: int = 1) -> list[dict]:
    """Scan a chunk of JSONL lines (what a Celery task calls; the result is JSON-serialisable).

    Each result is ``{"line": N, "output": {"id", "findings"}}`` or ``{"line": N, "error": "reason"}``, in order.
    """
    det = detector()
    results = []
    for n, line in enumerate(lines, start=first_line):
        try:
            results.append({"line": n, "output": scan_line(line, det)})
        except BadLine as exc:
            results.append({"line": n, "error": str(exc)})
    return results


def _scan_chunk_text(args: tuple[list[bytes], int]) -> list[tuple[int, str | None, str | None]]:
    """Worker form of :func:`scan_chunk`: ``(line, output JSON text or None, error or None)`` tuples."""
    lines, first_line = args
    det = detector()
    out = []
    for n, line in enumerate(lines, start=first_line):
        try:
            out.append((n, json.dumps(scan_line(line, det), ensure_ascii=False), None))
        except BadLine as exc:
            out.append((n, None, str(exc)))
    return out


@dataclass
class Result:
    """One input line's outcome: the output JSON text, or the error reason."""

    line: int
    output: str | None
    error: str | None


def _chunks(stream: Iterable[bytes], size: int) -> Iterator[tuple[list[bytes], int]]:
    chunk: list[bytes] = []
    first = 1
    n = 0
    for n, raw in enumerate(stream, start=1):
        if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        chunk.append(raw.rstrip(b"\r\n"))
        if len(chunk) >= size:
            yield chunk, first
            chunk = []
            first = n + 1
    if chunk:
        yield chunk, first


def scan_stream(stream: Iterable[bytes], workers: int = 1, chunk_size: int = 500) -> Iterator[Result]:
    """Scan a binary line stream; yield one :class:`Result` per input line, in input order.

    With ``workers > 1`` chunks go to a process pool; at most ``2 * workers`` chunks are in flight, so memory does
    not grow with the input.
    """
    if workers <= 1:
        for chunk, first in _chunks(stream, chunk_size):
            for n, out, err in _scan_chunk_text((chunk, first)):
                yield Result(n, out, err)
        return
    detector()  # compile once in the parent; forked workers inherit it
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ctx.Pool(workers) as pool:
        pending: deque = deque()
        for job in _chunks(stream, chunk_size):
            pending.append(pool.apply_async(_scan_chunk_text, (job,)))
            while len(pending) >= 2 * workers:
                for n, out, err in pending.popleft().get():
                    yield Result(n, out, err)
        while pending:
            for n, out, err in pending.popleft().get():
                yield Result(n, out, err)
        pool.close()
        pool.join()
