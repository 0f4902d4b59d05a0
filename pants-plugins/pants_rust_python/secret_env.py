"""Which environment variables may carry a secret (pure).

Pants uploads a remotely cached process's whole Command, environment included, to the remote
cache, where anyone who can read the cache can read it. Such variables therefore never go into a
cached process's environment: an uncached process stashes them in the private store, and the
step is given the file's path, named by an HMAC under this machine's own key (see
cargo_build.SecretEnvFile).
"""
from __future__ import annotations

import re
from typing import Mapping, Tuple

# Names that say what they hold: CARGO_REGISTRY_TOKEN, NPM_AUTH, AWS_SECRET_ACCESS_KEY, ...
_SECRET_NAME = re.compile(
    r"TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|AUTH|API_?KEY|PRIVATE_?KEY|(^|_)KEY($|_)",
    re.IGNORECASE,
)
# A URL with a user name (and maybe a password) in it: `http://user:pass@proxy:3128`.
_URL_WITH_USERINFO = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s@]+@", re.IGNORECASE)


def secret_variables(env: Mapping[str, str]) -> Tuple[str, ...]:
    """The names in `env` whose value may be a secret, sorted: by name, or a URL holding
    credentials. Variables without a value carry nothing."""
    return tuple(
        sorted(
            name
            for name, value in env.items()
            if value and (_SECRET_NAME.search(name) or _URL_WITH_USERINFO.search(value))
        )
    )
