"""The mixed traffic ``benchmarks/load.py`` sends: the weighted pages (``MIX``), the wrk
Lua script that sends them, one wrk run and its result, each page's server time from
gunicorn's access log, and the bare WSGI floor (``hello``). Standard library only:
gunicorn imports ``hello`` from here."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

BUDGET_RPS = 300.0
BUDGET_P95_MS = 100.0
# (label, role, weight, path): weights in requests per 100; "{slug}", "{q}" filled in.
MIX: tuple[tuple[str, str, int, str], ...] = (
    ("member home", "member", 20, "/c/{slug}/"),
    ("search", "member", 14, "/c/{slug}/listings/?q={q}"),
    ("statement", "member", 14, "/c/{slug}/hours/statement"),
    ("listings", "member", 14, "/c/{slug}/listings/"),
    ("notifications", "member", 13, "/notifications/"),
    ("coordinator dashboard", "coordinator", 8, "/c/{slug}/coordinator/"),
    ("approval queue", "coordinator", 7, "/c/{slug}/hours/queue"),
    ("people", "coordinator", 6, "/c/{slug}/coordinator/members/"),
    ("metrics", "coordinator", 4, "/c/{slug}/metrics/"),
)
ACCESS_FORMAT = '%(s)s %(D)s "%(r)s"'


def hello(environ, start_response):  # the floor: a bare WSGI application
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "6")])
    return [b"hello\n"]


def entries(
    slug: str, cookies: dict[str, list[str]], words: list[str]
) -> list[tuple[str, str, str]]:
    """(label, path, cookie) with each page ``weight`` times, its role's users in turn."""
    out = []
    for label, role, weight, path in MIX:
        users = cookies[role]
        for i in range(weight):
            filled = path.format(slug=slug, q=quote(words[i % len(words)]))
            out.append((label, filled, users[i % len(users)]))
    return out


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_script(requests: list[tuple[str, str]]) -> str:
    """A wrk script sending ``requests`` ((path, cookie), repeated by weight) at random,
    counting the answers other than 2xx; ``done`` prints one JSON line."""
    rows = ",\n".join(f"  {{{_lua_string(p)}, {_lua_string(c)}}}" for p, c in requests)
    return f"""-- written by benchmarks/load.py
local requests = {{
{rows}
}}
local pool = {{}}
local threads = {{}}
local counter = 0
non2xx = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  for _, r in ipairs(requests) do
    local headers = {{["Accept-Language"] = "en"}}
    if r[2] ~= "" then headers["Cookie"] = r[2] end
    table.insert(pool, wrk.format("GET", r[1], headers))
  end
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  return pool[math.random(#pool)]
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"non2xx": %d, "socket_errors": %d, "timeouts": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), bad, e.connect + e.read + e.write, e.timeout))
end
"""


def wrk(port: int, script: Path, connections: int, seconds: int, threads: int) -> dict:
    """One wrk run; its result with this run's load average and wrk's own CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}/"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = [x for x in done.stdout.splitlines() if x.startswith("{")][-1]
    raw = json.loads(line)
    rps = raw["requests"] / (raw["duration_us"] / 1e6)
    return {
        "connections": connections,
        "requests": raw["requests"],
        "rps": round(rps, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "non2xx": raw["non2xx"],
        "socket_errors": raw["socket_errors"] + raw["timeouts"],
        "wrk_cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def server_times(log: Path, offset: int, paths: dict[str, str]) -> dict[str, dict]:
    """Each page's server time (gunicorn's ``%(D)s``) in the access log after ``offset``."""
    times: dict[str, list[float]] = defaultdict(list)
    with log.open() as f:
        f.seek(offset)
        for line in f:
            found = re.match(r'(\d{3}) (\d+) "GET (\S+) ', line)
            if found and found.group(3) in paths:
                times[paths[found.group(3)]].append(int(found.group(2)) / 1000)
    return {label: _quantiles(values) for label, values in times.items()}


def _quantiles(values: list[float]) -> dict:
    ordered = sorted(values)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {"n": len(ordered), "p50_ms": pick(0.5), "p95_ms": pick(0.95)}
