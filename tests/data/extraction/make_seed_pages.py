"""Wrap the five seed texts (seeds/NNN.txt) in plausible markup of their sites.

Run once to (re)generate seed_NNN_*.html; the pages are committed. The seed text is the real
pages' visible text; the markup around it is **unconfirmed** (SOURCES.md §4-§5 say what is
known) and each page says so in a comment. Boilerplate is placed inside the body container
where that makes extraction harder.

    .venv/bin/python tests/data/extraction/make_seed_pages.py
"""

from __future__ import annotations

from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent


def seed(n: str) -> list[str]:
    return [ln.strip() for ln in (HERE / "seeds" / f"{n}.txt").read_text().splitlines()
            if ln.strip()]


def ps(lines: list[str]) -> str:
    return "\n".join(f"<p>{escape(ln)}</p>" for ln in lines)


def page(title: str, head: str, body: str, lang: str = "en-GB") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8"/>\n'
            f"<!-- carewatch test fixture: seed text wrapped in markup that is UNCONFIRMED -->\n"
            f"<title>{escape(title)}</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def croydon_council() -> str:
    s = seed("000")
    title, body, meta = s[0], s[1:-2], s[-1]
    paras = []
    for ln in body:
        if ln.startswith("Ofsted completed"):
            paras.append("<p>" + escape(ln.replace("here.", "")) +
                         '<a href="https://reports.ofsted.gov.uk/provider/44/80512">here</a>.</p>')
        elif ln == "Improvements made since the inspection":
            paras.append(f"<p><strong>{escape(ln)}</strong></p>")
        else:
            paras.append(f"<p>{escape(ln)}</p>")
    iso, rest = meta.split(" ", 1)
    human = rest.split("|")[0]
    return page(f"{title} | Croydon Council News", (
        '<link rel="alternate" type="application/rss+xml" href="https://news.croydon.gov.uk/feed/"/>'
    ), f"""<div id="cookie-notice" class="cn-notice"><span>We use cookies to ensure that we give you the best experience on our website. If you continue to use this site we will assume that you are happy with it.</span><a class="cn-button">Ok</a> <a class="cn-more">Privacy policy</a></div>
<header class="fusion-header"><a class="fusion-logo" href="/">Croydon Council News</a><nav class="fusion-main-menu"><ul><li><a href="/">Home</a></li><li><a href="/category/recent-news/">Recent news</a></li><li><a href="/category/your-council/">Your council</a></li><li><a href="https://www.croydon.gov.uk">croydon.gov.uk</a></li></ul></nav></header>
<main id="main" class="clearfix"><div class="fusion-row">
<section id="content" style="width: 71%;">
<article id="post-8841" class="post post-8841 type-post status-publish format-standard hentry category-recent-news">
<h1 class="entry-title fusion-post-title">{escape(title)}</h1>
<div class="post-content">
{chr(10).join(paras)}
<p>Read our FAQs on the findings <a href="https://www.croydon.gov.uk/healthsocial/families/improvement-plan/ofsted-response-and-faqs">here</a></p>
</div>
<div class="fusion-meta-info"><div class="fusion-meta-info-wrapper"><span class="updated">{iso}</span> <span>{escape(human)}</span><span class="fusion-inline-sep">|</span><a href="/category/recent-news/" rel="category tag">Recent news</a><span class="fusion-inline-sep">|</span></div></div>
<div class="fusion-sharing-box"><h4>Share This Story, Choose Your Platform!</h4><a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">LinkedIn</a> <a href="#">Email</a></div>
<section class="related-posts single-related-posts"><h3>Related Posts</h3><div><h4><a href="/croydon-fostering-fortnight/">Croydon celebrates Fostering Fortnight with families across the borough</a></h4><p>August 31st, 2017</p></div><div><h4><a href="/new-youth-centre/">New youth centre opens its doors in Thornton Heath</a></h4><p>August 29th, 2017</p></div></section>
</article>
</section>
<aside id="sidebar" class="sidebar fusion-widget-area"><section class="widget"><h4 class="widget-title">Recent news</h4><ul><li><a href="/council-tax/">Council tax support scheme consultation opens</a> September 1st, 2017</li><li><a href="/libraries/">Library opening hours extended</a> August 30th, 2017</li></ul></section></aside>
</div></main>
<footer class="fusion-footer"><p>© Copyright Croydon Council | All rights reserved</p><ul><li><a href="/privacy/">Privacy</a></li><li><a href="/accessibility/">Accessibility</a></li></ul></footer>""")


def localgov() -> str:
    s = seed("001")
    byline, title = s[0], s[1]
    i_sign = s.index("SIGN UP")
    body, tail = s[2:i_sign], s[i_sign:]
    jobs_start = tail.index("Highways jobs")
    jobs, block = [], []
    for ln in tail[jobs_start + 1:-1]:
        block.append(ln)
        if ln.startswith("Recuriter:"):
            jobs.append(block)
            block = []
    job_html = "".join(
        f'<div><p><a href="/jobs/{k}">{escape(j[0])}</a></p>' + ps(j[1:]) + "</div>"
        for k, j in enumerate(jobs))
    name, date = byline.rsplit(" ", 3)[0], " ".join(byline.rsplit(" ", 3)[1:])
    return page(f"{title} | LocalGov", "", f"""<div class="cookie-bar"><p>This site uses cookies. By continuing to browse you agree to our use of cookies.</p><button>Accept</button></div>
<div class="header"><a href="/">LocalGov</a><ul><li><a href="/news">News</a></li><li><a href="/jobs">Jobs</a></li><li><a href="/events">Events</a></li></ul></div>
<div class="container"><div class="col-md-8">
<p><span>{escape(name)}</span> {escape(date)}</p>
<h1>{escape(title)}</h1>
<div>
{ps(body)}
<div><h4>SIGN UP</h4><p>For your free daily news bulletin</p><p><a href="/newsletter">Sign up</a></p></div>
<div><h3>Highways jobs</h3>{job_html}</div>
<p><a href="https://www.linkedin.com/company/localgov"><img src="/banner.png" alt=""/>Linkedin Banner</a></p>
</div>
</div></div>
<div class="footer"><p>© Hemming Group</p></div>""")


def cypnow() -> str:
    s = seed("002")
    title, author, date = s[0], s[1], s[2]
    i_mem = s.index("CYP Now Digital membership")
    body, mem = s[3:i_mem], s[i_mem:]
    caption = body[1]
    assert body[1] == body[2]
    body_html = (ps(body[:1]) + f'\n<div class="media"><img src="/media/qlxcmm1h/croydon.jpg?width=1002" alt=""/><span>{escape(caption)}</span></div>\n<p>{escape(caption)}</p>\n' + ps(body[3:]))
    mem_html = []
    for ln in mem:
        if ln in ("CYP Now Digital membership", "CYP Now Magazine"):
            mem_html.append(f"<h3>{escape(ln)}</h3><ul>")
        elif ln.startswith("•"):
            mem_html.append(f"<li>{escape(ln.lstrip('• '))}</li>")
        elif ln.startswith("From"):
            mem_html.append(f"</ul><p>{escape(ln)}</p>")
        else:
            mem_html.append(f'<p><a href="/subscribe">{escape(ln)}</a></p>')
    return page(f"{title} | Children & Young People Now", "", f"""<div class="cookie-consent"><p>We use cookies to personalise content and to analyse our traffic.</p><button>Accept all</button><button>Manage settings</button></div>
<header class="site-header"><a href="/">CYP Now</a><nav><a href="/content/news">News</a> <a href="/content/research">Research</a> <a href="/subscribe">Subscribe</a></nav></header>
<main><article>
<h1>{escape(title)}</h1>
<div class="article-details"><span>{escape(author)}</span> <span>{escape(date)}</span></div>
<div class="article-body">
{body_html}
<p>This page was last updated on 10 April 2024</p>
{"".join(mem_html)}
</div>
</article></main>
<footer><p>© MA Education Ltd</p></footer>""")


def newsquest() -> str:
    s = seed("003")
    paras = []
    for ln in s:
        if ln in ("Child protection", "The staff", "‘We have come a long way’"):
            paras.append(f"<h2>{escape(ln)}</h2>")
        else:
            paras.append(f"<p>{escape(ln)}</p>")
        if ln.startswith("It is expected"):
            paras.append('<p><strong>READ MORE:</strong> <a href="/news/17640001.croydon-children-s-services-monitoring-visit/">Croydon children’s services ‘making progress’, says Ofsted</a></p>')
            paras.append('<div class="ad-slot"><span>Advertisement</span></div>')
        if ln.startswith("Some of these children"):
            paras.append('<div><p><strong>Get the latest news from Croydon sent straight to your inbox</strong></p><form><input type="email"/><button>Sign up</button></form></div>')
    title = "Final Ofsted report into Croydon's children's services published"
    return page(f"{title} | Your Local Guardian", (
        '<meta property="og:title" content="' + escape(title) + '"/>\n'
        '<meta property="article:published_time" content="2019-12-18T16:03:00+00:00"/>\n'
        '<link rel="canonical" href="https://www.yourlocalguardian.co.uk/news/18111953.final-ofsted-report-croydons-childrens-services-published/"/>'
    ), f"""<div class="gdpr-banner"><p>We and our partners use cookies to personalise your experience and to show you relevant adverts.</p><button>I agree</button><button>Options</button></div>
<header><a href="/">Your Local Guardian</a><nav><a href="/news/">News</a> <a href="/sport/">Sport</a></nav></header>
<div class="mar-most-read"><h3>Latest</h3><ul><li><a href="/news/18111800.a/">Tram services suspended after crash in Addiscombe</a> <time datetime="2019-12-17T18:00:00+00:00">17 December 2019</time></li></ul></div>
<div class="article">
<h1 class="headline">{escape(title)}</h1>
<div class="article-body p402_hide">
{chr(10).join(paras)}
</div>
<div class="comments"><h3>Comments (1)</h3><p>Steve_Croydon 18 December 2019: About time they got this sorted out, it has taken far too long for the children who needed help.</p></div>
</div>
<footer><p>© Newsquest Media Group</p></footer>""")


def locumtoday() -> str:
    s = seed("004")
    title, standfirst, date = s[0], s[1], s[2]
    i_share = s.index("Share this article:")
    body = s[3:i_share]
    html_body, in_list = [], False
    for ln in body:
        if ln.startswith("- "):
            if not in_list:
                html_body.append("<ul>")
                in_list = True
            html_body.append(f"<li>{escape(ln[2:])}</li>")
            continue
        if in_list:
            html_body.append("</ul>")
            in_list = False
        html_body.append(f"<p>{escape(ln)}</p>")
    i_latest = s.index("Latest articles")
    teasers = s[i_latest + 1:]
    teaser_html = "".join(
        f'<div><a href="/article.php?s=t{k}"><span>{escape(teasers[k])}</span></a>'
        f'<h4><a href="/article.php?s=t{k}">{escape(teasers[k + 1])}</a></h4>'
        f"<p>{escape(teasers[k + 2])}</p><p>{escape(teasers[k + 3])}</p></div>"
        for k in range(0, len(teasers), 4))
    return page(f"{title} - Locum Today", "", f"""<table width="100%"><tr><td class="top"><a href="/">Locum Today</a> <a href="/category.php?catTitle=news">News</a> <a href="/category.php?catTitle=advice">Advice and Guides</a></td></tr>
<tr><td>
<p><a href="/category.php?catTitle=Advice%20and%20Guides">Advice and Guides</a></p>
<h1>{escape(title)}</h1>
<h2>{escape(standfirst)}</h2>
<p>{escape(date)}</p>
<div>
{chr(10).join(html_body)}
<p>Share this article: <a href="#">Facebook</a> <a href="#">Twitter</a></p>
<p><a href="#top">Back to top</a></p>
<p><a href="/subscribe.php">Subscribe to Locum Today</a></p>
<p><a href="#comment">Post a comment</a></p>
<p>Receive the latest interviews, features and news stories in the Locum Today monthly email newsletter, designed and produced for locum social workers in the UK.</p>
<p>Type in your email address below and click Subscribe.</p>
<h3>Leave a comment</h3>
<h3>Latest articles</h3>
{teaser_html}
</div>
</td></tr></table>""")


PAGES = {
    "seed_000_croydon_council.html": croydon_council,
    "seed_001_localgov.html": localgov,
    "seed_002_cypnow.html": cypnow,
    "seed_003_newsquest.html": newsquest,
    "seed_004_locumtoday.html": locumtoday,
}

if __name__ == "__main__":
    for name, make in PAGES.items():
        (HERE / name).write_text(make(), encoding="utf-8")
        print("wrote", name)
