"""Chips' bf16 peaks and the per-chip speed table; TensorFlow-free, so a machine with JAX alone can write it.

Example:
    >>> peak_tflops("NVIDIA H100 80GB HBM3")
    989
"""

import json
import os

# Dense bf16 peak of each chip, TFLOP/s (vendor figures, no sparsity).
PEAK_BF16_TFLOPS = {"H100": 989, "H200": 989, "A100": 312, "L4": 121, "T4": 65}


def peak_tflops(chip):
    """The bf16 peak of a chip whose name contains a known model, else None (CPUs, unknown chips)."""
    for model, peak in PEAK_BF16_TFLOPS.items():
        if model.lower() in chip.lower():
            return peak
    return None


def device_row(*, model, chip, peak, precision, xla, batch_size, length, items_per_second, unit,
               training_flops_per_item, batch=None, **extra):
    """One row of the device table: the speed, the model FLOP/s it means and its fraction of `peak`."""
    tflops = training_flops_per_item * items_per_second / 1e12
    return {"model": model, "device": chip, "precision": precision, "xla": xla, "batch_size": batch_size,
            "batch": batch or str(batch_size), "length": length, "items_per_second": items_per_second, "unit": unit,
            **extra, "model_tflops": tflops, "fraction_of_peak": tflops / peak if peak else None}


def device_table(chip, peak, rows):
    """The rows as a Markdown table."""
    lines = [f"# kzoo on {chip}" + (f" (bf16 peak {peak} TFLOP/s)" if peak else " (no known peak)"), "",
             "| model | precision | XLA | batch | items/s | model TFLOP/s | fraction of peak |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        fraction = "–" if row["fraction_of_peak"] is None else f"{100 * row['fraction_of_peak']:.1f}%"
        lines.append(f"| {row['model']} | {row['precision']} | {'on' if row['xla'] else 'off'} | "
                     f"{row['batch_size']} ({row['batch']}) | {row['items_per_second']:,.0f} {row['unit']} | "
                     f"{row['model_tflops']:.3f} | {fraction} |")
    return "\n".join(lines) + "\n"


def write_device_results(output_dir, name, *, chip, peak, rows, **extra):
    """`output_dir/<name>.json` (every field) and `<name>.md` (the table)."""
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, f"{name}.json"), "w", encoding="utf-8") as handle:
        json.dump({"chip": chip, "peak_bf16_tflops": peak, **extra, "rows": rows}, handle, indent=2)
    with open(os.path.join(output_dir, f"{name}.md"), "w", encoding="utf-8") as handle:
        handle.write(device_table(chip, peak, rows))
