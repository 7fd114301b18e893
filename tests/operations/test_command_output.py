"""A management command's stdout is its data; its logs go to stderr.

These run ``manage.py`` as real processes, the way an operator does, so the
logging configuration is the production one (``healthsite.settings``).
"""

from __future__ import annotations

import json

import pytest

from tests.processes import fresh_database, manage, site_env

BACKUP_ARGS = ["articles", "auth.user", "auth.group", "--natural-foreign", "--natural-primary"]


def _log_events(text: str) -> list[dict]:
    """The lines of ``text`` that are JSON log records (healthsite.logs)."""
    events = []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and {"logger", "level", "message"} <= event.keys():
            events.append(event)
    return events


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """A migrated database with both guides and a clinician, and its environment.
    Shared by this module's tests: they only read it."""
    tmp_path = tmp_path_factory.mktemp("site")
    with fresh_database(tmp_path, "dump") as url:
        env = site_env(url, tmp_path, DJANGO_ACCOUNT_PASSWORD="a-long-enough-passphrase")
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        manage(
            env, "create_account", "cleo", "--role", "clinician",
            "--display-name", "Dr Cleo Adams", "--credentials", "MBChB",
        )  # fmt: skip
        yield env


@pytest.mark.slow
def test_dumpdata_redirected_to_a_file_loads_back_into_a_fresh_database(site, tmp_path):
    """`manage.py dumpdata > backup.json` writes only JSON (it used to start
    with the "AXES: BEGIN" log line), and `loaddata backup.json` restores it
    into an empty database: a second dump is identical to the first."""
    backup = tmp_path / "backup.json"
    with backup.open("wb") as out:
        result = manage(site, "dumpdata", *BACKUP_ARGS, stdout=out)
    data = json.loads(backup.read_text(encoding="utf-8"))
    assert {entry["model"] for entry in data} >= {"articles.article", "auth.user"}
    # The log line still exists; it went to stderr.
    assert any("AXES: BEGIN" in e["message"] for e in _log_events(result.stderr.decode()))

    with fresh_database(tmp_path, "restore") as url:
        restored = {**site, "DATABASE_URL": url}
        manage(restored, "migrate", "--noinput")
        loaded = manage(restored, "loaddata", str(backup))
        assert f"Installed {len(data)} object(s)" in loaded.stdout
        again = tmp_path / "again.json"
        with again.open("wb") as out:
            manage(restored, "dumpdata", *BACKUP_ARGS, stdout=out)
    assert json.loads(again.read_text(encoding="utf-8")) == data


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["dumpdata", "articles", "--indent", "1"],
        ["review_status"],
        ["showmigrations", "articles"],
        ["check"],
        # Every logger the site uses, at every level, from inside a command.
        [
            "shell",
            "--verbosity",
            "0",
            "-c",
            "import logging\n"
            "for name in ('', 'django', 'django.request', 'django.server', 'axes', 'articles'):\n"
            "    for level in (logging.INFO, logging.WARNING, logging.ERROR):\n"
            "        logging.getLogger(name).log(level, 'probe %s', name)\n"
            "print('data')",
        ],
    ],
    ids=lambda command: command[0],
)
def test_commands_write_log_records_to_stderr_and_only_data_to_stdout(site, command):
    """No JSON log record reaches a command's stdout; stderr carries them."""
    result = manage(site, *command)
    assert _log_events(result.stdout) == []
    assert any("AXES: BEGIN" in e["message"] for e in _log_events(result.stderr))
    if command[0] == "shell":
        assert result.stdout == "data\n"
        probes = [e for e in _log_events(result.stderr) if e["message"].startswith("probe")]
        assert len(probes) == 18


@pytest.mark.slow
def test_evidence_pack_run_as_cron_would_writes_only_paths_to_stdout(site, tmp_path):
    """Issue 15: `manage.py evidence_pack --sample N --out DIR` as a process
    with the production settings: stdout lists the files it wrote, one per
    line, and nothing else; each JSON file is the pack of a live guide."""
    out = tmp_path / "packs"
    result = manage(site, "evidence_pack", "--sample", "2", "--seed", "1", "--out", str(out))
    written = result.stdout.split()
    assert sorted(written) == sorted(str(path) for path in out.iterdir())
    assert len(written) == 4
    for path in out.glob("*.json"):
        pack = json.loads(path.read_text(encoding="utf-8"))
        assert pack["guide"]["status"] == "published"
        assert pack["reviews"][0]["hash_matches_version"] is True
