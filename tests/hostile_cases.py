"""Broken and hostile captures, and what hvaudit must do with each.

Captures arrive attached to tickets: whoever made one may have broken it by accident
(truncated, copied without links, unpacked on another file system) or on purpose (links
out of the capture, FIFOs that block a reader, device nodes, files of hundreds of MB,
names with control characters). Every case here gives either a one-line error and exit
code 2, or a degraded audit (exit 0) whose `capture.damaged` finding lists the damage.

Each case is a function that builds the capture in an empty folder, and an expected
outcome, the same shape as `fixtures/hostile/<case>/expected.json`:

    {"exit": 2, "stderr": "unsupported format"}
    {"exit": 0, "findings": ["capture.damaged"], "damage": ["symbolic link"], "vm": "kvm"}

`stderr`: text the one-line error holds; `findings`: finding ids the report holds;
`damage`: text the capture.damaged finding holds; `vm`: the verdict that must survive;
`stdout_excludes`: text that must appear in no output (a planted secret, an escape).

Cases git can store are kept under fixtures/hostile/ (`python -m tests.hostile_cases
fixtures/hostile` writes them again); the others (FIFOs, device nodes, links, huge sparse
files, names git cannot hold) are built by the tests in a temporary folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional

FORMAT = "hvaudit-capture/1"
#: Planted in files that hvaudit must never read; no output may hold it.
CANARY = "CANARY-0f4c2a-must-never-be-read"

KVM_SIGNATURE = [0x40000001, 0x4B4D564B, 0x564B4D56, 0x0000004D]  # "KVMKVMKVM\0\0\0"
HYPERVISOR_BIT = [0x000306A9, 0, 0x80000000, 0]


def base_document() -> Dict[str, Any]:
    return {
        "format": FORMAT,
        "captured_at": "2026-11-27T01:00:00Z",
        "hvaudit_version": "0.1.0",
        "user": {"uid": 0, "euid": 0},
        "uname": {"sysname": "Linux", "release": "6.1.0", "version": "#1 SMP", "machine": "x86_64"},
        "cpuid": {"0x1": HYPERVISOR_BIT, "0x40000000": KVM_SIGNATURE},
        "links": {"/proc/self/ns/pid": "pid:[4026531836]", "/proc/self/ns/user": "user:[4026531837]"},
    }


BASE_FILES: Dict[str, bytes] = {
    "proc/cpuinfo": b"processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme hypervisor\n\n",
    "proc/self/status": b"Name:\tpython3\nTracerPid:\t0\n",
    "proc/self/cgroup": b"0::/\n",
    "proc/self/mountinfo": b"22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n",
    "proc/self/uid_map": b"         0          0 4294967295\n",
    "proc/2/comm": b"kthreadd\n",
    "sys/bus/pci/devices/0000:00:01.0/vendor": b"0x1af4\n",
}


def write_base(folder: Path, document: Optional[Dict[str, Any]] = None,
               files: Optional[Dict[str, bytes]] = None) -> None:
    """A small, valid capture of a KVM guest."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "capture.json").write_text(json.dumps(document or base_document(), indent=1) + "\n")
    for name, data in {**BASE_FILES, **(files or {})}.items():
        path = folder / "root" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def replace(path: Path) -> Path:
    """Make room for something else at `path`."""
    if path.is_dir() and not path.is_symlink():
        for child in sorted(path.rglob("*"), reverse=True):
            child.rmdir() if child.is_dir() and not child.is_symlink() else child.unlink()
        path.rmdir()
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class Case(NamedTuple):
    name: str
    doc: str  # what it models
    build: Callable[[Path], None]  # builds the capture in an empty folder
    expected: Dict[str, Any]
    stored: bool = False  # kept in fixtures/hostile/ (git can hold it)
    needs_root: bool = False  # mknod


CASES: List[Case] = []


def case(name: str, expected: Dict[str, Any], stored: bool = False, needs_root: bool = False) -> Callable:
    def register(build: Callable[[Path], None]) -> Callable[[Path], None]:
        CASES.append(Case(name, (build.__doc__ or "").strip(), build, expected, stored, needs_root))
        return build

    return register


DAMAGED = {"exit": 0, "findings": ["capture.damaged"]}


def damaged(*texts: str, **more: Any) -> Dict[str, Any]:
    return {**DAMAGED, "damage": list(texts), **more}


# -- capture.json --------------------------------------------------------------------------
@case("no-capture-json", {"exit": 2, "stderr": "has no capture.json"}, stored=True)
def _no_capture_json(folder: Path) -> None:
    """A folder with root/ but no capture.json: not a capture."""
    write_base(folder)
    (folder / "capture.json").unlink()


@case("truncated-json", {"exit": 2, "stderr": "is not valid JSON"}, stored=True)
def _truncated_json(folder: Path) -> None:
    """capture.json cut short in transfer."""
    write_base(folder)
    text = (folder / "capture.json").read_text()
    (folder / "capture.json").write_text(text[:len(text) // 2])


@case("unknown-format-version", {"exit": 2, "stderr": "unsupported format"}, stored=True)
def _unknown_version(folder: Path) -> None:
    """A capture of a later format version that this hvaudit cannot read."""
    write_base(folder, {**base_document(), "format": "hvaudit-capture/2"})


@case("format-missing", {"exit": 2, "stderr": "unsupported format missing"}, stored=True)
def _format_missing(folder: Path) -> None:
    """capture.json without its one required key."""
    document = base_document()
    del document["format"]
    write_base(folder, document)


@case("json-not-an-object", {"exit": 2, "stderr": "is not a JSON object"}, stored=True)
def _json_array(folder: Path) -> None:
    """capture.json holding a JSON array."""
    write_base(folder)
    (folder / "capture.json").write_text('["hvaudit-capture/1"]\n')


@case("binary-capture-json", {"exit": 2, "stderr": "not UTF-8"}, stored=True)
def _binary_json(folder: Path) -> None:
    """capture.json replaced by binary garbage (invalid UTF-8)."""
    write_base(folder)
    (folder / "capture.json").write_bytes(bytes(range(256)) * 4)


@case("deeply-nested-json", {"exit": 2, "stderr": "nested too deeply"}, stored=True)
def _deep_json(folder: Path) -> None:
    """Valid JSON nested 100,000 deep: a parser that recurses must not crash."""
    write_base(folder)
    (folder / "capture.json").write_text('{"format": "hvaudit-capture/1", "user": %s%s}\n'
                                         % ("[" * 100000, "]" * 100000))


@case("capture-json-is-a-folder", {"exit": 2, "stderr": "is not a regular file"}, stored=True)
def _json_folder(folder: Path) -> None:
    """A folder named capture.json."""
    write_base(folder)
    replace(folder / "capture.json").mkdir()
    (folder / "capture.json" / ".keep").write_bytes(b"")


@case("wrong-types", damaged("not a JSON dict", "CPUID entries are malformed", "'user'"), stored=True)
def _wrong_types(folder: Path) -> None:
    """Every key of capture.json with a value of the wrong type, and huge numbers."""
    write_base(folder, {
        "format": FORMAT, "captured_at": 5, "user": {"uid": "root", "euid": [0]}, "uname": ["Linux"],
        "cpuid": {"0x1": "hypervisor", "zz": [1, 2, 3, 4], "0x40000000": [1, 2, 3, True], "0x2": [1e308, 0, 0, 0],
                  "0x3": [2 ** 80, 0, 0, 0], "0x4": None},
        "links": 5, "devices": {"/dev/kvm": {"caps": 5, "open": [], "type": 7}, "/dev/x": "char"},
        "errors": {"/proc/cpuinfo": 13, "/proc/1/environ": ["EACCES"]}, "stats": {"/": {"dev": "x"}, "/x": []},
        "msr": {"0:0x3a": {"value": "x", "error": 5}, "bad": 1}, "unread": [1, None, "/x"],
    })


@case("escape-sequences", {"exit": 0, "stdout_excludes": ["\x1b"]}, stored=True)
def _escapes(folder: Path) -> None:
    """Terminal escape sequences in capture.json and in files: never printed raw."""
    esc = "\x1b]0;owned\x07\x1b[2J\x1b[31m"
    document = base_document()
    document["uname"]["release"] = "6.1.0-microsoft-standard" + esc
    document["errors"] = {"/proc/1/environ": "EACCES" + esc, "cpuid": "EPERM: " + esc}
    document["links"]["/proc/self/ns/uts"] = "uts:[1]" + esc
    write_base(folder, document, {
        "proc/cpuinfo": ("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: QEMU Virtual CPU %s\n"
                         "flags\t\t: fpu hypervisor\n" % esc).encode(),
        "run/systemd/container": ("docker" + esc).encode(),
        "proc/self/cgroup": ("0::/docker/%s%s\n" % ("a" * 64, esc)).encode(),
    })


# -- root/ -----------------------------------------------------------------------------------
@case("garbage-root-files", {"exit": 0, "vm": "kvm"}, stored=True)
def _garbage(folder: Path) -> None:
    """Binary garbage and invalid UTF-8 in every file the probes parse: the audit goes on."""
    garbage = bytes(range(256)) * 8 + b"\xff\xfe\xc3\x28\xa0\xa1\n: - \\777 \x00\x00"
    files = {name: garbage for name in (
        "proc/cpuinfo", "proc/self/status", "proc/self/cgroup", "proc/self/mountinfo", "proc/self/uid_map",
        "proc/self/environ", "proc/1/environ", "proc/2/comm", "proc/version", "proc/sys/kernel/osrelease",
        "sys/class/dmi/id/sys_vendor", "sys/class/dmi/id/product_name", "sys/firmware/dmi/entries/0-0/raw",
        "sys/firmware/acpi/tables/FACP", "sys/firmware/acpi/tables/DSDT", "sys/hypervisor/type",
        "sys/hypervisor/uuid", "sys/hypervisor/properties/features",
        "sys/devices/system/clocksource/clocksource0/available_clocksource", "proc/sysinfo",
        "proc/device-tree/compatible",
        "run/systemd/container", "sys/bus/pci/devices/0000:00:01.0/vendor")}
    files["proc/cpuinfo"] = b"flags\t: hypervisor\n" + garbage
    write_base(folder, files=files)
    (folder / "commands").mkdir()
    (folder / "commands" / "dmidecode.txt").write_bytes(b"Handle 0x0001, DMI type 1, 27 bytes\n" + garbage)


@case("folder-where-file-belongs", damaged("is a folder where a file was expected"), stored=True)
def _folder_for_file(folder: Path) -> None:
    """root/proc/cpuinfo is a folder."""
    write_base(folder)
    replace(folder / "root" / "proc" / "cpuinfo").mkdir()
    (folder / "root" / "proc" / "cpuinfo" / ".keep").write_bytes(b"")


@case("root-missing", damaged("root/ is missing"), stored=True)
def _root_missing(folder: Path) -> None:
    """capture.json alone: every file is unknown, CPUID still answers."""
    write_base(folder)
    replace(folder / "root")


@case("root-is-a-file", damaged("root/ is not a folder"), stored=True)
def _root_file(folder: Path) -> None:
    """root is a regular file."""
    write_base(folder)
    replace(folder / "root").write_bytes(b"not a folder\n")


# -- what git cannot store: built in a temporary folder -------------------------------------------
@case("fifo-in-root", damaged("root/proc/cpuinfo is not a regular file"))
def _fifo(folder: Path) -> None:
    """A named pipe where /proc/cpuinfo belongs: opening or reading it would block forever."""
    write_base(folder)
    os.mkfifo(replace(folder / "root" / "proc" / "cpuinfo"))
    os.mkfifo(replace(folder / "root" / "proc" / "self" / "mountinfo"))


@case("device-nodes-in-root", damaged("is not a regular file"), needs_root=True)
def _devices(folder: Path) -> None:
    """Device nodes (/dev/zero's and /dev/tty's numbers) where files belong."""
    import stat

    write_base(folder)
    os.mknod(replace(folder / "root" / "proc" / "cpuinfo"), 0o644 | stat.S_IFCHR, os.makedev(1, 5))
    os.mknod(replace(folder / "root" / "proc" / "self" / "status"), 0o644 | stat.S_IFCHR, os.makedev(5, 0))
    os.mknod(replace(folder / "root" / "proc" / "self" / "cgroup"), 0o644 | stat.S_IFBLK, os.makedev(7, 0))


@case("fifo-as-capture-json", {"exit": 2, "stderr": "is not a regular file"})
def _fifo_json(folder: Path) -> None:
    """capture.json is a named pipe."""
    write_base(folder)
    os.mkfifo(replace(folder / "capture.json"))


@case("link-to-secret", damaged("symbolic link; not followed", stdout_excludes=[CANARY]))
def _link_secret(folder: Path) -> None:
    """Links out of the capture: to /etc/shadow, and to a file holding a planted secret."""
    write_base(folder)
    secret = folder.parent / (folder.name + "-secret")
    secret.write_text("flags\t: hypervisor %s\nTracerPid:\t1\n%s\n" % (CANARY, CANARY))
    os.symlink("/etc/shadow", replace(folder / "root" / "proc" / "cpuinfo"))
    os.symlink(str(secret), replace(folder / "root" / "proc" / "self" / "status"))
    os.symlink("../../../" + folder.name + "-secret", replace(folder / "root" / "proc" / "self" / "cgroup"))


@case("link-to-live-proc", damaged("root/proc is a symbolic link"))
def _link_proc(folder: Path) -> None:
    """root/proc is a link to the live /proc: the audit must not describe this machine."""
    write_base(folder)
    os.symlink("/proc", replace(folder / "root" / "proc"))
    os.symlink("/sys", replace(folder / "root" / "sys"))


@case("link-loop", damaged("symbolic link"))
def _loop(folder: Path) -> None:
    """Links that point at each other, as files and as folders."""
    write_base(folder)
    proc = folder / "root" / "proc"
    os.symlink("loop-b", proc / "loop-a")
    os.symlink("loop-a", proc / "loop-b")
    os.symlink("loop-a", replace(proc / "cpuinfo"))
    os.symlink("self", replace(proc / "self" / "self"))
    os.symlink(".", replace(folder / "root" / "sys" / "bus" / "pci" / "devices" / "0000:00:02.0"))


@case("capture-json-is-a-link", {"exit": 2, "stderr": "is a symbolic link"})
def _json_link(folder: Path) -> None:
    """capture.json is a link (to a valid document outside the capture)."""
    write_base(folder)
    outside = folder.parent / (folder.name + "-doc.json")
    outside.write_text(json.dumps(base_document()))
    os.symlink(str(outside), replace(folder / "capture.json"))


@case("root-is-a-link", damaged("root/ is a symbolic link"))
def _root_link(folder: Path) -> None:
    """root is a link to a folder beside the capture."""
    write_base(folder)
    (folder / "root").rename(folder.parent / (folder.name + "-root"))
    os.symlink("../%s-root" % folder.name, folder / "root")


@case("commands-is-a-link", damaged("commands/ is a symbolic link", stdout_excludes=[CANARY]))
def _commands_link(folder: Path) -> None:
    """commands/ is a link to a folder with a planted dmidecode output."""
    write_base(folder)
    outside = folder.parent / (folder.name + "-commands")
    outside.mkdir()
    (outside / "dmidecode.txt").write_text("Handle 0x0001, DMI type 1, 27 bytes\nSystem Information\n"
                                           "\tManufacturer: %s\n\tProduct Name: %s\n" % (CANARY, CANARY))
    os.symlink(str(outside), folder / "commands")


@case("huge-sparse-file", damaged("larger than any file hvaudit captures"))
def _huge(folder: Path) -> None:
    """A 300 MB /proc/cpuinfo (sparse): not minutes, not gigabytes."""
    write_base(folder)
    with open(replace(folder / "root" / "proc" / "cpuinfo"), "wb") as f:
        f.truncate(300 << 20)
    with open(replace(folder / "root" / "proc" / "self" / "mountinfo"), "wb") as f:
        f.write(b"22 1 254:0 / / rw - ext4 /dev/vda rw\n" * 200000)  # 7.6 MB, above the probe's limit


@case("huge-capture-json", {"exit": 2, "stderr": "larger than 16 MiB"})
def _huge_json(folder: Path) -> None:
    """A 64 MB capture.json (sparse)."""
    write_base(folder)
    with open(folder / "capture.json", "r+b") as f:
        f.truncate(64 << 20)


@case("hostile-names", damaged("a name that no machine shows"))
def _names(folder: Path) -> None:
    """Names with a newline, an escape sequence and bytes that are not UTF-8."""
    write_base(folder)
    devices = folder / "root" / "sys" / "bus" / "pci" / "devices"
    for name in (b"bad\nname", b"\x1b[31mred", b"\xff\xfe-not-utf8"):
        path = os.path.join(os.fsencode(devices), name)
        os.mkdir(path)
        with open(os.path.join(path, b"vendor"), "wb") as f:
            f.write(b"0x15ad\n")


@case("many-names", damaged("names; the rest were ignored"))
def _many(folder: Path) -> None:
    """A folder with 9,000 entries (hvaudit reads 8,192 names of one folder at most)."""
    write_base(folder)
    devices = folder / "root" / "sys" / "bus" / "pci" / "devices"
    for i in range(9000):
        (devices / ("0001:%02x:%02x.%x" % (i >> 8 & 0xFF, i & 0xFF, i >> 16))).write_bytes(b"")


@case("not-a-folder", {"exit": 2, "stderr": "not a capture folder"})
def _not_folder(folder: Path) -> None:
    """The path given is a regular file (replaced in place of the folder)."""
    folder.rmdir() if folder.is_dir() else None
    folder.write_text("{}\n")


@case("fifo-as-capture-path", {"exit": 2, "stderr": "not a capture folder"})
def _fifo_path(folder: Path) -> None:
    """The path given is a named pipe."""
    folder.rmdir() if folder.is_dir() else None
    os.mkfifo(folder)


@case("missing-path", {"exit": 2, "stderr": "capture not found"})
def _missing(folder: Path) -> None:
    """The path given does not exist."""
    folder.rmdir() if folder.is_dir() else None


@case("capture-path-is-a-link", {"exit": 0, "vm": "kvm", "findings_absent": ["capture.damaged"]})
def _path_link(folder: Path) -> None:
    """The path given is a link to a valid capture: the user named it, so it is followed."""
    real = folder.parent / (folder.name + "-real")
    write_base(real)
    folder.rmdir() if folder.is_dir() else None
    os.symlink(str(real), folder)


def build(item: Case, parent: Path) -> Path:
    """Build one case as parent/<name> and return its path."""
    folder = parent / item.name
    folder.mkdir(parents=True)
    item.build(folder)
    return folder


def write_stored(target: Path) -> None:
    """Write the cases git can store as fixtures/hostile/<case>/ with expected.json and SOURCE.md."""
    for item in CASES:
        if not item.stored:
            continue
        folder = target / item.name
        capture = folder
        if folder.exists():
            raise SystemExit("%s exists; remove it first" % folder)
        build(item, target)
        (capture / "expected.json").write_text(json.dumps(item.expected, indent=1) + "\n")
        (capture / "SOURCE.md").write_text("Source: hand-made by tests/hostile_cases.py (%s).\n\n%s\n"
                                           % (item.name, item.doc))


if __name__ == "__main__":
    write_stored(Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures/hostile"))
