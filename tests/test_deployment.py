"""Safe deployment: production refuses weak secrets and long-lived tokens, and
the service refuses to listen on a public address (as the Docker image does)
with the public dev secret unless the demo is asked for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from graph.access import Grant
from service.app import create_app
from service.auth import DEV_SECRET, Unauthenticated, mint, token_policy
from service.cli.main import main
from service.deployment import UnsafeExposure, check_exposure
from service.settings import Settings
from tests.graphs import TODAY
from tests.helpers import RolledBackDatabase

STRONG = "k" * 32  # 32 bytes: the shortest production accepts


def production(**overrides: Any) -> Settings:
    return Settings(mode="production", auth=True, **{"jwt_secret": STRONG, **overrides})


# --- item 11: production keys and token lifetimes ---------------------------------------------


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        create_app(production(jwt_secret="s3cret"))
    with pytest.raises(ValueError, match="at least 32 bytes"):
        create_app(production(jwt_secret="k" * 31))
    create_app(production())  # 32 bytes start
    # Development keeps working with any secret (and the dev secret, with a warning).
    create_app(Settings(mode="development", auth=True, jwt_secret="s3cret"))


def claims(**overrides: Any) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return {"sub": "alice", "org": "C", "roles": ["VIEWER"], "aud": "orggraph", "iat": now,
            "exp": now + dt.timedelta(hours=1), **overrides}  # fmt: skip


def test_production_requires_iat_and_a_bounded_lifetime() -> None:
    policy = token_policy(production())
    assert policy.max_lifetime == dt.timedelta(hours=12)
    now = dt.datetime.now(dt.UTC)

    assert policy.verify(jwt.encode(claims(), STRONG)).subject == "alice"
    twelve = claims(exp=now + dt.timedelta(hours=12))
    assert policy.verify(jwt.encode(twelve, STRONG)).scope == "C"

    century = claims(exp=now + dt.timedelta(days=36_500))
    with pytest.raises(Unauthenticated, match="lives longer than the 12 hours"):
        policy.verify(jwt.encode(century, STRONG))
    thirteen = claims(exp=now + dt.timedelta(hours=13))
    with pytest.raises(Unauthenticated, match="lives longer"):
        policy.verify(jwt.encode(thirteen, STRONG))
    no_iat = claims()
    del no_iat["iat"]
    with pytest.raises(Unauthenticated, match="no 'iat' claim"):
        policy.verify(jwt.encode(no_iat, STRONG))

    # ORGGRAPH_JWT_MAX_HOURS sets the bound; development does not bound lifetimes.
    assert token_policy(production(jwt_max_hours=24)).verify(jwt.encode(thirteen, STRONG))
    assert token_policy(Settings(mode="development", auth=True, jwt_secret=STRONG)).verify(
        jwt.encode(century, STRONG)
    )


async def test_a_century_token_is_refused_over_http(world: RolledBackDatabase) -> None:
    app = create_app(production(), db=world, today=lambda: TODAY)
    century = mint(
        org="C", roles=[Grant.VIEWER], subject="alice", key=STRONG, lifetime=dt.timedelta(days=36_500)
    )
    hour = mint(org="C", roles=[Grant.VIEWER], subject="alice", key=STRONG, lifetime=dt.timedelta(hours=1))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        query = {"query": "{ me { subject } }"}
        refused = await http.post("/graphql", json=query, headers={"Authorization": f"Bearer {century}"})
        accepted = await http.post("/graphql", json=query, headers={"Authorization": f"Bearer {hour}"})
    assert refused.status_code == 401
    assert "lives longer than the 12 hours" in refused.json()["errors"][0]["message"]
    assert accepted.json() == {"data": {"me": {"subject": "alice"}}}


def test_settings_read_the_max_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORGGRAPH_JWT_MAX_HOURS", raising=False)
    assert Settings().jwt_max_hours == 12
    monkeypatch.setenv("ORGGRAPH_JWT_MAX_HOURS", "2")
    assert Settings().jwt_max_hours == 2


# --- item 12: no public address with the public dev secret ---------------------------------------


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The environment of the Docker image: ORGGRAPH_HOST=0.0.0.0 and nothing else."""
    for name in ("ORGGRAPH_JWT_SECRET", "ORGGRAPH_JWT_PUBLIC_KEY", "ORGGRAPH_DEMO", "ORGGRAPH_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORGGRAPH_AUTH", "on")
    monkeypatch.setenv("ORGGRAPH_HOST", "0.0.0.0")
    yield monkeypatch


def test_the_container_refuses_to_start_without_a_secret(
    bare_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `orggraph serve` (the image's command) stops before uvicorn starts.
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "refusing to listen on 0.0.0.0" in err
    assert "ORGGRAPH_DEMO=on" in err
    bare_env.setenv("ORGGRAPH_AUTH", "off")
    assert main(["serve", "--host", "::"]) == 2
    assert "with ORGGRAPH_AUTH=off" in capsys.readouterr().err


def test_a_public_address_needs_a_secret_or_the_demo(bare_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(UnsafeExposure):
        check_exposure(Settings(), "0.0.0.0")
    with pytest.raises(UnsafeExposure):
        check_exposure(Settings(), "orggraph.example.org")
    check_exposure(Settings(), "127.0.0.1")  # loopback: the local development run
    check_exposure(Settings(), "localhost")
    check_exposure(Settings(), "::1")
    check_exposure(Settings(jwt_secret=STRONG), "0.0.0.0")
    check_exposure(Settings(jwt_public_key="key.pem"), "0.0.0.0")
    with pytest.raises(UnsafeExposure):
        check_exposure(Settings(jwt_secret=DEV_SECRET, auth=False), "0.0.0.0")
    bare_env.setenv("ORGGRAPH_DEMO", "on")
    check_exposure(Settings(), "0.0.0.0")  # asked for explicitly
