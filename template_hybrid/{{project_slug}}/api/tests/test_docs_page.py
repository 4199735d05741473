"""The API's docs pages write the project's name HTML-escaped in their `<title>`."""

import pytest
from starlette.testclient import TestClient

from ..app import create_api

NAME = 'A<b>&"c'


@pytest.mark.parametrize(("path", "page"), [("/docs", "Swagger UI"), ("/redoc", "ReDoc")])
def test_the_docs_pages_titles_are_escaped(path: str, page: str) -> None:
    api = create_api()
    api.title = NAME

    answer = TestClient(api).get(path)

    assert answer.status_code == 200
    assert f"<title>A&lt;b&gt;&amp;&quot;c - {page}</title>" in answer.text
    assert NAME not in answer.text


def test_the_openapi_document_keeps_the_name_as_written() -> None:
    api = create_api()
    api.title = NAME

    document = TestClient(api).get("/openapi.json")

    assert document.json()["info"]["title"] == NAME
