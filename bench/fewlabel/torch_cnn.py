"""
A plain CNN in PyTorch on a few-label PNG folder (bench/fewlabel/export-fashion.ts), beside
scikit-learn's LogisticRegression on the same pixels: which fine-tune regularisers lift a network
trained from random weights above the pixels floor (STUDY.md, "the app's defaults").

    /usr/bin/python3 bench/fewlabel/torch_cnn.py /tmp/fl10 [base,mix,...]

Trains on every labeled image (train + val of Attune's split), 32 px grayscale, a 6-convolution
BatchNorm CNN, AdamW with a one-cycle cosine schedule, 500 steps of 16 drawn with replacement,
shifts of up to 4 px and flips; each variant changes one thing. Prints test accuracy for seeds 0-2.
"""
import sys, os, glob, copy, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image
from sklearn.linear_model import LogisticRegression
torch.set_num_threads(1)
def load(d):
    cls = sorted(os.listdir(d)); X=[];Y=[]
    for i,c in enumerate(cls):
        for f in sorted(glob.glob(f'{d}/{c}/*.png')):
            X.append(np.asarray(Image.open(f).convert('L').resize((32,32), Image.BILINEAR),dtype=np.float32)/255.); Y.append(i)
    return torch.tensor(np.stack(X))[:,None], torch.tensor(Y)
root=sys.argv[1]; Xtr,Ytr=load(root+'/labeled'); Xte,Yte=load(root+'/test')
lr_=LogisticRegression(max_iter=3000).fit(Xtr.flatten(1).numpy(),Ytr.numpy()); floor=lr_.score(Xte.flatten(1).numpy(),Yte.numpy())
def block(i,o,s): return nn.Sequential(nn.Conv2d(i,o,3,s,1,bias=False),nn.BatchNorm2d(o),nn.ReLU())
class Net(nn.Module):
    def __init__(s,drop=0.,width=32):
        super().__init__(); w=width
        s.f=nn.Sequential(block(1,w,1),block(w,w,1),block(w,2*w,2),block(2*w,2*w,1),block(2*w,4*w,2),block(4*w,4*w,1))
        s.d=nn.Dropout(drop); s.h=nn.Linear(4*w,int(Ytr.max())+1)
    def forward(s,x): return s.h(s.d(s.f(x).mean((2,3))))
def aug(x,shift=4,flip=True,scale=False):
    n=x.shape[0]
    if shift:
        p=F.pad(x,(shift,)*4); out=torch.empty_like(x)
        ox=torch.randint(0,2*shift+1,(n,)); oy=torch.randint(0,2*shift+1,(n,))
        for i in range(n): out[i]=p[i,:,oy[i]:oy[i]+32,ox[i]:ox[i]+32]
        x=out
    if flip:
        m=torch.rand(n)<0.5; x=torch.where(m[:,None,None,None],x.flip(3),x)
    return x
def run(seed,steps=500,bs=16,lr=1e-3,ema=0,mix=0,ls=0,drop=0,wd=0,width=32,shift=4):
    torch.manual_seed(seed); net=Net(drop,width); opt=torch.optim.AdamW(net.parameters(),lr,weight_decay=wd)
    sched=torch.optim.lr_scheduler.OneCycleLR(opt,lr,total_steps=steps,pct_start=0.05,anneal_strategy='cos')
    avg=copy.deepcopy(net) if ema else None
    n=len(Xtr)
    for t in range(steps):
        idx=torch.randint(0,n,(bs,)); x=aug(Xtr[idx],shift); y=Ytr[idx]
        net.train()
        if mix:
            lam=np.random.beta(mix,mix); perm=torch.randperm(bs); x=lam*x+(1-lam)*x[perm]
            o=net(x); loss=lam*F.cross_entropy(o,y,label_smoothing=ls)+(1-lam)*F.cross_entropy(o,y[perm],label_smoothing=ls)
        else:
            loss=F.cross_entropy(net(x),y,label_smoothing=ls)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        if ema:
            with torch.no_grad():
                for a,b in zip(avg.state_dict().values(),net.state_dict().values()):
                    if a.dtype.is_floating_point: a.mul_(ema).add_(b,alpha=1-ema)
                    else: a.copy_(b)
    m=avg if ema else net; m.eval()
    with torch.no_grad(): acc=(m(Xte).argmax(1)==Yte).float().mean().item()
    return acc
variants={
 'base':{}, 'ema99':{'ema':0.99}, 'ema995_1000':{'ema':0.995,'steps':1000}, 'mix':{'mix':0.4}, 'ls':{'ls':0.1},
 'drop':{'drop':0.3}, 'mix02':{'mix':0.2}, 'mix1':{'mix':1.0}, 'mixdrop':{'mix':0.4,'drop':0.3}, 'mix1000':{'mix':0.4,'steps':1000}, 'wd':{'wd':0.05}, 'mix_ema_1000':{'mix':0.4,'ema':0.995,'steps':1000}, 'w16':{'width':16},
}
sel=sys.argv[2].split(',') if len(sys.argv)>2 else list(variants)
print('floor',round(floor*100,1),'n',len(Xtr),flush=True)
for k in sel:
    accs=[run(s,**variants[k]) for s in range(3)]
    print(k,[round(a*100,1) for a in accs],round(np.mean(accs)*100,1),flush=True)
