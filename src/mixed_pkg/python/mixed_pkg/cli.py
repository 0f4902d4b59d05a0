"""Console script ``mixed-pkg-sum``: sums the JSON arrays given as arguments."""

from __future__ import annotations

import sys
from typing import Sequence

from mixed_pkg import sum_json_array


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: mixed-pkg-sum JSON_ARRAY...", file=sys.stderr)
        return 2
    for text in args:
        print(sum_json_array(text))
    return 0


if __name__ == "__main__":
    sys.exit(main())
