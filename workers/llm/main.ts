/**
 * Entry point of the LLM worker process (design.md §2): started by the runtime's supervisor as
 * `node --import tsx workers/llm/main.ts` with MYSTI_WORKER_TOKEN (and optionally
 * MYSTI_LLM_THREADS, MYSTI_LLM_GPU). Runs node-llama-cpp with its prebuilt binary only.
 */
// Belt and braces with `build: 'never'` / `skipDownload`: node-llama-cpp must never fetch or
// compile llama.cpp at run time.
process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= 'true';

const { serveWorker } = await import('../protocol/server');
const { LlmEngine, engineOptionsFromEnv } = await import('./engine');
const { llmJobs } = await import('./jobs');

const engine = new LlmEngine(engineOptionsFromEnv(process.env));

await serveWorker({
  kind: 'llm',
  jobs: llmJobs(engine),
  loaded: () => {
    const l = engine.loaded();
    return l ? { ...l } : null;
  },
  unload: (mode) => engine.unload(mode),
});

export {};
