"""imgcopy benchmark: fan-out, polling economy and overhead against `imgcopy emulator` on
loopback with an injected per-request latency, and the official-SDK loop users script today.

Usage: bench.py BIN [--short] [--python VENV_PYTHON]
Prints tables of figures (nothing is asserted). See bench/run.sh and the README.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

AK, SK = "imgcopy-sandbox-ak", "imgcopy-sandbox-sk"
LATENCY_MS = 50
COPY_SECONDS = 0.2  # real seconds a copy takes in the emulator
CONCURRENCY = 16  # imgcopy's default
RATE = 20.0  # imgcopy's default requests per second per region
RATES = {"tencent": 10.0}  # clouds paced below the default (SyncImages: 10 a second)
HERE = os.path.dirname(os.path.abspath(__file__))

CLOUDS = {
    # cloud: (source to clone, source region, destinations)
    # Alibaba copies one image at a time per destination region: ten regions.
    "alibaba": ("m-demo0001", "cn-hangzhou", ["cn-shanghai", "cn-beijing", "cn-qingdao", "cn-shenzhen",
                                              "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu",
                                              "cn-heyuan", "cn-guangzhou", "cn-chengdu"]),
    "aws": ("ami-0abc00000000000a1", "us-east-1", ["us-west-2", "eu-west-1", "ap-northeast-1", "us-east-2"]),
    "baidu": ("m-demo0001", "bj", ["gz", "su", "hkg", "fwh"]),
    "tencent": ("img-demo0001", "ap-guangzhou", ["ap-shanghai", "ap-beijing", "ap-tokyo", "ap-singapore"]),
    # In-region copies: the tenant may run only five cross-region copies at once.
    "huawei": ("6f1f3b3c-0000-4000-8000-000000000001", "cn-north-4", ["cn-north-4"]),
}


class Emulator:
    def __init__(self, binary, latency_ms):
        self.proc = subprocess.Popen(
            [binary, "emulator", "--listen", "127.0.0.1:0", "--speed", "300",
             "--copy-seconds", str(300 * COPY_SECONDS)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        self.base = line.strip().rsplit(" ", 1)[-1]
        self.endpoint = self.base + "/{region}"
        if latency_ms:
            self.admin("POST", "faults", {"latency_ms": latency_ms})

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.base}/_emulator/{path}", data=data, method=method)
        with urllib.request.urlopen(req) as r:
            return json.load(r)

    def requests_served(self):
        return self.admin("GET", "state")["requests"]

    def clone(self, cloud, source, count):
        return self.admin("POST", f"clone?provider={cloud}&id={source}&count={count}")["ids"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def measured(cmd, env=None):
    """Runs `cmd`; returns (exit code, wall s, cpu s, peak RSS MiB, stdout). Peak RSS comes from
    GNU time when the machine has it; otherwise from wait4, which may also count the memory of
    the forking Python process (an overestimate)."""
    gnu_time = os.path.exists("/usr/bin/time")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as times:
        t0 = time.monotonic()
        prefix = ["/usr/bin/time", "-o", times.name, "-f", "%U %S %M"] if gnu_time else []
        p = subprocess.Popen(prefix + cmd, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t0
        if gnu_time:
            user, system, rss_kb = times.read().split()[-3:]
        else:
            user, system, rss_kb = ru.ru_utime, ru.ru_stime, ru.ru_maxrss
        out.seek(0)
        err.seek(0)
        if p.returncode != 0:
            sys.stderr.write(err.read().decode(errors="replace")[-2000:])
        return (p.returncode, wall, float(user) + float(system), int(rss_kb) / 1024.0,
                out.read().decode(errors="replace"))


def imgcopy_env():
    env = {"PATH": os.environ.get("PATH", ""), "XDG_CONFIG_HOME": "/nonexistent"}
    for k in ["BCE_ACCESS_KEY_ID", "HUAWEICLOUD_SDK_AK", "ALIBABA_CLOUD_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID",
              "TENCENTCLOUD_SECRET_ID"]:
        env[k] = AK
    for k in ["BCE_SECRET_ACCESS_KEY", "HUAWEICLOUD_SDK_SK", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "AWS_SECRET_ACCESS_KEY",
              "TENCENTCLOUD_SECRET_KEY"]:
        env[k] = SK
    env["HUAWEICLOUD_SDK_PROJECT_ID"] = "5a9d0000000000000000000000000000"
    return env


def fan_out(binary, emu, cloud, copies, paced=True):
    source, region, dests = CLOUDS[cloud]
    ids = emu.clone(cloud, source, math.ceil(copies / len(dests)))
    emu.admin("DELETE", "requests")
    cmd = [binary, "--endpoint", emu.endpoint, "--output", "json", "--poll-interval", "200ms",
           "--wait", *([] if paced else ["--rate-limit", "0"]), cloud, "image", "--id", ",".join(ids), "--region", region,
           "--name", "bench-{id}"]
    if cloud != "huawei":
        cmd += ["--dest", ",".join(dests)]
    code, wall, cpu, rss, out = measured(cmd, imgcopy_env())
    report = json.loads(out) if out.strip() else {"records": []}
    made = sum(1 for r in report["records"] if r["state"] == "available")
    log = emu.admin("GET", "requests")
    status_calls = sum(1 for r in log if r["action"] in STATUS_ACTIONS)
    n = len(ids) * len(dests)
    # Latency floor: one wave of `CONCURRENCY` calls per round trip, then the copy itself
    # (Alibaba copies one image at a time per destination region).
    queue = math.ceil(n / len(dests)) if cloud == "alibaba" else 1
    latency_floor = LATENCY_MS / 1000 * math.ceil(n / CONCURRENCY) + COPY_SECONDS * queue
    # Pacing floor: the busiest region's calls at the default rate, beyond one second's burst.
    per_region = {}
    for x in log:
        per_region[x["region"]] = per_region.get(x["region"], 0) + 1
    busiest = max(per_region.values(), default=0)
    rate = RATES.get(cloud, RATE)
    pacing_floor = max(0.0, (busiest - rate) / rate) + COPY_SECONDS if paced else 0.0
    floor = max(latency_floor, pacing_floor)
    return {
        "cloud": cloud if paced else cloud + " --rate-limit 0", "copies": n, "made": made, "exit": code, "wall": wall, "cpu": cpu,
        "rss": rss, "calls": len(log), "status_calls": status_calls, "floor": floor,
        "latency_floor": latency_floor, "pacing_floor": pacing_floor, "ratio": wall / floor,
        "regions": len(dests),
    }


def scale(binary, emu, cloud, copies):
    """One run of `copies` copies with `--report` and no pacing, on an emulator without added
    latency: what the run itself costs (CPU, peak RSS) as it grows."""
    source, region, dests = CLOUDS[cloud]
    ids = emu.clone(cloud, source, math.ceil(copies / len(dests)))
    emu.admin("DELETE", "requests")
    with tempfile.TemporaryDirectory() as d:
        # The ids from a file: 10,000 UUIDs are more than one command-line argument holds.
        id_file = os.path.join(d, "ids.txt")
        with open(id_file, "w") as f:
            f.write("\n".join(ids) + "\n")
        cmd = [binary, "--endpoint", emu.endpoint, "--output", "json", "--poll-interval", "200ms",
               "--wait", "--rate-limit", "0", "--report", os.path.join(d, "r.json"), cloud, "image",
               "--id", "@" + id_file, "--region", region, "--name", "scale-{id}"]
        if cloud != "huawei":
            cmd += ["--dest", ",".join(dests)]
        code, wall, cpu, rss, out = measured(cmd, imgcopy_env())
    report = json.loads(out) if out.strip() else {"records": []}
    log = emu.admin("GET", "requests")
    return {
        "cloud": cloud, "copies": len(ids) * len(dests), "exit": code, "wall": wall, "cpu": cpu,
        "rss": rss, "calls": len(log),
        "made": sum(1 for r in report["records"] if r["state"] == "available"),
        "status_calls": sum(1 for r in log if r["action"] in STATUS_ACTIONS),
    }


STATUS_ACTIONS = ("DescribeImages", "DescribeSnapshots", "GetImageDetail", "ShowJob", "ListImages")
# The targets of the scale rows: CPU at 10,000 copies at most 12x that at 1,000 and under 5 s;
# peak RSS under 64 MiB at 10,000 and under 20 MiB at 1,000.
SCALE_TARGETS = {"growth": 12.0, "cpu_10k": 5.0, "rss_10k": 64.0, "rss_1k": 20.0}


def print_scale(rows):
    t = SCALE_TARGETS
    print("\n## Scale: one run, `--report` on, `--rate-limit 0`, no added latency\n")
    print(f"Targets: CPU at 10,000 copies ≤ {t['growth']:.0f}× CPU at 1,000 and < {t['cpu_10k']:.0f} s; "
          f"peak RSS < {t['rss_10k']:.0f} MiB at 10,000, < {t['rss_1k']:.0f} MiB at 1,000.\n")
    print("| cloud | copies | available | exit | wall s | CPU s | peak RSS MiB | API calls "
          "| status calls | CPU growth 1k → 10k | within targets |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    small = {r["cloud"]: r for r in rows if r["copies"] <= 1000}
    for r in rows:
        base = small.get(r["cloud"]) if r["copies"] > 1000 else None
        growth = r["cpu"] / max(base["cpu"], 0.001) if base else None
        if r["copies"] > 1000:
            ok = (growth is not None and growth <= t["growth"] and r["cpu"] < t["cpu_10k"]
                  and r["rss"] < t["rss_10k"])
        else:
            ok = r["rss"] < t["rss_1k"]
        print(f"| {r['cloud']} | {r['copies']} | {r['made']} | {r['exit']} | {r['wall']:.2f} "
              f"| {r['cpu']:.2f} | {r['rss']:.1f} | {r['calls']} | {r['status_calls']} "
              f"| {'%.1f×' % growth if growth else '-'} | {'yes' if ok and r['exit'] == 0 else 'NO'} |")


def sdk_loop(python, emu, cloud, copies):
    source, region, dests = CLOUDS[cloud]
    ids = emu.clone(cloud, source, math.ceil(copies / len(dests)))
    emu.admin("DELETE", "requests")
    t0 = time.monotonic()
    out = subprocess.run(
        [python, os.path.join(HERE, "sdk_loop.py"), cloud, emu.base, AK, SK, region, "0.2",
         ",".join(ids), ",".join(dests)],
        capture_output=True, text=True, env={**os.environ, "NO_PROXY": "*"})
    wall = time.monotonic() - t0
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-2000:])
        return None
    return {"wall": wall, "calls": len(emu.admin("GET", "requests"))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--python", help="a Python with the pinned SDKs (conformance/.venv)")
    a = ap.parse_args()

    emu = Emulator(a.binary, LATENCY_MS)
    try:
        plan = [("alibaba", 100, True), ("aws", 100, True), ("tencent", 100, True)] if a.short else [
            ("alibaba", 100, True), ("alibaba", 100, False), ("aws", 100, True),
            ("tencent", 100, True), ("tencent", 100, False),
            ("baidu", 100, True), ("huawei", 100, True), ("aws", 1000, True),
            ("aws", 1000, False)]
        rows = [fan_out(a.binary, emu, c, n, paced) for c, n, paced in plan]
        print(f"\n## Fan-out and polling economy ({LATENCY_MS} ms per request, copies take "
              f"{COPY_SECONDS:.1f} s, --concurrency {CONCURRENCY}, default pacing unless shown)\n")
        print("| cloud | copies | available | exit | wall s | floor s (latency / pacing) | wall ÷ floor "
              "| API calls | status calls while waiting | CPU s | peak RSS MiB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['cloud']} | {r['copies']} | {r['made']} | {r['exit']} | {r['wall']:.2f} "
                  f"| {r['floor']:.2f} ({r['latency_floor']:.2f} / {r['pacing_floor']:.2f}) "
                  f"| {r['ratio']:.2f} | {r['calls']} | {r['status_calls']} | {r['cpu']:.2f} "
                  f"| {r['rss']:.1f} |")

        if a.python:
            print("\n## imgcopy against the official-SDK loop (same emulator, same copies)\n")
            print("| cloud | copies | imgcopy wall s | SDK loop wall s | ratio | imgcopy calls | SDK loop calls |")
            print("|---|---|---|---|---|---|---|")
            for r in rows:
                if r["cloud"] in ("alibaba", "aws", "tencent") and r["copies"] == 100:
                    loop = sdk_loop(a.python, emu, r["cloud"], r["copies"])
                    if loop:
                        print(f"| {r['cloud']} | {r['copies']} | {r['wall']:.2f} | {loop['wall']:.2f} "
                              f"| {loop['wall'] / r['wall']:.1f}× | {r['calls']} | {loop['calls']} |")
    finally:
        emu.stop()

    # Overhead: a bare start, and one copy against an emulator with no added latency; and
    # the cost of a run as it grows to 10,000 copies.
    fast = Emulator(a.binary, 0)
    try:
        sizes = [("aws", 1000), ("aws", 10000)] + ([] if a.short else [
            ("baidu", 1000), ("baidu", 10000), ("huawei", 1000), ("huawei", 10000)])
        scale_rows = [scale(a.binary, fast, c, n) for c, n in sizes]
        runs = [measured([a.binary, "--version"]) for _ in range(20)]
        walls = sorted(r[1] for r in runs)
        one = measured([a.binary, "--endpoint", fast.endpoint, "--output", "json", "aws", "image",
                        "--id", "ami-0abc00000000000a1", "--region", "us-east-1", "--dest",
                        "eu-west-1", "--name", "one-copy"], imgcopy_env())
    finally:
        fast.stop()
    print("\n## Overhead\n")
    print("| run | wall ms | peak RSS MiB |")
    print("|---|---|---|")
    print(f"| `imgcopy --version` (median of 20) | {walls[len(walls) // 2] * 1000:.1f} "
          f"| {max(r[3] for r in runs):.1f} |")
    print(f"| one AWS copy, no added latency (exit {one[0]}) | {one[1] * 1000:.1f} | {one[3]:.1f} |")
    print_scale(scale_rows)

    if a.python and not a.short:
        cli = subprocess.run([a.python, os.path.join(HERE, "moto_cli.py"), a.binary],
                             capture_output=True, text=True)
        sys.stdout.write(cli.stdout)
        if cli.returncode != 0:
            sys.stderr.write(cli.stderr[-2000:])


if __name__ == "__main__":
    main()
