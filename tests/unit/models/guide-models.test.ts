/**
 * Guide model files (issue 14) are told apart by their tensor names, so a ControlNet, IP-Adapter or
 * CLIP vision file outside ComfyUI's controlnet/, ipadapter/, clip_vision/ folders still gets its
 * kind (and one in those folders gets it by the folder).
 */
import { describe, expect, it } from 'vitest';
import { detectFamily } from '../../../runtime/models/family';
import { classifyModel } from '../../../runtime/models/classify';

const t = (...names: string[]) => names.map((name) => ({ name, shape: [4, 4] }));

describe('guide model detection', () => {
  it('ControlNet (original and diffusers layouts), IP-Adapter, CLIP vision', () => {
    expect(
      detectFamily(
        t(
          'control_model.input_hint_block.0.weight',
          'control_model.zero_convs.0.0.weight',
          'control_model.input_blocks.0.0.weight',
        ),
      ).component,
    ).toBe('controlnet');
    expect(
      detectFamily(
        t('controlnet_cond_embedding.conv_in.weight', 'down_blocks.0.resnets.0.conv1.weight'),
      ).component,
    ).toBe('controlnet');
    expect(detectFamily(t('image_proj.proj.weight', 'ip_adapter.1.to_k_ip.weight')).component).toBe(
      'ipadapter',
    );
    expect(
      detectFamily(
        t(
          'vision_model.encoder.layers.0.mlp.fc1.weight',
          'vision_model.embeddings.patch_embedding.weight',
        ),
      ).component,
    ).toBe('clip_vision');
    // A full CLIP (text + vision) stays a text encoder / unknown, not CLIP vision.
    expect(
      detectFamily(
        t(
          'vision_model.encoder.layers.0.mlp.fc1.weight',
          'text_model.encoder.layers.0.mlp.fc1.weight',
        ),
      ).component,
    ).not.toBe('clip_vision');
  });

  it('kinds: by folder first (controlnet/, t2i_adapter/, ipadapter/, clip_vision/), else by content', () => {
    expect(classifyModel('controlnet', '.safetensors', null)).toBe('controlnet');
    expect(classifyModel('t2i_adapter', '.safetensors', null)).toBe('controlnet');
    expect(classifyModel('ipadapter', '.bin', null)).toBe('ipadapter');
    expect(classifyModel('clip_vision', '.safetensors', null)).toBe('clip_vision');
    expect(classifyModel('', '.safetensors', null, 'controlnet')).toBe('controlnet');
  });
});
