"""Every Python block of the README and of `docs/` runs as pasted, against a fresh emulator.

Each block runs as a script (`__name__ == "__main__"`) in a temporary working directory, with
every warning an error, while an emulator of its own is served on loopback and the environment
names it: `SEATABLE_SERVER_URL`, `SEATABLE_API_TOKEN` (the base's API token),
`SEATABLE_USERNAME` and `SEATABLE_PASSWORD` (its account). The base is new: it holds `Table1`
with a text column `Name`, as a new SeaTable base does.

A block that defines `test_*` functions is a test module instead: all of them run in one pytest
process of their own, with only the plugins a user of this library has (anyio's and ours, so
the emulator's fixtures are there), and every test in them must pass.

A block is left out only when the line before it says why, visibly in the Markdown source:
`<!-- not-run: needs a FastAPI server -->`. The reason shows in the test report as a skip;
delete the line once the block can run.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from seatable_async.testing import Emulator

from .helpers import SharedServer

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_NOT_RUN = re.compile(r"^<!-- not-run: (?P<reason>\S.*?) -->$")
_FENCE = re.compile(r"^```(?P<lang>[\w-]*)\s*$")
_TEST_FUNCTION = re.compile(r"^(async )?def test_", re.MULTILINE)
USERNAME = "snippets@example.com"
PASSWORD = "snippet-password"


@dataclass(frozen=True)
class Snippet:
    """One fenced block: where it is, its language, its code, and why it is not run if not."""

    page: Path
    line: int
    lang: str
    code: str
    not_run: str | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def snippets(page: Path) -> list[Snippet]:
    """The fenced blocks of a Markdown page, in order."""
    found: list[Snippet] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].rstrip() == "```")
        before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marker = _NOT_RUN.match(before.strip())
        code = "\n".join(lines[index + 1 : end]) + "\n"
        reason = marker["reason"] if marker else None
        found.append(Snippet(page, index + 1, opening["lang"], code, reason))
        index = end + 1
    return found


def python_snippets() -> list[Snippet]:
    return [s for page in PAGES for s in snippets(page) if s.lang == "python"]


def is_test_module(snippet: Snippet) -> bool:
    return _TEST_FUNCTION.search(snippet.code) is not None


def _params(test_modules: bool) -> Iterator[object]:
    for snippet in python_snippets():
        if is_test_module(snippet) != test_modules:
            continue
        marks = [pytest.mark.skip(reason=f"not-run: {snippet.not_run}")] if snippet.not_run else []
        yield pytest.param(snippet, id=snippet.where, marks=marks)


@pytest.mark.parametrize("snippet", list(_params(test_modules=False)))
def test_snippet_runs_as_pasted(
    snippet: Snippet, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_server: SharedServer
) -> None:
    """The block as `python snippet.py`, with a fresh emulator named by the environment."""
    monkeypatch.chdir(tmp_path)
    code = compile(snippet.code, snippet.where, "exec")
    with (
        Emulator(username=USERNAME, password=PASSWORD) as emulator,
        shared_server.serving(emulator) as url,
    ):
        monkeypatch.setenv("SEATABLE_SERVER_URL", url)
        monkeypatch.setenv("SEATABLE_API_TOKEN", emulator.api_token)
        monkeypatch.setenv("SEATABLE_USERNAME", USERNAME)
        monkeypatch.setenv("SEATABLE_PASSWORD", PASSWORD)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            exec(code, {"__name__": "__main__"})


def test_test_module_snippets_pass_under_pytest(tmp_path: Path) -> None:
    """One pytest process for every test-module block (a process of its own, so that nothing
    it imports or unloads touches this session)."""
    modules = [s for s in python_snippets() if is_test_module(s) and s.not_run is None]
    assert modules
    for snippet in modules:
        name = re.sub(r"\W", "_", snippet.where)
        (tmp_path / f"test_{name}.py").write_text(snippet.code, encoding="utf-8")
    plugins = ("anyio.pytest_plugin", "seatable_async.testing.pytest_plugin")
    command = [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider"]
    command += [arg for plugin in plugins for arg in ("-p", plugin)]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    completed = subprocess.run(
        [*command, "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    tests = sum(len(_TEST_FUNCTION.findall(snippet.code)) for snippet in modules)
    passed = re.search(r"(\d+) passed", completed.stdout)
    assert passed is not None
    assert int(passed[1]) >= tests  # async ones once per anyio backend


def test_shell_blocks_name_files_and_options_that_exist() -> None:
    """`python path.py` names a file of this repository; the emulator's options are its own."""
    from seatable_async.testing.__main__ import build_parser

    commands = [
        command.strip()
        for page in PAGES
        for snippet in snippets(page)
        if snippet.lang == "sh"
        for line in snippet.code.splitlines()
        for command in re.split(r"&&|;", line)
        if command.strip().startswith("python ")
    ]
    assert any("seatable_async.testing" in command for command in commands)
    for command in commands:
        words = shlex.split(command)
        if words[1:3] == ["-m", "seatable_async.testing"]:
            build_parser().parse_args(words[3:])  # exits (a failure) on an unknown option
        elif words[1] != "-m":
            assert (ROOT / words[1]).is_file(), command


def test_most_python_blocks_run() -> None:
    """The harness finds the blocks, and opting out stays the exception."""
    blocks = python_snippets()
    readme = [s for s in blocks if s.page.name == "README.md" and s.not_run is None]
    assert len(readme) >= 5
    assert any(is_test_module(s) for s in readme)


def test_a_not_run_marker_stands_right_before_a_python_block() -> None:
    """A marker anywhere else would silently opt nothing out (or the wrong block)."""
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        marked = {s.line for s in snippets(page) if s.not_run and s.lang == "python"}
        for number, line in enumerate(lines, start=1):
            if _NOT_RUN.match(line.strip()):
                following = next(i for i in range(number, len(lines)) if lines[i].strip()) + 1
                assert following in marked, f"{page.name}:{number}: no python block follows"


def test_the_parser_reads_markers_and_fences(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text\n\n```python\nprint(1)\n```\n\n<!-- not-run: needs a server -->\n"
        "```python\nprint(2)\n```\n\n```sh\nls\n```\n",
        encoding="utf-8",
    )
    found = snippets(page)
    assert [(s.line, s.lang, s.code, s.not_run) for s in found] == [
        (3, "python", "print(1)\n", None),
        (8, "python", "print(2)\n", "needs a server"),
        (12, "sh", "ls\n", None),
    ]
