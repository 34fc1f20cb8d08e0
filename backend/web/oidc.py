"""Sign-in at the municipality's identity provider: OpenID Connect's authorization code flow
with PKCE (Authlib), the ID token verified against the provider's keys (joserfc)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from backend.config import Settings

TIMEOUT = 10.0


class SignInFailed(Exception):
    """The provider refused, or its answer could not be trusted."""


@dataclass(frozen=True)
class Provider:
    settings: Settings

    @property
    def configured(self) -> bool:
        s = self.settings
        return bool(s.oidc_metadata_url and s.oidc_client_id and s.oidc_client_secret)

    @property
    def redirect_uri(self) -> str:
        return self.settings.public_url.rstrip("/") + "/web/signin/oidc/callback"

    def client(self) -> AsyncOAuth2Client:
        s = self.settings
        assert s.oidc_client_secret is not None
        return AsyncOAuth2Client(
            client_id=s.oidc_client_id,
            client_secret=s.oidc_client_secret.get_secret_value(),
            scope="openid email profile",
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=TIMEOUT,
        )

    async def _get_json(self, url: str) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            response = await http.get(url)
            response.raise_for_status()
            data: dict[str, Any] = response.json()
            return data

    async def metadata(self) -> dict[str, Any]:
        assert self.settings.oidc_metadata_url is not None
        return await self._get_json(self.settings.oidc_metadata_url)

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        metadata = await self.metadata()
        async with self.client() as client:
            url, _state = client.create_authorization_url(
                metadata["authorization_endpoint"],
                state=state,
                nonce=nonce,
                code_verifier=code_verifier,
            )
            return str(url)

    async def email_of(self, *, code: str, nonce: str, code_verifier: str) -> str:
        """Exchange the code, verify the ID token (signature, issuer, audience, expiry,
        nonce) and return the staff member's e-mail claim."""
        try:
            metadata = await self.metadata()
            async with self.client() as client:
                token = await client.fetch_token(
                    metadata["token_endpoint"], code=code, code_verifier=code_verifier
                )
            keys = await self._get_json(metadata["jwks_uri"])
            key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]  # checked by it
            claims = jwt.decode(token["id_token"], key_set).claims
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": metadata["issuer"]},
                aud={"essential": True, "value": self.settings.oidc_client_id or ""},
                nonce={"essential": True, "value": nonce},
                exp={"essential": True},
            ).validate(claims)
        except (httpx.HTTPError, JoseError, KeyError, ValueError) as exc:
            raise SignInFailed(type(exc).__name__) from None
        email = claims.get(self.settings.oidc_email_claim)
        if not isinstance(email, str) or not email:
            raise SignInFailed("no e-mail claim")
        return email
