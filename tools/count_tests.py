#!/usr/bin/python3
"""Counts test cases from the test.xml files written by one `bazel test` run.

Prints `tests: N passed, M failed`. Only test.xml files newer than --since are
counted (cached results from earlier runs are counted too when bazel reports
them as cached in the log). Targets that bazel reports as FAILED TO BUILD or
NO STATUS count as one failed test each. Exit status 1 when anything failed.
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET


def count_xml(path):
    passed = failed = 0
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        return 0, 1
    cases = list(root.iter("testcase"))
    if not cases:
        failures = int(root.get("failures", "0") or 0) + int(root.get("errors", "0") or 0)
        return (0, 1) if failures else (1, 0)
    for case in cases:
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("status") == "notrun" or case.find("skipped") is not None:
            continue
        else:
            passed += 1
    return passed, failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--since", help="only count test.xml newer than this file")
    parser.add_argument("--bazel-log", help="bazel's output, to find targets that did not build")
    parser.add_argument("--testlogs", default="bazel-testlogs")
    args = parser.parse_args()

    log = open(args.bazel_log, errors="replace").read() if args.bazel_log else ""
    # Targets bazel reported in its summary (passed, cached, failed, ...).
    reported = re.findall(r"^(//\S+)\s+(?:\(cached\)\s+)?(PASSED|FAILED|TIMEOUT|FLAKY|NO STATUS|FAILED TO BUILD|SKIPPED)", log, re.M)
    since = os.path.getmtime(args.since) if args.since else 0.0

    passed = failed = 0
    seen = set()
    for target, status in reported:
        seen.add(target)
        pkg, _, name = target[2:].partition(":")
        xml = os.path.join(args.testlogs, pkg, name, "test.xml")
        if status in ("FAILED TO BUILD", "NO STATUS") or not os.path.exists(xml):
            failed += 1
            continue
        p, f = count_xml(xml)
        if status in ("FAILED", "TIMEOUT") and f == 0:
            f = 1
        passed += p
        failed += f
    if not reported:
        # No summary (bazel did not get to run tests at all): count fresh files.
        for dirpath, _, files in os.walk(args.testlogs, followlinks=True):
            if "test.xml" in files:
                path = os.path.join(dirpath, "test.xml")
                if os.path.getmtime(path) >= since:
                    p, f = count_xml(path)
                    passed += p
                    failed += f
        if re.search(r"^(ERROR|FAILED):", log, re.M):
            failed += 1
    print(f"tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
