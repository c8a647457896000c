/**
 * The assistant's safety rails, deterministically: a real studio (real SQLite, real run queue,
 * the sd.cpp stand-in) whose LLM worker is the scripted one (tests/helpers/scripted-llm), so the
 * test decides which tool calls "the model" makes.
 * - "add an upscale node after the txt2img node and run it with seeds 1, 2, 3" → one proposed
 *   edit → applied (the conversation's graph gets the node) → three runs queued after the
 *   confirm card is confirmed;
 * - run_graph without permission waits for the confirmation and does nothing when refused;
 * - zod-failing arguments and unknown tools go back to the model as errors; the per-turn limit
 *   ends a model that keeps calling tools with a text answer; every call/decision is logged.
 */
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { defaultWorkers } from '../../runtime/main';
import { loadConfig } from '../../runtime/config';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { makeTempHome } from '../helpers/temp-home';
import { GraphBuilder } from '../helpers/graph-builder';

let t: TestStudio | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Step = { toolCalls: { name: string; arguments: unknown }[] } | { text: string };

async function studioWith(script: Step[], extraEnv: Record<string, string> = {}) {
  const home = makeTempHome({ gguf: true });
  const scriptFile = path.join(home.home, 'script.json');
  const logFile = path.join(home.home, 'llm.log');
  fs.writeFileSync(scriptFile, JSON.stringify(script));
  const env = { ...home.env, MYSTI_ASSISTANT_MODEL: 'stories260K.gguf', ...extraEnv };
  const workers = defaultWorkers(loadConfig(env));
  workers.sd = { ...workers.sd!, env: { ...workers.sd!.env, SDCPP_STANDIN_STEP_MS: '2' } };
  workers.llm = {
    entry: 'tests/helpers/scripted-llm/worker.ts',
    env: { MYSTI_SCRIPTED_LLM: scriptFile, MYSTI_SCRIPTED_LLM_LOG: logFile },
  };
  t = await startTestStudio({ home, env, workers });
  const seen = () =>
    fs.existsSync(logFile)
      ? fs
          .readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { job: string; payload: any })
      : [];
  return { t, seen, home };
}

function graph() {
  const g = new GraphBuilder('assistant test');
  const p = g.node('prompt', { text: 'a lighthouse at dusk' }, {}, 'prompt');
  const gen = g.node(
    'txt2img',
    { model: 'tiny-sd.safetensors', width: 64, height: 64, steps: 2, cfgScale: 7, seed: '5' },
    { prompt: p.out('text') },
    'gen',
  );
  g.node('save', { filenamePrefix: 'assist' }, { image: gen.out('image') }, 'save');
  return g.finalize();
}

async function patch(port: number, p: string, body: unknown) {
  const r = await fetch(`http://127.0.0.1:${port}${p}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as any };
}

/** Polls the conversation until `pred` holds. */
async function until(ts: TestStudio, id: string, pred: (c: any) => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const c = (await ts.http.get(`/api/assistant/conversations/${id}`)).json;
    if (pred(c)) return c;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(c).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

const upscaleOps = [
  {
    op: 'add_node',
    type: 'upscale',
    id: 'up',
    after: 'gen',
    params: { method: 'lanczos', scale: 2 },
  },
  { op: 'connect', source: 'gen', sourceHandle: 'image', target: 'up', targetHandle: 'image' },
  { op: 'connect', source: 'up', sourceHandle: 'image', target: 'save', targetHandle: 'image' },
];

describe('assistant with a scripted LLM', () => {
  it('upscale after txt2img + seeds 1, 2, 3 → one proposal, applied, three runs', async () => {
    const { t, seen } = await studioWith([
      { toolCalls: [{ name: 'describe_graph', arguments: {} }] },
      { toolCalls: [{ name: 'edit_graph', arguments: { ops: upscaleOps } }] },
      { toolCalls: [{ name: 'run_graph', arguments: { seeds: [1, 2, 3] } }] },
      { text: 'Added an upscale node and queued three runs.' },
    ]);
    const conv = (await t.http.post('/api/assistant/conversations', { graph: graph() })).json;
    expect(conv.settings).toEqual({ autoApply: false, allowRun: false, allowDelete: false });
    const sent = await t.http.post(`/api/assistant/conversations/${conv.id}/messages`, {
      text: 'add an upscale node after the txt2img node and run it with seeds 1, 2, 3',
    });
    expect(sent.status, sent.text).toBe(202);

    // One proposal, waiting; the graph is unchanged until the user applies it.
    let c = await until(t, conv.id, (x) => x.actions.some((a: any) => a.status === 'proposed'));
    const proposals = c.actions.filter((a: any) => a.tool === 'edit_graph');
    expect(proposals).toHaveLength(1);
    const prop = proposals[0];
    expect(prop.result.diff.addedNodes).toEqual(['up']);
    expect(prop.result.diff.addedEdges).toHaveLength(2);
    expect(prop.result.graph.nodes.map((n: any) => n.id)).toContain('up');
    expect(c.graph.nodes.map((n: any) => n.id)).not.toContain('up');
    expect(c.actions.find((a: any) => a.tool === 'describe_graph').status).toBe('ran');
    // A second message while the turn runs is refused.
    const busy = await t.http.post(`/api/assistant/conversations/${conv.id}/messages`, {
      text: 'x',
    });
    expect(busy.status).toBe(409);
    expect(busy.json.error.code).toBe('ASSISTANT_BUSY');

    const applied = await t.http.post(`/api/assistant/actions/${prop.id}/decide`, {
      decision: 'apply',
    });
    expect(applied.status).toBe(200);
    expect(applied.json.status).toBe('applied');
    // Deciding twice is refused.
    const again = await t.http.post(`/api/assistant/actions/${prop.id}/decide`, {
      decision: 'reject',
    });
    expect(again.status).toBe(409);

    // run_graph needs a confirmation: nothing is queued until then.
    c = await until(t, conv.id, (x) =>
      x.actions.some((a: any) => a.tool === 'run_graph' && a.status === 'awaiting_confirmation'),
    );
    expect((await t.http.get('/api/runs')).json.items).toHaveLength(0);
    const card = c.actions.find((a: any) => a.tool === 'run_graph');
    await t.http.post(`/api/assistant/actions/${card.id}/decide`, { decision: 'confirm' });

    c = await until(t, conv.id, (x) => !x.busy && x.messages.at(-1)?.role === 'assistant');
    expect(c.messages.at(-1).content).toBe('Added an upscale node and queued three runs.');
    const run = c.actions.find((a: any) => a.tool === 'run_graph');
    expect(run.status).toBe('confirmed');
    expect(run.result.runIds).toHaveLength(3);
    const results = await Promise.all(run.result.runIds.map((id: string) => t.waitRun(id, 30_000)));
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    for (const [i, r] of results.entries()) {
      expect(r.didRun('up')).toBe(true);
      expect(r.view.nodes.gen.params.seed).toBe(String(i + 1));
    }
    // The conversation's graph is the edited one.
    expect(c.graph.nodes.map((n: any) => n.id)).toContain('up');

    // The model saw each tool's result.
    const chats = seen().filter((s) => s.job === 'chat');
    const last = chats.at(-1)!.payload.messages;
    const toolMsgs = last.filter((m: any) => m.role === 'tool');
    expect(toolMsgs).toHaveLength(3);
    expect(JSON.parse(toolMsgs[1].content)).toMatchObject({ status: 'applied' });
    expect(JSON.parse(toolMsgs[2].content).runIds).toHaveLength(3);
    expect(chats[0]!.payload.reuseKey).toBe(conv.id);

    // Every call and decision is in the event log.
    const events = t.studio.store.events.since(0).filter((e) => e.type === 'assistant.action');
    const statuses = events.map(
      (e) => `${(e.payload.action as any).tool}:${(e.payload.action as any).status}`,
    );
    expect(statuses).toEqual([
      'describe_graph:ran',
      'edit_graph:proposed',
      'edit_graph:applied',
      'run_graph:awaiting_confirmation',
      'run_graph:confirmed',
      'run_graph:confirmed',
    ]);
  }, 60_000);

  it('a refused run_graph queues nothing; a rejected edit leaves the graph', async () => {
    const { t } = await studioWith([
      { toolCalls: [{ name: 'run_graph', arguments: { count: 2 } }] },
      { toolCalls: [{ name: 'edit_graph', arguments: { ops: upscaleOps } }] },
      { text: 'ok' },
    ]);
    const conv = (await t.http.post('/api/assistant/conversations', { graph: graph() })).json;
    await t.http.post(`/api/assistant/conversations/${conv.id}/messages`, { text: 'run it twice' });
    let c = await until(t, conv.id, (x) =>
      x.actions.some((a: any) => a.status === 'awaiting_confirmation'),
    );
    await t.http.post(`/api/assistant/actions/${c.actions[0].id}/decide`, { decision: 'refuse' });
    c = await until(t, conv.id, (x) => x.actions.some((a: any) => a.status === 'proposed'));
    const prop = c.actions.find((a: any) => a.status === 'proposed');
    await t.http.post(`/api/assistant/actions/${prop.id}/decide`, { decision: 'reject' });
    c = await until(t, conv.id, (x) => !x.busy && x.messages.at(-1)?.role === 'assistant');
    expect(c.actions.map((a: any) => a.status)).toEqual(['refused', 'rejected']);
    expect((await t.http.get('/api/runs')).json.items).toHaveLength(0);
    expect(c.graph.nodes.map((n: any) => n.id)).not.toContain('up');
    const tools = c.messages
      .filter((m: any) => m.role === 'tool')
      .map((m: any) => JSON.parse(m.content));
    expect(tools).toEqual([{ status: 'refused' }, { status: 'rejected' }]);
  }, 60_000);

  it('auto-apply and allowRun skip the cards; bad arguments and unknown tools are errors for the model; the limit ends the turn', async () => {
    const loop = Array.from({ length: 12 }, () => ({
      toolCalls: [{ name: 'get_run', arguments: { runId: 'not-a-uuid' } }],
    }));
    const { t, seen } = await studioWith([
      { toolCalls: [{ name: 'edit_graph', arguments: { ops: upscaleOps } }] },
      { toolCalls: [{ name: 'run_graph', arguments: { seeds: ['7'] } }] },
      { toolCalls: [{ name: 'no_such_tool', arguments: {} }] },
      { toolCalls: [{ name: 'edit_graph', arguments: '{"ops": [' }] },
      ...loop,
      { text: 'I stop here.' },
    ]);
    const conv = (await t.http.post('/api/assistant/conversations', { graph: graph() })).json;
    const p = await patch(t.port, `/api/assistant/conversations/${conv.id}`, {
      settings: { autoApply: true, allowRun: true },
    });
    expect(p.json.settings).toEqual({ autoApply: true, allowRun: true, allowDelete: false });
    await t.http.post(`/api/assistant/conversations/${conv.id}/messages`, { text: 'go' });
    const c = await until(t, conv.id, (x) => !x.busy && x.messages.at(-1)?.role === 'assistant');
    expect(c.actions[0]).toMatchObject({ tool: 'edit_graph', status: 'applied' });
    expect(c.actions[1]).toMatchObject({ tool: 'run_graph', status: 'ran' });
    expect(c.actions[1].result.runIds).toHaveLength(1);
    expect(c.actions[2]).toMatchObject({ tool: 'no_such_tool', status: 'failed' });
    expect(c.actions[3].result.error).toMatchObject({
      code: 'BAD_PARAMS',
      message: expect.stringMatching(/not valid JSON/),
    });
    expect(c.actions[4].result.error).toMatchObject({
      code: 'BAD_PARAMS',
      message: expect.stringMatching(/runId/),
    });
    // 8 calls ran (default limit), then a step without tools answered in text.
    expect(c.actions).toHaveLength(8);
    expect(c.messages.at(-1).content).toBe('I stop here.');
    const chats = seen().filter((s) => s.job === 'chat');
    expect(chats).toHaveLength(9);
    expect(chats.at(-1)!.payload.tools).toBeUndefined();
    expect(chats.at(-1)!.payload.messages[0].content).toMatch(/tool limit/);
    expect(c.graph.nodes.map((n: any) => n.id)).toContain('up');
  }, 60_000);

  it('without assistant.model a message answers MODEL_NOT_CONFIGURED saying what to set', async () => {
    const { t } = await studioWith([], { MYSTI_ASSISTANT_MODEL: '' });
    const conv = (await t.http.post('/api/assistant/conversations', {})).json;
    const r = await t.http.post(`/api/assistant/conversations/${conv.id}/messages`, { text: 'hi' });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('MODEL_NOT_CONFIGURED');
    expect(r.json.error.message).toMatch(/"assistant": \{"model"/);
    const bad = await t.http.post('/api/assistant/conversations', { graph: { nope: 1 } });
    expect(bad.status).toBe(400);
  }, 30_000);
});
