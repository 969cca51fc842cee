"""Forbidden terms in every inflected form: "Не вірте чуткам" is the term "чутки".

Ukrainian, Turkish, Arabic, Italian, French, Spanish inflect: a term listed as "чутки"
(rumours) appears in a post as "чуткам", "чуток", "чутками"; matching whole words only lets
those through. Each word of the post and of the term is reduced to its stem in the post's
language, and a term matches where the post has its words' stems in a row:

- Snowball stemmers (``snowballstemmer``, the Snowball project's own Python build; it uses
  the C PyStemmer when installed) for the languages Snowball has: ar, ca, cs, da, de, el,
  en, eo, es, et, eu, fa, fi, fr, ga, hi, hu, hy, id, it, lt, ne, nl, no/nb/nn, pl, pt, ro,
  ru, sr, sv, ta, tr, yi;
- Ukrainian, which Snowball lacks: the lemmas of ``pymorphy3`` with its Ukrainian
  dictionary (every dictionary form of a word, so an ambiguous word matches by any of them);
- other languages: exact words only; list the forms to refuse in guardrails.yaml.
  Thai and Japanese, written without spaces, are matched inside the text
  (:func:`launcher.guardrails.text.term_pattern`) and do not inflect in this sense.

Stems are coarser than words, so a term may also catch a related word ("rumour" catches
"rumoured"): for a forbidden term that is the safe side. Stems and lemmas are cached per
word: a plan repeats the same words in every post.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

import regex

from .text import WORD_RE, match_form

#: CLDR language -> Snowball algorithm
SNOWBALL: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "eo": "esperanto",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "st": "sesotho",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
#: languages whose words are reduced to dictionary forms by pymorphy3
LEMMATIZED = frozenset({"uk"})
#: languages that build words by adding suffixes to the whole word (söylenti+ler+e): a word
#: that starts with a term's word is that word inflected (Snowball's Turkish stemmer cuts
#: some bare nouns shorter than their inflected forms: söylenti -> söyle, söylentilere ->
#: söylenti)
SUFFIXING = frozenset({"tr", "az", "hu", "fi", "et"})
_GAP = regex.compile(r"\s+")


def language(locale: str) -> str:
    return locale.replace("-", "_").split("_")[0].lower()


def how(locale: str) -> str:
    """How terms are matched in ``locale``, for the docs and ``launcher lint``."""
    lang = language(locale)
    if lang in LEMMATIZED:
        return "dictionary forms (pymorphy3, Ukrainian dictionary)"
    if lang in SNOWBALL:
        return f"Snowball stems ({SNOWBALL[lang]})"
    return "exact words"


@lru_cache(maxsize=64)
def _reducer(lang: str) -> Callable[[str], frozenset[str]] | None:
    if lang in LEMMATIZED:
        import pymorphy3

        morph = pymorphy3.MorphAnalyzer(lang=lang)

        def lemmas(word: str) -> frozenset[str]:
            return frozenset(p.normal_form for p in morph.parse(word)) | {word}

        return lemmas
    if lang in SNOWBALL:
        import snowballstemmer

        stemmer = snowballstemmer.stemmer(SNOWBALL[lang])

        def stem(word: str) -> frozenset[str]:
            stemmed = stemmer.stemWord(word)
            if lang == "ar" and len(stemmed) > 3 and stemmed.endswith("ا"):
                stemmed = stemmed[:-1]  # the alef of -ات the stemmer leaves: شائعات, إشاعات
            return frozenset({stemmed, word})

        return stem
    return None


@lru_cache(maxsize=65536)
def keys(lang: str, word: str) -> frozenset[str]:
    """The stems (or lemmas) a word of ``lang`` stands for; empty without a stemmer."""
    reduce = _reducer(lang)
    return reduce(word.casefold()) if reduce else frozenset()


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in WORD_RE.finditer(text)]


@lru_cache(maxsize=1024)
def _term_keys(lang: str, term: str) -> tuple[tuple[str, frozenset[str]], ...] | None:
    words = [w.casefold() for _a, _b, w in _words(match_form(term))]
    if not words:
        return None
    found = tuple((w, keys(lang, w)) for w in words)
    return found if all(k for _w, k in found) else None


def _same(lang: str, word: str, stems: frozenset[str], term: tuple[str, frozenset[str]]) -> bool:
    surface, term_stems = term
    if stems & term_stems:
        return True
    return lang in SUFFIXING and len(surface) >= 4 and word.casefold().startswith(surface)


@lru_cache(maxsize=256)
def _index(lang: str, terms: tuple[str, ...]) -> tuple[dict, list]:
    """The terms by the stems of their first word (and, in suffixing languages, the terms
    to try by the surface of their first word), so each word of a post costs one lookup."""
    by_stem: dict[str, list] = {}
    by_prefix = []
    for term in terms:
        term_keys = _term_keys(lang, term)
        if term_keys is None:
            continue
        for key in term_keys[0][1]:
            by_stem.setdefault(key, []).append((term, term_keys))
        if lang in SUFFIXING and len(term_keys[0][0]) >= 4:
            by_prefix.append((term, term_keys))
    return by_stem, by_prefix


def inflected(locale: str, terms: tuple[str, ...], text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, term) of every place ``text`` holds a term of ``terms`` in an inflected
    form (the stems of its words, in a row, separated by white space only)."""
    yield from _inflected(language(locale), terms, text)


@lru_cache(maxsize=8192)
def _inflected(lang: str, terms: tuple[str, ...], text: str) -> tuple[tuple[int, int, str], ...]:
    if _reducer(lang) is None:
        return ()
    by_stem, by_prefix = _index(lang, terms)
    if not by_stem and not by_prefix:
        return ()
    words = _words(text)
    stems = [keys(lang, w) for _a, _b, w in words]
    out = []
    for i, (_a, _b, word) in enumerate(words):
        candidates = [c for key in stems[i] for c in by_stem.get(key, ())]
        folded = word.casefold()
        candidates += [c for c in by_prefix if folded.startswith(c[1][0][0])]
        seen = set()
        for term, term_keys in candidates:
            j = i + len(term_keys)
            if term in seen or j > len(words):
                continue
            seen.add(term)
            if all(
                _same(lang, words[i + k][2], stems[i + k], term_keys[k])
                for k in range(1, len(term_keys))
            ) and all(_GAP.fullmatch(text[words[k][1] : words[k + 1][0]]) for k in range(i, j - 1)):
                out.append((words[i][0], words[j - 1][1], term))
    return tuple(out)
