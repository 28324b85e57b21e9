"""The Ansible playbook (contrib/ansible/hvaudit.yml) run by real ansible-core against three
real targets of two kinds: this machine (`local` connection) and two podman containers
(the containers.podman connection plugin) that have no network at all, so the single file
can only arrive from the controller. No mocks.

The containers' root is built here, not pulled (no registry is reached): an image imported
from a tarball of a few folders, with this machine's /usr mounted read-only for python3 and
a shell. Podman runs with runc and cgroupfs (README, "Fleets"), and with lowered rlimits,
which a process without CAP_SYS_RESOURCE can always set. Slow: about a minute.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Iterator, List

import jsonschema
import pytest

from hvaudit.schema import schema_text

from .conftest import ARTIFACT_NOTES, ARTIFACTS, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.integration]
PLAYBOOK_BIN = Path(sys.executable).parent / "ansible-playbook"
PODMAN = shutil.which("podman")
CONTAINERS_CONF = """\
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
RLIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]


def _rootfs_tar(path: Path) -> None:
    with tarfile.open(path, "w") as tar:
        def add(name: str, kind: bytes = tarfile.DIRTYPE, mode: int = 0o755, target: str = "",
                data: bytes = b"") -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.linkname, info.size = kind, mode, target, len(data)
            tar.addfile(info, io.BytesIO(data) if data else None)

        for folder in ("etc", "root", "proc", "sys", "dev", "run", "usr", "opt", "var"):
            add(folder)
        add("tmp", mode=0o1777)
        add("var/tmp", mode=0o1777)
        for link in ("bin", "sbin", "lib", "lib64"):
            add(link, tarfile.SYMTYPE, target="usr/" + link)
        add("etc/passwd", tarfile.REGTYPE, 0o644, data=b"root:x:0:0:root:/root:/bin/sh\n")
        add("etc/group", tarfile.REGTYPE, 0o644, data=b"root:x:0:\n")
        add("etc/hostname", tarfile.REGTYPE, 0o644, data=b"target\n")


@pytest.fixture(scope="module")
def podman_targets(tmp_path_factory) -> Iterator[List[str]]:
    if not PODMAN:
        pytest.skip("podman is not installed (apt-get install podman runc)")
    folder = tmp_path_factory.mktemp("podman")
    (folder / "containers.conf").write_text(CONTAINERS_CONF, encoding="utf-8")
    previous = os.environ.get("CONTAINERS_CONF")
    os.environ["CONTAINERS_CONF"] = str(folder / "containers.conf")
    tag = "localhost/hvaudit-test-target:%d" % os.getpid()
    names = ["hvaudit-target-%d-%d" % (os.getpid(), i) for i in (1, 2)]
    _rootfs_tar(folder / "rootfs.tar")

    def podman(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([PODMAN, *args], capture_output=True, text=True, timeout=120)

    try:
        result = podman("import", str(folder / "rootfs.tar"), tag)
        assert result.returncode == 0, result.stderr
        for name in names:
            result = podman("run", "-d", "--name", name, "--hostname", name, "--network", "none", *RLIMITS,
                            "-v", "/usr:/usr:ro", tag, "/usr/bin/sleep", "infinity")
            assert result.returncode == 0, result.stderr
        yield names
        for name in names:  # the report was removed from each target after it was fetched
            assert podman("exec", name, "/bin/ls", "-A", "/tmp").stdout.strip() == ""
    finally:
        for name in names:
            podman("rm", "-f", "-t", "0", name)
        podman("rmi", "-f", tag)
        if previous is None:
            os.environ.pop("CONTAINERS_CONF", None)
        else:
            os.environ["CONTAINERS_CONF"] = previous


@pytest.mark.skipif(not PLAYBOOK_BIN.exists(), reason="ansible is not installed (the test extra)")
def test_playbook_audits_three_targets_and_builds_the_fleet_report(pyz: Path, podman_targets: List[str],
                                                                   tmp_path: Path) -> None:
    playbook_dir = tmp_path / "ansible"
    shutil.copytree(ROOT / "contrib" / "ansible", playbook_dir)
    local = tmp_path / "local-target"
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("\n".join([
        "[local]",
        "controller ansible_connection=local ansible_python_interpreter=%s hvaudit_home=%s hvaudit_facts_dir=%s"
        % (sys.executable, local / "lib", local / "facts.d"),
        "[containers]",
        *["%s ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3 "
          "hvaudit_home=/opt/hvaudit" % name for name in podman_targets],
    ]) + "\n", encoding="utf-8")
    env = dict(os.environ, ANSIBLE_HOME=str(tmp_path / "ansible-home"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
               ANSIBLE_PYTHON_INTERPRETER="auto_silent")
    proc = subprocess.run([str(PLAYBOOK_BIN), "-i", str(inventory), str(playbook_dir / "hvaudit.yml"),
                           "-e", "hvaudit_pyz=%s" % pyz], capture_output=True, text=True, env=env, timeout=600)
    log = ARTIFACTS / "fleet" / "ansible-playbook.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]

    hosts = ["controller"] + podman_targets
    reports = playbook_dir / "reports"
    assert sorted(p.name for p in reports.iterdir()) == sorted(h + ".json" for h in hosts)
    schema = json.loads(schema_text())
    names = {}  # inventory name -> the host name the report itself gives
    for host in hosts:
        report = json.loads((reports / (host + ".json")).read_text(encoding="utf-8"))
        jsonschema.validate(report, schema)
        names[host] = report["host"]
        if host != "controller":
            assert report["container"] == "podman", host
    # The facts script answered on every target, and `when:` chose one of the two messages.
    for host in hosts:
        assert ("ok: [%s] => " % host) in proc.stdout
    assert "PLAY RECAP" in proc.stdout and "failed=0" in proc.stdout
    facts = json.loads(subprocess.run([str(local / "facts.d" / "hvaudit.fact")], capture_output=True, text=True,
                                      timeout=120).stdout)
    assert facts["classification"] and isinstance(facts["can_host"]["vms"], bool)

    fleet = json.loads((playbook_dir / "fleet.json").read_text(encoding="utf-8"))
    assert fleet["reports"] == 3 and fleet["unreadable"] == []
    assert sorted(fleet["groups"]["by-container"]["podman"]) == sorted(names[t] for t in podman_targets)
    rows = list(csv.DictReader(io.StringIO((playbook_dir / "fleet.csv").read_text(encoding="utf-8"))))
    # A row names the machine as its own report does (the controller's host name, not its inventory alias).
    assert sorted(r["host"] for r in rows) == sorted(names.values())
    html = playbook_dir / "fleet.html"
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    shutil.copy(html, ARTIFACTS / "fleet" / "fleet-ansible.html")
    ARTIFACT_NOTES.append("the Ansible run and its fleet report: %s" % (ARTIFACTS / "fleet"))
