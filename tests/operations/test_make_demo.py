"""The README's demonstration works in the order written (issue 13,
Deliver 8): ``make demo`` makes the demo editor and clinician once the
database exists and prints their passwords on stdout, and ``make run
PORT=N`` serves on port N, where both can log in."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import pytest

from tests.processes import ROOT, AdminSession, free_port, fresh_database, get, site_env

ACCOUNT_LINE = re.compile(r"^(eddie|cleo)\t(\S{12,})\t(editor|clinician)$")


def at_a_shell(env: dict[str, str]) -> dict[str, str]:
    """``env`` as a person's shell has it. The suite runs under ``make test``,
    whose MAKELEVEL makes a nested make print "Entering directory" lines on
    stdout; typed at a shell, ``make demo`` prints none."""
    return {k: v for k, v in env.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}


def make(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["make", *args], cwd=ROOT, env=at_a_shell(env), capture_output=True,
                            text=True, check=False, timeout=600)  # fmt: skip
    assert result.returncode == 0, f"make {' '.join(args)} failed:\n{result.stderr}"
    return result


@pytest.mark.slow
def test_make_run_serves_on_8000_unless_port_is_given():
    """Checked with make -n (nothing runs): the README's first command stays on 8000."""
    default = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout  # fmt: skip
    chosen = subprocess.run(["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    assert "runserver 127.0.0.1:8000 " in default
    assert "runserver 127.0.0.1:8001 " in chosen
    assert "8000" not in chosen.split("runserver", 1)[1]
    # The links in its emails (DJANGO_SITE_URL) name the port it serves on.
    assert "DJANGO_SITE_URL=http://127.0.0.1:8000 " in default
    assert "DJANGO_SITE_URL=http://127.0.0.1:8001 " in chosen
    assert "127.0.0.1:8000" not in chosen


@pytest.mark.slow
def test_make_demo_prints_passwords_that_log_in_on_the_port_make_run_was_given(tmp_path):
    with fresh_database(tmp_path, "demo") as url:
        env = site_env(url, tmp_path)
        first = make(env, "demo")
        lines = first.stdout.splitlines()
        assert len(lines) == 2, "stdout (without make -s) is the two accounts and nothing else"
        accounts = {}
        for line in lines:
            found = ACCOUNT_LINE.match(line)
            assert found, line
            accounts[found.group(1)] = found.group(2)
        again = make(env, "demo")
        assert again.stdout.count("\n") == 2, "safe to run again"
        accounts = dict(line.split("\t")[:2] for line in again.stdout.splitlines())

        port = free_port()
        log = (tmp_path / "run.log").open("w")
        server = subprocess.Popen(["make", "-s", "run", f"PORT={port}"], cwd=ROOT, env=env,
                                  stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # fmt: skip
        try:
            deadline = time.monotonic() + 240
            status = 0
            while time.monotonic() < deadline and server.poll() is None:
                try:
                    status, _body = get(f"http://127.0.0.1:{port}/", timeout=5)
                except OSError:
                    status = 0
                if status == 200:
                    break
                time.sleep(1)
            assert status == 200, (tmp_path / "run.log").read_text()
            for username in ("eddie", "cleo"):
                session = AdminSession(f"http://127.0.0.1:{port}")
                session.log_in(username, accounts[username])
                code, html = session.request("/admin/")
                assert code == 200
                assert username in html
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            log.close()
