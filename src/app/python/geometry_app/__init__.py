"""A small Python application on top of two Rust extensions of this repo."""
