#!/usr/bin/env python3
"""PyTorch CPU peer of `attune bench train`: the same architectures, batch, input size and
training step (backbone -> linear head -> softmax cross-entropy -> backward -> SGD with
momentum 0.9), warm-up excluded, median of timed steps. Prints one JSON object as its last line.

Usage: /usr/bin/python3 bench/peer/train_torch.py --model small-resnet --size 32 --batch 64 --steps 20
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def small_resnet(widths=(32, 64, 128), blocks=1, in_channels=3):
    """CIFAR-style ResNet as in src/engine/models/small-resnet.ts: 3x3 stem (stride 1, no max
    pool), one stage per width of basic blocks, stride 2 from the second stage on."""
    from torchvision.models.resnet import BasicBlock

    layers = [nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True)]
    in_c = widths[0]
    for s, w in enumerate(widths):
        for i in range(blocks):
            stride = 2 if (i == 0 and s > 0) else 1
            down = None
            if stride != 1 or in_c != w:
                down = nn.Sequential(nn.Conv2d(in_c, w, 1, stride, bias=False), nn.BatchNorm2d(w))
            layers.append(BasicBlock(in_c, w, stride, down))
            in_c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers), in_c


class StdConv2d(nn.Conv2d):
    """Weight-standardised convolution (BiT)."""

    def forward(self, x):
        w = self.weight
        m = w.mean(dim=(1, 2, 3), keepdim=True)
        v = w.var(dim=(1, 2, 3), keepdim=True, unbiased=False)
        return F.conv2d(x, (w - m) / torch.sqrt(v + 1e-10), self.bias, self.stride, self.padding)


class PreActBottleneck(nn.Module):
    """BiT ResNet v2 unit: GN-ReLU-conv1x1, GN-ReLU-conv3x3(stride), GN-ReLU-conv1x1, projection on the first unit."""

    def __init__(self, in_c, mid, out_c, stride, proj):
        super().__init__()
        self.gn1, self.gn2, self.gn3 = nn.GroupNorm(32, in_c), nn.GroupNorm(32, mid), nn.GroupNorm(32, mid)
        self.conv1 = StdConv2d(in_c, mid, 1, bias=False)
        self.conv2 = StdConv2d(mid, mid, 3, stride, 1, bias=False)
        self.conv3 = StdConv2d(mid, out_c, 1, bias=False)
        self.proj = StdConv2d(in_c, out_c, 1, stride, bias=False) if proj else None

    def forward(self, x):
        pre = F.relu(self.gn1(x))
        shortcut = self.proj(pre) if self.proj is not None else x
        y = self.conv1(pre)
        y = self.conv2(F.relu(self.gn2(y)))
        y = self.conv3(F.relu(self.gn3(y)))
        return y + shortcut


def bit_r50x1(layers=(3, 4, 6, 3)):
    """BiT-M R50x1 backbone as in src/engine/models/bit.ts."""
    mods = [StdConv2d(3, 64, 7, 2, 3, bias=False), nn.ConstantPad2d(1, 0.0), nn.MaxPool2d(3, 2)]
    in_c = 64
    for s, n in enumerate(layers):
        mid = 64 * 2 ** s
        for i in range(n):
            mods.append(PreActBottleneck(in_c, mid, mid * 4, 2 if (i == 0 and s > 0) else 1, i == 0))
            in_c = mid * 4
    mods += [nn.GroupNorm(32, in_c), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*mods), in_c


def torchvision_backbone(name):
    import torchvision.models as tvm

    net = getattr(tvm, name)(weights=None)
    dim = net.fc.in_features
    net.fc = nn.Identity()
    return net, dim


def build(model):
    if model == "small-resnet":
        return small_resnet()
    if model in ("resnet18", "resnet34", "resnet50"):
        return torchvision_backbone(model)
    if model == "bit-r50x1":
        return bit_r50x1()
    raise SystemExit(f"train_torch.py: unknown --model {model!r} (small-resnet, resnet18, resnet34, resnet50, bit-r50x1)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="small-resnet")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's own choice)")
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    backbone, dim = build(a.model)
    net = nn.Sequential(backbone, nn.Linear(dim, a.classes))
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(a.batch, 3, a.size, a.size)
    y = torch.arange(a.batch) % a.classes
    times = []
    loss_v = float("nan")
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        loss_v = loss.item()
        dt = (time.perf_counter() - t0) * 1000
        if i >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    print(json.dumps({
        "framework": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
        "model": a.model, "size": a.size, "batch": a.batch, "steps": a.steps,
        "stepMsMedian": med, "imagesPerSecond": a.batch * 1000 / med, "lastLoss": loss_v,
    }))


if __name__ == "__main__":
    sys.exit(main())
