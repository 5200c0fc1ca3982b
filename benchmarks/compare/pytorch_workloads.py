#!/usr/bin/python3
"""W1, W2 and W3 (benchmarks/README.md) trained with PyTorch, for benchmarks/compare/run.sh.

Prints one JSON object in the shape neuro's bench_w1/bench_w2/bench_w3 print. Only the
training loop is timed; each repeat starts from a fresh model with the same seed.
"""
import argparse
import gzip
import json
import statistics
import time

import numpy as np
import torch

FASHION = "/usr/share/datasets/fashion-mnist"
WORKLOADS = {  # layer widths, batch, epochs, optimizer
    "W1": ([10, 64, 64, 1], 32, 10, "adam"),
    "W2": ([784, 512, 256, 10], 128, 1, "adam"),
    "W3": ([1024, 2048, 2048, 10], 512, 1, "sgd"),
}


def idx(path):
    """An IDX file (gzip) as a numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def data(workload):
    """(x_train, y_train, x_test, y_test) as torch tensors; W1's test set is its training set."""
    rng = np.random.default_rng(7)
    if workload == "W1":
        x = rng.standard_normal((1000, 10)).astype(np.float32)
        w = rng.standard_normal(10)
        y = ((x @ w + 0.5 * np.sin(3 * x[:, 0])) > 0).astype(np.float32)[:, None]
        x = (x - x.mean(0)) / x.std(0)
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        return x, y, x, y
    if workload == "W2":
        def images(name):
            return torch.from_numpy(idx(f"{FASHION}/{name}-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)

        def labels(name):
            return torch.from_numpy(idx(f"{FASHION}/{name}-labels-idx1-ubyte.gz").astype(np.int64))
        return images("train"), labels("train"), images("t10k"), labels("t10k")
    x = torch.from_numpy(rng.standard_normal((8192, 1024)).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, 10, 8192))
    return x, y, x, y


def model(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def train(net, optimizer, loss_fn, x, y, batch, epochs):
    generator = torch.Generator().manual_seed(0)
    loss = None
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator)
        for start in range(0, x.shape[0], batch):
            rows = order[start:start + batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[rows]), y[rows])
            loss.backward()
            optimizer.step()
    return float(loss)


def accuracy(net, x, y, workload):
    with torch.no_grad():
        out = net(x)
        predicted = (out > 0).float() if workload == "W1" else out.argmax(1)
        return float((predicted == y).float().mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    widths, batch, epochs, optimizer_name = WORKLOADS[args.workload]
    epochs = args.epochs or epochs
    x, y, x_test, y_test = data(args.workload)
    loss_fn = torch.nn.BCEWithLogitsLoss() if args.workload == "W1" else torch.nn.CrossEntropyLoss()
    seconds = []
    for _ in range(args.repeats):
        torch.manual_seed(42)
        net = model(widths)
        optimizer = (torch.optim.Adam(net.parameters(), lr=1e-3) if optimizer_name == "adam"
                     else torch.optim.SGD(net.parameters(), lr=0.01))
        start = time.perf_counter()
        final_loss = train(net, optimizer, loss_fn, x, y, batch, epochs)
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    steps = epochs * -(-x.shape[0] // batch)
    report = {"workload": args.workload, "implementation": "pytorch", "threads": torch.get_num_threads(),
              "repeats": args.repeats, "median_seconds": median, "seconds": seconds}
    if args.workload == "W1":
        report.update(steps=steps, per_step_us=median / steps * 1e6)
    elif args.workload == "W2":
        report.update(epochs=epochs, samples_per_second=x.shape[0] * epochs / median)
    else:
        flops = 0
        for i in range(len(widths) - 1):
            flops += (2 if i == 0 else 3) * 2 * widths[i] * widths[i + 1] * x.shape[0] * epochs
        report.update(gflops=flops / median / 1e9)
    report.update(final_loss=final_loss, final_accuracy=accuracy(net, x_test, y_test, args.workload),
                  accuracy_on="train" if args.workload != "W2" else "test")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
