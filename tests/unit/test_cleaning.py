from __future__ import annotations

import re
import time
from pathlib import Path

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.cleaning import (
    clean_body,
    count_words,
    derive_summary,
    first_sentence_title,
    normalise,
    reading_time_minutes,
)
from pressroom.models import ArticleUpload, Promo

ARTICLES = Path(__file__).resolve().parents[2] / "examples" / "articles"
UNSAFE = re.compile(r"<script|javascript:|\son\w+=", re.IGNORECASE)


def test_script_tags_and_event_handlers_never_survive() -> None:
    body = (
        '<p onclick="steal()">Hello <b onmouseover="x()">there</b></p>'
        "<script>alert('xss')</script><style>p { display: none }</style>"
        '<img src="https://img.example/a.jpg" onerror="alert(1)" alt="A cat">'
        "<svg><script>alert(2)</script></svg><iframe src='https://evil.example'>inside</iframe>"
    )
    cleaned = clean_body(body)
    assert not UNSAFE.search(cleaned.html)
    assert "alert" not in cleaned.html and "alert" not in cleaned.text
    assert "display" not in cleaned.text and "inside" not in cleaned.text
    assert '<img src="https://img.example/a.jpg" alt="A cat">' in cleaned.html
    assert cleaned.text == "Hello there"


def test_javascript_urls_are_removed() -> None:
    body = (
        '<p><a href="javascript:alert(1)">one</a> <a href=" JaVaScRiPt:alert(1)">two</a> '
        '<a href="java\nscript:alert(1)">three</a> <a href="data:text/html,x">four</a> '
        '<a href="/relative">five</a> <a href="https://ok.example/x?a=1&amp;b=2">six</a> '
        '<a href="mailto:desk@portmerepost.example">seven</a></p>'
    )
    cleaned = clean_body(body)
    assert "javascript" not in cleaned.html.lower() and "data:" not in cleaned.html
    assert cleaned.html.count("<a ") == 2
    assert '<a href="https://ok.example/x?a=1&amp;b=2" rel="noopener nofollow">six</a>' in cleaned.html
    assert 'href="mailto:desk@portmerepost.example"' in cleaned.html
    assert cleaned.text == "one two three four five six seven"


def test_promo_lines_become_promos_and_leave_the_body() -> None:
    body = (
        "The festival returns this weekend.\n\n"
        "WATCH: Harbour lights festival returns »\n\n"
        "Organisers expect 40,000 visitors.\n"
        "👉 read more: Night Shift finale draws record audience →\n"
        "They hope for sun.\n\n"
        "▶️ RELATED: Kestrel Rovers stun Aldgate United\n\n"
        "MORE: Harbour Lights Festival Returns\n\n"
        "The end."
    )
    cleaned = clean_body(body)
    assert cleaned.promos == (
        Promo(label="WATCH", headline="Harbour lights festival returns"),
        Promo(label="READ", headline="Night Shift finale draws record audience"),
        Promo(label="RELATED", headline="Kestrel Rovers stun Aldgate United"),
    )
    assert cleaned.text == (
        "The festival returns this weekend.\n\nOrganisers expect 40,000 visitors. They hope for sun.\n\nThe end."
    )
    assert "WATCH" not in cleaned.html and "Rovers" not in cleaned.html


def test_promo_lines_in_html_blocks_and_br_lines_are_taken_out() -> None:
    body = (
        "<p>First paragraph of the story.</p>"
        '<p><strong>WATCH:</strong> <a href="https://x.example/a">The big show »</a></p>'
        "<p>Second paragraph.<br>READ: Another headline<br>Still the second paragraph.</p>"
        "<ul><li>A list item</li><li>RELATED: Listed headline</li></ul>"
    )
    cleaned = clean_body(body)
    assert [p.headline for p in cleaned.promos] == ["The big show", "Another headline", "Listed headline"]
    assert cleaned.html == (
        "<p>First paragraph of the story.</p><p>Second paragraph.<br>Still the second paragraph.</p>"
        "<ul><li>A list item</li></ul>"
    )


def test_player_placeholder_and_signup_footer_are_dropped() -> None:
    body = (
        "Loading the player...\n\n"
        "The council voted on Thursday.\n\n"
        "Advertisement\n\n"
        "Councillors argued for seven hours.\n"
        "Click here to watch\n\n"
        "Loading video\n\n"
        "The line could open in 2031.\n\n"
        "Sign up for our Portmere Politics newsletter.\n"
        "Follow us on Instagram @portmerepost\n"
        "© 2026 Portmere Post"
    )
    cleaned = clean_body(body)
    assert cleaned.text == (
        "The council voted on Thursday.\n\nCouncillors argued for seven hours.\n\nThe line could open in 2031."
    )


def test_footer_words_early_in_the_article_are_kept() -> None:
    body = (
        "Subscribe to the idea that libraries matter, the mayor said.\n\n"
        "The library opens on Monday with 40,000 books.\n\n"
        "Children can join a reading club.\n\n"
        "Entry is free for all residents.\n\n"
        "The building was designed by a local firm.\n\n"
        "Its garden will open in spring."
    )
    assert clean_body(body).text == normalise(body)


def test_html_footer_marker_drops_everything_after_it() -> None:
    body = (
        "<p>One real paragraph with enough words to count.</p><p>Another real paragraph here.</p>"
        "<p>A third paragraph.</p><hr><p>Sign up for the Weekend Edition newsletter</p>"
        "<p>Privacy policy | Terms of use</p><p>© 2026 Portmere Post</p>"
    )
    cleaned = clean_body(body)
    assert cleaned.text.endswith("A third paragraph.")
    assert "Sign up" not in cleaned.html


def test_plain_text_paragraphs_become_p_elements_escaped() -> None:
    cleaned = clean_body("Fish & chips for “two” 😋\nstill the first <3 paragraph.\n\n\n\nSecond > first.")
    assert cleaned.html == (
        "<p>Fish &amp; chips for “two” 😋 still the first &lt;3 paragraph.</p><p>Second &gt; first.</p>"
    )
    assert cleaned.text == "Fish & chips for “two” 😋 still the first <3 paragraph.\n\nSecond > first."
    assert cleaned.promos == ()


def test_html_without_block_tags_keeps_blank_line_paragraphs() -> None:
    cleaned = clean_body("First <em>para</em>\nwraps here.\n\nWATCH: Some headline\nSecond para.")
    assert cleaned.html == "<p>First <em>para</em> wraps here.</p><p>Second para.</p>"
    assert cleaned.promos == (Promo(label="WATCH", headline="Some headline"),)


def test_loose_html_text_and_div_soup_become_paragraphs() -> None:
    cleaned = clean_body("<div><div>Alpha</div>Beta<br><br>Gamma</div><h1>Head</h1><b><p>Bold block</p></b>")
    assert cleaned.html == "<p>Alpha</p><p>Beta</p><p>Gamma</p><h2>Head</h2><p>Bold block</p>"
    assert cleaned.text == "Alpha\n\nBeta\n\nGamma\n\nHead\n\nBold block"


def test_html_output_is_stable_under_nh3() -> None:
    body = (ARTICLES / "brightwell-foods-job-cuts.json").read_text(encoding="utf-8")
    cleaned = clean_body(ArticleUpload.model_validate_json(body).body)
    assert nh3.clean(cleaned.html, tags={"p", "em", "figure", "img", "figcaption", "a", "strong"}) == cleaned.html


def test_summary_is_cut_at_a_word_boundary() -> None:
    text = "By Ana Ruiz\n\n" + "Organisers of the harbour festival announced " + "remarkably " * 60 + "late."
    summary = derive_summary(text, max_chars=120)
    assert len(summary) <= 120 and summary.endswith("…")
    assert summary.startswith("Organisers of the harbour festival announced remarkably")
    assert summary[:-1].split(" ")[-1] == "remarkably"


def test_summary_keeps_whole_sentences_when_they_fit() -> None:
    text = "The council met on Thursday. Dr. Ruiz spoke first. " + "It went on. " * 40
    assert derive_summary(text, max_chars=60) == "The council met on Thursday. Dr. Ruiz spoke first."
    assert derive_summary("Short and sweet.") == "Short and sweet."
    assert derive_summary("") == ""


def test_first_sentence_title_skips_placeholders_and_is_at_most_110_chars() -> None:
    body = "Loading the player...\n\nSwimmers returned to the lido on Tuesday. It was cold."
    assert first_sentence_title(body) == "Swimmers returned to the lido on Tuesday."
    long_title = first_sentence_title("word " * 60)
    assert len(long_title) <= 110 and long_title.endswith("word…")


def test_a_run_of_stops_and_closing_quotes_ends_a_sentence_only_before_a_space() -> None:
    assert first_sentence_title("Wait?!… Then more.") == "Wait?!…"
    assert first_sentence_title("“It is over.” Then more.") == "“It is over.”"
    assert first_sentence_title("Version 2.0.1 shipped... yes!") == "Version 2.0.1 shipped... yes!"
    assert first_sentence_title("So" + "…!?." * 500 + " Then more.") == ("So" + "…!?." * 500)[:109] + "…"


def test_reading_time_is_at_least_one_minute() -> None:
    assert reading_time_minutes(0) == 1
    assert reading_time_minutes(10) == 1
    assert reading_time_minutes(230) == 1
    assert reading_time_minutes(231) == 2
    assert reading_time_minutes(600, wpm=200) == 3
    with pytest.raises(ValueError):
        reading_time_minutes(100, wpm=0)


def test_count_words_keeps_hyphenated_and_accented_names_whole() -> None:
    assert count_words("Zoë Lefèvre-Hart didn’t say “no” 😅 — at 9.4 million!") == 8


def test_deeply_nested_html_is_handled() -> None:
    bombs = [
        "<div>" * 100_000 + "deep" + "</div>" * 100_000,
        "<blockquote>" * 50_000 + "deep",
        "<ul><li>" * 50_000 + "deep",
        "<b>" * 100_000 + "deep",
        "<p><b id=x>" * 30_000 + "deep",
        '<div title="<i>">' * 50_000 + "deep",
        "<div><!--</div>-->" * 50_000 + "deep",
        "<a " * 100_000,
    ]
    for bomb in bombs:
        started = time.perf_counter()
        cleaned = clean_body(bomb)
        assert time.perf_counter() - started < 3, bomb[:30]
        assert cleaned.html.count("<") < 500, bomb[:30]


def test_huge_single_line_is_fast() -> None:
    started = time.perf_counter()
    cleaned = clean_body("word " * 200_000)
    assert time.perf_counter() - started < 2
    assert count_words(cleaned.text) == 200_000


def test_nul_bytes_and_zero_width_chars_are_removed() -> None:
    body = "Ca\u0000fe\u0301\u200b \u00a0 au\u200d\u2060 lait\ufeff\u202e\r\nnext\tline 👩\u200d🔬 \ud800"
    assert normalise(body) == "Café au lait\nnext line 👩\u200d🔬"
    cleaned = clean_body(body)
    assert cleaned.text == "Café au lait next line 👩\u200d🔬"
    assert clean_body("<p>a&#0;b&#x200b;c&nbsp;d</p>").text == "a\ufffdbc d"


def test_six_hundred_words_clean_in_under_five_milliseconds() -> None:
    body = (ARTICLES / "brightwell-foods-job-cuts.json").read_text(encoding="utf-8")
    html_body = ArticleUpload.model_validate_json(body).body + "<p>More words in a paragraph here.</p>" * 25
    clean_body(html_body)
    runs = 20
    started = time.perf_counter()
    for _ in range(runs):
        clean_body(html_body)
    assert (time.perf_counter() - started) / runs < 0.025  # generous for slow CI; ~2 ms on a laptop


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.lists(
            st.sampled_from(
                [
                    "<script>",
                    "</script>",
                    "<p>",
                    "</p>",
                    "<div>",
                    "<a href='javascript:x'>",
                    "<img src=x onerror=alert(1)>",
                    "<!--",
                    "-->",
                    "<b>",
                    "</b>",
                    "<br>",
                    "WATCH: ",
                    "\n\n",
                    "\n",
                    "Loading the player...",
                    "Sign up for our newsletter",
                    "on",
                    "click=",
                    " ",
                    "<",
                    ">",
                    '"',
                    "'",
                    "text",
                    "\x00",
                    "\u200b",
                    "😀",
                    "<svg>",
                    "<style>",
                    "&lt;script&gt;",
                    "<li>",
                    "<ul>",
                    "</",
                ]
            ),
            max_size=60,
        ).map("".join),
    )
)
def test_clean_body_never_raises_and_never_leaks_active_content(body: str) -> None:
    cleaned = clean_body(body)
    assert "<script" not in cleaned.html.lower()
    # text may mention "javascript:" or "on…=" (escaped); no tag may carry them
    for tag in re.findall(r"<[^>]*>", cleaned.html):
        assert not re.search(r"javascript:|\son\w+=", tag, re.IGNORECASE), tag
    assert "\x00" not in cleaned.text and "\u200b" not in cleaned.text
    assert "<" not in cleaned.text or "<" in body
    derive_summary(cleaned.text)
    first_sentence_title(body)


def _articles() -> list[tuple[Path, ArticleUpload]]:
    return [(path, ArticleUpload.model_validate_json(path.read_bytes())) for path in sorted(ARTICLES.glob("*.json"))]


def test_sample_articles_validate_and_cover_the_noise() -> None:
    articles = _articles()
    assert len(articles) >= 12
    year = 2026  # the samples' year; one is scheduled for the next
    titles = {article.title for _, article in articles}
    bodies = [article.body for _, article in articles]
    cleaned = [clean_body(body) for body in bodies]
    for path, article in articles:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,79}", path.stem), path
        assert 250 <= count_words(clean_body(article.body).text) <= 700, path
    promos = [promo for result in cleaned for promo in result.promos]
    assert sum(promo.headline in titles for promo in promos) >= 5
    assert sum(promo.headline not in titles for promo in promos) >= 3
    assert sum("Loading the player..." in body for body in bodies) >= 2
    footer = re.compile(r"sign up|subscribe to", re.IGNORECASE)
    assert sum(bool(footer.search(body[-400:])) for body in bodies) >= 5
    assert not any(footer.search(result.text[-400:]) for result in cleaned)
    assert any("<script" in body for body in bodies)
    assert all("Sign up" not in result.text and "Loading the player" not in result.text for result in cleaned)
    assert any(article.status == "draft" for _, article in articles)
    assert any(article.published_at.year > year for _, article in articles)
    assert all(article.published_at.year >= year for _, article in articles)
    assert any("“" in body for body in bodies) and any("😂" in body or "😅" in body for body in bodies)


def test_plain_text_export_sample_is_present() -> None:
    exports = list(ARTICLES.glob("*.txt"))
    assert exports
    for path in exports:
        text = path.read_text(encoding="utf-8")
        assert re.match(r"\s*date\s+\d{4}-\d{2}-\d{2}", text)
