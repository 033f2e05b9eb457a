#!/usr/bin/env bash
# specs/errors.md §2 must list exactly the result codes the binary registers: same codes,
# same names, same message text, nothing extra, nothing missing. Compares the tables of
# §2 against `folio errors --json`. Usage: errors_doc.sh /path/to/folio
# Ends with "N passed, M failed"; exits 1 on any mismatch, 2 on a usage or setup error.
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 /path/to/folio" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "errors_doc: python3 is required" >&2; exit 2; }
SRC="${FOLIO_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}"
DOC="$SRC/specs/errors.md"
[ -f "$DOC" ] || { echo "errors_doc: $DOC not found" >&2; exit 2; }

JSON="$("$1" errors --json)" || { echo "errors_doc: '$1 errors --json' failed" >&2; exit 2; }

printf '%s' "$JSON" | python3 -c '
import json, re, sys

doc_path = sys.argv[1]
live = {e["code"]: (e["name"], e["message"]) for e in json.load(sys.stdin)["errors"]}

# Rows of the tables in "## 2. Result codes" (up to the next "## " heading):
# | code | `NAME` | where | text |
doc, dup = {}, []
in_section = False
for line in open(doc_path, encoding="utf-8"):
    if line.startswith("## "):
        in_section = line.startswith("## 2. Result codes")
        continue
    if not in_section:
        continue
    m = re.match(r"^\|\s*(\d+)\s*\|\s*`([A-Z0-9_]+)`\s*\|[^|]*\|\s*(.*?)\s*\|\s*$", line)
    if m:
        code = int(m.group(1))
        if code in doc:
            dup.append(code)
        doc[code] = (m.group(2), m.group(3))

passed = failed = 0
def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("  FAIL  " + what)

check(len(live) > 0, "folio errors --json lists codes")
check(len(doc) > 0, "specs/errors.md section 2 has code tables")
for code in dup:
    check(False, "code %d listed twice in specs/errors.md" % code)
for code in sorted(set(live) | set(doc)):
    if code not in doc:
        check(False, "%d %s is registered but missing from specs/errors.md" % (code, live[code][0]))
        continue
    if code not in live:
        check(False, "%d %s is in specs/errors.md but not registered" % (code, doc[code][0]))
        continue
    check(doc[code][0] == live[code][0],
          "%d: name in spec %s, binary %s" % (code, doc[code][0], live[code][0]))
    check(doc[code][1] == live[code][1],
          "%d %s: text in spec \"%s\", binary \"%s\"" % (code, live[code][0], doc[code][1], live[code][1]))
print("errors_doc: %d codes registered, %d in specs/errors.md" % (len(live), len(doc)))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
' "$DOC"
