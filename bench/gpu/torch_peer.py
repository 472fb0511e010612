#!/usr/bin/env python3
"""PyTorch peer of bench/gpu/run.ts on a chosen device (cuda or cpu): the same models as
bench/peer/train_torch.py (imported from there), the same step (backbone -> linear head ->
softmax cross-entropy -> backward -> SGD with momentum 0.9), fp32 (TF32 off), warm-up
excluded, the device synchronised before each step time is taken. Prints one JSON line.

Usage: python3 bench/gpu/torch_peer.py --device cuda --model resnet50 --size 224 --batch 32 --steps 10
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer"))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from train_torch import build  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--model", default="small-resnet")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--classes", type=int, default=10)
    a = p.parse_args()
    if a.device == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("torch_peer.py: --device cuda but torch.cuda.is_available() is False "
                             f"(torch {torch.__version__}, built for CUDA {torch.version.cuda})")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
    torch.manual_seed(0)
    backbone, dim = build(a.model)
    net = nn.Sequential(backbone, nn.Linear(dim, a.classes)).to(dev)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(a.batch, 3, a.size, a.size, device=dev)
    y = (torch.arange(a.batch) % a.classes).to(dev)
    times = []
    loss_v = float("nan")
    for i in range(a.warmup + a.steps):
        sync()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        loss_v = loss.item()  # synchronises, as Attune's step reads its loss back
        sync()
        dt = (time.perf_counter() - t0) * 1000
        if i >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    out = {
        "framework": "pytorch", "version": torch.__version__, "device": a.device,
        "deviceName": torch.cuda.get_device_name(0) if a.device == "cuda" else "cpu",
        "threads": torch.get_num_threads(), "precision": "fp32 (TF32 off)" if a.device == "cuda" else "fp32",
        "model": a.model, "size": a.size, "batch": a.batch, "steps": a.steps,
        "stepMsMedian": med, "imagesPerSecond": a.batch * 1000 / med, "lastLoss": loss_v,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
