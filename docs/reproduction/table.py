#!/usr/bin/env python3
"""The table of docs/reproduction.md from run directories: one row per schedule, accuracy as
mean ± half the range over its seeds (every seed listed), updates, mean wall time, speed-ups
against the first schedule named. Usage: table.py RUNS_DIR NAME...  (runs are RUNS_DIR/NAME-sSEED)"""
import glob, json, os, sys

runs_dir, names = sys.argv[1], sys.argv[2:]
rows, reference = [], None
for name in names:
    summaries = []
    for directory in sorted(glob.glob(os.path.join(runs_dir, name + "-s*"))):
        path = os.path.join(directory, "summary.json")
        if os.path.exists(path):
            summary = json.load(open(path))
            summary["seed"] = directory.rsplit("-s", 1)[1]
            summaries.append(summary)
    if not summaries:
        continue
    accuracies = [100 * s["final_test_accuracy"] for s in summaries]
    best = [100 * s["best_test_accuracy"] for s in summaries]
    seconds = [s["seconds"] for s in summaries]
    row = {
        "name": name, "seeds": [s["seed"] for s in summaries], "updates": summaries[0]["updates"],
        "accuracy": sum(accuracies) / len(accuracies), "spread": (max(accuracies) - min(accuracies)) / 2,
        "each": accuracies, "best": sum(best) / len(best), "seconds": sum(seconds) / len(seconds),
    }
    assert all(s["updates"] == row["updates"] == s["planned_updates"] for s in summaries)
    reference = reference or row
    rows.append(row)

print("| schedule | seeds | final test accuracy (mean ± ½ range) | each seed | Δ vs " + reference["name"]
      + " | best (mean) | updates | wall time (mean) | speed-up (updates) | speed-up (wall time) |")
print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for row in rows:
    print(f"| {row['name']} | {len(row['seeds'])} | {row['accuracy']:.2f} ± {row['spread']:.2f} % | "
          + ", ".join(f"{a:.2f}" for a in row["each"])
          + f" | {round(row['accuracy'] - reference['accuracy'], 2) + 0.0:+.2f} | {row['best']:.2f} % | {row['updates']} | "
          + f"{row['seconds']:.1f} s | {reference['updates'] / row['updates']:.2f}× | "
          + f"{reference['seconds'] / row['seconds']:.2f}× |")
