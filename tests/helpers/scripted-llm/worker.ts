/**
 * A scripted LLM worker for deterministic assistant tests (issue 16; never used by the studio):
 * speaks the real worker protocol and answers the `chat` job by replaying a script instead of
 * running a model, so a test decides exactly which tool calls "the model" makes.
 *
 * Environment:
 * - `MYSTI_SCRIPTED_LLM`: a JSON file `[{toolCalls: [{name, arguments}]} | {text}, …]`; each
 *   `chat` job takes the next step (`arguments` objects are sent as JSON text, strings as is).
 *   When the script is used up, `{text: "done"}`. A chat job WITHOUT tools (the assistant's
 *   "answer in text now" step) always answers text: `{text}` steps are used, tool steps skipped.
 * - `MYSTI_SCRIPTED_LLM_LOG`: a file; one JSON line per job `{job, payload}` (what the model saw).
 * Text answers stream as progress (`{phase: 'generating', text}`), one word every
 * `MYSTI_SCRIPTED_LLM_WORD_MS` (default 20 ms).
 */
import fs from 'node:fs';
import { serveWorker, type JobHandler } from '../../../workers/protocol/server';

type Step = { toolCalls: { name: string; arguments: unknown }[] } | { text: string };

const script: Step[] = process.env.MYSTI_SCRIPTED_LLM
  ? (JSON.parse(fs.readFileSync(process.env.MYSTI_SCRIPTED_LLM, 'utf8')) as Step[])
  : [];
let next = 0;
let calls = 0;

function log(job: string, payload: unknown) {
  const f = process.env.MYSTI_SCRIPTED_LLM_LOG;
  // write-point: none — test worker; the log is the test's own temp file.
  if (f) fs.appendFileSync(f, `${JSON.stringify({ job, payload })}\n`);
}

const chat: JobHandler = async (payload, ctx) => {
  log('chat', payload);
  const withTools = Array.isArray(payload.tools) && payload.tool_choice !== 'none';
  let step = script[next];
  if (!withTools) while (step && 'toolCalls' in step) step = script[++next];
  next++;
  if (step && 'toolCalls' in step) {
    const toolCalls = step.toolCalls.map((c) => ({
      id: `call_${(++calls).toString(16).padStart(24, '0')}`,
      type: 'function',
      function: {
        name: c.name,
        arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
      },
    }));
    return { output: { text: '', finishReason: 'tool_calls', toolCalls, usage: null } };
  }
  const text = step?.text ?? 'done';
  const words = text.split(/(?<= )/);
  let sent = '';
  for (const w of words) {
    sent += w;
    ctx.progress({ phase: 'generating', text: sent });
    await new Promise((r) => setTimeout(r, Number(process.env.MYSTI_SCRIPTED_LLM_WORD_MS ?? 20)));
  }
  return { output: { text, finishReason: 'stop', usage: null } };
};

const complete: JobHandler = async (payload) => {
  log('complete', payload);
  return {
    output: { text: `enhanced: ${String(payload.prompt)}`, tokens: 3, finishReason: 'stop' },
  };
};

await serveWorker({
  kind: 'llm',
  jobs: {
    chat,
    complete,
    insights: async () => ({
      output: { weightsBytes: 1024, kvBytes: 1024, contextSize: 512, trainContextSize: 512 },
    }),
  },
  loaded: () => null,
  unload: async () => {},
});

export {};
