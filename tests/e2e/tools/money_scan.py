#!/usr/bin/env python3
"""Scans what a person read in an e2e session for money shown against specs/money.md §3.

usage: money_scan.py FILE [FORBIDDEN...]

- every figure labelled with a currency code is a decimal with exactly the currency's
  decimals and ',' thousands separators ("1,250.50 CNY", "3,000 JPY");
- in a table (a header, a line of dashes, rows up to a blank line, a "$ " command line or
  the next table's header), a cell that holds money
  holds only that figure and is right-aligned in its column;
- none of the FORBIDDEN strings occurs (e.g. a minor-unit figure that must not be shown).
Prints a summary line, then one BAD line per finding; exit 1 if there is any.
"""
import re
import sys

SCALE = {"CNY": 2, "HKD": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}
MONEY = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})*(\.[0-9]+)? (%s)" % "|".join(SCALE))


def well_formed(number, ccy):
    dec = r"\.[0-9]{%d}" % SCALE[ccy] if SCALE[ccy] else ""
    return re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})*" + dec, number) is not None


def main():
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    bad = []
    figures = 0
    for m in re.finditer(r"(?<![\w.,])([0-9][0-9,.]*) (%s)\b" % "|".join(SCALE), text):
        figures += 1
        if not well_formed(m.group(1), m.group(2)):
            bad.append("not a decimal at the currency's scale: %r" % m.group(0))
    for s in sys.argv[2:]:
        if s in text:
            bad.append("forbidden: %r" % s)
    lines = text.split("\n")
    tables = 0
    for i, dashes in enumerate(lines):
        if i == 0 or not re.fullmatch(r"-+(  -+)*", dashes):
            continue
        tables += 1
        cols = [m.span() for m in re.finditer(r"-+", dashes)]
        for k in range(i + 1, len(lines)):
            row = lines[k]
            # a table ends at a blank line, a command line, or the header of the next table
            nxt_dashes = k + 1 < len(lines) and re.fullmatch(r"-+(  -+)*", lines[k + 1])
            if not row.strip() or row.startswith("$ ") or nxt_dashes:
                break
            for c, (a, b) in enumerate(cols):
                nxt = cols[c + 1][0] - 2 if c + 1 < len(cols) else len(row)
                cell = row[a:max(b, nxt)].strip()
                if MONEY.fullmatch(cell):
                    if len(row) < b or row[b - 1] == " ":
                        bad.append("not right-aligned: %r in %r" % (cell, row))
                elif MONEY.search(cell):
                    bad.append("money inside a text cell: %r in %r" % (cell, row))
    print("%d tables, %d money figures, %d bytes" % (tables, figures, len(text)))
    for b in bad:
        print("BAD: %s" % b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
