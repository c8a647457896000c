/**
 * `benchLlm()`: generation speed (tokens/s, whole request incl. prompt evaluation) through the LLM
 * worker process (WorkerClient `complete` job over loopback HTTP, 1 thread) against
 * node-llama-cpp in-process on the same model with the same settings (1 thread, CPU, context 2048,
 * completion mode — stories260K has no chat template, so the worker completes too — same prompt,
 * max tokens, temperature 0 and seed). Target (issue 3): worker / in-process ≥ 0.95 at p50.
 */
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';
import { spawnLlmWorker } from '../integration/llm-worker-helper';
import { TINY_GGUF } from '../helpers/temp-home';
import { percentile, type BenchRow } from './stats';

const MODEL = TINY_GGUF;

/** @param o.n timed repetitions per side after one warm-up; o.maxTokens per generation */
export async function benchLlm(o: { n?: number; maxTokens?: number } = {}): Promise<BenchRow[]> {
  const n = o.n ?? 9;
  const maxTokens = o.maxTokens ?? 512;
  const settings = {
    prompt: 'Once upon a time, there was a little girl named Lily. She',
    maxTokens,
    temperature: 0,
    seed: 7,
  };

  const worker = await spawnLlmWorker({ MYSTI_LLM_THREADS: '1' });
  const llama = await getLlama({
    gpu: false,
    maxThreads: 1,
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.warn,
  });
  const model = await llama.loadModel({ modelPath: MODEL, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 2048, threads: 1, sequences: 1 });
  const sequence = context.getSequence();
  try {
    const viaWorker = async () => {
      const t0 = performance.now();
      const r = await worker.client.call('complete', {
        modelPath: MODEL,
        contextSize: 2048,
        ...settings,
      });
      return { ms: performance.now() - t0, tokens: Number(r.output.tokens) };
    };
    const inProcess = async () => {
      const t0 = performance.now();
      await sequence.clearHistory();
      let tokens = 0;
      const completion = new LlamaCompletion({ contextSequence: sequence });
      try {
        await completion.generateCompletionWithMeta(settings.prompt, {
          maxTokens,
          temperature: settings.temperature,
          seed: settings.seed,
          onToken: (t) => (tokens += t.length),
        });
      } finally {
        completion.dispose({ disposeSequence: false });
      }
      return { ms: performance.now() - t0, tokens };
    };
    await viaWorker();
    await inProcess();
    const w: number[] = [];
    const ip: number[] = [];
    const counts = new Set<string>();
    // Interleaved, alternating which side goes first, so load from other processes on a shared
    // machine lands on both sides alike.
    for (let i = 0; i < n; i++) {
      const first = i % 2 === 0 ? await viaWorker() : await inProcess();
      const second = i % 2 === 0 ? await inProcess() : await viaWorker();
      const [a, b] = i % 2 === 0 ? [first, second] : [second, first];
      w.push((a.tokens / a.ms) * 1000);
      ip.push((b.tokens / b.ms) * 1000);
      counts.add(`${a.tokens}/${b.tokens}`);
    }
    const ratio = percentile(w, 50) / percentile(ip, 50);
    const note = `stories260K, 1 thread, ${maxTokens} max tokens; tokens worker/in-process: ${[...counts].join(', ')}`;
    return [
      {
        op: 'tokens/s via LLM worker (complete job)',
        n,
        p50: percentile(w, 50),
        p95: percentile(w, 5),
        unit: 'tok/s',
        note: `p95 column = 5th percentile (slowest); ${note}`,
      },
      {
        op: 'tokens/s node-llama-cpp in-process',
        n,
        p50: percentile(ip, 50),
        p95: percentile(ip, 5),
        unit: 'tok/s',
        note: 'p95 column = 5th percentile (slowest)',
      },
      {
        op: 'worker / in-process',
        n,
        p50: ratio,
        p95: percentile(w, 5) / percentile(ip, 5),
        unit: '×',
        target: '≥ 0.95 (p50)',
        ok: ratio >= 0.95,
      },
    ];
  } finally {
    await context.dispose();
    await model.dispose();
    await worker.stop();
  }
}
