-- 0071: the default tag aliases become data (issue 17 §6). Until now runtime/store/tags.ts seeded
-- them from a hard-coded list at every start; users can now rename, merge and delete tags, so the
-- list is loaded once here and afterwards belongs to the user. Idempotent on a database the old
-- code already seeded (names are normalized: runtime/llm/tags.ts normalizeTagName).
INSERT INTO tags (name, normalized_name, category) VALUES
  ('bicycle', 'bicycle', NULL),
  ('black and white', 'black and white', NULL),
  ('car', 'car', NULL),
  ('cat', 'cat', NULL),
  ('child', 'child', NULL),
  ('dog', 'dog', NULL),
  ('night', 'night', NULL),
  ('photorealism', 'photorealism', NULL),
  ('sea', 'sea', NULL),
  ('twilight', 'twilight', NULL)
  ON CONFLICT(normalized_name) DO NOTHING;

INSERT INTO tag_aliases (alias, tag_id)
  SELECT a.alias, t.id FROM (
    SELECT 'feline' AS alias, 'cat' AS target
    UNION ALL SELECT 'kitty' AS alias, 'cat' AS target
    UNION ALL SELECT 'kitten' AS alias, 'cat' AS target
    UNION ALL SELECT 'puppy' AS alias, 'dog' AS target
    UNION ALL SELECT 'doggy' AS alias, 'dog' AS target
    UNION ALL SELECT 'canine' AS alias, 'dog' AS target
    UNION ALL SELECT 'pup' AS alias, 'dog' AS target
    UNION ALL SELECT 'automobile' AS alias, 'car' AS target
    UNION ALL SELECT 'bike' AS alias, 'bicycle' AS target
    UNION ALL SELECT 'ocean' AS alias, 'sea' AS target
    UNION ALL SELECT 'monochrome' AS alias, 'black and white' AS target
    UNION ALL SELECT 'photorealistic' AS alias, 'photorealism' AS target
    UNION ALL SELECT 'dusk' AS alias, 'twilight' AS target
    UNION ALL SELECT 'nighttime' AS alias, 'night' AS target
    UNION ALL SELECT 'kid' AS alias, 'child' AS target
    UNION ALL SELECT 'motor car' AS alias, 'car' AS target
    UNION ALL SELECT 'b w' AS alias, 'black and white' AS target
    UNION ALL SELECT 'photo realistic' AS alias, 'photorealism' AS target
    UNION ALL SELECT 'night time' AS alias, 'night' AS target
  ) a JOIN tags t ON t.normalized_name = a.target
  WHERE true ON CONFLICT(alias) DO NOTHING;
