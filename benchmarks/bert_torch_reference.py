"""The PyTorch reference for `device_steps.py`'s BERT-base rows, on the same GPU in the same call.

#14 compares kzoo's GPU figures with a plain PyTorch training loop on the same model (Hugging Face's
BERT-base, random weights from its config: no download), eagerly and under `torch.compile`, in bfloat16
autocast at sequence length 128. FLOPs per example come from the exported BERT-base program's manifest,
so both sides' fraction of peak are counted alike.

    PYTHONPATH=. python benchmarks/bert_torch_reference.py steps/ --output out/
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def examples_per_second(model, optimizer, batch_size, length, *, steps, repeats):
    import torch

    ids = torch.randint(1, 1000, (batch_size, length), device="cuda")
    labels = torch.randint(0, 2, (batch_size,), device="cuda")

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(3):
        step()
    torch.cuda.synchronize()
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        timings.append((time.perf_counter() - start) / steps)
    return batch_size / sorted(timings)[len(timings) // 2]


def main():
    import torch
    import transformers

    from kzoo.bench.chips import peak_tflops

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", help="the exported programs (for BERT-base's FLOPs per example)")
    parser.add_argument("--output", required=True)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--setups", nargs="+", choices=["eager", "compile"], default=["eager", "compile"])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with open(os.path.join(args.directory, "manifest.json"), encoding="utf-8") as handle:
        flops = next(p["training_flops_per_item"] for p in json.load(handle)["programs"] if p["model"] == "bert_base")
    chip = torch.cuda.get_device_name()
    peak = peak_tflops(chip)
    rows = []
    for compiled in [setup == "compile" for setup in args.setups]:
        for batch_size in args.batch_sizes:
            torch.manual_seed(0)
            model = transformers.BertForSequenceClassification(transformers.BertConfig(num_labels=2)).cuda()
            optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, fused=True)
            if compiled:
                model = torch.compile(model)
            speed = examples_per_second(model, optimizer, batch_size, 128, steps=args.steps, repeats=args.repeats)
            tflops = flops * speed / 1e12
            rows.append({"setup": "torch.compile" if compiled else "eager", "batch_size": batch_size,
                         "examples_per_second": speed, "model_tflops": tflops,
                         "fraction_of_peak": tflops / peak if peak else None})
            print(f"PyTorch {rows[-1]['setup']} batch {batch_size}: {speed:,.0f} examples/s, {tflops:.1f} TFLOP/s"
                  + (f" ({100 * tflops / peak:.1f}% of peak)" if peak else ""), flush=True)
            del model, optimizer
            torch.cuda.empty_cache()
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, f"bert_torch_reference_{'_'.join(args.setups)}.json"), "w",
              encoding="utf-8") as handle:
        json.dump({"chip": chip, "peak_bf16_tflops": peak, "torch": torch.__version__,
                   "transformers": transformers.__version__, "rows": rows}, handle, indent=2)


if __name__ == "__main__":
    main()
