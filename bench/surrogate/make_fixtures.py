#!/usr/bin/python3
"""Generates the surrogate-gradient engine's golden fixtures (test/fixtures/surrogate/*.json) with the PyTorch
reference in float64: small convolutional networks on random binary inputs, recording every block's output spikes
(after the one-step and axonal delays), the output rates, the loss and the gradients of every learnt parameter;
two fixtures add Adam steps, two record single-neuron traces. CI has no PyTorch: the tests read the committed files.

    /usr/bin/python3 bench/surrogate/make_fixtures.py            # rewrites test/fixtures/surrogate/
    /usr/bin/python3 bench/surrogate/make_fixtures.py --dry-run  # prints spike counts and margins only
    /usr/bin/python3 bench/surrogate/make_fixtures.py --replay   # rebuilds each network fixture from its JSON alone

Every fixture is checked for robust spike decisions: the smallest |v - theta_eff| met in any forward pass it
records is printed (``minMargin``) and must exceed MIN_MARGIN, and no axonal delay lies within DELAY_MARGIN of an
integer (delays are drawn U(0, hi) and redrawn until they are not), so that Adam steps never move a floor.

Network fixture schema (float64, repr-exact JSON numbers; arrays {"shape", "data"} in PyTorch row-major order):
  name, description, generator, torchVersion, dtype "float64", T, batch,
  input {shape [N, C, H, W], spikes [[n, c, y, x, t], ...]}, labels [N],
  neuron {kind "alif"|"cuba", threshold, threshold_step, current_decay, voltage_decay, threshold_decay,
          refractory_decay, tau_grad, scale_grad},
  blocks [{kind "conv", name, cin, cout, k, stride, pad, delay, dropout} | {kind "pool", name, k, stride} |
          {kind "dense", name, in [C, H, W], out, delay, dropout}],
  loss "rate"|"max", decayGradient "analytic"|"reference",
  params {block: {weight (conv [cout][cin][k][k], dense [out][in], in = (c*H + y)*W + x), delay [C] (blocks with
          delay), Du, Dv}} (pool blocks: Du, Dv only), initial values,
  dropoutKeep {block: [[0/1 per neuron, order (c*H + y)*W + x] per sample]} (blocks with dropout),
  expected {blockSpikes {block: [[n, c, y, x, t] of every nonzero y after the one-step and axonal delays; dense
            outputs as [n, o, 0, 0, t]; values are 1/(1 - dropout) in blocks with dropout, 1 otherwise]},
            outputRates [N][classes], predictions [N], loss, grads {conv/dense block: {weight, delay, Du, Dv}}},
  minMargin, blockSpikeCounts {block: count},
  adam (alif-adam*) {lr, betas, eps, steps [{labels, input, dropoutKeep, loss, blockSpikeCounts, paramsAfter}],
        paramsAfter} -- steps[0] repeats the top-level batch; paramsAfter follow each step's update and clamps.
Trace fixtures (alif-trace, cuba-trace): name, description, dtype, T, neuron, Du, Dv, z [T],
  expected {u, v, thetaEff, s (+ theta, r for ALIF: values after the step, post-increment)} [T],
  probe {weights [T], loss = sum_t weights[t] s[t], gradZ [T], gradDu, gradDv}, minMargin.
"""
import argparse
import json
import math
import os
import sys

sys.dont_write_bytecode = True
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402

F64 = torch.float64
OUT = os.path.join(ref.repo_root(), 'test', 'fixtures', 'surrogate')
MIN_MARGIN = 1e-6
DELAY_MARGIN = 0.05
GENERATOR = 'bench/surrogate/make_fixtures.py (PyTorch reference, float64)'


# ---------------------------------------------------------------------------------------------------------
# JSON helpers


def array(t):
    """{'shape', 'data'}: PyTorch row-major order, repr-exact floats."""
    return {'shape': list(t.shape), 'data': [float(v) for v in t.detach().reshape(-1).tolist()]}


def events(t):
    """Positions of the nonzero entries of a time-last tensor [N, C, H, W, T] as [[n, c, y, x, t], ...]
    (row-major order: n, then c, y, x, t)."""
    return torch.nonzero(t).tolist()


def neuron_json(p):
    return {k: p[k] for k in ('kind',) + ref.NEURON_KEYS}


def params_json(net):
    out = {}
    for b in net.blocks:
        d = {}
        if b.weight is not None:
            d['weight'] = array(b.weight)
        if b.delay is not None:
            d['delay'] = [float(v) for v in b.delay.detach().tolist()]
        d['Du'] = float(b.Du)
        d['Dv'] = float(b.Dv)
        out[b.name] = d
    return out


def grads_json(net):
    out = {}
    for b in net.blocks:
        if not b.learnable():
            continue
        d = {'weight': array(b.weight.grad)}
        if b.delay is not None:
            d['delay'] = [float(v) for v in b.delay.grad.tolist()]
        d['Du'] = float(b.Du.grad)
        d['Dv'] = float(b.Dv.grad)
        out[b.name] = d
    return out


def keeps_json(keeps):
    return {name: k.to(torch.int64).tolist() for name, k in keeps.items()}


def input_json(x):
    return {'shape': list(x.shape[:4]), 'spikes': events(x)}


def write(name, fixture, dry_run):
    path = os.path.join(OUT, f'{name}.json')
    text = json.dumps(fixture, separators=(',', ':')) + '\n'
    if not dry_run:
        with open(path, 'w') as fh:
            fh.write(text)
    print(f'{path}: {len(text) / 1024:.0f} kB{" (dry run, not written)" if dry_run else ""}')


# ---------------------------------------------------------------------------------------------------------
# Inputs, masks, checks


def random_input(gen, shape, T, density):
    """Binary spikes [N, C, H, W, T] with the given density (Bernoulli)."""
    return (torch.rand((*shape, T), generator=gen, dtype=F64) < density).to(F64)


def draw_keeps(gen, net, N):
    """Explicit neuron-dropout keep masks [N, neurons] (True = kept) for the blocks with dropout."""
    return {b.name: torch.rand((N, b.n_neurons()), generator=gen, dtype=F64) >= b.dropout
            for b in net.blocks if b.dropout > 0}


def set_delays(net, gen, hi):
    """Redraws every axonal delay U(0, hi), avoiding values within DELAY_MARGIN of an integer."""
    with torch.no_grad():
        for b in net.blocks:
            if b.delay is None:
                continue
            for c in range(b.delay.numel()):
                while True:
                    d = float(torch.rand((), generator=gen, dtype=F64)) * hi
                    if abs(d - round(d)) >= DELAY_MARGIN:
                        break
                b.delay[c] = d


def check_delays(net):
    for b in net.blocks:
        if b.delay is not None:
            for d in b.delay.tolist():
                assert abs(d - round(d)) >= DELAY_MARGIN or d == 0.0, (b.name, d)


def forward_backward(net, x, labels, loss, keeps, decay_gradient, monitor):
    """Training forward (explicit dropout masks), loss, backward. Returns (L, y, record)."""
    record = {}
    for p in net.parameters_to_learn():
        p.grad = None
    y = net(x, keeps=keeps, training=True, record=record, monitor=monitor)
    L = ref.LOSSES[loss](ref.rates_of(y), labels)
    L.backward()
    if decay_gradient == 'reference':
        net.negate_decay_grads_()
    return L, y, record


def spike_counts(record):
    return {name: int((y != 0).sum()) for name, y in record.items()}


def expected_json(L, y, record, net):
    r = ref.rates_of(y.detach())
    return {
        'blockSpikes': {name: events(rec) for name, rec in record.items()},
        'outputRates': r.tolist(),
        'predictions': ref.predict(r).tolist(),
        'loss': float(L),
        'grads': grads_json(net),
    }


# ---------------------------------------------------------------------------------------------------------
# Network fixtures


def network_fixture(name, *, description, neuron, blocks, input_shape, T, batch, loss, seed, density,
                    delay_hi=1.0, adam_lr=None, decay_gradient='analytic', dry_run=False, quiet=False):
    gen = torch.Generator().manual_seed(seed)
    net = ref.Network(blocks, neuron, input_shape, F64, gen)
    set_delays(net, gen, delay_hi)
    check_delays(net)
    params0 = params_json(net)
    monitor = ref.Monitor()
    n_steps = 2 if adam_lr is not None else 1
    opt = torch.optim.Adam(net.parameters_to_learn(), lr=adam_lr) if adam_lr is not None else None
    steps = []
    first = None
    stats = {'counts': [], 'labelSpikes': []}
    for k in range(n_steps):
        x = random_input(gen, (batch, *input_shape), T, density)
        labels = torch.randint(0, net.blocks[-1].out_shape[0], (batch,), generator=gen)
        keeps = draw_keeps(gen, net, batch)
        L, y, record = forward_backward(net, x, labels, loss, keeps, decay_gradient, monitor)
        counts = spike_counts(record)
        stats['counts'].append(counts)
        stats['labelSpikes'].append(y.detach().sum(-1)[torch.arange(batch), labels].tolist())
        if quiet:
            if opt is not None:
                opt.step()
                net.clamp_()
            continue
        print(f'  {name} step {k}: input {int(x.sum())} spikes; ' +
              ', '.join(f'{n} {c}' for n, c in counts.items()) + f'; loss {float(L):.6g}')
        step = {'labels': labels.tolist(), 'input': input_json(x), 'dropoutKeep': keeps_json(keeps),
                'loss': float(L), 'blockSpikeCounts': counts}
        if k == 0:
            first = (x, labels, keeps, expected_json(L, y, record, net), counts)
        if opt is not None:
            opt.step()
            net.clamp_()
            check_delays(net)
            step['paramsAfter'] = params_json(net)
        steps.append(step)
    stats['margin'] = monitor.min_margin
    if quiet:
        return stats
    print(f'  {name}: min |v - theta_eff| = {monitor.min_margin:.3e}')
    assert monitor.min_margin > MIN_MARGIN, (name, monitor.min_margin)
    x, labels, keeps, expected, counts = first
    fixture = {
        'name': name,
        'description': description,
        'generator': GENERATOR,
        'torchVersion': torch.__version__,
        'dtype': 'float64',
        'T': T,
        'batch': batch,
        'input': input_json(x),
        'labels': labels.tolist(),
        'neuron': neuron_json(neuron),
        'blocks': [dict(b.cfg, **({'in': list(b.in_shape)} if b.kind == 'dense' else {})) for b in net.blocks],
        'loss': loss,
        'decayGradient': decay_gradient,
        'params': params0,
        'dropoutKeep': keeps_json(keeps),
        'expected': expected,
        'minMargin': monitor.min_margin,
        'blockSpikeCounts': counts,
    }
    if opt is not None:
        fixture['adam'] = {'lr': adam_lr, 'betas': [0.9, 0.999], 'eps': 1e-8, 'steps': steps,
                           'paramsAfter': steps[-1]['paramsAfter']}
    write(name, fixture, dry_run)
    return stats


# ---------------------------------------------------------------------------------------------------------
# Single-neuron traces


def trace_fixture(name, description, neuron, z, probe, D_u, D_v, dry_run=False):
    """One neuron driven by a hand-picked input current z[t]; records every state at every step and the gradients
    of the probe loss L = sum_t probe[t] * s[t] w.r.t. z, D_u and D_v (analytic sign)."""
    T = len(z)
    zt = torch.tensor(z, dtype=F64).reshape(T, 1).requires_grad_(True)
    Du = torch.tensor(D_u, dtype=F64, requires_grad=True)
    Dv = torch.tensor(D_v, dtype=F64, requires_grad=True)
    monitor = ref.Monitor(trace=True)
    s = ref.neuron_scan(zt, neuron, 1.0 - Du / ref.S_SCALE, 1.0 - Dv / ref.S_SCALE, monitor)
    c = torch.tensor(probe, dtype=F64).reshape(T, 1)
    (s * c).sum().backward()
    keys = ['u', 'v', 'thetaEff', 's'] + (['theta', 'r'] if neuron['kind'] == 'alif' else [])
    rec = {k: [float(st[k]) for st in monitor.trace] for k in keys}
    print(f'  {name}: spikes at t = {[t for t, v in enumerate(rec["s"]) if v]}; '
          f'min |v - theta_eff| = {monitor.min_margin:.3e}')
    assert monitor.min_margin > MIN_MARGIN, (name, monitor.min_margin)
    fixture = {
        'name': name,
        'description': description,
        'generator': GENERATOR,
        'torchVersion': torch.__version__,
        'dtype': 'float64',
        'T': T,
        'neuron': neuron_json(neuron),
        'Du': D_u,
        'Dv': D_v,
        'z': list(z),
        'expected': rec,
        'probe': {'weights': list(probe), 'loss': float((s * c).sum()), 'gradZ': zt.grad.reshape(-1).tolist(),
                  'gradDu': float(Du.grad), 'gradDv': float(Dv.grad)},
        'minMargin': monitor.min_margin,
    }
    write(name, fixture, dry_run)


# ---------------------------------------------------------------------------------------------------------
# Replay: rebuild every network fixture from its JSON alone and compare with its expected values


def _tensor(a):
    return torch.tensor(a['data'], dtype=F64).reshape(a['shape'])


def _load_params(net, params):
    with torch.no_grad():
        for b in net.blocks:
            p = params[b.name]
            if b.weight is not None:
                b.weight.copy_(_tensor(p['weight']))
            if b.delay is not None:
                b.delay.copy_(torch.tensor(p['delay'], dtype=F64))
            b.Du.fill_(p['Du'])
            b.Dv.fill_(p['Dv'])


def _input(inp, T):
    x = torch.zeros((*inp['shape'], T), dtype=F64)
    for n, c, y, xx, t in inp['spikes']:
        x[n, c, y, xx, t] = 1.0
    return x


def _close(a, b, what, tol=1e-12):
    a = torch.as_tensor(a, dtype=F64)
    b = torch.as_tensor(b, dtype=F64)
    err = float((a - b).abs().max()) if a.numel() else 0.0
    scale = max(float(b.abs().max()) if b.numel() else 0.0, 1e-300)
    assert a.shape == b.shape and err <= tol * scale, (what, err, scale)


def replay(path):
    """Rebuilds the network of a fixture from its JSON (blocks, neuron, params, input, dropoutKeep), reruns it and
    checks blockSpikes, outputRates, loss, grads (and the Adam steps) against expected."""
    with open(path) as fh:
        f = json.load(fh)
    if 'blocks' not in f:
        return False
    T = f['T']
    neuron = ref.neuron_params(f['neuron']['kind'], **{k: f['neuron'][k] for k in ref.NEURON_KEYS})
    blocks = [dict(b) for b in f['blocks']]
    net = ref.Network(blocks, neuron, tuple(f['input']['shape'][1:]), F64, torch.Generator().manual_seed(0))
    _load_params(net, f['params'])
    opt = torch.optim.Adam(net.parameters_to_learn(), lr=f['adam']['lr']) if 'adam' in f else None
    steps = f['adam']['steps'] if opt else [{'input': f['input'], 'labels': f['labels'],
                                             'dropoutKeep': f['dropoutKeep']}]
    for k, st in enumerate(steps):
        x = _input(st['input'], T)
        labels = torch.tensor(st['labels'])
        keeps = {name: torch.tensor(v, dtype=torch.bool) for name, v in st['dropoutKeep'].items()}
        L, y, record = forward_backward(net, x, labels, f['loss'], keeps, f['decayGradient'], None)
        if k == 0:
            e = f['expected']
            for name, ev in e['blockSpikes'].items():
                assert events(record[name]) == ev, (path, name)
            _close(ref.rates_of(y.detach()), e['outputRates'], 'rates')
            assert ref.predict(ref.rates_of(y.detach())).tolist() == e['predictions']
            _close(L.detach(), e['loss'], 'loss')
            for name, g in e['grads'].items():
                b = net.block(name)
                _close(b.weight.grad, _tensor(g['weight']), (name, 'weight'))
                if 'delay' in g:
                    _close(b.delay.grad, g['delay'], (name, 'delay'))
                _close(b.Du.grad, g['Du'], (name, 'Du'))
                _close(b.Dv.grad, g['Dv'], (name, 'Dv'))
        else:
            _close(L.detach(), st['loss'], 'loss')
        if opt:
            opt.step()
            net.clamp_()
            got = params_json(net)
            for name, p in st['paramsAfter'].items():
                for key, v in p.items():
                    _close(_tensor(got[name][key]) if isinstance(v, dict) else got[name][key],
                           _tensor(v) if isinstance(v, dict) else v, (name, key))
    return True


# ---------------------------------------------------------------------------------------------------------


def small_blocks(c1_stride=1, c1_pad=1, c2_stride=1, c2_pad=0, out=5):
    return [
        {'kind': 'conv', 'name': 'c1', 'cin': 2, 'cout': 3, 'k': 3, 'stride': c1_stride, 'pad': c1_pad,
         'delay': True, 'dropout': 0.2},
        {'kind': 'pool', 'name': 'a1', 'k': 2, 'stride': 1},
        {'kind': 'conv', 'name': 'c2', 'cin': 3, 'cout': 4, 'k': 3, 'stride': c2_stride, 'pad': c2_pad,
         'delay': True, 'dropout': 0.1},
        {'kind': 'pool', 'name': 'a2', 'k': 2, 'stride': 1},
        {'kind': 'dense', 'name': 'outpt', 'out': out, 'delay': False, 'dropout': 0.0},
    ]


SMALL = ('c1 conv 2->3 k3 pad 1 (delay, dropout 0.2) -> a1 pool 2/1 -> c2 conv 3->4 k3 (delay, dropout 0.1) -> '
         'a2 pool 2/1 -> outpt dense 64->5; input 2x8x8, T 20, batch 3')
ALIF = ref.neuron_params('alif', threshold=0.6, threshold_step=0.5, current_decay=0.5, voltage_decay=0.3,
                         threshold_decay=0.15, refractory_decay=0.3, tau_grad=0.02, scale_grad=0.9)
ALIF2 = ref.neuron_params('alif', threshold=0.8, threshold_step=0.4, current_decay=0.4, voltage_decay=0.25,
                          threshold_decay=0.2, refractory_decay=0.45, tau_grad=0.15, scale_grad=1.3)
CUBA = ref.neuron_params('cuba', threshold=0.9, threshold_step=0.0, current_decay=0.5, voltage_decay=0.3,
                         threshold_decay=0.0, refractory_decay=0.0, tau_grad=0.015, scale_grad=0.9)
TRACE_ALIF = ref.neuron_params('alif', threshold=1.0, threshold_step=0.25, current_decay=0.3, voltage_decay=0.2,
                               threshold_decay=0.1, refractory_decay=0.25, tau_grad=0.005, scale_grad=1.0)
TRACE_CUBA = ref.neuron_params('cuba', threshold=1.0, threshold_step=0.0, current_decay=0.3, voltage_decay=0.2,
                               threshold_decay=0.0, refractory_decay=0.0, tau_grad=0.005, scale_grad=1.0)
TRACE_Z = [0.5, 0.0, 0.3, 0.8, 0.0, 0.0, 0.4, 1.2, -0.3, 0.0, 0.0, 0.6, 0.6, 0.0, -0.5, 0.0, 0.9, 1.1, 0.2, 0.0,
           0.0, -0.2, 0.7, 0.0, 0.0]
TRACE_PROBE = [0.3, -0.2, 0.5, 1.0, -0.7, 0.4, 0.9, -1.1, 0.6, 0.2, -0.4, 0.8, 1.3, -0.5, 0.1, 0.7, -0.9, 1.2, 0.3,
               -0.6, 0.5, 0.4, -0.8, 1.0, 0.2]


SMALL_KW = dict(blocks=small_blocks(), input_shape=(2, 8, 8), T=20, batch=3, density=0.2)
NETWORK_FIXTURES = {
    'alif-rate': dict(description=f'ALIF, rate loss. {SMALL}', neuron=ALIF, loss='rate', seed=174, **SMALL_KW),
    'alif-max': dict(description=f'ALIF (other parameters), max loss. {SMALL}', neuron=ALIF2, loss='max', seed=68,
                     **SMALL_KW),
    'cuba-rate': dict(description=f'CUBA neurons (reset to 0, threshold + 0.01/4096), rate loss. {SMALL}',
                      neuron=CUBA, loss='rate', seed=127, **SMALL_KW),
    'alif-stride2': dict(description='ALIF, rate loss, strided convolutions and multi-step axonal delays (U(0, 3)): '
                         'c1 conv 2->3 k3 stride 2 pad 1 (delay, dropout 0.2) 13x13 -> 7x7 -> a1 pool 2/1 -> c2 conv '
                         '3->4 k3 stride 2 pad 1 (delay, dropout 0.1) 6x6 -> 3x3 -> a2 pool 2/1 -> outpt dense 16->5; '
                         'input 2x13x13, T 24, batch 3', neuron=ALIF, blocks=small_blocks(2, 1, 2, 1),
                         input_shape=(2, 13, 13), T=24, batch=3, density=0.2, loss='rate', seed=6, delay_hi=3.0),
    'alif-adam': dict(description='ALIF, rate loss, two Adam steps (lr 0.01) on two batches; top-level '
                      f'input/expected are the first batch before any update. {SMALL}', neuron=ALIF, loss='rate',
                      seed=48, adam_lr=0.01, **SMALL_KW),
    'alif-adam-reference': dict(description='As alif-adam with decayGradient reference (Lava-DL sign of the D_u, D_v '
                                f'gradients, also in expected.grads). {SMALL}', neuron=ALIF, loss='rate', seed=48,
                                adam_lr=0.01, decay_gradient='reference', **SMALL_KW),
}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--dry-run', action='store_true', help='print counts and margins, write nothing')
    ap.add_argument('--only', default=None, help='comma-separated fixture names')
    ap.add_argument('--replay', action='store_true', help='rebuild the written network fixtures from their JSON '
                                                          'alone and check them; write nothing')
    args = ap.parse_args(argv)
    if args.replay:
        for name in sorted(os.listdir(OUT)):
            if name.endswith('.json') and replay(os.path.join(OUT, name)):
                print(f'{name}: replay OK')
        return
    dry = args.dry_run
    only = set(args.only.split(',')) if args.only else None
    if not dry:
        os.makedirs(OUT, exist_ok=True)

    def want(name):
        return only is None or name in only

    for name, kw in NETWORK_FIXTURES.items():
        if want(name):
            network_fixture(name, dry_run=dry, **kw)
    if want('alif-trace'):
        trace_fixture('alif-trace', 'Single ALIF neuron, hand-picked input current z[t]; u, v, theta (after the '
                      'step, post-increment), r (after the step, post-increment), thetaEff (theta + r compared with '
                      'v, pre-increment) and s per step; probe loss sum_t w[t] s[t] and its gradients',
                      TRACE_ALIF, TRACE_Z, TRACE_PROBE, 4096 * 0.3, 4096 * 0.2, dry)
    if want('cuba-trace'):
        trace_fixture('cuba-trace', 'Single CUBA neuron, hand-picked input current z[t]; u, v (pre-reset), '
                      'thetaEff (threshold + 0.01/4096) and s per step; probe loss sum_t w[t] s[t] and its gradients',
                      TRACE_CUBA, TRACE_Z, TRACE_PROBE, 4096 * 0.3, 4096 * 0.2, dry)


if __name__ == '__main__':
    main(sys.argv[1:])
