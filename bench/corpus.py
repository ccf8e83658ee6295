"""The forum benchmark's text, shared by both sides of ``bench.compare``.

One generator for this project's seed (``bench.forum``) and the peer's
(``bench/spirit/seed.py``), so that "the same shape of data" holds for the words too:
how long a post is, how much Markdown it carries, and how many posts a query word
matches. Two generators once drifted apart: the peer's used a dense clinical
vocabulary in which nearly every topic matched the benchmark's query, ours a long
tail in which a few percent did, and the search ratio compared unlike work.

Standard library only: the peer's interpreter imports it too.
"""

from __future__ import annotations

import random

COMMON = [
    "we",
    "the",
    "a",
    "and",
    "to",
    "of",
    "in",
    "for",
    "our",
    "at",
    "with",
    "on",
    "was",
    "is",
    "it",
    "this",
    "that",
    "by",
    "from",
    "staff",
    "mothers",
    "babies",
    "ward",
    "team",
    "week",
    "month",
    "after",
    "before",
    "when",
    "every",
    "each",
    "new",
]
# The domain's words, after the common ones in the Zipf ranking.
WORDS = [
    "oxytocin",
    "partograph",
    "kangaroo",
    "newborn",
    "hypothermia",
    "sepsis",
    "audit",
    "huddle",
    "triage",
    "referral",
    "chlorhexidine",
    "resuscitation",
    "haemorrhage",
    "eclampsia",
    "magnesium",
    "hygiene",
    "sterilisation",
    "oxygen",
    "concentrator",
    "cadence",
    "collaborative",
    "facility",
    "district",
    "midwife",
    "nurse",
    "night",
    "shift",
    "checklist",
    "run",
    "chart",
    "baseline",
    "change",
    "idea",
    "worked",
    "adapted",
]
LINKS = [
    "https://example.org/guidelines",
    "https://example.org/toolkit",
    "https://example.org/run-chart",
]


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Common words, then the domain's, then a long tail, with Zipf-like weights, so a
    query word matches a realistic few percent of posts, not all of them."""
    letters = "abcdefghiklmnoprstuvy"
    tail = {
        "".join(rng.choice(letters) for _ in range(rng.randint(4, 10)))
        for _ in range(3000)
    }
    words = COMMON + WORDS + sorted(tail)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def _sentence(rng: random.Random, vocab, bold: bool) -> str:
    words = rng.choices(vocab[0], weights=vocab[1], k=rng.randint(7, 15))
    if bold:
        # Writers stress the domain's word when there is one.
        terms = [i for i, word in enumerate(words) if word in WORDS]
        i = rng.choice(terms) if terms else rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    return " ".join(words).capitalize() + "."


def body(rng: random.Random, vocab) -> str:
    """About 400 characters of Markdown: a paragraph, sometimes a list or a link."""
    target = rng.randint(300, 480)
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(_sentence(rng, vocab, bold=rng.random() < 0.3))
    text = " ".join(parts)
    roll = rng.random()
    if roll < 0.2:
        items = [
            "- " + " ".join(rng.choices(vocab[0], weights=vocab[1], k=3))
            for _ in range(rng.randint(2, 4))
        ]
        text += "\n\n" + "\n".join(items)
    elif roll < 0.35:
        text += f" See [the {rng.choice(WORDS)} notes]({rng.choice(LINKS)})."
    return text


def title(rng: random.Random, vocab) -> str:
    words = rng.choices(vocab[0], weights=vocab[1], k=rng.randint(4, 10))
    return " ".join(words).capitalize()


def bodies(n: int = 2000, seed: int = 2026) -> tuple[list[str], tuple]:
    """``n`` post bodies, the same on every call and on both sides, that the seeds
    draw every post or comment from; and the vocabulary they came from (titles)."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    return [body(rng, vocab) for _ in range(n)], vocab
