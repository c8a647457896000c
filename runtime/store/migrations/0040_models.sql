-- Per-model consent to load a pickle-based file (.ckpt/.pth/.pt/.bin), which can run code when
-- unpickled. Set by POST /api/models/:id/allow-unsafe; cleared when the file changes (see
-- runtime/store/models.ts upsert).
ALTER TABLE models ADD COLUMN allow_unsafe INTEGER NOT NULL DEFAULT 0;
