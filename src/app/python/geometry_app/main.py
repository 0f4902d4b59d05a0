"""Entry point of the `app` PEX: `./pants run src/app/python/geometry_app:app`."""
from __future__ import annotations

import sys

from geometry_app.report import report


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "Ferris"
    print(report(name, [(3.0, 4.0), (1.0, 2.0)], 1.0))


if __name__ == "__main__":
    main()
