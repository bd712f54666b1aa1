"""PyTorch CPU reference for `dcl-explorer bench`: the same encoders, head, DCL loss and Adam step.

Not part of CI (PyTorch is not a dependency); run it wherever PyTorch is installed, pinned to the same
cores as the TensorFlow.js benchmark, to compare the two on one machine:

    taskset -c 0,1 python3 bench/reference/pytorch_step.py --encoder cnn --threads 2 --json
    taskset -c 0,1 python3 bench/reference/pytorch_step.py --encoder resnet18 --shape 32,32,3 --batch-size 256 --threads 2
    python3 bench/reference/pytorch_step.py --encoder resnet18 --shape 32,32,3 --batch-size 256 --device cuda

Inputs are random views of --shape (H,W,C; MNIST's 28,28,1 by default) without augmentation: compare with the
tfjs step time minus its `augmentMsPerStep`. images/s counts the batch (N per step), as `dcl-explorer bench` does.
The models are src/trainer/encoders.ts's: the same layers, widths, strides, padding and batch-norm settings.
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn(cin: int, cout: int, k: int, stride: int, relu: bool) -> list[nn.Module]:
    """conv (no bias: the batch norm's beta replaces it) -> batch norm -> (relu), 'same' padding as tfjs."""
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5)]
    return layers + [nn.ReLU()] if relu else layers


class BasicBlock(nn.Module):
    """encoders.ts basicBlock: two 3x3 conv-bn, a 1x1 conv-bn projection on the skip when the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride, True), *conv_bn(cout, cout, 3, 1, False))
        self.skip = nn.Sequential(*conv_bn(cin, cout, 1, stride, False)) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.body(x) + self.skip(x))


def encoder(kind: str, shape: tuple[int, int, int]) -> tuple[nn.Module, int]:
    h, w, c = shape
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(h * w * c, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU()), 1024
    if kind == "resnet18":
        # The CIFAR stem: a 3x3 stride-1 conv, no max-pool; then four stages of two blocks.
        blocks: list[nn.Module] = [*conv_bn(c, 64, 3, 1, True)]
        cin = 64
        for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        return nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten()), 512
    layers, cin = [], c
    for c in (32, 64, 128):
        layers += [nn.Conv2d(cin, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c, momentum=0.1, eps=1e-5), nn.ReLU()]
        cin = c
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten()), 128


def dcl_loss(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """Decoupled contrastive loss, mean over all 2N anchors (lightly's DCLLoss conventions)."""
    z1, z2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    n = z1.shape[0]
    eye = torch.eye(n, dtype=torch.bool, device=z1.device)

    def one_direction(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        cross = a @ b.T / temperature
        same = (a @ a.T / temperature).masked_fill(eye, float("-inf"))
        pos = cross.diagonal()
        neg = torch.cat([cross.masked_fill(eye, float("-inf")), same], dim=1)
        return (-pos + torch.logsumexp(neg, dim=1)).mean()

    return 0.5 * (one_direction(z1, z2) + one_direction(z2, z1))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--encoder", choices=["mlp", "cnn", "resnet18"], default="mlp")
    p.add_argument("--shape", default="28,28,1", help="input H,W,C")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0 = PyTorch's default)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    h, w, c = (int(v) for v in a.shape.split(","))
    device = torch.device(a.device)
    enc, dim = encoder(a.encoder, (h, w, c))
    head = nn.Sequential(nn.Linear(dim, 512), nn.ReLU(), nn.Linear(512, 128))
    enc, head = enc.to(device), head.to(device)
    opt = torch.optim.Adam(list(enc.parameters()) + list(head.parameters()), lr=1e-3)
    x1 = torch.rand(a.batch_size, c, h, w, device=device)
    x2 = torch.rand(a.batch_size, c, h, w, device=device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss = dcl_loss(head(enc(x1)), head(enc(x2)), 0.1)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    sync()
    seconds = time.perf_counter() - t0
    result = {
        "imagesPerSecond": a.batch_size * a.steps / seconds,
        "msPerStep": 1000 * seconds / a.steps,
        "threads": torch.get_num_threads(),
        "encoder": a.encoder,
        "batchSize": a.batch_size,
        "shape": [h, w, c],
        "device": str(device),
        "torch": torch.__version__,
    }
    print(json.dumps(result) if a.json else f"{a.encoder}: {result['imagesPerSecond']:.0f} images/s, {result['msPerStep']:.1f} ms/step, {result['threads']} threads, torch {result['torch']}")


if __name__ == "__main__":
    main()
