"""The in-process CPUID executors: the native System V routine and py-cpuinfo's facility
must give this machine's CPU the same answers (whatever the CPU is)."""

from __future__ import annotations

import os

import pytest

from hvaudit.sources.cpuid import X86_64, CpuidExecutor

pytestmark = pytest.mark.skipif(os.uname().machine not in X86_64, reason="CPUID is an x86 instruction")


def test_native_and_py_cpuinfo_backends_agree() -> None:
    native, fallback = CpuidExecutor(backend="native"), CpuidExecutor(backend="py-cpuinfo")
    if native.unavailable() or fallback.unavailable():
        pytest.skip("CPUID cannot be executed here: %s" % (native.error or fallback.error))
    for leaf in (0x0, 0x80000000, 0x40000000):
        assert native(leaf) == fallback(leaf), hex(leaf)
    vendor = native(0)
    assert vendor is not None and vendor[0] >= 1  # every x86 CPU has at least leaf 1


def test_other_architectures_say_why() -> None:
    executor = CpuidExecutor(machine="aarch64")
    assert executor(0) is None
    assert executor.unavailable().startswith("ENOSYS")
