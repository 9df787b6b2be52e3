/**
 * Worker-thread side of {@link ThreadReplicas}: builds one network replica, then runs its share of each batch
 * with the shared parameters and writes its summed gradient to its shared buffer.
 */
import { parentPort } from 'node:worker_threads';
import { SlayerNetwork } from './network.js';
import { runOnReplica, type ReplicaReply, type ReplicaRequest } from './replicas.js';

const port = parentPort!;
let net: SlayerNetwork | null = null;
let params: Float64Array | null = null;
let grad: Float64Array | null = null;
let loadedVersion = -1;

port.on('message', (m: ReplicaRequest) => {
  if (m.type === 'init') {
    try {
      net = new SlayerNetwork(m.config, m.options);
      params = new Float64Array(m.params);
      grad = new Float64Array(m.grad);
      port.postMessage({ type: 'ready', bytes: net.memoryBytes } satisfies ReplicaReply);
    } catch (e) {
      const err = e as Error;
      port.postMessage({ type: 'error', id: -1, message: err.message, stack: err.stack } satisfies ReplicaReply);
    }
    return;
  }
  try {
    if (!net || !params || !grad) throw new Error('replica thread not initialised');
    if (m.version !== loadedVersion) {
      net.setParameters(params);
      loadedVersion = m.version;
    }
    const samples = m.samples.map((s) => ({ trains: { T: s.T, nInputs: s.nInputs, offsets: s.offsets, indices: s.indices }, label: s.label, seed: s.seed }));
    const outcomes = runOnReplica(net, samples, m.training, m.loss);
    if (m.training) {
      grad.fill(0);
      net.addGradients(grad);
    }
    port.postMessage({ type: 'done', id: m.id, outcomes } satisfies ReplicaReply);
  } catch (e) {
    const err = e as Error;
    port.postMessage({ type: 'error', id: m.id, message: err.message, stack: err.stack } satisfies ReplicaReply);
  }
});
