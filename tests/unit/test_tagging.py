"""The tagger: what a reader would click, never CMS noise, within the tag contract."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.cleaning import clean_body
from pressroom.models import MAX_TAGS, Tag
from pressroom.tagging import MAX_NAME_TOKENS, extract_tags
from pressroom.text import fold, slugify

LABELLED = Path(__file__).resolve().parents[2] / "bench" / "labelled"
KINDS = {"person", "organisation", "place", "work", "event", "topic", "editorial"}

NOISY = """Zoë Saldaña arrived at the Harbourside Film Festival on Tuesday to promote “The Quiet Shore”.

Loading the player...

WATCH: Zoë Saldaña on her new role

"I loved every minute of it," Saldaña said in March. The film was shot in Lisbon by Jean-Luc Moreau.

MORE: Festival line-up in full

READ: Why Thursday screenings sell out

RELATED: Monday's red carpet in pictures

But Saldaña told reporters on Friday that Moreau had "changed everything". After the screening, Saldaña left.

Sign up for the Evening Lantern newsletter for the best of film every Sunday."""


def tags_of(title: str, body: str, editorial: Sequence[str] = (), *, limit: int = MAX_TAGS) -> list[Tag]:
    """The tags of ``body`` as the pipeline computes them: cleaned first, footer names blocked."""
    clean = clean_body(body)
    return extract_tags(title, clean.text, editorial, limit=limit, blocked=clean.footer_names)


def slugs(tags: list[Tag]) -> list[str]:
    return [tag.slug for tag in tags]


def by_slug(tags: list[Tag]) -> dict[str, Tag]:
    return {tag.slug: tag for tag in tags}


def test_bare_surname_counts_towards_full_name() -> None:
    text = (
        "The award went to Jean-Luc Moreau and Priya Raghunathan on Saturday.\n\n"
        "Moreau said the prize was a surprise. Moreau thanked the crew. Critics praised Moreau."
    )
    tags = by_slug(tags_of("Film-makers honoured", text))
    assert "moreau" not in tags
    assert tags["jean-luc-moreau"].kind == "person"
    assert tags["jean-luc-moreau"].score > tags["priya-raghunathan"].score


def test_weekdays_months_and_promo_words_are_never_tags() -> None:
    banned = {"more", "read", "watch", "related", "loading", "player", "thursday", "friday", "monday", "tuesday"}
    banned |= {"sunday", "march", "the", "but", "after", "i"}
    found = set(slugs(tags_of("Saldaña at the festival", NOISY)))
    assert not found & banned
    assert not any(slug.split("-")[0] in banned - {"the"} for slug in found)


def test_footer_publication_name_is_not_a_tag() -> None:
    text = NOISY.replace("After the screening", "The Evening Lantern understands that after the screening")
    found = slugs(tags_of("Saldaña at the festival", text))
    assert "zoe-saldana" in found
    assert not [slug for slug in found if "lantern" in slug]


def test_promo_and_footer_lines_do_not_inflate_names() -> None:
    tags = by_slug(tags_of("A festival", NOISY))
    assert "zoe-saldana" in tags
    assert "festival-line-up" not in tags


def test_editorial_tags_are_kept_with_kind_editorial() -> None:
    tags = tags_of("Saldaña at the festival", NOISY, ["Zoë Saldaña", "Awards season"], limit=3)
    found = by_slug(tags)
    assert len(tags) == 3
    assert found["zoe-saldana"].kind == "editorial"
    assert found["zoe-saldana"].name == "Zoë Saldaña"
    assert found["awards-season"].kind == "editorial"
    assert len(set(slugs(tags))) == len(tags)


def test_editorial_tag_takes_the_better_score_of_a_merged_tag() -> None:
    plain = by_slug(tags_of("Saldaña at the festival", NOISY))
    merged = by_slug(tags_of("Saldaña at the festival", NOISY, ["Jean-Luc Moreau"]))
    assert merged["jean-luc-moreau"].kind == "editorial"
    assert merged["jean-luc-moreau"].score >= plain["jean-luc-moreau"].score


def test_at_most_twelve_tags_best_first() -> None:
    text = " ".join(
        f"{first} {last} met {org} Group in {city}."
        for first, last, org, city in zip(
            ["Ana", "Ben", "Cleo", "Dev", "Eun", "Fay", "Gus", "Hal", "Ida", "Jo"],
            ["Abara", "Bello", "Castro", "Dutta", "Eriksen", "Fonseca", "Gallo", "Haas", "Ivanova", "Jaramillo"],
            ["Acme", "Borealis", "Cobalt", "Dynamo", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper"],
            ["Paris", "Rome", "Oslo", "Lima", "Cairo", "Dublin", "Lagos", "Tokyo", "Quito", "Seoul"],
            strict=True,
        )
    )
    tags = tags_of("A busy day", text)
    assert len(tags) == MAX_TAGS
    scores = [tag.score for tag in tags]
    assert scores == sorted(scores, reverse=True)
    assert len(tags_of("A busy day", text, limit=5)) == 5
    assert tags_of("A busy day", text, limit=0) == []


def test_accented_and_hyphenated_names_keep_their_spelling() -> None:
    text = (
        "Zoë Saldaña-Ortiz and Jean-Luc Moreau opened the season in Paris.\n\n"
        "Saldaña-Ortiz said the role was her hardest. Moreau agreed."
    )
    tags = by_slug(tags_of("A new season", text))
    assert tags["zoe-saldana-ortiz"].name == "Zoë Saldaña-Ortiz"
    assert tags["jean-luc-moreau"].name == "Jean-Luc Moreau"


def test_quoted_title_is_a_work() -> None:
    text = "Critics adored “Salt and Thunder” on Friday, and fans called ‘Salt and Thunder’ a triumph."
    tags = by_slug(tags_of("Streaming this week", text))
    assert tags["salt-and-thunder"].kind == "work"
    assert tags["salt-and-thunder"].name == "Salt and Thunder"
    assert "salt" not in tags


def test_spoken_quotes_are_not_works() -> None:
    text = "“Real mud is better than fake mud,” said Marisol Ibáñez. “You can smell the difference.”"
    assert all(tag.kind != "work" for tag in tags_of("On set", text))


def test_organisations_places_and_events_are_classified_by_cues() -> None:
    text = (
        "Brightwater Energy Ltd will sponsor the Harbour Jazz Festival in Lisbon, the Bank of England said. "
        "Northgate City fans cheered Ingrid Halvorsen, who said Brightwater Energy was proud."
    )
    kinds = {tag.slug: tag.kind for tag in tags_of("Sponsorship", text)}
    assert kinds["brightwater-energy"] == "organisation"
    assert kinds["bank-of-england"] == "organisation"
    assert kinds["harbour-jazz-festival"] == "event"
    assert kinds["lisbon"] == "place"
    assert kinds["ingrid-halvorsen"] == "person"


def test_a_run_of_capitalised_words_longer_than_a_name_is_no_tag() -> None:
    stops = "Paris London Berlin Madrid Rome Vienna Prague Warsaw Oslo"
    assert len(stops.split()) > MAX_NAME_TOKENS
    text = f"The tour visited {stops} in a month. Ana Abara said the Bank of England paid for it."
    found = slugs(tags_of("A long tour", text))
    assert "ana-abara" in found and "bank-of-england" in found
    assert not [slug for slug in found if "berlin" in slug or "madrid" in slug]


def test_possessive_splits_unless_an_organisation_word_follows_later_in_the_name() -> None:
    text = "Staff at King’s College London said that Kestrel’s plant will close. Workers said Kestrel’s plant was old."
    found = slugs(tags_of("Plant closure", text))
    assert "king-s-college-london" in found
    assert "kestrel" in found and not [slug for slug in found if "kestrel-s" in slug]


def test_sentence_initial_words_do_not_become_tags() -> None:
    text = "After the match, fans left. Shares fell. Critics were kind. Filming ended. Meanwhile Oslo slept."
    assert slugs(tags_of("Results", text)) == ["oslo"]


def test_slugify_folds_accents_and_cuts_on_a_dash() -> None:
    assert slugify("Zoë Saldaña") == "zoe-saldana"
    assert slugify("  Jean-Luc  Moreau!! ") == "jean-luc-moreau"
    assert slugify("alpha-beta-gamma", max_length=12) == "alpha-beta"
    assert slugify("!!!") == ""
    assert fold("Østergaard Kovačević") == "Ostergaard Kovacevic"


def test_labelled_set_loads_with_eighty_articles_across_five_sections() -> None:
    articles = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(LABELLED.glob("*.json"))]
    assert len(articles) >= 80
    assert sum(1 for article in articles if article.get("batch") == "new") >= 20
    sections = [article["section"] for article in articles]
    for section in ("entertainment", "sport", "politics", "business", "science"):
        assert sections.count(section) >= 8
    for article in articles:
        assert set(article) - {"batch"} == {"title", "body", "section", "expected_tags"}
        assert 60 <= len(article["body"].split()) <= 700
        assert 4 <= len(article["expected_tags"]) <= 40
        for tag in article["expected_tags"]:
            assert tag["kind"] in KINDS - {"editorial"}
            assert set(tag) <= {"name", "kind", "aliases", "forms"}
        names = [slugify(tag["name"]) for tag in article["expected_tags"]]
        assert len(names) == len(set(names)), "one entry per entity"


@settings(max_examples=1000, deadline=None)
@given(
    title=st.text(max_size=80),
    text=st.text(
        alphabet=st.sampled_from(list("AaBbÉéZzÖö  \n.,:;!?“”‘’\"'&-–()0123456789")) | st.characters(),
        max_size=600,
    ),
    editorial=st.lists(st.text(max_size=30), max_size=5),
    limit=st.integers(min_value=0, max_value=20),
)
def test_arbitrary_text_never_raises_and_returns_valid_unique_tags(
    title: str, text: str, editorial: list[str], limit: int
) -> None:
    tags = extract_tags(title, text, editorial, limit=limit)
    assert len(tags) <= limit
    assert all(isinstance(tag, Tag) and tag.kind in KINDS and tag.slug and tag.name for tag in tags)
    assert all(tag.slug == slugify(tag.slug) for tag in tags)
    assert len({tag.slug for tag in tags}) == len(tags)
    assert [tag.score for tag in tags] == sorted((tag.score for tag in tags), reverse=True)
