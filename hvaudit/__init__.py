"""hvaudit: what this machine is (bare metal, VM guest, container, in layers) and what it can host.


Importing the package is cheap: `run_audit` is loaded on first use.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "run_audit"]


def __getattr__(name: str) -> Any:
    if name == "run_audit":
        from .audit import run_audit

        return run_audit
    raise AttributeError(name)
