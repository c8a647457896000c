-- 0130: text search inside a tag (gallery.ts smallTagCandidates). Text results are ordered by id
-- (the FTS rowid); a tag's rows by id let a search within a less common tag read that tag's
-- images newest first and check their text, instead of walking the text's whole doclist and
-- testing the tag on each row (1 M rows, a 0.25 % tag and a common word: 19–26 ms p50).
CREATE INDEX gallery_tag_by_id ON gallery_tag_index(tag_id, generation_id);
