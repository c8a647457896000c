/**
 * The creative assistant's turns (issue 16 §3): the LLM never acts; it proposes tool calls and
 * this runtime executes them with the safety rails:
 * - arguments are JSON-parsed and zod-validated before anything runs; any failure (bad args, a
 *   tool error) goes back to the model as the tool's result `{error: {code, message}}` — a turn
 *   never crashes on a tool;
 * - `read` tools run freely; `edit` tools become a proposal the user applies or rejects (the turn
 *   waits for the decision) unless the conversation auto-applies (ops removing nodes still need
 *   `allowDelete`); `run` tools wait for a confirm card unless the conversation allows runs;
 * - at most `maxToolCalls` calls per user turn and `turnTimeoutMs` of model/tool time, then one
 *   last step without tools: the model must answer in text;
 * - every call and decision is an `assistant.action` event (persisted in the event log) and an
 *   `assistant_actions` row; the answer streams as `assistant.delta` events.
 * One turn per conversation at a time; the LLM worker keeps the conversation's KV cache between
 * steps and turns (`reuseKey`), every step under the VRAM arbiter.
 */
import { randomUUID } from 'node:crypto';
import {
  applyGraphOps,
  GraphOpError,
  type GraphOp,
  type OpSpecLookup,
} from '../../nodes/core/graph-ops';
import type { GraphDoc } from '../../nodes/core/graph';
import type { NodeSpec } from '../../nodes/core/define-node';
import { specToJson } from '../../nodes/core/catalog-json';
import type { Store } from '../store';
import type { EventBus } from '../engine/events';
import type { ResolvedModel } from '../engine/executor';
import type { Logger } from '../log';
import type { SemanticSearch } from '../search/semantic';
import type { ProgressMsg } from '../../workers/protocol/messages';
import type { ToolCall } from '../../wire/tools';
import type { AssistantAction, AssistantMessage, Conversation } from '../../wire/assistant';
import { OperationalError, UserError, toMystiError } from '../errors';
import type { AssistantConfig } from './config';
import { REPLY_TOOL, TOOLS, toolDefinitions, type AssistantTool } from './tools';

export interface AssistantDeps {
  store: Store;
  bus: EventBus;
  catalog: ReadonlyMap<string, NodeSpec>;
  logger: Logger;
  config: AssistantConfig;
  search?: () => SemanticSearch | undefined;
  llm: {
    resolve(ref: string): ResolvedModel;
    reserve(
      r: { model: ResolvedModel; contextSize: number },
      signal: AbortSignal,
    ): Promise<() => void>;
    call(
      job: string,
      payload: Record<string, unknown>,
      opts: { signal: AbortSignal; onProgress?: (p: ProgressMsg) => void },
    ): Promise<{ output: Record<string, unknown> }>;
  };
  /** Validates and queues a graph with overrides (POST /api/runs' path); returns the run id. */
  submit(graph: GraphDoc, overrides: Record<string, unknown>): string;
}

export type Decision = 'apply' | 'reject' | 'confirm' | 'refuse';

const SYSTEM = [
  'You are the creative assistant of MystiCanvas, an image studio with a node graph.',
  'Use the tools to inspect and change the graph, search past images and run the graph.',
  'Be brief.',
].join(' ');
const LIMIT_NOTE =
  'The tool limit for this turn is reached. Do not call tools; answer the user in text now.';
/** Messages of history sent per step (the worker's context shift drops older ones as needed). */
const HISTORY = 40;

const errorResult = (err: unknown) => {
  const e = toMystiError(err);
  return { error: { code: e.code, message: e.message } };
};

export class Assistant {
  private readonly turns = new Map<string, { turnId: string; ac: AbortController }>();
  private readonly waiting = new Map<string, (d: Decision | 'timeout') => void>();
  private readonly spec: OpSpecLookup;

  constructor(private readonly d: AssistantDeps) {
    const specs = new Map([...d.catalog.values()].map((s) => [s.type, specToJson(s)]));
    this.spec = (type) => specs.get(type);
    // A restart ends the turns that were waiting: their cards can no longer resume anything.
    for (const a of d.store.assistant.pendingConfirmations())
      this.record(
        d.store.assistant.decide(a.id, 'refused', {
          error: { code: 'INTERRUPTED', message: 'the studio restarted before a decision' },
        })!,
        null,
      );
  }

  /**
   * Starts a turn in the background (progress on the event bus).
   * @throws UserError NOT_FOUND, MODEL_NOT_CONFIGURED (what to set), MODEL_NOT_FOUND;
   *   OperationalError ASSISTANT_BUSY (409) while the conversation's last turn runs
   */
  send(conversationId: string, text: string, graph?: GraphDoc): { turnId: string } {
    const conv = this.conversation(conversationId);
    if (this.turns.has(conversationId))
      throw new OperationalError(
        'ASSISTANT_BUSY',
        'the assistant is still answering in this conversation',
        undefined,
        409,
      );
    const model = this.model();
    if (graph) this.d.store.assistant.update(conv.id, { graph });
    const msg = this.d.store.assistant.addMessage(conv.id, { role: 'user', content: text });
    const turnId = randomUUID();
    const ac = new AbortController();
    this.turns.set(conv.id, { turnId, ac });
    this.emit('assistant.message', conv.id, turnId, { message: msg });
    void this.turn(conv.id, turnId, model, ac.signal)
      .catch((err) => {
        const e = toMystiError(err);
        this.d.logger.warn(
          { conversationId: conv.id, code: e.code, err: e.message },
          'assistant turn failed',
        );
        this.emit('assistant.turn', conv.id, turnId, {
          phase: 'failed',
          error: { code: e.code, message: e.message },
        });
      })
      .finally(() => this.turns.delete(conv.id));
    return { turnId };
  }

  /** Whether a turn of the conversation is running. */
  busy(conversationId: string): boolean {
    return this.turns.has(conversationId);
  }

  /**
   * The user's decision on a proposal (apply/reject) or a confirm card (confirm/refuse).
   * @throws UserError NOT_FOUND; BAD_REQUEST (409) when the action is not waiting for that decision
   */
  decide(actionId: string, decision: Decision): AssistantAction {
    const a = this.d.store.assistant.action(actionId);
    if (!a) throw new UserError('NOT_FOUND', `no assistant action ${actionId}`, undefined, 404);
    const edit = decision === 'apply' || decision === 'reject';
    const expected = edit ? 'proposed' : 'awaiting_confirmation';
    if (a.status !== expected)
      throw new UserError(
        'BAD_REQUEST',
        `action ${actionId} is ${a.status}; "${decision}" needs one that is ${expected}`,
        { status: a.status },
        409,
      );
    if (decision === 'apply') {
      const p = a.result as { graph: unknown };
      this.d.store.assistant.update(a.conversationId, { graph: p.graph });
    }
    const status =
      decision === 'apply'
        ? 'applied'
        : decision === 'reject'
          ? 'rejected'
          : decision === 'confirm'
            ? 'confirmed'
            : 'refused';
    const next = this.d.store.assistant.decide(a.id, status, a.result)!;
    this.record(next, null);
    this.waiting.get(a.id)?.(decision);
    return next;
  }

  /** Stops running turns (studio shutdown). */
  close(): void {
    for (const t of this.turns.values()) t.ac.abort();
    for (const w of this.waiting.values()) w('timeout');
  }

  private conversation(id: string): Conversation {
    const c = this.d.store.assistant.conversation(id);
    if (!c) throw new UserError('NOT_FOUND', `no conversation ${id}`, undefined, 404);
    return c;
  }

  private model(): ResolvedModel {
    if (!this.d.config.model)
      throw new UserError(
        'MODEL_NOT_CONFIGURED',
        'no assistant model: set "assistant": {"model": "<llm model id or file>"} in config.json (or MYSTI_ASSISTANT_MODEL) and restart',
      );
    return this.d.llm.resolve(this.d.config.model);
  }

  private emit(
    type: 'assistant.turn' | 'assistant.delta' | 'assistant.message' | 'assistant.action',
    conversationId: string,
    turnId: string | null,
    payload: Record<string, unknown>,
  ) {
    this.d.bus.emit(type, { conversationId, ...(turnId ? { turnId } : {}), ...payload });
  }

  private record(action: AssistantAction, turnId: string | null) {
    this.emit('assistant.action', action.conversationId, turnId, { action });
  }

  private history(conversationId: string, keep: number): Record<string, unknown>[] {
    let msgs = this.d.store.assistant.messages(conversationId);
    if (msgs.length > keep) {
      msgs = msgs.slice(-keep);
      // Start at a user message so no tool result is left without its call.
      const k = msgs.findIndex((m) => m.role === 'user');
      msgs = k >= 0 ? msgs.slice(k) : msgs;
    }
    return msgs.map((m: AssistantMessage) =>
      m.role === 'tool'
        ? { role: 'tool', tool_call_id: m.toolCallId, content: m.content }
        : m.role === 'assistant'
          ? {
              role: 'assistant',
              content: m.content || null,
              ...(m.toolCalls ? { tool_calls: m.toolCalls } : {}),
            }
          : { role: 'user', content: m.content },
    );
  }

  private async step(
    model: ResolvedModel,
    conversationId: string,
    turnId: string,
    tools: readonly AssistantTool[] | null,
    signal: AbortSignal,
  ): Promise<{ text: string; toolCalls: ToolCall[] }> {
    // The worker refuses a prompt that cannot fit (PROMPT_TOO_LONG): send less history.
    for (let keep = HISTORY; ; keep = Math.floor(keep / 2)) {
      try {
        return await this.stepWith(model, conversationId, turnId, tools, signal, keep);
      } catch (err) {
        if (keep <= 1 || toMystiError(err).code !== 'PROMPT_TOO_LONG') throw err;
      }
    }
  }

  private async stepWith(
    model: ResolvedModel,
    conversationId: string,
    turnId: string,
    tools: readonly AssistantTool[] | null,
    signal: AbortSignal,
    keep: number,
  ): Promise<{ text: string; toolCalls: ToolCall[] }> {
    const cfg = this.d.config;
    const messages = [
      { role: 'system', content: tools ? SYSTEM : `${SYSTEM} ${LIMIT_NOTE}` },
      ...this.history(conversationId, keep),
    ];
    const release = await this.d.llm.reserve({ model, contextSize: cfg.contextSize }, signal);
    const streamText = !tools || cfg.toolChoice === 'auto';
    try {
      const out = (
        await this.d.llm.call(
          'chat',
          {
            modelPath: model.path,
            modelId: model.id,
            contextSize: cfg.contextSize,
            messages,
            max_tokens: cfg.maxTokens,
            temperature: cfg.temperature,
            reuseKey: conversationId,
            ...(tools
              ? {
                  tools: toolDefinitions(tools),
                  tool_choice: cfg.toolChoice,
                  tool_docs: cfg.toolDocs,
                }
              : {}),
          },
          {
            signal,
            onProgress: (p) => {
              if (streamText && typeof p.text === 'string' && p.text)
                this.emit('assistant.delta', conversationId, turnId, { text: p.text });
            },
          },
        )
      ).output;
      return {
        text: String(out.text ?? ''),
        toolCalls: (out.toolCalls as ToolCall[] | undefined) ?? [],
      };
    } finally {
      release();
    }
  }

  private async turn(
    conversationId: string,
    turnId: string,
    model: ResolvedModel,
    signal: AbortSignal,
  ) {
    const cfg = this.d.config;
    const tools = cfg.toolChoice === 'required' ? [...TOOLS, REPLY_TOOL] : TOOLS;
    const t0 = Date.now();
    let waited = 0;
    let calls = 0;
    this.emit('assistant.turn', conversationId, turnId, { phase: 'started' });
    for (;;) {
      const limited = calls >= cfg.maxToolCalls || Date.now() - t0 - waited > cfg.turnTimeoutMs;
      let out;
      try {
        out = await this.step(model, conversationId, turnId, limited ? null : tools, signal);
      } catch (err) {
        // A small model can ramble inside a grammar-constrained string until its token budget
        // ends: that step made no call. It counts against the limit, so the turn still ends.
        if (limited || toMystiError(err).code !== 'TOOL_CALL_TRUNCATED') throw err;
        calls++;
        this.record(
          this.d.store.assistant.addAction({
            id: randomUUID(),
            conversationId,
            toolCallId: `truncated-${calls}`,
            tool: '(none)',
            arguments: null,
            status: 'failed',
            result: errorResult(err),
          }),
          turnId,
        );
        continue;
      }
      const reply = out.toolCalls.find((c) => c.function.name === REPLY_TOOL.name);
      const others = out.toolCalls.filter((c) => c !== reply);
      if (limited || !others.length) {
        let text = out.text;
        if (reply) {
          const args = safeJson(reply.function.arguments) as { text?: unknown } | undefined;
          text = typeof args?.text === 'string' ? args.text : text;
        }
        const msg = this.d.store.assistant.addMessage(conversationId, {
          role: 'assistant',
          content: text,
        });
        this.emit('assistant.message', conversationId, turnId, { message: msg });
        this.emit('assistant.turn', conversationId, turnId, {
          phase: 'finished',
          toolCalls: calls,
        });
        return;
      }
      const msg = this.d.store.assistant.addMessage(conversationId, {
        role: 'assistant',
        content: out.text,
        toolCalls: others,
      });
      this.emit('assistant.message', conversationId, turnId, { message: msg });
      for (const call of others) {
        calls++;
        const { result, waitedMs } =
          calls > cfg.maxToolCalls
            ? {
                result: errorResult(
                  new OperationalError(
                    'ASSISTANT_TOOL_LIMIT',
                    `at most ${cfg.maxToolCalls} tool calls per turn; answer in text`,
                  ),
                ),
                waitedMs: 0,
              }
            : await this.execute(conversationId, turnId, call, signal);
        waited += waitedMs;
        const tm = this.d.store.assistant.addMessage(conversationId, {
          role: 'tool',
          content: JSON.stringify(result).slice(0, 4000),
          toolCallId: call.id,
        });
        this.emit('assistant.message', conversationId, turnId, { message: tm });
      }
      if (signal.aborted) throw new OperationalError('CANCELLED', 'the turn was cancelled');
    }
  }

  /** Runs one call through the rails. @returns what goes back to the model, and time spent waiting for the user */
  private async execute(
    conversationId: string,
    turnId: string,
    call: ToolCall,
    signal: AbortSignal,
  ): Promise<{ result: unknown; waitedMs: number }> {
    const store = this.d.store.assistant;
    const add = (status: AssistantAction['status'], args: unknown, result: unknown) => {
      const a = store.addAction({
        id: randomUUID(),
        conversationId,
        toolCallId: call.id,
        tool: call.function.name,
        arguments: args,
        status,
        result,
      });
      this.record(a, turnId);
      return a;
    };
    const raw = safeJson(call.function.arguments);
    const tool = TOOLS.find((t) => t.name === call.function.name);
    if (!tool) {
      const r = errorResult(new UserError('NOT_FOUND', `no tool "${call.function.name}"`));
      add('failed', raw ?? call.function.arguments, r);
      return { result: r, waitedMs: 0 };
    }
    const parsed = raw === undefined ? undefined : tool.args.safeParse(raw);
    if (!parsed?.success) {
      const message = parsed
        ? parsed.error.issues
            .map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`)
            .join('; ')
        : 'arguments are not valid JSON';
      const r = errorResult(new UserError('BAD_PARAMS', `${tool.name}: ${message}`));
      add('failed', raw ?? call.function.arguments, r);
      return { result: r, waitedMs: 0 };
    }
    const args = parsed.data;
    const conv = this.conversation(conversationId);
    const ctx = {
      store: this.d.store,
      catalog: this.d.catalog,
      search: this.d.search?.(),
      graph: (conv.graph as GraphDoc | null) ?? null,
      submit: this.d.submit,
      complete: (system: string, prompt: string, s: AbortSignal) =>
        this.complete(system, prompt, s),
      signal,
    };
    try {
      if (tool.kind === 'read') {
        const result = await tool.run(args, ctx);
        add('ran', args, result);
        return { result, waitedMs: 0 };
      }
      if (tool.kind === 'edit') {
        if (!ctx.graph)
          throw new UserError('BAD_PARAMS', 'there is no graph in this conversation yet');
        const ops = (await tool.run(args, ctx)) as GraphOp[];
        let applied;
        try {
          applied = applyGraphOps(ctx.graph, ops, this.spec);
        } catch (err) {
          if (err instanceof GraphOpError) throw new UserError('BAD_PARAMS', err.message);
          throw err;
        }
        const proposal = { ops, graph: applied.graph, diff: applied.diff };
        const removes = ops.some((o) => o.op === 'remove_node');
        if (conv.settings.autoApply && (!removes || conv.settings.allowDelete)) {
          store.update(conversationId, { graph: applied.graph });
          add('applied', args, proposal);
          return { result: { status: 'applied', diff: applied.diff }, waitedMs: 0 };
        }
        const a = add('proposed', args, proposal);
        const t = Date.now();
        const d = await this.waitFor(a.id, signal);
        if (d === 'timeout') this.record(store.decide(a.id, 'rejected', proposal)!, turnId);
        return {
          result: {
            status: d === 'apply' ? 'applied' : 'rejected',
            ...(d === 'apply' ? { diff: applied.diff } : {}),
          },
          waitedMs: Date.now() - t,
        };
      }
      // run
      if (!conv.settings.allowRun) {
        const a = add('awaiting_confirmation', args, null);
        const t = Date.now();
        const d = await this.waitFor(a.id, signal);
        const waitedMs = Date.now() - t;
        if (d !== 'confirm') {
          if (d === 'timeout') this.record(store.decide(a.id, 'refused', null)!, turnId);
          return { result: { status: 'refused' }, waitedMs };
        }
        // Runs what the conversation holds now (an edit applied meanwhile included).
        const now = this.conversation(conversationId);
        const result = await tool.run(args, {
          ...ctx,
          graph: (now.graph as GraphDoc | null) ?? null,
        });
        this.record(store.decide(a.id, 'confirmed', result)!, turnId);
        return { result, waitedMs };
      }
      const result = await tool.run(args, ctx);
      add('ran', args, result);
      return { result, waitedMs: 0 };
    } catch (err) {
      const r = errorResult(err);
      add('failed', args, r);
      return { result: r, waitedMs: 0 };
    }
  }

  private waitFor(actionId: string, signal: AbortSignal): Promise<Decision | 'timeout'> {
    return new Promise((resolve) => {
      const done = (d: Decision | 'timeout') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiting.delete(actionId);
        resolve(d);
      };
      const onAbort = () => done('timeout');
      const timer = setTimeout(() => done('timeout'), this.d.config.decisionTimeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(actionId, done);
    });
  }

  /** enhance_prompt's completion on the assistant's model (under the arbiter). */
  private async complete(system: string, prompt: string, signal: AbortSignal): Promise<string> {
    const model = this.model();
    const release = await this.d.llm.reserve(
      { model, contextSize: this.d.config.contextSize },
      signal,
    );
    try {
      const out = await this.d.llm.call(
        'complete',
        {
          modelPath: model.path,
          modelId: model.id,
          contextSize: this.d.config.contextSize,
          system,
          prompt,
          maxTokens: 120,
          temperature: 0.7,
        },
        { signal },
      );
      return String(out.output.text ?? '');
    } finally {
      release();
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
