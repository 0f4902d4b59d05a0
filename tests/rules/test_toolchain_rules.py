"""The toolchain probe: builds name the toolchain by its versions, and see an in-place update."""
from __future__ import annotations

import os
from pathlib import Path

from pants.testutil.rule_runner import QueryRule
from pants_rust_python.util_rules.toolchain import RustToolchain
from rust_python_testutil.rules import make_rule_runner, new_run


def _fake_toolchain(root: Path, version: str) -> None:
    """rustc and cargo that answer the probe with `version` (written in place, as an update)."""
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    scripts = {
        "rustc": f"""\
#!/bin/sh
case "$*" in
  "--print sysroot") echo "{root}" ;;
  "-vV") printf 'rustc {version}\\nbinary: rustc\\nhost: x86_64-unknown-linux-gnu\\n' ;;
  *) exit 1 ;;
esac
""",
        "cargo": f"#!/bin/sh\necho 'cargo {version}'\n",
        "rustdoc": "#!/bin/sh\nexit 1\n",
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)


def test_toolchain_replaced_in_place_gets_new_keys(tmp_path: Path) -> None:
    root = tmp_path / "toolchain"
    _fake_toolchain(root, "1.95.0 (aaaaaaaaa 2026-01-01)")
    search_path = f"--rust-toolchain-search-paths=['{root / 'bin'}']"
    runner = make_rule_runner(search_path, extra_rules=[QueryRule(RustToolchain, [])])
    before = runner.request(RustToolchain, [])
    assert before.rustc_version.startswith("rustc 1.95.0 (aaaaaaaaa")
    # The build sees links named by the toolchain's identity, not its install path.
    assert os.readlink(Path(before.bin_dir) / "rustc") == str(root / "bin" / "rustc")
    assert str(root) not in "".join(before.env().values())

    # Same path, new binaries (an in-place `rustup update`), and the next run (a new session of
    # the same long-lived scheduler, as under pantsd) must key its builds differently.
    _fake_toolchain(root, "1.96.0 (bbbbbbbbb 2026-02-01)")
    new_run(runner, search_path)
    after = runner.request(RustToolchain, [])
    assert after.rustc_version.startswith("rustc 1.96.0")
    assert after.fingerprint != before.fingerprint
    assert after.env()["PATH"] != before.env()["PATH"]
