"""Benchmark and evaluation of the violating-speech monitor.

    python benchmarks/bench_audit.py --eval heldout      precision/recall per family on the held-out corpus
    python benchmarks/bench_audit.py --eval dev [--show-errors]
    python benchmarks/bench_audit.py [--quick]           throughput (batch path, 2 workers) vs a naive regex
                                                         baseline, p50/p95 of scan_utterance, peak RSS 100k vs N
    python benchmarks/bench_audit.py --store [N]         lines/s of storing a JSONL transcript batch
                                                         (``operations.upload_batch``; SQLite, or DATABASE_URL)

Evaluation unit: (transcript, turn, family). A labelled violation is recalled when the detector reports any kind of
the same family on that turn; every reported (turn, family) without such a label is a false positive. Critical
families are those where at least a third of the monitored kinds are critical in the catalogue. ``--show-errors``
is refused for the held-out set: nothing is tuned on it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from portal.services.audit.monitor import detector, scan_stream  # noqa: E402
from portal.services.audit.monitor.normalise import normalise_term  # noqa: E402
from portal.services.audit.monitor.patterns import contraction_variants  # noqa: E402

CORPUS = HERE / "speech_corpus"
TARGETS = {True: (0.95, 0.80), False: (0.90, 0.85)}  # critical: (recall, precision); others


def critical_families(det) -> set[str]:
    """Families where >= 1/3 of the monitored kinds are critical."""
    total, crit = Counter(), Counter()
    for kind in det.data.monitored:
        entry = det.data.catalogue[kind]
        total[entry["family"]] += 1
        crit[entry["family"]] += entry["severity"] == "critical"
    return {f for f in total if crit[f] * 3 >= total[f]}


def family_scores(name: str, counts: tuple | None = None) -> dict[str, dict]:
    """``{family: {"critical", "gold", "tp", "fp", "fn", "precision", "recall", "target", "ok"}}`` for a corpus."""
    tp, fp, fn, _k, _e = counts or _count(name)
    det = detector()
    crit = critical_families(det)
    out = {}
    for fam in sorted({det.data.catalogue[k]["family"] for k in det.data.monitored}):
        g, p = tp[fam] + fn[fam], tp[fam] + fp[fam]
        prec, rec = (tp[fam] / p if p else 1.0), (tp[fam] / g if g else 1.0)
        r_t, p_t = TARGETS[fam in crit]
        out[fam] = {
            "critical": fam in crit,
            "gold": g,
            "tp": tp[fam],
            "fp": fp[fam],
            "fn": fn[fam],
            "precision": prec,
            "recall": rec,
            "target": (r_t, p_t),
            "ok": rec >= r_t and prec >= p_t,
        }
    return out


def _count(name: str):
    det = detector()
    fam_of = {k: e["family"] for k, e in det.data.catalogue.items()}
    tp, fp, fn = Counter(), Counter(), Counter()
    ktp = kfp = kfn = 0
    errors = []
    path = CORPUS / f"{name}.jsonl"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            turns = [(t["speaker"], t["text"]) for t in row["turns"]]
            found = det.scan_turns(turns, row["language"])
            gold = {(lab["turn"], lab["family"]) for lab in row["labels"]}
            pred = {(f.turn, fam_of[f.kind]) for f in found}
            gk = {(lab["turn"], lab["kind"]) for lab in row["labels"]}
            pk = {(f.turn, f.kind) for f in found}
            ktp += len(gk & pk)
            kfp += len(pk - gk)
            kfn += len(gk - pk)
            for key in gold & pred:
                tp[key[1]] += 1
            for key in pred - gold:
                fp[key[1]] += 1
                errors.append(("FP", key[1], row["turns"][key[0]]["text"], [f.kind for f in found if f.turn == key[0]]))
            for key in gold - pred:
                fn[key[1]] += 1
                kinds = [lab["kind"] for lab in row["labels"] if lab["turn"] == key[0]]
                errors.append(("FN", key[1], row["turns"][key[0]]["text"], kinds))
    return tp, fp, fn, (ktp, kfp, kfn), errors


def evaluate(name: str, show_errors: bool = False) -> bool:
    """Print the per-family table for ``<name>.jsonl``; return True when every family meets its target."""
    counts = _count(name)
    tp, fp, fn, (ktp, kfp, kfn), errors = counts
    scores = family_scores(name, counts)
    print(f"== {name}: {name}.jsonl (unit: transcript, turn, family) ==")
    print(f"{'family':32} {'crit':4} {'gold':>5} {'tp':>5} {'fp':>4} {'fn':>4} {'prec':>6} {'recall':>6}  target")
    for fam, s in scores.items():
        r_t, p_t = s["target"]
        print(
            f"{fam:32} {'yes' if s['critical'] else '':4} {s['gold']:5} {s['tp']:5} {s['fp']:4} {s['fn']:4} "
            f"{s['precision']:6.3f} {s['recall']:6.3f}  R>={r_t} P>={p_t} {'ok' if s['ok'] else 'MISS'}"
        )
    ok_all = all(s["ok"] for s in scores.values())
    t_, p_, n_ = sum(tp.values()), sum(fp.values()), sum(fn.values())
    prec, rec = t_ / max(1, t_ + p_), t_ / max(1, t_ + n_)
    print(f"{'ALL (micro)':37} {t_ + n_:5} {t_:5} {p_:4} {n_:4} {prec:6.3f} {rec:6.3f}")
    print(f"kind-exact micro: precision {ktp / max(1, ktp + kfp):.3f} recall {ktp / max(1, ktp + kfn):.3f}")
    if show_errors:
        for kind, fam, text, kinds in errors:
            print(f"{kind} {fam:28} {kinds} | {text}")
    return ok_all


# -------------------------------------------------------------------------------------------------- performance --
def make_bench_file(path: Path, n: int, seed: int = 7) -> None:
    """Write ``n`` deterministic transcripts of ~10 turns (about 5% of calls carry a violation)."""
    import importlib.util
    import random

    spec = importlib.util.spec_from_file_location("mk", CORPUS / "make_corpus.py")
    mk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mk)
    tpl = mk._load_templates("dev")
    comp = mk.Composer(tpl, "dev", seed)
    rng = random.Random(seed)
    kinds = sorted(tpl.VIOLATIONS)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            lang = "zh" if i % 2 else "en"
            turns = []
            for t in range(10):
                if t % 2:
                    turns.append({"speaker": "debtor", "text": comp.debtor(lang)})
                elif rng.random() < 0.01:
                    turns.append({"speaker": "agent", "text": rng.choice(tpl.VIOLATIONS[rng.choice(kinds)][lang])})
                else:
                    turns.append({"speaker": "agent", "text": comp.clean_agent(lang)})
            fh.write(json.dumps({"id": f"b{i}", "language": lang, "turns": turns}, ensure_ascii=False) + "\n")


def peak_rss_mb() -> float:
    """Peak RSS (MB) of this process and of its (waited-for) children."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def child_scan(path: Path, workers: int, limit: int | None) -> None:
    """Run the batch path over ``path`` (first ``limit`` lines) writing to /dev/null; print one JSON line of stats."""
    detector()
    start = time.perf_counter()
    n = bad = 0
    with path.open("rb") as src, open(os.devnull, "w", encoding="utf-8") as out:
        stream = islice(src, limit) if limit else src
        for res in scan_stream(stream, workers=workers, chunk_size=1000):
            n += 1
            if res.output is None:
                bad += 1
            else:
                out.write(res.output + "\n")
    elapsed = time.perf_counter() - start
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    stats = {
        "lines": n,
        "bad": bad,
        "seconds": elapsed,
        "rate": n / elapsed,
        "peak_rss_mb": peak_rss_mb(),
        "parent_rss_mb": own.ru_maxrss / 1024,
        "cpu_seconds": cpu,
        "per_cpu_second": n / cpu,
        "load": os.getloadavg()[0],
    }
    print(json.dumps(stats))


def run_child(path: Path, workers: int, limit: int | None) -> dict:
    cmd = [sys.executable, __file__, "--child-scan", str(path), "--workers", str(workers)]
    if limit:
        cmd += ["--limit", str(limit)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def naive_baseline(path: Path, n: int) -> float:
    """Transcripts/s of the naive approach: one regular expression per rule, run over every turn."""
    det = detector()
    compiled = []
    for lang, model in det.models.items():
        names = {v: k for k, v in model.class_ids.items()}
        terms: dict[str, list[str]] = {}
        for file in sorted((det.data.root / "patterns" / lang).glob("*.toml")):
            import tomllib

            with file.open("rb") as fh:
                for cname, ts in tomllib.load(fh).get("classes", {}).items():
                    terms[cname] = [
                        v
                        for t in ts
                        for v in (
                            contraction_variants(normalise_term(t.rstrip("*"), lang))
                            if lang == "en"
                            else [normalise_term(t, lang)]
                        )
                    ]
        for rule in model.rules:
            parts = []
            for alts in rule.seq:
                words = [w for a in alts for w in terms.get(names[a], [r"\d{13,19}"])]
                parts.append("(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")")
            compiled.append((lang, re.compile(f".{{0,{rule.window}}}?".join(parts))))
    start = time.perf_counter()
    with path.open(encoding="utf-8") as fh:
        for line in islice(fh, n):
            row = json.loads(line)
            for turn in row["turns"]:
                text = turn["text"].lower()
                for lang, rx in compiled:
                    if lang == row["language"]:
                        rx.search(text)
    return n / (time.perf_counter() - start)


def latency() -> tuple[float, float, int]:
    """p50/p95 (ms) of scan_utterance over every agent turn of the dev corpus."""
    from portal.services.audit.monitor import scan_utterance

    samples = []
    with (CORPUS / "dev.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for t in row["turns"]:
                if t["speaker"] == "agent":
                    samples.append((t["text"], row["language"]))
    times = []
    for text, lang in samples:
        t0 = time.perf_counter()
        scan_utterance(text, lang, "agent")
        times.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(times, n=100)
    return q[49], q[94], len(times)


def bench(quick: bool, workers: int) -> None:
    """Throughput of the batch path vs the naive baseline, latency, and peak RSS at two input sizes."""
    total = 100_000 if quick else 1_200_000
    small = 20_000 if quick else 100_000
    path = Path(os.environ.get("BENCH_AUDIT_DIR", tempfile.gettempdir())) / f"bench_audit_{total}.jsonl"
    if not path.exists():
        t0 = time.perf_counter()
        make_bench_file(path, total)
        print(f"generated {total} transcripts in {time.perf_counter() - t0:.1f}s -> {path}")
    p50, p95, count = latency()
    print(f"scan_utterance latency over {count} agent turns: p50 {p50:.3f} ms, p95 {p95:.3f} ms (target p95 <= 200 ms)")
    base_n = 2_000 if quick else 10_000
    base = naive_baseline(path, base_n)
    print(
        f"naive baseline (one regex per rule over every turn, 1 core, first {base_n} transcripts): {base:,.0f} /s "
        f"(load {os.getloadavg()[0]:.1f})"
    )
    runs = (("1 worker", 1), (f"{workers} workers", workers))
    for label, stats in ((lab, run_child(path, w, small)) for lab, w in runs):
        print(
            f"batch path, {label}, {stats['lines']} transcripts: {stats['rate']:,.0f} /s, "
            f"{stats['per_cpu_second']:,.0f} per CPU-second, peak RSS {stats['peak_rss_mb']:.0f} MB, "
            f"load {stats['load']:.1f}"
        )
        few = stats
    big = run_child(path, workers, None)
    print(
        f"batch path, {workers} workers, {big['lines']} transcripts: {big['rate']:,.0f} /s in {big['seconds']:.1f}s "
        f"(target >= 2,000 /s); {big['per_cpu_second']:,.0f} per CPU-second; load {big['load']:.1f}"
    )
    print(f"speed-up vs naive baseline (wall-clock): {big['rate'] / base:.1f}x")
    print(
        f"memory while streaming: parent peak RSS {few['parent_rss_mb']:.0f} MB at {few['lines']} lines vs "
        f"{big['parent_rss_mb']:.0f} MB at {big['lines']}; largest process {few['peak_rss_mb']:.0f} vs "
        f"{big['peak_rss_mb']:.0f} MB"
    )


def bench_store(n: int, database_url: str | None) -> None:
    """Lines/s of ``upload_batch`` storing ``n`` dev-corpus transcripts (1% bad lines), then re-sending the batch.

    A throw-away SQLite file, or a fresh database created next to ``database_url`` (PostgreSQL) and dropped after.
    """
    sys.path.insert(0, str(HERE))
    import bench_audit_realtime as rt
    from sqlalchemy import create_engine, select, text

    from portal.services.audit import operations
    from portal.tenancy.models import User

    rows = [json.loads(x) for x in (CORPUS / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    lines = []
    for i in range(n):
        row = rows[i % len(rows)]
        body = {"id": f"s{i}", "language": row["language"], "turns": row["turns"]}
        lines.append("{not json" if i % 100 == 99 else json.dumps(body, ensure_ascii=False))
    admin, name = None, None
    with tempfile.TemporaryDirectory() as tmp:
        url = None
        if database_url and database_url.startswith("postgresql"):
            name = f"bench_store_{os.getpid()}"
            admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = database_url.rsplit("/", 1)[0] + "/" + name
        try:
            app, _config, ids, debt_id, debtor_id, _token = rt.build(Path(tmp), url, f"sqla+sqlite:///{tmp}/b.db")
            rt.add_attempts(app, ids, debt_id, debtor_id, n, "s")
            db = app.extensions["db"]
            with db.unit_of_work() as s:
                principal = s.scalar(select(User).where(User.email == "admin@agency-a.bench")).principal()
            for label in ("new", "re-sent (all unchanged)"):
                t0 = time.perf_counter()
                with app.app_context(), db.unit_of_work(ids["agency-a"]) as s:
                    result = operations.upload_batch(principal, lines, filename="bench.jsonl",
                                                     keyring=app.extensions["keyring"], session=s)
                    b = result.batch
                    counts = (b.lines_stored, b.lines_unchanged, b.lines_bad)
                elapsed = time.perf_counter() - t0
                print(f"batch store on {db.engine.dialect.name}, {n} lines {label}: {n / elapsed:,.0f} lines/s "
                      f"({elapsed:.1f} s; stored/unchanged/refused {counts}; load {os.getloadavg()[0]:.1f})")
            db.dispose()
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


def main() -> None:
    """Command line: evaluation or benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", choices=["dev", "heldout"])
    parser.add_argument("--show-errors", action="store_true", help="list misses and false positives (dev only)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--store", type=int, nargs="?", const=20_000, metavar="N",
                        help="time storing an N-line transcript batch (default 20000) on SQLite or DATABASE_URL")
    parser.add_argument("--child-scan", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_scan:
        child_scan(args.child_scan, args.workers, args.limit)
    elif args.store:
        bench_store(args.store, os.environ.get("DATABASE_URL"))
    elif args.eval:
        if args.show_errors and args.eval == "heldout":
            parser.error("--show-errors is refused for the held-out set (it is never used for tuning)")
        sys.exit(0 if evaluate(args.eval, args.show_errors) else 1)
    else:
        bench(args.quick, args.workers)


if __name__ == "__main__":
    main()
