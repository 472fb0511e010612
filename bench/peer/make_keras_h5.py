#!/usr/bin/python3
"""Writes Keras-applications-style `.h5` weights (h5py, Keras 2 layout: one group per layer,
`layer/layer/kernel:0` datasets, `layer_names` / `weight_names` attributes) for ResNet-50 and
EfficientNet-B0, with PyTorch reference outputs computed under Keras semantics:

- resnet50: stride on the first 1x1 conv, conv biases, BN eps 1.001e-5 (keras.applications.ResNet50);
- efficientnet-b0: TensorFlow 'same' padding, BN eps 1e-3, Keras layer names (block2a_expand_conv ...).

TensorFlow is not needed: the Keras architecture is emulated in PyTorch.
Usage: /usr/bin/python3 bench/peer/make_keras_h5.py OUT_DIR [--size 32] [--batch 2] [--resnet-width 64] [--resnet-layers 3,4,6,3]
Writes keras-<arch>.h5, keras-<arch>.features.npy, keras-<arch>.logits.npy and input.npy.
"""
import argparse
import math
import os

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from make_weights import CLASSES, randomize_norms


class SameConv(nn.Conv2d):
    """A Conv2d with TensorFlow 'same' padding (asymmetric when needed)."""

    def forward(self, x):
        pads = []
        for dim in (3, 2):
            size, k, s = x.shape[dim], self.kernel_size[0], self.stride[0]
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, 1, self.groups)


def to_same(module):
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            new = SameConv(child.in_channels, child.out_channels, child.kernel_size, child.stride, 0, 1, child.groups, child.bias is not None)
            new.load_state_dict(child.state_dict())
            setattr(module, name, new)
        else:
            to_same(child)


class KerasBottleneck(nn.Module):
    def __init__(self, cin, planes, stride, eps):
        super().__init__()
        out = planes * 4
        self.c1, self.b1 = nn.Conv2d(cin, planes, 1, stride), nn.BatchNorm2d(planes, eps)
        self.c2, self.b2 = nn.Conv2d(planes, planes, 3, 1, 1), nn.BatchNorm2d(planes, eps)
        self.c3, self.b3 = nn.Conv2d(planes, out, 1), nn.BatchNorm2d(out, eps)
        self.c0 = nn.Conv2d(cin, out, 1, stride) if stride != 1 or cin != out else None
        self.b0 = nn.BatchNorm2d(out, eps) if self.c0 is not None else None

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        h = F.relu(self.b2(self.c2(h)))
        h = self.b3(self.c3(h))
        sc = self.b0(self.c0(x)) if self.c0 is not None else x
        return F.relu(h + sc)


class KerasResNet50(nn.Module):
    """keras.applications.ResNet50 (width 64, layers 3,4,6,3); smaller width/layers for quick tests."""

    def __init__(self, eps=1.001e-5, width=64, layers=(3, 4, 6, 3)):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, width, 7, 2, 3), nn.BatchNorm2d(width, eps)
        self.blocks, cin = nn.ModuleList(), width
        self.names = []
        for s, n in enumerate(layers):
            for i in range(n):
                self.blocks.append(KerasBottleneck(cin, width * 2 ** s, 2 if i == 0 and s > 0 else 1, eps))
                self.names.append(f"conv{s + 2}_block{i + 1}")
                cin = width * 2 ** s * 4
        self.fc = nn.Linear(cin, CLASSES)

    def features(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        for b in self.blocks:
            x = b(x)
        return x.mean(dim=(2, 3))

    def keras_layers(self):
        yield "conv1_conv", self.conv1
        yield "conv1_bn", self.bn1
        for name, b in zip(self.names, self.blocks):
            for k in ("0", "1", "2", "3"):
                conv, bn = getattr(b, f"c{k}"), getattr(b, f"b{k}")
                if conv is not None:
                    yield f"{name}_{k}_conv", conv
                    yield f"{name}_{k}_bn", bn
        yield "predictions", self.fc


def efficientnet_keras_layers(model):
    yield "stem_conv", model.features[0][0]
    yield "stem_bn", model.features[0][1]
    for s in range(1, 8):
        for j, blk in enumerate(model.features[s]):
            p = f"block{s}{chr(97 + j)}_"
            mods = list(blk.block)
            if len(mods) == 4:
                yield p + "expand_conv", mods[0][0]
                yield p + "expand_bn", mods[0][1]
                mods = mods[1:]
            yield p + "dwconv", mods[0][0]
            yield p + "bn", mods[0][1]
            yield p + "se_reduce", mods[1].fc1
            yield p + "se_expand", mods[1].fc2
            yield p + "project_conv", mods[2][0]
            yield p + "project_bn", mods[2][1]
    yield "top_conv", model.features[8][0]
    yield "top_bn", model.features[8][1]
    yield "predictions", model.classifier[1]


def keras_weights(module):
    t = lambda p: p.detach().numpy().astype("<f4")
    if isinstance(module, nn.BatchNorm2d):
        return [("gamma", t(module.weight)), ("beta", t(module.bias)), ("moving_mean", t(module.running_mean)), ("moving_variance", t(module.running_var))]
    if isinstance(module, nn.Linear):
        return [("kernel", t(module.weight).T.copy()), ("bias", t(module.bias))]
    w = t(module.weight)
    if module.groups > 1:  # depthwise: [C,1,H,W] -> [H,W,C,1]
        out = [("depthwise_kernel", np.ascontiguousarray(w.transpose(2, 3, 0, 1)))]
    else:
        out = [("kernel", np.ascontiguousarray(w.transpose(2, 3, 1, 0)))]
    if module.bias is not None:
        out.append(("bias", t(module.bias)))
    return out


def write_keras_h5(path, layers):
    with h5py.File(path, "w") as f:
        names = []
        for name, module in layers:
            g = f.create_group(name).create_group(name)
            weights = keras_weights(module)
            for leaf, a in weights:
                g.create_dataset(f"{leaf}:0", data=a)
            f[name].attrs["weight_names"] = np.array([f"{name}/{leaf}:0".encode() for leaf, _ in weights])
            names.append(name.encode())
        f.attrs["layer_names"] = np.array(names)
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.13.1"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--resnet-width", type=int, default=64)
    ap.add_argument("--resnet-layers", default="3,4,6,3")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=gen)
    np.save(os.path.join(args.out, "input.npy"), x.permute(0, 2, 3, 1).contiguous().numpy().astype("<f4"))
    torch.set_num_threads(1)

    resnet = KerasResNet50(width=args.resnet_width, layers=tuple(int(n) for n in args.resnet_layers.split(",")))
    eff = torchvision.models.efficientnet_b0(num_classes=CLASSES)
    for m in eff.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps = 1e-3
    to_same(eff)
    for arch, model in (("resnet50", resnet), ("efficientnet-b0", eff)):
        with torch.no_grad():
            for m in model.modules():  # non-zero conv biases so folding them matters
                if isinstance(m, nn.Conv2d) and m.bias is not None and m.groups == 1 and arch == "resnet50":
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
        randomize_norms(model, gen)
        model.eval()
        with torch.no_grad():
            if arch == "resnet50":
                feats = model.features(x)
                logits = model.fc(feats)
                write_keras_h5(os.path.join(args.out, f"keras-{arch}.h5"), model.keras_layers())
            else:
                feats = model.features(x).mean(dim=(2, 3))
                logits = model.classifier[1](feats)
                write_keras_h5(os.path.join(args.out, f"keras-{arch}.h5"), efficientnet_keras_layers(model))
        np.save(os.path.join(args.out, f"keras-{arch}.features.npy"), feats.numpy().astype("<f4"))
        np.save(os.path.join(args.out, f"keras-{arch}.logits.npy"), logits.numpy().astype("<f4"))
        print(f"keras-{arch}: features {tuple(feats.shape)}")


if __name__ == "__main__":
    main()
