"""What hvaudit may keep of what it reads: no secrets, only the names of runtimes."""

from __future__ import annotations

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



def is_environ_path(path: str) -> bool:
    """/proc/self/environ, /proc/thread-self/environ or /proc/PID/environ."""
    parts = path.split("/")
    return (len(parts) == 4 and parts[0] == "" and parts[1] == "proc" and parts[3] == "environ"
            and (parts[2] in ("self", "thread-self") or parts[2].isdigit()))


def filter_environ(data: bytes) -> bytes:
    """Keep only RUNTIME_VARIABLES of a NUL-separated environment block."""
    kept = []
    for entry in data.split(b"\0"):
        name, sep, _ = entry.partition(b"=")
        if sep and name.decode("ascii", "replace") in RUNTIME_VARIABLES:
            kept.append(entry)
    return b"".join(e + b"\0" for e in kept)
