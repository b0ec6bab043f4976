#!/usr/bin/python3
"""Summarises a Bazel execution log (--execution_log_json_file).

    execution_log.py LOG.json            one line: executed and cached spawns
    execution_log.py LOG.json --executed MNEMONIC
                                         prints how many MNEMONIC spawns ran

A spawn "ran" when it was executed (locally or in the sandbox); it came
"from the cache" when the disk or remote cache served it. Bazel 4 writes the
log as a stream of JSON objects, one per spawn.
"""
import collections
import json
import sys


def spawns(path):
    text = open(path, encoding="utf-8").read()
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        spawn, pos = decoder.raw_decode(text, pos)
        yield spawn


def from_cache(spawn):
    return spawn.get("remoteCacheHit", False) or "cache hit" in spawn.get("runner", "")


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--executed"):
        sys.exit(__doc__)
    executed = collections.Counter()
    cached = collections.Counter()
    for spawn in spawns(argv[1]):
        (cached if from_cache(spawn) else executed)[spawn.get("mnemonic", "?")] += 1
    if len(argv) == 4:
        print(executed[argv[3]])
        return
    detail = ", ".join(f"{m} {n}" for m, n in sorted(executed.items()))
    print(f"{sum(executed.values())} actions executed" + (f" ({detail})" if detail else "") +
          f", {sum(cached.values())} from the cache")


if __name__ == "__main__":
    main(sys.argv)
