"""An audit changes nothing on the machine it audits: no kernel-log record, no mount, no
file, no process left. Asserted on this machine as root (where an audit does the most:
both user-namespace trials, the KVM API, MSRs), whatever the machine is."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest

from .conftest import ROOT, process_env

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                       reason="needs root on Linux: an audit as root does the most"),
]

#: Folders where a stray file would land: the usual scratch places and run-time state.
WATCHED = ("/tmp", "/var/tmp", "/run", "/dev/shm")
#: Other test runs on a shared machine can write to the kernel log meanwhile; a record is
#: blamed on the audit only if it appears on every try.
TRIES = 3


def kmsg_records() -> List[Tuple[int, str]]:
    """(sequence number, text) of every record /dev/kmsg still holds, read non-blocking."""
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    out: List[Tuple[int, str]] = []
    try:
        while True:
            try:
                record = os.read(fd, 8192)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # overwritten while reading: go on
                    continue
                raise
            prefix, _, text = record.partition(b";")
            out.append((int(prefix.split(b",")[1]), text.decode("utf-8", "replace").strip()))
    finally:
        os.close(fd)
    return out


def last_sequence() -> int:
    records = kmsg_records()
    return records[-1][0] if records else -1


def mount_tables() -> Dict[str, List[str]]:
    out = {}
    for path in ("/proc/self/mountinfo", "/proc/1/mountinfo"):
        # Mount ids and the optional fields change with others' mounts; compare what is mounted where.
        lines = Path(path).read_text().splitlines()
        out[path] = sorted(" ".join(line.split()[3:5]) + " " + line.partition(" - ")[2] for line in lines)
    return out


def listing(folders: Tuple[str, ...]) -> Set[str]:
    names = set()
    for folder in folders:
        with contextlib.suppress(OSError):
            names.update(folder + "/" + name for name in os.listdir(folder))
    return names


def processes_with(token: str) -> List[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if token.encode() in Path("/proc/%s/environ" % entry).read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
    return found


def audit_once(cwd: str, token: str) -> None:
    env = dict(process_env(), HVAUDIT_TRACE_TOKEN=token, TMPDIR=cwd)
    proc = subprocess.run([sys.executable, "-m", "hvaudit", "audit", "--format", "json"], cwd=cwd, env=env,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")


def trace_of_one_audit() -> Optional[str]:
    """What one audit left, or None."""
    with tempfile.TemporaryDirectory() as cwd:
        token = uuid.uuid4().hex
        watched = WATCHED + (cwd, str(ROOT))
        seq, mounts, files = last_sequence(), mount_tables(), listing(watched)
        audit_once(cwd, token)
        new_records = [text for number, text in kmsg_records() if number > seq]
        if new_records:
            return "kernel log: %r" % new_records[:8]
        if mount_tables() != mounts:
            return "mounts changed"
        added = listing(watched) - files
        if added:
            return "files: %r" % sorted(added)
        left = processes_with(token)
        if left:
            return "processes left: %r" % left
    return None


def test_an_audit_leaves_no_trace() -> None:
    if not os.access("/dev/kmsg", os.R_OK):
        pytest.skip("/dev/kmsg is not readable here")
    traces = []
    for _ in range(TRIES):
        trace = trace_of_one_audit()
        if trace is None:
            return
        traces.append(trace)
    pytest.fail("every audit left a trace: %s" % "; ".join(traces))

