from __future__ import annotations

import pytest
from pants_rust_python.secret_env import secret_variables


@pytest.mark.parametrize(
    "name, value",
    [
        ("CARGO_REGISTRY_TOKEN", "cio123"),
        ("CARGO_REGISTRIES_CORP_TOKEN", "abc"),
        ("AWS_SECRET_ACCESS_KEY", "x"),
        ("GITHUB_AUTH", "x"),
        ("DB_PASSWORD", "x"),
        ("MY_API_KEY", "x"),
        ("SIGNING_KEY", "x"),
        ("HTTPS_PROXY", "http://alice:hunter2@proxy.internal:3128"),
        ("https_proxy", "http://alice@proxy.internal:3128"),
        ("RUSTFLAGS", "--cfg x -L https://user:pw@host/lib"),
    ],
)
def test_variables_that_may_hold_a_secret(name: str, value: str) -> None:
    assert secret_variables({name: value}) == (name,)


@pytest.mark.parametrize(
    "name, value",
    [
        ("HTTPS_PROXY", "http://proxy.internal:3128"),
        ("NO_PROXY", "localhost,127.0.0.1"),
        ("RUSTFLAGS", "-C target-cpu=native"),
        ("HOME", "/home/alice"),
        ("CARGO_HOME", "/home/alice/.cargo"),
        ("SSL_CERT_FILE", "/etc/ssl/certs/ca.pem"),
        ("KEYBOARD_LAYOUT", "us"),
        ("CARGO_REGISTRY_TOKEN", ""),
    ],
)
def test_ordinary_variables(name: str, value: str) -> None:
    assert secret_variables({name: value}) == ()


def test_names_are_sorted() -> None:
    assert secret_variables({"B_TOKEN": "1", "A_TOKEN": "2", "PATH": "/bin"}) == (
        "A_TOKEN",
        "B_TOKEN",
    )
