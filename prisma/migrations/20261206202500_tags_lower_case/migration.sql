-- Tags are one tag whatever their case (src/core/tags.ts): existing ticket and contact tags become
-- trimmed and lower-case, duplicates merged, sorted as the app sorts them.
UPDATE "Ticket"
SET "tags" = ARRAY(SELECT DISTINCT lower(btrim(x)) COLLATE "C" FROM unnest("tags") AS x WHERE btrim(x) <> '' ORDER BY 1)
WHERE EXISTS (SELECT 1 FROM unnest("tags") AS x WHERE x <> lower(btrim(x)));

UPDATE "Contact"
SET "tags" = ARRAY(SELECT DISTINCT lower(btrim(x)) COLLATE "C" FROM unnest("tags") AS x WHERE btrim(x) <> '' ORDER BY 1)
WHERE EXISTS (SELECT 1 FROM unnest("tags") AS x WHERE x <> lower(btrim(x)));
