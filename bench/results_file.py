"""bench/RESULTS.md is written by several benches: run_bench.py (`make bench`) owns the
preamble and its numbered sections; status_bench.py, proxy_bench.py and pg_bench.py each own
one section whose heading names the script in parentheses ("## Status service cost
(status_bench.py)"; boot_http_vs_tftp.py's too). Each bench replaces only what it owns, so a run of one keeps every figure
the others wrote."""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

# "## heading (some_script.py)": a section another script than run_bench.py owns.
_OWNED_ELSEWHERE = re.compile(r"^## .*\((?!run_bench\.py\))[A-Za-z0-9_]+\.py\)\s*$")


def split_sections(text: str) -> Tuple[str, List[Tuple[str, str]]]:
    """(preamble, [(heading line, whole section text including the heading)]), in order."""
    parts = re.split(r"(?m)^(?=## )", text)
    preamble, sections = parts[0], []
    for part in parts[1:]:
        sections.append((part.split("\n", 1)[0].rstrip(), part))
    return preamble, sections


def _join(chunks: List[str]) -> str:
    return "\n\n".join(chunk.strip("\n") for chunk in chunks if chunk.strip()) + "\n"


def replace_section(old: str, section: str) -> str:
    """`old` with the section that has `section`'s heading replaced by it in place, or
    `section` appended when there is none."""
    heading = section.lstrip("\n").split("\n", 1)[0].rstrip()
    preamble, sections = split_sections(old)
    chunks, replaced = [preamble], False
    for name, text in sections:
        if name == heading:
            if not replaced:
                chunks.append(section)
            replaced = True
        else:
            chunks.append(text)
    if not replaced:
        chunks.append(section)
    return _join(chunks)


def keep_other_benches(old: str, new: str) -> str:
    """run_bench.py's `new` text followed by the sections of `old` that other benches own
    (and that `new` does not have)."""
    _, new_sections = split_sections(new)
    have = {name for name, _ in new_sections}
    _, old_sections = split_sections(old)
    kept = [text for name, text in old_sections if _OWNED_ELSEWHERE.match(name) and name not in have]
    return _join([new, *kept])


def write_section(path: Path, section: str) -> None:
    """Replace (or add) one bench's own section of the results file."""
    path = Path(path)
    old = path.read_text() if path.exists() else ""
    path.write_text(replace_section(old, section))


def write_run_bench(path: Path, text: str) -> None:
    """run_bench.py's whole report, keeping the sections the other benches wrote."""
    path = Path(path)
    old = path.read_text() if path.exists() else ""
    path.write_text(keep_other_benches(old, text))
