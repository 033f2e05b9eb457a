#!/usr/bin/env python3
"""Evidence ingest beside its floor (issue 15, specs/evidence.md §9), in the same run.

The log is two files PREFIX.1.log and PREFIX.2.log (bench_evidence --gen). Per run:
  floor   `sha256sum` of each file, two processes at once (one per core): coreutils'
          program over the same bytes, the issue's floor;
  openssl `openssl dgst -sha256` the same way (SHA-NI here, ~5x sha256sum): printed for
          transparency, not the target's floor;
  ingest  `folio evidence ingest PREFIX.1.log PREFIX.2.log --home H` as a user runs it: the
          store's writes included (slice files, the record and link indexes, by-source),
          into a fresh store. No node runs: the anchors are not submitted (the command's
          last step, reaching the node, fails and is not timed in any other way).
Wall clock and CPU time (user + system of the processes) of each; ratios of the ingest to
the floor by both. The machine may be shared: the CPU ratio is the one the load moves least.

  evidence_floor.py FOLIO PREFIX RUNS
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def timed(cmds):
    """Runs the commands at once; returns (wall s, cpu s, outputs)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    ps = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in cmds]
    outs = [p.communicate() for p in ps]
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, [(p.returncode, o, e) for p, (o, e) in zip(ps, outs)]


def spread(xs):
    return "%.2f-%.2f" % (min(xs), max(xs)) if min(xs) < 10 else "%.0f-%.0f" % (min(xs), max(xs))


def main():
    folio, prefix, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = [prefix + ".1.log", prefix + ".2.log"]
    size = sum(os.path.getsize(f) for f in files)
    mb = size / 1e6
    lines = 0
    rows = {k: [] for k in ("fw", "fc", "ow", "oc", "iw", "ic", "rw", "rc", "busy", "rps")}
    for run in range(runs):
        fw, fc, out = timed([["sha256sum", f] for f in files])
        if any(rc != 0 for rc, _, _ in out):
            sys.exit("bench: sha256sum failed")
        ow, oc, _ = timed([["openssl", "dgst", "-sha256", f] for f in files])
        home = tempfile.mkdtemp(prefix="folio-bench-ingest.", dir=os.environ.get("TMPDIR"))
        try:
            subprocess.run([folio, "init", "--home", home + "/h"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            iw, ic, out = timed([[folio, "evidence", "ingest"] + files + ["--home", home + "/h"]])
            text = out[0][1].decode()
            got = [l for l in text.splitlines() if " records in " in l]
            if len(got) != 2:
                sys.exit("bench: ingest failed: %s %s" % (text, out[0][2].decode()))
            lines = sum(int(l.split(": ")[1].split()[0]) for l in got)
            store = home + "/h/evidence"
            zbytes = sum(os.path.getsize(os.path.join(store, f))
                         for f in os.listdir(store) if f.endswith(".slice"))
        finally:
            shutil.rmtree(home, ignore_errors=True)
        for k, v in (("fw", mb / fw), ("fc", mb / fc), ("ow", mb / ow), ("oc", mb / oc),
                     ("iw", mb / iw), ("ic", mb / ic), ("rw", fw / iw), ("rc", fc / ic),
                     ("busy", ic / iw), ("rps", lines / iw)):
            rows[k].append(v)
        print("run %d: sha256sum x2 %.0f MB/s (%.0f MB/CPU-s) | openssl x2 %.0f MB/s (%.0f) | "
              "ingest %.0f MB/s, %.0f records/s (%.0f MB/CPU-s, %.2f cores) | ratio %.2f wall, "
              "%.2f CPU | load %.1f" % (run + 1, mb / fw, mb / fc, mb / ow, mb / oc, mb / iw,
                                        lines / iw, mb / ic, ic / iw, fw / iw, fc / ic,
                                        os.getloadavg()[0]), flush=True)
    print("log: %.1f MB in two files, %d records (%.0f bytes each); slices %.1f MB (%.1f %%)"
          % (mb, lines, size / max(lines, 1), zbytes / 1e6, 100 * zbytes / size))
    print("floor, sha256sum of the two files on two cores: %s MB/s, %s MB per CPU-second"
          % (spread(rows["fw"]), spread(rows["fc"])))
    print("openssl dgst -sha256 the same way (SHA-NI, for transparency): %s MB/s, %s MB per "
          "CPU-second" % (spread(rows["ow"]), spread(rows["oc"])))
    print("folio evidence ingest (store writes included, no anchoring): %s MB/s, %s records/s, "
          "%s MB per CPU-second, %s cores busy" % (spread(rows["iw"]), spread(rows["rps"]),
                                                   spread(rows["ic"]), spread(rows["busy"])))
    print("ingest / floor: %s by wall clock, %s by CPU time (target >= 0.7); / openssl: %s by "
          "CPU time" % (spread(rows["rw"]), spread(rows["rc"]),
                        spread([a / b for a, b in zip(rows["ic"], rows["oc"])])))


if __name__ == "__main__":
    main()
