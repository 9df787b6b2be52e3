#!/usr/bin/python3
"""Generates the STDP engine's golden fixtures (test/fixtures/stdp/*.json) with the PyTorch reference in exact
mode: small networks run on fixed inputs for a few samples (learning on, then off, then on again), recording
every spike, the adaptive thresholds after each sample and the input weights after the first and the last
sample. CI has no PyTorch: the tests read the committed files.

    /usr/bin/python3 bench/stdp/make_fixtures.py            # rewrites test/fixtures/stdp/
"""
import base64
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as ref  # noqa: E402

F32 = torch.float32
OUT = os.path.join(ref.repo_root(), 'test', 'fixtures', 'stdp')


def b64(t, dtype):
    return base64.b64encode(t.contiguous().to(dtype).numpy().tobytes()).decode('ascii')


def f32_array(t):
    return {'dtype': 'float32', 'shape': list(t.shape), 'b64': b64(t, torch.float32)}


def trains_of(frames):
    """bool [T, n] -> {T, nInputs, offsets, indices} (CSR, ascending per step, as in src/data/spikes.ts),
    offsets as uint32 and indices as uint16 little-endian base64."""
    T, n = frames.shape
    offsets, indices = [0], []
    for t in range(T):
        idx = torch.nonzero(frames[t]).view(-1).tolist()
        indices += idx
        offsets.append(len(indices))
    return {'T': T, 'nInputs': n, 'offsets': b64(torch.tensor(offsets, dtype=torch.int64), torch.int32),
            'indices': b64(torch.tensor(indices, dtype=torch.int64), torch.int16)}


def events_of(record):
    nz = torch.nonzero(record)  # rows (t, j) in time order, then index order
    return {'t': nz[:, 0].tolist(), 'j': nz[:, 1].tolist()}


def base_config(seed, n_inputs, map_size, model, lateral, lateral_sign, reset_interval, rule, norm, weight_decay=0.0,
                **over):
    cfg = {
        'seed': seed, 'nInputs': n_inputs, 'mapSize': map_size, 'inputTraceTc': 20,
        'exc': {'model': model, 'rest': -60.8, 'reset': -60.0, 'thresh': -57.66, 'refrac': 6, 'tcDecay': 4166.8,
                'tcTrace': 20, 'thetaPlus': 0.044, 'tcThetaDecay': 2.04e6},
        'inh': {'rest': -51.11, 'reset': -45.0, 'thresh': -22.82, 'refrac': 19, 'tcDecay': 1516.2},
        'input': {'rule': rule, 'nuPre': 8.48e-4, 'nuPost': 8.88e-3, 'wmin': 0.0, 'wmax': 1.0, 'norm': norm,
                  'weightDecay': weight_decay, 'initHigh': 1.0},
        'strengthExc': 356.9, 'strengthInh': 433.6, 'lateral': lateral, 'lateralSign': lateral_sign,
        'resetInterval': reset_interval,
    }
    for key, value in over.items():
        if isinstance(value, dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return cfg


def run_fixture(name, description, cfg, w0, frames_list, schedule):
    net, conn, exc = ref.build(cfg, w0, exact=True)
    samples, expected = [], []
    after_first = None
    for k, (frames, learning) in enumerate(zip(frames_list, schedule)):
        rec = net.run(frames, learning)
        net.reset_state()
        samples.append({'learning': learning, 'trains': trains_of(frames)})
        expected.append({'exc': events_of(rec['outpt']), 'inh': events_of(rec['inhib']), 'theta': f32_array(exc.theta)})
        if k == 0:
            after_first = conn.w.clone()
    fixture = {
        'name': name,
        'description': description,
        'generator': 'bench/stdp/make_fixtures.py (PyTorch reference, exact mode)',
        'torchVersion': torch.__version__,
        'config': cfg,
        'initialWeights': f32_array(w0),
        'samples': samples,
        'expected': expected,
        'weightsAfterFirst': f32_array(after_first),
        'weightsFinal': f32_array(conn.w),
    }
    path = os.path.join(OUT, f'{name}.json')
    with open(path, 'w') as fh:
        json.dump(fixture, fh, separators=(',', ':'))
        fh.write('\n')
    exc_total = sum(len(e['exc']['t']) for e in expected)
    inh_total = sum(len(e['inh']['t']) for e in expected)
    print(f'{path}: {len(samples)} samples, {exc_total} exc / {inh_total} inh spikes')


def bernoulli_frames(gen, T, n, p):
    return torch.rand((T, n), generator=gen) < p


def main():
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20240)

    # 1. Exp 1 network (paper's best constants, 16 neurons) on real MNIST digits.
    images, _ = ref.load_mnist_train()
    frames = [ref.poisson(images[k], 100, 128.0, gen) for k in range(8)]
    cfg = base_config('fixture-exp1', 784, 16, 'diehl-cook', 'uniform', 'inhibitory', None, 'post-pre', 123.4)
    w0 = torch.rand((784, 16), generator=gen)
    run_fixture('exp1-mnist', 'Exp 1 Diehl & Cook network (paper best constants, map 16), 8 MNIST digits: '
                '5 learning, 2 validation, 1 learning', cfg, w0, frames, [True] * 5 + [False] * 2 + [True])

    # 2. Exp 2 variant: adaptive LIF, distance-dependent inhibition, reset_interval, PostPre with norm.
    frames = [bernoulli_frames(gen, 60, 256, 0.06) for _ in range(6)]
    cfg = base_config('fixture-exp2', 256, 12, 'adaptive', 'distance', 'inhibitory', 7, 'post-pre', 40.0,
                      exc={'tcTrace': 35, 'rest': -65.0, 'thresh': -58.0, 'refrac': 2, 'tcDecay': 60.0,
                           'thetaPlus': 0.3},
                      inh={'refrac': 3, 'tcDecay': 20.0}, strengthExc=40.0, strengthInh=6.0)
    w0 = torch.rand((256, 12), generator=gen)
    run_fixture('exp2-distance-inhibitory', 'Exp 2 variant: AdaptiveLIF, W_lateral = -s|i-j|/(n-1), reset_interval 7, '
                'PostPre + norm; 4 learning, 1 validation, 1 learning', cfg, w0, frames, [True] * 4 + [False, True])

    # 3. Reference-positive lateral weights, weight-dependent PostPre, weight decay.
    frames = [bernoulli_frames(gen, 50, 200, 0.07) for _ in range(5)]
    cfg = base_config('fixture-wdep', 200, 10, 'adaptive', 'distance', 'reference-positive', None,
                      'weight-dependent-post-pre', 50.0, weight_decay=0.002,
                      exc={'rest': -65.0, 'thresh': -56.0, 'refrac': 3, 'tcDecay': 50.0, 'thetaPlus': 0.2,
                           'tcThetaDecay': 1e4},
                      input={'nuPre': 0.02, 'nuPost': 0.05},
                      inh={'refrac': 2, 'tcDecay': 15.0}, strengthExc=40.0, strengthInh=3.0)
    w0 = torch.rand((200, 10), generator=gen)
    run_fixture('wdep-reference-positive', 'AdaptiveLIF, W_lateral = +s|i-j|/(n-1) (reference sign), weight-dependent '
                'PostPre with weight decay 0.002; 3 learning, 1 validation, 1 learning', cfg, w0, frames,
                [True] * 3 + [False, True])

    # 4. Diehl & Cook nodes with Hebbian learning and weak inhibition (many simultaneous crossings).
    frames = [bernoulli_frames(gen, 40, 100, 0.1) for _ in range(5)]
    cfg = base_config('fixture-hebb', 100, 10, 'diehl-cook', 'uniform', 'inhibitory', None, 'hebbian', 20.0,
                      exc={'rest': -65.0, 'thresh': -60.0, 'refrac': 1, 'tcDecay': 30.0, 'thetaPlus': 0.5},
                      input={'nuPre': 0.003, 'nuPost': 0.01}, inh={'refrac': 1}, strengthExc=30.0, strengthInh=1.5)
    w0 = torch.rand((100, 10), generator=gen)
    run_fixture('hebbian-diehl-cook', 'Diehl & Cook nodes, Hebbian rule, weak all-but-self inhibition; 4 learning, '
                '1 validation', cfg, w0, frames, [True] * 4 + [False])


if __name__ == '__main__':
    main()
