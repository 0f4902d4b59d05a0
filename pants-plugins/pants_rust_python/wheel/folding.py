"""RFC 5322 folding of the License field, as maturin writes it (textwrap 0.16's optimal fit,
width 78, tab indent): long License values fold the same way, byte for byte."""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

_WIDTH = 78


def _split_words(line: str) -> List[Tuple[str, str, str]]:
    """(word, trailing whitespace, penalty) fragments, split at spaces and at hyphens between
    alphanumerics, with words longer than the line width broken up."""
    words: List[Tuple[str, str]] = []
    for m in re.finditer(r"([^ ]*)( *)", line):
        if m.group(0) == "" and m.start() == len(line) and words:
            break
        words.append((m.group(1), m.group(2)))
        if m.end() == len(line):
            break
    fragments: List[Tuple[str, str, str]] = []
    for word, ws in words:
        splits = [
            i + 1
            for i, ch in enumerate(word)
            if ch == "-"
            and i > 0
            and word[i - 1].isalnum()
            and i + 1 < len(word)
            and word[i + 1].isalnum()
        ]
        prev = 0
        for idx in splits:
            fragments.append((word[prev:idx], "", ""))
            prev = idx
        fragments.append((word[prev:], ws, ""))
    broken: List[Tuple[str, str, str]] = []
    for word, ws, penalty in fragments:
        if len(word) > _WIDTH:
            pieces = [word[i : i + _WIDTH] for i in range(0, len(word), _WIDTH)]
            for piece in pieces[:-1]:
                broken.append((piece, "", ""))
            broken.append((pieces[-1], ws, penalty))
        else:
            broken.append((word, ws, penalty))
    return broken


def _optimal_fit(fragments: List[Tuple[str, str, str]]) -> List[List[Tuple[str, str, str]]]:
    n = len(fragments)
    widths = [0.0]
    for word, ws, _ in fragments:
        widths.append(widths[-1] + len(word) + len(ws))
    minima: List[Tuple[int, float]] = [(0, 0.0)]
    target = float(_WIDTH)
    for j in range(1, n + 1):
        best: Optional[Tuple[int, float]] = None
        for i in range(j):
            line_width = widths[j] - widths[i] - len(fragments[j - 1][1]) + len(fragments[j - 1][2])
            cost = minima[i][1] + 1000
            if line_width > target:
                cost += (line_width - target) * 2500
            elif j < n:
                gap = target - line_width
                cost += gap * gap
            elif i + 1 == j and line_width < target / 4:
                cost += 25
            if fragments[j - 1][2]:
                cost += 25
            if best is None or cost < best[1]:
                best = (i, cost)
        assert best is not None
        minima.append(best)
    lines = []
    pos = n
    while True:
        prev = minima[pos][0]
        lines.append(fragments[prev:pos])
        pos = prev
        if pos == 0:
            break
    lines.reverse()
    return lines


def fold_header(text: str) -> str:
    """Fold a long header value the way maturin does for `License` (CRLF + tab continuation)."""
    lines: List[str] = []
    for line in text.split("\n"):
        if not lines and len(line.encode("utf-8")) < _WIDTH:
            lines.append(line.rstrip(" "))
            continue
        fragments = _split_words(line)
        for group in _optimal_fit(fragments) if fragments else [[]]:
            if not group:
                lines.append("")
                continue
            body = "".join(w + ws for w, ws, _ in group[:-1]) + group[-1][0] + group[-1][2]
            lines.append(body if not lines else "\t" + body)
    out = []
    for line in lines:
        stripped = line.rstrip()
        out.append(stripped if stripped else "\t")
    return "\r\n".join(out)


# ---------------------------------------------------------------------------------------------
# Core metadata
# ---------------------------------------------------------------------------------------------
