/**
 * Sampler and scheduler names of other tools mapped onto stable-diffusion.cpp's
 * (nodes/diffusion/sampling.ts), and back to A1111's display names for the `parameters` chunk.
 * Sources: A1111 `modules/sd_samplers_kdiffusion.py` (labels, "Karras" suffix of pre-1.6 names,
 * `sd_schedulers.py`), ComfyUI `comfy/samplers.py` KSAMPLER_NAMES / SCHEDULER_NAMES, InvokeAI
 * `SCHEDULER_NAME_VALUES` (`_k` = Karras sigmas), sd.cpp `--sampling-method` / `--scheduler`.
 */
import { SAMPLERS, SCHEDULERS } from '../../nodes/diffusion/sampling';

export type Sampler = (typeof SAMPLERS)[number];
export type Scheduler = (typeof SCHEDULERS)[number];

/** Result of a name mapping; `warning` is set when the source name had no exact equivalent. */
export interface SamplerMapping {
  sampler: Sampler;
  scheduler: Scheduler;
  warning?: string;
}

const A1111_SAMPLERS: Record<string, Sampler> = {
  'euler a': 'euler_a',
  euler: 'euler',
  heun: 'heun',
  dpm2: 'dpm2',
  'dpm++ 2s a': 'dpm++2s_a',
  'dpm++ 2m': 'dpm++2m',
  'dpm++ 2m sde': 'dpm++2m_sde',
  lms: 'lms',
  lcm: 'lcm',
  ddim: 'ddim_trailing',
  'ddim cfg++': 'ddim_trailing',
  ipndm: 'ipndm',
  ipndm_v: 'ipndm_v',
  tcd: 'tcd',
  'euler cfg++': 'euler_cfg_pp',
  'euler a cfg++': 'euler_a_cfg_pp',
  'dpm++ 2m sde heun': 'dpm++2m_sde',
};

const COMFY_SAMPLERS: Record<string, Sampler> = {
  euler: 'euler',
  euler_ancestral: 'euler_a',
  heun: 'heun',
  dpm_2: 'dpm2',
  lms: 'lms',
  dpmpp_2s_ancestral: 'dpm++2s_a',
  dpmpp_2m: 'dpm++2m',
  dpmpp_2m_sde: 'dpm++2m_sde',
  lcm: 'lcm',
  ddim: 'ddim_trailing',
  ipndm: 'ipndm',
  ipndm_v: 'ipndm_v',
  res_multistep: 'res_multistep',
  er_sde: 'er_sde',
  euler_cfg_pp: 'euler_cfg_pp',
  euler_ancestral_cfg_pp: 'euler_a_cfg_pp',
  tcd: 'tcd',
};

const INVOKE_SAMPLERS: Record<string, Sampler> = {
  euler: 'euler',
  euler_a: 'euler_a',
  heun: 'heun',
  kdpm_2: 'dpm2',
  lms: 'lms',
  dpmpp_2s: 'dpm++2s_a',
  dpmpp_2m: 'dpm++2m',
  dpmpp_2m_sde: 'dpm++2m_sde',
  ddim: 'ddim_trailing',
  lcm: 'lcm',
  tcd: 'tcd',
};

const SCHEDULER_NAMES: Record<string, Scheduler> = {
  automatic: 'default',
  default: 'default',
  normal: 'discrete',
  discrete: 'discrete',
  uniform: 'discrete',
  karras: 'karras',
  exponential: 'exponential',
  'sgm uniform': 'sgm_uniform',
  sgm_uniform: 'sgm_uniform',
  simple: 'simple',
  beta: 'beta',
  'align your steps': 'ays',
  ays: 'ays',
  'kl optimal': 'kl_optimal',
  kl_optimal: 'kl_optimal',
  gits: 'gits',
  smoothstep: 'smoothstep',
  lcm: 'lcm',
};

/** Samplers whose replacement changes the image noticeably (deterministic ↔ approximation). */
const APPROXIMATE = new Set(['ddim', 'ddim cfg++', 'dpm++ 2m sde heun']);

/** Maps a scheduler name (A1111 label, ComfyUI or sd.cpp name); undefined when unknown. */
export function mapScheduler(name: string | undefined): Scheduler | undefined {
  if (!name) return undefined;
  const k = name.trim().toLowerCase();
  if ((SCHEDULERS as readonly string[]).includes(k)) return k as Scheduler;
  return SCHEDULER_NAMES[k];
}

function fallback(source: string, what: string): SamplerMapping {
  return {
    sampler: 'default',
    scheduler: 'default',
    warning: `${source} sampler "${what}" has no stable-diffusion.cpp equivalent; using the model's default sampler`,
  };
}

/**
 * Maps an A1111/Forge sampler label (with its `Schedule type`, or an old "… Karras" label).
 * Example: ("DPM++ 2M", "Karras") → {sampler: 'dpm++2m', scheduler: 'karras'}.
 */
export function mapA1111Sampler(label: string | undefined, scheduleType?: string): SamplerMapping {
  if (!label) return { sampler: 'default', scheduler: mapScheduler(scheduleType) ?? 'default' };
  let k = label.trim().toLowerCase();
  let scheduler = mapScheduler(scheduleType);
  for (const suffix of ['karras', 'exponential', 'sgm uniform']) {
    if (k.endsWith(` ${suffix}`) && !A1111_SAMPLERS[k]) {
      k = k.slice(0, -suffix.length - 1);
      scheduler ??= mapScheduler(suffix);
    }
  }
  const sampler = A1111_SAMPLERS[k];
  const out: SamplerMapping = sampler
    ? { sampler, scheduler: scheduler ?? 'default' }
    : { ...fallback('A1111', label), scheduler: scheduler ?? 'default' };
  if (sampler && APPROXIMATE.has(k))
    out.warning = `A1111 sampler "${label}" mapped to the nearest stable-diffusion.cpp sampler "${sampler}"`;
  if (scheduleType && !mapScheduler(scheduleType)) {
    out.warning = [
      out.warning,
      `A1111 schedule type "${scheduleType}" has no stable-diffusion.cpp equivalent; using the default`,
    ]
      .filter(Boolean)
      .join('; ');
  }
  return out;
}

/** Maps ComfyUI `sampler_name` + `scheduler` (also used by SwarmUI). */
export function mapComfySampler(samplerName: unknown, schedulerName: unknown): SamplerMapping {
  const s = typeof samplerName === 'string' ? samplerName : '';
  const sch = typeof schedulerName === 'string' ? schedulerName : '';
  const scheduler = mapScheduler(sch);
  const sampler =
    COMFY_SAMPLERS[s.toLowerCase()] ??
    ((SAMPLERS as readonly string[]).includes(s) ? (s as Sampler) : undefined);
  const warnings: string[] = [];
  if (!sampler && s)
    warnings.push(
      `ComfyUI sampler "${s}" has no stable-diffusion.cpp equivalent; using the model's default sampler`,
    );
  if (s === 'ddim')
    warnings.push(
      'ComfyUI sampler "ddim" mapped to the nearest stable-diffusion.cpp sampler "ddim_trailing"',
    );
  if (!scheduler && sch)
    warnings.push(
      `ComfyUI scheduler "${sch}" has no stable-diffusion.cpp equivalent; using the default`,
    );
  return {
    sampler: sampler ?? 'default',
    scheduler: scheduler ?? 'default',
    ...(warnings.length ? { warning: warnings.join('; ') } : {}),
  };
}

/** Maps an InvokeAI scheduler name (`dpmpp_2m_k` = DPM++ 2M with Karras sigmas). */
export function mapInvokeScheduler(name: unknown): SamplerMapping {
  const n = typeof name === 'string' ? name : '';
  if (!n) return { sampler: 'default', scheduler: 'default' };
  const karras = n.endsWith('_k');
  const base = karras ? n.slice(0, -2) : n;
  const sampler = INVOKE_SAMPLERS[base];
  if (!sampler) return { ...fallback('InvokeAI', n), scheduler: karras ? 'karras' : 'default' };
  return { sampler, scheduler: karras ? 'karras' : 'default' };
}

/**
 * Parses sd.cpp's own `Sampler:` value, `<method> <scheduler>` (e.g. "euler_a discrete") or
 * just `<method>` (older builds), sdcpp.md §1.6.
 */
export function mapSdcppSampler(value: string | undefined): SamplerMapping {
  const [m = '', s] = (value ?? '').trim().split(/[\s,]+/);
  const sampler = (SAMPLERS as readonly string[]).includes(m) ? (m as Sampler) : undefined;
  const scheduler = mapScheduler(s);
  if (!sampler && m && m !== 'NONE')
    return { ...fallback('sd.cpp', m), scheduler: scheduler ?? 'default' };
  return { sampler: sampler ?? 'default', scheduler: scheduler ?? 'default' };
}

const A1111_LABEL: Partial<Record<Sampler, string>> = {
  euler_a: 'Euler a',
  euler: 'Euler',
  heun: 'Heun',
  dpm2: 'DPM2',
  'dpm++2s_a': 'DPM++ 2S a',
  'dpm++2m': 'DPM++ 2M',
  'dpm++2m_sde': 'DPM++ 2M SDE',
  lms: 'LMS',
  lcm: 'LCM',
  ddim_trailing: 'DDIM',
  ipndm: 'iPNDM',
  ipndm_v: 'iPNDM_V',
  tcd: 'TCD',
  euler_cfg_pp: 'Euler CFG++',
  euler_a_cfg_pp: 'Euler a CFG++',
};
const A1111_SCHEDULE: Partial<Record<Scheduler, string>> = {
  discrete: 'Normal',
  karras: 'Karras',
  exponential: 'Exponential',
  sgm_uniform: 'SGM Uniform',
  simple: 'Simple',
  beta: 'Beta',
  ays: 'Align Your Steps',
  kl_optimal: 'KL Optimal',
};

/** sd.cpp sampler → A1111 label (the raw name when A1111 has none), for the `parameters` chunk. */
export function a1111SamplerLabel(s: string): string {
  return A1111_LABEL[s as Sampler] ?? s;
}

/** sd.cpp scheduler → A1111 `Schedule type` label; undefined for `default` (A1111 omits it then). */
export function a1111ScheduleLabel(s: string): string | undefined {
  if (s === 'default') return undefined;
  return A1111_SCHEDULE[s as Scheduler] ?? s;
}
