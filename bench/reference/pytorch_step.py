"""PyTorch CPU reference for `dcl-explorer bench`: the same encoders, head, DCL loss and Adam step.

Not part of CI (PyTorch is not a dependency); run it wherever PyTorch is installed, pinned to the same
cores as the TensorFlow.js benchmark, to compare the two on one machine:

    taskset -c 0,1 python3 bench/reference/pytorch_step.py --encoder cnn --threads 2 --json

Inputs are random MNIST-shaped views (no augmentation: compare with the tfjs step time minus its
`augmentMsPerStep`). images/s counts the batch (N per step), as `dcl-explorer bench` does.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def encoder(kind: str) -> tuple[nn.Module, int]:
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU()), 1024
    layers, cin = [], 1
    for c in (32, 64, 128):
        layers += [nn.Conv2d(cin, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c, momentum=0.1, eps=1e-5), nn.ReLU()]
        cin = c
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten()), 128


def dcl_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """Decoupled contrastive loss, mean over all 2N anchors (lightly's DCLLoss conventions)."""
    z1, z2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    n = z1.shape[0]
    eye = torch.eye(n, dtype=torch.bool)

    def one_direction(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        cross = a @ b.T / temperature
        same = (a @ a.T / temperature).masked_fill(eye, float("-inf"))
        pos = cross.diagonal()
        neg = torch.cat([cross.masked_fill(eye, float("-inf")), same], dim=1)
        return (-pos + torch.logsumexp(neg, dim=1)).mean()

    return 0.5 * (one_direction(z1, z2) + one_direction(z2, z1))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--encoder", choices=["mlp", "cnn"], default="mlp")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0 = PyTorch's default)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    enc, dim = encoder(a.encoder)
    head = nn.Sequential(nn.Linear(dim, 512), nn.ReLU(), nn.Linear(512, 128))
    opt = torch.optim.Adam(list(enc.parameters()) + list(head.parameters()), lr=1e-3)
    x1 = torch.rand(a.batch_size, 1, 28, 28)
    x2 = torch.rand(a.batch_size, 1, 28, 28)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss = dcl_loss(head(enc(x1)), head(enc(x2)), 0.1)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    seconds = time.perf_counter() - t0
    result = {
        "imagesPerSecond": a.batch_size * a.steps / seconds,
        "msPerStep": 1000 * seconds / a.steps,
        "threads": torch.get_num_threads(),
        "encoder": a.encoder,
        "batchSize": a.batch_size,
        "torch": torch.__version__,
    }
    print(json.dumps(result) if a.json else f"{a.encoder}: {result['imagesPerSecond']:.0f} images/s, {result['msPerStep']:.1f} ms/step, {result['threads']} threads, torch {result['torch']}")


if __name__ == "__main__":
    main()
