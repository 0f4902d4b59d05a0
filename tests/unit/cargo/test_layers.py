from pants_rust_python.cargo.layers import (
    crate_of,
    has_other_crates,
    repo_crate_layers,
    split_layer_sources,
)

CRATES = ("ws", "ws/crates/shapes", "ws/crates/shapes_py", "ws/crates/shapes_py/inner")


def test_crate_of_prefers_the_deepest_directory() -> None:
    assert crate_of("ws/crates/shapes/src/lib.rs", CRATES) == "ws/crates/shapes"
    assert crate_of("ws/crates/shapes_py/inner/src/lib.rs", CRATES) == "ws/crates/shapes_py/inner"
    assert crate_of("ws/README.md", CRATES) == "ws"
    # A directory name that merely starts like a crate's is not inside it.
    assert crate_of("ws/crates/shapes_pyx/lib.rs", ("ws/crates/shapes_py",)) is None
    assert crate_of("anything", ("",)) == ""


def test_split_keeps_nested_members_out_of_the_crate() -> None:
    files = [
        "ws/crates/shapes_py/src/lib.rs",
        "ws/crates/shapes_py/Cargo.toml",
        "ws/crates/shapes_py/inner/src/lib.rs",
        "ws/crates/shapes/src/lib.rs",
        "top/README.md",
    ]
    others, own = split_layer_sources(files, CRATES, "ws/crates/shapes_py")
    assert own == ("ws/crates/shapes_py/Cargo.toml", "ws/crates/shapes_py/src/lib.rs")
    assert others == (
        "top/README.md",
        "ws/crates/shapes/src/lib.rs",
        "ws/crates/shapes_py/inner/src/lib.rs",
    )


def test_has_other_crates_needs_another_manifest() -> None:
    assert not has_other_crates(["ws/README.md"], CRATES, "ws/crates/shapes_py")
    assert has_other_crates(["ws/crates/shapes/Cargo.toml"], CRATES, "ws/crates/shapes_py")
    assert not has_other_crates(["ws/crates/shapes_py/Cargo.toml"], CRATES, "ws/crates/shapes_py")


def test_one_layer_per_repo_crate_each_holding_the_ones_before() -> None:
    crates = ("ws", "ws/a", "ws/b", "ws/c")
    files = [
        "ws/b/Cargo.toml",
        "ws/b/src/lib.rs",
        "ws/c/Cargo.toml",
        "ws/c/src/lib.rs",
        "ws/README.md",
    ]
    # a (the crate being built) uses b, which uses c.
    layers = repo_crate_layers(files, crates, ["ws/c", "ws/b"])
    assert layers == (
        ("ws/c", ("ws/README.md", "ws/c/Cargo.toml", "ws/c/src/lib.rs")),
        (
            "ws/b",
            (
                "ws/README.md",
                "ws/b/Cargo.toml",
                "ws/b/src/lib.rs",
                "ws/c/Cargo.toml",
                "ws/c/src/lib.rs",
            ),
        ),
    )


def test_crates_without_sources_get_no_layer() -> None:
    # A crate in the order whose sources are not among the files (stubbed) is skipped.
    assert repo_crate_layers(["ws/c/Cargo.toml"], ("ws/b", "ws/c"), ["ws/c", "ws/b"]) == (
        ("ws/c", ("ws/c/Cargo.toml",)),
    )
    assert repo_crate_layers(["ws/README.md"], ("ws/b",), ["ws/b"]) == ()
