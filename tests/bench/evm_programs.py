#!/usr/bin/env python3
"""The standard evm-benchmarks programs (ethereum/evm-benchmarks, state-test JSON read from
../shared/conformance/evm-benchmarks, never copied) through `folio evm run`, timed beside a
baseline folio binary measured in the same run.

usage: evm_programs.py FOLIO BASELINE_FOLIO BENCH_DIR [ROUNDS]

For each case (program x input): output, status and gas must be identical on both binaries
(else the case is reported as a mismatch and the exit status is 1). Time per run is the
median of ROUNDS rounds, each `--repeat K` with K chosen for about 0.2 s; the report gives
time per run, gas/s, the ratio baseline/folio (above 1: folio faster), the spread of the
ratio over the rounds, and the geometric means. Only the standard library is used."""
import glob
import json
import math
import os
import statistics
import subprocess
import sys

TARGET_NS = 200e6  # wall time of one timed round per case and binary


def cases(bench_dir):
    for path in sorted(glob.glob(os.path.join(bench_dir, "benchmarks", "*", "*.json"))):
        with open(path) as fh:
            doc = json.load(fh)
        for name, t in doc.items():
            tx = t["transaction"]
            pre = {k.lower(): v for k, v in t["pre"].items()}
            code = pre[tx["to"].lower()]["code"]
            labels = t.get("_info", {}).get("labels", {})
            gas = int(tx["gasLimit"][0], 16)
            for i, data in enumerate(tx["data"]):
                label = labels.get(str(i), str(i))
                yield f"{name}/{label}", code[2:], data[2:] if data.startswith("0x") else data, gas


def run(binary, code, data, gas, repeat):
    out = subprocess.run(
        [binary, "evm", "run", code, "--input", data, "--gas", str(gas), "--repeat", str(repeat),
         "--json"], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{binary} evm run failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    folio, base, bench_dir = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    status = 0
    ratios, folio_ns, base_ns = [], [], []
    print(f"{'case':38} {'folio us':>10} {'gas/s':>9} {'base us':>10} {'ratio':>6} {'spread':>13}")
    for name, code, data, gas in cases(bench_dir):
        probe = run(folio, code, data, gas, 1)
        ref = run(base, code, data, gas, 1)
        same = all(probe[k] == ref[k] for k in ("output", "gas_used", "status"))
        if not same:
            print(f"{name:38} MISMATCH folio {probe['status']} gas {probe['gas_used']} "
                  f"vs baseline {ref['status']} gas {ref['gas_used']}")
            status = 1
            continue
        repeat = max(1, min(100000, int(TARGET_NS / max(probe["ns_per_run"], 1))))
        f_ns, b_ns = [], []
        for _ in range(rounds):  # interleaved, so a load change hits both binaries
            f_ns.append(run(folio, code, data, gas, repeat)["ns_per_run"])
            b_ns.append(run(base, code, data, gas, repeat)["ns_per_run"])
        fm, bm = statistics.median(f_ns), statistics.median(b_ns)
        rs = [b / f for f, b in zip(f_ns, b_ns)]
        ratio = bm / fm
        ratios.append(ratio)
        folio_ns.append(fm)
        base_ns.append(bm)
        gps = probe["gas_used"] / (fm / 1e9) if fm else 0
        print(f"{name:38} {fm / 1e3:10.1f} {gps / 1e6:8.0f}M {bm / 1e3:10.1f} {ratio:6.2f} "
              f"{min(rs):5.2f}..{max(rs):5.2f}")
    if ratios:
        geo = lambda xs: math.exp(sum(math.log(x) for x in xs) / len(xs))
        print(f"geometric mean over {len(ratios)} cases: folio {geo(folio_ns) / 1e3:.1f} us, "
              f"baseline {geo(base_ns) / 1e3:.1f} us, ratio {geo(ratios):.2f}x "
              f"(baseline time / folio time; {rounds} rounds, medians)")
    return status


if __name__ == "__main__":
    sys.exit(main())
