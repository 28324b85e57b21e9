"""hvaudit run live inside real environments that real software builds here, as root: unshare
(PID, user only, user and PID), bubblewrap, firejail, a chroot with and without /proc, bare runc,
Podman (runc, cgroupfs), Docker (a private daemon), systemd-nspawn and LXC without its init
(lxc-execute). Each has its expected
`detect --json`; what the machine below is (bare metal, which hypervisor) is never asserted,
only the layers these environments add. The tools come from Debian's packages (.ci/run installs
them); a test is skipped only when its tool cannot be found, and says so.

Set HVAUDIT_KEEP_CAPTURES=DIR to keep what `hvaudit collect` saved inside each environment
(fixtures/captures/real-* were made that way)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, Iterator, List, Sequence

import pytest

from .conftest import ROOT, process_env

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                       reason="builds namespaces, chroots and containers: needs root on Linux"),
]

#: What hvaudit needs inside a root file system of its own: the system's programs and
#: libraries, this Python (pyenv or the system's), the virtual environment, the project.
SHARED = sorted({"/usr", sys.base_prefix, sys.prefix, str(ROOT)})
STALE_DOCKERENV = Path("/.dockerenv").exists()
PODMAN = ["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip("%s is not installed (Debian package: see .ci/run)" % name)
    return path


def hvaudit_in(prefix: Sequence[str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([*prefix, sys.executable, "-m", "hvaudit", *args], capture_output=True, text=True,
                          env=process_env(), cwd="/", timeout=300)
    if check:
        assert proc.returncode in (0, 1), proc.stderr
    return proc


def detect_json(prefix: Sequence[str]) -> Dict:
    return json.loads(hvaudit_in(prefix, "detect", "--json").stdout)


def keep_capture(name: str, prefix: Sequence[str], inside: str, outside: Path) -> None:
    """`hvaudit collect` inside the environment; the capture is kept if asked, and its
    verdict must be the live one."""
    hvaudit_in(prefix, "collect", inside)
    from hvaudit.audit import run_audit
    from hvaudit.sources.capture import CaptureSource

    replayed = run_audit(CaptureSource(outside), checks=False)
    live = detect_json(prefix)
    assert (replayed.vm, replayed.container, replayed.chroot) == (live["vm"], live["container"], live["chroot"])
    keep = os.environ.get("HVAUDIT_KEEP_CAPTURES")
    if keep:
        target = Path(keep) / ("real-" + name)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(outside, target, symlinks=True)


def innermost(report: Dict) -> Dict:
    return report["layers"][-1]


def assert_sandbox(report: Dict, tech: str) -> None:
    assert report["container"] == "container-other"
    assert innermost(report)["tech"] == tech
    if STALE_DOCKERENV:  # this machine's image carries one: it is shown, never believed
        assert "container.marker-uncorroborated" in report["findings"]


def test_unshare_pid(tmp_path: Path) -> None:
    prefix = [tool("unshare"), "--pid", "--fork", "--mount-proc"]
    report = detect_json(prefix)
    assert_sandbox(report, "namespace-sandbox")
    assert report["private_users"] is False
    keep_capture("unshare-pid", prefix, str(tmp_path / "c"), tmp_path / "c")


def test_unshare_user_only_is_no_container(tmp_path: Path) -> None:
    prefix = [tool("unshare"), "--user", "--map-root-user"]
    report = detect_json(prefix)
    assert (report["container"], report["private_users"]) == ("none", True)
    assert hvaudit_in(prefix, "detect", "--private-users").returncode == 0
    assert hvaudit_in(prefix, "detect", "--container").stdout.split() == ["none"]


def test_unshare_user_and_pid(tmp_path: Path) -> None:
    prefix = [tool("unshare"), "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"]
    report = detect_json(prefix)
    assert_sandbox(report, "namespace-sandbox")
    assert report["private_users"] is True


def test_bubblewrap(tmp_path: Path) -> None:
    prefix = [tool("bwrap"), "--dev-bind", "/", "/", "--proc", "/proc", "--unshare-pid"]
    assert_sandbox(detect_json(prefix), "bubblewrap")
    keep_capture("bubblewrap", prefix, str(tmp_path / "c"), tmp_path / "c")


def test_firejail(tmp_path: Path) -> None:
    prefix = [tool("firejail"), "--noprofile", "--quiet"]
    assert_sandbox(detect_json(prefix), "firejail")
    keep_capture("firejail", prefix, str(tmp_path / "c"), tmp_path / "c")


@contextlib.contextmanager
def rootfs() -> Iterator[Path]:
    """A root file system of bind mounts (read-only) of what hvaudit needs, and an empty /out."""
    tool("mount")
    base = Path(tempfile.mkdtemp(prefix="hvaudit-rootfs-"))
    mounted: List[Path] = []
    try:
        for name in ("etc", "tmp", "proc", "sys", "dev", "run", "out", "var/tmp"):
            (base / name).mkdir(parents=True, exist_ok=True)
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            if os.path.islink("/" + name):
                os.symlink(os.readlink("/" + name), base / name)
        shutil.copy("/etc/passwd", base / "etc" / "passwd")
        shutil.copy("/etc/group", base / "etc" / "group")
        for path in SHARED:
            target = base / path.lstrip("/")
            if any(str(target).startswith(str(m) + "/") for m in mounted):
                continue
            target.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", "--bind", path, str(target)], check=True)
            mounted.append(target)
            subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
        yield base
    finally:
        for target in reversed(mounted):
            subprocess.run(["umount", "-l", str(target)], check=False)
        if not mounted or all(not os.path.ismount(m) for m in mounted):
            shutil.rmtree(base, ignore_errors=True)


def test_chroot_without_proc_is_unknown() -> None:
    with rootfs() as base:
        prefix = [tool("chroot"), str(base)]
        report = detect_json(prefix)
        assert report["chroot"] is None
        proc = hvaudit_in(prefix, "detect", "--chroot")
        assert proc.returncode == 1
        assert "cannot tell whether this is a chroot" in proc.stderr and "/proc is not mounted" in proc.stderr
        assert "needs root" not in proc.stderr
        keep_capture("chroot-without-proc", prefix, "/out/c", base / "out" / "c")


def test_chroot_with_proc() -> None:
    with rootfs() as base:
        subprocess.run(["mount", "-t", "proc", "proc", str(base / "proc")], check=True)
        try:
            prefix = [tool("chroot"), str(base)]
            report = detect_json(prefix)
            assert report["chroot"] is True  # by PID 1's root, or where that is denied, by the mount table
            assert [layer["kind"] for layer in report["layers"]][-1] == "chroot"
            assert hvaudit_in(prefix, "detect", "--chroot").returncode == 0
            keep_capture("chroot", prefix, "/out/c", base / "out" / "c")
        finally:
            subprocess.run(["umount", "-l", str(base / "proc")], check=False)


def podman_prefix(base: Path) -> List[str]:
    # Root here may lack CAP_SYS_RESOURCE: keep the container's limits within this process's.
    nofile = str(min(4096, os.sysconf("SC_OPEN_MAX")))
    volumes = [arg for path in SHARED for arg in ("-v", "%s:%s:ro" % (path, path))]
    return [*PODMAN, "run", "--rm", "--network=none", "--ulimit", "nofile=%s:%s" % (nofile, nofile),
            "--ulimit", "nproc=4096:4096", "-v", "%s:/out" % (base / "out"), *volumes, "--rootfs", str(base)]


def test_podman(tmp_path: Path) -> None:
    tool("podman")
    tool("runc")
    with rootfs() as base:
        prefix = podman_prefix(base)
        report = detect_json(prefix)
        assert (report["container"], innermost(report)["tech"]) == ("podman", "podman")
        assert "container.marker-uncorroborated" not in report["findings"]
        keep_capture("podman", prefix, "/out/c", base / "out" / "c")


def nspawn_prefix(base: Path, name: str) -> List[str]:
    binds = ["--bind-ro=%s" % path for path in SHARED if path != "/usr"]
    return [tool("systemd-nspawn"), "--quiet", "--register=no", "--keep-unit", "-M", name, "-D", str(base),
            "--bind=%s:/out" % (base / "out"), *binds, "--setenv=PYTHONDONTWRITEBYTECODE=1"]


def test_systemd_nspawn() -> None:
    with rootfs() as base:
        if not (base / "usr/lib/os-release").exists():
            pytest.skip("no /usr/lib/os-release: systemd-nspawn needs an OS tree")
        prefix = nspawn_prefix(base, "hvaudit-test")
        report = detect_json(prefix)
        assert (report["container"], innermost(report)["tech"]) == ("systemd-nspawn", "systemd-nspawn")
        assert "container.marker-uncorroborated" not in report["findings"]
        keep_capture("systemd-nspawn", prefix, "/out/c", base / "out" / "c")


def test_lxc_execute(tmp_path: Path) -> None:
    """LXC started without its init is still LXC, found from LXC's own traces."""
    tool("lxc-execute")
    with rootfs() as base:
        config = tmp_path / "config"
        config.write_text("lxc.uts.name = hvaudit-test\nlxc.rootfs.path = dir:%s\nlxc.net.0.type = empty\n"
                          "lxc.apparmor.profile = unconfined\nlxc.mount.auto = proc:mixed sys:ro\n"
                          "lxc.mount.entry = %s out none bind 0 0\n" % (base, base / "out"))
        prefix = ["lxc-execute", "-n", "hvaudit-test", "-P", str(tmp_path), "-f", str(config), "--"]
        report = detect_json(prefix)
        assert (report["container"], innermost(report)["tech"]) == ("lxc", "lxc")
        keep_capture("lxc-execute", prefix, "/out/c", base / "out" / "c")


def runc_bundle(base: Path, bundle: Path, args: Sequence[str]) -> None:
    """runc's own default spec (`runc spec`), run on the shared root with /out writable."""
    bundle.mkdir(exist_ok=True)
    (bundle / "config.json").unlink(missing_ok=True)
    subprocess.run([tool("runc"), "spec", "--bundle", str(bundle)], check=True)
    spec = json.loads((bundle / "config.json").read_text())
    spec["root"] = {"path": str(base), "readonly": True}
    spec["process"].update(terminal=False, args=list(args), cwd="/")
    spec["mounts"].append({"destination": "/out", "type": "bind", "source": str(base / "out"),
                           "options": ["rbind", "rw"]})
    (bundle / "config.json").write_text(json.dumps(spec))


def test_bare_runc(tmp_path: Path) -> None:
    """An OCI runtime without an engine: runc's masked files tell it, nothing names an engine."""
    tool("runc")
    with rootfs() as base:
        def run_in(*args: str) -> subprocess.CompletedProcess:
            name = "hvaudit-test-%d" % os.getpid()
            runc_bundle(base, tmp_path / "bundle", [sys.executable, "-m", "hvaudit", *args])
            return subprocess.run(["runc", "run", "--bundle", str(tmp_path / "bundle"), name],
                                  capture_output=True, text=True, env=process_env(), timeout=300)

        report = json.loads(run_in("detect", "--json").stdout)
        assert (report["container"], innermost(report)["tech"]) == ("container-other", "oci")
        run_in("collect", "/out/c")
        from hvaudit.audit import run_audit
        from hvaudit.sources.capture import CaptureSource

        assert run_audit(CaptureSource(base / "out" / "c"), checks=False).layers[-1].tech == "oci"
        keep = os.environ.get("HVAUDIT_KEEP_CAPTURES")
        if keep:
            shutil.rmtree(Path(keep) / "real-runc", ignore_errors=True)
            shutil.copytree(base / "out" / "c", Path(keep) / "real-runc", symlinks=True)


@contextlib.contextmanager
def docker_daemon() -> Iterator[List[str]]:
    """A private dockerd (own data root, socket and containerd; no bridge, no iptables rules),
    stopped and removed afterwards; yields the client command that talks to it."""
    dockerd, client = tool("dockerd"), tool("docker")
    base = Path(tempfile.mkdtemp(prefix="hvaudit-docker-"))
    socket = base / "sock"
    log = (base / "log").open("wb")
    daemon = subprocess.Popen([dockerd, "--data-root", str(base / "data"), "--exec-root", str(base / "exec"),
                               "--pidfile", str(base / "pid"), "-H", "unix://%s" % socket, "--bridge=none",
                               "--iptables=false", "--ip6tables=false", "--ip-masq=false",
                               "--exec-opt", "native.cgroupdriver=cgroupfs"], stdout=log, stderr=log)
    command = [client, "-H", "unix://%s" % socket]
    try:
        for _ in range(60):
            if daemon.poll() is not None:
                pytest.fail("dockerd stopped: %s" % (base / "log").read_text()[-2000:])
            if subprocess.run([*command, "info"], capture_output=True).returncode == 0:
                break
            time.sleep(0.5)
        else:
            pytest.fail("dockerd did not answer in 30 s")
        yield command
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def test_docker(tmp_path: Path) -> None:
    """Docker, from an image imported here (no registry is needed): /.dockerenv is corroborated
    by Docker's own traces (hostname, hosts, resolv.conf from containers/<id>/, overlay2)."""
    image = tmp_path / "image"
    for name in ("etc", "tmp", "out", "proc", "sys", "dev"):
        (image / name).mkdir(parents=True)
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        if os.path.islink("/" + name):
            os.symlink(os.readlink("/" + name), image / name)
    shutil.copy("/etc/passwd", image / "etc" / "passwd")
    out = tmp_path / "out"
    out.mkdir()
    with docker_daemon() as docker:
        tar = subprocess.run(["tar", "-C", str(image), "-c", "."], capture_output=True, check=True).stdout
        subprocess.run([*docker, "import", "-", "hvaudit-test:latest"], input=tar, capture_output=True, check=True)
        volumes = [arg for path in SHARED for arg in ("-v", "%s:%s:ro" % (path, path))]
        prefix = [*docker, "run", "--rm", "--network=none", "-v", "%s:/out" % out, *volumes, "hvaudit-test"]
        report = detect_json(prefix)
        assert (report["container"], innermost(report)["tech"]) == ("docker", "docker")
        assert "container.marker-uncorroborated" not in report["findings"]
        keep_capture("docker", prefix, "/out/c", out / "c")
