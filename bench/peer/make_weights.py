#!/usr/bin/python3
"""Writes random-init weights of resnet18, resnet50, bit-r50x1 and efficientnet-b0 in the
formats Attune imports, plus PyTorch's eval-mode outputs for one fixed input, so the
TypeScript models can be checked for parity.

Usage: /usr/bin/python3 bench/peer/make_weights.py OUT_DIR [--size 32] [--batch 2] [--archs a,b]

Writes (per arch): <arch>.safetensors (PyTorch state dict layout; BiT: <arch>.npz with TF
names and HWIO kernels), <arch>.features.npy and <arch>.logits.npy (NHWC input ->
[N, featureDim] / [N, classes]); input.npy (NHWC float32). resnet18 is also written with a
MoCo-style `module.encoder_q.` prefix and as a TensorFlow.js model.json + shard.
No safetensors package is needed: the format is written by hand.
"""
import argparse
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

CLASSES = 10


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t)
        if a.dtype == np.int64:
            dtype = "I64"
        else:
            a, dtype = a.astype("<f4"), "F32"
        b = a.tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


def randomize_norms(model, gen):
    """Non-trivial BN/GN parameters and statistics so eval-mode parity means something."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)


class StdConv2d(nn.Conv2d):
    """BiT's weight-standardised convolution (biased variance, eps 1e-10)."""

    def forward(self, x):
        w = self.weight
        v, m = torch.var_mean(w, dim=[1, 2, 3], keepdim=True, unbiased=False)
        return F.conv2d(x, (w - m) / torch.sqrt(v + 1e-10), self.bias, self.stride, self.padding)


class PreActBottleneck(nn.Module):
    def __init__(self, cin, cout, cmid, stride):
        super().__init__()
        self.gn1, self.conv1 = nn.GroupNorm(32, cin), StdConv2d(cin, cmid, 1, bias=False)
        self.gn2, self.conv2 = nn.GroupNorm(32, cmid), StdConv2d(cmid, cmid, 3, stride, 1, bias=False)
        self.gn3, self.conv3 = nn.GroupNorm(32, cmid), StdConv2d(cmid, cout, 1, bias=False)
        self.downsample = StdConv2d(cin, cout, 1, stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        out = F.relu(self.gn1(x))
        residual = self.downsample(out) if self.downsample is not None else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.gn2(out)))
        out = self.conv3(F.relu(self.gn3(out)))
        return out + residual


class BiT(nn.Module):
    """ResNet v2 as in BiT (R50x1 by default)."""

    def __init__(self, layers=(3, 4, 6, 3), wf=1, classes=CLASSES):
        super().__init__()
        self.root = StdConv2d(3, 64 * wf, 7, 2, 3, bias=False)
        units, cin = [], 64 * wf
        for s, n in enumerate(layers):
            mid = 64 * wf * 2 ** s
            stage = []
            for i in range(n):
                stage.append(PreActBottleneck(cin, mid * 4, mid, 2 if i == 0 and s > 0 else 1))
                cin = mid * 4
            units.append(nn.ModuleList(stage))
        self.stages = nn.ModuleList(units)
        self.gn = nn.GroupNorm(32, cin)
        self.head = nn.Conv2d(cin, classes, 1)

    def features(self, x):
        x = F.max_pool2d(F.pad(self.root(x), (1, 1, 1, 1), value=0.0), 3, 2)
        for stage in self.stages:
            for u in stage:
                x = u(x)
        return F.relu(self.gn(x)).mean(dim=(2, 3))

    def logits(self, f):
        return self.head(f[:, :, None, None])[:, :, 0, 0]

    def npz_weights(self):
        hwio = lambda w: np.ascontiguousarray(w.detach().numpy().transpose(2, 3, 1, 0).astype("<f4"))
        vec = lambda t: t.detach().numpy().astype("<f4")
        out = {"resnet/root_block/standardized_conv2d/kernel": hwio(self.root.weight)}
        for s, stage in enumerate(self.stages):
            for i, u in enumerate(stage):
                p = f"resnet/block{s + 1}/unit{i + 1:02d}"
                for letter, gn, conv in (("a", u.gn1, u.conv1), ("b", u.gn2, u.conv2), ("c", u.gn3, u.conv3)):
                    out[f"{p}/{letter}/group_norm/gamma"] = vec(gn.weight)
                    out[f"{p}/{letter}/group_norm/beta"] = vec(gn.bias)
                    out[f"{p}/{letter}/standardized_conv2d/kernel"] = hwio(conv.weight)
                if u.downsample is not None:
                    out[f"{p}/a/proj/standardized_conv2d/kernel"] = hwio(u.downsample.weight)
        out["resnet/group_norm/gamma"] = vec(self.gn.weight)
        out["resnet/group_norm/beta"] = vec(self.gn.bias)
        out["resnet/head/conv2d/kernel"] = hwio(self.head.weight)
        out["resnet/head/conv2d/bias"] = vec(self.head.bias)
        return out


def torchvision_features(model, x):
    if isinstance(model, torchvision.models.ResNet):
        m = model
        x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        x = m.layer4(m.layer3(m.layer2(m.layer1(x))))
        return x.mean(dim=(2, 3)), m.fc
    return model.features(x).mean(dim=(2, 3)), model.classifier[1]


def write_tfjs(out_dir, name, state):
    """A TensorFlow.js weights manifest with Keras-style names (layer/kernel, gamma, moving_mean ...)."""
    weights, chunks = [], []
    for key, t in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        a = t.detach().numpy().astype("<f4")
        layer, leaf = key.rsplit(".", 1)
        is_bn = ".bn" in "." + layer or layer.startswith("bn") or layer.endswith("downsample.1")
        if a.ndim == 4:
            a, leaf = a.transpose(2, 3, 1, 0), "kernel"
        elif a.ndim == 2:
            a, leaf = a.T, "kernel"
        elif is_bn:
            leaf = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean", "running_var": "moving_variance"}[leaf]
        a = np.ascontiguousarray(a)
        weights.append({"name": f"{layer}/{leaf}", "shape": list(a.shape), "dtype": "float32"})
        chunks.append(a.tobytes())
    with open(os.path.join(out_dir, f"{name}.weights.bin"), "wb") as f:
        f.write(b"".join(chunks))
    manifest = {"format": "layers-model", "weightsManifest": [{"paths": [f"{name}.weights.bin"], "weights": weights}]}
    with open(os.path.join(out_dir, f"{name}.model.json"), "w") as f:
        json.dump(manifest, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--archs", default="resnet18,resnet50,bit-r50x1,efficientnet-b0")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=gen)
    np.save(os.path.join(args.out, "input.npy"), x.permute(0, 2, 3, 1).contiguous().numpy().astype("<f4"))
    torch.set_num_threads(1)
    for arch in args.archs.split(","):
        if arch == "bit-r50x1":
            model = BiT()
        elif arch == "efficientnet-b0":
            model = torchvision.models.efficientnet_b0(num_classes=CLASSES)
        else:
            model = getattr(torchvision.models, arch)(num_classes=CLASSES)
        randomize_norms(model, gen)
        model.eval()
        with torch.no_grad():
            if arch == "bit-r50x1":
                feats = model.features(x)
                logits = model.logits(feats)
                np.savez(os.path.join(args.out, f"{arch}.npz"), **model.npz_weights())
            else:
                feats, head = torchvision_features(model, x)
                logits = head(feats)
                write_safetensors(os.path.join(args.out, f"{arch}.safetensors"), model.state_dict())
            if arch == "resnet18":
                sd = model.state_dict()
                write_safetensors(os.path.join(args.out, "resnet18-moco.safetensors"),
                                  {**{f"module.encoder_q.{k}": v for k, v in sd.items()},
                                   "module.encoder_k.conv1.weight": sd["conv1.weight"],
                                   "module.queue": torch.zeros(4, 8)})
                write_tfjs(args.out, "resnet18", sd)
        np.save(os.path.join(args.out, f"{arch}.features.npy"), feats.numpy().astype("<f4"))
        np.save(os.path.join(args.out, f"{arch}.logits.npy"), logits.numpy().astype("<f4"))
        print(f"{arch}: features {tuple(feats.shape)} logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
