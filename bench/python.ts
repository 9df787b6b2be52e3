/**
 * Finding the Python that runs the PyTorch references: an explicit `--python` (or SPIKEOPT_PYTHON) is the only
 * candidate; otherwise Debian's interpreter (where `python3-torch` installs), then PATH's.
 */
import { spawnSync } from 'node:child_process';

export function findTorchPython(explicit: string | undefined): { python: string | null; reason: string } {
  const chosen = explicit ?? process.env.SPIKEOPT_PYTHON;
  const candidates = chosen ? [chosen] : ['/usr/bin/python3', 'python3'];
  const reasons: string[] = [];
  for (const p of candidates) {
    const r = spawnSync(p, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: p, reason: '' };
    const why = r.error?.message ?? (r.stderr.trim().split('\n').pop() || `exit status ${r.status}`);
    reasons.push(`${p}: ${why.slice(0, 200)}`);
  }
  return { python: null, reason: `no Python with PyTorch found (${reasons.join('; ') || 'no interpreter'})` };
}
