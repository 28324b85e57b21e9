"""Live probes are bounded and read-only, and work on locked-down hosts: slow reads and
helpers are stopped (ETIMEDOUT), nothing is written, and what cannot be seen (hidepid,
no /sys, seccomp, permissions) is reported as unseen with the reason."""

from __future__ import annotations

import _thread
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import jsonschema
import pytest

from hvaudit.audit import run_audit
from hvaudit.report import FORMATS
from hvaudit.schema import schema_text
from hvaudit.sources import live, watchdog
from hvaudit.sources.live import LiveSource
from hvaudit.sources.watchdog import Watchdog, risky

from .conftest import ROOT, hvaudit_command, process_env
from .support import HYPERVISOR_BIT, DictSource, signature

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
TIMEOUT = 120


def never_returns() -> None:
    lock = _thread.allocate_lock()
    lock.acquire()
    lock.acquire()  # blocks for ever (until the process exits)


# -- the watchdog ------------------------------------------------------------------------------
@pytest.mark.slow
def test_watchdog_stops_waiting_and_gives_up_after_max_stuck() -> None:
    dog = Watchdog(timeout=0.2, max_stuck=2)
    assert dog(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        dog(lambda: 1 // 0)
    for _ in range(2):
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            dog(never_returns)
        assert time.monotonic() - start < 1.5
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        dog(lambda: 42)  # given up: not even tried
    assert time.monotonic() - start < 0.1


def test_the_watchdog_hands_calls_to_one_thread_and_replaces_a_stuck_one(monkeypatch) -> None:
    started: List[object] = []
    real = _thread.start_new_thread
    monkeypatch.setattr(watchdog._thread, "start_new_thread", lambda *a: started.append(a) or real(*a))
    dog = Watchdog(timeout=0.2, max_stuck=3)
    assert [dog(pow, 2, n) for n in range(5)] == [1, 2, 4, 8, 16]
    with pytest.raises(ZeroDivisionError):
        dog(lambda: 1 // 0)
    assert len(started) == 1
    with pytest.raises(TimeoutError):
        dog(never_returns)
    assert dog(lambda: "after") == "after" and len(started) == 2


def test_kernel_paths_pay_no_thread(monkeypatch) -> None:
    assert not risky("/proc/self/status") and not risky("/sys/class/dmi/id/sys_vendor")
    assert risky("/.dockerenv") and risky("/run/.containerenv") and risky("/proc/../mnt/nfs/x")
    started: List[object] = []
    real = _thread.start_new_thread
    monkeypatch.setattr(watchdog._thread, "start_new_thread", lambda *a: started.append(a) or real(*a))
    source = LiveSource()
    source._foreign_mounts()  # the mount table, read once on the watchdog's thread
    assert len(started) == 1
    calls: List[object] = []
    guard = source.watchdog
    monkeypatch.setattr(source, "watchdog", lambda function, *args: calls.append(args) or guard(function, *args))
    source.read("/proc/self/status")
    source.listdir("/sys/bus")
    source.readlink("/proc/self/ns/pid")
    assert calls == []
    source.read("/.dockerenv")
    assert len(calls) == 1 and len(started) == 1  # through the watchdog, on its one thread


def test_prefetch_learns_absent_risky_paths_in_one_hand_over(monkeypatch, tmp_path: Path) -> None:
    """Markers are mostly absent: one call on the watchdog's thread says so for all of them;
    what exists, or could not be told apart from absent, is still asked on its own, and
    every answer is the one the path gives without prefetch."""
    present = tmp_path / "present"
    present.write_text("x")
    (tmp_path / "folder").mkdir()
    absent = [str(tmp_path / name) for name in ("a", "b", "folder/c")]
    source = LiveSource()
    source.read("/.no-such-marker")  # the watchdog started
    source._foreign_mounts()  # the mount table read
    calls: List[object] = []
    guard = source.watchdog
    monkeypatch.setattr(source, "watchdog", lambda function, *args: calls.append(function) or guard(function, *args))
    source.prefetch(absent + [str(present), "/proc/self/status"])
    assert calls == [live._missing_paths]
    for path in absent:
        assert source.read(path).error == "ENOENT" and source.listdir(path).error == "ENOENT"
        assert source.stat(path).error == "ENOENT" and source.readlink(path).error == "ENOENT"
    assert calls == [live._missing_paths]  # none of them asked again
    assert source.read(str(present)).data == b"x" and len(calls) == 2
    plain = LiveSource()
    for path in absent + [str(present)]:
        assert plain.read(path) == source.read(path)


def test_a_prefetch_that_hangs_leaves_each_path_to_its_own_call(monkeypatch) -> None:
    monkeypatch.setattr(live, "_missing_paths", lambda paths: never_returns())
    source = LiveSource(read_timeout=0.2)
    source.prefetch(["/.no-such-marker"])
    assert source.watchdog.stuck == 1
    assert source.read("/.no-such-marker").error == "ENOENT"


@pytest.mark.slow
def test_a_read_that_hangs_is_timed_out(monkeypatch) -> None:
    real = live._read_path

    def hanging(path: str, limit: int):
        if path == "/.dockerenv":
            never_returns()
        return real(path, limit)

    monkeypatch.setattr(live, "_read_path", hanging)
    source = LiveSource(read_timeout=0.3)
    start = time.monotonic()
    assert source.read("/.dockerenv").error == "ETIMEDOUT"
    assert time.monotonic() - start < 2
    assert source.read("/proc/version").seen


@pytest.mark.slow
def test_whole_audit_is_bounded_when_every_risky_path_hangs(monkeypatch) -> None:
    """After MAX_STUCK abandoned calls the rest answer at once: the audit ends in time."""
    real_read, real_list, real_stat = live._read_path, live._list_path, os.stat
    monkeypatch.setattr(live, "_read_path", lambda p, n: never_returns() if risky(p) else real_read(p, n))
    monkeypatch.setattr(live, "_list_path", lambda p: never_returns() if risky(p) else real_list(p))
    source = LiveSource(read_timeout=0.3)
    # Trials fork a child, which would inherit the hanging os.stat below and wait out the
    # trial's own timeout (hvaudit.sources.trials.TIMEOUT, tested with the trials).
    monkeypatch.setattr(source, "trial", lambda name: {"error": "ETIMEDOUT"})
    monkeypatch.setattr(live.os, "stat", lambda p, *a, **k: never_returns() if risky(str(p)) else real_stat(p, *a, **k))
    start = time.monotonic()
    report = run_audit(source)
    assert time.monotonic() - start < 0.3 * watchdog.MAX_STUCK + 3
    timed_out = [e.where for e in report.unseen if e.error == "ETIMEDOUT"]
    assert "/.dockerenv" in timed_out or "/.dockerenv" in [e.where for e in report.evidence if e.error]
    assert source.watchdog.stuck == watchdog.MAX_STUCK


@pytest.mark.slow
def test_a_helper_that_hangs_is_stopped(monkeypatch) -> None:
    if not shutil.which("sleep"):
        pytest.skip("no sleep(1)")
    monkeypatch.setitem(live.COMMANDS, "slow", ("sleep", "30"))
    monkeypatch.setattr(live, "COMMAND_TIMEOUT", 0.5)
    start = time.monotonic()
    assert LiveSource().command("slow").error == "ETIMEDOUT"
    assert time.monotonic() - start < 5


HANGING_AUDIT = r"""
import os, sys
from hvaudit.sources import live
fifo = sys.argv[1]
real = live._read_path
def hanging(path, limit):
    if path in ("/.dockerenv", "/run/.containerenv"):
        os.open(fifo, os.O_RDONLY)  # a FIFO without a writer: open() blocks in the kernel
    return real(path, limit)
live._read_path = hanging
real_missing = live._missing_paths
def hanging_lstat(paths):  # the same file system hangs a look-up as it hangs a read
    if "/.dockerenv" in paths or "/run/.containerenv" in paths:
        os.open(fifo, os.O_RDONLY)
    return real_missing(paths)
live._missing_paths = hanging_lstat
live.READ_TIMEOUT = 0.5
from hvaudit.cli import main
main(["audit", "--format", "json"])
"""


@pytest.mark.slow
def test_process_exits_promptly_with_threads_stuck_in_the_kernel(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", HANGING_AUDIT, str(fifo)], capture_output=True, text=True,
                          env=process_env(), cwd=str(ROOT), timeout=60)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 15, elapsed
    unseen = {(u["where"], u["error"]) for u in json.loads(proc.stdout)["unseen"]}
    assert ("/.dockerenv", "ETIMEDOUT") in unseen and ("/run/.containerenv", "ETIMEDOUT") in unseen


# -- bounded reads on the live machine ---------------------------------------------------------------
def test_live_read_of_a_huge_sparse_file_is_bounded(tmp_path: Path) -> None:
    huge = tmp_path / "cpuinfo"
    with open(huge, "wb") as f:
        f.truncate(300 << 20)
    source = LiveSource()
    start = time.monotonic()
    assert source.read(str(huge)).error == "EFBIG"
    partial = source.read(str(huge), limit=4096, partial=True)
    assert partial.data == b"\0" * 4096
    assert time.monotonic() - start < 2


def test_live_never_reads_a_fifo_or_device(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    source = LiveSource()
    assert source.read(str(fifo)).error == "EFTYPE"
    assert source.read("/dev/zero").error == "EFTYPE"


# -- read-only: nothing written ----------------------------------------------------------------------
def _tree(folder: Path) -> Dict[str, float]:
    return {str(p): p.stat().st_mtime for p in folder.rglob("*")}


@pytest.mark.slow
def test_audit_and_detect_write_nothing(tmp_path: Path) -> None:
    """Run from an empty folder with HOME, TMPDIR and the caches pointed at empty folders:
    they stay empty, and the report goes to standard output only."""
    work, home, temp = tmp_path / "cwd", tmp_path / "home", tmp_path / "tmp"
    for folder in (work, home, temp):
        folder.mkdir()
    env = process_env()
    env.update(HOME=str(home), TMPDIR=str(temp), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_RUNTIME_DIR=str(temp), PYTHONDONTWRITEBYTECODE="1")
    commands = [["audit", "--format", fmt] for fmt in sorted(FORMATS)] + [["detect"], ["detect", "--json"], []]
    for args in commands:
        proc = subprocess.run(hvaudit_command() + args, capture_output=True, env=env, cwd=str(work), timeout=TIMEOUT)
        assert proc.returncode in (0, 1), (args, proc.stderr)
    assert _tree(tmp_path) == {str(p): p.stat().st_mtime for p in (work, home, temp)}


def _unshare(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare")
    env = process_env()
    env.update(HOME=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(["unshare", "--mount", "--fork", "sh", "-ec", script], capture_output=True, text=True,
                          env=env, cwd="/", timeout=TIMEOUT)
    if proc.returncode == 99:
        pytest.skip("cannot set up the namespace here: %s" % proc.stderr.strip())
    return proc


def _valid_report(text: str) -> dict:
    report = json.loads(text)
    jsonschema.validate(report, json.loads(schema_text()))
    return report


def _python() -> str:
    return " ".join(hvaudit_command())


@pytest.mark.slow
@ROOT_ONLY
def test_read_only_root(tmp_path: Path) -> None:
    proc = _unshare("mount -o remount,bind,ro / || exit 99\n"
                    "if touch /hvaudit-ro-probe 2>/dev/null; then rm -f /hvaudit-ro-probe; exit 99; fi\n"
                    "%s audit --format json > /dev/null\n%s detect --json\n" % (_python(), _python()), tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["vm"]


# -- locked-down hosts ----------------------------------------------------------------------------
NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"


@pytest.mark.slow
@ROOT_ONLY
def test_hidepid_as_nobody(tmp_path: Path) -> None:
    """/proc mounted with hidepid=2: PID 1 is out of sight, which is not the same as absent."""
    if not shutil.which("setpriv"):
        pytest.skip("no setpriv")
    proc = _unshare("mount -t proc -o hidepid=2 proc /proc || exit 99\n"
                    "exec %s %s audit --format json\n" % (NOBODY, _python()), tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = _valid_report(proc.stdout)
    assert report["meta"]["user"]["euid"] == 65534
    unseen = {(u["where"], u["error"]) for u in report["unseen"]}
    assert ("/proc/1/environ", "EHIDDEN") in unseen
    assert ("/proc/1/root", "EHIDDEN") in unseen


@pytest.mark.slow
@ROOT_ONLY
def test_without_sys(tmp_path: Path) -> None:
    proc = _unshare("umount -l /sys || exit 99\nexec %s audit --format json\n" % _python(), tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = _valid_report(proc.stdout)
    not_mounted = [u["where"] for u in report["unseen"] if u["error"] == "ENOTMOUNTED"]
    assert "/sys/class/dmi/id/sys_vendor" in not_mounted
    if not os.path.exists("/proc/bus/pci/devices"):  # else the PCI devices are read from /proc
        assert "/sys/bus/pci/devices" in not_mounted
    assert all(w.startswith("/sys/") for w in not_mounted)


@pytest.mark.slow
@ROOT_ONLY
def test_without_proc(tmp_path: Path) -> None:
    proc = _unshare("umount -l /proc || exit 99\nexec %s audit --format json\n" % _python(), tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = _valid_report(proc.stdout)
    assert ("/proc/cpuinfo", "ENOTMOUNTED") in {(u["where"], u["error"]) for u in report["unseen"]}


@pytest.mark.slow
def test_seccomp_denying_executable_memory_and_readlink() -> None:
    helper = Path(__file__).with_name("seccomp_exec.py")
    proc = subprocess.run([sys.executable, str(helper)] + hvaudit_command() + ["audit", "--format", "json"],
                          capture_output=True, text=True, env=process_env(), cwd="/", timeout=TIMEOUT)
    if proc.returncode == 77:
        pytest.skip("seccomp filters cannot be installed here")
    assert proc.returncode == 0, proc.stderr
    report = _valid_report(proc.stdout)
    unseen = {u["where"]: u for u in report["unseen"]}
    assert unseen["cpuid"]["error"] == "EPERM" and "executable memory denied" in unseen["cpuid"]["note"]
    assert unseen["/proc/self/ns/pid"]["error"] == "EPERM"


@pytest.mark.parametrize("error", ["EACCES", "EPERM", "EIO", "ETIMEDOUT", "EHIDDEN", "ENOTMOUNTED"])
def test_denials_are_unseen_with_their_reason(error: str) -> None:
    """An LSM or a permission that denies reads: each denial is listed, none is taken as absence."""
    denied = ["/proc/cpuinfo", "/proc/self/status", "/proc/self/cgroup", "/proc/self/mountinfo",
              "/proc/1/environ", "/sys/class/dmi/id/sys_vendor", "/sys/bus/pci/devices", "/proc/self/uid_map",
              "/proc/self/ns/pid", "/proc/2/comm"]
    source = DictSource({"/proc/version": "Linux version 6.1"}, errors={p: error for p in denied},
                        cpuid={(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("KVMKVMKVM")})
    report = run_audit(source)
    unseen = {(e.where, e.error) for e in report.unseen}
    assert {(p, error) for p in denied} <= unseen
    assert report.vm == "kvm"


@pytest.mark.slow
def test_detect_start_up_imports_nothing_heavy(tmp_path: Path) -> None:
    """`hvaudit detect` is called in loops: no click, jinja2, hypothesis, threading or
    redaction on its path (the watchdog uses the built-in _thread)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "hvaudit", "detect"], capture_output=True,
                          text=True, env=process_env(), cwd=str(tmp_path), timeout=TIMEOUT)
    assert proc.returncode in (0, 1), proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "hvaudit.detect" in imported
    heavy = {"click", "jinja2", "hypothesis", "threading", "queue", "hvaudit.redact", "psutil", "cpuinfo"}
    assert not imported & heavy, imported & heavy
