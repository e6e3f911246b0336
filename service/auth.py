"""Authentication: `Authorization: Bearer <JWT>` on every GraphQL request.

A token is verified with the configured HS256 secret or RS256 public key
(signature, expiry, audience, and the issuer when one is configured) and must
carry `sub`, `org` (the code of the organization whose subtree the caller may
see) and `roles` (VIEWER, ANALYST, EDITOR, ADMIN). A request without a token or
with a bad one gets 401 and a GraphQL-shaped error saying why. The GraphiQL page
itself (a GET without a query) needs no token: the browser cannot send one.

With ORGGRAPH_AUTH=off every request is made with unrestricted access; that is
for local demos only and the service says so in its log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import jwt
import orjson
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from graph.access import Access, Grant
from service.protocol import content_type, media_type

if TYPE_CHECKING:
    from service.settings import Settings

log = logging.getLogger("orggraph.auth")

# `make run` and tests mint tokens with this secret when none is configured.
DEV_SECRET = "orggraph-dev-secret-not-for-production"
ACCESS_KEY = "orggraph.access"
EXPIRES_KEY = "orggraph.expires"
# Verified tokens remembered per policy (one entry per client token in use).
_VERIFIED_MAX = 4096
# The shortest HS256 secret production accepts (RFC 7518: at least the hash size).
MIN_SECRET_BYTES = 32


class Unauthenticated(Exception):
    """The request's credentials are missing or unacceptable; the message says which."""


class NoToken(Unauthenticated):
    """The request has no credentials at all."""


@dataclass(frozen=True)
class TokenPolicy:
    """How tokens are checked: the algorithm and key, the audience, the issuer."""

    algorithm: str  # HS256 or RS256
    key: str  # the HS256 secret, or the RS256 public key (PEM)
    audience: str
    issuer: str | None = None
    leeway_seconds: int = 30
    # When set (production), tokens must carry `iat` and live at most this long.
    max_lifetime: dt.timedelta | None = None
    # Tokens verified before, with the caller and the expiry (epoch seconds) of
    # each: a client sends the same token with every request, and verifying it
    # again (~60 µs) is a tenth of a trivial request. Only successes are kept.
    _verified: dict[str, tuple[Access, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_settings(
        cls, secret: str | None, public_key: str | None, audience: str, issuer: str | None
    ) -> TokenPolicy:
        if public_key:
            pem = Path(public_key).read_text() if not public_key.lstrip().startswith("-----") else public_key
            return cls("RS256", pem, audience, issuer)
        return cls("HS256", secret or DEV_SECRET, audience, issuer)

    def verify(self, token: str) -> Access:
        """The caller a token stands for, or Unauthenticated saying what is wrong."""
        return self.verify_until(token)[0]

    def verify_until(self, token: str) -> tuple[Access, float]:
        """The caller a token stands for and until when (epoch seconds, the
        leeway included): a subscription ends then."""
        known = self._verified.get(token)
        if known is not None:
            if time.time() < known[1] + self.leeway_seconds:
                return known[0], known[1] + self.leeway_seconds
            del self._verified[token]
        access, expires = self._decode(token)
        if len(self._verified) >= _VERIFIED_MAX:
            self._verified.clear()
        self._verified[token] = (access, expires)
        return access, expires + self.leeway_seconds

    def _decode(self, token: str) -> tuple[Access, float]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "sub", "aud", *(["iat"] if self.max_lifetime else [])]},
            )
        except jwt.ExpiredSignatureError as e:
            raise Unauthenticated("the token has expired") from e
        except jwt.InvalidAudienceError as e:
            raise Unauthenticated(
                f"the token is not for this service (audience must be {self.audience!r})"
            ) from e
        except jwt.InvalidIssuerError as e:
            raise Unauthenticated("the token was issued by someone this service does not trust") from e
        except jwt.MissingRequiredClaimError as e:
            raise Unauthenticated(f"the token has no {e.claim!r} claim") from e
        except jwt.InvalidSignatureError as e:
            raise Unauthenticated("the token's signature does not verify") from e
        except jwt.InvalidAlgorithmError as e:
            raise Unauthenticated(f"the token must be signed with {self.algorithm}") from e
        except jwt.InvalidTokenError as e:
            raise Unauthenticated(f"the token is not valid: {e}") from e
        if self.max_lifetime is not None and not self._short_lived(claims):
            hours = self.max_lifetime / dt.timedelta(hours=1)
            raise Unauthenticated(f"the token lives longer than the {hours:g} hours this service accepts")
        return _access(claims), float(claims["exp"])

    def _short_lived(self, claims: dict[str, Any]) -> bool:
        """`exp - iat` within the maximum lifetime (PyJWT has checked both are numbers)."""
        assert self.max_lifetime is not None
        lifetime = float(claims["exp"]) - float(claims["iat"])
        return lifetime <= self.max_lifetime.total_seconds()


def token_policy(settings: Settings) -> TokenPolicy:
    """The token policy the settings configure. Production refuses to start with
    the public dev secret or an HS256 secret under 32 bytes (use a long random
    secret or an RS256 key), and accepts only tokens with `iat` that live at
    most ORGGRAPH_JWT_MAX_HOURS."""
    s = settings
    policy = TokenPolicy.from_settings(s.jwt_secret, s.jwt_public_key, s.jwt_audience, s.jwt_issuer)
    if not s.production:
        if policy.key == DEV_SECRET:
            log.warning("ORGGRAPH_JWT_SECRET is not set: tokens are checked with the public dev secret")
        return policy
    if policy.key == DEV_SECRET:
        raise ValueError("ORGGRAPH_MODE=production needs ORGGRAPH_JWT_SECRET or ORGGRAPH_JWT_PUBLIC_KEY")
    if policy.algorithm == "HS256" and len(policy.key.encode()) < MIN_SECRET_BYTES:
        raise ValueError(
            f"ORGGRAPH_MODE=production needs an ORGGRAPH_JWT_SECRET of at least {MIN_SECRET_BYTES} bytes "
            "(e.g. `openssl rand -base64 48`) or an RS256 ORGGRAPH_JWT_PUBLIC_KEY"
        )
    if s.jwt_max_hours <= 0:
        raise ValueError("ORGGRAPH_JWT_MAX_HOURS must be positive")
    return dataclasses.replace(policy, max_lifetime=dt.timedelta(hours=s.jwt_max_hours))


def _access(claims: dict[str, Any]) -> Access:
    subject, org, roles = claims.get("sub"), claims.get("org"), claims.get("roles")
    if not isinstance(subject, str) or not subject:
        raise Unauthenticated("the token's 'sub' claim must be a non-empty string")
    if not isinstance(org, str) or not org:
        raise Unauthenticated("the token has no 'org' claim (the code of the caller's organization)")
    if isinstance(roles, str):
        roles = [roles]
    if not isinstance(roles, list) or not roles:
        raise Unauthenticated(
            "the token's 'roles' claim must list at least one of VIEWER, ANALYST, EDITOR, ADMIN"
        )
    unknown = [r for r in roles if r not in Grant.__members__]
    if unknown:
        raise Unauthenticated(f"the token names unknown roles: {', '.join(map(str, unknown))}")
    return Access(subject, org, frozenset(Grant[r] for r in roles))


def mint(
    *,
    org: str,
    roles: list[Grant],
    subject: str,
    key: str,
    algorithm: str = "HS256",
    audience: str = "orggraph",
    issuer: str | None = None,
    lifetime: dt.timedelta = dt.timedelta(hours=8),
    now: dt.datetime | None = None,
) -> str:
    """A signed token (for `orggraph token`, `make run` and tests)."""
    issued = now or dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "org": org,
        "roles": [r.value for r in roles],
        "aud": audience,
        "iat": issued,
        "exp": issued + lifetime,
    }
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims, key, algorithm=algorithm)


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str:
    """The token of an `Authorization: Bearer ...` header, or Unauthenticated."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
            return token.strip()
    raise NoToken("no token: send 'Authorization: Bearer <token>' (mint one with `orggraph token`)")


class Authentication:
    """ASGI middleware in front of /graphql: verifies the token and puts the
    caller's Access in the request scope, or answers 401."""

    def __init__(self, app: ASGIApp, policy: TokenPolicy, *, path: str = "/graphql") -> None:
        self.app = app
        self.policy = policy
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path or _is_ide_page(scope):
            await self.app(scope, receive, send)
            return
        try:
            scope[ACCESS_KEY], scope[EXPIRES_KEY] = self.policy.verify_until(bearer_token(scope["headers"]))
        except Unauthenticated as e:
            accept = Headers(scope=scope).get("accept")
            await _unauthorized(str(e), send, missing=isinstance(e, NoToken), media=media_type(accept))
            return
        await self.app(scope, receive, send)


def _is_ide_page(scope: Scope) -> bool:
    """A browser opening GraphiQL: GET naming no document (no `query`,
    `documentId` or persisted-query `extensions`)."""
    if scope["method"] != "GET":
        return False
    asked = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return not {"query", "documentId", "extensions"} & asked.keys()


async def _unauthorized(message: str, send: Send, *, missing: bool, media: str) -> None:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]})
    # RFC 6750: a request without credentials gets the bare challenge.
    challenge = 'Bearer realm="orggraph"'
    if not missing:
        challenge += f', error="invalid_token", error_description="{_quoted(message)}"'
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", content_type(media).encode()),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", challenge.encode("latin-1", "replace")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'")
