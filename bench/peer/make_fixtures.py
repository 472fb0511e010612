#!/usr/bin/python3
"""Writes the small committed parity fixtures in test/fixtures/weights/ (about 30 KB):
a CIFAR-style small ResNet (widths [8, 16], one basic block per stage, 3-class fc head)
built from torchvision's BasicBlock, saved as a PyTorch state dict in safetensors with a
`module.` prefix (as DataParallel checkpoints have), a fixed NHWC input and PyTorch's
eval-mode features and logits.

Usage: /usr/bin/python3 bench/peer/make_fixtures.py [OUT_DIR]   (default test/fixtures/weights)
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock

sys.path.insert(0, os.path.dirname(__file__))
from make_weights import randomize_norms, write_safetensors  # noqa: E402


class SmallResNet(nn.Module):
    def __init__(self, widths=(8, 16), classes=3):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        cin = widths[0]
        for s, w in enumerate(widths):
            stride = 1 if s == 0 else 2
            down = None
            if stride != 1 or cin != w:
                down = nn.Sequential(nn.Conv2d(cin, w, 1, stride, bias=False), nn.BatchNorm2d(w))
            setattr(self, f"layer{s + 1}", nn.Sequential(BasicBlock(cin, w, stride, down)))
            cin = w
        self.stages = len(widths)
        self.fc = nn.Linear(cin, classes)

    def features(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        for s in range(self.stages):
            x = getattr(self, f"layer{s + 1}")(x)
        return x.mean(dim=(2, 3))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "weights")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(3)
    gen = torch.Generator().manual_seed(4)
    model = SmallResNet()
    randomize_norms(model, gen)
    model.eval()
    x = torch.randn(2, 3, 16, 16, generator=gen)
    with torch.no_grad():
        feats = model.features(x)
        logits = model.fc(feats)
    write_safetensors(os.path.join(out, "small-resnet.safetensors"), {f"module.{k}": v for k, v in model.state_dict().items()})
    np.save(os.path.join(out, "small-resnet.input.npy"), x.permute(0, 2, 3, 1).contiguous().numpy().astype("<f4"))
    np.save(os.path.join(out, "small-resnet.features.npy"), feats.numpy().astype("<f4"))
    np.save(os.path.join(out, "small-resnet.logits.npy"), logits.numpy().astype("<f4"))
    print(f"wrote fixtures to {out}")


if __name__ == "__main__":
    main()
