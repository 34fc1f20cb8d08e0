"""Sign-in with the municipality's identity provider (OpenID Connect, code flow with PKCE):
a fake provider on loopback (the edge), the real Authlib client and ID-token checks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import socket
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from backend.config import Settings
from backend.main import create_app
from tests.conftest import SERVICE_TOKEN, Clock

CLIENT_ID, CLIENT_SECRET = "ramtid-web", "s3cret-from-the-idp"


class FakeProvider:
    """Signs in whoever the test says is at the keyboard (``email``)."""

    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.email = "erik@hemtjanst-sodermalm.example"
        self.codes: dict[str, dict[str, str]] = {}
        self.nonce_override: str | None = None
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.metadata),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def metadata(self, _request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
            }
        )

    async def authorize(self, request: Request) -> RedirectResponse:
        q = request.query_params
        assert q["client_id"] == CLIENT_ID and q["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"]}
        query = urlencode({"code": code, "state": q["state"]})
        return RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)

    async def token(self, request: Request) -> JSONResponse:
        form = await request.form()
        auth = base64.b64decode(request.headers["authorization"].split()[1]).decode()
        grant = self.codes.pop(str(form["code"]), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            auth != f"{CLIENT_ID}:{CLIENT_SECRET}"
            or grant is None
            or challenge != grant["challenge"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "hsa-123",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce_override or grant["nonce"],
            "email": self.email,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return JSONResponse({"access_token": "at", "token_type": "Bearer", "id_token": id_token})

    async def jwks(self, _request: Request) -> JSONResponse:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))


@pytest.fixture
async def provider() -> AsyncIterator[FakeProvider]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fake = FakeProvider(port)
    server = uvicorn.Server(
        uvicorn.Config(fake.app, host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
        await asyncio.sleep(0.02)
    yield fake
    server.should_exit = True
    await task


@pytest.fixture
async def oidc_app(
    database_url: str, clock: Clock, provider: FakeProvider, demo_in: None
) -> AsyncIterator[Any]:
    settings = Settings(
        database_url=database_url,
        service_token=SERVICE_TOKEN,
        oidc_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=SecretStr(CLIENT_SECRET),
    )
    application = create_app(settings, clock=clock, run_housekeeping=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def demo_in(demo: None) -> None:
    """The demo unit in the test database (seeded through the plain app fixture)."""


async def sign_in(app: Any) -> tuple[httpx.Response, httpx.AsyncClient]:
    """Press the provider's button; the provider signs in at once and sends us back."""
    ours = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    )
    start = await ours.get("/web/signin/oidc")
    assert start.status_code == 303
    async with httpx.AsyncClient() as idp:
        back = await idp.get(start.headers["location"])
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/web/signin/oidc/callback"
    return await ours.get(f"{callback.path}?{callback.query}"), ours


async def test_a_staff_member_signs_in_with_the_identity_provider(oidc_app: Any) -> None:
    page = await httpx.AsyncClient(
        transport=httpx.ASGITransport(app=oidc_app), base_url="http://127.0.0.1:8000"
    ).get("/web/signin")
    assert "Logga in med kommunens inloggning" in page.text
    done, browser = await sign_in(oidc_app)
    assert done.status_code == 303 and done.headers["location"] == "/web/"
    home = await browser.get("/web/")
    assert home.status_code == 200 and "Hej Erik" in home.text
    await browser.aclose()


async def test_someone_who_is_not_staff_is_not_signed_in(
    oidc_app: Any, provider: FakeProvider
) -> None:
    provider.email = "stranger@example.se"
    done, browser = await sign_in(oidc_app)
    assert done.headers["location"] == "/web/signin?problem=staff_not_found"
    assert (await browser.get("/web/")).status_code == 303
    await browser.aclose()


async def test_an_id_token_for_another_sign_in_is_refused(
    oidc_app: Any, provider: FakeProvider
) -> None:
    provider.nonce_override = "a-nonce-from-elsewhere"
    done, browser = await sign_in(oidc_app)
    assert done.headers["location"] == "/web/signin?problem=invalid_code"
    assert (await browser.get("/web/")).status_code == 303
    await browser.aclose()


async def test_a_callback_without_this_browsers_state_is_refused(oidc_app: Any) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=oidc_app), base_url="http://127.0.0.1:8000"
    ) as attacker_victim:
        response = await attacker_victim.get(
            "/web/signin/oidc/callback?" + urlencode({"state": "x", "code": "y"})
        )
    assert response.headers["location"] == "/web/signin?problem=invalid_code"
