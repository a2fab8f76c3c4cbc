"""How ``make test`` shares the suite between pytest-xdist workers (``--dist loadgroup``).

A *work unit* goes to one worker as a whole: a test file, so its module fixtures (a loaded
model, a set-up school) are built once as in a serial run; every test that changes the
machine itself (OS accounts and ``/etc/passwd``'s lock, dpkg installs and dpkg's lock, the
one PyInstaller build three packaging files share) in a single unit, so they run in turn;
and each benchmark script on its own, since they share nothing and take minutes together.

Why a scheduler and not ``xdist_group`` marks: pytest-xdist 3.8 puts a test in its group by
rewriting ``item._nodeid`` on the worker, and pytest 9 reports ``item._id``, so under
pytest 9 the marks are silently ignored and every test went to any worker (two PyInstaller
builds and two dpkg installs ran side by side). Deciding the unit from the node id, which
both sides agree on, does not depend on that detail.
"""

from __future__ import annotations

from typing import Any

import pytest

#: Tests that change the machine (see the module docstring): one unit, run in turn.
MACHINE_WIDE = ("tests/packaging/", "tests/service/")
#: Files whose tests share no fixture and each run for a minute: one unit per test.
ONE_UNIT_PER_TEST = ("tests/benchmarks/",)


def work_unit(nodeid: str) -> str:
    """The unit a test belongs to, from its node id (``path::name[params]``)."""
    path = nodeid.split("::", 1)[0]
    if path.startswith(MACHINE_WIDE):
        return "machine"
    if path.startswith(ONE_UNIT_PER_TEST):
        return nodeid
    return path


def _scheduler_class() -> type:
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's load-by-scope scheduler with :func:`work_unit` as the scope."""

        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnitScheduling


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Use the work units above for ``--dist loadgroup``; other modes stay xdist's own."""
    if config.getoption("dist", None) != "loadgroup":
        return None
    return _scheduler_class()(config, log)
