"""Core metadata tests. Every expected METADATA / Requires-Dist string below was produced by
maturin 1.16 (`maturin pep517 write-dist-info`) from the same inputs. Requires-Dist and
Requires-Python are compared by meaning (as `packaging` parses them), everything else byte for
byte."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

import packaging
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from pants_rust_python.wheel.folding import fold_header
from pants_rust_python.wheel.metadata import (
    CoreMetadata,
    MetadataError,
    MetadataFileMissing,
    build_core_metadata,
    canonicalize_name,
    check_header_values,
    entry_points_txt,
    metadata_input_globs,
    normalize_version,
    render_entry_points,
    render_metadata,
    require_cffi,
)
from pants_rust_python.wheel.requirements import format_requirement, format_requires_python
from pants_rust_python.wheel.wheel import escape_distribution
from rust_python_testutil.requirements import (
    metadata_difference,
    requirement_difference,
    specifier_key,
)

# The plugin runs on the packaging of Pants's own environment (21.3 with Pants 2.17.1); `./pants
# test` runs these tests on the newer one of pytest's resolve. Where the two differ, the
# expectations below say which is which.
PACKAGING = Version(packaging.__version__)
# From 22 on: extra names normalized (PEP 685), no "legacy" specifiers, `pkg @ url`.
PACKAGING_22 = PACKAGING >= Version("22")

MATURIN_REQUIREMENTS: List[Tuple[str, Optional[str], str]] = [
    ("attrs", None, "attrs"),
    ("numpy >= 1.20, <2", None, "numpy>=1.20,<2"),
    (
        "requests[security,socks] ~= 2.28 ; python_version < '3.11'",
        None,
        "requests[security,socks]~=2.28 ; python_full_version < '3.11'",
    ),
    ("Foo_Bar.baz==1.0", None, "foo-bar-baz==1.0"),
    ('tomli; python_version < "3.11"', None, "tomli ; python_full_version < '3.11'"),
    (
        "pywin32 >=300; sys_platform == 'win32' and platform_machine == 'x86_64'",
        None,
        "pywin32>=300 ; platform_machine == 'x86_64' and sys_platform == 'win32'",
    ),
    (
        "pkg @ https://example.com/pkg-1.0.tar.gz",
        None,
        "pkg @ https://example.com/pkg-1.0.tar.gz",
    ),
    (
        "x; os_name == 'nt' or os_name == 'posix'",
        None,
        "x ; os_name == 'nt' or os_name == 'posix'",
    ),
    ("requests[socks,Security]>=2", None, "requests[socks,security]>=2"),
    ("a<2,>=1", None, "a>=1,<2"),
    ("b (>=1.0, <2.0)", None, "b>=1.0,<2.0"),
    ("c>1.0.0; python_version > '3.8'", None, "c>1.0.0 ; python_full_version >= '3.9'"),
    ("d; python_version <= '3.8'", None, "d ; python_full_version < '3.9'"),
    ("e; python_version == '3.8'", None, "e ; python_full_version == '3.8.*'"),
    ("f; python_version != '3.8'", None, "f ; python_full_version != '3.8.*'"),
    (
        "g; python_version in '3.8 3.9'",
        None,
        "g ; python_full_version >= '3.8' and python_full_version < '3.10'",
    ),
    ("h; python_full_version >= '3.8.1'", None, "h ; python_full_version >= '3.8.1'"),
    ("i; '3.8' < python_version", None, "i ; python_full_version >= '3.9'"),
    (
        "j; platform_system != 'Windows' and platform_system != 'Darwin'",
        None,
        "j ; platform_system != 'Darwin' and platform_system != 'Windows'",
    ),
    ("l; 'linux' in sys_platform", None, "l ; 'linux' in sys_platform"),
    (
        "m; sys_platform not in 'win32 cygwin'",
        None,
        "m ; sys_platform not in 'win32 cygwin'",
    ),
    (
        "n; python_version >= '3.8' and python_version < '3.11' and implementation_name == 'cpython'",
        None,
        "n ; python_full_version >= '3.8' and python_full_version < '3.11' and implementation_name == 'cpython'",
    ),
    (
        "o; (os_name == 'nt' or sys_platform == 'darwin') and python_version >= '3.9'",
        None,
        "o ; (python_full_version >= '3.9' and sys_platform == 'darwin') or (python_full_version >= '3.9' and os_name == 'nt')",
    ),
    (
        "p==1.0.0; python_version ~= '3.8'",
        None,
        "p==1.0.0 ; python_full_version >= '3.8' and python_full_version < '4'",
    ),
    ("q===1.0", None, "q===1.0"),
    ("r==1.*", None, "r==1.*"),
    (
        "s; python_version < '3.8' or python_version >= '3.10'",
        None,
        "s ; python_full_version < '3.8' or python_full_version >= '3.10'",
    ),
    (
        "t; os_name == 'nt' or os_name == 'posix' or os_name == 'java'",
        None,
        "t ; os_name == 'java' or os_name == 'nt' or os_name == 'posix'",
    ),
    (
        "u; python_version == '3.*'",
        None,
        "u ; python_full_version >= '3' and python_full_version < '4'",
    ),
    (
        "v; platform_machine == 'x86_64' or platform_machine == 'aarch64'",
        None,
        "v ; platform_machine == 'aarch64' or platform_machine == 'x86_64'",
    ),
    (
        "pkg @ https://example.com/a/b-1.0.tar.gz ; python_version<'3.8'",
        None,
        "pkg @ https://example.com/a/b-1.0.tar.gz ; python_full_version < '3.8'",
    ),
    (
        "pkg2@git+https://example.com/x/y.git@v1.0",
        None,
        "pkg2 @ git+https://example.com/x/y.git@v1.0",
    ),
    (
        '  Spaced.Name  [ a , B.c ]  >= 1.0.0-alpha , <2 ; python_version<"3.8"  ',
        None,
        "spaced-name[a,b-c]>=1.0.0a0,<2 ; python_full_version < '3.8'",
    ),
    ("eq>=1.0,==1.0.0,<=1", None, "eq>=1.0,==1.0.0,<=1"),
    ("local==1.0+Local.Ver", None, "local==1.0+local.ver"),
    ("quoted; 'nt' == os_name", None, "quoted ; os_name == 'nt'"),
    ("star!=1.0.*", None, "star!=1.0.*"),
    ("tilde~=1.0", None, "tilde~=1.0"),
    ("caps==1.0.0.RC1", None, "caps==1.0.0rc1"),
    ("epoch>=1!2.0", None, "epoch>=1!2.0"),
    ("empty[]", None, "empty"),
    (
        "ws;python_version>='3.8'and os_name=='nt'",
        None,
        "ws ; python_full_version >= '3.8' and os_name == 'nt'",
    ),
    ("false; python_version == '3.8.1'", None, "false ; python_version < '0'"),
    (
        "pfin; python_full_version in '3.8.1 3.9.2'",
        None,
        "pfin ; python_full_version == '3.8.1' or python_full_version == '3.9.2'",
    ),
    (
        "pfnotin; python_full_version not in '3.8.1'",
        None,
        "pfnotin ; python_full_version != '3.8.1'",
    ),
    (
        "trailing; python_version >= '3.8.0' and python_full_version < '3.10.0'",
        None,
        "trailing ; python_full_version >= '3.8' and python_full_version < '3.10'",
    ),
    (
        "zero; python_full_version >= '3.0.0'",
        None,
        "zero ; python_full_version >= '3.0.0'",
    ),
    ("gt; python_full_version > '3.8'", None, "gt ; python_full_version > '3.8'"),
    ("le; python_full_version <= '3.8'", None, "le ; python_full_version <= '3.8'"),
    ("ver; python_version < '3.8.5'", None, "ver ; python_full_version < '3.9'"),
    ("three; python_version == '3'", None, "three ; python_full_version == '3.0.*'"),
    (
        "dnf; (python_version < '3.8' or sys_platform == 'win32') and (os_name == 'nt' or extra == 'foo')",
        None,
        "dnf ; (python_full_version < '3.8' and extra == 'foo') or (python_full_version < '3.8' and os_name == 'nt') or (os_name != 'nt' and sys_platform == 'win32' and extra == 'foo') or (os_name == 'nt' and sys_platform == 'win32')",
    ),
    (
        "neg; python_version < '3.9' or python_version >= '3.10'",
        None,
        "neg ; python_full_version != '3.9.*'",
    ),
    (
        "impl; implementation_version >= '3.8' and os.name == 'nt'",
        None,
        "impl ; implementation_version >= '3.8' and os_name == 'nt'",
    ),
    (
        "black==23.1; python_version >= '3.8' or os_name == 'nt'",
        "Dev_Tools",
        "black==23.1 ; (os_name == 'nt' and extra == 'dev-tools') or (python_full_version >= '3.8' and extra == 'dev-tools')",
    ),
    (
        "aa; os_name == 'nt' or sys_platform == 'linux'",
        "alpha",
        "aa ; (sys_platform == 'linux' and extra == 'alpha') or (os_name == 'nt' and extra == 'alpha')",
    ),
    ("ab; extra == 'other'", "alpha", "ab ; extra == 'alpha' and extra == 'other'"),
    (
        "bc>=1; python_version < '3.10'",
        "b_c",
        "bc>=1 ; python_full_version < '3.10' and extra == 'b-c'",
    ),
    ("pytest>=7", "test", "pytest>=7 ; extra == 'test'"),
    (
        "boltons; sys_platform == 'win32'",
        "test",
        "boltons ; sys_platform == 'win32' and extra == 'test'",
    ),
    (
        "falseextra2; python_version == '3.8.1'",
        "x.Y",
        "falseextra2 ; python_version < '0'",
    ),
]

# Our exact Requires-Dist (packaging's rendering) next to maturin 1.16's, and whether the two
# mean the same (to the packaging running the test). Where they do not, packaging (and so an
# installer) reads the project's marker differently from maturin's pep508_rs; we keep the
# project's marker.
OUR_RENDERINGS: List[Tuple[str, Optional[str], str, str, bool]] = [
    ("numpy >= 1.20, <2", None, "numpy<2,>=1.20", "numpy>=1.20,<2", True),
    (
        '  Spaced.Name  [ a , B.c ]  >= 1.0.0-alpha , <2 ; python_version<"3.8"  ',
        None,
        'Spaced.Name[B.c,a]<2,>=1.0.0-alpha; python_version < "3.8"',
        "spaced-name[a,b-c]>=1.0.0a0,<2 ; python_full_version < '3.8'",
        True,
    ),
    (
        "pkg @ https://example.com/a/b-1.0.tar.gz ; python_version<'3.8'",
        None,
        f'pkg{" @" if PACKAGING_22 else "@"} https://example.com/a/b-1.0.tar.gz ; '
        'python_version < "3.8"',
        "pkg @ https://example.com/a/b-1.0.tar.gz ; python_full_version < '3.8'",
        True,
    ),
    ("pytest>=7", "test", 'pytest>=7; extra == "test"', "pytest>=7 ; extra == 'test'", True),
    # The project's marker is parenthesized, so its `or` stays inside the extra's `and`.
    (
        "black==23.1; python_version >= '3.8' or os_name == 'nt'",
        "Dev_Tools",
        'black==23.1; (python_version >= "3.8" or os_name == "nt") and extra == "dev-tools"',
        "black==23.1 ; (os_name == 'nt' and extra == 'dev-tools') or "
        "(python_full_version >= '3.8' and extra == 'dev-tools')",
        True,
    ),
    (
        "ab; extra == 'other'",
        "alpha",
        'ab; extra == "other" and extra == "alpha"',
        "ab ; extra == 'alpha' and extra == 'other'",
        True,
    ),
    # maturin writes the extra name normalized; packaging keeps and compares it as written
    # before 22, normalized (PEP 685) from 22 on.
    (
        "k; extra == 'Foo_Bar'",
        None,
        'k; extra == "foo-bar"' if PACKAGING_22 else 'k; extra == "Foo_Bar"',
        "k ; extra == 'foo-bar'",
        PACKAGING_22,
    ),
    (
        'weird; extra == "Foo.Bar"',
        None,
        'weird; extra == "foo-bar"' if PACKAGING_22 else 'weird; extra == "Foo.Bar"',
        "weird ; extra == 'foo-bar'",
        PACKAGING_22,
    ),
    # pep508_rs orders strings and merges the two ranges; packaging from 26 on orders versions
    # only, so `<` and `>` between other strings never hold.
    (
        "excl; platform_release < 'a' or platform_release > 'a'",
        None,
        'excl; platform_release < "a" or platform_release > "a"',
        "excl ; platform_release != 'a'",
        PACKAGING < Version("26"),
    ),
    # `in` on python_version is a substring test for packaging, true on 3.8 and 3.9; pep508_rs
    # reads a list of versions, and 3.8.0 (never a python_version) makes it never true.
    (
        "pyin; python_version in '3.8.0 3.9'",
        None,
        'pyin; python_version in "3.8.0 3.9"',
        "pyin ; python_version < '0'",
        False,
    ),
    # For packaging `~= 3.8.0` is 3.8.*; pep508_rs first drops the trailing zero (>=3.8, <4).
    (
        "t; python_version ~= '3.8.0'",
        "x.Y",
        't; python_version ~= "3.8.0" and extra == "x-y"',
        "t ; python_full_version >= '3.8' and python_full_version < '4' and extra == 'x-y'",
        False,
    ),
]


def _cargo_package(**overrides: Any) -> Dict[str, Any]:
    """One package object as `cargo metadata --format-version 1` prints it (relevant keys)."""
    package: Dict[str, Any] = {
        "name": "cargo-only_Pkg",
        "version": "1.2.0-alpha.1",
        "license": "MIT OR Apache-2.0",
        "license_file": "LICENSE-MIT",
        "description": "  A test project with trailing spaces  \n",
        "manifest_path": "/repo/p1/Cargo.toml",
        "authors": ["Jane Doe <jane@example.com>", "Bob"],
        "categories": [],
        "keywords": ["ffi", "python"],
        "readme": "README.md",
        "repository": "https://example.com/repo",
        "homepage": "https://example.com/home",
        "documentation": "https://example.com/docs",
    }
    package.update(overrides)
    return package


P1_FILES = {
    "p1/README.md": b"# Hello\n\nSome readme text.\n",
    "p1/LICENSE-MIT": b"MIT license text\n",
    "p1/LICENSE-APACHE": b"Apache text\n",
}

P1_METADATA = (
    "Metadata-Version: 2.4\n"
    "Name: cargo-only_Pkg\n"
    "Version: 1.2.0a1\n"
    "License-File: LICENSE-MIT\n"
    "Summary: A test project with trailing spaces\n"
    "Keywords: ffi,python\n"
    "Home-Page: https://example.com/home\n"
    "Author: Jane Doe <jane@example.com>, Bob\n"
    "Author-email: Jane Doe <jane@example.com>, Bob\n"
    "License: MIT OR Apache-2.0\n"
    "Description-Content-Type: text/markdown; charset=UTF-8; variant=GFM\n"
    "Project-URL: Homepage, https://example.com/home\n"
    "Project-URL: Documentation, https://example.com/docs\n"
    "Project-URL: Source Code, https://example.com/repo\n"
    "\n"
    "# Hello\n"
    "\n"
    "Some readme text.\n"
    "\n"
)


def test_cargo_only_metadata_matches_maturin() -> None:
    md = build_core_metadata(
        cargo_package=_cargo_package(),
        pyproject=None,
        files=P1_FILES,
        crate_dir="p1",
        pyproject_dir="p1",
    )
    assert render_metadata(md).decode() == P1_METADATA
    # Only Cargo's license-file: without [project] there is no license auto-discovery.
    assert md.license_files == (("LICENSE-MIT", b"MIT license text\n"),)
    assert md.dist_info_dir == "cargo_only_pkg-1.2.0a1.dist-info"
    assert render_entry_points(md) is None


def test_pyproject_without_project_table_is_cargo_only() -> None:
    md = build_core_metadata(
        cargo_package=_cargo_package(),
        pyproject={"tool": {"maturin": {"module-name": "x"}}},
        files=P1_FILES,
        crate_dir="p1",
        pyproject_dir="p1",
    )
    assert render_metadata(md).decode() == P1_METADATA


def test_workspace_inherited_paths() -> None:
    # cargo metadata rewrites inherited readme/license-file relative to the member.
    package: Dict[str, Any] = {
        "name": "member",
        "version": "2.0.0-rc.2",
        "license": None,
        "license_file": "../../LICENSE.txt",
        "description": "ws desc",
        "authors": ["WS Author <ws@example.com>"],
        "keywords": [],
        "readme": "../../README.md",
        "repository": "https://example.com/ws",
        "homepage": None,
        "documentation": None,
    }
    files = {"LICENSE.txt": b"ws lic\n", "README.md": b"ws readme\n"}
    md = build_core_metadata(
        cargo_package=package,
        pyproject=None,
        files=files,
        crate_dir="crates/member",
        pyproject_dir="crates/member",
        workspace_dir="",
    )
    assert render_metadata(md).decode() == (
        "Metadata-Version: 2.4\n"
        "Name: member\n"
        "Version: 2.0.0rc2\n"
        "License-File: LICENSE.txt\n"
        "Summary: ws desc\n"
        "Author: WS Author <ws@example.com>\n"
        "Author-email: WS Author <ws@example.com>\n"
        "Description-Content-Type: text/markdown; charset=UTF-8; variant=GFM\n"
        "Project-URL: Source Code, https://example.com/ws\n"
        "\n"
        "ws readme\n"
        "\n"
    )
    # A license file outside the member directory keeps only its file name in the wheel.
    assert md.license_files == (("LICENSE.txt", b"ws lic\n"),)


def test_license_file_outside_workspace_is_an_error() -> None:
    with pytest.raises(
        MetadataError, match=r"crates/member/Cargo.toml.*outside the Cargo workspace"
    ):
        build_core_metadata(
            cargo_package=_cargo_package(license_file="../../LICENSE.txt", readme=None),
            pyproject=None,
            files={"LICENSE.txt": b"x"},
            crate_dir="crates/member",
            pyproject_dir="crates/member",
            workspace_dir="crates",
        )


def test_a_huge_readme_is_refused() -> None:
    with pytest.raises(MetadataError, match=r"`README.md` referenced by `package.readme`.*17 MiB"):
        build_core_metadata(
            cargo_package=_cargo_package(readme="README.md", license_file=None),
            pyproject=None,
            files={"README.md": b"x" * (17 * 1024 * 1024)},
            crate_dir="",
            pyproject_dir="",
        )


def test_readme_false_still_guesses_readme_md() -> None:
    # maturin quirk: cargo reports `readme = false` as null, and maturin then guesses README.md.
    package = _cargo_package(
        name="p4",
        description=None,
        authors=[],
        license=None,
        license_file=None,
        readme=None,
        homepage=None,
        repository=None,
        documentation=None,
        keywords=[],
    )
    md = build_core_metadata(
        cargo_package=package,
        pyproject=None,
        files={"README.md": b"# Hello\n\nSome readme text.\n"},
        crate_dir="",
        pyproject_dir="",
    )
    assert render_metadata(md) == (
        b"Metadata-Version: 2.4\nName: p4\nVersion: 1.2.0a1\n"
        b"Description-Content-Type: text/markdown; charset=UTF-8; variant=GFM\n"
        b"\n# Hello\n\nSome readme text.\n\n"
    )


def test_readme_rst_is_guessed_and_body_gets_a_newline() -> None:
    package = _cargo_package(
        name="p4",
        description=None,
        authors=[],
        license=None,
        license_file=None,
        readme=None,
        homepage=None,
        repository=None,
        documentation=None,
        keywords=[],
    )
    md = build_core_metadata(
        cargo_package=package,
        pyproject=None,
        files={"README.rst": b"x"},
        crate_dir="",
        pyproject_dir="",
    )
    assert render_metadata(md) == (
        b"Metadata-Version: 2.4\nName: p4\nVersion: 1.2.0a1\n"
        b"Description-Content-Type: text/x-rst; charset=UTF-8\n\nx\n"
    )


P2_PYPROJECT: Dict[str, Any] = {
    "build-system": {"requires": ["maturin>=1.16,<2.0"], "build-backend": "maturin"},
    "project": {
        "name": "My.Fancy_Package",
        "dynamic": ["version"],
        "description": "Fancy package",
        "readme": "README.rst",
        "requires-python": ">=3.9, <4",
        "license": "MIT",
        "license-files": ["LICENSE*", "licenses/**/*.txt"],
        "keywords": ["a", "b c"],
        "authors": [
            {"name": "Alice", "email": "alice@example.com"},
            {"name": "Bob Smith"},
            {"email": "carol@example.com"},
            {"name": "Dr. Who", "email": "who@example.com"},
        ],
        "maintainers": [{"name": "Mae", "email": "mae@example.com"}],
        "classifiers": [
            "Programming Language :: Rust",
            "Programming Language :: Python :: Implementation :: CPython",
        ],
        "dependencies": [
            "attrs",
            "numpy >= 1.20, <2",
            "requests[security,socks] ~= 2.28 ; python_version < '3.11'",
            "Foo_Bar.baz==1.0",
            'tomli; python_version < "3.11"',
            "pywin32 >=300; sys_platform == 'win32' and platform_machine == 'x86_64'",
            "pkg @ https://example.com/pkg-1.0.tar.gz",
            "x; os_name == 'nt' or os_name == 'posix'",
        ],
        # Written in this order; maturin emits TOML tables sorted by key.
        "optional-dependencies": {
            "test": ["pytest>=7", "boltons; sys_platform == 'win32'"],
            "Dev_Tools": ["black==23.1; python_version >= '3.8' or os_name == 'nt'"],
        },
        "urls": {
            "Homepage": "https://example.com",
            "Bug Tracker": "https://example.com/issues",
        },
        "scripts": {"p2-cli": "p2_mod:main", "another": "p2_mod.cli:run"},
        "gui-scripts": {"p2-gui": "p2_mod:gui"},
        "entry-points": {
            "p2.plugins": {"plug": "p2_mod:plugin"},
            "other": {"z": "p2_mod:z", "a": "p2_mod:a"},
        },
    },
    "tool": {"maturin": {"module-name": "cargo_only_pkg"}},
}

P2_FILES = {
    "p2/README.md": b"# Hello\n\nSome readme text.\n",
    "p2/README.rst": b"Title\n=====\n\nrst readme\n",
    "p2/LICENSE-MIT": b"MIT license text\n",
    "p2/LICENSE-APACHE": b"Apache text\n",
    "p2/licenses/sub/third.txt": b"third\n",
    "p2/licenses/top.txt": b"top\n",
    "p2/licenses/x.md": b"nope\n",
}

P2_METADATA = (
    "Metadata-Version: 2.4\n"
    "Name: My.Fancy_Package\n"
    "Version: 0.3.0b1\n"
    "Classifier: Programming Language :: Rust\n"
    "Classifier: Programming Language :: Python :: Implementation :: CPython\n"
    "Requires-Dist: attrs\n"
    "Requires-Dist: numpy>=1.20,<2\n"
    "Requires-Dist: requests[security,socks]~=2.28 ; python_full_version < '3.11'\n"
    "Requires-Dist: foo-bar-baz==1.0\n"
    "Requires-Dist: tomli ; python_full_version < '3.11'\n"
    "Requires-Dist: pywin32>=300 ; platform_machine == 'x86_64' and sys_platform == 'win32'\n"
    "Requires-Dist: pkg @ https://example.com/pkg-1.0.tar.gz\n"
    "Requires-Dist: x ; os_name == 'nt' or os_name == 'posix'\n"
    "Requires-Dist: black==23.1 ; (os_name == 'nt' and extra == 'dev-tools') or "
    "(python_full_version >= '3.8' and extra == 'dev-tools')\n"
    "Requires-Dist: pytest>=7 ; extra == 'test'\n"
    "Requires-Dist: boltons ; sys_platform == 'win32' and extra == 'test'\n"
    "Provides-Extra: dev-tools\n"
    "Provides-Extra: test\n"
    "License-File: LICENSE-MIT\n"
    "License-File: LICENSE-APACHE\n"
    "License-File: licenses/sub/third.txt\n"
    "License-File: licenses/top.txt\n"
    "Summary: Fancy package\n"
    "Keywords: a,b c\n"
    "Home-Page: https://example.com/home\n"
    "Author: Bob Smith\n"
    'Author-email: Alice <alice@example.com>, carol@example.com, "Dr. Who" <who@example.com>\n'
    "Maintainer-email: Mae <mae@example.com>\n"
    "License-Expression: MIT\n"
    "Requires-Python: >=3.9, <4\n"
    "Description-Content-Type: text/x-rst; charset=UTF-8\n"
    "Project-URL: Bug Tracker, https://example.com/issues\n"
    "Project-URL: Homepage, https://example.com\n"
    "\n"
    "Title\n"
    "=====\n"
    "\n"
    "rst readme\n"
    "\n"
)

P2_ENTRY_POINTS = (
    "[console_scripts]\n"
    "another=p2_mod.cli:run\n"
    "p2-cli=p2_mod:main\n"
    "[gui_scripts]\n"
    "p2-gui=p2_mod:gui\n"
    "[other]\n"
    "a=p2_mod:a\n"
    "z=p2_mod:z\n"
    "[p2.plugins]\n"
    "plug=p2_mod:plugin\n"
)


def _p2() -> CoreMetadata:
    return build_core_metadata(
        cargo_package=_cargo_package(name="p2-crate", version="0.3.0-beta.1"),
        pyproject=P2_PYPROJECT,
        files=P2_FILES,
        crate_dir="p2",
        pyproject_dir="p2",
    )


def test_project_table_matches_maturin() -> None:
    md = _p2()
    assert metadata_difference(render_metadata(md).decode(), P2_METADATA) is None
    assert entry_points_txt(P2_PYPROJECT) == P2_ENTRY_POINTS.encode()
    assert render_entry_points(md) == P2_ENTRY_POINTS.encode()
    assert md.dist_info_dir == "my_fancy_package-0.3.0b1.dist-info"
    assert md.license_file_map() == {
        "LICENSE-MIT": b"MIT license text\n",
        "LICENSE-APACHE": b"Apache text\n",
        "licenses/sub/third.txt": b"third\n",
        "licenses/top.txt": b"top\n",
    }


@pytest.mark.parametrize(
    "ours, changed",
    [
        ("Summary: Fancy package", "Summary: Fancy  package"),
        ("Requires-Dist: attrs\n", ""),
        ("Requires-Dist: attrs", "Requires-Dist: attrs>1"),
        ("Requires-Dist: attrs", "Requires-Dist: attrs; extra == 'test'"),
        ("Requires-Python: <4,>=3.9", "Requires-Python: >=3.9"),
        ("rst readme", "rst readme "),
    ],
)
def test_metadata_comparison_is_byte_exact_outside_the_requirements(
    ours: str, changed: str
) -> None:
    text = render_metadata(_p2()).decode()
    assert ours in text
    assert metadata_difference(text.replace(ours, changed, 1), P2_METADATA) is not None


def test_license_files_glob_order_is_by_path_component() -> None:
    pyproject = {
        "project": {
            "name": "p3",
            "version": "1",
            "license-files": ["lic/**/*.txt", "COPY*", "lic/b/*"],
        }
    }
    names = [
        "lic/a.txt",
        "lic/b/c.txt",
        "lic/c.txt",
        "lic/b/d/e.txt",
        "lic/B/z.txt",
        "lic/.hid.txt",
        "lic/b.txt",
        "COPYING",
        "NOTICE.md",
    ]
    files = {n: n.encode() for n in names}
    md = build_core_metadata(
        cargo_package=_cargo_package(name="p3", license_file=None, readme=None),
        pyproject=pyproject,
        files=files,
        crate_dir="",
        pyproject_dir="",
    )
    # Same order as maturin's `License-File` lines for this tree.
    assert [p for p, _ in md.license_files] == [
        "lic/.hid.txt",
        "lic/B/z.txt",
        "lic/a.txt",
        "lic/b/c.txt",
        "lic/b/d/e.txt",
        "lic/b.txt",
        "lic/c.txt",
        "COPYING",
    ]


def test_license_auto_discovery_with_project_table() -> None:
    pyproject = {"project": {"name": "p", "version": "1"}}
    files = {
        n: b""
        for n in [
            "AUTHORS",
            "COPYING",
            "LICENSE.txt",
            "LICENSE-MIT",
            "NOTICE.md",
            "licence",
            "README.md",
        ]
    }
    md = build_core_metadata(
        cargo_package=_cargo_package(name="p", license_file=None, readme=None),
        pyproject=pyproject,
        files=files,
        crate_dir="",
        pyproject_dir="",
    )
    assert [p for p, _ in md.license_files] == [
        "LICENSE-MIT",
        "LICENSE.txt",
        "COPYING",
        "NOTICE.md",
        "AUTHORS",
    ]


def test_contacts_license_expression_and_readme_table_without_content_type() -> None:
    pyproject = {
        "project": {
            "name": "p5",
            "version": "1",
            "readme": {"file": "README.rst"},
            "license": "mit OR apache-2.0",
            "authors": [
                {"name": "A, B", "email": "ab@example.com"},
                {"name": 'Quote "Q"', "email": "q@example.com"},
            ],
            "maintainers": [{"name": "Only Name"}, {"name": "Other"}],
        }
    }
    md = build_core_metadata(
        cargo_package=_cargo_package(name="p5", license_file=None, readme=None, homepage=None),
        pyproject=pyproject,
        files={"README.rst": b"x", "LICENSE-MIT": b"m", "LICENSE-APACHE": b"a"},
        crate_dir="",
        pyproject_dir="",
    )
    assert render_metadata(md).decode() == (
        "Metadata-Version: 2.4\n"
        "Name: p5\n"
        "Version: 1\n"
        "License-File: LICENSE-APACHE\n"
        "License-File: LICENSE-MIT\n"
        'Author-email: "A, B" <ab@example.com>, "Quote \\"Q\\"" <q@example.com>\n'
        "Maintainer: Only Name, Other\n"
        "License-Expression: mit OR apache-2.0\n"
        "\n"
        "x\n"
    )


LONG_LICENSE = (
    "Short first line.\nThis second paragraph is deliberately long so that it wraps across more than one "
    "output line, exactly seventy-seven or seventy-eight columns matter here for the tab width question.\n"
    "x-y-z-w long-hyphenated-words-that-might-split " + "a" * 93 + " end\n"
)


def test_license_text_is_folded_like_maturin() -> None:
    pyproject = {
        "project": {
            "name": "p5",
            "version": "1",
            "readme": {"text": "Inline readme", "content-type": "text/markdown"},
            "license": {"text": LONG_LICENSE},
        }
    }
    md = build_core_metadata(
        cargo_package=_cargo_package(name="p5", license_file=None, readme=None, homepage=None),
        pyproject=pyproject,
        files={"LICENSE-MIT": b"m", "LICENSE-APACHE": b"a"},
        crate_dir="",
        pyproject_dir="",
    )
    assert render_metadata(md).decode() == (
        "Metadata-Version: 2.4\n"
        "Name: p5\n"
        "Version: 1\n"
        "License-File: LICENSE-APACHE\n"
        "License-File: LICENSE-MIT\n"
        "License: Short first line.\r\n"
        "\tThis second paragraph is deliberately long so that it wraps across more than\r\n"
        "\tone output line, exactly seventy-seven or seventy-eight columns matter here\r\n"
        "\tfor the tab width question.\r\n"
        "\tx-y-z-w long-hyphenated-words-that-might-split\r\n"
        "\taaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
        "\taaaaaaaaaaaaaaa end\r\n"
        "\t\n"
        "Description-Content-Type: text/markdown\n"
        "\n"
        "Inline readme\n"
    )


def test_fold_header_short_text_is_unchanged() -> None:
    assert fold_header("MIT OR Apache-2.0") == "MIT OR Apache-2.0"
    assert fold_header("a\n\nb") == "a\r\n\t\r\n\tb"


def test_dynamic_fields_keep_cargo_values() -> None:
    pyproject = {
        "project": {
            "name": "dyn",
            "dynamic": [
                "version",
                "description",
                "authors",
                "keywords",
                "urls",
                "license",
                "readme",
            ],
        }
    }
    md = build_core_metadata(
        cargo_package=_cargo_package(name="dyn"),
        pyproject=pyproject,
        files=P1_FILES,
        crate_dir="p1",
        pyproject_dir="p1",
    )
    assert md.summary == "A test project with trailing spaces"
    assert md.author == "Jane Doe <jane@example.com>, Bob"
    assert md.license == "MIT OR Apache-2.0"
    assert md.keywords == "ffi,python"
    assert md.description == "# Hello\n\nSome readme text.\n"
    assert md.project_urls[0] == ("Homepage", "https://example.com/home")
    assert md.version == "1.2.0a1"


def test_non_dynamic_fields_drop_cargo_values_except_home_page_and_license_file() -> None:
    md = build_core_metadata(
        cargo_package=_cargo_package(name="x"),
        pyproject={"project": {"name": "x", "version": "2.0"}},
        files=P1_FILES,
        crate_dir="p1",
        pyproject_dir="p1",
    )
    assert (
        md.summary,
        md.author,
        md.author_email,
        md.license,
        md.keywords,
        md.description,
    ) == (None,) * 6
    assert md.project_urls == ()
    # Never cleared by maturin:
    assert md.home_page == "https://example.com/home"
    assert [p for p, _ in md.license_files] == ["LICENSE-MIT", "LICENSE-APACHE"]
    assert md.version == "2.0"


@pytest.mark.parametrize(
    "cargo_version, python_version",
    [
        ("1.0.0-alpha.1", "1.0.0a1"),
        ("1.0.0-beta.2", "1.0.0b2"),
        ("1.0.0-rc.1", "1.0.0rc1"),
        ("1.0.0-RC.1", "1.0.0rc1"),
        ("1.0.0-c.1", "1.0.0rc1"),
        ("1.0.0-pre.1", "1.0.0rc1"),
        ("1.0.0-preview.2", "1.0.0rc2"),
        ("1.0.0-alpha", "1.0.0a0"),
        ("1.0.0-alpha1", "1.0.0a1"),
        ("1.0.0-dev", "1.0.0.dev0"),
        ("1.0.0-dev.3", "1.0.0.dev3"),
        ("1.0.0-post.1", "1.0.0.post1"),
        ("1.0.0-0", "1.0.0.post0"),
        ("1.0.0-1", "1.0.0.post1"),
        ("1.0.0-rc1.dev2", "1.0.0rc1.dev2"),
        ("1.0.0-alpha.1.dev.2", "1.0.0a1.dev2"),
        ("1.0.0+build.5", "1.0.0+build.5"),
        ("1.0.0+Build-X", "1.0.0+build.x"),
        ("1.0.0-alpha.1+build.7", "1.0.0a1+build.7"),
    ],
)
def test_cargo_versions_map_to_pep440_like_maturin(cargo_version: str, python_version: str) -> None:
    assert normalize_version(cargo_version, declared_in="Cargo.toml") == python_version


def test_invalid_cargo_version_names_cargo_toml() -> None:
    with pytest.raises(MetadataError, match=r"1\.0\.0-alpha\.beta.*crates/a/Cargo\.toml.*PEP 440"):
        build_core_metadata(
            cargo_package=_cargo_package(
                version="1.0.0-alpha.beta", readme=None, license_file=None
            ),
            pyproject=None,
            files={},
            crate_dir="crates/a",
            pyproject_dir="crates/a",
        )


def test_invalid_project_version_names_pyproject() -> None:
    with pytest.raises(MetadataError, match=r"project\.version.*py/pyproject\.toml"):
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={"project": {"name": "x", "version": "one"}},
            files={},
            crate_dir="py",
            pyproject_dir="py",
        )


@pytest.mark.parametrize("name", ["-bad", "bad-", "with space", "ünïcode", ""])
def test_invalid_project_name(name: str) -> None:
    with pytest.raises(MetadataError, match=r"project\.name.*pyproject\.toml"):
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={"project": {"name": name, "version": "1"}},
            files={},
            crate_dir="",
            pyproject_dir="",
        )


def test_dynamic_name_is_an_error() -> None:
    with pytest.raises(MetadataError, match=r"must not contain `name`"):
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={"project": {"name": "x", "dynamic": ["name"]}},
            files={},
            crate_dir="",
            pyproject_dir="",
        )


@pytest.mark.parametrize(
    "requirement, problem",
    [
        # What is wrong is packaging's wording, which changes between its releases.
        ("pkg>=1.0 extra", ""),
        ("-bad", ""),
        ("pkg[extra", ""),
        ("pkg; python_version <", ""),
        # packaging 21.3 takes these as "legacy" specifiers; we reject them.
        ("pkg>=banana", "" if PACKAGING_22 else r"`>=banana` is not a PEP 440"),
        ("pkg>=1.0.*", "" if PACKAGING_22 else r"`>=1\.0\.\*` is not a PEP 440"),
        # pep508_rs drops a comparison it cannot evaluate; installers would fail on it.
        ("pkg; os_name ~= 'nt'", r"marker can never be evaluated \(`~=` and `===`"),
        ("pkg; sys_platform == 'linux' and python_full_version ~= '3'", r"never be evaluated"),
    ],
)
@pytest.mark.parametrize("optional", [False, True])
def test_invalid_requirement_error_names_requirement_field_and_file(
    requirement: str, problem: str, optional: bool
) -> None:
    project: Dict[str, Any] = {"name": "x", "version": "1"}
    if optional:
        project["optional-dependencies"] = {"Test": [requirement]}
        field = "`project.optional-dependencies.Test` of a/pyproject.toml"
    else:
        project["dependencies"] = [requirement]
        field = "`project.dependencies` of a/pyproject.toml"
    with pytest.raises(MetadataError) as e:
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={"project": project},
            files={},
            crate_dir="a",
            pyproject_dir="a",
        )
    message = str(e.value)
    assert f"`{requirement}`" in message
    assert field in message
    assert "PEP 508" in message
    assert re.search(problem, message), message


def test_arbitrary_equality_before_a_marker() -> None:
    requirement = "pkg===1.0; python_version == '3.11'"
    if PACKAGING_22:
        assert format_requirement(requirement) == 'pkg===1.0; python_version == "3.11"'
        return
    # packaging 21.3 reads a `===` version up to the next space, `;` included.
    with pytest.raises(MetadataError, match=r"pkg===1\.0; .*space between a `===` version"):
        format_requirement(requirement)


def test_invalid_extra_name() -> None:
    with pytest.raises(MetadataError, match=r"extra name `my extra`"):
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={
                "project": {
                    "name": "x",
                    "version": "1",
                    "optional-dependencies": {"my extra": ["a"]},
                }
            },
            files={},
            crate_dir="",
            pyproject_dir="",
        )


@pytest.mark.parametrize("spec", [">=3.9, banana", ">=banana", "3.9", "", ">=3.9.*"])
def test_invalid_requires_python(spec: str) -> None:
    with pytest.raises(MetadataError, match=r"requires-python.*pyproject\.toml.*`>=3\.9`"):
        format_requires_python(spec)


def test_missing_readme_names_the_file() -> None:
    with pytest.raises(MetadataFileMissing) as e:
        build_core_metadata(
            cargo_package=_cargo_package(readme="docs/README.md", license_file=None),
            pyproject=None,
            files={},
            crate_dir="crates/a",
            pyproject_dir="crates/a",
        )
    assert e.value.path == "crates/a/docs/README.md"
    assert "crates/a/Cargo.toml" in str(e.value)
    assert isinstance(e.value, MetadataError)


def test_missing_pyproject_readme_and_license_file() -> None:
    with pytest.raises(
        MetadataFileMissing, match=r"`py/README\.md` referenced by `project\.readme`"
    ):
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={"project": {"name": "x", "version": "1", "readme": "README.md"}},
            files={},
            crate_dir="py",
            pyproject_dir="py",
        )
    with pytest.raises(
        MetadataFileMissing,
        match=r"`py/LICENSE` referenced by `project\.license\.file`",
    ):
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={"project": {"name": "x", "version": "1", "license": {"file": "LICENSE"}}},
            files={},
            crate_dir="py",
            pyproject_dir="py",
        )


def test_readme_file_and_text_are_exclusive() -> None:
    with pytest.raises(MetadataError, match=r"mutually exclusive"):
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={
                "project": {
                    "name": "x",
                    "version": "1",
                    "readme": {"file": "R.md", "text": "t"},
                }
            },
            files={"R.md": b""},
            crate_dir="",
            pyproject_dir="",
        )


def test_console_scripts_not_allowed_in_entry_points() -> None:
    with pytest.raises(MetadataError, match=r"`console_scripts`.*project\.scripts"):
        entry_points_txt(
            {
                "project": {
                    "name": "x",
                    "entry-points": {"console_scripts": {"a": "b:c"}},
                }
            }
        )


@pytest.mark.parametrize("name", ["../evil", "bin/tool", ".hidden", "-rf", "a b", "tool\n"])
def test_script_names_are_plain_file_names(name: str) -> None:
    with pytest.raises(MetadataError, match=r"`project.scripts`.*plain file name"):
        entry_points_txt({"project": {"name": "x", "scripts": {name: "pkg:main"}}})


def test_ordinary_script_names() -> None:
    scripts = {"black": "a:b", "pip3.11": "a:b", "my-tool": "a:b", "My_Tool+x": "a:b"}
    assert entry_points_txt({"project": {"name": "x", "scripts": scripts}})


def test_entry_points_txt_none_without_scripts() -> None:
    assert entry_points_txt(None) is None
    assert entry_points_txt({"project": {"name": "x"}}) is None


def test_license_glob_must_stay_inside_the_project() -> None:
    with pytest.raises(MetadataError, match=r"license-files.*\.\."):
        build_core_metadata(
            cargo_package=_cargo_package(readme=None, license_file=None),
            pyproject={
                "project": {
                    "name": "x",
                    "version": "1",
                    "license-files": ["../LICENSE"],
                }
            },
            files={},
            crate_dir="a",
            pyproject_dir="a",
        )


def test_license_file_with_parent_dir_is_relative_to_workspace_root() -> None:
    md = build_core_metadata(
        cargo_package=_cargo_package(readme=None, license_file=None),
        pyproject={
            "project": {
                "name": "x",
                "version": "1",
                "license": {"file": "../../LICENSE"},
            }
        },
        files={"ws/LICENSE": b"L"},
        crate_dir="ws/crates/x",
        pyproject_dir="ws/crates/x",
        workspace_dir="ws",
    )
    assert md.license_files == (("LICENSE", b"L"),)


def test_names() -> None:
    assert canonicalize_name("Foo_Bar..baz") == "foo-bar-baz"
    assert escape_distribution("My.Fancy_Package") == "my_fancy_package"
    assert escape_distribution("cargo-only_Pkg") == "cargo_only_pkg"


@pytest.mark.parametrize(
    "spec, maturin", [(">=3.8,<4,!=3.9.*", ">=3.8, !=3.9.*, <4"), (" >= 3.09 ", ">=3.9")]
)
def test_requires_python_matches_maturin(spec: str, maturin: str) -> None:
    ours = format_requires_python(spec)
    assert specifier_key(SpecifierSet(ours)) == specifier_key(SpecifierSet(maturin))


def test_requires_python_is_packagings_rendering() -> None:
    assert format_requires_python(">=3.8,<4,!=3.9.*") == "!=3.9.*,<4,>=3.8"


def test_metadata_input_globs() -> None:
    globs = metadata_input_globs(
        cargo_package=_cargo_package(readme=None),
        pyproject={"project": {"readme": "docs/R.md", "license": {"file": "L.txt"}}},
        crate_dir="c",
        pyproject_dir="c",
    )
    assert globs == [
        "c/README.md",
        "c/README.txt",
        "c/README.rst",
        "c/README",
        "c/LICENSE-MIT",
        "c/docs/R.md",
        "c/L.txt",
        "c/LICEN[CS]E*",
        "c/COPYING*",
        "c/NOTICE*",
        "c/AUTHORS*",
    ]


@pytest.mark.parametrize("requirement, extra, expected", MATURIN_REQUIREMENTS)
def test_requires_dist_matches_maturin(requirement: str, extra: Any, expected: str) -> None:
    assert requirement_difference(format_requirement(requirement, extra=extra), expected) is None


@pytest.mark.parametrize("requirement, extra, ours, maturin, same_meaning", OUR_RENDERINGS)
def test_requires_dist_is_packagings_rendering(
    requirement: str, extra: Any, ours: str, maturin: str, same_meaning: bool
) -> None:
    assert format_requirement(requirement, extra=extra) == ours
    assert (requirement_difference(ours, maturin) is None) == same_meaning


@pytest.mark.parametrize(
    "ours, other",
    [
        ("a; python_version < '3.11'", "a ; python_full_version < '3.10'"),
        ("a; python_version >= '3.8' or os_name == 'nt'", "a ; python_full_version >= '3.8'"),
        ("a; extra == 'x'", "a"),
        ("a>=1", "a>1"),
        ("a[x]", "a"),
        ("a @ https://example.com/a.tar.gz", "a @ https://example.com/b.tar.gz"),
        ("a", "b"),
    ],
)
def test_requirement_comparison_tells_different_requirements_apart(ours: str, other: str) -> None:
    assert requirement_difference(ours, other) is not None
    assert requirement_difference(ours, ours) is None


@pytest.mark.parametrize(
    "listed",
    [("cffi>=1.15",), ("CFFI ; python_full_version >= '3.9'",), ("numpy", "cffi[extra]==2.0")],
)
def test_require_cffi_keeps_a_listed_cffi(listed: Tuple[str, ...]) -> None:
    md = CoreMetadata(name="x", version="1", requires_dist=listed)
    assert require_cffi(md) == md


def test_require_cffi_adds_it_when_missing() -> None:
    md = CoreMetadata(name="x", version="1", requires_dist=("cffi-helpers", "numpy"))
    assert require_cffi(md).requires_dist == (
        "cffi-helpers",
        "numpy",
        'cffi; platform_python_implementation != "PyPy"',
    )


@pytest.mark.parametrize("field", ["summary", "author", "keywords", "home_page"])
def test_line_break_in_a_header_is_refused(field: str) -> None:
    values: Dict[str, Any] = {field: "one\nInjected-Header: two"}
    md = CoreMetadata(name="x", version="1", **values)
    with pytest.raises(MetadataError, match="line break"):
        render_metadata(md)
    with pytest.raises(MetadataError, match="pyproject.toml"):
        check_header_values(md, "pyproject.toml")


def test_multi_line_license_is_folded_not_refused() -> None:
    text = render_metadata(CoreMetadata(name="x", version="1", license="MIT\nor Apache")).decode()
    assert "License: MIT\r\n\tor Apache\n" in text
