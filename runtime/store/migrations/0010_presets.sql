-- 0010: model presets (seeds' Release D) and measured peaks per model for the VRAM arbiter.
-- Forward-only; applied in one transaction with PRAGMA user_version = 10.

-- A named image setup: which files sd.cpp loads and the params a txt2img/img2img node starts from.
CREATE TABLE image_presets (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL UNIQUE,
  diffusion_model     TEXT NOT NULL,            -- model registry id (or file name)
  vae                 TEXT,                     -- registry id; NULL = the checkpoint's own
  text_encoders_json  TEXT NOT NULL DEFAULT '[]',   -- [registry id, …] (clip_l, clip_g, t5xxl, …)
  loras_json          TEXT NOT NULL DEFAULT '[]',   -- [{name, weight}]
  params_json         TEXT NOT NULL DEFAULT '{}',   -- default node params (width, steps, sampler, …)
  measured_vram_bytes INTEGER,                  -- peak measured for this preset; NULL until first run
  created_at          INTEGER NOT NULL,         -- ms since epoch
  updated_at          INTEGER NOT NULL
);

-- A named LLM setup.
CREATE TABLE llm_presets (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL UNIQUE,
  model               TEXT NOT NULL,            -- registry id (or file name) of the GGUF
  context_size        INTEGER NOT NULL CHECK (context_size > 0),
  gpu_layers          INTEGER,                  -- NULL = engine default ("auto")
  capabilities_json   TEXT NOT NULL DEFAULT '[]',   -- e.g. ["enhance","tag","chat"]
  params_json         TEXT NOT NULL DEFAULT '{}',   -- default sampling params (temperature, maxTokens, …)
  measured_vram_bytes INTEGER,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
);

-- Projected vs actual peak per model (runtime/arbiter/corrections.ts), kept across restarts.
CREATE TABLE model_vram_peaks (
  model            TEXT PRIMARY KEY,
  projected_bytes  INTEGER NOT NULL,
  actual_bytes     INTEGER NOT NULL,
  ratio            REAL NOT NULL,
  samples          INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
) WITHOUT ROWID;
