"""Run a command under a seccomp filter that denies what hardened hosts deny, for tests.

`python tests/seccomp_exec.py CMD...` installs (x86-64 only) a filter that answers EPERM
to mprotect(..., PROT_EXEC) (no executable memory: SELinux execmem, PaX MPROTECT) and to
readlink/readlinkat (some sandboxes hide namespace links), then executes CMD; the filter
is inherited across execve. With `--deny-uname` first, the filter denies uname(2) only
(as some container profiles do). Exits 77 where seccomp cannot be used here."""

from __future__ import annotations

import ctypes
import os
import platform
import struct
import sys

AUDIT_ARCH_X86_64 = 0xC000003E
NR_MPROTECT, NR_READLINK, NR_READLINKAT, NR_UNAME = 10, 89, 267, 63
PROT_EXEC = 4
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | 1
LD_ABS, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06


def program() -> bytes:
    """seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8 i (low word first)."""
    code = [
        (LD_ABS, 0, 0, 4),
        (JEQ, 0, 8, AUDIT_ARCH_X86_64),  # another ABI: allow (to 10)
        (LD_ABS, 0, 0, 0),
        (JEQ, 7, 0, NR_READLINK),  # to 11: deny
        (JEQ, 6, 0, NR_READLINKAT),  # to 11: deny
        (JEQ, 0, 4, NR_MPROTECT),  # not mprotect: allow (to 10)
        (LD_ABS, 0, 0, 32),  # args[2]: prot
        (JSET, 3, 0, PROT_EXEC),  # to 11: deny
        (RET, 0, 0, RET_ALLOW),
        (RET, 0, 0, RET_ALLOW),
        (RET, 0, 0, RET_ALLOW),
        (RET, 0, 0, RET_EPERM),
    ]
    return b"".join(struct.pack("=HBBI", *insn) for insn in code)


def uname_program() -> bytes:
    code = [
        (LD_ABS, 0, 0, 4),
        (JEQ, 0, 3, AUDIT_ARCH_X86_64),  # another ABI: allow
        (LD_ABS, 0, 0, 0),
        (JEQ, 0, 1, NR_UNAME),
        (RET, 0, 0, RET_EPERM),
        (RET, 0, 0, RET_ALLOW),
    ]
    return b"".join(struct.pack("=HBBI", *insn) for insn in code)


def main(argv: list) -> None:
    deny_uname = argv[:1] == ["--deny-uname"]
    argv = argv[1:] if deny_uname else argv
    if platform.machine() != "x86_64" or not argv:
        sys.exit(77)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    filters = ctypes.create_string_buffer(uname_program() if deny_uname else program())
    fprog = struct.pack("=HxxxxxxQ", len(filters.raw) // 8, ctypes.addressof(filters))
    buffer = ctypes.create_string_buffer(fprog)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.prctl(
            PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(buffer), 0, 0) != 0:
        sys.exit(77)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
