"""Reading the docs as data: fenced blocks, tables, links, headings (GitHub's anchor rules).

The docs tests check what `README.md` and `docs/*.md` say against the code, so these helpers
parse just the Markdown those files use: ``` fences, pipe tables (with `\\|` inside cells),
inline links `[text](target)`, `#` headings, and inline code spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def doc_files() -> list[Path]:
    """README.md and every page under docs/."""
    return [README, *sorted(DOCS.glob("*.md"))]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@dataclass(frozen=True)
class Block:
    lang: str
    lines: tuple[str, ...]
    first_line: int  # 1-based line number of the first line inside the fence


def split_fences(text: str) -> tuple[list[Block], list[tuple[int, str]]]:
    """Fenced code blocks, and the numbered lines outside any fence (prose and tables)."""
    blocks: list[Block] = []
    prose: list[tuple[int, str]] = []
    fence: str | None = None
    lang = ""
    body: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if fence is None:
            match = re.match(r"(`{3,}|~{3,})\s*([\w+-]*)", stripped)
            if match:
                fence, lang, body, start = match.group(1), match.group(2), [], number + 1
            else:
                prose.append((number, line))
        elif stripped.startswith(fence) and not stripped.strip(fence[0]):
            blocks.append(Block(lang, tuple(body), start))
            fence = None
        else:
            body.append(line)
    if fence is not None:
        raise ValueError(f"unclosed code fence opened on line {start - 1}")
    return blocks, prose


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def code_spans(line: str) -> list[str]:
    return [match.group(2).strip() for match in _CODE_SPAN.finditer(line)]


def without_code_spans(line: str) -> str:
    return _CODE_SPAN.sub("", line)


_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def links(text: str) -> list[tuple[int, str]]:
    """(line, target) of every inline link outside code."""
    _, prose = split_fences(text)
    found = []
    for number, line in prose:
        # Link texts may hold code (`[`link`](...)`): drop the spans, keep the brackets.
        for match in _LINK.finditer(without_code_spans(line)):
            found.append((number, match.group(1)))
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    _, prose = split_fences(text)
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose:
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    first_line: int


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return tuple(cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner))


def tables(text: str) -> list[Table]:
    """Every pipe table outside code fences, header and body rows as stripped cells."""
    _, prose = split_fences(text)
    found: list[Table] = []
    current: list[tuple[int, str]] = []
    for number, line in [*prose, (-1, "")]:
        if line.lstrip().startswith("|"):
            if current and number != current[-1][0] + 1:
                current = []
            current.append((number, line))
            continue
        if len(current) >= 2 and re.fullmatch(r"[\s|:-]+", current[1][1]):
            header = _cells(current[0][1])
            rows = tuple(_cells(row) for _, row in current[2:])
            for row in rows:
                if len(row) != len(header):
                    raise ValueError(f"line {current[0][0]}: a row has {len(row)} cells: {row}")
            found.append(Table(header, rows, current[0][0]))
        current = []
    return found


def tables_with_header(text: str, first: str) -> list[Table]:
    return [t for t in tables(text) if t.header and t.header[0] == first]
