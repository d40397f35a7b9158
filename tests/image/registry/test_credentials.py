"""Credential sources and their precedence, challenges, redaction and the command-line flags."""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
from pathlib import Path

import pytest

from hullscan.errors import ImageError, RegistryError, UsageError
from hullscan.image.interface import MediaType, Platform
from hullscan.image.registry import RegistryOptions, add_registry_args, registry_options_from_args
from hullscan.image.registry.auth import (
    Challenge,
    Credentials,
    config_credentials,
    parse_challenges,
    resolve_credentials,
)
from hullscan.image.registry.client import RegistryClient
from hullscan.image.registry.manifest import manifest_media_type
from hullscan.image.registry.redact import REDACTED, Redactor, safe_url
from hullscan.image.registry.reference import parse_reference

HUB_KEY = "https://index.docker.io/v1/"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _lookup(config: dict[str, object], key: str) -> Credentials | None:
    return config_credentials(config, key, "config.json", Redactor(), 5.0)


def test_auths_entries_in_docker_spellings() -> None:
    config = {
        "auths": {
            "https://index.docker.io/v1/": {"auth": _b64("hub:hubpw")},
            "http://reg.example:5000/v2/": {"username": "u", "password": "p1"},
            "other.example": {"identitytoken": "refresh-abc"},
            "empty.example": {},
        }
    }
    hub = _lookup(config, HUB_KEY)
    assert hub is not None and (hub.username, hub.password) == ("hub", "hubpw")
    reg = _lookup(config, "reg.example:5000")
    assert reg is not None and (reg.username, reg.password) == ("u", "p1")
    other = _lookup(config, "other.example")
    assert other is not None and other.identity_token == "refresh-abc"
    assert _lookup(config, "empty.example") is None
    assert _lookup(config, "reg.example") is None  # the port is part of the name
    assert "hubpw" not in repr(hub)


def test_hub_is_found_under_any_of_its_names() -> None:
    config = {"auths": {"docker.io": {"auth": _b64("a:b")}}}
    found = _lookup(config, HUB_KEY)
    assert found is not None and found.password == "b"


def test_broken_auth_entry_is_an_error_without_the_value() -> None:
    with pytest.raises(RegistryError, match="not base64 of user:password") as err:
        _lookup({"auths": {"h.example": {"auth": "!!!secret!!!"}}}, "h.example")
    assert "secret" not in str(err.value)


def test_precedence_flags_then_env_then_token_then_config(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {"h.example": {"auth": _b64("cfg:cfgpw")}}}))
    base = RegistryOptions(docker_config=config)
    env = {
        "HULLSCAN_USERNAME": "envu",
        "HULLSCAN_PASSWORD": "envpw",
        "HULLSCAN_REGISTRY_TOKEN": "t0k3n",
    }

    def resolve(options: RegistryOptions, environ: dict[str, str]) -> Credentials | None:
        return resolve_credentials("h.example", options, Redactor(), environ)

    flags = RegistryOptions(docker_config=config, username="flag", password="flagpw")
    assert resolve(flags, env) == Credentials("flag", "flagpw", origin="--username/--password")
    found = resolve(base, env)
    assert found is not None and (found.username, found.origin) == ("envu", "HULLSCAN_PASSWORD")
    found = resolve(base, {"HULLSCAN_REGISTRY_TOKEN": "t0k3n"})
    assert found is not None and found.registry_token == "t0k3n"
    found = resolve(base, {})
    assert found is not None and found.username == "cfg"
    assert resolve(RegistryOptions(docker_config=tmp_path / "none.json"), {}) is None
    with pytest.raises(UsageError, match="need both a user name"):
        resolve(base, {"HULLSCAN_USERNAME": "only"})
    mixed = resolve(RegistryOptions(username="flag"), {"HULLSCAN_PASSWORD": "envpw"})
    assert mixed is not None and (mixed.username, mixed.password) == ("flag", "envpw")


def test_docker_config_location(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(
        json.dumps({"auths": {"h.example": {"auth": _b64("d:e")}}})
    )
    found = resolve_credentials(
        "h.example", RegistryOptions(), Redactor(), {"DOCKER_CONFIG": str(tmp_path)}
    )
    assert found is not None and found.username == "d"
    found = resolve_credentials(
        "h.example", RegistryOptions(docker_config=tmp_path), Redactor(), {}
    )
    assert found is not None and found.username == "d"
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(RegistryError, match="Docker config is not valid JSON"):
        resolve_credentials("h.example", RegistryOptions(docker_config=tmp_path), Redactor(), {})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            'Bearer realm="https://auth.example/token",service="registry.example",'
            'scope="repository:library/nginx:pull"',
            [Challenge("bearer", {"realm": "https://auth.example/token",
                                  "service": "registry.example",
                                  "scope": "repository:library/nginx:pull"})],
        ),
        ('Basic realm="test-registry"', [Challenge("basic", {"realm": "test-registry"})]),
        ("Basic", [Challenge("basic", {})]),
        (
            'Basic realm="a, b", Bearer realm="https://t.example/x?y=1",scope="a:b:pull,push"',
            [Challenge("basic", {"realm": "a, b"}),
             Challenge("bearer", {"realm": "https://t.example/x?y=1", "scope": "a:b:pull,push"})],
        ),
        ('bearer realm=https://t.example/token, service=svc', [
            Challenge("bearer", {"realm": "https://t.example/token", "service": "svc"})]),
        ('Bearer realm="q\\"uote"', [Challenge("bearer", {"realm": 'q"uote'})]),
        ("", []),
    ],
)  # fmt: skip
def test_parse_challenges(header: str, expected: list[Challenge]) -> None:
    assert parse_challenges(header) == expected


def test_redactor_scrubs_secrets_headers_and_signed_urls() -> None:
    redactor = Redactor(("hunter2-pw",))
    redactor.add_basic("alice", "hunter2-pw")
    redactor.add("tok")  # too short to scrub safely: ignored
    text = redactor.redact(
        "pw hunter2-pw, url-quoted hunter2-pw, basic "
        + _b64("alice:hunter2-pw")
        + " | Authorization: Bearer abc.def.ghi | Basic authentication | token=xyz&a=1 | tok"
    )
    assert "hunter2" not in text
    assert _b64("alice:hunter2-pw") not in text
    assert "abc.def" not in text and "xyz" not in text
    assert "Basic authentication" in text and text.endswith("| tok")
    assert text.count(REDACTED) >= 5
    assert safe_url("https://u:p@h.example:5000/v2/x?X-Amz-Signature=s") == (
        "https://h.example:5000/v2/x?…"
    )


def _parse(argv: list[str], stdin: str = "") -> RegistryOptions:
    parser = argparse.ArgumentParser()
    parser.add_argument("--platform")
    parser.add_argument("--timeout", type=float)
    add_registry_args(parser)
    return registry_options_from_args(parser.parse_args(argv), io.StringIO(stdin))


def test_flags(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("pem")
    argv = ["--username", "u", "--password-stdin", "--insecure", "--ca-cert", str(ca)]
    argv += ["--registry-mirror", "mirror.example", "--registry-mirror", "http://10.0.0.2:5000/"]
    argv += ["--platform", "linux/arm64", "--timeout", "42"]
    options = _parse(argv, stdin="s3cret-pw\n")
    assert options.username == "u" and options.password == "s3cret-pw"
    assert options.insecure
    assert options.mirrors == ("mirror.example", "http://10.0.0.2:5000")
    assert options.ca_cert == ca
    assert options.platform == Platform("linux", "arm64")
    assert options.timeout == 42.0
    assert "s3cret" not in repr(options)
    with caplog.at_level(logging.WARNING):
        assert _parse(["--username", "u", "--password", "p"]).password == "p"
    assert "prefer --password-stdin" in caplog.text
    assert _parse([]) == RegistryOptions()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--password", "p", "--password-stdin"], "exclude each other"),
        (["--username", "u", "--password-stdin"], "read an empty password"),
        (["--registry-mirror", "http://mirror.example"], "plain HTTP needs --insecure"),
        (["--registry-mirror", "https://m.example/path"], "without path"),
        (["--registry-mirror", "ftp://m.example"], "expected [https://]host"),
        (["--ca-cert", "/nonexistent/ca.pem"], "no such file"),
        (["--timeout", "-1"], "must be more than 0"),
    ],
)
def test_bad_flags(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        _parse(argv)


def test_local_mirror_may_be_plain_http() -> None:
    assert RegistryOptions(mirrors=("http://127.0.0.1:5000",)).mirrors == (
        "http://127.0.0.1:5000",
    )


def test_plain_http_only_where_allowed() -> None:
    def endpoints(ref: str, **kw: object) -> list[tuple[str, str, bool]]:
        client = RegistryClient(parse_reference(ref), RegistryOptions(**kw))  # type: ignore[arg-type]
        try:
            return [(e.host, e.scheme, e.plain_ok) for e in client.endpoints]
        finally:
            client.close()

    assert endpoints("registry.example/a") == [("registry.example", "", False)]
    assert endpoints("registry.example/a", insecure=True) == [("registry.example", "", True)]
    assert endpoints("localhost:5000/a") == [("localhost:5000", "", True)]
    assert endpoints("nginx", mirrors=("m.example", "http://127.0.0.1:1")) == [
        ("m.example", "", False),
        ("127.0.0.1:1", "http", True),
        ("registry-1.docker.io", "", False),
    ]
    assert endpoints("quay.example/a", mirrors=("m.example",)) == [("quay.example", "", False)]


def test_bad_ca_bundle_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(RegistryError, match="not a PEM CA bundle"):
        RegistryClient(parse_reference("h.example/a"), RegistryOptions(ca_cert=bad))


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        ({"mediaType": MediaType.DOCKER_MANIFEST.value}, "", MediaType.DOCKER_MANIFEST.value),
        ({"config": {}, "layers": []}, MediaType.OCI_MANIFEST.value + "; charset=utf-8",
         MediaType.OCI_MANIFEST.value),
        ({"manifests": []}, MediaType.DOCKER_LIST.value, MediaType.DOCKER_LIST.value),
        ({"manifests": []}, "application/json", MediaType.OCI_INDEX.value),
        ({"config": {}, "layers": []}, "text/plain", MediaType.OCI_MANIFEST.value),
    ],
)  # fmt: skip
def testmanifest_media_type_from_body_header_or_shape(
    data: dict[str, object], content_type: str, expected: str
) -> None:
    assert manifest_media_type(data, content_type, "m") == expected


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        ({"schemaVersion": 1, "fsLayers": []}, "", "schema 1"),
        ({}, "application/vnd.docker.distribution.manifest.v1+prettyjws", "schema 1"),
        ({"mediaType": "application/vnd.example+json"}, "", "unknown manifest media type"),
    ],
)
def test_unreadable_manifest_types(
    data: dict[str, object], content_type: str, message: str
) -> None:
    with pytest.raises(ImageError, match=message):
        manifest_media_type(data, content_type, "m")
