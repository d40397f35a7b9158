"""References normalise the way Docker's do, and bad ones fail with the reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hullscan.errors import UsageError
from hullscan.image.registry.reference import Reference, is_local_host, parse_reference

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest", "canonical"),
    [
        ("nginx", "docker.io", "library/nginx", "latest", "", "docker.io/library/nginx:latest"),
        ("nginx:1.25", "docker.io", "library/nginx", "1.25", "", "docker.io/library/nginx:1.25"),
        ("user/app", "docker.io", "user/app", "latest", "", "docker.io/user/app:latest"),
        ("docker.io/nginx", "docker.io", "library/nginx", "latest", "", None),
        ("index.docker.io/library/nginx", "docker.io", "library/nginx", "latest", "", None),
        ("registry-1.docker.io/a/b:c", "docker.io", "a/b", "c", "", "docker.io/a/b:c"),
        ("localhost/app", "localhost", "app", "latest", "", "localhost/app:latest"),
        ("localhost:5000/a/b:t", "localhost:5000", "a/b", "t", "", None),
        ("127.0.0.1:5000/hullscan/busybox:amd64", "127.0.0.1:5000", "hullscan/busybox",
         "amd64", "", None),
        ("registry.example/team/app", "registry.example", "team/app", "latest", "", None),
        ("Registry.Example/app", "Registry.Example", "app", "latest", "", None),
        ("[::1]:5000/app:1", "[::1]:5000", "app", "1", "", None),
        (f"nginx@{DIGEST}", "docker.io", "library/nginx", "", DIGEST,
         f"docker.io/library/nginx@{DIGEST}"),
        (f"host:5000/a:t@{DIGEST}", "host:5000", "a", "t", DIGEST, f"host:5000/a:t@{DIGEST}"),
        ("a.b/c__d/e-f--g/h.i_j:T_1.x-y", "a.b", "c__d/e-f--g/h.i_j", "T_1.x-y", "", None),
    ],
)  # fmt: skip
def test_normalises_like_docker(
    text: str, registry: str, repository: str, tag: str, digest: str, canonical: str | None
) -> None:
    ref = parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )
    if canonical is not None:
        assert str(ref) == canonical
    assert parse_reference(str(ref)) == ref


def test_docker_hub_api_host_and_auth_key() -> None:
    hub = parse_reference("nginx")
    assert hub.api_host == "registry-1.docker.io"
    assert hub.auth_key == "https://index.docker.io/v1/"
    other = parse_reference("host:5000/a")
    assert (other.api_host, other.auth_key) == ("host:5000", "host:5000")
    assert parse_reference(f"a@{DIGEST}").manifest_ref == DIGEST
    assert parse_reference("a:t").manifest_ref == "t"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Nginx", "must be lowercase"),
        ("user/App", "must be lowercase"),
        ("https://host/app", "drop the URL scheme"),
        ("app:", "tag ''"),
        ("app:-bad", "tag '-bad'"),
        ("app:" + "t" * 129, "1-128"),
        ("a//b", "path component ''"),
        ("a/-b", "path component '-b'"),
        ("a/b_", "path component 'b_'"),
        ("a/b___c", "path component 'b___c'"),
        ("host:5000/", "no repository name"),
        ("-host.example/app", "registry '-host.example'"),
        ("app@sha256:abc", "needs 64 lowercase hex"),
        ("app@md5:" + "a" * 32, "unsupported digest"),
        ("app@sha256:" + "A" * 64, "lowercase hex"),
        ("x/" + "a" * 260, "longer than 255"),
    ],
)
def test_rejects_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_reference(text)
    assert why in str(err.value)
    assert str(err.value).startswith("invalid image reference")


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("localhost:5000", True),
        ("127.0.0.1:5000", True),
        ("127.1.2.3", True),
        ("[::1]:5000", True),
        ("registry.localhost", True),
        ("registry.example", False),
        ("10.0.0.1:5000", False),
        ("localhost.example", False),
    ],
)
def test_local_hosts(host: str, local: bool) -> None:
    assert is_local_host(host) is local


_component = st.from_regex(r"[a-z0-9]{1,5}(?:[._-][a-z0-9]{1,4}){0,2}", fullmatch=True)


@given(
    registry=st.sampled_from(["docker.io", "localhost:5000", "registry.example", "10.0.0.1:80"]),
    path=st.lists(_component, min_size=1, max_size=3),
    tag=st.one_of(st.just(""), st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)),
    digest=st.one_of(st.just(""), st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True)),
)
def test_canonical_form_round_trips(registry: str, path: list[str], tag: str, digest: str) -> None:
    text = (
        f"{registry}/{'/'.join(path)}"
        + (f":{tag}" if tag else "")
        + (f"@{digest}" if digest else "")
    )
    ref = parse_reference(text)
    assert parse_reference(str(ref)) == ref
    assert isinstance(ref, Reference)
    assert ref.digest == digest
    assert ref.tag == (tag or ("" if digest else "latest"))
