"""Writing benchmark results: CSV, JSON, RESULTS.md and a PNG plot."""

import csv
import datetime
import json
import os


def reaches(accuracy, target):
    """`accuracy >= target`, allowing for float32: Keras reports 1,900 right of 2,000 as 0.94999999."""
    return accuracy >= target - 1e-6


def _fmt(value, digits=0):
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def write_results(results, directory):
    """Writes speed.csv, results.json, RESULTS.md and speed.png into `directory`."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "results.json"), "w") as handle:
        json.dump(results, handle, indent=2)
    speed = results.get("speed", [])
    if speed:
        with open(os.path.join(directory, "speed.csv"), "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(speed[0]))
            writer.writeheader()
            writer.writerows(speed)
    with open(os.path.join(directory, "RESULTS.md"), "w") as handle:
        handle.write(render_markdown(results))
    _plot(speed, os.path.join(directory, "speed.png"))


def render_markdown(results):
    machine = results["machine"]
    lines = [
        "# kzoo benchmark results",
        "",
        f"Run {results['date']} on {machine['machine']}; Python {machine['python']}, TensorFlow "
        f"{machine['tensorflow']}, Keras {machine['keras']}. Mode: {'quick' if results['quick'] else 'full'}. "
        f"Data: {results['data']}.",
        "",
        "Every speed figure is the median of several epochs over the same cached batches, and every claim is a "
        "ratio of two configurations measured in this one run (the machine is shared and noisy).",
        "",
        "## Speed of every model",
        "",
        "| model | preset | unit | train, XLA | train, no XLA | XLA speed-up | default here: mode, vs the other (≥1) | "
        "train, lazy_adam | bf16/f32 | inference, XLA | pipeline alone | pipeline/train default (≥5) | "
        "forward FLOPs/item | train GFLOP/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results.get("speed", []):
        ratio = row["pipeline_over_train"]
        met = "" if ratio is None else (" ✓" if ratio >= 5 else " ✗")
        lines.append(
            f"| {row['model']} | {row['preset']} | {row['unit']}/s | {_fmt(row['train_xla'])} | "
            f"{_fmt(row['train_no_xla'])} | {_fmt(row['xla_speedup'], 2)}x | {_default_mode(row)} | "
            f"{_fmt(row.get('train_lazy_adam'))} | {_fmt(row['bf16_over_f32'], 2)}x | "
            f"{_fmt(row['inference_xla'])} | {_fmt(row['pipeline'])} | {_fmt(ratio, 1)}{met} | "
            f"{_fmt(row['forward_flops_per_item'] / 1e6, 2)} M | {_fmt(row['train_gflops_per_second'], 2)} |"
        )
    if results.get("comparisons"):
        lines += ["", "## kzoo versus the code it replaces (same run, same data, same batch size)", "",
                  "| comparison | baseline ex/s | kzoo ex/s | ratio | target | met |", "|---|---|---|---|---|---|"]
        for row in results["comparisons"]:
            lines.append(
                f"| {row['comparison']} | {_fmt(row['baseline'], 1)} | {_fmt(row['kzoo'], 1)} | "
                f"{_fmt(row['ratio'], 2)}x | ≥{row['target']:.0f}x | {'yes' if row['ratio'] >= row['target'] else 'no'} |"
            )
    if results.get("quality"):
        source = results.get("quality_source")
        lines += ["", "## Quality on real data", ""]
        if source:
            lines += [f"Rows without their own date come from an earlier full run of the same suite ({source}).", ""]
        lines += [
                  "| model | kzoo defaults (dev) | the example as written | target | met | measured | "
                  "published reference |",
                  "|---|---|---|---|---|---|---|"]
        for row in results["quality"]:
            target = row.get("target")
            met = "–" if target is None or row["kzoo"] is None else ("yes" if reaches(row["kzoo"], target) else "no")
            dev = f" ({_fmt(row['kzoo_dev'], 4)})" if row.get("kzoo_dev") is not None else ""
            lines.append(
                f"| {row['model']} ({row['metric']}) | {_fmt(row['kzoo'], 4)}{dev} | {_fmt(row.get('example'), 4)} | "
                f"{_fmt(target, 3) if target is not None else '–'} | {met} | {row.get('date', '–')} | "
                f"{row.get('reference', '')} |"
            )
    lines += ["", "FLOPs are analytic counts of the matrix products (`kzoo/bench/flops.py`); a training step is "
              "counted as 3x the forward pass, so GFLOP/s reads as a fraction of a chip's peak.", ""]
    return "\n".join(lines)


def _plot(speed, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    if not speed:
        return
    names = [row["model"] for row in speed]
    positions = range(len(names))
    figure, axis = plt.subplots(figsize=(9, 4))
    width = 0.27
    for offset, key, label in [(-width, "train_no_xla", "no XLA"), (0, "train_xla", "XLA"),
                               (width, "train_bf16_xla", "XLA + bf16")]:
        axis.bar([p + offset for p in positions], [row[key] for row in speed], width, label=label)
    axis.set_yscale("log")
    axis.set_xticks(list(positions))
    axis.set_xticklabels(names, rotation=20, ha="right", fontsize=8)
    axis.set_ylabel("training items / s (log)")
    axis.set_title("kzoo training speed (median of epochs, this machine)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def today():
    return datetime.date.today().isoformat()


def _default_mode(row):
    if "default_over_other" not in row:
        return "–"
    ratio = row["default_over_other"]
    return f"{'XLA' if row['default_xla'] else 'no XLA'}, {ratio:.2f}x {'✓' if ratio >= 1 else '✗'}"
