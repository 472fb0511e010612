#!/usr/bin/python3
"""PyTorch reference of Attune's Fashion-MNIST domain-adaptation study (same recipes, same protocol).

Attune runs each arm as the recipe resources/recipes/study/<arm>.yaml (a preset from
resources/recipes/<preset>.yaml with the study's overrides), sized by a budget of
src/main/services/study/budget.ts (BUDGETS, budgetOverrides) through its normal pipeline. This
script re-implements what those runs do, stage by stage, with the settings the app resolves
(src/main/services/runs/expand.ts, src/shared/finetune-plan.ts); each setting below names the
file or preset it mirrors.

Data: source = Fashion-MNIST training images of classes 0-4 (labeled); target = classes 5-9:
the training images as the pool (all of them feed the SSL stages), N labels per class drawn
with the seed exactly as Attune draws them (src/engine/data/splits.ts applyLabelBudget, with
its mulberry32 SeededRandom and FNV-1a salts reimplemented below, so `drawId` equals the app's),
the test images of those classes as the test set (the quick budget keeps the first 1000, as the
app's IDX `limit`). Images are 28 px resized to 32 px as the app's decode cache does (sharp's
bilinear upscale), normalised with the target pool's mean and std in every stage.
Backbone: small-resnet (CIFAR-style, widths 16/32/64, one basic block per stage).
Arms: scratch, base, specialist, hpt, hpt-bn, hpt-daft, uft, p2x. Every arm gets the fixed
linear probe (taken just before its fine-tune) and the fine-tune of its preset on the labels,
scored on the target test set without test-time augmentation (the app's `summary.plain`).

Everything drawn on the JavaScript side in Attune (label draw, batch order, shift/flip offsets,
SSL batches and view parameters, CutMix boxes, dead-filter copies) is drawn here with the same
generator and seeds; what the app draws with tfjs's generator (initial weights, head init, the
MoCo queue's initial rows) is drawn from torch's. Written from the papers' formulas and the
app's code (no copied code).

  /usr/bin/python3 bench/peer/study_torch.py --budget quick --seeds 0 --out bench/study/out/torch-quick.json
"""
import argparse
import copy
import gzip
import hashlib
import json
import math
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- budgets and recipes
# src/main/services/study/budget.ts BUDGETS (test_limit = limits.test: the first N test images
# after the class filter; ft_steps = finetuneSteps: None = the preset's own plan)
BUDGETS = {
    'full': dict(test_limit=None, labels=10, base_steps=600, base_batch=64, spec_steps=1200, adapt_steps=300,
                 ssl_batch=32, queue=2048, ft_steps=None, probe_epochs=200),
    'quick': dict(test_limit=1000, labels=10, base_steps=100, base_batch=64, spec_steps=400, adapt_steps=100,
                  ssl_batch=32, queue=1024, ft_steps=None, probe_epochs=200),
}
WIDTHS = [16, 32, 64]  # study/*.yaml backbone.config.widths, blocks: 1
SOURCE = [0, 1, 2, 3, 4]
TARGET = [5, 6, 7, 8, 9]
FASHION_MNIST_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
IMAGES_KEY = 'train-images-idx3-ubyte'  # the IDX file's name: the cache keys are `<name>#<index in the file>`
RUN_BATCH = 32  # batchSize: 32 in every resources/recipes/study/*.yaml (the budget's sslBatch)
ARMS = ['scratch', 'base', 'specialist', 'hpt', 'hpt-bn', 'hpt-daft', 'uft', 'p2x']

# The supervised source pretraining: stage `base` of resources/recipes/base.yaml (pool: source,
# mode ft, shift-flip) with resources/recipes/study/base.yaml's settings; steps and batch from the
# budget. SGD's lr scales with fitted batch / preset batch (expand.ts): 64 / 64 = 1.
BASE_STAGE = dict(stage_idx=1, optimizer='sgd', lr=0.05, head_lr=0.05, weight_decay=5e-4, preset_batch=64)

# Each arm's fine-tune stage: its preset's `finetune` stage (resources/recipes/<preset>.yaml) with the
# schema defaults of FinetuneStageSpec (src/shared/schemas/recipe.ts: minSteps 500, shift-flip,
# linear head, weightDecay 1e-4 unless the preset sets it). stage_idx = the stage's index in the
# run (prepare is 0): it seeds the batches and shifts (src/engine/pipeline/finetune.ts).
_ADAM_FT = dict(mode='ft', optimizer='adam', lr=1e-3, head_lr=1e-3, weight_decay=0.0, head_init='random', min_steps=500)
FINETUNE = {
    'scratch': dict(_ADAM_FT, preset='scratch', stage_idx=1, epochs=30),      # scratch.yaml
    'base': dict(_ADAM_FT, preset='base', stage_idx=2, epochs=30),            # base.yaml (after the base stage)
    'specialist': dict(_ADAM_FT, preset='hpt', stage_idx=2, epochs=20),       # study/specialist.yaml names hpt
    'hpt': dict(_ADAM_FT, preset='hpt', stage_idx=2, epochs=20),              # hpt.yaml
    'hpt-bn': dict(_ADAM_FT, preset='hpt-bn', stage_idx=2, epochs=20),        # hpt-bn.yaml
    # daft.yaml: DAFT mode (BN conversion, zero head), Adam, backbone 1e-4, head 1e-3
    'hpt-daft': dict(_ADAM_FT, preset='daft', stage_idx=1, epochs=30, mode='daft', lr=1e-4, head_lr=1e-3, head_init='zero'),
    'uft': dict(_ADAM_FT, preset='uft', stage_idx=2, epochs=30),              # uft.yaml
    # p2x.yaml: Adam 3e-4 for both; it sets no weightDecay, so the schema default 1e-4 (L2, as Adam's)
    'p2x': dict(_ADAM_FT, preset='p2x', stage_idx=3, epochs=20, lr=3e-4, head_lr=3e-4, weight_decay=1e-4),
}

# The SSL stage of each arm (resources/recipes/study/<arm>.yaml `pretrain`): lr = baseLr x batch / 256
# (expand.ts), warm-up = steps / 10 (budgetOverrides), cosine to 0 (src/engine/pipeline/pretrain.ts).
# stage_idx seeds the stage (its batches, views and MoCo/CutMix draws).
_BYOL = dict(method='byol', base_lr=0.008, weight_decay=1e-6, momentum=0.99, norm_only=False, stage_idx=1)
PRETRAIN = {
    'specialist': dict(_BYOL, base_lr=0.024),  # BYOL from random weights at 3x the lr (3e-3 at batch 32)
    'hpt': dict(_BYOL),
    'hpt-bn': dict(_BYOL, norm_only=True),     # backboneTraining: norm-only
    'uft': dict(_BYOL, method='moco', temperature=0.2, source_replay=0.1, cutmix=True),
    'p2x': dict(_BYOL, stage_idx=2),           # after the adapt stage (dead filters, weight scaling)
}

# the fixed linear probe: evaluate.linearProbe defaults (src/shared/schemas/recipe.ts), fitted as
# src/engine/eval/fixed-probe.ts / linear-probe.ts do (full batch: 50 features < batch 256)
PROBE = dict(lr=0.1, weight_decay=1e-3)


# ---------------------------------------------------------------- Attune's seeded generator
def imul(a, b):
    return (a * b) & 0xFFFFFFFF


class SeededRandom:
    """mulberry32, as src/engine/train/seed.ts (so every draw made on the app's JS side matches)."""

    def __init__(self, seed):
        self.s = int(seed) & 0xFFFFFFFF

    def next(self):
        self.s = (self.s + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.s
        t = imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    def int(self, n):
        return int(math.floor(self.next() * n))

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next()

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            p[i], p[j] = p[j], p[i]
        return p


def hash_string(s):
    """32-bit FNV-1a (src/engine/data/splits.ts hashString)."""
    h = 0x811C9DC5
    for ch in s:
        h = imul(h ^ ord(ch), 0x01000193)
    return h


def mix(seed, salt, k):
    """src/engine/data/samplers.ts mix: the seed of one epoch / subset of a sampler."""
    return (imul((seed ^ hash_string(salt)) & 0xFFFFFFFF, 0x9E3779B1) + imul(k + 1, 0x85EBCA6B)) & 0xFFFFFFFF


def js_round(x):
    return int(math.floor(x + 0.5))


# ---------------------------------------------------------------- data
def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def resize_matrix(n_out, n_in):
    """The 1-D bilinear weights of sharp's upscale (src/engine/data/decode-frame.ts, kernel 'linear'):
    output pixel j samples input position j * n_in / n_out - 0.5, edges clamped (matches sharp's
    frames to within 1 grey level)."""
    m = np.zeros((n_out, n_in), dtype=np.float64)
    for j in range(n_out):
        u = j * n_in / n_out - 0.5
        i0 = math.floor(u)
        f = u - i0
        for i, w in ((i0, 1 - f), (i0 + 1, f)):
            m[j, min(max(i, 0), n_in - 1)] += w
    return m


def to_frames(images, size=32):
    """28-px IDX images as the app's decode cache holds them: resized to size x size, uint8 (data.size: 32)."""
    m = resize_matrix(size, images.shape[1]).astype(np.float32)
    out = np.empty((len(images), size, size), dtype=np.uint8)
    for i in range(0, len(images), 5000):
        x = images[i:i + 5000].astype(np.float32)
        out[i:i + 5000] = np.clip(np.rint(m @ x @ m.T), 0, 255).astype(np.uint8)
    return out


def select(images, labels, classes, limit=None):
    """The IDX set of `classes` in file order (label = position in classes), at most `limit` images; and their file indices."""
    keep = [i for i, y in enumerate(labels) if y in classes][:limit]
    y = np.array([classes.index(labels[i]) for i in keep], dtype=np.int64)
    return to_frames(images[keep]), y, keep


def draw_labeled(pool_y, file_idx, per_class, seed):
    """src/engine/data/splits.ts applyLabelBudget on the whole pool (split val 0; the test set is separate):
    per class, the items sorted by key, shuffled with seed ^ FNV('budget:<class name>'), the first N kept.
    Returns positions into the pool in cache (file) order, as the app's `train`, and the kept keys."""
    kept = []
    for c, cls in enumerate(TARGET):
        group = sorted((f'{IMAGES_KEY}#{file_idx[i]}', i) for i in range(len(pool_y)) if pool_y[i] == c)
        order = SeededRandom((seed ^ hash_string(f'budget:{FASHION_MNIST_NAMES[cls]}')) & 0xFFFFFFFF).permutation(len(group))
        kept += [group[order[k]] for k in range(min(per_class, len(group)))]
    kept.sort(key=lambda t: t[1])
    return [i for _, i in kept], [k for k, _ in kept]


def draw_id(keys):
    """The app's idOf (src/main/services/study/run-study.ts): sha256 of the sorted keys, one a line."""
    return hashlib.sha256('\n'.join(sorted(keys)).encode()).hexdigest()[:12]


def batch_at(step, n, batch, steps_per_epoch, seed, cache):
    """src/engine/pipeline/finetune.ts batchAt: the positions of fine-tune step k (epoch-seeded permutations)."""
    epoch = step // steps_per_epoch
    if cache.get('epoch') != epoch:
        cache['epoch'], cache['perm'] = epoch, SeededRandom((seed * 7919 + epoch * 104729 + 17) & 0xFFFFFFFF).permutation(n)
    start = (step % steps_per_epoch) * batch
    return cache['perm'][start:start + batch]


class ShuffledSampler:
    """src/engine/data/samplers.ts ShuffledSampler: epoch e is the permutation seeded by mix(seed, 'epoch', e)."""

    def __init__(self, n, batch, seed):
        self.n, self.batch, self.seed, self.epoch, self.perm = n, batch, seed, -1, []

    def indices_at(self, step):
        out = []
        for p in range(step * self.batch, (step + 1) * self.batch):
            e = p // self.n
            if e != self.epoch:
                self.perm, self.epoch = SeededRandom(mix(self.seed, 'epoch', e)).permutation(self.n), e
            out.append(self.perm[p - e * self.n])
        return out


def replay_subset(n, fraction, seed):
    """samplers.ts replaySubset: UFT's fixed sparse source replay."""
    k = max(1, js_round(n * fraction))
    return sorted(SeededRandom(mix(seed, 'replay', 0)).permutation(n)[:k])


# ---------------------------------------------------------------- model
class BN(nn.BatchNorm2d):
    """BatchNorm as src/engine/models/layers.ts: 'train' (batch statistics, running statistics updated
    with momentum 0.1 and the unbiased variance), 'batch-no-update' (update = False) and eval; with
    groups > 1 the batch is split into equal groups normalised on their own (shuffle-BN emulation),
    the running update using the mean over groups."""
    groups = 1
    update = True

    def forward(self, x):
        if not self.training or (self.groups == 1 and self.update):
            return super().forward(x)
        g = self.groups
        axes = tuple([1] + list(range(3, x.dim() + 1)))
        xg = x.reshape(g, x.shape[0] // g, *x.shape[1:])
        mean = xg.mean(axes, keepdim=True)
        var = xg.var(axes, unbiased=False, keepdim=True)
        shape = [1, 1, -1] + [1] * (x.dim() - 2)
        y = (xg - mean) / torch.sqrt(var + self.eps) * self.weight.view(shape) + self.bias.view(shape)
        if self.update:
            m = xg.numel() // (g * x.shape[1])
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(mean.reshape(g, -1).mean(0), alpha=self.momentum)
                self.running_var.mul_(1 - self.momentum).add_((var * m / max(1, m - 1)).reshape(g, -1).mean(0), alpha=self.momentum)
        return y.reshape(x.shape)

    def _check_input_dim(self, x):
        pass


class BN1d(BN):
    """The same for the BYOL heads' BatchNorm (src/engine/models/heads.ts, norm 'batch')."""


def set_bn(model, groups=1, update=True):
    for m in model.modules():
        if isinstance(m, BN):
            m.groups, m.update = groups, update


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = BN(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = BN(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), BN(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (self.down(x) if self.down is not None else x))


class SmallResNet(nn.Module):
    """src/engine/models/small-resnet.ts: 3x3 stem, one basic block per width, GAP; Kaiming-normal (fan-out) convs."""

    def __init__(self, widths=WIDTHS):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = BN(widths[0])
        layers, cin = [], widths[0]
        for s, w in enumerate(widths):
            layers.append(Block(cin, w, 1 if s == 0 else 2))
            cin = w
        self.layers = nn.Sequential(*layers)
        self.dim = cin
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x):
        return self.layers(F.relu(self.bn1(self.conv1(x)))).mean((2, 3))

    def conv_bn_pairs(self):
        """conv -> BN pairs in the order of the app's parameter specs (stem, then each block's convs, then its downsample)."""
        pairs = [(self.conv1, self.bn1)]
        for b in self.layers:
            pairs += [(b.conv1, b.bn1), (b.conv2, b.bn2)] + ([(b.down[0], b.down[1])] if b.down is not None else [])
        return pairs


def mlp(din, hidden, dout, norm):
    """src/engine/models/heads.ts mlpHeadSpec: Linear (no bias before BatchNorm) -> norm -> ReLU -> Linear."""
    if norm == 'batch':
        return nn.Sequential(nn.Linear(din, hidden, bias=False), BN1d(hidden), nn.ReLU(), nn.Linear(hidden, dout))
    return nn.Sequential(nn.Linear(din, hidden), nn.ReLU(), nn.Linear(hidden, dout))


def decay_groups(params, lr, wd):
    """Weight decay on conv / dense kernels only, never on norms and biases (src/engine/train/trainable.ts)."""
    params = list(params)
    return [{'params': [p for p in params if p.ndim > 1], 'lr': lr, 'weight_decay': wd},
            {'params': [p for p in params if p.ndim <= 1], 'lr': lr, 'weight_decay': 0.0}]


def make_optimizer(kind, groups):
    """src/engine/train/optimizers.ts: SGD momentum 0.9 (L2 added to the gradient), Adam (0.9, 0.999, 1e-8, L2 added to the gradient)."""
    groups = [g for g in groups if g['params']]
    if kind == 'sgd':
        return torch.optim.SGD(groups, lr=groups[0]['lr'], momentum=0.9)
    if kind == 'adam':
        return torch.optim.Adam(groups, lr=groups[0]['lr'], betas=(0.9, 0.999), eps=1e-8)
    raise ValueError(kind)


def cosine(step, total, warmup=0):
    """src/engine/train/schedules.ts cosineWithWarmup as a factor of the base lr."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


# ---------------------------------------------------------------- augmentation
class Data:
    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def norm(self, x01):
        return (x01 - self.mean) / self.std

    @staticmethod
    def raw(frames, idx):
        """uint8 frames -> [N, 3, 32, 32] float pixel values (the cache's three equal channels)."""
        return torch.from_numpy(frames[idx]).float().unsqueeze(1).repeat(1, 3, 1, 1)

    def plain(self, frames, idx):
        return self.norm(self.raw(frames, idx) / 255.0)

    def shift_flip(self, frames, idx, seed):
        """src/engine/pipeline/images.ts shiftFlipParams / shiftFlip ('shift-flip'): per image a whole-pixel
        shift of up to 1/8 of the side (4 px) in each direction, zero fill, then a coin-flip mirror;
        drawn from SeededRandom(seed), seed = stage seed + step."""
        x = self.raw(frames, idx) / 255.0
        rng = SeededRandom(seed)
        side = x.shape[-1]
        m = max(1, js_round(side / 8))
        p = F.pad(x, (m, m, m, m))
        out = torch.empty_like(x)
        for i in range(x.shape[0]):
            dy = rng.int(2 * m + 1) - m
            dx = rng.int(2 * m + 1) - m
            flip = rng.int(2) == 1
            img = p[i, :, m + dy:m + dy + side, m + dx:m + dx + side]
            out[i] = img.flip(2) if flip else img
        return self.norm(out)

    def views(self, x255, rng):
        """The 'grey' view pair (src/engine/data/augment/policies.ts GREY, params.ts sampleViewParams, pipeline.ts
        applyView): random resized crop of 25-100 % of the area, ratio 3/4-4/3, integer box (torchvision rule),
        bilinear crop-and-resize between pixel centres; flip p 0.5; brightness and contrast in [0.6, 1.4] with
        p 0.8 (contrast about the crop's mean), clipped once; no blur, grey or solarize. All of view 1's
        samples are drawn, then view 2's, from the stage's SeededRandom."""
        n, _, h, w = x255.shape
        out = []
        for _ in range(2):
            boxes, a, e = grey_view_params(rng, n, h, w)
            t = torch.from_numpy(boxes)
            # tf.image.cropAndResize: out row i samples y1 (H - 1) + i (y2 - y1) (H - 1) / (size - 1), i.e. align_corners
            gy = 2 * (t[:, 0:1] + (t[:, 2:3] - t[:, 0:1]) * torch.linspace(0, 1, h)) - 1  # [n, h] (output size = data.size)
            gx = 2 * (t[:, 1:2] + (t[:, 3:4] - t[:, 1:2]) * torch.linspace(0, 1, w)) - 1
            grid = torch.stack([gx[:, None, :].expand(n, h, w), gy[:, :, None].expand(n, h, w)], -1)
            v = F.grid_sample(x255, grid, mode='bilinear', padding_mode='border', align_corners=True) / 255.0
            ta, te = torch.from_numpy(a).view(n, 1, 1, 1), torch.from_numpy(e).view(n, 1, 1, 1)
            v = (ta * v + te * v.mean((1, 2, 3), keepdim=True)).clamp(0, 1)
            out.append(self.norm(v))
        return out


def grey_view_params(rng, n, h, w):
    """One 'grey' view's parameters for n images, in the order sampleViewParams draws them: crop boxes
    [y1, x1, y2, x2] normalised by (side - 1) (x1 > x2: flipped) and the colour map a x + e mean(x)."""
    inset = lambda v: min(1 - 1e-5, max(1e-5, v))  # noqa: E731  (params.ts insetEdge)
    boxes, a, e = np.zeros((n, 4), np.float32), np.ones(n, np.float32), np.zeros(n, np.float32)
    for i in range(n):
        top, left, ch, cw = crop_box(rng, h, w, (0.25, 1.0), (3 / 4, 4 / 3))
        x1, x2 = left / (w - 1), (left + cw - 1) / (w - 1)
        if rng.next() < 0.5:  # flipP
            x1, x2 = x2, x1
        boxes[i] = [inset(top / (h - 1)), inset(x1), inset((top + ch - 1) / (h - 1)), inset(x2)]
        if rng.next() < 0.8:  # jitter p
            b = rng.uniform(0.6, 1.4)  # brightness 0.4
            c = rng.uniform(0.6, 1.4)  # contrast 0.4
            rng.uniform(1, 1)  # saturation 0: drawn all the same
            rng.uniform(-0, 0)  # hue 0
            a[i], e[i] = c * b, (1 - c) * b  # ops.ts colorCoefficients for a grey image (luma = the pixel)
        rng.next()  # grayscale, p 0
        rng.next()  # solarize, p 0 (GREY has no blur: nothing drawn for it)
    return boxes, a, e


def crop_box(rng, height, width, scale, ratio):
    """src/engine/data/augment/params.ts sampleCropBox: [top, left, h, w] in pixels."""
    area = height * width
    log_r = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(*log_r))
        w = js_round(math.sqrt(target * aspect))
        h = js_round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            top = rng.int(height - h + 1)
            return top, rng.int(width - w + 1), h, w
    in_ratio, w, h = width / height, width, height
    if in_ratio < ratio[0]:
        h = js_round(w / ratio[0])
    elif in_ratio > ratio[1]:
        w = js_round(h * ratio[1])
    return (height - h) // 2, (width - w) // 2, h, w


def sample_gamma(rng, shape):
    """params.ts sampleGamma (Marsaglia-Tsang, Box-Muller normals), for CutMix's Beta."""
    if shape < 1:
        return sample_gamma(rng, shape + 1) * math.pow(max(rng.next(), 1e-12), 1 / shape)
    d = shape - 1 / 3
    c = 1 / math.sqrt(9 * d)
    while True:
        while True:
            u1 = max(rng.next(), 1e-12)
            x = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * rng.next())
            v = 1 + c * x
            if v > 0:
                break
        v = v * v * v
        u = rng.next()
        if u < 1 - 0.0331 * x ** 4 or math.log(max(u, 1e-12)) < 0.5 * x * x + d * (1 - v + math.log(v)):
            return d * v


def sample_cutmix(rng, n, h, w, alpha=1.0):
    """src/engine/data/augment/cutmix.ts sampleCutMix: a partner permutation, then per sample lambda ~ Beta(a, a),
    a box of side sqrt(1 - lambda) centred at a random pixel, clipped; lambda = own area left (1 if its own partner)."""
    perm = rng.permutation(n)
    lam, boxes = [], []
    for i in range(n):
        g1 = sample_gamma(rng, alpha)
        lam0 = g1 / (g1 + sample_gamma(rng, alpha))
        r = math.sqrt(1 - lam0)
        ch, cw = js_round(h * r), js_round(w * r)
        cy = rng.int(h)
        cx = rng.int(w)
        y1, y2 = max(0, cy - (ch >> 1)), min(h, cy + ch - (ch >> 1))
        x1, x2 = max(0, cx - (cw >> 1)), min(w, cx + cw - (cw >> 1))
        boxes.append((y1, x1, y2, x2))
        lam.append(1.0 if perm[i] == i else 1 - (y2 - y1) * (x2 - x1) / (h * w))
    return perm, lam, boxes


# ---------------------------------------------------------------- stages
def plan_finetune(epochs, min_steps, steps, n, run_batch, batch_size=None):
    """src/shared/finetune-plan.ts planFinetune / finetuneBatch (mode ft / daft): the batch is the stage's own,
    else the run's capped at half the train split (a power of two); steps = `steps`, else epochs x steps per
    epoch stretched to at least minSteps. 50 labels at run batch 32: batch 16, 3 steps an epoch, 500 steps."""
    batch = max(1, min(batch_size, n)) if batch_size is not None else max(1, min(run_batch, 2 ** int(math.floor(math.log2(max(1, n / 2))))))
    per_epoch = max(1, n // batch)
    total = steps if steps is not None else max(epochs * per_epoch, min_steps)
    return batch, per_epoch, total


def supervised(net, data, frames, labels, train, classes, stage, batch, per_epoch, total, seed):
    """src/engine/pipeline/finetune.ts runFinetune (modes ft and daft, no validation split, so a fixed plan):
    a fresh linear head (PyTorch nn.Linear init, or zeros), BN in train mode, step k trains on
    batchAt(k) with shift-flip seeded seed + k; lr = cosine (no warm-up) from head_lr, the backbone at
    lr (its lrScale); the optimizer's L2 on kernels only."""
    head = nn.Linear(net.dim, classes)
    if stage['head_init'] == 'zero':
        nn.init.zeros_(head.weight)
        nn.init.zeros_(head.bias)
    groups = decay_groups(net.parameters(), stage['lr'], stage['weight_decay']) + decay_groups(head.parameters(), stage['head_lr'], stage['weight_decay'])
    opt = make_optimizer(stage['optimizer'], groups)
    base_lrs = [gr['lr'] for gr in opt.param_groups]
    net.train()
    set_bn(net)
    cache = {}
    for s in range(total):
        pos = batch_at(s, len(train), batch, per_epoch, seed, cache)
        idx = [train[p] for p in pos]
        x = data.shift_flip(frames, idx, seed + s)
        y = torch.from_numpy(labels[idx])
        f = cosine(s, total)
        for gr, b in zip(opt.param_groups, base_lrs):
            gr['lr'] = b * f
        loss = F.cross_entropy(head(net(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return head


def bn_convert(net, data, frames, idx):
    """DAFT (src/engine/adapt/bn-convert.ts): an eval-mode pass over the labeled train images (batches of 64)
    records every BN input's mean and biased variance; then (gamma, beta) are folded so the eval function is
    unchanged and the running statistics become the target's (variance unbiased m / (m - 1))."""
    stats = {}
    hooks = []
    for name, m in net.named_modules():
        if isinstance(m, BN):
            def hook(mod, inp, _out, name=name):
                x = inp[0]
                stats.setdefault(name, []).append((x.mean((0, 2, 3)), x.var((0, 2, 3), unbiased=False), x.shape[0] * x.shape[2] * x.shape[3]))
            hooks.append(m.register_forward_hook(hook))
    net.eval()
    with torch.no_grad():
        for i in range(0, len(idx), 64):
            net(data.plain(frames, idx[i:i + 64]))
    for h in hooks:
        h.remove()
    mods = dict(net.named_modules())
    with torch.no_grad():
        for name, lst in stats.items():
            m = mods[name]
            mu_t = torch.stack([a for a, _, _ in lst]).mean(0)
            cnt = lst[-1][2]
            var_t = torch.stack([v for _, v, _ in lst]).mean(0) * (cnt / (cnt - 1) if cnt > 1 else 1)
            scale_s = torch.sqrt(m.running_var + m.eps)
            gamma_t = m.weight * torch.sqrt(var_t + m.eps) / scale_s
            beta_t = m.bias + m.weight * (mu_t - m.running_mean) / scale_s
            m.weight.copy_(gamma_t)
            m.bias.copy_(beta_t)
            m.running_mean.copy_(mu_t)
            m.running_var.copy_(var_t)


def ema(target, online, tau):
    """src/engine/train/ema.ts: target <- tau target + (1 - tau) online, BN running statistics included."""
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.mul_(tau).add_(o.detach(), alpha=1 - tau)
        for (name, t), o in zip(target.named_buffers(), online.buffers()):
            if not name.endswith('num_batches_tracked'):
                t.mul_(tau).add_(o, alpha=1 - tau)


def ssl(net, data, caches, pool, steps, batch, seed, cfg, queue_len, g):
    """src/engine/pipeline/pretrain.ts runPretrain with src/engine/methods/{byol,moco}.ts: batches from
    ShuffledSampler(pool, batch, seed), 'grey' views from SeededRandom(seed); Adam with L2 wd on kernels,
    lr cosine with a linear warm-up of steps / 10; projector (and BYOL predictor) 64 -> 256 -> 128.
    BYOL: BatchNorm MLPs, symmetric 2 - 2 cos loss, target (no predictor, batch statistics without
    update) an EMA with tau from 0.99 to 1 by cosine. MoCo v2 (UFT): MLPs without norm, InfoNCE at T 0.2
    against a queue, two shuffle-BN groups, key encoder EMA 0.99; CutMix of the query view per sample
    (Beta(1, 1)) with the lambda-weighted two-positive loss added at weight 1."""
    lr = cfg['base_lr'] * batch / 256
    warm = min(steps // 10, steps // 2)
    hidden = max(128, min(1024, net.dim * 4))
    torch.manual_seed(seed + 1)
    if cfg['method'] == 'byol':
        proj, pred = mlp(net.dim, hidden, 128, 'batch'), mlp(128, hidden, 128, 'batch')
    else:
        proj, pred = mlp(net.dim, hidden, 128, 'none'), None
    online = nn.ModuleDict({'net': net, 'proj': proj})
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad_(False)
    if cfg['norm_only']:  # HPT-BN: the backbone's BN gamma / beta only (heads fully)
        back = [p for n, p in net.named_parameters() if 'bn' in n or 'down.1' in n]
    else:
        back = list(net.parameters())
    heads = list(proj.parameters()) + (list(pred.parameters()) if pred else [])
    opt = make_optimizer('adam', decay_groups(back + heads, lr, cfg['weight_decay']))
    sampler = ShuffledSampler(len(pool), batch, seed)
    rng = SeededRandom(seed)
    moco_rng = SeededRandom(seed + 4)
    queue = F.normalize(torch.randn(queue_len, 128, generator=g), dim=1)
    qptr = 0
    online.train()
    target.train()
    set_bn(target, update=False)
    groups = 2 if batch % 2 == 0 and batch >= 4 else 1  # bnGroupsFor(batch, 2)
    for s in range(steps):
        pick = [pool[i] for i in sampler.indices_at(s)]
        x255 = torch.cat([data.raw(caches[c], [j]) for c, j in pick])
        v1, v2 = data.views(x255, rng)
        for gr in opt.param_groups:
            gr['lr'] = lr * cosine(s, steps, warm)
        if cfg['method'] == 'byol':
            p1, p2 = pred(proj(net(v1))), pred(proj(net(v2)))
            with torch.no_grad():
                z1, z2 = target['proj'](target['net'](v1)), target['proj'](target['net'](v2))
            loss = (2 - 2 * F.cosine_similarity(p1, z2).mean()) + (2 - 2 * F.cosine_similarity(p2, z1).mean())
        else:
            set_bn(online, groups=groups)
            set_bn(target, groups=groups, update=False)
            q = proj(net(v1))
            perm = moco_rng.permutation(batch)
            inv = [0] * batch
            for i, p in enumerate(perm):
                inv[p] = i
            with torch.no_grad():
                k = F.normalize(target['proj'](target['net'](v2[perm]))[inv], dim=1)

            def info_nce(qq, kk):
                qq = F.normalize(qq, dim=1)
                logits = torch.cat([(qq * kk).sum(1, keepdim=True), qq @ queue.t()], 1) / cfg['temperature']
                return F.cross_entropy(logits, torch.zeros(qq.shape[0], dtype=torch.long), reduction='none')
            loss = info_nce(q, k).mean()
            if cfg.get('cutmix'):
                pair, lam, boxes = sample_cutmix(moco_rng, batch, v1.shape[2], v1.shape[3])
                mask = torch.zeros(batch, 1, v1.shape[2], v1.shape[3])
                for i, (y1, x1, y2, x2) in enumerate(boxes):
                    mask[i, :, y1:y2, x1:x2] = 1
                mixed = v1 + mask * (v1[pair] - v1)
                qm = proj(net(mixed))
                lam_t = torch.tensor(lam)
                loss = loss + (lam_t * info_nce(qm, k) + (1 - lam_t) * info_nce(qm, k[pair])).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        tau = 1 - (1 - cfg['momentum']) * (math.cos(math.pi * min(s, steps) / steps) + 1) / 2 if cfg['method'] == 'byol' else cfg['momentum']
        ema(target, online, tau)
        if cfg['method'] != 'byol':
            queue[qptr:qptr + batch] = k.detach()
            qptr = (qptr + batch) % queue_len
    set_bn(net)


def p2x_fix(net, seed):
    """P2X adapt stage (src/engine/adapt/dead-filters.ts, weight-scaling.ts): a filter with Frobenius norm
    < 0.1 takes a copy of a random live filter of its layer (SeededRandom(run seed)) with its BN channel;
    then every conv -> BN pair with s = ||W|| > 1: W / sqrt(s), mu / sqrt(s), gamma / sqrt(s),
    var = (var + eps) / s^2 - eps (eval function kept exactly; var / s^2 where that is negative)."""
    rng = SeededRandom(seed)
    pairs = net.conv_bn_pairs()
    with torch.no_grad():
        for conv, bn in pairs:
            norms = conv.weight.flatten(1).norm(dim=1)
            live = (norms >= 0.1).nonzero().flatten().tolist()
            dead = (norms < 0.1).nonzero().flatten().tolist()
            if not dead or not live:
                continue
            source = list(range(len(norms)))
            for d in dead:
                source[d] = live[rng.int(len(live))]
            index = torch.tensor(source)
            conv.weight.copy_(conv.weight[index])
            for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
                t.copy_(t[index])
        for conv, bn in pairs:
            s = max(float(conv.weight.norm()), 1.0)
            r = math.sqrt(s)
            conv.weight.div_(r)
            bn.running_mean.div_(r)
            bn.weight.div_(r)
            exact = (bn.running_var + bn.eps) / (s * s) - bn.eps
            bn.running_var.copy_(torch.where(exact >= 0, exact, (bn.running_var / (s * s)).clamp_min(0)))


def features(net, data, frames, idx):
    net.eval()
    with torch.no_grad():
        return torch.cat([net(data.plain(frames, idx[i:i + 500])) for i in range(0, len(idx), 500)])


def scores(labels, preds, k=5):
    cm = np.zeros((k, k), dtype=np.int64)
    for y, p in zip(labels, preds):
        cm[y, p] += 1
    f1 = []
    for c in range(k):
        tp = cm[c, c]
        prec = tp / cm[:, c].sum() if cm[:, c].sum() else 0.0
        rec = tp / cm[c, :].sum() if cm[c, :].sum() else 0.0
        f1.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return {'accuracy': float(np.trace(cm) / cm.sum()), 'macroF1': float(np.mean(f1))}


def probe(net, data, pool, ytr, draw, test, yte, epochs):
    """The fixed probe (src/engine/eval/fixed-probe.ts, linear-probe.ts): eval-mode features standardised with
    the train mean / std, zero-initialised logistic regression, full-batch SGD momentum 0.9, lr 0.1 cosine,
    L2 1e-3 on the weight only, `epochs` passes."""
    ftr, fte = features(net, data, pool, draw), features(net, data, test, list(range(len(yte))))
    mu, sd = ftr.mean(0), ftr.std(0, unbiased=False).clamp_min(1e-6)
    ftr, fte = (ftr - mu) / sd, (fte - mu) / sd
    lin = nn.Linear(ftr.shape[1], 5)
    nn.init.zeros_(lin.weight)
    nn.init.zeros_(lin.bias)
    opt = torch.optim.SGD([{'params': [lin.weight], 'weight_decay': PROBE['weight_decay']}, {'params': [lin.bias], 'weight_decay': 0}], lr=PROBE['lr'], momentum=0.9)
    y = torch.from_numpy(ytr[draw])
    for s in range(epochs):
        for gr in opt.param_groups:
            gr['lr'] = PROBE['lr'] * cosine(s, epochs)
        loss = F.cross_entropy(lin(ftr), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return scores(yte, lin(fte).argmax(1).numpy())


def finetune(arm, net, data, pool, ytr, draw, test, yte, run_seed, ft_steps):
    """The arm's fine-tune stage (FINETUNE[arm]) on the labeled draw, then the plain (no-TTA) test scores."""
    st = FINETUNE[arm]
    seed = run_seed * 1000 + st['stage_idx']
    batch, per_epoch, total = plan_finetune(st['epochs'], st['min_steps'], ft_steps, len(draw), RUN_BATCH)
    if st['mode'] == 'daft':
        bn_convert(net, data, pool, draw)
    torch.manual_seed(seed)
    head = supervised(net, data, pool, ytr, draw, 5, st, batch, per_epoch, total, seed)
    net.eval()
    with torch.no_grad():
        chunks = [list(range(i, min(i + 500, len(yte)))) for i in range(0, len(yte), 500)]
        preds = torch.cat([head(net(data.plain(test, c))) for c in chunks]).argmax(1)
    return scores(yte, preds.numpy())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--budget', default='quick', choices=list(BUDGETS))
    ap.add_argument('--seeds', default='0')
    ap.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=None)
    ap.add_argument('--arms', default=','.join(ARMS), help='comma-separated subset of the arms to run')
    # still accepted for old command lines: Attune always exempts norms and biases from weight decay
    # (src/engine/train/trainable.ts), so this script now always does too (decay_groups)
    ap.add_argument('--decay-exempt-norms', action='store_true', help="no weight decay on norms and biases (Attune's rule; now always on, kept for old command lines)")
    a = ap.parse_args()
    wanted = set(a.arms.split(','))
    unknown = wanted - set(ARMS)
    if unknown:
        raise SystemExit(f'unknown arms: {sorted(unknown)}')
    torch.set_num_threads(a.threads)
    b = BUDGETS[a.budget]
    tr_x, tr_y = read_idx(os.path.join(a.data, 'train-images-idx3-ubyte.gz')), read_idx(os.path.join(a.data, 'train-labels-idx1-ubyte.gz'))
    te_x, te_y = read_idx(os.path.join(a.data, 't10k-images-idx3-ubyte.gz')), read_idx(os.path.join(a.data, 't10k-labels-idx1-ubyte.gz'))
    src, ysrc, _ = select(tr_x, tr_y, SOURCE)
    pool, ypool, pool_files = select(tr_x, tr_y, TARGET)
    test, ytest, _ = select(te_x, te_y, TARGET, b['test_limit'])
    # the run's normalisation: per-channel mean / std of the labeled (target pool) cache, [0, 1] units (channel-stats.ts)
    px = pool.astype(np.float64) / 255
    data = Data(float(px.mean()), float(px.std()))
    results, t_all = [], time.time()
    for seed in [int(s) for s in a.seeds.split(',')]:
        draw, keys = draw_labeled(ypool, pool_files, b['labels'], seed)
        g = torch.Generator().manual_seed(seed)
        shared = {'seed': seed, 'drawId': draw_id(keys), 'testSize': len(ytest)}
        caches = [pool, src]
        target_pool = [(0, i) for i in range(len(ypool))]  # the whole training split, labels kept or not

        def fresh():
            torch.manual_seed(seed)
            return SmallResNet()

        def finish(arm, net, t0, pre_steps, base_steps, lp=None):
            lp = lp or probe(net, data, pool, ypool, draw, test, ytest, b['probe_epochs'])
            ft = finetune(arm, net, data, pool, ypool, draw, test, ytest, seed, b['ft_steps'])
            r = {'arm': arm, **shared, 'linearProbe': lp, 'finetune': ft, 'pretrainSteps': pre_steps, 'baseSteps': base_steps, 'seconds': time.time() - t0}
            results.append(r)
            print(f"seed {seed} {arm:10s} LP {lp['accuracy'] * 100:.1f} F1 {lp['macroF1'] * 100:.1f} | FT {ft['accuracy'] * 100:.1f} F1 {ft['macroF1'] * 100:.1f} | {r['seconds']:.0f} s", flush=True)
            return lp

        def pretrain(arm, net, steps):
            cfg = PRETRAIN[arm]
            st_seed = seed * 1000 + cfg['stage_idx']
            sp = target_pool
            if cfg.get('source_replay'):  # UFT: a fixed 10 % of the source joins the target pool
                sp = target_pool + [(1, k) for k in replay_subset(len(ysrc), cfg['source_replay'], st_seed)]
            ssl(net, data, caches, sp, steps, b['ssl_batch'], st_seed, cfg, b['queue'], g)

        if 'scratch' in wanted:
            finish('scratch', fresh(), time.time(), 0, 0)
        t = time.time()
        net = fresh()
        # the base stage: plan on the 30000 source images at the budget's batch, steps fixed by the budget
        bst = BASE_STAGE
        bb, bpe, btot = plan_finetune(10, 500, b['base_steps'], len(ysrc), RUN_BATCH, b['base_batch'])
        scale = bb / bst['preset_batch']
        torch.manual_seed(seed * 1000 + bst['stage_idx'])
        supervised(net, data, src, ysrc, list(range(len(ysrc))), 5, dict(bst, lr=bst['lr'] * scale, head_lr=bst['head_lr'] * scale, head_init='random'),
                   bb, bpe, btot, seed * 1000 + bst['stage_idx'])
        base_state = {k: v.clone() for k, v in net.state_dict().items()}
        if 'base' in wanted:
            finish('base', net, t, 0, b['base_steps'])

        def from_base():
            n = fresh()
            n.load_state_dict(base_state)
            return n
        if 'specialist' in wanted:
            t = time.time()
            net = fresh()
            pretrain('specialist', net, b['spec_steps'])
            finish('specialist', net, t, b['spec_steps'], 0)
        if wanted & {'hpt', 'hpt-daft'}:
            t = time.time()
            net = from_base()
            pretrain('hpt', net, b['adapt_steps'])
            hpt_state = {k: v.clone() for k, v in net.state_dict().items()}
            hpt_lp = finish('hpt', net, t, b['adapt_steps'], b['base_steps'])
        if 'hpt-bn' in wanted:
            t = time.time()
            net = from_base()
            pretrain('hpt-bn', net, b['adapt_steps'])
            finish('hpt-bn', net, t, b['adapt_steps'], b['base_steps'])
        if 'hpt-daft' in wanted:
            # the hpt run's pretrain.safetensors; its probe is the hpt arm's (same backbone, taken before the fine-tune)
            t = time.time()
            net = fresh()
            net.load_state_dict(hpt_state)
            finish('hpt-daft', net, t, b['adapt_steps'], b['base_steps'], lp=hpt_lp)
        if 'uft' in wanted:
            t = time.time()
            net = from_base()
            pretrain('uft', net, b['adapt_steps'])
            finish('uft', net, t, b['adapt_steps'], b['base_steps'])
        if 'p2x' in wanted:
            t = time.time()
            net = from_base()
            p2x_fix(net, seed)
            pretrain('p2x', net, b['adapt_steps'])
            finish('p2x', net, t, b['adapt_steps'], b['base_steps'])
    out = {'budget': a.budget, 'torch': torch.__version__, 'threads': a.threads, 'seconds': time.time() - t_all, 'results': results}
    if a.out:
        with open(a.out, 'w') as f:
            json.dump(out, f)
    print(json.dumps({'seconds': out['seconds']}))


if __name__ == '__main__':
    main()
