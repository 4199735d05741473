ICO_MAGIC = b"\x00\x00\x01\x00"
# A path on this host: "/x", never "//other.host/x" nor "https://...".
SAME_ORIGIN = re.compile(r"/(?!/)")
LINK = re.compile(r"""(?:src|href)=["']([^"']+)["']|url: ?'([^']+)'""")


def links(html: str) -> list[str]:
    """Every URL a page makes the browser load or follow (src, href, Swagger UI's url)."""
    return [first or second for first, second in LINK.findall(html)]


def docs_page_urls(html: str) -> list[str]:
    """What the API docs page loads: the OpenAPI document and Swagger UI, all from this host."""
    urls = links(html)
    assert "/api/openapi.json" in urls
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls), urls
    for url in urls:
        assert SAME_ORIGIN.match(url), url
    return urls
