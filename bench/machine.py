"""What the machine was doing during a benchmark: its speed, and who used the CPU.

Absolute figures on shared machines drift; these two numbers say how to read them.

- ``speed_ms()``: a fixed pure-Python loop (two million additions and multiplications
  of small integers), best of five, in milliseconds. Lower is faster; the same loop on
  the same kind of machine ranges about 1.5× between a quiet and a busy moment.
- ``CpuMeter``: CPU seconds used by named groups of processes (workers, load
  generator, Redis, PostgreSQL) between ``start()`` and ``stop()``, read from
  ``/proc``, and the share of the machine that was idle. A load-generator process near
  one full core, or a machine with no idle time left, means the figures measure the
  harness as much as the server; CPU used by none of the groups means something else
  ran meanwhile.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def speed_ms() -> float:
    best = float("inf")
    for _ in range(5):
        begin = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i * 7
        best = min(best, time.perf_counter() - begin)
    return round(best * 1000, 1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, or 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def pids_named(*names: str) -> list[int]:
    """Processes whose command name is one of ``names`` (redis-server, postgres)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def machine_times() -> tuple[float, float, float]:
    """(busy, total, stolen) jiffies of the whole machine. Stolen time is CPU the
    hypervisor gave to other machines while this one wanted it."""
    line = Path("/proc/stat").read_text().split("\n", 1)[0]
    values = [int(v) for v in line.split()[1:9]]  # guest time is already in user time
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values), values[7]


class CpuMeter:
    def __init__(self, groups: dict[str, list[int]]):
        self.groups = groups

    def _sample(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: cpu_seconds(pid) for pid in pids}
            for name, pids in self.groups.items()
        }

    def start(self) -> None:
        self.begin = time.perf_counter()
        self.before = self._sample()
        self.machine_before = machine_times()

    def stop(self) -> dict:
        """Cores used per group (1.0 = one full core), the busiest process of each
        group, and the machine's idle share."""
        elapsed = time.perf_counter() - self.begin
        after = self._sample()
        busy_after, total_after, stolen_after = machine_times()
        busy = busy_after - self.machine_before[0]
        total = total_after - self.machine_before[1]
        stolen = stolen_after - self.machine_before[2]
        cores = os.cpu_count() or 1
        report = {
            "seconds": elapsed,
            "machine_idle": 1 - busy / total if total else 0,
            "stolen": stolen / total if total else 0,
        }
        accounted = 0.0
        for name, pids in self.groups.items():
            used = {
                pid: max(0.0, after[name][pid] - self.before[name].get(pid, 0))
                / elapsed
                for pid in pids
            }
            report[name] = {
                "cores": sum(used.values()),
                "busiest": max(used.values(), default=0.0),
            }
            accounted += report[name]["cores"]
        # Whatever else ran meanwhile (another job, a test suite, the kernel's own
        # work): CPU the run did not account for.
        machine_cores = cores * busy / total if total else 0.0
        stolen_cores = cores * report["stolen"]
        report["others"] = max(0.0, machine_cores - accounted - stolen_cores)
        return report
