"""PyTorch modules whose state dicts match `dcl-explorer export-weights` (keys `encoder.*` and `head.*`).

    import torch
    from safetensors.torch import load_file
    from dcl_models import DclModel

    model = DclModel("resnet18", in_channels=3, projection=[512, 128])
    model.load_state_dict(load_file("run/exports/e0100-weights.safetensors"))
    model.eval()
    features = model.encoder(images)          # NCHW float32, scaled to [0, 1] as in training

The layer order and hyper-parameters follow src/trainer/encoders.ts. TensorFlow.js pads "same"
convolutions asymmetrically when the stride is 2 (the extra row and column go at the bottom and right);
Conv2dSame does the same, so the exported weights give the outputs they gave in training (same state-dict
keys as nn.Conv2d).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import resnet18


class Conv2dSame(nn.Conv2d):
    """nn.Conv2d with TensorFlow's "SAME" padding: output size ceil(input / stride)."""

    def forward(self, x):
        pads = []
        for size, k, s in zip(reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0)


class MlpEncoder(nn.Module):
    """Flatten, then 1024-unit linear + ReLU twice."""

    def __init__(self, in_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, 1024)
        self.fc2 = nn.Linear(1024, 1024)

    def forward(self, x):
        return F.relu(self.fc2(F.relu(self.fc1(torch.flatten(x, 1)))))


class ConvBnRelu(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = Conv2dSame(cin, cout, 3, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class CnnEncoder(nn.Module):
    """Three stride-2 conv-BN-ReLU blocks (32, 64, 128 channels) and global average pooling."""

    def __init__(self, in_channels):
        super().__init__()
        self.block1 = ConvBnRelu(in_channels, 32)
        self.block2 = ConvBnRelu(32, 64)
        self.block3 = ConvBnRelu(64, 128)

    def forward(self, x):
        return self.block3(self.block2(self.block1(x))).mean(dim=(2, 3))


def resnet18_cifar(in_channels):
    """torchvision's ResNet-18 with the CIFAR stem (3x3 stride-1 conv, no max-pool) and no classifier."""
    net = resnet18()
    net.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
    net.maxpool = nn.Identity()
    net.fc = nn.Identity()
    # The stride-2 3x3 convolutions (layer2-4, block 0, conv1) pad the TensorFlow way; keys are unchanged.
    for layer in (net.layer2, net.layer3, net.layer4):
        old = layer[0].conv1
        layer[0].conv1 = Conv2dSame(old.in_channels, old.out_channels, 3, stride=2, bias=False)
    return net


FEATURE_DIMS = {"mlp": 1024, "cnn": 128, "resnet18": 512}


class DclModel(nn.Module):
    """Encoder plus SimCLR projection head (Linear + ReLU for every size but the last)."""

    def __init__(self, encoder, in_channels=1, image_size=(28, 28), projection=(512, 128)):
        super().__init__()
        if encoder == "mlp":
            self.encoder = MlpEncoder(in_channels * image_size[0] * image_size[1])
        elif encoder == "cnn":
            self.encoder = CnnEncoder(in_channels)
        elif encoder == "resnet18":
            self.encoder = resnet18_cifar(in_channels)
        else:
            raise ValueError(f"unknown encoder {encoder!r}")
        layers, width = [], FEATURE_DIMS[encoder]
        for i, units in enumerate(projection):
            layers.append(nn.Linear(width, units))
            if i < len(projection) - 1:
                layers.append(nn.ReLU())
            width = units
        self.head = nn.Sequential(*layers)

    def forward(self, x):
        return self.head(self.encoder(x))
