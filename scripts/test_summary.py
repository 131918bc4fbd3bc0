#!/usr/bin/env python3
"""Counts the individual GoogleTest cases behind meson's per-binary results and prints
one closing line: 'tests: N passed, N failed, N skipped'."""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

passed = failed = skipped = 0
log = Path(sys.argv[1])
for line in log.read_text().splitlines():
    entry = json.loads(line)
    xml_files = [Path(a.split("=", 1)[1].removeprefix("xml:")) for a in entry.get("command", [])
                 if a.startswith("--gtest_output=xml:")]
    counted = False
    for xf in xml_files:
        if not xf.is_absolute():
            xf = log.parent.parent / xf
        if not xf.exists():
            continue
        for case in ET.parse(xf).getroot().iter("testcase"):
            counted = True
            if case.find("failure") is not None:
                failed += 1
            elif case.find("skipped") is not None or case.get("result") == "skipped":
                skipped += 1
            else:
                passed += 1
    if not counted:
        if entry.get("result") in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif entry.get("result") == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
