"""Compiles and times the training steps `kzoo.bench.step_programs` wrote, with JAX's XLA: no TensorFlow needed.

Every program runs on the first device JAX sees, its batch as exported and
its variables filled at random (or with their exported values): warm-up steps,
then the median of `repeats` timings of `steps` steps. Rows match `kzoo bench
--device`'s (examples or tokens per second, model TFLOP/s, fraction of the
chip's bf16 peak), with XLA on (these are XLA programs).

Example:
    >>> rows = run_step_programs("steps", output_dir="out")  # on a GPU machine with JAX
"""

import collections
import concurrent.futures
import fnmatch
import glob
import gzip
import json
import os
import re
import statistics
import tempfile
import time

import numpy as np

from kzoo.bench.chips import device_row, peak_tflops, write_device_results

RESULTS_NAME = "device_xla_programs"


def jax_backend():
    """JAX (64-bit types on) and its XLA client for the first platform."""
    import jax  # only here: the rest of kzoo never needs JAX
    import jax.extend.backend

    jax.config.update("jax_enable_x64", True)  # or int64 variables (seeds, step counters) would become int32
    return jax, jax.extend.backend.get_backend()


# Variants of a program to compile, first that XLA accepts wins: as written; without MHLO's attributes
# (module-level aliasing and prefetch hints, per-op frontend attributes), which an XLA may no longer read.
_MODULE_ATTRIBUTES = re.compile(r"^(module @\S+) attributes \{.*\} \{$", re.M)
_FRONTEND_ATTRIBUTES = re.compile(r" \{mhlo\.frontend_attributes = \{[^{}]*\}\}")


def program_variants(text):
    """The program as written, then without MHLO attributes."""
    yield text
    yield _FRONTEND_ATTRIBUTES.sub("", _MODULE_ATTRIBUTES.sub(r"\1 {", text, count=1))


class Program:
    """A compiled step and which of its results replace which parameters (the updated variables).

    TensorFlow's program updates its variables in place (their buffers are
    donated), so each step's results become the next step's parameters.
    """

    def __init__(self, path, aliases, client, device):
        from jax._src.lib import xla_client

        with gzip.open(path, "rt", encoding="utf-8") as handle:
            text = handle.read()
        self.aliases = [tuple(pair) for pair in aliases]
        errors = []
        for variant in program_variants(text):
            try:
                try:
                    self.executable = client.compile_and_load(variant, [device], xla_client.CompileOptions())
                except TypeError:  # jaxlib versions that take a DeviceList
                    self.executable = client.compile_and_load(variant, xla_client.DeviceList((device,)),
                                                              xla_client.CompileOptions())
                break
            except Exception as error:  # noqa: BLE001  (XLA's parse errors have no narrower common type)
                errors.append(error)
        else:
            raise RuntimeError(" | ".join(" / ".join(str(e).splitlines()[:4]) for e in errors))
        self.variant = len(errors)

    def step(self, arguments):
        """Runs one step (without waiting for it); returns the next step's arguments and this step's sums."""
        results = self.executable.execute_sharded(arguments).disassemble_into_single_device_arrays()
        outputs = [shard[0] for shard in results]
        arguments = list(arguments)
        for parameter, output in self.aliases:
            arguments[parameter] = outputs[output]
        return arguments, outputs[0]


def program_arguments(jax, entry, directory, device, *, seed=0):
    """The program's parameters on `device`: the exported batch, then each variable (exported or random)."""
    import ml_dtypes  # NumPy has no bfloat16 of its own

    saved = np.load(os.path.join(directory, entry["batch"]))
    rng = np.random.default_rng(seed)
    arrays = [saved[f"argument_{i}"] for i in range(entry["arguments"])]
    for i, variable in enumerate(entry["variables"]):
        if f"variable_{i}" in saved:
            arrays.append(saved[f"variable_{i}"])
            continue
        dtype = ml_dtypes.bfloat16 if variable["dtype"] == "bfloat16" else np.dtype(variable["dtype"])
        if variable["dtype"] == "bfloat16" or np.issubdtype(dtype, np.floating):
            # Small positive values: any optimizer state (Adam's second moment too) stays valid.
            arrays.append(rng.uniform(0.0, 0.02, variable["shape"]).astype(dtype))
        else:
            arrays.append(np.zeros(variable["shape"], dtype))
    return [jax.device_put(array, device) for array in arrays]


def _manifest_entries(directory, patterns):
    with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as handle:
        return [e for e in json.load(handle)["programs"]
                if any(fnmatch.fnmatchcase(e["model"], pattern) for pattern in patterns)]


def time_steps(program, arguments, *, steps, repeats, warmup=3):
    """Median seconds per step: each timing launches `steps` steps, feeding each one's variables to the next."""
    for _ in range(warmup):
        arguments, sums = program.step(arguments)
    sums.block_until_ready()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            arguments, sums = program.step(arguments)
        for argument in arguments:
            argument.block_until_ready()
        timings.append((time.perf_counter() - start) / steps)
    return statistics.median(timings)


def speed_row(entry, seconds, *, chip, peak):
    """One row of the device table for a program that took `seconds` per step."""
    return device_row(model=entry["model"], chip=chip, peak=peak, precision=entry["precision"], xla=True,
                      batch_size=entry["batch_size"], length=entry["length"],
                      items_per_second=entry["items_per_step"] / seconds, unit=entry["unit"],
                      training_flops_per_item=entry["training_flops_per_item"], seconds_per_step=seconds)


def run_step_programs(directory, *, output_dir=None, steps=20, repeats=3, patterns=("*",), overlap=True, log=print):
    """Times the programs of `directory`'s manifest whose model matches one of `patterns`; returns the rows.

    With `overlap`, a program is timed as soon as it and those before it have compiled (the most rows when
    time is short); without, timing starts once every compile is done, so that small launch-bound steps are
    not timed against compiles busy on every CPU core.
    """
    jax, client = jax_backend()
    device = jax.devices()[0]
    chip = device.device_kind if device.platform != "cpu" else "CPU"
    peak = peak_tflops(chip) if device.platform != "cpu" else None
    entries = _manifest_entries(directory, patterns)

    def load(entry):
        try:
            return Program(os.path.join(directory, entry["program"]), entry["aliases"], client, device)
        except Exception as error:  # noqa: BLE001  (reported with its program below)
            return error

    rows = []
    # Compiles run in parallel threads while finished ones are timed in order (a GPU step barely waits on
    # the CPU), and the results are written after every row: a run stopped part-way keeps what it measured.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        compiling = [pool.submit(load, entry) for entry in entries]
        if not overlap:
            concurrent.futures.wait(compiling)
        for index, entry in enumerate(entries):
            program, compiling[index] = compiling[index].result(), None  # dropped once timed
            try:
                if isinstance(program, Exception):
                    raise program
                arguments = program_arguments(jax, entry, directory, device)
                seconds = time_steps(program, arguments, steps=steps, repeats=repeats)
            except Exception as error:  # noqa: BLE001  (out of memory has no common type across jaxlib versions)
                log(f"{entry['program']}: {type(error).__name__}: {' / '.join(str(error).splitlines()[:6])[:1500]}")
                continue
            rows.append(speed_row(entry, seconds, chip=chip, peak=peak))
            fraction = rows[-1]["fraction_of_peak"]
            log(f"{entry['model']} {entry['precision']} batch {entry['batch_size']}: "
                f"{rows[-1]['items_per_second']:,.0f} {entry['unit']}/s, {rows[-1]['model_tflops']:.1f} TFLOP/s"
                + (f" ({100 * fraction:.1f}% of peak)" if fraction else ""))
            if output_dir:
                write_device_results(output_dir, RESULTS_NAME, chip=chip, peak=peak, rows=rows, jax=jax.__version__)
    largest = {}
    for row in rows:
        key = (row["model"], row["precision"])
        if row["batch_size"] > 32 and row["batch_size"] > largest.get(key, {"batch_size": 0})["batch_size"]:
            largest[key] = row
    for row in largest.values():
        row["batch"] = "largest"
    if output_dir:
        write_device_results(output_dir, RESULTS_NAME, chip=chip, peak=peak, rows=rows, jax=jax.__version__)
    return rows


def device_op_times(profile):
    """`{line: {event name: [count, total ns]}}` for every line of the profile's device planes (else host planes).

    On a GPU the busiest line is the compute stream's kernels: XLA's fusions
    (`input_transpose_fusion_86` is the optimized HLO's `input_transpose_fusion.86`)
    and cuBLAS's matrix products (`nvjet_...`).
    """
    planes = [plane for plane in profile.planes if plane.name.startswith("/device:")]
    times = {}
    for plane in planes or profile.planes:  # a CPU run has only host planes
        for line in plane.lines:
            totals = times.setdefault(f"{plane.name} {line.name}", collections.defaultdict(lambda: [0, 0.0]))
            for event in line.events:
                totals[event.name][0] += 1
                totals[event.name][1] += event.duration_ns
    return {line: dict(totals) for line, totals in times.items()}


def profile_step_program(directory, program_file, *, output_dir, steps=5, top=40, log=print):
    """Where one exported step spends its time on the device, from JAX's profiler over `steps` steps.

    Writes `output_dir/profile-<program>.json` (per device line, the `top`
    events by total time, per step) and `optimized-<program>.hlo.gz` (the HLO
    XLA compiled, whose instruction names the kernels carry); returns the
    rows of the XLA ops line where the profile has one, else of the busiest line.

    Example:
        >>> profile_step_program("steps", "bert_base-mixed_bfloat16-1024.mlir.gz", output_dir="out")
    """
    from jax.profiler import ProfileData

    jax, client = jax_backend()
    device = jax.devices()[0]
    entry = next(e for e in _manifest_entries(directory, ["*"]) if e["program"] == program_file)
    program = Program(os.path.join(directory, program_file), entry["aliases"], client, device)
    arguments = program_arguments(jax, entry, directory, device)
    seconds = time_steps(program, arguments, steps=steps, repeats=1)
    arguments = program_arguments(jax, entry, directory, device)  # time_steps donated the first ones
    with tempfile.TemporaryDirectory() as trace_directory:
        jax.profiler.start_trace(trace_directory)
        for _ in range(steps):
            arguments, sums = program.step(arguments)
        for argument in arguments:
            argument.block_until_ready()
        jax.profiler.stop_trace()
        profile = ProfileData.from_file(glob.glob(os.path.join(trace_directory, "**", "*.xplane.pb"),
                                                  recursive=True)[0])
        times = device_op_times(profile)
    stem = program_file.removesuffix(".mlir.gz")
    lines = {}
    for line, totals in times.items():
        ranked = sorted(totals.items(), key=lambda item: -item[1][1])
        busy_ns = sum(total for _, total in totals.values())
        lines[line] = {"busy_ms_per_step": busy_ns / steps / 1e6, "events": [
            {"name": name, "calls_per_step": count / steps, "ms_per_step": total / steps / 1e6,
             "share_of_step": total / steps / 1e9 / seconds} for name, (count, total) in ranked[:top]]}
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, f"profile-{stem}.json"), "w", encoding="utf-8") as handle:
        json.dump({"program": program_file, "device": device.device_kind, "seconds_per_step": seconds,
                   "lines": lines}, handle, indent=2)
    with gzip.open(os.path.join(output_dir, f"optimized-{stem}.hlo.gz"), "wt", encoding="utf-8") as handle:
        handle.write("\n\n".join(module.to_string() for module in program.executable.hlo_modules()))
    ops_line = next((line for line in lines if line.endswith("XLA Ops")), None) or max(
        lines, key=lambda line: lines[line]["busy_ms_per_step"], default=None)
    rows = lines[ops_line]["events"] if ops_line else []
    log(f"{stem}: {1e3 * seconds:.1f} ms per step; {ops_line}:")
    for row in rows[:25]:
        log(f"  {row['ms_per_step']:8.2f} ms {100 * row['share_of_step']:5.1f}%  x{row['calls_per_step']:g}  "
            f"{row['name'][:100]}")
    return rows
