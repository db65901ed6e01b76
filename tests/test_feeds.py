"""Feeds, sitemap, robots.txt, Open Graph and JSON-LD: absolute URLs right at a domain root and under a sub-path."""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_builder.build import build
from site_builder.views import json_ld

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SLUGS = sorted(p.name.removesuffix(".zh.md") for p in (Path(__file__).parent.parent / "content/articles").glob("*.zh.md"))


def set_base(project: Path, base_url: str) -> None:
    cfg = project / "content/site.toml"
    cfg.write_text(re.sub(r'(?m)^base_url = ".*"$', f'base_url = "{base_url}"', cfg.read_text(encoding="utf-8")),
                   encoding="utf-8")


def local(out: Path, base: str, url: str) -> Path:
    """The output file an absolute URL under ``base`` is served from."""
    assert url.startswith(base), (url, base)
    rel = url[len(base):]
    return out / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


class Head(HTMLParser):
    """<link>, <meta property> and JSON-LD of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.meta: dict[str, str] = {}
        self.jsonld: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "link":
            self.links.append(a)
        if tag == "meta" and "property" in a:
            self.meta[a["property"]] = a.get("content", "")
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_endtag(self, tag: str) -> None:
        self._in_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.jsonld.append(data)


def head(path: Path) -> Head:
    h = Head()
    h.feed(path.read_text(encoding="utf-8"))
    return h


@pytest.fixture(params=["https://example.org/", "https://example.org/wenling/"], ids=["root", "subpath"])
def built(request: pytest.FixtureRequest, project: Path) -> tuple[Path, str]:
    set_base(project, request.param)
    build(project)
    return project / "public", request.param


def test_every_link_and_asset_resolves(built: tuple[Path, str]) -> None:
    from tests.test_build import check_links

    out, base = built
    assert check_links(out) == []
    html404 = (out / "404.html").read_text(encoding="utf-8")  # served at any URL: links from the site's root path
    root_path = "/" + base.split("/", 3)[3]
    assert f'href="{root_path}static/site.css"' in html404 and f'href="{root_path}zh/index.html"' not in html404
    assert f'href="{root_path}zh/"' in html404


def test_atom_feed_per_language(built: tuple[Path, str]) -> None:
    out, base = built
    for lang in ("zh", "en"):
        feed = ET.parse(out / lang / "feed.xml").getroot()
        assert feed.tag == f"{ATOM}feed" and feed.get(XML_LANG) == lang
        assert feed.findtext(f"{ATOM}id") == f"{base}{lang}/"
        self_link = feed.find(f"{ATOM}link[@rel='self']")
        assert self_link is not None and self_link.get("href") == f"{base}{lang}/feed.xml"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00\+08:00", feed.findtext(f"{ATOM}updated") or "")
        assert feed.find(f"{ATOM}author/{ATOM}name") is not None
        entries = feed.findall(f"{ATOM}entry")
        assert sorted(e.findtext(f"{ATOM}id").rstrip("/").rsplit("/", 1)[1] for e in entries) == SLUGS
        for e in entries:
            url = e.findtext(f"{ATOM}id")
            assert url == f"{base}{lang}/articles/{url.rstrip('/').rsplit('/', 1)[1]}/"
            assert local(out, base, url).exists()
            alts = {a.get("hreflang"): a.get("href") for a in e.findall(f"{ATOM}link[@rel='alternate']")}
            other = "en" if lang == "zh" else "zh"
            assert alts[lang] == url and local(out, base, alts[other]).exists()
            assert alts[other] == url.replace(f"/{lang}/", f"/{other}/")
            assert e.findtext(f"{ATOM}title") and e.findtext(f"{ATOM}summary") is not None
            content = e.find(f"{ATOM}content")
            assert content is not None and content.get("type") == "html" and "<p>" in (content.text or "")


def test_feed_content_links_resolve_against_the_entry(built: tuple[Path, str]) -> None:
    """Relative links inside entry content resolve (xml:base is the article's URL) to files that exist."""
    from urllib.parse import urljoin

    out, base = built
    feed = ET.parse(out / "en" / "feed.xml").getroot()

    for e in feed.findall(f"{ATOM}entry"):
        entry_base = e.get("{http://www.w3.org/XML/1998/namespace}base")
        assert entry_base == e.findtext(f"{ATOM}id")
        for href in re.findall(r'href="([^"#]*)', e.findtext(f"{ATOM}content") or ""):
            if href:
                assert local(out, base, urljoin(entry_base, href)).exists(), href



def test_sitemap_lists_every_page_with_alternates(built: tuple[Path, str]) -> None:
    out, base = built
    root = ET.parse(out / "sitemap.xml").getroot()
    urls = {u.findtext(f"{SM}loc"): u for u in root.findall(f"{SM}url")}
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    expected = {base + (p[: -len("index.html")] if p.endswith("index.html") else p) for p in pages
                if p != "404.html" and not re.match(r"^(zh|en)/search/", p)}
    assert set(urls) == expected
    for loc, u in urls.items():
        assert local(out, base, loc).exists()
        alts = {a.get("hreflang"): a.get("href") for a in u.findall(f"{XHTML}link")}
        if loc == base:  # the language chooser has no counterpart
            assert alts == {}
            continue
        assert set(alts) == {"zh", "en", "x-default"}, loc
        assert loc in (alts["zh"], alts["en"]) and alts["x-default"] == alts["zh"]
        for href in alts.values():
            assert local(out, base, href).exists()
    assert (out / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n"


def test_canonical_hreflang_and_open_graph_on_every_page(built: tuple[Path, str]) -> None:
    out, base = built
    for page in out.rglob("*.html"):
        rel = page.relative_to(out).as_posix()
        h = head(page)
        canonical = [link["href"] for link in h.links if link.get("rel") == "canonical"]
        if rel == "404.html":
            assert canonical == [] and "og:url" not in h.meta
            continue
        assert canonical == [base + rel.removesuffix("index.html")], rel
        assert h.meta["og:url"] == canonical[0]
        assert h.meta["og:title"] and h.meta["og:description"] and h.meta["og:site_name"]
        lang = rel.split("/")[0] if rel != "index.html" else "en"
        assert h.meta["og:locale"] == {"zh": "zh_CN", "en": "en_GB"}[lang]
        for link in h.links:
            if link.get("rel") == "alternate" and link.get("hreflang"):
                assert local(out, base, link["href"]).exists(), (rel, link)
            if link.get("type") == "application/atom+xml":  # relative, to the feed of the page's language
                assert (page.parent / link["href"]).resolve() == (out / lang / "feed.xml").resolve(), rel


def test_news_article_json_ld(built: tuple[Path, str]) -> None:
    out, base = built
    for slug in SLUGS:
        for lang in ("zh", "en"):
            h = head(out / lang / "articles" / slug / "index.html")
            assert len(h.jsonld) == 1
            data = json.loads(h.jsonld[0])
            assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
            assert data["url"] == data["mainEntityOfPage"] == f"{base}{lang}/articles/{slug}/"
            assert data["inLanguage"] == lang and data["datePublished"] == "2022-02-09"
            assert data["headline"] and data["publisher"]["@type"] == "Organization"
            assert h.meta["og:type"] == "article" and h.meta["og:title"] == data["headline"]
            if lang == "en":
                assert data["translationOfWork"]["url"] == f"{base}zh/articles/{slug}/"
            else:
                assert data["workTranslation"]["url"] == f"{base}en/articles/{slug}/"


def test_json_ld_cannot_close_its_script_element() -> None:
    text = json_ld({"headline": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["headline"] == "</script><script>alert(1)</script> & <!--"


def test_path_only_base_url_builds_without_feeds(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    set_base(project, "/")
    with caplog.at_level(logging.WARNING):
        build(project)
    out = project / "public"
    assert not (out / "sitemap.xml").exists() and not (out / "zh" / "feed.xml").exists()
    assert "no scheme and host" in caplog.text
    assert "feed.xml" not in (out / "zh" / "index.html").read_text(encoding="utf-8")


def test_feed_escaping_is_what_the_standard_librarys_xml_helpers_give() -> None:
    """feeds.escape and feeds.quoteattr stand in for xml.sax.saxutils (which costs every build an import of
    urllib.request): byte for byte the same on any text, quotes, line breaks and tabs included."""
    from xml.sax import saxutils

    from hypothesis import given
    from hypothesis import strategies as st

    from site_builder import feeds

    @given(st.text(alphabet=st.sampled_from(list("ab &<>\"'\n\r\t温岭;#=")) | st.characters(), max_size=40))
    def same(text: str) -> None:
        assert feeds.escape(text) == saxutils.escape(text)
        assert feeds.quoteattr(text) == saxutils.quoteattr(text)

    same()
    assert feeds.quoteattr('a"b') == "'a\"b'" and feeds.quoteattr("a\"b'c") == '"a&quot;b\'c"'


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The feeds and sitemaps a build makes (rather than keeps from its last output)."""
    from site_builder import feeds

    calls: list[str] = []
    real_feed, real_sitemap = feeds.atom_feed, feeds.sitemap

    def atom_feed(site: object, lang: str) -> bytes:
        calls.append(f"feed-{lang}")
        return real_feed(site, lang)  # type: ignore[arg-type]

    def sitemap(config: object, pages: list) -> bytes:
        calls.append("sitemap")
        return real_sitemap(config, pages)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds, "atom_feed", atom_feed)
    monkeypatch.setattr(feeds, "sitemap", sitemap)
    monkeypatch.setattr(feeds, "FEED_ENTRIES", 2)  # so that an article can be outside the feeds
    monkeypatch.setenv("SITE_BUILDER_PAGEFIND", "/nonexistent/pagefind")
    return calls


def test_feeds_and_sitemap_are_made_again_only_when_what_they_show_changed(project: Path, tmp_path: Path,
                                                                           made: list[str]) -> None:
    from .test_incremental import clean_build, edit, site_files

    out = project / "public"
    build(project)
    assert sorted(made) == ["feed-en", "feed-zh", "sitemap"]
    feed = ET.parse(out / "zh/feed.xml").getroot()
    in_feed = {e.findtext(f"{ATOM}id").rstrip("/").rsplit("/", 1)[-1] for e in feed.iter(f"{ATOM}entry")}
    assert len(in_feed) == 2
    outside = next(slug for slug in SLUGS if slug not in in_feed)
    inside = sorted(in_feed)[0]

    made.clear()
    edit(project / f"content/articles/{outside}.zh.md", "。", "！")
    build(project)
    assert made == []  # neither the feeds nor the sitemap show anything of that article's text
    assert site_files(out) == clean_build(project, tmp_path / "clean")

    made.clear()
    edit(project / f"content/articles/{inside}.zh.md", "。", "！")
    build(project)
    assert sorted(made) == ["feed-en", "feed-zh"]  # the feeds carry its text; the sitemap only its address
    assert site_files(out) == clean_build(project, tmp_path / "clean")

    made.clear()
    sitemap = out / "sitemap.xml"
    sitemap.write_bytes(sitemap.read_bytes().replace(b"</urlset>", b"<!-- by hand --></urlset>"))
    build(project)
    assert made == ["sitemap"]  # not as the last build left it: made again
    assert site_files(out) == clean_build(project, tmp_path / "clean")

    made.clear()
    (project / f"content/articles/{outside}.zh.md").unlink()  # fewer pages: what every page sees changed
    (project / f"content/articles/{outside}.en.md").unlink(missing_ok=True)
    build(project)
    assert sorted(made) == ["feed-en", "feed-zh", "sitemap"]
    assert site_files(out) == clean_build(project, tmp_path / "clean")


def test_a_feed_follows_an_article_that_becomes_one_of_the_newest(project: Path, tmp_path: Path,
                                                                   made: list[str]) -> None:
    from .test_incremental import clean_build, site_files

    out = project / "public"
    build(project)
    feed = ET.parse(out / "en/feed.xml").getroot()
    in_feed = {e.findtext(f"{ATOM}id").rstrip("/").rsplit("/", 1)[-1] for e in feed.iter(f"{ATOM}entry")}
    outside = next(slug for slug in SLUGS if slug not in in_feed)
    path = project / f"content/articles/{outside}.zh.md"
    text = path.read_text(encoding="utf-8")
    date = re.search(r"(?m)^date = (\S+)$", text)
    assert date is not None, text[:300]
    path.write_text(text.replace(date.group(0), "date = 2022-02-10", 1), encoding="utf-8")  # newer than the rest
    made.clear()
    build(project)
    assert "feed-en" in made and "feed-zh" in made
    feed = ET.parse(out / "en/feed.xml").getroot()
    assert outside in feed.find(f"{ATOM}entry").findtext(f"{ATOM}id")  # type: ignore[union-attr]
    assert site_files(out) == clean_build(project, tmp_path / "clean")
