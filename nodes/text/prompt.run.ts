/** Executor of the prompt node: its text param becomes a text value. */
import { implement } from '../../runtime/engine/executor';
import { prompt } from './prompt';

export default implement(prompt, async (_ctx, _inputs, params) => ({
  text: { kind: 'text', text: params.text },
}));
