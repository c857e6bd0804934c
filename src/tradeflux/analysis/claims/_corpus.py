"""Scores on real text: a corpus of sentences copied from published pages, labelled by hand.

``data/claims/real_sentences.csv`` has one row per labelled claim (a sentence without a trade claim
has one row with an empty ``metric``: a decoy), with the page's URL and publication date, and the
text a reader needs to know who the sentence is about (``context``: usually the headline). The corpus
was split once, by page, into a development part (rules are tuned on it) and a held-out part (never
looked at while tuning): a page's SHA-1 decides, so that the split does not change as rows are added.

A claim is found when one extracted from the sentence has the same metric, kind, value and unit;
"with sides and year" also asks for the same reporter, partner, product and year of its period.
``verdict`` holds the verdict checked by hand against the raw files (``not checkable`` where the shared data
hold no figure for the fact); verdict accuracy is measured on the claims a hand check found checkable
(consistent or inconsistent) and extraction found with the right sides and year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from importlib import resources
from urllib.parse import urlparse

import pandas as pd

from tradeflux.reference.countries import CountryTable

HELD_OUT_SHARE = 0.4
_COLUMNS = [
    "sid",
    "url",
    "published",
    "context",
    "sentence",
    "metric",
    "reporter",
    "partner",
    "product",
    "period",
    "value",
    "unit",
    "kind",
    "verdict",
    "note",
]


def part_of(url: str) -> str:
    """``held-out`` or ``development``, fixed by the page's URL."""
    digest = int(hashlib.sha1(url.encode("utf-8")).hexdigest()[:8], 16)
    return "held-out" if digest % 100 < HELD_OUT_SHARE * 100 else "development"


def load() -> pd.DataFrame:
    path = resources.files("tradeflux") / "data" / "claims" / "real_sentences.csv"
    with path.open(encoding="utf-8") as handle:
        frame = pd.read_csv(handle, dtype=str, keep_default_na=False)
    frame = frame.reindex(columns=_COLUMNS, fill_value="")
    frame["part"] = frame.url.map(part_of)
    return frame


def slug_headline(url: str, countries: CountryTable) -> str:
    """The headline a page's address spells ("/chinas-trade-surplus-hit-a-record" -> "China's Trade
    Surplus Hit A Record"): the path segment with the most words."""
    segments = [seg for seg in urlparse(url).path.split("/") if seg]
    words_of = [[w for w in re.split(r"[-_+]+", re.sub(r"\.\w+$", "", seg)) if w.isalpha()] for seg in segments]
    words = max(words_of, key=len, default=[])
    if len(words) < 3:
        return ""
    out: list[str] = []
    for word in words:
        low = word.lower()
        if low in ("us", "uk", "eu"):
            out.append(low.upper())
        elif low == "s" and out and out[-1] == "U":
            out[-1] = "U.S."  # "u-s-trade-deficit"
        elif low == "s" and out:
            out[-1] += "'s"  # "china-s-foreign-trade"
        elif len(low) > 3 and low.endswith("s") and countries.match(low[:-1]) not in (None, "WLD"):
            out.append(low[:-1].title() + "'s")  # "malaysias-exports"
        else:
            out.append(low.title())
    return " ".join(out)


def page_subject(url: str, countries: CountryTable) -> str | None:
    """Who a page is about, as its reader knows from the headline or the site: an official statistics
    site's country, else the first country its address's headline names."""
    from tradeflux.analysis.claims import _lexicon as lex
    from tradeflux.analysis.claims._extract import headline_subject

    host = urlparse(url).netloc.lower()
    for site, code in lex.OFFICIAL_SITES.items():
        if host == site or host.endswith("." + site):
            return code
    headline = slug_headline(url, countries)
    found = headline_subject(headline, countries) if headline else None
    return found or site_country(host, countries)


def site_country(host: str, countries: CountryTable) -> str | None:
    """The country of a site's national domain ("en.ce.cn" -> CHN, "www.japantimes.co.jp" -> JPN), as a
    reader takes a national paper's unattributed "exports" for its own country's; None for the domains
    sold worldwide (.tv, .co, .io, ...)."""
    from tradeflux.analysis.claims import _lexicon as lex

    tld = host.rsplit(".", 1)[-1]
    if tld == "gov":
        return "USA"
    if len(tld) != 2 or tld in lex.GENERIC_COUNTRY_DOMAINS:
        return None
    code = (
        "GBR"
        if tld == "uk"
        else next((c.iso3 for c in countries.countries.values() if (c.iso2 or "").lower() == tld), None)
    )
    return code


# the labellers' names for products the lexicon calls otherwise
_PRODUCT_LABELS = {"solar_pv": "solar", "mechanical_electrical": "machinery", "nodx": "non_oil"}
_AREA_LABELS = {"EA19": "EUZ", "EA20": "EUZ"}  # the euro area of that year


def _same(a, b) -> bool:
    a, b = _AREA_LABELS.get(a, a), _AREA_LABELS.get(b, b)
    a = None if a in (None, "", "WLD") or (isinstance(a, float) and math.isnan(a)) else a
    b = None if b in (None, "", "WLD") or (isinstance(b, float) and math.isnan(b)) else b
    return a == b


def _value_matches(claim, value: float, unit: str) -> bool:
    got = claim.unit if claim.unit else ("pct" if claim.currency is None else claim.currency)
    return got == unit and math.isclose(claim.value, value, rel_tol=1e-6, abs_tol=1e-6)


def _year(period: str) -> int | None:
    return int(period[:4]) if period[:4].isdigit() else None


def score(countries: CountryTable, store=None) -> dict:
    """Precision and recall per part, and verdict accuracy where a store is given."""
    from tradeflux.analysis.claims import extract
    from tradeflux.analysis.claims._verify import Verifier

    frame = load()
    verifier = Verifier(store) if store is not None else None
    parts: dict[str, dict] = {}
    for part, rows_of_part in frame.groupby("part", sort=True):
        s = {
            "sentences": 0,
            "decoys": 0,
            "expected": 0,
            "extracted": 0,
            "matched": 0,
            "strict": 0,
            "decoy_claims": 0,
            "verdicts": 0,
            "verdicts_right": 0,
            "misses": [],
            "extra": [],
            "wrong_verdicts": [],
        }
        for sid, rows in rows_of_part.groupby("sid", sort=True):
            first = rows.iloc[0]
            context = first.context.strip()
            text = f"{context}\n{first.sentence}" if context else first.sentence
            offset = len(context) + 1 if context else 0
            day = dt.date.fromisoformat(first.published)
            subject = page_subject(first.url, countries)
            got = [c for c in extract(text, countries, today=day, subject=subject) if c.start >= offset]
            labelled = rows[rows.metric != ""]
            s["sentences"] += 1
            s["extracted"] += len(got)
            if labelled.empty:
                s["decoys"] += 1
                s["decoy_claims"] += len(got)
                s["extra"] += [f"{sid} (decoy): {c.text!r} {c.metric}" for c in got]
                continue
            s["expected"] += len(labelled)
            used: set[int] = set()
            for row in labelled.itertuples():
                value = float(row.value)
                loose = [
                    i
                    for i, c in enumerate(got)
                    if i not in used
                    and c.metric == row.metric
                    and c.kind == row.kind
                    and _value_matches(c, value, row.unit)
                ]
                strict = [
                    i
                    for i in loose
                    if _same(got[i].reporter, row.reporter)
                    and _same(got[i].partner, row.partner)
                    and _same(got[i].product, _PRODUCT_LABELS.get(row.product, row.product) or None)
                    and got[i].year == _year(row.period)
                ]
                hit = (strict or loose or [None])[0]
                if hit is None:
                    s["misses"].append(
                        f"{sid}: {row.metric}/{row.kind} {row.value} {row.unit} "
                        f"{row.reporter}->{row.partner or '-'} {row.product or ''} {row.period}"
                    )
                    continue
                used.add(hit)
                s["matched"] += 1
                if strict:
                    s["strict"] += 1
                else:
                    c = got[hit]
                    s["misses"].append(
                        f"{sid}: sides/year: expected {row.reporter}->{row.partner or '-'} "
                        f"{row.product or ''} {row.period}, got {c.reporter}->{c.partner or '-'} "
                        f"{c.product or ''} {c.period}"
                    )
                if verifier is not None and row.verdict in ("consistent", "inconsistent") and strict:
                    s["verdicts"] += 1
                    verdict = verifier.verify(got[hit]).verdict
                    if verdict == row.verdict:
                        s["verdicts_right"] += 1
                    else:
                        s["wrong_verdicts"].append(f"{sid}: {row.value} expected {row.verdict}, got {verdict}")
            s["extra"] += [
                f"{sid}: {got[i].text!r} {got[i].metric}/{got[i].kind} {got[i].value:g}"
                for i in range(len(got))
                if i not in used
            ]
        s["precision"] = s["matched"] / s["extracted"] if s["extracted"] else 0.0
        s["recall"] = s["matched"] / s["expected"] if s["expected"] else 0.0
        s["recall_with_sides_and_year"] = s["strict"] / s["expected"] if s["expected"] else 0.0
        s["verdict_accuracy"] = s["verdicts_right"] / s["verdicts"] if s["verdicts"] else None
        parts[part] = s
    if verifier is not None:
        verifier.close()
    return {"parts": parts, "held_out_share": HELD_OUT_SHARE}


def table(result: dict) -> pd.DataFrame:
    """One row per part: the scores people read."""
    rows = []
    for part, s in result["parts"].items():
        rows.append(
            {
                "part": part,
                "sentences": s["sentences"],
                "decoys": s["decoys"],
                "claims labelled": s["expected"],
                "claims extracted": s["extracted"],
                "precision": round(s["precision"], 3),
                "recall": round(s["recall"], 3),
                "recall with sides and year": round(s["recall_with_sides_and_year"], 3),
                "claims from decoys": s["decoy_claims"],
                "verdicts checked": s["verdicts"],
                "verdict accuracy": None if s["verdict_accuracy"] is None else round(s["verdict_accuracy"], 3),
            }
        )
    return pd.DataFrame(rows)
