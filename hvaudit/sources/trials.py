"""Trials: small experiments that show what this machine lets a process do, where reading
a setting cannot (a sysctl can allow user namespaces that an AppArmor policy, a seccomp
filter or a chroot then denies).

Each trial runs in a forked child and leaves nothing behind: every namespace it creates
belongs to the child and dies with it; nothing outside them is written. Steps run in
order and stop at the first failure; the outcome names each step's result ("ok" or the
errno name). Live only: a capture replays the outcomes it recorded (capture.json `trials`).

Trials:
- "userns": as this process's user, unshare(CLONE_NEWUSER), map root to the user's own
  ids, then in that namespace unshare mount and UTS namespaces, set the (private) host
  name, mount a tmpfs and an overlay on it (with userxattr, as unprivileged overlay is
  mounted): what rootless Podman and Docker do first.
- "userns-unprivileged": the same as the unprivileged user 65534 ("nobody"); root only
  (root can always create user namespaces, ordinary users are what is in question).
"""

from __future__ import annotations

import marshal
import os

from ..errors import errname

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Sequence, Tuple, Union

TRIALS = ("userns", "userns-unprivileged")
NOBODY = 65534
TIMEOUT = 5.0  # seconds; a child still running then is killed and the trial is ETIMEDOUT
MAX_OUTPUT = 8192

# include/uapi/linux/sched.h, include/uapi/linux/mount.h, include/uapi/linux/prctl.h
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWUSER = 0x10000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
PR_SET_DUMPABLE = 4

#: Where the child mounts its private tmpfs (inside its own mount namespace only).
MOUNT_POINTS = ("/tmp", "/mnt", "/run", "/var/tmp")


def run_trial(name: str) -> Dict[str, Any]:
    """Run trial `name` and return its outcome."""
    return run_trials((name,))[name]


def run_trials(names: Sequence[str]) -> Dict[str, Dict[str, Any]]:
    """Run the trials named, side by side (each in its own child, all started before any is
    waited for), and return each one's outcome."""
    import time

    started = {name: _start(name) for name in names}
    deadline = time.monotonic() + TIMEOUT
    return {name: _finish(run, deadline) if isinstance(run, tuple) else run for name, run in started.items()}


def _start(name: str) -> Union[Dict[str, Any], Tuple[int, int]]:
    """The child's pid and the read end of its pipe, or the outcome when it could not start."""
    if name not in TRIALS:
        return {"error": "EINVAL", "note": "no such trial"}
    if not hasattr(os, "fork"):
        return {"error": "ENOSYS"}
    unprivileged = name == "userns-unprivileged"
    if unprivileged and os.geteuid() != 0:
        return {"error": "EPERM", "note": "switching to an unprivileged user needs root; see the userns trial"}
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.unshare.argtypes = (ctypes.c_int,)
        libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
        libc.sethostname.argtypes = (ctypes.c_char_p, ctypes.c_size_t)
        libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    except (OSError, AttributeError) as exc:
        return {"error": "ENOSYS", "note": "libc is not reachable: %s" % exc}
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_end)
        os.close(write_end)
        return {"error": errname(exc.errno or 0), "note": "fork failed"}
    if pid == 0:  # the child: never returns
        os.close(read_end)
        code = 0
        try:
            outcome = _child(libc, ctypes, unprivileged)
            # marshal, not json: the child is this same interpreter, and json would import re.
            os.write(write_end, marshal.dumps(outcome)[:MAX_OUTPUT])
        except BaseException:  # noqa: B036 - the child must reach _exit whatever happens
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _finish(run: Tuple[int, int], deadline: float) -> Dict[str, Any]:
    """Wait for a started trial's answer until `deadline` (time.monotonic()), then reap it."""
    import time

    pid, read_end = run
    try:
        data, timed_out = _read_with_timeout(read_end, deadline - time.monotonic())
    finally:
        os.close(read_end)
    # Plain tries, not contextlib.suppress: contextlib is an import an audit need not pay.
    if timed_out:
        try:  # noqa: SIM105
            os.kill(pid, 9)  # only the child this call forked
        except OSError:
            pass
    try:  # noqa: SIM105
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    if timed_out:
        return {"error": "ETIMEDOUT"}
    try:
        outcome = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return {"error": "EIO", "note": "the trial's child gave no answer"}
    return outcome if isinstance(outcome, dict) else {"error": "EIO"}


def _read_with_timeout(fd: int, timeout: float) -> Tuple[bytes, bool]:
    import select
    import time

    deadline = time.monotonic() + timeout
    chunks: List[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b"".join(chunks), True
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _child(libc: Any, ctypes: Any, unprivileged: bool) -> Dict[str, Any]:
    """The trial's steps, in the child. Each step runs only if the one before succeeded, so
    nothing is ever done in a namespace the child shares with anyone."""
    steps: Dict[str, str] = {}

    def call(result: int) -> str:
        return "ok" if result == 0 else errname(ctypes.get_errno())

    def fail(step: str, outcome: str) -> Dict[str, Any]:
        steps[step] = outcome
        return {"uid": uid, "gid": gid, "steps": steps, "ok": steps.get("unshare_user") == "ok",
                "failed": step, "error": outcome}

    uid, gid = os.geteuid(), os.getegid()
    if unprivileged:
        try:
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
        except OSError as exc:
            return fail("drop_privileges", errname(exc.errno or 0))
        uid, gid = NOBODY, NOBODY
        # A change of credentials makes the process non-dumpable, which hands /proc/self
        # to root; make it dumpable again so it may write its own id maps.
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        steps["drop_privileges"] = "ok"
    before = {kind: os.readlink("/proc/self/ns/" + kind) for kind in ("user", "mnt", "uts")}
    outcome = call(libc.unshare(CLONE_NEWUSER))
    if outcome != "ok":
        return fail("unshare_user", outcome)
    if os.readlink("/proc/self/ns/user") == before["user"]:
        return fail("unshare_user", "EINVAL")
    steps["unshare_user"] = "ok"
    try:
        try:  # noqa: SIM105
            _write("/proc/self/setgroups", "deny")
        except FileNotFoundError:  # kernels before 3.19 have no setgroups file
            pass
        _write("/proc/self/uid_map", "0 %d 1\n" % uid)
        _write("/proc/self/gid_map", "0 %d 1\n" % gid)
    except OSError as exc:
        return fail("map_ids", errname(exc.errno or 0))
    steps["map_ids"] = "ok"
    outcome = call(libc.unshare(CLONE_NEWNS | CLONE_NEWUTS))
    if outcome != "ok":
        return fail("unshare_mount_uts", outcome)
    if any(os.readlink("/proc/self/ns/" + kind) == before[kind] for kind in ("mnt", "uts")):
        return fail("unshare_mount_uts", "EINVAL")
    steps["unshare_mount_uts"] = "ok"
    # The child's own UTS namespace: proves capabilities inside the user namespace work
    # (an AppArmor userns restriction lets unshare succeed and denies this).
    outcome = call(libc.sethostname(b"hvaudit-trial", 13))
    if outcome != "ok":
        return fail("sethostname", outcome)
    steps["sethostname"] = "ok"
    outcome = call(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None))
    if outcome != "ok":
        return fail("make_private", outcome)
    steps["make_private"] = "ok"
    target = next((p for p in MOUNT_POINTS if os.path.isdir(p)), None)
    if target is None:
        return fail("mount_tmpfs", "ENOENT")
    outcome = call(libc.mount(b"hvaudit", target.encode(), b"tmpfs", 0, b"size=1m,mode=0700"))
    if outcome != "ok":
        return fail("mount_tmpfs", outcome)
    steps["mount_tmpfs"] = "ok"
    try:
        for name in ("lower", "upper", "work", "merged"):
            os.mkdir(os.path.join(target, name))
    except OSError as exc:
        return fail("mount_overlay", errname(exc.errno or 0))
    # Mounted as unprivileged overlay is meant to be (Documentation/filesystems/overlayfs.rst,
    # Linux 5.11+): "userxattr" keeps overlay's metadata in user.* xattrs, which a user
    # namespace may write. Without it, each mount logs "failed to set xattr on upper" to
    # the kernel log, and an audit must leave nothing behind. Kernels older than 5.11 know
    # no such option (EINVAL): those that mount overlay in a user namespace at all (distro
    # patches) are asked again without it.
    options = "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work" % (target, target, target)
    outcome = call(libc.mount(b"overlay", (target + "/merged").encode(), b"overlay", 0,
                              (options + ",userxattr").encode()))
    if outcome == "EINVAL":
        outcome = call(libc.mount(b"overlay", (target + "/merged").encode(), b"overlay", 0, options.encode()))
    if outcome != "ok":
        return fail("mount_overlay", outcome)
    steps["mount_overlay"] = "ok"
    return {"uid": uid, "gid": gid, "steps": steps, "ok": True, "failed": None, "error": None}
