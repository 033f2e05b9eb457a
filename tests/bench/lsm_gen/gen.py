#!/usr/bin/env python3
"""Generates the stored LSM benchmark instances and proves their optima with cbc.

Instances: 20 participants, 400 single-leg CNY payments, amounts log-uniform in [1, 10^5],
scarce liquidity (each participant's balance is 5-20% of its gross outflow). Written in
the input format of `folio lsm solve` (compact JSON) as tests/bench/data/lsm/inst_NN.json;
each optimum comes from cbc on a 0-1 program (maximise sum of amounts x_i subject to
balance + inflows - outflows >= 0 per participant) and is recorded in optima.json only if
cbc reports it optimal and the solution checks out here.

Usage: gen.py [OUT_DIR] [COUNT] [SEED]   (defaults: tests/bench/data/lsm 30 20240601)
Deterministic: Python's random.Random(seed) gives the same instances everywhere."""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

PARTICIPANTS = 20
PAYMENTS = 400


def make_instance(rng):
    names = ["P%02d" % k for k in range(PARTICIPANTS)]
    pays = []
    out = [0] * PARTICIPANTS
    for i in range(PAYMENTS):
        f = rng.randrange(PARTICIPANTS)
        t = (f + 1 + rng.randrange(PARTICIPANTS - 1)) % PARTICIPANTS
        amount = int(10 ** rng.uniform(0, 5))
        out[f] += amount
        pays.append((i, f, t, amount))
    bal = [out[k] * rng.randint(5, 20) // 100 for k in range(PARTICIPANTS)]
    doc = {
        "balances": {names[k]: {"CNY": bal[k]} for k in range(PARTICIPANTS)},
        "instructions": [
            {"id": "i%03d" % i, "legs": [{"from": names[f], "to": names[t], "asset": "CNY", "amount": a}]}
            for (i, f, t, a) in pays
        ],
    }
    return doc, bal, pays


def write_lp(path, bal, pays):
    with open(path, "w") as fh:
        fh.write("Maximize\n obj: " + " + ".join("%d x%d" % (a, i) for (i, f, t, a) in pays) + "\n")
        fh.write("Subject To\n")
        for k in range(PARTICIPANTS):
            terms = []
            for (i, f, t, a) in pays:
                if f == k:
                    terms.append("- %d x%d" % (a, i))
                elif t == k:
                    terms.append("+ %d x%d" % (a, i))
            fh.write(" c%d: %s >= %d\n" % (k, " ".join(terms) if terms else "0 x0", -bal[k]))
        fh.write("Binary\n " + " ".join("x%d" % i for (i, f, t, a) in pays) + "\nEnd\n")


def solve(bal, pays):
    with tempfile.TemporaryDirectory() as d:
        lp, sol = os.path.join(d, "p.lp"), os.path.join(d, "p.sol")
        write_lp(lp, bal, pays)
        subprocess.run(["cbc", lp, "ratio", "0", "allow", "0", "solve", "solu", sol],
                       check=True, stdout=subprocess.DEVNULL)
        text = open(sol).read()
    first = text.splitlines()[0]
    if not first.startswith("Optimal"):
        raise SystemExit("cbc did not prove optimality: " + first)
    chosen = set()
    for line in text.splitlines()[1:]:
        m = re.match(r"\s*\d+\s+x(\d+)\s+(\S+)", line)
        if m and round(float(m.group(2))) == 1:
            chosen.add(int(m.group(1)))
    b = list(bal)
    value = 0
    for (i, f, t, a) in pays:
        if i in chosen:
            b[f] -= a
            b[t] += a
            value += a
    assert min(b) >= 0, "cbc solution infeasible"
    return value


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/bench/data/lsm"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20240601
    rng = random.Random(seed)
    optima = {}
    os.makedirs(out_dir, exist_ok=True)
    for n in range(count):
        doc, bal, pays = make_instance(rng)
        name = "inst_%02d.json" % n
        with open(os.path.join(out_dir, name), "w") as fh:
            json.dump(doc, fh, separators=(",", ":"))
            fh.write("\n")
        optima[name] = solve(bal, pays)
        print(name, optima[name], file=sys.stderr)
    with open(os.path.join(out_dir, "optima.json"), "w") as fh:
        json.dump({"generator": "tests/bench/lsm_gen/gen.py", "seed": seed, "solver": "cbc (proven optimal)",
                   "optima": optima}, fh, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
