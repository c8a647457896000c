/**
 * Resident sd stacks in the arbiter's ledger (issue 12): a stack kept by sd-server is a resident
 * model like the LLM's — evicted (its sd-server stopped) when the LLM needs the room, booked again
 * when the next image loads it, and a mitigation on a resident stack says sd-server restarts.
 */
import { describe, expect, it } from 'vitest';
import { Arbiter, type DecisionEvent } from '../../../runtime/arbiter/leases';

const MB = 1e6;
const sd = {
  diffusionWeightsBytes: 0.5e9,
  vaeWeightsBytes: 0.05e9,
  textEncoderWeightsBytes: 0.05e9,
  diffusionComputeBytes: 0.2e9,
  vaeDecodeBytes: 0.5e9,
  vaeDecodeTiledBytes: 0.1e9,
  fixedOverheadBytes: 0.1e9,
};

function make(mitigations = {}) {
  const evictions: string[] = [];
  const decisions: DecisionEvent[] = [];
  const arb = new Arbiter({
    budgetBytes: 1000 * MB,
    reserveBytes: 0,
    transientWorkers: ['sd'],
    mitigationsAvailable: mitigations,
    evict: async (w, m, mode) => {
      evictions.push(`${mode}:${w}:${m}`);
      arb.noteUnloaded(w, m);
    },
    onDecision: (e) => decisions.push(e),
  });
  return { arb, evictions, decisions };
}

describe('resident sd stack in the ledger', () => {
  it('is evicted for the LLM with a sentence saying its sd-server stopped, and booked again when reloaded', async () => {
    const { arb, evictions, decisions } = make();
    // What admission.ts does after an sd job in resident mode: the worker's health says it keeps the stack.
    (
      await arb.reserve({
        holder: 'img1',
        worker: 'sd',
        model: 'tiny-sdxs',
        label: 'tiny-sdxs',
        weightsBytes: 600 * MB,
        computeBytes: 100 * MB,
      })
    ).release();
    arb.noteResident('sd', 'tiny-sdxs', 600 * MB, 'weights', 'tiny-sdxs');
    expect(arb.snapshot().resident.sd).toMatchObject([
      { model: 'tiny-sdxs', bytes: 600 * MB, idle: true },
    ]);

    const llm = await arb.reserve({
      holder: 'llm',
      worker: 'llm',
      model: 'stories',
      label: 'stories',
      weightsBytes: 300 * MB,
      computeBytes: 200 * MB,
    });
    expect(evictions).toEqual(['hard:sd:tiny-sdxs']);
    const evict = decisions.find((d) => d.decision.action === 'evict')!;
    expect(evict.decision.message).toBe(
      'Unloaded the image model tiny-sdxs (600 MB, its sd-server stopped) to make room for stories.',
    );
    llm.release();
    arb.noteUnloaded('llm');

    // The next image loads the stack again: its weights are counted (not resident), then booked.
    const again = await arb.reserve({
      holder: 'img2',
      worker: 'sd',
      model: 'tiny-sdxs',
      weightsBytes: 600 * MB,
      computeBytes: 100 * MB,
    });
    expect(again.weightsBytes).toBe(600 * MB);
    again.release();
    arb.noteResident('sd', 'tiny-sdxs', 600 * MB, 'weights', 'tiny-sdxs');
    expect(arb.snapshot().resident.sd).toHaveLength(1);
  });

  it('a mitigation for a resident stack says sd-server restarts with the new start-up flags', async () => {
    const { arb, decisions } = make({ vaeTiling: true });
    arb.noteResident('sd', 'sd15', 0.6e9, 'weights', 'sd15');
    const lease = await arb.reserve({
      holder: 'g',
      worker: 'sd',
      model: 'sd15',
      label: 'sd15',
      weightsBytes: 0.6e9,
      computeBytes: 0.6e9,
      sd,
    });
    expect(lease.mitigations).toEqual({ vaeTiling: true });
    const d = decisions.find((e) => e.decision.action === 'mitigate')!;
    expect(d.decision.message).toMatch(
      /VAE tiling .*\(sd-server takes these flags only at start-up: the resident stack restarts with them\)\.$/,
    );
    lease.release();
  });

  it('no restart note when nothing is resident (sd-cli per job, or a first load)', async () => {
    const { arb, decisions } = make({ vaeTiling: true });
    const lease = await arb.reserve({
      holder: 'g',
      worker: 'sd',
      model: 'sd15',
      label: 'sd15',
      weightsBytes: 0.6e9,
      computeBytes: 0.6e9,
      sd,
    });
    expect(decisions.find((e) => e.decision.action === 'mitigate')!.decision.message).not.toMatch(
      /restarts/,
    );
    lease.release();
  });
});
