"""The mixed-traffic benchmark's pieces that run without wrk or a server
(``benchmarks/load.py``, ``benchmarks/wrk_mix.py``): its arguments, the weighted mix and
the Lua script that sends it, the access log it reads, and how it judges the budget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import load, wrk_mix

COOKIES = {
    "member": ["session=m1", "session=m2", "session=m3"],
    "coordinator": ["session=c1", "session=c2"],
}


def test_arguments_have_the_issue_defaults_and_refuse_nonsense(capsys) -> None:
    args = load.parse_args(["--url", "sqlite:////tmp/x.sqlite3"])
    assert args.connections == [16, 64]
    assert args.judge_at == [16, 64]
    assert args.workers == 4
    assert not args.report_only

    args = load.parse_args(
        ["--url", "u", "--connections", "8, 32", "--judge-at", "8", "--report-only"]
    )
    assert (args.connections, args.judge_at, args.report_only) == ([8, 32], [8], True)

    for bad in (["--connections", "many"], ["--connections", "1"], ["--judge-at", "x"]):
        with pytest.raises(SystemExit) as exit_:
            load.parse_args(["--url", "u", *bad])
        assert exit_.value.code == 2
    assert "comma-separated" in capsys.readouterr().err


def test_the_mix_keeps_its_weights_and_spreads_them_over_the_signed_in_users() -> None:
    mix = wrk_mix.entries("bench", COOKIES, ["garden", "كتب عربية"])
    weights = {label: weight for label, _role, weight, _path in wrk_mix.MIX}
    assert len(mix) == sum(weights.values())
    for label, weight in weights.items():
        assert sum(1 for name, _p, _c in mix if name == label) == weight
    roles = {label: role for label, role, _w, _p in wrk_mix.MIX}
    for label, _path, cookie in mix:
        assert cookie in COOKIES[roles[label]]
    assert {c for _l, _p, c in mix} == {*COOKIES["member"], *COOKIES["coordinator"]}
    searches = [path for label, path, _c in mix if label == "search"]
    assert "/c/bench/listings/?q=garden" in searches
    assert any("%D9%83%D8%AA%D8%A8%20" in path for path in searches)  # quoted, no space
    assert all(path.startswith("/") and " " not in path for _l, path, _c in mix)


def test_the_lua_script_sends_every_request_with_its_cookie_and_reports_json() -> None:
    script = wrk_mix.lua_script([("/c/a/", "session=x"), ('/q?"odd"\\', ""), ("/healthz", "")])
    assert '{"/c/a/", "session=x"}' in script
    assert r'{"/q?\"odd\"\\", ""}' in script  # quotes and backslashes escaped for Lua
    for hook in ("function setup(thread)", "function init(args)", "function request()",
                 "function response(status, headers, body)", "function done("):  # fmt: skip
        assert hook in script
    assert 'headers["Cookie"] = r[2]' in script
    assert "status < 200 or status > 299" in script
    keys = re.findall(r'"(\w+)": %d', script)
    assert keys == ["requests", "duration_us", "p50_us", "p95_us", "p99_us", "non2xx",
                    "socket_errors", "timeouts"]  # fmt: skip
    assert script.count("{") == script.count("}")


def test_server_times_come_from_the_access_log_by_page(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text('200 999000 "GET /c/b/ HTTP/1.1"\n')
    offset = log.stat().st_size
    with log.open("a") as f:
        for micros in (4000, 6000, 8000, 50000):
            f.write(f'200 {micros} "GET /c/b/ HTTP/1.1"\n')
        f.write('200 12000 "GET /notifications/ HTTP/1.1"\n')
        f.write('200 1 "GET /elsewhere HTTP/1.1"\n')
    times = wrk_mix.server_times(log, offset, {"/c/b/": "home", "/notifications/": "inbox"})
    assert times["home"] == {"n": 4, "p50_ms": 8.0, "p95_ms": 50.0}
    assert times["inbox"]["n"] == 1
    assert set(times) == {"home", "inbox"}


def _result(rps: float, p95: float, non2xx: int = 0, connections: int = 16) -> dict:
    mix = {"rps": rps, "p95_ms": p95, "non2xx": non2xx, "socket_errors": 0}
    return {"runs": [{"connections": connections, "mix": mix}]}


def test_the_budget_is_throughput_at_a_p95_with_every_answer_2xx() -> None:
    assert load.over_budget(_result(320, 90), [16]) == []
    assert load.over_budget(_result(299, 90), [16])
    assert load.over_budget(_result(400, 101), [16])
    assert load.over_budget(_result(400, 50, non2xx=3), [16])
    assert load.over_budget(_result(10, 900, connections=64), [16]) == []  # not judged there


def test_the_table_names_the_floors_the_cpu_and_the_load_average() -> None:
    run = {"rps": 1500.0}
    mix = {
        "rps": 12.4, "p50_ms": 1239.9, "p95_ms": 1593.8, "p99_ms": 1902.3, "non2xx": 0,
        "ratio_healthz": 0.036, "ratio_hello": 0.008, "ceiling_rps": 87.2,
        "cpu_ms": {"app": 22.65, "db": 0.0, "wrk": 0.28}, "load_average": [13.5, 14.8, 14.4],
        "pages": {"statement": {"n": 20, "p50_ms": 374.9, "p95_ms": 513.1}},
    }  # fmt: skip
    result = {
        "engine": "SQLite", "workers": 4, "threads": 2, "duration_s": 20, "cores": 2,
        "size": {"memberships": 1000}, "per_page": [],
        "runs": [{"connections": 16, "hello": run, "healthz": {"rps": 344.0}, "mix": mix}],
    }  # fmt: skip
    text = load.table(result)
    assert "SQLite (1,000 memberships): 4 gunicorn sync workers" in text
    assert "load average 13.5 14.8 14.4" in text
    assert "| 16 | **12.4** | 1239.9 | **1593.8** | 1902.3 | 0 | 344.0 | 1500.0 |" in text
    assert "| 22.65 + 0.0 + 0.28 | 87.2 | 13.5 |" in text
    assert "| statement | 14 | 374.9 / 513.1 | — | — |" in text
