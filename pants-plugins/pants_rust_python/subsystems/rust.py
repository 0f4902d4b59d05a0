"""The `[rust]` options: where the toolchain lives and what a build may see of the environment."""
from __future__ import annotations

import os
from typing import Iterable

from pants.option.option_types import IntOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.ordered_set import OrderedSet
from pants.util.strutil import softwrap


class RustSubsystem(Subsystem):
    options_scope = "rust"
    help = "How Pants finds and runs cargo and rustc to build Rust-backed Python packages."

    class EnvironmentAware(Subsystem.EnvironmentAware):
        env_vars_used_by_options = ("PATH", "HOME", "CARGO_HOME")

        _toolchain_search_paths = StrListOption(
            default=["<PATH>", "<CARGO_HOME>/bin"],
            help=softwrap(
                """
                Directories to search for `rustc` and `cargo`, earliest first. `<PATH>` expands to
                the PATH of the environment Pants runs in, `<CARGO_HOME>` to `$CARGO_HOME` (or
                `~/.cargo`). A rustup proxy is resolved to the real toolchain directory once, so
                builds never depend on rustup's settings.
                """
            ),
        )
        _linker_search_paths = StrListOption(
            default=["<PATH>"],
            help=softwrap(
                """
                Directories to search for the C compiler (`cc`) that rustc links with, and that
                crates' build scripts compile C with, the tools it runs (`ar`, `as`, `ld`, ...;
                looked for beside `cc` first) and `[rust].build_tools`. A build's PATH holds only
                links to those.
                """
            ),
        )

        def _expand(self, entries: Iterable[str]) -> tuple[str, ...]:
            home = self._options_env.get("HOME") or os.path.expanduser("~")
            cargo_home = self._options_env.get("CARGO_HOME") or os.path.join(home, ".cargo")
            expanded: OrderedSet[str] = OrderedSet()
            for entry in entries:
                if entry == "<PATH>":
                    expanded.update(
                        p for p in (self._options_env.get("PATH") or "").split(os.pathsep) if p
                    )
                else:
                    expanded.add(entry.replace("<CARGO_HOME>", cargo_home).replace("<HOME>", home))
            return tuple(expanded)

        @property
        def toolchain_search_paths(self) -> tuple[str, ...]:
            return self._expand(self._toolchain_search_paths)

        @property
        def linker_search_paths(self) -> tuple[str, ...]:
            return self._expand(self._linker_search_paths)

    build_env_vars = StrListOption(
        default=[],
        help=softwrap(
            """
            Environment variables that cargo, rustc and build scripts may see when compiling,
            as `NAME=value` or `NAME` (copied from Pants's environment). Nothing else of the
            environment reaches a build, so RUSTFLAGS, CC and friends apply only when listed
            here. Prefer `.cargo/config.toml` in the repository for settings that belong to it.
            Values are part of the cache keys and go to the remote cache with them, except for a
            variable that may hold a secret (a name with TOKEN, PASSWORD, SECRET, CREDENTIAL,
            AUTH or KEY, or a URL with credentials): builds read it from a file in
            `[rust].store_dir`, are keyed by an HMAC unique to this machine, and so are not
            shared through the remote cache.
            """
        ),
    )
    build_tools = StrListOption(
        default=[],
        help=softwrap(
            """
            Programs that crates' build scripts may run, beyond the toolchain and the C compiler
            with its companions (`c++`, `ar`, `as`, `ld`, `ranlib`, `strip`): for example
            `pkg-config`, `cmake`, `make` or `perl`. Each is found in
            `[rust].linker_search_paths` and linked into the build's PATH, and its `--version`
            line and binary digest become part of every cache key. A build script that runs a
            common tool that is not declared gets an error naming this option.
            """
        ),
    )
    fetch_env_vars = StrListOption(
        default=[
            "HOME",
            "CARGO_HOME",
            "CARGO_HTTP_CAINFO",
            "CARGO_NET_GIT_FETCH_WITH_CLI",
            "CARGO_REGISTRIES_CRATES_IO_PROTOCOL",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "NO_PROXY",
            "http_proxy",
            "https_proxy",
            "no_proxy",
        ],
        advanced=True,
        help=softwrap(
            """
            Environment variables passed to `cargo vendor` and to `pants generate-lockfiles`'s
            cargo, the steps that reach the network, so that cargo finds your registries, mirrors and credentials as it does in
            your shell. What it downloads is checked against Cargo.lock's checksums. One that
            may hold a secret (a name with TOKEN, PASSWORD, SECRET, CREDENTIAL, AUTH or KEY, or a
            URL with credentials, such as a proxy's) reaches `cargo vendor` through a file in
            `[rust].store_dir`, never through the step's environment, which the remote cache
            stores.
            """
        ),
    )
    store_dir = StrOption(
        default="/tmp/pants-rust-python",
        advanced=True,
        help=softwrap(
            """
            An absolute directory, identical on every machine that shares a cache, where builds
            keep content-addressed copies of vendored crate sources, pyo3 interpreter
            configuration files, and links to the toolchain named by its versions. Cargo's
            fingerprints record these absolute paths: a path that is the same in every sandbox
            and on every machine lets compiled dependencies be reused from the cache instead of
            rebuilt. Created `0700`; a store another user owns, or that others may write to,
            is refused, since builds compile what it holds. Each vendored source tree is checked
            against a manifest of its digests before every use and replaced when it differs.
            """
        ),
    )
    store_max_unused_days = IntOption(
        default=30,
        advanced=True,
        help=softwrap(
            """
            Vendored source trees in `[rust].store_dir` that no build used for this many days
            are removed (checked once per Pants run); 0 keeps them forever.
            """
        ),
    )
