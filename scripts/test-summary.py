#!/usr/bin/env python3
"""Adds up the tests of one test run: nextest's JUnit report and the output
of `cargo test` runs (their `test result:` lines). Prints one closing line,
`tests: N passed, N failed, N skipped`, and exits non-zero if any failed.

Usage: python3 scripts/test-summary.py JUNIT.xml [CARGO_TEST_OUTPUT ...]
"""
import re
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
junit, *logs = sys.argv[1:]
for case in ET.parse(junit).getroot().iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
result = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")
for log in logs:
    with open(log, encoding="utf-8", errors="replace") as f:
        for m in result.finditer(f.read()):
            passed += int(m.group(1))
            failed += int(m.group(2))
            skipped += int(m.group(3))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
