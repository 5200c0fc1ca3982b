#!/usr/bin/env python3
"""Writes sample.csv: 200 rows for `binary_classifier --csv`, reproducibly (a fixed seed).

Four features on very different scales (so that standardizing matters), one of them pure
noise, and a 0/1 "label" with some label noise near the boundary. Two feature values and one
label are missing, to exercise the example's filling and dropping.
"""
import random
from pathlib import Path

ROWS = 200
MISSING_FEATURE = {17: "width", 123: "weight"}  # row -> the column left empty
MISSING_LABEL_ROW = 58  # its label is "NA"


def sample(rng):
    length = rng.gauss(0.0, 1.0)
    width = rng.gauss(0.0, 1.0)
    weight = rng.uniform(0.0, 1.0)
    noise = rng.gauss(0.0, 1.0)
    score = 1.5 * length - width + 0.8 * (weight - 0.5) + rng.gauss(0.0, 0.5)
    return {
        "length": f"{length:.3f}",
        "width": f"{50 + 10 * width:.2f}",
        "weight": f"{1000 * weight:.1f}",
        "noise": f"{noise:.3f}",
        "label": "1" if score > 0 else "0",
    }


def main():
    rng = random.Random(2024)
    columns = ["length", "width", "weight", "noise", "label"]
    lines = [",".join(columns)]
    for row in range(ROWS):
        values = sample(rng)
        if row in MISSING_FEATURE:
            values[MISSING_FEATURE[row]] = ""
        if row == MISSING_LABEL_ROW:
            values["label"] = "NA"
        lines.append(",".join(values[column] for column in columns))
    Path(__file__).with_name("sample.csv").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
