"""Every bad invocation of the command line: a non-zero exit and one sentence on standard error
naming what was wrong, never a traceback, and nothing written where the output could not go."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, SAMPLE_PREV

AS_OF = "2026-11-20"
AS_OF_PREV = "2026-11-13"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recruit_dash", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> dict[str, str]:
    """Return the paths the bad invocations name: a history of two uploads, files that are not
    what they should be, and places that cannot be written."""
    base = tmp_path_factory.mktemp("cli-errors")
    history = base / "history.duckdb"
    for path, as_of in ((SAMPLE_PREV, AS_OF_PREV), (SAMPLE, AS_OF)):
        result = run("import", str(path), "--db", str(history), "--as-of", as_of)
        assert result.returncode == 0, result.stderr
    uploads = json.loads(run("uploads", "--db", str(history), "--json").stdout)["uploads"]
    assert [upload["upload_id"] for upload in uploads] == [1, 2]
    (base / "folder").mkdir()
    (base / "fake.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    (base / "not_json.json").write_text("not json", encoding="utf-8")
    (base / "list.json").write_text("[]", encoding="utf-8")
    (base / "no_sheets.json").write_text("{}", encoding="utf-8")
    if os.geteuid() == 0:  # permissions do not stop root: use what the kernel refuses anyway
        unreadable, unwritable = Path("/proc/self/mem"), Path("/sys")
    else:
        unreadable, unwritable = base / "locked.xlsx", base / "locked"
        unreadable.write_bytes(SAMPLE.read_bytes())
        unreadable.chmod(0)
        unwritable.mkdir()
        unwritable.chmod(0o555)
    return {"sample": str(SAMPLE), "db": str(history), "base": str(base),
            "folder": str(base / "folder"), "fake": str(base / "fake.xlsx"),
            "not_json": str(base / "not_json.json"), "list": str(base / "list.json"),
            "no_sheets": str(base / "no_sheets.json"), "unreadable": str(unreadable),
            "unwritable": str(unwritable), "missing_dir": str(base / "no_such_folder"),
            "typo_db": str(base / "histroy.duckdb"), "new_db": str(base / "new.duckdb")}


# (id, the invocation, what the last line of standard error must mention, a path that must not
# exist afterwards). `{name}` is one of `places`.
CASES = [
    # output paths
    ("export-o-in-missing-folder", "export leads {sample} -o {missing_dir}/leads.csv",
     "The folder {missing_dir} does not exist", "{missing_dir}/leads.csv"),
    ("pack-o-in-missing-folder", "pack consultant {sample} --name 'Priya Shah' --as-of "
     f"{AS_OF} -o {{missing_dir}}/pack.pdf", "The folder {missing_dir} does not exist",
     "{missing_dir}/pack.pdf"),
    ("export-o-is-a-folder", "export leads {sample} -o {folder}", "{folder} is a folder", None),
    ("export-o-unwritable", "export leads {sample} -o {unwritable}/leads.csv",
     "{unwritable}/leads.csv", "{unwritable}/leads.csv"),
    ("export-o-below-a-file", "export leads {sample} -o {fake}/leads.csv",
     "{fake} is a file, not a folder", "{fake}/leads.csv"),
    # periods, stages and counts
    ("funnel-from-after-to", f"report funnel {{sample}} --as-of {AS_OF} --from 2026-11-01 "
     "--to 2026-10-01", "--from", None),
    ("ratios-from-after-to", f"report ratios --db {{db}} --as-of {AS_OF} --from 2026-11-01 "
     "--to 2026-10-01", "2026-11-01", None),
    ("pack-from-after-to", f"pack consultant --db {{db}} --name 'Priya Shah' --as-of {AS_OF} "
     "--from 2026-11-01 --to 2026-10-01 -o {base}/pack1.pdf", "--from", "{base}/pack1.pdf"),
    ("pack-from-after-as-of", f"pack consultant --db {{db}} --name 'Priya Shah' --as-of {AS_OF} "
     "--from 2026-12-01 -o {base}/pack2.pdf", "the as-of date", "{base}/pack2.pdf"),
    ("unknown-stage", f"report funnel {{sample}} --as-of {AS_OF} --stages lead,interveiw",
     "'interveiw' in --stages", None),
    ("placements-negative", f"report targets --db {{db}} --as-of {AS_OF} --consultant "
     "'Priya Shah' --placements -1", "--placements", None),
    ("placements-zero", f"report targets --db {{db}} --as-of {AS_OF} --consultant 'Priya Shah' "
     "--placements 0", "--placements", None),
    ("delete-negative-id", "uploads --db {db} --delete -3 --yes", "--delete", None),
    ("from-upload-negative", "changes --db {db} --from-upload -1", "--from-upload", None),
    # dates
    ("as-of-malformed", "report funnel {sample} --as-of 2026-13-45", "2026-13-45", None),
    ("pack-to-malformed", "pack consultant --db {db} --name 'Priya Shah' --to yesterday "
     "-o {base}/pack3.pdf", "yesterday", "{base}/pack3.pdf"),
    ("import-as-of-malformed", "import {sample} --db {new_db} --as-of 20/11/2026", "20/11/2026",
     "{new_db}"),
    # a history that is not there, or is not a history
    ("report-db-mistyped", f"report funnel --db {{typo_db}} --as-of {AS_OF}",
     "There is no upload history at {typo_db}", "{typo_db}"),
    ("export-db-mistyped", "export leads --db {typo_db}", "There is no upload history at {typo_db}",
     "{typo_db}"),
    ("pack-db-mistyped", f"pack consultant --db {{typo_db}} --name 'Priya Shah' --as-of {AS_OF} "
     "-o {base}/pack4.pdf", "There is no upload history at {typo_db}", "{typo_db}"),
    ("uploads-db-mistyped", "uploads --db {typo_db}", "There is no upload history at {typo_db}",
     "{typo_db}"),
    ("changes-db-mistyped", "changes --db {typo_db}", "There is no upload history at {typo_db}",
     "{typo_db}"),
    ("db-is-a-folder", f"report queue --db {{folder}} --as-of {AS_OF}", "{folder} is a folder",
     None),
    ("db-is-a-spreadsheet", "uploads --db {fake}", "{fake}", None),
    ("import-db-is-a-folder", "import {sample} --db {folder}", "{folder} is a folder", None),
    # input files
    ("inspect-missing-file", "inspect {base}/nope.xlsx", "No such file: {base}/nope.xlsx", None),
    ("report-missing-file", f"report stalled {{base}}/nope.xlsx --as-of {AS_OF}",
     "No such file: {base}/nope.xlsx", None),
    ("import-missing-file", "import {base}/nope.xlsx --db {new_db}", "{base}/nope.xlsx",
     "{new_db}"),
    ("inspect-folder", "inspect {folder}", "{folder} is a folder", None),
    ("import-folder", "import {folder} --db {new_db}", "{folder} is a folder", "{new_db}"),
    ("inspect-unreadable", "inspect {unreadable}", "Could not read {unreadable}", None),
    ("inspect-not-a-spreadsheet", "inspect {fake}", "fake.xlsx", None),
    ("report-not-a-spreadsheet", f"report clients {{fake}} --as-of {AS_OF}", "fake.xlsx", None),
    ("export-not-a-spreadsheet", "export leads {fake} -o {base}/leads.csv", "fake.xlsx",
     "{base}/leads.csv"),
    # profiles and rules
    ("profile-missing", "inspect {sample} --profile {base}/profile.json",
     "{base}/profile.json", None),
    ("profile-not-json", "export leads {sample} --profile {not_json}", "{not_json}", None),
    ("profile-without-sheets", "inspect {sample} --profile {no_sheets}", "{no_sheets}", None),
    ("rules-not-json", f"report stalled --db {{db}} --as-of {AS_OF} --rules {{not_json}}",
     "{not_json}", None),
    ("rules-not-an-object", f"report stalled --db {{db}} --as-of {AS_OF} --rules {{list}}",
     "{list}", None),
    ("rules-missing", f"report stalled --db {{db}} --as-of {AS_OF} --rules {{base}}/rules.json",
     "{base}/rules.json", None),
    # names
    ("targets-unknown-consultant", f"report targets --db {{db}} --as-of {AS_OF} "
     "--consultant 'Nobody'", "'Nobody'", None),
    ("targets-without-consultant", f"report targets --db {{db}} --as-of {AS_OF}",
     "--consultant", None),
    ("pack-unknown-name", f"pack consultant --db {{db}} --name Nobody --as-of {AS_OF} "
     "-o {base}/pack5.pdf", "'Nobody'", "{base}/pack5.pdf"),
    ("pack-misspelt-name", f"pack consultant --db {{db}} --name 'Priya Sha' --as-of {AS_OF} "
     "-o {base}/pack6.pdf", "Priya Shah", "{base}/pack6.pdf"),
    # uploads and changes
    ("delete-without-yes", "uploads --db {db} --delete 1", "--yes", None),
    ("delete-unknown-id", "uploads --db {db} --delete 99 --yes", "99", None),
    ("changes-unknown-from", "changes --db {db} --from-upload 99", "99", None),
    ("changes-from-after-to", "changes --db {db} --from-upload 2 --to-upload 1", "Upload 2", None),
    ("changes-same-upload", "changes --db {db} --from-upload 1 --to-upload 1", "both 1", None),
    # files or a history, and argparse's own
    ("export-nothing-to-read", "export leads", "--db", None),
    ("report-files-and-db", f"report funnel {{sample}} --db {{db}} --as-of {AS_OF}", "--db", None),
    ("unknown-report", "report forecasts {sample}", "forecasts", None),
    ("unknown-option", "inspect {sample} --nope", "--nope", None),
    ("pack-without-name", "pack consultant {sample} -o {base}/pack7.pdf", "--name",
     "{base}/pack7.pdf"),
    # the quarterly review pack and the Monday digest
    ("pack-quarterly-format-against-extension",
     "pack quarterly {sample} --format pdf -o {base}/review.xlsx", "make them agree",
     "{base}/review.xlsx"),
    ("pack-quarterly-with-a-name", "pack quarterly {sample} --name Priya -o {base}/review.pdf",
     "pack consultant", "{base}/review.pdf"),
    ("pack-quarterly-missing-folder", "pack quarterly {sample} -o {missing_dir}/review.pdf",
     "does not exist", None),
    ("digest-files-and-db", "digest {sample} --db {db}", "--db", None),
    ("digest-mistyped-db", "digest --db {typo_db}", "no upload history", "{typo_db}"),
    ("digest-to-without-smtp", "digest {sample} --to lead@example.com", "--smtp", None),
    ("digest-smtp-without-to", "digest {sample} --smtp smtp://127.0.0.1:2525", "--to", None),
    ("digest-not-a-mail-server", "digest {sample} --smtp http://mail --to lead@example.com",
     "smtp://", None),
    ("digest-missing-folder", "digest {sample} -o {missing_dir}/digest.html", "does not exist",
     None),
    ("digest-unreadable-rules", "digest {sample} --rules {not_json}", "not valid JSON", None),
    ("digest-refused-by-the-mail-server",
     "digest {sample} --smtp smtp://127.0.0.1:1 --to lead@example.com", "refused the connection",
     None),
]


def words(template: str, places: dict[str, str]) -> str:
    return template.format(**places)


@pytest.mark.parametrize(("invocation", "mention", "not_written"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_bad_invocation_is_one_sentence_and_a_non_zero_exit(places, invocation, mention,
                                                              not_written):
    result = run(*shlex.split(words(invocation, places)))
    assert result.returncode != 0, result.stdout[:500]
    assert result.stderr.strip(), "nothing said on standard error"
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert words(mention, places) in last, last
    # a sentence: ours end like one; argparse's say "error:" after the usage lines
    assert last.endswith((".", "?")) or ": error: " in last, last
    assert len(last.split()) >= 4, last
    if not_written:
        assert not Path(words(not_written, places)).exists()


def test_valid_invocations_still_exit_zero(places, tmp_path):
    funnel = run("report", "funnel", places["sample"], "--as-of", AS_OF, "--stages",
                 "lead, meeting", "--json")
    assert funnel.returncode == 0, funnel.stderr
    assert [row["stage"] for row in json.loads(funnel.stdout)["stages"]] == ["lead", "meeting"]
    target = tmp_path / "leads.csv"
    exported = run("export", "leads", "--db", places["db"], "-o", str(target))
    assert exported.returncode == 0, exported.stderr
    assert target.read_text(encoding="utf-8-sig").startswith("lead_id,")
    moved = run("changes", "--db", places["db"], "--from-upload", "1", "--to-upload", "2")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["from_as_of"] == AS_OF_PREV
    targets = run("report", "targets", "--db", places["db"], "--as-of", AS_OF, "--consultant",
                  "Priya Shah", "--placements", "2")
    assert targets.returncode == 0, targets.stderr
    assert json.loads(targets.stdout)["placements"] == 2


def test_an_unexpected_failure_is_one_sentence_and_the_details_go_to_the_log(
        tmp_path, monkeypatch, capsys):
    from recruit_dash import cli
    from recruit_dash.cli import arguments

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setenv("RECRUIT_DASH_DB", str(tmp_path / "data" / "history.duckdb"))
    monkeypatch.setattr(arguments, "open_store", broken)
    history = tmp_path / "history.duckdb"
    history.write_bytes(b"")
    assert cli.main(["uploads", "--db", str(history)]) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith("Something went wrong while running uploads") and "\n" not in said
    log = tmp_path / "data" / "recruit-dash-errors.log"
    assert str(log) in said
    assert "RuntimeError: a bug of ours" in log.read_text(encoding="utf-8")
