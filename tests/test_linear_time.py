"""Time grows linearly with input: every parser, filter and escaper that reads capture or
machine text is fed long runs of whitespace, word characters and separators (the inputs
that make a backtracking regular expression or a repeated string copy quadratic).

Each is timed (processor time, the best of a few runs, so that a busy machine does not
count) on an input and on one 8 times larger of the same shape, and the larger may cost at
most BOUND times more: a linear parser costs about 8 times more, a quadratic one 64 times.
A shape that looks slow is measured again before it fails the test. The measurement runs
in a child process with a timeout, so a super-linear parser fails instead of hanging the
suite.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Callable, Dict, List, Tuple

import pytest

from hvaudit.parsers import (
    cgroups,
    cpuinfo,
    dmesg,
    dmidecode,
    ids,
    kconfig,
    kenv,
    kmod,
    kmsg,
    processes,
    procfs,
    sysctl,
    windows,
)
from hvaudit.privacy import filter_command, filter_read
from hvaudit.probes.container import has_token
from hvaudit.redact import Redactor
from hvaudit.report import markdown, view
from hvaudit.report.json_report import visible_json

SMALL = 10_000
LARGE = 80_000
#: The larger input may cost this many times the smaller: linear is about 8 (a little more as
#: the larger leaves the caches), quadratic 64.
BOUND = 24
#: What a line may start with, so that each parser gets past its first test into the
#: branches that do the work (a key, an indented feature line, a dmidecode field...).
PREFIXES = ("", "CPU: x\n ", "CPU: x\n  Features2=0x1<", "\tSerial Number: ", "kern.x: ", "smbios.system.serial=\"",
            "Handle 0x0001, DMI type 11, 5 bytes\nOEM Strings\n\tString 1: ", "Hypervisor: Origin = \"",
            "[  ", "6,1,2,-;kvm: ", "/lxc.payload.", "/machine.slice/machine-", "kubepods-pod", "a@www")
#: What is repeated: runs of whitespace, word characters, digits and separators, alone
#: and mixed.
ATOMS = (" ", "\n", "a", "\na", "f", ":", "=", ",", "/", "<", "\"", "a ", "\n ", "0-", "a:", "\\0", "a@b.", "_\t")

PARSERS: Dict[str, Callable[[str], object]] = {
    "dmesg.parse_boot_cpu": dmesg.parse_boot_cpu,
    "sysctl.parse_sysctl": sysctl.parse_sysctl,
    "kenv.parse_kenv": kenv.parse_kenv,
    "kconfig.parse_kconfig": kconfig.parse_kconfig,
    "kmsg.relevant_lines": lambda t: kmsg.relevant_lines(t.splitlines()),
    "kmsg.message": kmsg.message,
    "kmsg.parse_kmsg_record": lambda t: kmsg.parse_kmsg_record(t.encode("utf-8", "surrogateescape")),
    "dmidecode.parse_dmidecode": dmidecode.parse_dmidecode,
    "cpuinfo.parse_cpuinfo": cpuinfo.parse_cpuinfo,
    "procfs.parse_status": procfs.parse_status,
    "procfs.parse_cgroup": procfs.parse_cgroup,
    "procfs.parse_mountinfo": procfs.parse_mountinfo,
    "procfs.parse_environ": lambda t: procfs.parse_environ(t.encode()),
    "procfs.parse_ns_link": procfs.parse_ns_link,
    "procfs.parse_id_map": procfs.parse_id_map,
    "procfs.parse_hex_mask": procfs.parse_hex_mask,
    "ids.parse_subid": ids.parse_subid,
    "kmod.parse_param_bool": kmod.parse_param_bool,
    "processes.parse_process_counts": processes.parse_process_counts,
    "cgroups.parse_proc_cgroups": cgroups.parse_proc_cgroups,
    "windows.parse_systeminfo": windows.parse_systeminfo,
    "windows.parse_wsl_list": windows.parse_wsl_list,
    "windows.parse_cim_json": windows.parse_cim_json,
    "privacy.filter_read": lambda t: [filter_read(p, t.encode()) for p in ("/proc/cmdline", "/var/run/dmesg.boot",
                                                                           "/proc/1/environ")],
    "privacy.filter_command": lambda t: [filter_command(n, t.encode()) for n in ("kenv", "systeminfo")],
    "container.has_token": lambda t: [has_token(t, token, True) for token in ("docker-", "a", "/")],
    "redact.learn_and_apply": lambda t: _redact(t),
    "markdown.text": markdown.text,
    "markdown.code": markdown.code,
    "view.shown": view.shown,
    "json_report.visible_json": visible_json,
}


def _redact(text: str) -> str:
    redactor = Redactor("node-1")
    redactor.learn_text(text, "/sys/class/dmi/id/product_serial")
    redactor.learn_text(text)
    return redactor.text(text) + redactor.data(text.encode(), "/proc/self/cgroup").decode("utf-8", "replace")


def _shaped(prefix: str, atom: str, size: int) -> str:
    return prefix + atom * ((size - len(prefix)) // len(atom))


def _best(parse: Callable[[str], object], text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        parse(text)
        best = min(best, time.process_time() - start)
    return best


def _ratio_too_high(parse: Callable[[str], object], prefix: str, atom: str, runs: int) -> Tuple[float, float, bool]:
    small = _best(parse, _shaped(prefix, atom, SMALL), runs + 1)
    large = _best(parse, _shaped(prefix, atom, LARGE), runs)
    return small, large, large > BOUND * small + 0.02


def _measure(name: str, queue: multiprocessing.Queue) -> None:
    parse = PARSERS[name]
    slow: List[Tuple[str, str, float, float]] = []
    for prefix in PREFIXES:
        for atom in ATOMS:
            small, large, slow_here = _ratio_too_high(parse, prefix, atom, 1)
            for runs in (3, 5):  # noise, or the parser? Again, with more runs.
                if not slow_here:
                    break
                small, large, slow_here = _ratio_too_high(parse, prefix, atom, runs)
            if slow_here:
                slow.append((prefix, atom, small, large))
    queue.put(slow)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_time_is_linear_in_the_input(name: str) -> None:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_measure, args=(name, queue))
    child.start()
    child.join(300)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("%s did not finish in 300 s on inputs of %d characters: super-linear" % (name, LARGE))
    assert child.exitcode == 0, "%s raised on a long input" % name
    slow = queue.get(timeout=5)
    assert not slow, "%s is super-linear on: %s" % (name, [(p, a, "%.5fs -> %.3fs" % (s, big))
                                                          for p, a, s, big in slow[:5]])
