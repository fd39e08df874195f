"""/docs and /redoc work offline: every asset they load is served by the app itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)


def test_swagger_ui_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = _assets(page.text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        assert client.get(asset).status_code == 200, asset
    assert "oauth2RedirectUrl" in page.text
    assert client.get("/docs/oauth2-redirect").status_code == 200


def test_redoc_loads_only_local_assets(client: TestClient) -> None:
    page = client.get("/redoc")
    assert page.status_code == 200
    assert "fonts.googleapis.com" not in page.text
    for asset in _assets(page.text):
        assert not asset.startswith(("http:", "https:", "//")), asset
        assert client.get(asset).status_code == 200, asset


def test_openapi_describes_the_api_in_vietnamese(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "Tra cứu thủ tục hành chính" in document["info"]["description"]
    tags = {t["name"]: t["description"] for t in document["tags"]}
    assert tags["auth"].startswith("Đăng nhập")
    token = document["paths"]["/api/auth/token"]["post"]
    assert token["description"].startswith("Đăng nhập (OAuth2 password flow)")
