#!/usr/bin/env python3
"""Counts the individual GoogleTest cases behind meson's per-binary results (meson's
gtest protocol leaves <test>.xml in the build directory) and prints one closing line:
'tests: N passed, N failed, N skipped'."""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

log = Path(sys.argv[1])
build = log.parent.parent
passed = failed = skipped = 0
for line in log.read_text().splitlines():
    entry = json.loads(line)
    name = entry["name"].split(" / ")[-1]
    xml = build / f"{name}.xml"
    cases = list(ET.parse(xml).getroot().iter("testcase")) if xml.exists() else []
    for case in cases:
        if case.find("failure") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("result") == "skipped":
            skipped += 1
        else:
            passed += 1
    if not cases:
        result = entry.get("result")
        passed += result in ("OK", "EXPECTEDFAIL")
        skipped += result == "SKIP"
        failed += result not in ("OK", "EXPECTEDFAIL", "SKIP")
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
