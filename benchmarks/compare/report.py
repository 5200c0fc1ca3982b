#!/usr/bin/python3
"""Writes benchmarks/RESULTS.md (to stdout) from the results run.sh collected.

Each line of the input is {"system": "W2/1/pytorch", "round": r, "result": {...}} with the
result a program printed. Figures are medians over rounds; a ratio neuro / peer is the
median of the per-round ratios, both measured in the same round, one right after the other.
"""
import argparse
import datetime
import json
import platform
import statistics
import subprocess
from collections import defaultdict

FIGURE = {"W1": ("per_step_us", "us/step", False), "W2": ("samples_per_second", "samples/s", True),
          "W3": ("gflops", "GFLOP/s", True)}


def shell(command):
    try:
        return subprocess.run(command, shell=True, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def machine():
    cpu = {}
    for line in shell("lscpu").splitlines():
        key, _, value = line.partition(":")
        cpu[key.strip()] = value.strip()
    flags = cpu.get("Flags", "").split()
    simd = ", ".join(f for f in ("avx2", "fma", "avx512f") if f in flags) or "no AVX2"
    torch = shell("/usr/bin/python3 -c 'import torch; print(torch.__version__)'")
    tiny_dnn = shell("dpkg-query -W -f='${Version}' tiny-dnn")
    openblas = shell("dpkg-query -W -f='${Version}' libopenblas0-pthread")
    load = shell("cut -d' ' -f1-3 /proc/loadavg")
    compiler = shell("g++ --version | head -1")
    return [
        f"- CPU: {cpu.get('Model name', '?')}, {shell('nproc')} CPUs ({cpu.get('Core(s) per socket', '?')} cores per "
        f"socket, {cpu.get('Thread(s) per core', '?')} threads per core), {simd}",
        f"- {platform.system()} {platform.release()}; {compiler}",
        f"- Peers: PyTorch {torch} (python3-torch, libtorch-dev), tiny-dnn {tiny_dnn}, OpenBLAS {openblas}",
        f"- Load average when the table was written: {load}",
    ]


def goals(runs, ratio):
    """The issue's goals, each with the ratio that judges it (median of per-round ratios)."""
    def show(value, invert=False):
        if value is None:
            return "not measured"
        return f"{1 / value:.1f}x" if invert else f"{value:.2f}"

    lines = ["## Goals", "", "| Goal | Measured | Met |", "|---|---:|---|"]

    def goal(text, value, met):
        lines.append(f"| {text} | {value} | {'-' if met is None else ('yes' if met else 'no')} |")

    w1_torch = ratio("W1/1/neuro", "W1/1/pytorch")
    goal("W1, 1 thread: at least 35x faster than PyTorch", show(w1_torch, True),
         None if w1_torch is None else 1 / w1_torch >= 35)
    w1_plain = ratio("W1/1/neuro", "W1/1/plain-eigen")
    goal("W1, 1 thread: faster than the plain Eigen loop (time ratio below 1)", show(w1_plain),
         None if w1_plain is None else w1_plain < 1)
    w1_threads = ratio("W1/2/neuro", "W1/1/neuro")
    goal("W1: 2 threads no slower than 1 (time ratio 2 / 1 threads)", show(w1_threads),
         None if w1_threads is None else w1_threads <= 1.05)
    for threads in (1, 2):
        for build in ("neuro", "neuro-openblas"):
            peers = [ratio(f"W2/{threads}/{build}", f"W2/{threads}/{peer}") for peer in ("pytorch", "libtorch")]
            peers = [p for p in peers if p is not None]
            value = min(peers) if peers else None
            goal(f"W2, {threads} thread(s), {build}: at least 2x the fastest peer", show(value),
                 None if value is None else value >= 2)
        for build in ("neuro", "neuro-openblas"):
            value = ratio(f"W3/{threads}/{build}", f"W3/{threads}/sgemm-openblas")
            goal(f"W3, {threads} thread(s), {build}: at least 0.90 of OpenBLAS SGEMM", show(value),
                 None if value is None else value >= 0.9)
    lines.append("")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--native", default="ON")
    args = parser.parse_args()
    runs = defaultdict(dict)  # system -> round -> result
    with open(args.results) as f:
        for line in f:
            entry = json.loads(line)
            runs[entry["system"]][entry["round"]] = entry["result"]

    def figure(system, round_):
        workload = system.split("/")[0]
        return runs[system][round_].get(FIGURE[workload][0])

    def median_of(system, key):
        values = [r[key] for r in runs[system].values() if key in r]
        return statistics.median(values) if values else None

    def ratio(system, peer):
        """Median over rounds of neuro / peer, each pair from the same round."""
        workload = system.split("/")[0]
        rounds = set(runs[system]) & set(runs[peer])
        values = [figure(system, r) / figure(peer, r) for r in rounds if figure(peer, r)]
        return statistics.median(values) if values else None

    out = ["# neuro against its peers", "",
           f"Written by `benchmarks/compare/run.sh` on {datetime.date.today()}; medians of {args.repeats} rounds, "
           "each round running every system once, one after another (for W1, whose fit takes milliseconds, "
           "each run reports the median of 5 fits).", ""]
    out += machine()
    out += ["",
            "The machine is shared: other jobs (compilers) ran during the measurement, so single figures are "
            "noisy. The ratios are the robust part: each compares two runs made one right after the other in the "
            "same round (median over rounds). neuro's programs and the plain Eigen loop are built "
            + ("`-O3 -DNDEBUG -march=native` (`NEURO_BENCH_NATIVE=ON`): neuro is header-only and compiled for the "
               "machine it runs on, as PyTorch and OpenBLAS pick their AVX2/FMA kernels at run time."
               if args.native == "ON" else
               "`-O3 -DNDEBUG`, portable (no `-march=native`): Eigen uses SSE2 only, while PyTorch and OpenBLAS "
               "pick AVX2/FMA kernels at run time.")
            + " neuro-openblas is neuro built with `NEURO_USE_BLAS=ON`. All runs have `OMP_WAIT_POLICY=passive`, and"
            + " `OPENBLAS_NUM_THREADS` and `OMP_NUM_THREADS` set to their thread count.", ""]

    for workload, (key, unit, higher_better) in FIGURE.items():
        direction = "higher is better" if higher_better else "lower is better"
        out += [f"## {workload} ({unit}, {direction})", "",
                f"| Threads | System | Median {unit} | Median s | neuro / system | Accuracy |",
                "|---:|---|---:|---:|---:|---:|"]
        for threads in (1, 2):
            systems = sorted(s for s in runs if s.startswith(f"{workload}/{threads}/"))
            neuro = f"{workload}/{threads}/neuro"
            for system in systems:
                name = system.split("/", 2)[2]
                value = median_of(system, key)
                seconds = median_of(system, "median_seconds") or median_of(system, "step_seconds")
                r = ratio(neuro, system) if system != neuro and neuro in runs else None
                accuracy = median_of(system, "final_accuracy")
                out.append(f"| {threads} | {name} | {value:,.1f} | {seconds:.4f} | "
                           f"{'-' if r is None else f'{r:.2f}'} | "
                           f"{'-' if accuracy is None else f'{100 * accuracy:.2f}%'} |")
        out.append("")
        if workload == "W1":
            out += ["neuro / system here is a time ratio: below 1, neuro is faster.", ""]
        if workload == "W2":
            rss = median_of("W2/1/neuro", "max_rss_mb")
            after_load = median_of("W2/1/neuro", "max_rss_after_load_mb")
            if rss and after_load:
                out += [f"Peak resident memory of `bench_w2` (1 thread, the whole process): {after_load:.0f} MiB once "
                        f"Fashion-MNIST is loaded (train and test images as float32: 209 MiB), {rss:.0f} MiB at the "
                        "end. What training needs on top of the data: parameters, their gradients and Adam's two "
                        "moments (535,818 floats each: 8.2 MiB) and one batch's activations and gradients "
                        "(2 x 128 x 1,572 floats: 1.5 MiB).", "",
                        "neuro's W2 keeps the images row-major (`RowMatrix<float>`, one contiguous image per row), "
                        "as the peers keep their tensors.", ""]
        if workload == "W3":
            out += ["sgemm-eigen / sgemm-openblas: the GEMMs of one W3 step alone (`bench_gemm_limit`, "
                    "each product's time the median of 9), the rate W3 is judged against.", ""]

    out += goals(runs, ratio)
    compile_systems = sorted(s for s in runs if s.startswith("compile"))
    if compile_systems:
        out += ["## Compile time (one translation unit, one job, measured once)", "",
                "bench_w1 and bench_w1_plain_eigen train the same model, with neuro and by hand: the pair compares "
                "the cost of neuro's headers; binary_classifier is the full example (CSV, metrics, plots).", "",
                "| Program | Seconds |", "|---|---:|"]
        for system in compile_systems:
            out.append(f"| {system[len('compile '):]} | {median_of(system, 'compile_seconds'):.1f} |")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
