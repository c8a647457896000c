/**
 * JSON `parameters` of tools without a dedicated importer (Fooocus, Stability Matrix…): the
 * usual key spellings are picked up; everything else is listed in a warning.
 */
import { UserError } from '../errors';
import { int, num, seedOf, str, type ImportResult } from './build';
import { linearGraph } from './linear';
import { mapA1111Sampler, mapComfySampler } from './samplers';

type Json = Record<string, unknown>;
const pick = (o: Json, keys: string[]) =>
  keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);

/** @throws UserError UNSUPPORTED_FORMAT when the JSON has no prompt */
export function importGenericJson(v: unknown): ImportResult {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new UserError('UNSUPPORTED_FORMAT', 'The parameters JSON is not an object');
  const o = v as Json;
  const prompt = str(pick(o, ['prompt', 'positive_prompt', 'Prompt', 'full_prompt']));
  if (prompt === undefined)
    throw new UserError(
      'UNSUPPORTED_FORMAT',
      'The parameters JSON has no prompt MystiCanvas recognises',
    );
  const warnings = [
    'The parameters JSON is from a tool MystiCanvas has no dedicated importer for; common fields were mapped',
  ];
  const samplerName = str(pick(o, ['sampler', 'sampler_name', 'Sampler']));
  const sm =
    samplerName && /[A-Z ]/.test(samplerName)
      ? mapA1111Sampler(samplerName, str(o.scheduler))
      : mapComfySampler(samplerName, pick(o, ['scheduler']));
  if (sm.warning) warnings.push(sm.warning);
  let width = int(o.width);
  let height = int(o.height);
  const res = str(pick(o, ['resolution', 'Resolution']));
  const m = res ? /(\d+)\D+(\d+)/.exec(res) : null;
  if (m && width === undefined) [width, height] = [Number(m[1]), Number(m[2])];
  return linearGraph({
    prompt,
    negativePrompt: str(
      pick(o, ['negative_prompt', 'negativePrompt', 'Negative Prompt', 'full_negative_prompt']),
    ),
    warnings,
    loraTags: true,
    params: {
      model: str(pick(o, ['model', 'base_model', 'Model', 'checkpoint'])),
      width,
      height,
      steps: int(pick(o, ['steps', 'Steps'])),
      cfgScale: num(pick(o, ['cfg', 'cfg_scale', 'guidance_scale', 'cfgScale'])),
      sampler: sm.sampler,
      scheduler: sm.scheduler,
      seed: seedOf(pick(o, ['seed', 'Seed']), (w) => warnings.push(w)),
    },
    name: prompt.slice(0, 60) || 'Imported image',
    data: { source: 'json', imported: { original: o } },
  });
}
