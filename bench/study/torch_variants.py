"""Quick PyTorch probe of SSL learning rates for the study's arms (linear-probe accuracy only).
  /usr/bin/python3 bench/study/torch_variants.py"""
import os, sys, time, torch
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'peer'))
import study_torch as st
torch.set_num_threads(1)
d = '/usr/share/datasets/fashion-mnist'
tr_x, tr_y = st.read_idx(f'{d}/train-images-idx3-ubyte.gz'), st.read_idx(f'{d}/train-labels-idx1-ubyte.gz')
te_x, te_y = st.read_idx(f'{d}/t10k-images-idx3-ubyte.gz'), st.read_idx(f'{d}/t10k-labels-idx1-ubyte.gz')
src, ysrc = st.select(tr_x, tr_y, st.SOURCE)
pool, ypool = st.select(tr_x, tr_y, st.TARGET)
test, ytest = st.select(te_x, te_y, st.TARGET, 200)
import numpy as np
allpx = np.concatenate([src, pool]).astype(np.float64) / 255
data = st.Data(float(allpx.mean()), float(allpx.std()))
seed = 0
draw = st.draw_labeled(ypool, 10, seed)
g = torch.Generator().manual_seed(seed)
tp = [(pool, i) for i in range(len(ypool))]
def fresh():
    torch.manual_seed(seed); return st.SmallResNet()
lp = lambda n: st.probe(n, data, pool, ypool, draw, test, ytest, 200, seed)['accuracy']
t = time.time(); base = fresh(); st.supervised(base, data, src, ysrc, 5, 100, 64, 0.05, 5e-4, g)
bs = {k: v.clone() for k, v in base.state_dict().items()}
print('base', lp(base), f'{time.time() - t:.0f}s', flush=True)
for lr in [1e-3, 3e-4, 1e-4]:
    n = fresh(); n.load_state_dict(bs); st.ssl(n, data, tp, 50, 32, g, lr=lr); print('hpt lr', lr, lp(n), flush=True)
for lr in [1e-3, 3e-3]:
    n = fresh(); st.ssl(n, data, tp, 200, 32, g, lr=lr); print('specialist lr', lr, lp(n), f'{time.time() - t:.0f}s', flush=True)
