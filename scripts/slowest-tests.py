#!/usr/bin/env python3
"""Prints the slowest tests of a nextest JUnit report, slowest first.

Usage: python3 scripts/slowest-tests.py [REPORT] [COUNT]
(default: target/nextest/ci/junit.xml, 20 tests)
"""
import sys
import xml.etree.ElementTree as ET

report = sys.argv[1] if len(sys.argv) > 1 else "target/nextest/ci/junit.xml"
count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
try:
    root = ET.parse(report).getroot()
except (OSError, ET.ParseError) as e:
    print(f"no test timings: {report}: {e}")
    sys.exit(0)

cases = []
total = 0.0
for suite in root.iter("testsuite"):
    for case in suite.iter("testcase"):
        seconds = float(case.get("time", "0"))
        total += seconds
        cases.append((seconds, f"{suite.get('name')} {case.get('name')}"))
cases.sort(reverse=True)
print(f"{len(cases)} tests, {total:.0f} test-seconds in all; the {min(count, len(cases))} slowest:")
for seconds, name in cases[:count]:
    print(f"{seconds:8.1f} s  {name}")
