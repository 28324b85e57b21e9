"""The kernel log, as far as it concerns virtualization: read from /dev/kmsg, or filtered
from what `dmesg` printed where that node is missing (some containers)."""

from __future__ import annotations

import errno
import os
import time

from ..errors import errname
from ..model import Read
from . import DEFAULT_LIMIT

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List

#: The kernel log is read for at most this long and this many bytes (it is a ring buffer
#: of a few hundred KiB to a few MiB).
KMSG_TIMEOUT = 2.0
KMSG_LIMIT = 16 << 20


def read_kmsg(where: str) -> Read:
    """The kernel's messages from /dev/kmsg (as `dmesg -k` prints them), keeping only the
    lines that concern virtualization. Reading needs CAP_SYSLOG when kernel.dmesg_restrict=1
    (EPERM otherwise); the ring buffer may have lost its oldest lines on a long-running host.
    The device gives one record per read; a record is parsed only when it holds a keyword."""
    from ..parsers.kmsg import format_line, parse_kmsg_record, records_with_keywords, relevant_lines

    try:
        fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return Read(where, error=errname(exc))
    records: List[bytes] = []
    total = 0
    deadline = time.monotonic() + KMSG_TIMEOUT
    try:
        while total < KMSG_LIMIT:
            try:
                record = os.read(fd, 8192)
            except BlockingIOError:
                break  # the end of the buffer
            except OSError as exc:
                if exc.errno == errno.EPIPE:
                    continue  # a record was overwritten while reading: skip it
                if not records:
                    return Read(where, error=errname(exc))
                break
            if not record:
                break
            total += len(record)
            records.append(record)
            if not len(records) % 256 and time.monotonic() > deadline:
                break
    finally:
        os.close(fd)
    lines = []
    for record in records_with_keywords(records):
        parsed = parse_kmsg_record(record)
        if parsed is not None and parsed[0] == 0:  # facility 0: the kernel's own messages
            lines.append(format_line(parsed[1], parsed[2]))
    return Read(where, data="".join(line + "\n" for line in relevant_lines(lines)).encode())


def from_dmesg(where: str, output: bytes) -> Read:
    """What `dmesg` printed, kept to the lines that concern virtualization (as read_kmsg)."""
    from ..parsers.kmsg import relevant_lines

    lines = relevant_lines(output[:4 * DEFAULT_LIMIT].decode("utf-8", "replace").splitlines())
    return Read(where, data="".join(line + "\n" for line in lines).encode())
