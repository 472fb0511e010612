#!/usr/bin/python3
"""PyTorch reference of Attune's Fashion-MNIST domain-adaptation study (same protocol).

Source = Fashion-MNIST training images of classes 0-4 (labeled); target = classes 5-9: the
training images as the unlabeled pool, N labels per class drawn with the seed (the SAME draw as
Attune: its SeededRandom is reimplemented below), the test images of those classes as the test
set. Backbone: small-resnet (CIFAR-style, widths 16/32/64, one basic block per stage) at 32x32
(28 px padded by 2). Arms: scratch, base, specialist, hpt, hpt-bn, hpt-daft, uft, p2x. Every
arm gets a linear probe and a fine-tune on the labels, scored on the target test set.

Budgets mirror src/engine/study/budget.ts. Written from the papers' formulas (no copied code).

  /usr/bin/python3 bench/peer/study_torch.py --budget quick --seeds 0 --out bench/study/out/torch-quick.json
"""
import argparse
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

BUDGETS = {
    'full': dict(test_per_class=None, labels=10, base_steps=600, base_batch=64, spec_steps=1200, adapt_steps=300,
                 ssl_batch=32, queue=2048, ft_steps=120, probe_epochs=200),
    'quick': dict(test_per_class=200, labels=10, base_steps=100, base_batch=64, spec_steps=400, adapt_steps=100,
                  ssl_batch=32, queue=1024, ft_steps=20, probe_epochs=200),
}
WIDTHS = [16, 32, 64]
SOURCE = [0, 1, 2, 3, 4]
TARGET = [5, 6, 7, 8, 9]
# BYOL from random weights (the specialist) runs at 3x the lr of the stages that start from base
SCRATCH_LR = 3e-3
# --decay-exempt-norms: fine-tunes and the base exempt norms and biases from weight decay, as Attune does
DECAY_EXEMPT_NORMS = False
ARMS = ['scratch', 'base', 'specialist', 'hpt', 'hpt-bn', 'hpt-daft', 'uft', 'p2x']


# ---------------------------------------------------------------- Attune's seeded generator
class SeededRandom:
    """mulberry32, as src/engine/train/seed.ts (so label draws match Attune's exactly)."""

    def __init__(self, seed):
        self.s = int(seed) & 0xFFFFFFFF

    def next(self):
        self.s = (self.s + 0x6D2B79F5) & 0xFFFFFFFF
        t = self.s

        def imul(a, b):
            return (a * b) & 0xFFFFFFFF
        t = imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296.0

    def int(self, n):
        return int(math.floor(self.next() * n))

    def permutation(self, n):
        p = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.int(i + 1)
            p[i], p[j] = p[j], p[i]
        return p


# ---------------------------------------------------------------- data
def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def select(images, labels, classes, per_class=None):
    taken = [0] * len(classes)
    keep = []
    for i, y in enumerate(labels):
        if y not in classes:
            continue
        c = classes.index(y)
        if per_class is not None and taken[c] >= per_class:
            continue
        taken[c] += 1
        keep.append(i)
    x = np.zeros((len(keep), 32, 32), dtype=np.uint8)
    x[:, 2:30, 2:30] = images[keep]
    y = np.array([classes.index(labels[i]) for i in keep], dtype=np.int64)
    return x, y


def draw_labeled(pool_y, per_class, seed):
    rng = SeededRandom(seed * 7919 + 17)
    out = []
    for c in range(len(TARGET)):
        members = [i for i in range(len(pool_y)) if pool_y[i] == c]
        order = rng.permutation(len(members))
        out += [members[order[k]] for k in range(per_class)]
    return out


def short_id(indices):
    return hashlib.sha256(np.asarray(indices, dtype=np.int32).tobytes()).hexdigest()[:12]


# ---------------------------------------------------------------- model
class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (self.down(x) if self.down is not None else x))


class SmallResNet(nn.Module):
    def __init__(self, widths=WIDTHS):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
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


def mlp(din, hidden, dout, norm):
    mid = [nn.BatchNorm1d(hidden)] if norm == 'batch' else []
    return nn.Sequential(nn.Linear(din, hidden), *mid, nn.ReLU(), nn.Linear(hidden, dout))


# ---------------------------------------------------------------- augmentation (tensor ops)
class Data:
    def __init__(self, mean, std):
        self.mean, self.std = mean, std

    def norm(self, x255):
        return (x255 / 255.0 - self.mean) / self.std

    def raw(self, grey, idx):
        return torch.from_numpy(grey[idx]).float().unsqueeze(1).repeat(1, 3, 1, 1)

    def views(self, x255, g):
        """Random resized crop (scale 0.25-1, ratio 3/4-4/3), flip, brightness/contrast jitter p=0.8."""
        n = x255.shape[0]
        out = []
        for _ in range(2):
            theta = torch.zeros(n, 2, 3)
            for i in range(n):
                for _try in range(10):
                    area = 1024 * float(torch.empty(1).uniform_(0.25, 1, generator=g))
                    logr = float(torch.empty(1).uniform_(math.log(3 / 4), math.log(4 / 3), generator=g))
                    r = math.exp(logr)
                    w, h = math.sqrt(area * r), math.sqrt(area / r)
                    if w <= 32 and h <= 32:
                        break
                else:
                    w = h = 32.0
                cx = float(torch.empty(1).uniform_(w / 2, 32 - w / 2, generator=g)) if w < 32 else 16.0
                cy = float(torch.empty(1).uniform_(h / 2, 32 - h / 2, generator=g)) if h < 32 else 16.0
                flip = -1.0 if float(torch.rand(1, generator=g)) < 0.5 else 1.0
                theta[i] = torch.tensor([[flip * w / 32, 0, (cx - 16) / 16], [0, h / 32, (cy - 16) / 16]])
            grid = F.affine_grid(theta, (n, 3, 32, 32), align_corners=False)
            v = F.grid_sample(x255 / 255.0, grid, mode='bilinear', padding_mode='border', align_corners=False)
            apply = (torch.rand(n, 1, 1, 1, generator=g) < 0.8).float()
            b = 1 + apply * (torch.rand(n, 1, 1, 1, generator=g) * 0.8 - 0.4)
            c = 1 + apply * (torch.rand(n, 1, 1, 1, generator=g) * 0.8 - 0.4)
            v = (v * b).clamp(0, 1)
            m = v.mean((1, 2, 3), keepdim=True)
            v = ((v - m) * c + m).clamp(0, 1)
            out.append((v - self.mean) / self.std)
        return out

    def shift_flip(self, x, g):
        """4-px random translation with background padding and horizontal flip, of normalised images."""
        bg = (0 - self.mean) / self.std
        p = F.pad(x - bg, (4, 4, 4, 4)) + bg
        out = torch.empty_like(x)
        for i in range(x.shape[0]):
            dy, dx = int(torch.randint(9, (1,), generator=g)), int(torch.randint(9, (1,), generator=g))
            img = p[i, :, dy:dy + 32, dx:dx + 32]
            out[i] = img.flip(2) if float(torch.rand(1, generator=g)) < 0.5 else img
        return out


def cosine(step, total, warmup=0):
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


# ---------------------------------------------------------------- stages
def supervised(net, data, grey, labels, classes, steps, batch, lr, wd, g, train_idx=None, val_idx=None, mode='ft', head_lr=None):
    """SGD momentum 0.9, cosine, shift-and-flip augmentation; a fresh linear head (zero for DAFT)."""
    head = nn.Linear(net.dim, classes)
    if mode == 'daft':
        nn.init.zeros_(head.weight)
        nn.init.zeros_(head.bias)
    if DECAY_EXEMPT_NORMS:  # Attune's rule: no weight decay on norms and biases (1-D parameters)
        params = list(net.parameters())
        groups = [{'params': [p for p in params if p.ndim > 1], 'lr': lr},
                  {'params': [p for p in params if p.ndim <= 1], 'lr': lr, 'weight_decay': 0},
                  {'params': [head.weight], 'lr': head_lr or lr}, {'params': [head.bias], 'lr': head_lr or lr, 'weight_decay': 0}]
    else:
        groups = [{'params': net.parameters(), 'lr': lr}, {'params': head.parameters(), 'lr': head_lr or lr}]
    opt = torch.optim.SGD(groups, lr=lr, momentum=0.9, weight_decay=wd)
    base_lrs = [gr['lr'] for gr in opt.param_groups]
    idx_all = train_idx if train_idx is not None else list(range(len(labels)))
    net.train()
    perm, pos = torch.randperm(len(idx_all), generator=g).tolist(), 0
    for s in range(steps):
        if len(idx_all) <= batch:
            idx = idx_all
        else:
            if pos + batch > len(perm):
                perm, pos = torch.randperm(len(idx_all), generator=g).tolist(), 0
            idx = [idx_all[i] for i in perm[pos:pos + batch]]
            pos += batch
        x = data.shift_flip(data.norm(data.raw(grey, idx)), g)
        y = torch.from_numpy(labels[idx])
        f = cosine(s, steps)
        for gr, b in zip(opt.param_groups, base_lrs):
            gr['lr'] = b * f
        loss = F.cross_entropy(head(net(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return head


def bn_convert(net, data, grey, idx):
    """DAFT: per-batch input mean / biased variance at every BN (eval mode), then fold (gamma, beta)."""
    stats = {}
    hooks = []
    for name, m in net.named_modules():
        if isinstance(m, nn.BatchNorm2d):
            def hook(mod, inp, _out, name=name):
                x = inp[0]
                stats.setdefault(name, []).append((x.mean((0, 2, 3)), x.var((0, 2, 3), unbiased=False), x.shape[0] * x.shape[2] * x.shape[3]))
            hooks.append(m.register_forward_hook(hook))
    net.eval()
    with torch.no_grad():
        net(data.norm(data.raw(grey, idx)))
    for h in hooks:
        h.remove()
    mods = dict(net.named_modules())
    with torch.no_grad():
        for name, lst in stats.items():
            m = mods[name]
            mu_t = torch.stack([a for a, _, _ in lst]).mean(0)
            cnt = lst[0][2]
            var_t = torch.stack([v for _, v, _ in lst]).mean(0) * cnt / max(1, cnt - 1)
            scale_s = torch.sqrt(m.running_var + m.eps)
            gamma_t = m.weight * torch.sqrt(var_t + m.eps) / scale_s
            beta_t = m.bias + m.weight * (mu_t - m.running_mean) / scale_s
            m.weight.copy_(gamma_t)
            m.bias.copy_(beta_t)
            m.running_mean.copy_(mu_t)
            m.running_var.copy_(var_t)


def ema(target, online, tau):
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.mul_(tau).add_(o.detach(), alpha=1 - tau)
        for t, o in zip(target.buffers(), online.buffers()):
            t.copy_(o)


def ssl(net, data, pool, steps, batch, g, method='byol', norm_only=False, queue_len=1024, lr=1e-3):
    """BYOL (tau 0.99 -> 1, cosine) or MoCo v2 + UFT CutMix; Adam lr 1e-3, wd 1e-6, cosine with 10 % warmup."""
    import copy
    hidden = max(128, min(1024, net.dim * 4))
    if method == 'byol':
        proj, pred = mlp(net.dim, hidden, 128, 'batch'), mlp(128, hidden, 128, 'batch')
    else:
        proj, pred = mlp(net.dim, min(2048, max(128, net.dim * 4)), 128, 'none'), None
    online = nn.ModuleDict({'net': net, 'proj': proj})
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad_(False)
    if norm_only:
        back = [p for n, p in net.named_parameters() if 'bn' in n or 'down.1' in n]
    else:
        back = list(net.parameters())
    params = back + list(proj.parameters()) + (list(pred.parameters()) if pred else [])
    opt = torch.optim.Adam(params, lr=lr, weight_decay=1e-6)
    warm = int(steps * 0.1)
    queue = F.normalize(torch.randn(queue_len, 128, generator=g), dim=1)
    qptr = 0
    for s in range(steps):
        pick = torch.randint(len(pool), (batch,), generator=g).tolist()
        x255 = torch.cat([data.raw(pool[j][0], [pool[j][1]]) for j in pick])
        v1, v2 = data.views(x255, g)
        for gr in opt.param_groups:
            gr['lr'] = lr * cosine(s, steps, warm)
        online.train()
        target.train()
        if method == 'byol':
            tau = 1 - (1 - 0.99) * (math.cos(math.pi * s / steps) + 1) / 2
            p1, p2 = pred(proj(net(v1))), pred(proj(net(v2)))
            with torch.no_grad():
                z1, z2 = target['proj'](target['net'](v1)), target['proj'](target['net'](v2))
            loss = (2 - 2 * F.cosine_similarity(p1, z2.detach()).mean()) + (2 - 2 * F.cosine_similarity(p2, z1.detach()).mean())
        else:
            tau = 0.99
            half = batch // 2

            def grouped(model, x):  # shuffle-BN emulation: two groups with their own statistics
                return torch.cat([model(x[:half]), model(x[half:])])
            q = F.normalize(grouped(lambda x: proj(net(x)), v1), dim=1)
            perm = torch.randperm(batch, generator=g)
            with torch.no_grad():
                k = F.normalize(grouped(lambda x: target['proj'](target['net'](x)), v2[perm]), dim=1)[torch.argsort(perm)]

            def info_nce(qq, kk):
                pos = (qq * kk).sum(1, keepdim=True)
                neg = qq @ queue.t()
                return F.cross_entropy(torch.cat([pos, neg], 1) / 0.2, torch.zeros(qq.shape[0], dtype=torch.long), reduction='none')
            loss = info_nce(q, k).mean()
            # UFT: CutMix the queries of random pairs; lambda = area kept from image a
            lam0 = float(torch.distributions.Beta(1.0, 1.0).sample())
            pair = torch.randperm(batch, generator=g)
            cut = math.sqrt(1 - lam0)
            ch, cw = int(32 * cut), int(32 * cut)
            cy, cx = int(torch.randint(32, (1,), generator=g)), int(torch.randint(32, (1,), generator=g))
            y1, y2, x1, x2 = max(cy - ch // 2, 0), min(cy + ch // 2, 32), max(cx - cw // 2, 0), min(cx + cw // 2, 32)
            mixed = v1.clone()
            mixed[:, :, y1:y2, x1:x2] = v1[pair][:, :, y1:y2, x1:x2]
            lam = 1 - (y2 - y1) * (x2 - x1) / 1024.0
            qm = F.normalize(grouped(lambda x: proj(net(x)), mixed), dim=1)
            loss = loss + (lam * info_nce(qm, k) + (1 - lam) * info_nce(qm, k[pair])).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        ema(target, online, tau)
        if method != 'byol':
            queue[qptr:qptr + batch] = k.detach()
            qptr = (qptr + batch) % queue_len


def p2x_fix(net, g):
    """Dead filters (Frobenius norm < 0.1) copied from a live one, then weight scaling of conv->BN pairs with s > 1."""
    pairs = [(net.conv1, net.bn1)]
    for b in net.layers:
        pairs += [(b.conv1, b.bn1), (b.conv2, b.bn2)] + ([(b.down[0], b.down[1])] if b.down is not None else [])
    with torch.no_grad():
        for conv, bn in pairs:
            norms = conv.weight.flatten(1).norm(dim=1)
            live = (norms >= 0.1).nonzero().flatten().tolist()
            for d in (norms < 0.1).nonzero().flatten().tolist():
                if live:
                    src = live[int(torch.randint(len(live), (1,), generator=g))]
                    conv.weight[d] = conv.weight[src]
                    for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
                        t[d] = t[src]
        for conv, bn in pairs:
            s = float(conv.weight.norm())
            if s > 1:
                r = math.sqrt(s)
                conv.weight.div_(r)
                bn.running_mean.div_(r)
                bn.running_var.div_(s * s)  # P2X: var / s^2 and gamma / sqrt(s) keep the eval function
                bn.weight.div_(r)


def features(net, data, grey, idx):
    net.eval()
    with torch.no_grad():
        return torch.cat([net(data.norm(data.raw(grey, idx[i:i + 500]))) for i in range(0, len(idx), 500)])


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


def probe(net, data, pool, ytr, draw, test, yte, epochs, seed):
    """Standardised features, multinomial logistic regression, SGD momentum 0.9 lr 0.1 wd 1e-3, cosine."""
    ftr, fte = features(net, data, pool, draw), features(net, data, test, list(range(len(yte))))
    mu, sd = ftr.mean(0), ftr.std(0, unbiased=False).clamp_min(1e-6)
    ftr, fte = (ftr - mu) / sd, (fte - mu) / sd
    torch.manual_seed(seed)
    lin = nn.Linear(ftr.shape[1], 5)
    nn.init.zeros_(lin.weight)
    nn.init.zeros_(lin.bias)
    opt = torch.optim.SGD([{'params': [lin.weight], 'weight_decay': 1e-3}, {'params': [lin.bias], 'weight_decay': 0}], lr=0.1, momentum=0.9)
    y = torch.from_numpy(ytr[draw])
    for s in range(epochs):
        for gr in opt.param_groups:
            gr['lr'] = 0.1 * cosine(s, epochs)
        loss = F.cross_entropy(lin(ftr), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return scores(yte, lin(fte).argmax(1).numpy())


def finetune(net, data, pool, ytr, draw, test, yte, steps, g, mode='ft'):
    if mode == 'daft':
        bn_convert(net, data, pool, draw)
    head = supervised(net, data, pool, ytr, 5, steps, len(draw), 0.02, 0 if mode == 'daft' else 1e-4, g, train_idx=draw, mode=mode,
                      head_lr=0.2 if mode == 'daft' else None)
    net.eval()
    with torch.no_grad():
        chunks = [list(range(i, min(i + 500, len(yte)))) for i in range(0, len(yte), 500)]
        preds = torch.cat([head(net(data.norm(data.raw(test, c)))) for c in chunks]).argmax(1)
    return scores(yte, preds.numpy())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--budget', default='quick', choices=list(BUDGETS))
    ap.add_argument('--seeds', default='0')
    ap.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=None)
    ap.add_argument('--arms', default=','.join(ARMS), help='comma-separated subset of the arms to run')
    ap.add_argument('--decay-exempt-norms', action='store_true', help="no weight decay on norms and biases (Attune's rule)")
    a = ap.parse_args()
    global DECAY_EXEMPT_NORMS
    DECAY_EXEMPT_NORMS = a.decay_exempt_norms
    wanted = set(a.arms.split(','))
    unknown = wanted - set(ARMS)
    if unknown:
        raise SystemExit(f'unknown arms: {sorted(unknown)}')
    torch.set_num_threads(a.threads)
    b = BUDGETS[a.budget]
    tr_x, tr_y = read_idx(os.path.join(a.data, 'train-images-idx3-ubyte.gz')), read_idx(os.path.join(a.data, 'train-labels-idx1-ubyte.gz'))
    te_x, te_y = read_idx(os.path.join(a.data, 't10k-images-idx3-ubyte.gz')), read_idx(os.path.join(a.data, 't10k-labels-idx1-ubyte.gz'))
    src, ysrc = select(tr_x, tr_y, SOURCE)
    pool, ypool = select(tr_x, tr_y, TARGET)
    test, ytest = select(te_x, te_y, TARGET, b['test_per_class'])
    allpx = np.concatenate([src, pool]).astype(np.float64) / 255
    data = Data(float(allpx.mean()), float(allpx.std()))
    results, t_all = [], time.time()
    for seed in [int(s) for s in a.seeds.split(',')]:
        draw = draw_labeled(ypool, b['labels'], seed)
        g = torch.Generator().manual_seed(seed)
        shared = {'seed': seed, 'drawId': short_id(draw), 'testSize': len(ytest)}
        target_pool = [(pool, i) for i in range(len(ypool))]
        replay = SeededRandom(seed * 31 + 3).permutation(len(ysrc))[:round(len(ysrc) * 0.1)]
        uft_pool = target_pool + [(src, i) for i in replay]

        def fresh():
            torch.manual_seed(seed)
            return SmallResNet()

        def finish(arm, net, t0, pre_steps, base_steps, mode='ft', lp=None):
            lp = lp or probe(net, data, pool, ypool, draw, test, ytest, b['probe_epochs'], seed)
            ft = finetune(net, data, pool, ypool, draw, test, ytest, b['ft_steps'], g, mode)
            r = {'arm': arm, **shared, 'linearProbe': lp, 'finetune': ft, 'pretrainSteps': pre_steps, 'baseSteps': base_steps, 'seconds': time.time() - t0}
            results.append(r)
            print(f"seed {seed} {arm:10s} LP {lp['accuracy'] * 100:.1f} F1 {lp['macroF1'] * 100:.1f} | FT {ft['accuracy'] * 100:.1f} F1 {ft['macroF1'] * 100:.1f} | {r['seconds']:.0f} s", flush=True)
            return lp

        if 'scratch' in wanted:
            finish('scratch', fresh(), time.time(), 0, 0)
        t = time.time()
        net = fresh()
        supervised(net, data, src, ysrc, 5, b['base_steps'], b['base_batch'], 0.05, 5e-4, g)
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
            ssl(net, data, target_pool, b['spec_steps'], b['ssl_batch'], g, lr=SCRATCH_LR)
            finish('specialist', net, t, b['spec_steps'], 0)
        if wanted & {'hpt', 'hpt-daft'}:
            t = time.time()
            net = from_base()
            ssl(net, data, target_pool, b['adapt_steps'], b['ssl_batch'], g)
            hpt_state = {k: v.clone() for k, v in net.state_dict().items()}
            hpt_lp = finish('hpt', net, t, b['adapt_steps'], b['base_steps'])
        if 'hpt-bn' in wanted:
            t = time.time()
            net = from_base()
            ssl(net, data, target_pool, b['adapt_steps'], b['ssl_batch'], g, norm_only=True)
            finish('hpt-bn', net, t, b['adapt_steps'], b['base_steps'])
        if 'hpt-daft' in wanted:
            t = time.time()
            net = fresh()
            net.load_state_dict(hpt_state)
            finish('hpt-daft', net, t, b['adapt_steps'], b['base_steps'], mode='daft', lp=hpt_lp)
        if 'uft' in wanted:
            t = time.time()
            net = from_base()
            ssl(net, data, uft_pool, b['adapt_steps'], b['ssl_batch'], g, method='moco', queue_len=b['queue'])
            finish('uft', net, t, b['adapt_steps'], b['base_steps'])
        if 'p2x' in wanted:
            t = time.time()
            net = from_base()
            p2x_fix(net, g)
            ssl(net, data, target_pool, b['adapt_steps'], b['ssl_batch'], g)
            finish('p2x', net, t, b['adapt_steps'], b['base_steps'])
    out = {'budget': a.budget, 'torch': torch.__version__, 'threads': a.threads, 'seconds': time.time() - t_all, 'results': results}
    if a.out:
        with open(a.out, 'w') as f:
            json.dump(out, f)
    print(json.dumps({'seconds': out['seconds']}))


if __name__ == '__main__':
    main()
