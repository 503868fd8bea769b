#!/usr/bin/env python3
"""Runs every example and exercise solution of the curriculum and compares what Python prints
with the `output` / `expected_output` the lesson shows. Usage: check_curriculum.py [python.yaml]"""
import contextlib
import io
import os
import sys

try:
    import yaml
except ImportError:  # ctest treats 77 as "skipped"
    print("PyYAML is not installed; skipping the curriculum run")
    sys.exit(77)


def run(code):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "<lesson>", "exec"), {"__name__": "__main__"})
    return buffer.getvalue()


def main():
    default = os.path.join(os.path.dirname(__file__), "../../src/services/course_agent/curriculum/python.yaml")
    path = sys.argv[1] if len(sys.argv) > 1 else default
    with open(path) as f:
        data = yaml.safe_load(f)
    failures = 0
    checked = 0
    os.chdir(os.environ.get("TMPDIR", "/tmp"))
    for topic in data["topics"]:
        for level_name, level in topic["levels"].items():
            cases = [(f"example {e['title']!r}", e["code"], e["output"]) for e in level["examples"]]
            cases += [(f"exercise {i + 1}", x["solution"], x["expected_output"]) for i, x in enumerate(level["exercises"])]
            for label, code, expected in cases:
                checked += 1
                try:
                    actual = run(code)
                except Exception as error:  # the lesson code itself is broken
                    actual = f"<raised {type(error).__name__}: {error}>"
                if actual.rstrip() != expected.rstrip():
                    failures += 1
                    print(f"MISMATCH {topic['id']}/{level_name} {label}\n--- expected\n{expected}--- actual\n{actual}")
    print(f"{checked} snippets checked, {failures} mismatches, {len(data['topics'])} topics")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
