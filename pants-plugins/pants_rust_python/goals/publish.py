"""`pants publish`: the wheels of `rust_python_extension` and `rust_python_binary` targets go up
with twine exactly as a `python_distribution`'s do.

The targets carry Pants's own `repositories` and `skip_twine` fields, so Pants's twine publisher
(`[twine]`, `.pypirc`, `TWINE_*` variables) applies to them unchanged. Its rules are registered
here too, so that publishing needs no other backend; Pants drops the duplicates when
`pants.backend.experimental.python` registers them as well.
"""
from __future__ import annotations

from pants.backend.python.goals import publish as python_publish
from pants.backend.python.subsystems import twine


def rules():
    return [*python_publish.rules(), *twine.rules()]
