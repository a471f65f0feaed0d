"""crawler.extraction on page structures of CMSs nobody here wrote (kinds seen on the open web).

Each page is small but whole: navigation, the article, a footer. The article paragraphs are
ordinary prose; each test checks that a kind of structure keeps the text a reader sees as the
article, and still drops the boilerplate around it.
"""

from __future__ import annotations

import pytest

from crawler.extraction import Extracted, ExtractionFailed, extract_article

URL = "https://www.example-gardens.org/blog/2025/03/19/winter-pruning"

_PROSE = [
    "Winter is the best time to prune most deciduous fruit trees, because the branches are bare"
    " and you can see the shape of the tree clearly, without leaves hiding crossing stems.",
    "Start by removing anything dead, diseased or damaged, cutting back to healthy wood just"
    " above an outward-facing bud, so that new growth opens up the centre of the tree.",
    "Next, look for branches that rub against each other, and take out the weaker of the two,"
    " because the wounds they make let in fungal spores during wet spells in spring.",
    "Finally, step back and thin the crown lightly; removing more than a quarter of the canopy"
    " in one year encourages a thicket of vigorous water shoots the following summer.",
    "Sharp, clean tools make smaller wounds that heal faster, so wipe the blades with alcohol"
    " between trees, especially if you have seen canker on any of them last season.",
    "Stone fruits such as plums and cherries are the exception: prune them in summer instead,"
    " as silver leaf disease spreads most easily through winter cuts on those trees.",
]

_MORE = [
    "Apples and pears fruit on short spurs, so shorten the long side shoots to four buds and"
    " leave the spurs alone unless they have become crowded after many years of cropping.",
    "Young trees need formative pruning for their first three winters, choosing three or four"
    " well-spaced branches to make a goblet shape that lets light and air into the middle.",
    "Old, neglected trees should be brought back gradually over three or four winters, never"
    " all at once, or the shock will cost you several seasons of fruit and much regrowth.",
    "After pruning, clear away the cuttings and burn or bin anything diseased rather than"
    " composting it, and give the tree a mulch of well-rotted manure around its base.",
]

_CHROME = """<header class="site-header"><a href="/">Example Gardens</a>
<nav><ul><li><a href="/blog">Blog</a></li><li><a href="/shop">Shop</a></li>
<li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>"""
_FOOTER = """<footer class="site-footer"><p>Copyright 2025 Example Gardens Ltd. All rights
reserved.</p><ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of
use</a></li></ul></footer>"""


def _page(article: str, title: str = "How to prune fruit trees in winter") -> str:
    return f"""<!doctype html><html lang="en"><head><title>{title} | Example Gardens</title>
<meta property="article:published_time" content="2025-03-19T09:00:00+00:00"></head>
<body>{_CHROME}<main>{article}</main>{_FOOTER}</body></html>"""


def _paras(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def _extract(html: str) -> Extracted:
    return extract_article(html, URL)


def _has_all(art: Extracted, texts: list[str]) -> None:
    for t in texts:
        assert t in art.body, t


def test_sections_under_permalink_headings_are_kept() -> None:
    """Sub-headings that link to themselves (#anchors) head article sections, not teasers."""
    sections = "".join(
        f'<h2 id="s{i}"><a href="#s{i}">Step {i + 1}: {t.split(",")[0][:30]}</a></h2><p>{t}</p>'
        for i, t in enumerate(_PROSE))
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f"{_paras(_MORE)}{sections}</article>"))
    _has_all(art, _MORE + _PROSE)


def test_long_sections_under_linked_headings_are_kept_and_teasers_dropped() -> None:
    """A round-up links each section's heading to a full story; the text below is article
    text. A short standfirst under a linked heading after the article is still a teaser."""
    sections = "".join(
        f'<h2><a href="https://www.example-gardens.org/blog/story-{i}">Story {i}: a year of'
        f" pruning</a></h2><p>{t}</p><p>{_MORE[i]}</p>"
        for i, t in enumerate(_PROSE[:4]))
    teasers = "".join(
        f'<h3><a href="/blog/other-{i}">Another story about compost number {i}</a></h3>'
        f"<p>A short summary of the other story.</p>" for i in range(3))
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>{sections}"
                         f"{teasers}</article>"))
    _has_all(art, _PROSE[:4] + _MORE)
    assert "Another story about compost" not in art.body


@pytest.mark.parametrize("wrapper_class", [
    "field field--name-body field--label-hidden",  # Drupal: the *label* is hidden
    "typography newsletter-post post",  # a newsletter platform's post body
    "ca bd cb cc cd ce",  # hashed CSS-in-JS class names
])
def test_article_in_a_wrapper_named_like_boilerplate(wrapper_class: str) -> None:
    related = ('<div class="related-posts"><h2>Related posts</h2><ul>'
               '<li><a href="/blog/a">Planting bare-root roses</a></li>'
               '<li><a href="/blog/b">Mulching in autumn</a></li></ul></div>')
    art = _extract(_page(f'<article><h1>How to prune fruit trees in winter</h1>'
                         f'<div class="{wrapper_class}">{_paras(_PROSE)}</div>{related}'
                         f"</article>"))
    _has_all(art, _PROSE)
    assert "Planting bare-root roses" not in art.body


def test_article_nested_under_header_by_broken_markup() -> None:
    """An unclosed element in the site header makes the parser put the article inside the
    <header>; the article's text is still found."""
    html = f"""<!doctype html><html lang="en"><head><title>How to prune fruit trees in winter
</title><meta property="article:published_time" content="2025-03-19T09:00:00+00:00"></head>
<body><header class="site-header"><a href="/">Example Gardens</a><nav><a href="/blog">Blog</a>
<a href="/shop">Shop</a></nav><div class="promo-strip"><span>Free delivery
<div class="content"><h1>How to prune fruit trees in winter</h1>{_paras(_PROSE)}</div>
{_FOOTER}</body></html>"""
    art = _extract(html)
    _has_all(art, _PROSE)
    assert "All rights reserved" not in art.body


def test_comments_larger_than_the_article_are_still_comments() -> None:
    comments = "".join(
        f'<li class="comment"><p class="author">Reader {i}</p><p>{t} I tried this last year'
        f" and it worked well for me.</p></li>" for i, t in enumerate(_PROSE * 2))
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f"{_paras(_PROSE[:3])}</article>"
                         f'<section id="comments" class="comments"><h2>12 comments</h2>'
                         f"<ol>{comments}</ol></section>"))
    _has_all(art, _PROSE[:3])
    assert "I tried this last year" not in art.body


def test_a_listing_is_still_refused() -> None:
    items = "".join(
        f'<article class="card"><h2><a href="/blog/post-{i}">Post number {i} about pruning'
        f" apple trees</a></h2><p>Post {i} of our series looks at when to prune, which tools to"
        f" use and how to avoid the common mistakes.</p></article>"
        for i in range(12))
    with pytest.raises(ExtractionFailed) as exc:
        _extract(_page(f"<h1>Blog</h1>{items}", title="Blog"))
    assert exc.value.reason == "not_article"


def test_article_with_many_headline_links_is_not_a_listing() -> None:
    """A guide linking a list of further guides after each part is still an article."""
    def links(n: int) -> str:
        return "<ul>" + "".join(
            f'<li><a href="/blog/guide-{n}-{i}">Our complete guide to pruning shrub {n}-{i}'
            f"</a></li>" for i in range(4)) + "</ul>"
    art = _extract(_page(
        f"<article><h1>How to prune fruit trees in winter</h1><h2>When to prune</h2>"
        f"{_paras(_PROSE[:3])}{links(1)}<h2>How to prune</h2>{_paras(_PROSE[3:])}{links(2)}"
        f"<h2>Old trees</h2>{_paras(_MORE)}{links(3)}</article>"))
    _has_all(art, _PROSE + _MORE)


def test_article_inside_an_unclosed_nav_is_kept() -> None:
    """An unclosed <nav> swallows the article; a nav holding much prose is not site chrome."""
    html = f"""<!doctype html><html lang="en"><head><title>How to prune fruit trees in winter
</title><meta property="article:published_time" content="2025-03-19T09:00:00+00:00"></head>
<body><nav class="navbar"><ul><li><a href="/blog">Blog</a></li><li><a href="/shop">Shop</a>
</li></ul><div class="page"><h1>How to prune fruit trees in winter</h1>
<div class="body">{_paras(_MORE[:2])}{_paras(_PROSE)}{_paras(_MORE[2:])}</div></div>
<div class="share-bar"><p>Share this article on Facebook or Twitter</p></div>
{_FOOTER}</body></html>"""
    art = _extract(html)
    _has_all(art, _PROSE + _MORE)
    assert "All rights reserved" not in art.body


def test_body_kept_when_a_heading_lower_down_repeats_the_title() -> None:
    """A verdict box at the end repeating the headline does not cut the body above it."""
    art = _extract(_page(
        f"<article><h1>Pruning fruit trees in winter: the complete guide</h1>"
        f"<div class=\"entry-content\">{_paras(_PROSE)}"
        f"<h2>How to prune fruit trees in winter</h2>{_paras(_MORE)}</div></article>"))
    _has_all(art, _PROSE + _MORE)


@pytest.mark.parametrize("inline", [
    '<p><strong>Related: <a href="/blog/roses">How to plant bare-root roses</a></strong></p>',
    '<p>[Related: <a href="/blog/roses">How to plant bare-root roses</a>]</p>',
    '<p><b>More:</b> <a href="/blog/roses">How to plant bare-root roses</a></p>',
])
def test_inline_related_link_line_does_not_cut_the_body(inline: str) -> None:
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f"{_paras(_PROSE[:3])}{inline}{_paras(_PROSE[3:])}{_paras(_MORE)}"
                         f"</article>"))
    _has_all(art, _PROSE + _MORE)
    assert "bare-root roses" not in art.body


def test_short_bold_paragraph_is_not_taken_for_a_boilerplate_heading() -> None:
    """A bold lead-in line ("Sign up for the allotment ...") followed by prose is article text
    up to the next heading."""
    art = _extract(_page(
        f"<article><h1>How to prune fruit trees in winter</h1>{_paras(_PROSE[:3])}"
        f"<p><strong>Sign up for a pruning workshop</strong></p>{_paras(_PROSE[3:])}"
        f"<h2>Older trees</h2>{_paras(_MORE)}</article>"))
    _has_all(art, _PROSE + _MORE)


def test_date_shown_only_as_text_under_the_headline() -> None:
    html = _page(f"<article><h1>How to prune fruit trees in winter</h1>"
                 f"<p class=\"date\">Published on 19th March 2019</p>{_paras(_PROSE)}</article>"
                 ).replace('<meta property="article:published_time" '
                           'content="2025-03-19T09:00:00+00:00">', "")
    art = extract_article(html, "https://www.example-gardens.org/blog/winter-pruning")
    assert art.published_at is not None and art.published_at.date().isoformat() == "2019-03-19"


def test_paywall_classed_container_holding_the_full_text_is_the_body() -> None:
    """Sites mark the metered article's container "paywall" and leave the text in it."""
    art = _extract(_page(
        f'<article><h1>How to prune fruit trees in winter</h1><div class="article-body paywall">'
        f"{_paras(_PROSE)}{_paras(_MORE)}</div></article>"))
    assert art.access == "full"
    _has_all(art, _PROSE + _MORE)


def test_sub_headings_with_ids_and_classes_like_boilerplate_are_kept() -> None:
    """A heading's id is a slug of its words ("membership-program", "navigation-tools") and its
    class its style ("header-anchor"): neither makes it a wall or site chrome."""
    sections = "".join(
        f'<h2 id="h-{slug}" class="header-anchor-post">{head}</h2><p>{t}</p><p>{_MORE[i]}</p>'
        for i, (slug, head, t) in enumerate(zip(
            ["membership-program", "navigation-tools", "tools-for-the-job", "comments-from-growers"],
            ["Membership program", "Navigation tools", "Tools for the job", "Comments from growers"],
            _PROSE, strict=False)))
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>{sections}"
                         f"</article>"))
    assert art.access == "full"
    _has_all(art, ["Membership program", "Navigation tools", "Tools for the job",
                   "Comments from growers"] + _PROSE[:4] + _MORE)


def test_parts_of_the_article_with_a_button_or_a_video_are_kept() -> None:
    """A button opens an accordion or a lightbox, an iframe embeds a video: neither makes a box
    a form. A box with a field to type into still is one."""
    parts = "".join(
        f'<div class="item"><button type="button" class="toggle">Show</button><h3>Tree {i}</h3>'
        f"<p>{t}</p></div>" for i, t in enumerate(_PROSE[:3]))
    video = (f'<div class="embed"><iframe src="https://video.example.com/1"></iframe>'
             f"<p>{_PROSE[3]}</p></div>")
    signup = ('<div class="box"><p>Get our gardening tips every week in your inbox</p>'
              '<input type="email" name="email"></div>')
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f"{_paras(_MORE)}{parts}{video}{signup}</article>"))
    _has_all(art, _MORE + _PROSE[:4])
    assert "gardening tips every week" not in art.body


def test_parts_of_the_article_in_boxes_named_like_widgets_are_kept() -> None:
    """A review's picks sit in boxes inside the article named for their place on a page
    ("product-details__bottom-line"), not for what they hold: the prose in them is kept."""
    picks = "".join(
        f'<div class="product-details__bottom-line"><h2>Best tree number {i}</h2>'
        f"<p>{_PROSE[2 * i]}</p><p>{_PROSE[2 * i + 1]}</p></div>" for i in range(3))
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f'<div class="content">{_paras(_MORE[:2])}{picks}{_paras(_MORE[2:])}'
                         f"</div></article>"))
    _has_all(art, _PROSE + _MORE)


def test_table_wrapped_in_a_figure_is_kept_and_image_captions_dropped() -> None:
    """WordPress wraps a table in <figure class="wp-block-table">; a figure is dropped only for
    what is in it (an image, its caption), not for being a figure."""
    rows = "".join(f"<tr><td>{i}</td><td>{tree} tree</td><td>{month}</td></tr>" for i, (tree, month)
                   in enumerate([("Apple", "January"), ("Pear", "February"), ("Plum", "July"),
                                 ("Cherry", "August")], start=1))
    table = (f'<figure class="wp-block-table"><table><thead><tr><th>Rank</th><th>Tree</th>'
             f"<th>Best month to prune</th></tr></thead><tbody>{rows}</tbody></table></figure>")
    image = ('<figure class="wp-block-image"><img src="/pruning.jpg" alt="">'
             "<figcaption>Photo: a pruned apple tree in our orchard</figcaption></figure>")
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f"{_paras(_PROSE[:3])}{image}{table}{_paras(_PROSE[3:])}</article>"))
    _has_all(art, _PROSE + ["Best month to prune", "Cherry tree", "August"])
    assert "a pruned apple tree in our orchard" not in art.body


def test_round_up_of_projects_on_other_sites_is_kept() -> None:
    """A round-up's items are headings linking to other sites, each with a short note: they are
    the article. Headings linking to this site's other stories, each over a one-line summary,
    are still teasers."""
    picks = "".join(
        f'<h2><a href="https://www.blog-{i}.example.net/pruning">Pruning project number {i}</a>'
        f"</h2><p>{t}</p>" for i, t in enumerate(_PROSE))
    teasers = "".join(
        f'<h3><a href="{URL.rsplit("/", 1)[0]}/compost-{i}">Another story about compost number'
        f" {i}</a></h3><p>A short summary of the other story on this site.</p>" for i in range(3))
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f"{_paras(_MORE[:2])}{picks}{teasers}</article>"))
    _has_all(art, _MORE[:2] + _PROSE + ["Pruning project number 5"])
    assert "Another story about compost" not in art.body


@pytest.mark.parametrize("utility_class", [
    "card overflow-hidden rounded",  # clipped, not hidden
    "row margin-bottom-small",  # a margin, not a page bottom
    "bg-white border-brand-light",  # a colour, not a logo
])
def test_part_of_the_article_in_a_box_with_utility_classes_is_kept(utility_class: str) -> None:
    """Utility class names style a property ("overflow-hidden"); the words after the property
    are its value and say nothing of what the box holds."""
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f'<div class="intro">{_paras(_MORE)}</div>'
                         f'<div class="{utility_class}">{_paras(_PROSE[:3])}</div></article>'))
    _has_all(art, _MORE + _PROSE[:3])


def test_article_streamed_into_a_hidden_element_is_found() -> None:
    """A page rendered on the server in pieces sends the rest of the article in a <div hidden>
    for its script to move into place: a hidden element holding most of the page's prose is
    part of the article."""
    html = _page(f"<article><h1>How to prune fruit trees in winter</h1>{_paras(_MORE[:3])}"
                 f'<template id="B:1"></template></article>'
                 f'<div hidden id="S:1">{_paras(_PROSE)}</div>')
    art = _extract(html)
    _has_all(art, _MORE[:3] + _PROSE)
    assert "All rights reserved" not in art.body


@pytest.mark.parametrize("box", ["{}", '<div class="resources">{}</div>'])
def test_list_of_links_to_other_sites_is_kept_and_links_to_this_site_dropped(box: str) -> None:
    """A list of the organisations an article presents, each a link to its own site, is
    article text, on its own or in a box; a list of links to this site's other pages is a
    link box."""
    orgs = "".join(f'<li><a href="https://www.{n.lower().replace(" ", "")}.example.org/">{n}'
                   f" Fruit Growers Association</a></li>"
                   for n in ("Kent", "Devon", "Hereford", "Somerset"))
    own = "".join(f'<li><a href="/blog/{n}">Our guide to {n} roses</a></li>'
                  for n in ("climbing", "rambling", "shrub"))
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f"{_paras(_PROSE[:3])}<p>These groups run pruning days every winter:</p>"
                         f"{box.format(f'<ul>{orgs}</ul>')}{_paras(_PROSE[3:])}"
                         f"{box.format(f'<ul>{own}</ul>')}{_paras(_MORE)}"
                         f"</article>"))
    _has_all(art, _PROSE + _MORE + ["Kent Fruit Growers Association",
                                    "Somerset Fruit Growers Association"])
    assert "Our guide to" not in art.body


def test_list_items_with_a_note_besides_their_link_are_kept() -> None:
    """A list item with words of its own besides the link is article text even when it links
    to this site; a list of bare links to it is not."""
    notes = "".join(f'<li><a href="/tools/{t}">{t.title()} saw for {u}</a>, {p}</li>'
                    for t, u, p in [("pruning", "thick branches", "£18"),
                                    ("bow", "old stumps", "£12")])
    bare = "".join(f'<li><a href="/blog/{n}">Our guide to {n} roses</a></li>'
                   for n in ("climbing", "rambling", "shrub"))
    art = _extract(_page(f"<article><h1>How to prune fruit trees in winter</h1>"
                         f"{_paras(_PROSE[:3])}<ul>{notes}</ul>"
                         f"{_paras(_PROSE[3:])}<ul>{bare}</ul>{_paras(_MORE)}</article>"))
    _has_all(art, _PROSE + _MORE + ["Bow saw for old stumps, £12"])
    assert "Our guide to" not in art.body
