"""The body cleaner: normalised text, sanitised HTML, promos taken out, placeholders and sign-up footers dropped.

Pure and bounded: every function here is linear in its input (``python -m bench.linearity``), never recurses over
a document tree and never raises on hostile text (NUL bytes, lone surrogates, 100k nested tags, megabyte lines). A
flat left-to-right token walk over the raw HTML takes the noise out and writes well-formed HTML nested at most
``MAX_NESTING`` deep (html5ever is quadratic on very deep nesting); one nh3 pass then guarantees the result is in
the safe subset.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

import nh3

from pressroom.models import Promo

__all__ = [
    "CleanBody",
    "clean_body",
    "count_words",
    "derive_summary",
    "first_sentence_title",
    "normalise",
    "reading_time_minutes",
]

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "figure"}
    | {"figcaption", "img"}
)
LINK_REL = "noopener nofollow"
MAX_NESTING = 32

_BLOCK_TAGS = frozenset({"p", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "figure", "figcaption"})
_INLINE_TAGS = frozenset({"strong", "em", "b", "i", "a"})
_URL_SCHEMES = ("http://", "https://", "mailto:")


def _safe_url(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src") and not value.strip().lower().startswith(_URL_SCHEMES):
        return None
    return value


_SANITISER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "textarea"}
    | {"select", "title", "nav", "footer", "button", "noembed", "noframes", "xmp"},
    attributes={"a": {"href", "title"}, "img": {"src", "alt"}},
    attribute_filter=_safe_url,
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


@dataclass(frozen=True)
class CleanBody:
    """A cleaned article body.

    ``html`` is sanitised HTML in the safe subset (paragraphs as ``<p>``; links carry ``rel="noopener nofollow"``;
    only http(s)/mailto URLs survive); ``text`` is the same content as plain text, paragraphs separated by
    ``"\\n\\n"``; ``promos`` are the promo lines taken out of the body, in order, de-duplicated by headline;
    ``footer_names`` are the runs of capitalised words of the sign-up and follow-us footers dropped (``Daily Ledger``
    from "Sign up for the Daily Ledger newsletter"), in order, unique: publication names that are never tags.
    """

    html: str
    text: str
    promos: tuple[Promo, ...] = field(default=())
    footer_names: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------- normalisation

_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028]")
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
    # a zero-width joiner survives only inside an emoji sequence (👩‍🔬), where it is part of the character
    "|(?<![^\x00-\x7f])\u200d|\u200d(?![\u2600-\u27bf\U0001f000-\U0001faff])"
)
_ODD_SPACES = re.compile("[\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_LINE_EDGES = re.compile(r" ?\n ?")
_BLANK_RUNS = re.compile(r"\n{3,}")
_WHITESPACE = re.compile(r"\s+")


def _clean_chars(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return _ODD_SPACES.sub(" ", text)


def normalise(text: str) -> str:
    """``text`` in Unicode NFC with line endings, spaces and invisible characters tidied.

    ``\\r\\n``/``\\r`` and other line separators become ``\\n`` (U+2029 a blank line); tabs, non-breaking and other
    odd spaces become a space; zero-width characters, bidi controls, soft hyphens, lone surrogates and control
    characters (NUL included) are removed. Runs of spaces collapse to one, lines are trimmed, more than one blank
    line collapses to one, and the result is stripped. Curly quotes and emoji (joined sequences too) are kept.
    """
    text = _NEWLINES.sub("\n", text.replace("\u2029", "\n\n"))
    text = _clean_chars(text)
    text = _LINE_EDGES.sub("\n", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _collapse(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


# ---------------------------------------------------------------- what a line is

_LEAD = r"^[\W_]{0,12}?"
_PROMO = re.compile(
    _LEAD + r"(?P<label>read\s+more|(?:also|further)\s+read(?:ing)?|read\s+also|see\s+also|"
    r"related(?:\s+(?:story|stories|article|articles|content|coverage|video|reading))?|watch|more|read)"
    r"\s*[:：]\s*(?P<headline>.+)$",
    re.IGNORECASE,
)
_PROMO_LABELS = {"watch": "WATCH", "more": "MORE"}
_PLACEHOLDER = re.compile(
    r"[\W_]{0,8}(?:"
    r"loading(?:\s+(?:the|a|an|your))?(?:\s+(?:video|audio|media|embedded|interactive|content|player|gallery"
    r"|slideshow|podcast|embed|tweet|post|comments?|map|graphic|quiz|poll)){0,3}"
    r"|(?:video|audio|media|podcast|interactive|slideshow|gallery|embedded\s+content)(?:\s+player)?"
    r"(?:\s+(?:is\s+)?(?:loading|unavailable|not\s+available|will\s+load\s+here))?"
    r"|advert(?:isement)?s?|ads?|sponsored(?:\s+content)?|paid\s+(?:content|partnership|post)|promoted(?:\s+content)?"
    r"|(?:skip|close)\s+(?:ad|advert|advertisement)"
    r"|(?:story|article|content)\s+continues\s+(?:below|after\s+(?:the\s+)?(?:advertisement|advert|ad))"
    r"(?:\s+(?:advertisement|advert|ad))?"
    r"|continue\s+reading\s+(?:below|the\s+main\s+story)"
    r"|(?:click|tap|press)\s+(?:here|below|play|the\s+(?:link|image|button|play\s+button)(?:\s+below)?)\s+to\s+"
    r"(?:watch|view|play|listen|see|open|load|launch|start)\b.{0,80}"
    r"|(?:watch|view|play)\s+(?:the\s+)?(?:full\s+)?(?:video|clip|trailer|interview|highlights)"
    r"(?:\s+(?:here|below|above|now))?"
    r"|your\s+browser\s+does\s+not\s+support\b.{0,120}"
    r"|(?:this|the)\s+(?:video|content|embed|media|player|post)\s+(?:is\s+)?(?:not\s+available|unavailable"
    r"|cannot\s+be\s+(?:displayed|played|shown)|could\s+not\s+be\s+loaded)\b.{0,80}"
    r"|(?:please\s+)?enable\s+javascript\b.{0,100}"
    r"|(?:scroll|swipe)\s+(?:down\s+)?to\s+(?:continue|read\s+more)(?:\s+(?:reading|with\s+content))?"
    r"|(?:image|photo|picture|slide)\s+\d+\s+(?:of|/)\s+\d+"
    r")[\W_]{0,8}",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    _LEAD + r"(?:sign(?:ing)?\s*-?\s*up\b|subscribe\b|register\s+(?:now|here|today|for)\b"
    r"|(?:get|join|try|receive|read)\s+(?:the|our|my|your|a|this)\b[^.!?]{0,80}?\bnewsletters?\b"
    r"|(?:follow|find|like|join)\s+us\s+(?:on|at)\b"
    r"|(?:never|don['’]t|do\s+not)\s+miss\s+(?:a|an|another|out)\b"
    r"|(?:download|get)\s+(?:the|our)\b[^.!?]{0,40}?\bapp\b"
    r"|©|\(c\)\s*\d{4}|copyright\b|all\s+rights\s+reserved"
    r"|(?:share|email|print)\s+this\s+(?:article|story)\b"
    r"|(?:want|like|love|enjoy(?:ed)?|looking\s+for)\b[^.!?]{0,80}?\?\s*(?:sign\s*-?\s*up|subscribe|get\s+(?:the|our))\b)"
    r"|^(?=.{0,300}$)(?=.*\bnewsletters?\b).*\b(?:sign(?:ing)?\s*-?\s*up|subscribe|inbox)\b",
    re.IGNORECASE,
)
_FOOTER_WORDS = re.compile(
    r"\b(?:newsletters?|inbox|unsubscribe|subscribe|subscription|sign\s*-?\s*up|privacy\s+policy"
    r"|terms\s+(?:of|and)\b|cookies?|follow\s+us|all\s+rights\s+reserved|email\s+address|spam)\b|©",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[-–—_*=~•·.#\s]{3,}")
_HEADLINE_TRAIL = frozenset(" »›>→.…,;:|-–—*_~•·\ufe0f\u200d")
_HEADLINE_LEAD = " *_~>|-–—•·"
_SENTENCE_PUNCT = (".", "!", "?", "…", '"', "”", "’", "'", ")")


class _Kind(Enum):
    BODY = "body"
    PROMO = "promo"
    PLACEHOLDER = "placeholder"
    FOOTER = "footer"
    SEPARATOR = "separator"
    MEDIA = "media"


@dataclass(slots=True)
class _Line:
    text: str
    kind: _Kind
    promo: Promo | None = None


def _is_decoration(ch: str) -> bool:
    return ch in _HEADLINE_TRAIL or (ord(ch) >= 0x2000 and unicodedata.category(ch) in ("So", "Sk", "Sm", "Mn"))


def _trim_headline(headline: str) -> str:
    end = len(headline)
    while end and _is_decoration(headline[end - 1]):
        end -= 1
    start = 0
    while start < end and (headline[start] in _HEADLINE_LEAD or _is_decoration(headline[start])):
        start += 1
    return headline[start:end]


def _classify(text: str) -> _Line:
    if not text:
        return _Line(text, _Kind.MEDIA)
    if len(text) <= 400:
        match = _PROMO.match(text)
        if match:
            headline = _trim_headline(match["headline"])
            if any(ch.isalnum() for ch in headline):
                label = " ".join(match["label"].lower().split())
                tag = _PROMO_LABELS.get(label) or ("WATCH" if "video" in label else None)
                tag = tag or ("RELATED" if label.startswith(("related", "see")) else "READ")
                return _Line(text, _Kind.PROMO, Promo(label=tag, headline=headline))
    if len(text) <= 200 and _PLACEHOLDER.fullmatch(text):
        return _Line(text, _Kind.PLACEHOLDER)
    if len(text) <= 300 and _FOOTER.search(text):
        return _Line(text, _Kind.FOOTER)
    if len(text) <= 80 and _SEPARATOR.fullmatch(text):
        return _Line(text, _Kind.SEPARATOR)
    return _Line(text, _Kind.BODY)


def _footerish(line: _Line) -> bool:
    if line.kind is not _Kind.BODY:
        return True
    if len(line.text) <= 300 and _FOOTER_WORDS.search(line.text):
        return True
    return count_words(line.text) <= 8 and not line.text.endswith(_SENTENCE_PUNCT)


def _triage(texts: list[str]) -> tuple[list[bool], tuple[Promo, ...], tuple[str, ...]]:
    """Which lines stay in the body, the promos found and the footer names, given the text of each line in order.

    Promo and placeholder lines go wherever they are. A footer line (sign-up, subscribe, follow us …) goes only
    near the end (the last three lines or the second half), and from the first footer or separator line after
    which everything is footer-ish, the rest of the body goes with it.
    """
    lines = [_classify(text) for text in texts]
    count = len(lines)
    tail_start = min(count - 3, count // 2)
    cut = count
    all_footerish, any_footer = True, False
    for index in range(count - 1, max(tail_start, 0) - 1, -1):
        line = lines[index]
        if line.kind in (_Kind.FOOTER, _Kind.SEPARATOR) and all_footerish and (line.kind is _Kind.FOOTER or any_footer):
            cut = index
        all_footerish = all_footerish and _footerish(line)
        any_footer = any_footer or line.kind is _Kind.FOOTER
    keep = []
    for index, line in enumerate(lines):
        dropped = line.kind in (_Kind.PROMO, _Kind.PLACEHOLDER) or (line.kind is _Kind.FOOTER and index >= tail_start)
        keep.append(index < cut and not dropped)
    promos: dict[str, Promo] = {}
    for line in lines:
        if line.promo is not None:
            promos.setdefault(" ".join(line.promo.headline.casefold().split()), line.promo)
    footers = [line.text for line, kept in zip(lines, keep, strict=True) if not kept and line.kind is _Kind.FOOTER]
    return keep, tuple(promos.values()), _footer_names(footers)


_NAME_WORD = re.compile(r"[^\W\d_][\w'’.&-]*")
_FOOTER_NOISE_WORDS = frozenset("sign subscribe newsletter newsletters follow join get download read the our".split())


def _footer_names(footers: list[str]) -> tuple[str, ...]:
    """The maximal runs of capitalised words (footer words such as ``Sign`` left out) of the footer lines."""
    names: dict[str, None] = {}
    for footer in footers:
        run: list[str] = []
        for match in _NAME_WORD.finditer(footer + " ."):
            word = match.group()
            gap = footer[match.start() - 1 : match.start()] if match.start() else " "
            if word[:1].isupper() and word.casefold() not in _FOOTER_NOISE_WORDS and (not run or gap == " "):
                run.append(word.rstrip("."))
                continue
            if run:
                names.setdefault(" ".join(run), None)
            run = [word.rstrip(".")] if word[:1].isupper() and word.casefold() not in _FOOTER_NOISE_WORDS else []
        if run:
            names.setdefault(" ".join(run), None)
    return tuple(names)


# ---------------------------------------------------------------- plain text


def _clean_plain(text: str) -> CleanBody:
    lines: list[str] = []
    paragraph_of: list[int] = []
    for number, paragraph in enumerate(text.split("\n\n")):
        for line in paragraph.split("\n"):
            if line:
                lines.append(line)
                paragraph_of.append(number)
    keep, promos, footer_names = _triage(lines)
    paragraphs: list[list[str]] = []
    last = -1
    for line, number, kept in zip(lines, paragraph_of, keep, strict=True):
        if not kept:
            continue
        if number != last:
            paragraphs.append([])
            last = number
        paragraphs[-1].append(line)
    joined = [" ".join(parts) for parts in paragraphs]
    body_html = "".join(f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in joined)
    return CleanBody(html=body_html, text="\n\n".join(joined), promos=promos, footer_names=footer_names)


# ---------------------------------------------------------------- HTML

_HTML_HINT = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|!--)")
_MARKUP = re.compile(r"<(?=[A-Za-z!?/])")
_TAG = re.compile(
    r"<(/?)([A-Za-z][^\t\n\f\r />]*+)"
    r"((?:[\t\n\f\r /]|[^\t\n\f\r />][^\t\n\f\r /=>]*+"
    r"(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:\"[^\"]*+\"|'[^']*+'|[^\t\n\f\r >]*+))?+)*+)>"
)
_ATTRIBUTE = re.compile(
    r"([^\t\n\f\r />][^\t\n\f\r /=>]*)(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"([^\"]*)\"|'([^']*)'|([^\t\n\f\r >]*)))?"
)
_URL_NOISE = re.compile(r"[\t\n\r]")
_RAW_TEXT_TAGS = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"})
_RAW_TEXT_END = {name: re.compile(rf"</{name}(?=[\t\n\f\r />]|\Z)", re.IGNORECASE) for name in _RAW_TEXT_TAGS}
_DROPPED_WITH_CONTENT = frozenset({"template", "object", "svg", "math", "select", "button", "nav", "footer"})
_AS_PARAGRAPH = frozenset(
    {"div", "section", "article", "header", "aside", "main", "address", "center", "pre", "dl", "dt", "dd", "table"}
    | {"tr", "td", "th", "caption", "details", "summary", "hgroup", "fieldset", "legend", "body", "html", "picture"}
)
_RENAMED = {"h1": "h2", "h5": "h4", "h6": "h4", **dict.fromkeys(_AS_PARAGRAPH, "p")}
_PHRASING_BLOCKS = frozenset({"p", "h2", "h3", "h4"})
_LINE_BREAKS = re.compile(r"(\n{2,}|\n)")

_START, _END, _TEXT, _BREAK, _IMAGE, _SOFT, _PARAGRAPH = range(7)
_Token = tuple[int, str, dict[str, str]]
_NO_ATTRIBUTES: dict[str, str] = {}


def _attributes(tag: str, source: str) -> dict[str, str]:
    wanted = ("href", "title") if tag == "a" else ("src", "alt")
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(source):
        name = match[1].lower()
        if name in wanted and name not in found:
            found[name] = html.unescape(next((v for v in match.groups()[1:] if v is not None), ""))
    for name in ("href", "src"):
        if name in found:
            url = _URL_NOISE.sub("", found[name]).strip()
            found[name] = url if url.lower().startswith(_URL_SCHEMES) else ""
    return found


def _skip_markup(source: str, start: int) -> int:
    """Where the comment, doctype or processing instruction at ``start`` ends (HTML tokenizer rules)."""
    if source.startswith("<!--", start):
        for empty in ("<!-->", "<!--->"):
            if source.startswith(empty, start):
                return start + len(empty)
        end = source.find("-->", start + 4)
        return len(source) if end < 0 else end + 3
    end = source.find(">", start + 2)
    return len(source) if end < 0 else end + 1


def _tag_tokens(closing: bool, name: str, attributes: str) -> list[_Token]:
    if name == "br":
        return [(_BREAK, name, _NO_ATTRIBUTES)]
    if name == "hr":
        return [(_START, "p", _NO_ATTRIBUTES), (_END, "p", _NO_ATTRIBUTES)]
    if name == "img":
        return [] if closing else [(_IMAGE, name, _attributes(name, attributes))]
    if name in _BLOCK_TAGS or name in _INLINE_TAGS:
        if closing:
            return [(_END, name, _NO_ATTRIBUTES)]
        return [(_START, name, _attributes(name, attributes) if name == "a" else _NO_ATTRIBUTES)]
    return []


def _html_tokens(source: str) -> list[_Token]:
    """A flat token list of raw HTML, in one left-to-right pass (no tree, no recursion).

    Only the allowed tags come out (containers such as div/section/td as ``p``, h1 as h2, h5/h6 as h4); comments,
    unknown tags and the content of script, style, template, svg, nav, footer … are dropped; a/img keep only
    href/title and src/alt, and only http(s)/mailto URLs. Tag syntax follows the HTML tokenizer (quoted attribute
    values may contain ``>``); a tag left open at the end drops the rest, as browsers do.
    """
    tokens: list[_Token] = []
    skipping: Counter[str] = Counter()
    position, length = 0, len(source)
    while position < length:
        match = _MARKUP.search(source, position)
        start = match.start() if match else length
        if start > position and not skipping:
            tokens.append((_TEXT, _clean_chars(html.unescape(source[position:start])), _NO_ATTRIBUTES))
        if not match:
            break
        nxt = source[start + 1]
        if nxt in "!?" or (nxt == "/" and not source[start + 2 : start + 3].isalpha()):
            position = _skip_markup(source, start)
            continue
        tag = _TAG.match(source, start)
        if tag is None:
            break
        position = tag.end()
        closing, name = bool(tag[1]), tag[2].lower()
        if name in _RAW_TEXT_TAGS and not closing:
            end = _RAW_TEXT_END[name].search(source, position)
            position = length if end is None else end.start()
            continue
        if name in _DROPPED_WITH_CONTENT:
            if closing and skipping[name] > 1:
                skipping[name] -= 1
            elif closing:
                skipping.pop(name, None)
            elif not (name in ("svg", "math") and tag[3].rstrip().endswith("/")):
                skipping[name] += 1
            continue
        if skipping:
            continue
        tokens += _tag_tokens(closing, _RENAMED.get(name, name), tag[3])
    return tokens


def _expand_lines(tokens: list[_Token]) -> list[_Token]:
    """Tokens of HTML without any block or break tag, with text newlines as paragraph and soft breaks."""
    if any(kind == _BREAK or (kind in (_START, _END) and name in _BLOCK_TAGS) for kind, name, _ in tokens):
        return tokens
    expanded: list[_Token] = []
    for token in tokens:
        if token[0] != _TEXT or "\n" not in token[1]:
            expanded.append(token)
            continue
        for piece in _LINE_BREAKS.split(token[1]):
            if piece == "\n":
                expanded.append((_SOFT, " ", _NO_ATTRIBUTES))
            elif piece.startswith("\n"):
                expanded.append((_PARAGRAPH, "", _NO_ATTRIBUTES))
            elif piece:
                expanded.append((_TEXT, piece, _NO_ATTRIBUTES))
    return expanded


def _segment_texts(tokens: list[_Token]) -> tuple[list[str], list[list[int]]]:
    """The text of each line (split at block edges and breaks) and the indexes of the tokens it owns."""
    texts: list[str] = []
    members: list[list[int]] = []
    parts: list[str] = []
    owned: list[int] = []
    has_image = False

    def close() -> None:
        nonlocal has_image
        if not parts and not has_image:
            owned.clear()
            return
        text = _collapse("".join(parts))
        if text or has_image:
            texts.append(text)
            members.append(owned.copy())
        parts.clear()
        owned.clear()
        has_image = False

    for index, (kind, name, _) in enumerate(tokens):
        if kind == _TEXT:
            parts.append(name)
            owned.append(index)
        elif kind == _IMAGE:
            owned.append(index)
            has_image = True
        elif kind in (_BREAK, _SOFT):
            owned.append(index)
            close()
        elif kind == _PARAGRAPH or (kind in (_START, _END) and name in _BLOCK_TAGS):
            close()
    close()
    return texts, members


@dataclass(slots=True)
class _Open:
    tag: str
    start: str
    end: str
    inline: bool = False
    implicit: bool = False
    emitted: bool = False


class _Writer:
    """Serialises a messy token stream as well-formed HTML, in one pass with a bounded stack.

    Start tags are written lazily (elements left empty vanish); loose text is wrapped in ``<p>``; a block start
    closes open inline elements and an open p/h*; ``<li>`` closes an open li; ``<a>`` closes an open link; end tags
    without a matching open element are ignored; elements nested deeper than ``MAX_NESTING`` are left out (their
    text stays); breaks are kept only between content, at most two in a row.
    """

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[_Open] = []
        self.block_depth = 0
        self.skipped: Counter[str] = Counter()
        self.orphans: Counter[str] = Counter()
        self.pending_breaks = 0
        self.pending_space = False
        self.has_content = False
        self.paragraphs: list[str] = []
        self.parts: list[str] = []

    def boundary(self) -> None:
        if self.parts:
            paragraph = _collapse("".join(self.parts))
            if paragraph:
                self.paragraphs.append(paragraph)
            self.parts.clear()
        self.pending_breaks = 0
        self.pending_space = False
        self.has_content = False

    def _pop(self) -> _Open:
        entry = self.stack.pop()
        if entry.emitted:
            self.out.append(entry.end)
        if not entry.inline and not entry.implicit:
            self.block_depth -= 1
        return entry

    def _pop_through(self, index: int) -> None:
        while len(self.stack) > index:
            entry = self._pop()
            if entry.inline and len(self.stack) > index:
                self.orphans[entry.tag] += 1

    def _close_inline(self) -> None:
        while self.stack and (self.stack[-1].inline or self.stack[-1].implicit):
            entry = self._pop()
            if entry.inline:
                self.orphans[entry.tag] += 1

    def _flush(self) -> None:
        first = len(self.stack)
        while first and not self.stack[first - 1].emitted:
            first -= 1
        for entry in self.stack[first:]:
            self.out.append(entry.start)
            entry.emitted = True

    def _ensure_container(self) -> None:
        if self.block_depth == 0 and not (self.stack and self.stack[0].implicit):
            self.stack.insert(0, _Open("p", "<p>", "</p>", implicit=True))

    def _before_content(self) -> None:
        if self.pending_breaks:
            splittable = (
                self.block_depth == 0 and self.stack[0].implicit and (len(self.stack) == 1 or not self.stack[1].emitted)
            )
            if self.pending_breaks >= 2 and splittable:
                if self.stack[0].emitted:
                    self.out.append("</p>")
                self.stack[0].emitted = False
                self.boundary()
            else:
                self.out.append("<br>" * min(self.pending_breaks, 2))
                self.parts.append(" ")
                self.pending_space = False
            self.pending_breaks = 0
        if self.pending_space:
            self.out.append(" ")
            self.parts.append(" ")
            self.pending_space = False
        self._flush()

    def _innermost_block(self) -> _Open | None:
        for entry in reversed(self.stack):
            if not entry.inline:
                return None if entry.implicit else entry
        return None

    def block_start(self, tag: str) -> None:
        self.boundary()
        self._close_inline()
        innermost = self._innermost_block()
        if innermost is not None and innermost.tag in _PHRASING_BLOCKS:
            self._pop()
            innermost = self._innermost_block()
        if tag == "li" and innermost is not None and innermost.tag == "li":
            self._pop()
        if self.block_depth >= MAX_NESTING:
            self.skipped[tag] += 1
            return
        self.stack.append(_Open(tag, f"<{tag}>", f"</{tag}>"))
        self.block_depth += 1

    def block_end(self, tag: str) -> None:
        self.boundary()
        if self.skipped[tag]:
            self.skipped[tag] -= 1
            return
        for index in range(len(self.stack) - 1, -1, -1):
            entry = self.stack[index]
            if entry.tag == tag and not entry.inline:
                self._pop_through(index)
                return

    def inline_start(self, tag: str, attributes: dict[str, str]) -> None:
        self._ensure_container()
        if tag == "a":
            self._end_inline("a")
        if len(self.stack) >= 2 * MAX_NESTING:
            self.skipped[tag] += 1
            return
        if tag != "a":
            self.stack.append(_Open(tag, f"<{tag}>", f"</{tag}>", inline=True))
            return
        href = attributes.get("href", "")
        if not href:
            self.stack.append(_Open(tag, "", "", inline=True, emitted=True))
            return
        title = attributes.get("title")
        start = f'<a href="{html.escape(href)}"' + (f' title="{html.escape(title)}"' if title else "")
        self.stack.append(_Open(tag, f'{start} rel="{LINK_REL}">', "</a>", inline=True))

    def _end_inline(self, tag: str) -> bool:
        for index in range(len(self.stack) - 1, -1, -1):
            entry = self.stack[index]
            if not entry.inline:
                return False
            if entry.tag == tag:
                self._pop_through(index)
                return True
        return False

    def inline_end(self, tag: str) -> None:
        if self.skipped[tag]:
            self.skipped[tag] -= 1
        elif self.orphans[tag]:
            self.orphans[tag] -= 1
        else:
            self._end_inline(tag)

    def text(self, text: str) -> None:
        text = _WHITESPACE.sub(" ", text)
        if text.startswith(" ") and self.has_content:
            self.pending_space = True
        body = text.strip(" ")
        if not body:
            return
        self._ensure_container()
        self._before_content()
        self.out.append(html.escape(body, quote=False))
        self.parts.append(body)
        self.pending_space = text.endswith(" ")
        self.has_content = True

    def line_break(self) -> None:
        if self.has_content:
            self.pending_breaks += 1
            self.pending_space = False

    def soft_break(self) -> None:
        if self.has_content:
            self.pending_space = True

    def paragraph_break(self) -> None:
        if self.block_depth == 0 and len(self.stack) == 1 and self.stack[0].implicit:
            self._pop()
            self.boundary()
        elif self.block_depth == 0 and self.stack:
            if self.has_content:
                self.pending_breaks += 2
        else:
            self.soft_break()

    def image(self, attributes: dict[str, str]) -> None:
        src = attributes.get("src", "")
        if not src:
            return
        self._ensure_container()
        self._before_content()
        alt = html.escape(attributes.get("alt", ""))
        self.out.append(f'<img src="{html.escape(src)}" alt="{alt}">')
        self.has_content = True

    def feed(self, token: _Token) -> None:
        kind, name, attributes = token
        if kind == _TEXT:
            self.text(name)
        elif kind == _START and name in _BLOCK_TAGS:
            self.block_start(name)
        elif kind == _START:
            self.inline_start(name, attributes)
        elif kind == _END and name in _BLOCK_TAGS:
            self.block_end(name)
        elif kind == _END:
            self.inline_end(name)
        elif kind == _BREAK:
            self.line_break()
        elif kind == _SOFT:
            self.soft_break()
        elif kind == _PARAGRAPH:
            self.paragraph_break()
        else:
            self.image(attributes)

    def close(self) -> tuple[str, list[str]]:
        while self.stack:
            self._pop()
        self.boundary()
        return "".join(self.out), self.paragraphs


def _clean_html(source: str) -> CleanBody:
    tokens = _expand_lines(_html_tokens(source))
    texts, members = _segment_texts(tokens)
    keep, promos, footer_names = _triage(texts)
    dropped = bytearray(len(tokens))
    for kept, owned in zip(keep, members, strict=True):
        if not kept:
            for index in owned:
                dropped[index] = 1
    writer = _Writer()
    for index, token in enumerate(tokens):
        if not dropped[index]:
            writer.feed(token)
    body_html, paragraphs = writer.close()
    return CleanBody(
        html=_SANITISER.clean(body_html), text="\n\n".join(paragraphs), promos=promos, footer_names=footer_names
    )


def clean_body(body: str) -> CleanBody:
    """Clean an article body: plain text with blank-line paragraphs, or HTML (detected by a tag-like pattern).

    Both are normalised (see ``normalise``). Promo lines (``WATCH:``/``MORE:``/``READ:``/``RELATED:``/
    ``READ MORE:`` + headline, optionally after emoji, arrows or bullets) leave the body and become ``promos``;
    embedded-player placeholders (``Loading the player...``, ``Advertisement`` …) are dropped; sign-up and
    follow-us footers near the end are dropped with whatever clearly-footer text follows them. In plain text a
    single newline is a soft break (a space) unless the line is a promo or placeholder line, which goes alone;
    HTML is judged per block element and per ``<br>``-separated line. HTML is sanitised with nh3: no script or
    style content, event handlers or non-http(s)/mailto URLs survive. Never raises; linear time.
    """
    text = normalise(body)
    if _HTML_HINT.search(text):
        return _clean_html(text)
    return _clean_plain(text)


# ---------------------------------------------------------------- summary, title, counts

_WORD = re.compile(r"\w+(?:[-'’.]\w+)*")
# starts only where a run of stops starts: a start inside the run fails the same way, after rescanning it (quadratic)
_SENTENCE_END = re.compile(r"(?<![.!?…])[.!?…]++[\"”’')\]]*+(?=\s)")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof rev gen col lt sgt capt gov sen rep mt ft no vs etc inc ltd co corp"
    " jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e a.m p.m u.s u.k".split()
)
_CUT_TRAIL = " ,;:—–-([{\"“‘'/"


def count_words(text: str) -> int:
    """The number of words in ``text``: runs of letters/digits, with inner hyphens and apostrophes (``Jean-Luc``,
    ``didn’t``) inside one word. Punctuation and emoji are not words."""
    return sum(1 for _ in _WORD.finditer(text))


def reading_time_minutes(words: int, wpm: int = 230) -> int:
    """Minutes to read ``words`` words at ``wpm`` words a minute, rounded up, at least 1. ``wpm`` must be >= 1."""
    if wpm < 1:
        raise ValueError("wpm must be at least 1")
    return max(1, math.ceil(max(words, 0) / wpm))


def _sentence_ends(paragraph: str, limit: int, *, first_only: bool = False) -> list[int]:
    """End offsets (exclusive) of the sentences of ``paragraph`` that end within ``limit`` characters."""
    ends: list[int] = []
    for match in _SENTENCE_END.finditer(paragraph, 0, min(len(paragraph), limit + 1)):
        end = match.end()
        if end > limit:
            break
        following = paragraph[end : end + 3].lstrip()
        if following and following[0].islower():
            continue
        if match[0] == ".":
            space = paragraph.rfind(" ", 0, match.start())
            word = paragraph[space + 1 : match.start()].lstrip("(\"“‘'").lower()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        ends.append(end)
        if first_only:
            break
    return ends


def _cut_at_word(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return "…"[:max_chars]
    space = text.rfind(" ", 0, max_chars)
    cut = space if space >= max_chars // 2 else max_chars - 1
    return text[:cut].rstrip(_CUT_TRAIL) + "…"


def _paragraphs(text: str) -> list[str]:
    return [paragraph for paragraph in (_collapse(p) for p in normalise(text).split("\n\n")) if paragraph]


def derive_summary(text: str, max_chars: int = 280) -> str:
    """A summary of at most ``max_chars`` characters from plain ``text`` (e.g. ``CleanBody.text``).

    It is the first real paragraph (the first of at least six words; else the first one) if it fits, else as
    many of its first sentences as fit; if even the first sentence does not fit, it is cut at a word boundary
    and ends with ``…``. Empty text gives ``""``.
    """
    paragraphs = _paragraphs(text)
    if not paragraphs or max_chars < 1:
        return ""
    paragraph = next((p for p in paragraphs if count_words(p[:400]) >= 6), paragraphs[0])
    if len(paragraph) <= max_chars:
        return paragraph
    ends = _sentence_ends(paragraph, max_chars)
    if ends:
        return paragraph[: ends[-1]].strip()
    return _cut_at_word(paragraph, max_chars)


def first_sentence_title(text: str, max_chars: int = 110) -> str:
    """A title for an untitled plain-text export: the first sentence of the body's first paragraph.

    Promo, placeholder and markup are ignored (the body is cleaned first). A sentence longer than ``max_chars``
    is cut at a word boundary and ends with ``…`` (at most ``max_chars`` characters in all). Empty text gives
    ``""``.
    """
    paragraphs = _paragraphs(clean_body(text).text) or _paragraphs(text)
    if not paragraphs or max_chars < 1:
        return ""
    paragraph = paragraphs[0]
    ends = _sentence_ends(paragraph, len(paragraph), first_only=True)
    sentence = paragraph[: ends[0]].strip() if ends else paragraph
    return _cut_at_word(sentence, max_chars)
