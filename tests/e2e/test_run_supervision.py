"""tools/run.py's supervision of its children, on its own: the back-off of a child that
keeps dying, its reset once the child stayed up, the lines in the terminal.
(tests/e2e/test_make_run.py kills a real service of a real `make run`.)"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_tool():
    spec = importlib.util.spec_from_file_location("ispyb_run_tool", ROOT / "tools" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def dying() -> subprocess.Popen:
    command = [sys.executable, "-c", "raise SystemExit(3)"]
    process = subprocess.Popen(command, start_new_session=True)
    process.wait()
    return process


def test_a_child_that_keeps_dying_is_started_again_with_a_growing_back_off(run_tool, capsys):
    clock = Clock()
    starts = []

    def start():
        starts.append(clock.now)
        return dying()

    child = run_tool.Supervised("core", start, healthy=lambda: True, clock=clock)
    delays = []
    for _ in range(8):
        child.check()  # sees it dead, schedules the restart
        delays.append(child.restart_at - clock.now)
        clock.now = child.restart_at
        child.check()  # starts it again
    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert len(starts) == 9 and child.restarts == 8
    out = capsys.readouterr().out
    assert "run: core stopped unexpectedly (exit code 3); starting it again in 1 s" in out
    assert "run: core stopped unexpectedly (exit code 3); starting it again in 30 s" in out
    assert "run: core started again (pid " in out


def test_the_back_off_starts_over_once_the_child_stayed_up(run_tool, capsys):
    clock = Clock()
    alive = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True
    )
    processes = iter([dying(), dying(), alive])
    child = run_tool.Supervised("em", lambda: next(processes), healthy=lambda: True, clock=clock)
    try:
        child.check()
        clock.now = child.restart_at
        child.check()
        child.check()
        assert child.restart_at - clock.now == 2  # the second death in a row
        clock.now = child.restart_at
        child.check()  # the long-lived one
        child.check()  # healthy: announced
        assert "run: em is serving again (restart 2)" in capsys.readouterr().out
        clock.now += run_tool.STABLE_SECONDS
        alive.kill()
        alive.wait()
        child.check()
        assert child.restart_at - clock.now == 1  # it had stayed up: from the start again
    finally:
        alive.kill()


def test_what_is_left_of_a_dead_childs_group_is_killed(run_tool):
    # A "master" that leaves a "worker" behind in its process group, like a gunicorn
    # master killed on its own (its workers keep the port).
    master = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys; "
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            "print('started', flush=True)",
        ],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert master.stdout.readline().strip() == b"started"
    master.wait()
    group = master.pid
    assert _group_members(group), "the worker should still be running"
    run_tool.kill_group(master)
    for _ in range(50):
        if not _group_members(group):
            break
        time.sleep(0.1)
    assert not _group_members(group)


def _group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members
