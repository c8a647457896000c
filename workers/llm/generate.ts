/**
 * One generation on a session: chat-formatted when the model has its own chat template (or the
 * caller asks for chat), plain completion otherwise. Streams throttled progress, honours the
 * job's AbortSignal, and frees the context when a generation is cancelled or fails.
 */
import {
  LlamaChat,
  LlamaCompletion,
  GeneralChatWrapper,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatModelFunctions,
  type ChatWrapper,
  type LlamaGrammar,
  type LlamaModel,
} from 'node-llama-cpp';
import type { JobContext } from '../protocol/server';
import { WorkerJobError } from '../protocol/server';
import type { LlmEngine, Session } from './engine';
import { mapEngineError } from './errors';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateRequest {
  /** Chat turns; used as-is in chat mode, flattened to text in completion mode. */
  messages: ChatMessage[];
  /** `chat` forces the chat wrapper; `auto` uses chat only when the model has a template. */
  mode: 'chat' | 'auto';
  maxTokens: number;
  temperature: number;
  seed?: number;
  grammar?: LlamaGrammar;
  /** Chat mode: the history to use instead of `messages` (tool calls, workers/llm/tools.ts). */
  history?: ChatHistoryItem[];
  /** Chat mode: node-llama-cpp function calling (not together with `grammar`). */
  functions?: ChatModelFunctions;
}

export interface GenerateResult {
  text: string;
  /** Generated tokens. */
  tokens: number;
  promptTokens: number;
  /** `length` when maxTokens (or the context) ended it, as in OpenAI's finish_reason. */
  finishReason: 'stop' | 'length';
  mode: 'chat' | 'completion';
  /** Name of the chat wrapper used in chat mode. */
  chatWrapper?: string;
  /** Calls the model made when `functions` were given (then finishReason is `stop`). */
  functionCalls?: { functionName: string; params: unknown }[];
}

const PROGRESS_INTERVAL_MS = 100;

/**
 * The model's own chat template when it has one; a general `### Human/### Assistant` wrapper when
 * it has none or its template cannot be used — never a crash (issue 3 §6).
 */
export function chatWrapperFor(model: LlamaModel, hasTemplate: boolean): ChatWrapper {
  if (!hasTemplate) return new GeneralChatWrapper();
  try {
    return resolveChatWrapper(model) ?? new GeneralChatWrapper();
  } catch {
    return new GeneralChatWrapper();
  }
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const h: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user'
        ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] },
  );
  h.push({ type: 'model', response: [] });
  return h;
}

function flatten(messages: ChatMessage[]): string {
  return messages
    .map((m) => m.content)
    .filter(Boolean)
    .join('\n\n');
}

/**
 * Runs one generation. Call inside `engine.exclusive`.
 * @throws WorkerJobError PROMPT_TOO_LONG when the prompt alone fills the context (the token
 *   budget is otherwise capped to what is left of the context: documented truncation of
 *   `maxTokens`, never of the prompt); CANCELLED when `ctx.signal` fires; OUT_OF_MEMORY.
 */
export async function generate(
  engine: LlmEngine,
  s: Session,
  req: GenerateRequest,
  ctx: JobContext,
): Promise<GenerateResult> {
  const chatMode = req.mode === 'chat' || s.hasChatTemplate;
  const wrapper = chatMode ? chatWrapperFor(s.model, s.hasChatTemplate) : undefined;
  const promptText = flatten(req.messages);
  // Chat formatting adds a few tokens per turn; 8 is generous for the common templates.
  const promptTokens =
    s.model.tokenize(promptText).length + (chatMode ? 8 * (req.messages.length + 1) : 1);
  const room = s.contextSize - promptTokens;
  if (room < 1) {
    throw new WorkerJobError(
      'PROMPT_TOO_LONG',
      `the prompt needs about ${promptTokens} tokens but the context holds ${s.contextSize}; shorten it or raise the context size`,
      { promptTokens, contextSize: s.contextSize },
    );
  }
  const maxTokens = Math.min(req.maxTokens, room);

  let tokens = 0;
  let text = '';
  let lastSent = 0;
  const onToken = (t: readonly unknown[]) => {
    tokens += t.length;
    const now = Date.now();
    if (now - lastSent >= PROGRESS_INTERVAL_MS) {
      lastSent = now;
      ctx.progress({ phase: 'generating', step: tokens, steps: maxTokens, text });
    }
  };
  const onTextChunk = (chunk: string) => {
    text += chunk;
  };
  const sampling = {
    maxTokens,
    temperature: req.temperature,
    ...(req.seed !== undefined ? { seed: req.seed } : {}),
    signal: ctx.signal,
    onToken,
    onTextChunk,
    ...(req.grammar ? { grammar: req.grammar } : {}),
  };

  let stopReason: string;
  let functionCalls: GenerateResult['functionCalls'];
  try {
    if (chatMode) {
      const chat = new LlamaChat({ contextSequence: s.sequence, chatWrapper: wrapper! });
      try {
        const history = req.history ?? toHistory(req.messages);
        const r = req.functions
          ? await chat.generateResponse(history, {
              ...sampling,
              grammar: undefined,
              functions: req.functions,
            })
          : await chat.generateResponse(history, sampling);
        text = r.response;
        stopReason = r.metadata.stopReason;
        if (r.functionCalls?.length)
          functionCalls = r.functionCalls.map((c) => ({
            functionName: c.functionName,
            params: c.params as unknown,
          }));
      } finally {
        chat.dispose({ disposeSequence: false });
      }
    } else {
      const completion = new LlamaCompletion({ contextSequence: s.sequence });
      try {
        const r = await completion.generateCompletionWithMeta(promptText, sampling);
        text = r.response;
        stopReason = r.metadata.stopReason;
      } finally {
        completion.dispose({ disposeSequence: false });
      }
    }
  } catch (err) {
    // Free the KV cache now: a cancelled or failed generation leaves nothing resident but weights.
    await engine.dropContext().catch(() => undefined);
    if (ctx.signal.aborted) throw new WorkerJobError('CANCELLED', 'generation cancelled');
    throw mapEngineError(err, 'ENGINE_FAILED', 'generation failed');
  }
  ctx.progress({ phase: 'generating', step: tokens, steps: maxTokens, text });
  return {
    text,
    tokens,
    promptTokens,
    finishReason: stopReason === 'maxTokens' ? 'length' : 'stop',
    mode: chatMode ? 'chat' : 'completion',
    ...(wrapper ? { chatWrapper: wrapper.wrapperName } : {}),
    ...(functionCalls ? { functionCalls } : {}),
  };
}
