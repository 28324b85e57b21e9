"""Safe on every input, every output path and every host: one test (or a few) per class of
attack. Each names the class it guards; see also tests/test_linear_time.py (time linear in
the input) and tests/test_privacy.py (secrets and --redact)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Tuple

import pytest

from hvaudit.audit import run_audit
from hvaudit.collect import collect
from hvaudit.parsers import MAX_JSON_DEPTH, load_json, number
from hvaudit.parsers.windows import parse_cim_json
from hvaudit.privacy import filter_kernel_cmdline
from hvaudit.redact import Redactor
from hvaudit.report import render
from hvaudit.sources import live, watchdog
from hvaudit.sources.capture import CaptureSource
from hvaudit.sources.live import LiveSource

from . import hostile_cases
from .conftest import ROOT, hvaudit_command, process_env
from .report_samples import sample_report
from .support import HYPERVISOR_BIT, DictSource

FIXTURES = ROOT / "fixtures" / "captures"


def run(*args: str, cwd: Path = ROOT, env: Dict[str, str] = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(hvaudit_command() + list(args), capture_output=True, cwd=str(cwd),
                          env=env or process_env(), timeout=120, **kwargs)


def one_error_line(proc: subprocess.CompletedProcess, code: int, *parts: str) -> str:
    err = proc.stderr.decode("utf-8", "replace") if isinstance(proc.stderr, bytes) else proc.stderr
    assert proc.returncode == code, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hvaudit: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def outcome(report) -> Tuple[Tuple[str, ...], Dict[str, str]]:
    verdict = (report.vm, report.container, report.classification, str(report.chroot), report.cvm)
    return verdict, {c.id: c.status for c in report.checks}


# -- 2. --redact never corrupts ------------------------------------------------------------------
HOST_WORDS = ("kvm", "vm", "node", "host", "proc", "sys", "dev", "root")


@pytest.fixture(scope="module")
def live_capture(tmp_path_factory) -> Path:
    """A capture of this machine: a KVM guest with /dev/kvm, modules, config and mounts."""
    target = tmp_path_factory.mktemp("live") / "capture"
    collect(target)
    return target


def renamed(capture: Path, folder: Path, word: str) -> Path:
    """The capture, as if the machine were named `word`."""
    shutil.copytree(capture, folder, symlinks=True)
    doc = json.loads((folder / "capture.json").read_text())
    doc.setdefault("uname", {})["nodename"] = word
    (folder / "capture.json").write_text(json.dumps(doc))
    hostname = folder / "root" / "proc" / "sys" / "kernel" / "hostname"
    hostname.parent.mkdir(parents=True, exist_ok=True)
    hostname.write_text(word + "\n")
    return folder


@pytest.mark.parametrize("name", ["live", "bare-metal-intel-host", "kubernetes-containerd-pod", "lxc-container"])
def test_redacted_capture_audits_as_the_original_for_host_names_that_are_words(name, live_capture, tmp_path) -> None:
    source_capture = live_capture if name == "live" else FIXTURES / name
    for word in HOST_WORDS:
        original = renamed(source_capture, tmp_path / word / "original", word)
        redacted = tmp_path / word / "redacted"
        collect(redacted, source=CaptureSource(original), redact=True)
        assert json.loads((redacted / "capture.json").read_text())["uname"]["nodename"] == "<hostname>"
        assert outcome(run_audit(CaptureSource(redacted))) == outcome(run_audit(CaptureSource(original))), word
        if name == "live" and (original / "root" / "dev").exists():
            assert sorted(os.listdir(redacted / "root" / "dev")) == sorted(os.listdir(original / "root" / "dev"))


def test_redaction_finds_values_by_their_field() -> None:
    pod = "0f9a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b"
    redactor = Redactor("web-7")
    text = ("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod%s.slice/cri-x.scope\n"
            "/var/lib/kubelet/pods/%s/volumes\n" % (pod.replace("-", "_"), pod))
    out = redactor.text(text)
    assert pod not in out and pod.replace("-", "_") not in out
    assert out.count("<uuid-1>") == 2, out  # the same UID, with underscores or dashes
    # LXC names are container names wherever a cgroup path says so, known or not.
    assert redactor.text("0::/lxc.payload.db-main/init.scope") == "0::/lxc.payload.<hostname>/init.scope"
    assert redactor.text("/sys/fs/cgroup/cpu/lxc/db-main/cpu.shares") == "/sys/fs/cgroup/cpu/lxc/<hostname>/cpu.shares"
    assert redactor.text("/sys/fs/cgroup/cpu/lxc/cgroup.procs") == "/sys/fs/cgroup/cpu/lxc/cgroup.procs"
    # OEM strings and serials that hold "<" are hidden; a placeholder is never redacted again.
    dmi = ("Handle 0x0B00, DMI type 11, 5 bytes\nOEM Strings\n\tString 1: SN=ABC-99887\n\n"
           "Handle 0x0100, DMI type 1, 27 bytes\nSystem Information\n\tSerial Number: <A1B2C3>\n")
    redactor.learn_text(dmi)
    out = redactor.text(dmi)
    assert "ABC-99887" not in out and "<A1B2C3>" not in out and "String 1: <oem-string-" in out
    assert redactor.text(out) == out
    # The host name is a field's value, never a substring of paths or words.
    kvm = Redactor("kvm")
    for kept in ("/dev/kvm", "/sys/module/kvm_intel/parameters/nested", "KVM_CREATE_VM", "kvm: disabled by bios"):
        assert kvm.text(kept) == kept
    assert Redactor("node").text("rw,nosuid,nodev,nr_inodes=1024") == "rw,nosuid,nodev,nr_inodes=1024"
    assert kvm.uname({"nodename": "kvm", "sysname": "Linux"}) == {"nodename": "<hostname>", "sysname": "Linux"}
    assert kvm.data(b"kvm\n", "/proc/sys/kernel/hostname") == b"<hostname>\n"


def test_audit_redact_of_a_capture_hides_lxc_names(tmp_path: Path) -> None:
    folder = tmp_path / "capture"
    hostile_cases.write_base(folder, files={"proc/self/cgroup": b"0::/lxc.payload.billing-db-03\n",
                                            "proc/1/environ": b"container=lxc\0"})
    for fmt in ("json", "text", "markdown"):
        proc = run("audit", "--capture", str(folder), "--redact", "--format", fmt)
        assert proc.returncode == 0, proc.stderr
        assert b"billing-db-03" not in proc.stdout
    assert b"billing-db-03" in run("audit", "--capture", str(folder), "--format", "json").stdout


def test_kernel_command_line_keeps_settings_and_drops_the_rest() -> None:
    line = (b"BOOT_IMAGE=/vmlinuz root=UUID=1234 ro intel_iommu=on iommu=pt kvm_intel.nested=1 "
            b"rd.luks.key=/key.bin:UUID=abcd ISCSI_INITIATOR=iqn.x ISCSI_PASSWORD=hunter2 "
            b"ds=nocloud;s=http://10.0.0.1/seed/ quiet -- init-secret=pw\n")
    assert filter_kernel_cmdline(line) == b"ro intel_iommu=on iommu=pt kvm_intel.nested=1 quiet\n"
    read = LiveSource().read("/proc/cmdline")  # the filter runs in every source
    assert read.seen and b"BOOT_IMAGE" not in (read.data or b"") and b"root=" not in (read.data or b"")


# -- 3. reads that can hang are bounded; Ctrl-C works ---------------------------------------------
def test_files_mounted_over_proc_from_elsewhere_go_through_the_watchdog(monkeypatch) -> None:
    mountinfo = ("22 1 0:5 / /proc rw - proc proc rw\n"
                 "40 22 0:44 /proc/cpuinfo /proc/cpuinfo rw - fuse.lxcfs lxcfs rw\n"
                 "41 22 0:45 / /sys rw - sysfs sysfs rw\n")
    assert watchdog.foreign_mounts(mountinfo) == ("/proc/cpuinfo",)
    assert watchdog.risky("/proc/1/root/etc/os-release") and watchdog.risky("/proc/self/cwd/x")
    real = live._read_path

    def hangs_on_fuse(path: str, limit: int):
        if path == "/proc/cpuinfo":
            time.sleep(3600)  # as lxcfs does when its daemon is stopped
        return real(path, limit)

    monkeypatch.setattr(live, "_read_path", hangs_on_fuse)
    source = LiveSource(read_timeout=0.3)
    source._foreign = watchdog.foreign_mounts(mountinfo)
    start = time.monotonic()
    assert source.read("/proc/cpuinfo").error == "ETIMEDOUT"
    assert source.read("/proc/self/status").seen  # the kernel's own files still answer
    assert time.monotonic() - start < 2


HANGING_AUDIT = """
import sys, time
from hvaudit.sources import live
real = live._read_path
def hang(path, limit):
    if path == "/proc/cpuinfo":
        print("reading", file=sys.stderr, flush=True)
        time.sleep(3600)
    return real(path, limit)
live._read_path = hang
live.LiveSource._foreign_mounts = lambda self: ("/proc/cpuinfo",)
live.READ_TIMEOUT = 3600
sys.argv = ["hvaudit"]
from hvaudit import _start_command_line
_start_command_line()
from hvaudit.cli import main
main(["audit", "--format", "json"])
"""


def test_ctrl_c_ends_a_run_whose_read_hangs() -> None:
    child = subprocess.Popen([sys.executable, "-c", HANGING_AUDIT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=process_env(), cwd=str(ROOT))
    try:
        assert child.stderr.readline() == b"reading\n"
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode == 130 and err == b"hvaudit: error: interrupted\n", err


def test_ctrl_c_at_any_moment_exits_130_with_one_line() -> None:
    """Interrupted at random moments from its start: from the first line of hvaudit on, one
    line and 130 (before it, the interpreter's start-up reports as the interpreter does)."""
    rng = random.Random(10)
    for _ in range(30):
        child = subprocess.Popen(hvaudit_command() + ["audit", "--format", "json"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, env=process_env(), cwd=str(ROOT))
        time.sleep(rng.uniform(0, 0.12))
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
        if child.returncode == 0:
            continue  # finished first
        if b"KeyboardInterrupt" in err and b"/hvaudit/" not in err:
            continue  # the interpreter's own start-up (site, runpy), before any of hvaudit runs
        assert child.returncode in (130, -signal.SIGINT), err
        assert err in (b"", b"hvaudit: error: interrupted\n"), err


# -- 4. -o never replaces what is not a regular file ----------------------------------------------
CAPTURE = str(FIXTURES / "docker-on-kvm")


@pytest.mark.parametrize("force", [False, True])
def test_output_refuses_devices_fifos_sockets_and_folders(tmp_path: Path, force: bool) -> None:
    fifo, folder, sock = tmp_path / "fifo", tmp_path / "folder", tmp_path / "sock"
    os.mkfifo(fifo)
    folder.mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    try:
        targets = [fifo, folder, sock] + ([Path("/dev/null")] if os.geteuid() == 0 else [])
        for target in targets:
            proc = run("audit", "--capture", CAPTURE, "-o", str(target), *(["--force"] if force else []))
            one_error_line(proc, 2, str(target))
            assert "--force" not in proc.stderr.decode()
        assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stat.S_ISSOCK(os.lstat(sock).st_mode)
    finally:
        server.close()


def test_output_to_a_link_replaces_the_link_itself_and_only_with_force(tmp_path: Path) -> None:
    mine, elsewhere = tmp_path / "mine", tmp_path / "elsewhere"
    mine.mkdir()
    elsewhere.mkdir()
    (elsewhere / "victim.json").write_text("theirs")
    for target in ("victim.json", "missing.json"):
        link = mine / ("link-to-" + target)
        link.symlink_to(elsewhere / target)
        one_error_line(run("audit", "--capture", CAPTURE, "-o", str(link)), 2, "symbolic link")
        proc = run("audit", "--capture", CAPTURE, "-o", str(link), "--force")
        assert proc.returncode == 0, proc.stderr
        assert not link.is_symlink() and json.loads(link.read_text())["meta"]
    assert (elsewhere / "victim.json").read_text() == "theirs"
    assert sorted(os.listdir(elsewhere)) == ["victim.json"]  # no temporary file went there


# -- 5. one depth limit ----------------------------------------------------------------------------
def test_one_depth_limit_for_every_path(tmp_path: Path) -> None:
    folder = tmp_path / "deep"
    document = hostile_cases.base_document()
    value: object = "x"
    for _ in range(MAX_JSON_DEPTH + 10):
        value = [value]
    document["stats"] = {"/proc": value}
    hostile_cases.write_base(folder, document)
    for extra in ((), ("--redact",)):
        one_error_line(run("audit", "--capture", str(folder), *extra), 2, "nested too deeply")
    with pytest.raises(ValueError):
        load_json("[" * 50000 + "]" * 50000)
    assert parse_cim_json("[" * 50000 + "]" * 50000) is None


def test_lone_surrogates_in_strings_give_a_json_report(tmp_path: Path) -> None:
    folder = tmp_path / "surrogates"
    document = hostile_cases.base_document()
    document["devices"] = {"/dev/kvm": {"type": "char", "group": "kvm\udcff\ud800", "mode": "0660"}}
    hostile_cases.write_base(folder, document, files={"sys/class/dmi/id/sys_vendor": b"Vendor \xff\xfe\n"})
    for fmt in ("json", "text", "markdown", "html"):
        proc = run("audit", "--capture", str(folder), "--format", fmt)
        assert proc.returncode == 0, proc.stderr
    json.loads(run("audit", "--capture", str(folder), "--format", "json").stdout)


# -- 6. output failures are exit 3, broken pipes exit 0 -------------------------------------------
def test_output_failures_are_one_line_and_exit_3(tmp_path: Path) -> None:
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(hvaudit_command() + ["audit", "--capture", CAPTURE], stdout=full,
                              stderr=subprocess.PIPE, env=process_env(), cwd=str(ROOT), timeout=120)
    one_error_line(proc, 3, "No space left")
    closed = subprocess.run(hvaudit_command() + ["audit", "--capture", CAPTURE], capture_output=True,
                            env=process_env(), cwd=str(ROOT), timeout=120,
                            preexec_fn=lambda: os.close(1))
    one_error_line(closed, 3, "closed")
    ascii_env = dict(process_env(), PYTHONIOENCODING="ascii")
    one_error_line(run("audit", "--capture", CAPTURE, "--lang", "pt", env=ascii_env), 3, "encoding")
    one_error_line(run("audit", "--capture", CAPTURE, "-o", str(tmp_path / ("n" * 300))), 3, "too long")
    legal = tmp_path / ("n" * 245)
    assert run("audit", "--capture", CAPTURE, "-o", str(legal)).returncode == 0 and legal.stat().st_size > 0
    gone = tmp_path / "gone"
    gone.mkdir()
    # (`python -m` itself cannot start in a deleted folder; the installed command can)
    in_gone = subprocess.run([sys.executable, "-c", "from hvaudit.cli import main; main()", "audit", "--capture",
                              CAPTURE, "-o", "report.json"], capture_output=True, cwd=str(gone),
                             env=dict(process_env(), PYTHONPATH=str(ROOT)),  # no relative entry to resolve
                             timeout=120, preexec_fn=lambda: os.rmdir(gone))
    one_error_line(in_gone, 3, "report.json")


@pytest.mark.parametrize("args", [("detect",), ("audit", "--capture", CAPTURE), ("audit", "--format", "json",
                                  "--capture", CAPTURE), ("schema",), ("--version",), ("detect", "--list")])
def test_a_broken_pipe_is_silent_and_exit_0(args) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before a byte is written
    proc = subprocess.run(hvaudit_command() + list(args), stdout=write, stderr=subprocess.PIPE, env=process_env(),
                          cwd=str(ROOT), timeout=120)
    os.close(write)
    assert (proc.returncode, proc.stderr) == (0, b"")


# -- 7. no autolinks; JSON shows invisible characters ---------------------------------------------
HOSTILE_LINKS = ["www.evil.example", "https://evil.example/x", "root@evil.example", "mailto:a@evil.example",
                 "xmpp:a@evil.example/r", "WWW.EVIL.EXAMPLE", "(http://evil.example)", "ftp://evil.example",
                 "Vendor www.evil.example/path?q=1"]


def test_markdown_from_hostile_strings_has_no_link_in_githubs_renderer() -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from hvaudit.report.markdown import code, text

    for value in HOSTILE_LINKS:
        document = "%s\n\n| a | b |\n|---|---|\n| %s | %s |\n" % (text(value), text(value), code(value))
        html = cmarkgfm.github_flavored_markdown_to_html(document)
        assert "<a " not in html, (value, html)
        assert value.replace("&", "&amp;") in html  # still shown, as text


def test_report_markdown_from_a_hostile_capture_has_no_link(tmp_path: Path) -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    folder = tmp_path / "links"
    hostile_cases.write_base(folder, files={
        "sys/class/dmi/id/sys_vendor": b"www.evil.example\n",
        "sys/class/dmi/id/product_name": b"https://evil.example/login admin@evil.example\n"})
    proc = run("audit", "--capture", str(folder), "--format", "markdown")
    assert proc.returncode == 0
    assert "<a " not in cmarkgfm.github_flavored_markdown_to_html(proc.stdout.decode())


def test_json_escapes_bidi_c1_and_zero_width_characters() -> None:
    report = sample_report()
    layer = report.layers[0]._replace(name="Evil\u202eorP \u200b\x85 Corp\u2028")
    out = render(report._replace(layers=(layer,) + tuple(report.layers[1:])), "json")
    for c in "\u202e\u200b\x85\u2028":
        assert c not in out
    assert "\\u202e" in out and "\\u200b" in out and "\\u0085" in out
    assert "Evil\u202eorP" in json.dumps(json.loads(out), ensure_ascii=False)  # the same string, read back


# -- 8. /proc/cpuinfo of large hosts ---------------------------------------------------------------
def test_cpuinfo_of_a_host_with_thousands_of_processors_is_read() -> None:
    block = ("processor\t: %d\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\n"
             "flags\t\t: fpu vmx ept hypervisor " + "f" * 1200 + "\n\n")
    text = "".join(block % n for n in range(2048))
    assert len(text) > 2 << 20
    report = run_audit(DictSource({"/proc/cpuinfo": text}, cpuid={(1, 0): HYPERVISOR_BIT}))
    assert "/proc/cpuinfo" not in [e.where for e in report.unseen]
    assert any(e.where.startswith("/proc/cpuinfo") and e.raw == "hypervisor" for e in report.evidence)


# -- 9. collect: leftovers, modes, existing folders, races -----------------------------------------
def test_collect_cleans_leftovers_keeps_an_empty_folder_and_fails_before_the_audit(tmp_path: Path) -> None:
    source = DictSource({"/proc/cpuinfo": "flags\t: hypervisor\n"}, cpuid={(1, 0): HYPERVISOR_BIT})
    stale = tmp_path / ".hvaudit-collect-999999999-abc"
    (stale / "root").mkdir(parents=True)
    alive = tmp_path / (".hvaudit-collect-%d-abc" % os.getppid())
    alive.mkdir()
    collect(tmp_path / "new", source=source)
    assert not stale.exists() and alive.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    empty.chmod(0o750)
    link = tmp_path / "link"
    link.symlink_to(empty)
    collect(link, source=source)
    assert link.is_symlink() and stat.S_IMODE(empty.stat().st_mode) == 0o750
    assert (empty / "capture.json").exists() and sorted(os.listdir(empty)) == ["capture.json", "root"]
    here = tmp_path / "here"
    here.mkdir()
    assert run("collect", ".", cwd=here).returncode == 0 and (here / "capture.json").exists()
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        start = time.monotonic()
        one_error_line(run("collect", str(locked / "x")), 3)
        assert time.monotonic() - start < 5


def test_output_leftovers_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".r.html.hvaudit-tmp-999999999-0a1b"
    stale.write_text("half a report")
    theirs = tmp_path / ".r.html.unrelated"
    theirs.write_text("not ours")
    assert run("audit", "--capture", CAPTURE, "-o", str(tmp_path / "r.html")).returncode == 0
    assert not stale.exists() and theirs.exists()


def test_concurrent_collects_into_one_new_folder_one_wins(tmp_path: Path) -> None:
    target = tmp_path / "race"
    children = [subprocess.Popen(hvaudit_command() + ["collect", str(target)], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, env=process_env(), cwd=str(ROOT)) for _ in range(3)]
    codes = sorted(child.wait(timeout=120) for child in children)
    for child in children:
        child.stderr.close()
    assert codes == [0, 2, 2]  # the losers find the folder taken
    assert [n for n in os.listdir(tmp_path) if n.startswith(".hvaudit")] == []
    json.loads((target / "capture.json").read_text())


# -- 10. error messages escape what they show ------------------------------------------------------
def test_error_messages_escape_control_characters_and_bytes(tmp_path: Path) -> None:
    name = os.fsencode(str(tmp_path)) + b"/bad\xff\x1b[31mname\nx"
    proc = subprocess.run(hvaudit_command() + ["audit", "--capture", os.fsdecode(name)], capture_output=True,
                          env=process_env(), cwd=str(ROOT), timeout=120)
    line = one_error_line(proc, 2, "capture not found")
    assert line.endswith("bad\\xff\\x1b[31mname\\nx") and "\\udc" not in line


# -- 11. odd values are data ---------------------------------------------------------------------
@pytest.mark.parametrize("text", ["²", "١٢", "1_0", "", " ", "-", "--1", "1" * 5000, "0x", "ff", "1e3", None])
def test_numbers_from_files_never_raise(text) -> None:
    assert number(text) is None


def test_odd_values_give_checks_a_status_not_a_failure() -> None:
    files = {"/proc/cpuinfo": "flags\t: hypervisor vmx\n", "/proc/sys/kernel/cap_last_cap": "４０\n",
             "/proc/self/status": "Seccomp:\t２\nSeccomp_filters:\t" + "9" * 5000 + "\nCapEff:\t１f\n",
             "/sys/kernel/mm/hugepages/hugepages-２048kB/nr_hugepages": "1\n",
             "/proc/sys/kernel/keys/root_maxkeys": "1" * 5000 + "\n", "/proc/cgroups": "cpu ２ 1 1\n"}
    report = run_audit(DictSource(files, devices={"/dev/kvm": {"type": "char", "mode": "٠٦٦٠", "gid": "x"}},
                                  cpuid={(1, 0): HYPERVISOR_BIT}))
    failed = [(c.id, c.summary) for c in report.checks if "check failed" in c.summary]
    assert not failed


# -- 12. detect as systemd-detect-virt -------------------------------------------------------------
def test_detect_bad_option_exits_1_and_closed_stderr_writes_nothing() -> None:
    one_error_line(run("detect", "--bogus"), 1, "--bogus")
    proc = subprocess.run(hvaudit_command() + ["detect", "--bogus"], stdout=subprocess.PIPE, env=process_env(),
                          cwd=str(ROOT), timeout=60, preexec_fn=lambda: os.close(2))
    assert (proc.returncode, proc.stdout) == (1, b"")


def test_uname_denied_is_survivable(monkeypatch) -> None:
    def denied():
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "uname", denied)
    from hvaudit.sources.system import system_uname

    uname = system_uname()
    assert uname["sysname"] == "Linux" and uname["release"] and uname["machine"]
    report = run_audit(LiveSource())
    assert report.vm is not None


def test_uname_denied_by_seccomp_as_a_process() -> None:
    helper = Path(__file__).with_name("seccomp_exec.py")
    proc = subprocess.run([sys.executable, str(helper), "--deny-uname"] + hvaudit_command() + ["detect"],
                          capture_output=True, env=process_env(), cwd=str(ROOT), timeout=120)
    if proc.returncode == 77:
        pytest.skip("seccomp is not available here")
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stdout.strip() and not proc.stderr, proc.stderr
