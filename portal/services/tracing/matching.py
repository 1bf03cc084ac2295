"""Entity resolution without an identifier: normalised enterprise names and place similarity, with an explainable
match score. Pure Python (no database): the operations fetch candidates set-based and call :func:`score_candidates`.

score = NAME_WEIGHT × name similarity + PLACE_WEIGHT × place similarity; a signal resolves to the best candidate when
its score reaches ``THRESHOLD`` and no other candidate ties with it (ambiguous names wait for a human)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

THRESHOLD = 0.85
NAME_WEIGHT = 0.7
PLACE_WEIGHT = 0.3
BLOCK = 4
"""Characters of the normalised name that make its blocking key (candidates share it)."""

# Longest first: 股份有限公司 before 有限公司 before 公司.
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "合伙企业", "个体工商户", "经营部",
             "co.,ltd.", "co.,ltd", "co.ltd", "co ltd", "company limited", "limited", "ltd", "inc", "corp")
_BARE = tuple(sorted({x.replace(" ", "").replace(".", "").replace(",", "") for x in _SUFFIXES}, key=len,
                     reverse=True))
_BRANCH = re.compile(r"[(（][^)）]*[)）]|分公司$|分店$")
_NOISE = re.compile(r"[\s\-_·.,，。、'\"“”‘’/\\]+")


def _halfwidth(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def normalize_name(name: str | None) -> str:
    """An enterprise name reduced to what identifies it: full-width to half-width, case folded, bracketed parts
    (branches, former names, places) and legal-form suffixes removed, spaces and punctuation dropped."""
    text = _halfwidth(name or "").casefold().strip()
    text = _BRANCH.sub("", text)
    text = _NOISE.sub("", text)
    changed = True
    while changed and text:
        changed = False
        for bare in _BARE:
            if text.endswith(bare) and len(text) > len(bare):
                text = text[: -len(bare)]
                changed = True
        text = _BRANCH.sub("", text)
    return text


_PLACES = ("浙江省", "江苏省", "安徽省", "上海市", "浙江", "江苏", "安徽", "上海", "绍兴市", "杭州市", "宁波市",
           "嘉兴市", "湖州市", "金华市", "台州市", "温州市", "苏州市", "无锡市", "南京市", "绍兴", "杭州", "宁波",
           "嘉兴", "湖州", "金华", "台州", "温州", "苏州", "无锡", "南京", "越城区", "柯桥区", "上虞区", "诸暨市",
           "嵊州市", "新昌县", "越城", "柯桥", "上虞", "诸暨", "嵊州", "新昌")
_PLACE_PREFIX = re.compile(r"^(?:" + "|".join(_PLACES) + r")+")


def block_key(key: str) -> str:
    """The blocking key of a normalised name: the first ``BLOCK`` characters after any leading place name (an
    enterprise name reads place + trade name + industry + legal form; the trade name discriminates)."""
    bare = _PLACE_PREFIX.sub("", key)
    return (bare or key)[:BLOCK]


def normalize_place(text: str | None) -> str:
    """An address or district for comparison: half-width, case folded, no spaces or punctuation."""
    return _NOISE.sub("", _halfwidth(text or "").casefold())


def similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two normalised strings (difflib's ratio; 1.0 when equal)."""
    if not a or not b:
        return 0.0
    return 1.0 if a == b else SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Candidate:
    """A registry debtor that may be the subject: its normalised name, district and (decrypted) address."""

    debtor_id: int
    name_key: str
    district: str | None
    address: str | None = None


@dataclass(frozen=True)
class Match:
    """The outcome for one signal: the chosen debtor (or None) with its score and the explanation."""

    debtor_id: int | None
    score: float
    explain: dict


def place_similarity(district: str | None, address: str | None, cand: Candidate) -> tuple[float, dict]:
    """(similarity, explanation) of the signal's place to a candidate's: the best of district equality and
    address similarity; 0 when nothing can be compared."""
    parts: dict = {}
    best = 0.0
    sd, cd = normalize_place(district), normalize_place(cand.district)
    if sd and cd:
        same = sd == cd or sd in cd or cd in sd
        parts["district"] = "match" if same else "differs"
        best = max(best, 1.0 if same else 0.0)
    sa, ca = normalize_place(address), normalize_place(cand.address)
    if sa and ca:
        sim = round(similarity(sa, ca), 3)
        parts["address_similarity"] = sim
        best = max(best, sim)
    elif sa and cd and cd in sa:  # the signal's address names the candidate's district
        parts["district_in_address"] = True
        best = max(best, 1.0)
    if not parts:
        parts["place"] = "unknown"
    return best, parts


def score_candidates(name_key: str, district: str | None, address: str | None,
                     candidates: list[Candidate]) -> Match:
    """The best candidate for a name-only signal, its score and why; ``debtor_id`` None below ``THRESHOLD`` or when
    two candidates tie at the top."""
    scored = []
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(name_key)  # analysed once for all candidates
    floor = THRESHOLD
    for cand in candidates:
        place_sim, place = place_similarity(district, address, cand)
        if cand.name_key == name_key:
            name_sim = 1.0
        else:
            matcher.set_seq1(cand.name_key)
            if NAME_WEIGHT * matcher.quick_ratio() + PLACE_WEIGHT * place_sim < floor:
                continue  # cannot reach the threshold (nor the best so far): not worth the full ratio
            name_sim = matcher.ratio()
        score = round(NAME_WEIGHT * name_sim + PLACE_WEIGHT * place_sim, 4)
        floor = max(floor, score) if score >= THRESHOLD else floor
        scored.append((score, cand.debtor_id, round(name_sim, 3), place))
    scored.sort(key=lambda s: (-s[0], s[1]))
    explain: dict = {"method": "name", "name_key": name_key, "threshold": THRESHOLD,
                     "weights": {"name": NAME_WEIGHT, "place": PLACE_WEIGHT}, "candidates": len(candidates)}
    if not scored:
        explain["reason"] = "no registry enterprise with a similar name and place"
        return Match(None, 0.0, explain)
    score, debtor_id, name_sim, place = scored[0]
    explain.update(score=score, name_similarity=name_sim, place=place)
    if len(scored) > 1:
        explain["runner_up"] = scored[1][0]
    if score < THRESHOLD:
        explain["reason"] = "best score below the threshold"
        return Match(None, score, explain)
    if len(scored) > 1 and scored[1][0] >= score:
        explain["reason"] = "two registry enterprises match equally well"
        return Match(None, score, explain)
    return Match(debtor_id, score, explain)
