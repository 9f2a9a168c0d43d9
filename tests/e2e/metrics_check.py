"""Runs inside a worker instance (python3 - < this file): reads the metrics from the agent's HTTP
endpoint or its textfile, parses them with prometheus_client's exposition parser, and checks
NAME[{LABEL=VALUE}]=EXPECTED arguments (EXPECTED: a number, >N or <N). Exit 1 with the text on
a mismatch.

usage: python3 - http://127.0.0.1:PORT/metrics|/path/file.prom CHECK...
"""
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def fetch(source):
    if source.startswith("http"):
        with urllib.request.urlopen(source, timeout=5) as response:
            kind = response.headers["Content-Type"]
            assert "version=0.0.4" in kind, kind
            return response.read().decode()
    with open(source) as f:
        return f.read()


def samples(text):
    out = {}
    for family in text_string_to_metric_families(text):
        assert family.documentation, family.name  # every family has its HELP
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            out[s.name + ("{" + labels + "}" if labels else "")] = s.value
    return out


def main():
    text = fetch(sys.argv[1])
    got = samples(text)
    problems = []
    for check in sys.argv[2:]:
        key, want = check.rsplit("=", 1)
        if key not in got:
            problems.append(f"{key} missing")
            continue
        value = got[key]
        ok = (value > float(want[1:])) if want[0] == ">" else (
            value < float(want[1:]) if want[0] == "<" else value == float(want))
        if not ok:
            problems.append(f"{key} = {value}, expected {want}")
    if problems:
        print(text)
        print("\n".join(problems))
        sys.exit(1)


main()
