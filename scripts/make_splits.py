"""Write the fitting / held-out split of the public sets to data/eval-splits.json (once; the
file is kept in the repository so every fit and every report uses the same split).

    python scripts/make_splits.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.fitting.evalsets import Layout, make_splits  # noqa: E402

EVAL, OUT = Layout(ROOT).eval_dir, Layout(ROOT).splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the file is current")
    args = parser.parse_args()
    text = json.dumps(make_splits(EVAL), indent=0, ensure_ascii=False) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("data/eval-splits.json is current" if same else "data/eval-splits.json differs")
        sys.exit(0 if same else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
