"""What hvaudit may keep of what it reads: no secrets, only the names of runtimes."""

from __future__ import annotations

import posixpath
import re

#: Environment variables that name a container runtime, a sandbox or WSL, and nothing else.
#: Their values say which runtime runs this process; every other variable is dropped at
#: the source, so no report and no capture can hold a token or a password.
RUNTIME_VARIABLES = frozenset({
    "container",  # systemd's container interface (nspawn, podman, lxc, ...)
    "container_uuid",
    "WSL_DISTRO_NAME", "WSL_INTEROP",  # set by WSL's init in every distro process
    "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",  # injected by the kubelet
    "SINGULARITY_CONTAINER", "APPTAINER_CONTAINER", "SINGULARITY_NAME", "APPTAINER_NAME",
    "FLATPAK_ID",
})

#: An environment block of a process or of one of its threads; match it on normal_path().
ENVIRON_PATH = re.compile(r"^/proc/(?:self|thread-self|\d+)(?:/task/\d+)?/environ$")


def normal_path(path: str) -> str:
    """The path as the kernel resolves its spelling ("//proc/./1/environ" is /proc/1/environ)."""
    return posixpath.normpath("/" + path.lstrip("/"))


def filter_environ(data: bytes) -> bytes:
    """Keep only RUNTIME_VARIABLES of a NUL-separated environment block."""
    kept = []
    for entry in data.split(b"\0"):
        name, sep, _ = entry.partition(b"=")
        if sep and name.decode("ascii", "replace") in RUNTIME_VARIABLES:
            kept.append(entry)
    return b"".join(e + b"\0" for e in kept)
