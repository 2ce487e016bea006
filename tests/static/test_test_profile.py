"""tools/test_profile.py: the per-layer table of docs/testing.md, from pytest's JUnit XML."""

from __future__ import annotations

from pathlib import Path

from tools import test_profile

RUN = """<testsuites><testsuite name="pytest">
<testcase classname="tests.e2e.test_demo" name="a" time="100.5"/>
<testcase classname="tests.e2e.test_examples" name="b" time="20"/>
<testcase classname="tests.static.test_python" name="c" time="1.25"/>
<testcase classname="tests.test_cli" name="d" time="0.5"/>
</testsuite></testsuites>"""


def test_layers_sum_their_tests(tmp_path: Path) -> None:
    junit = tmp_path / "run.xml"
    junit.write_text(RUN)
    assert test_profile.profile(junit) == {"cli": (1, 0.5), "e2e": (2, 120.5), "static": (1, 1.25)}


def test_two_runs_side_by_side(tmp_path: Path) -> None:
    before, after = tmp_path / "before.xml", tmp_path / "after.xml"
    before.write_text(RUN)
    after.write_text(RUN.replace('time="100.5"', 'time="40"'))
    table = test_profile.table(test_profile.profile(before), test_profile.profile(after))
    assert "| e2e | 2 | 120 | 2 | 60 |" in table and "| cli | 1 | 0 | 1 | 0 |" in table


def test_an_unreadable_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text("<not closed")
    assert test_profile.main([str(tmp_path / "bad.xml")]) == 2
