-- Back to one stage-less list whose missing CVs read as within their line.
UPDATE scorecards
SET body = jsonb_set(
    body::jsonb,
    '{balance,cv}',
    (SELECT coalesce(jsonb_agg(
                (cv - 'stage') || jsonb_build_object(
                    'group_within', CASE WHEN jsonb_typeof(cv->'group_within') = 'boolean'
                                         THEN cv->'group_within' ELSE 'true'::jsonb END,
                    'county_within', CASE WHEN jsonb_typeof(cv->'county_within') = 'boolean'
                                          THEN cv->'county_within' ELSE 'true'::jsonb END)
                ORDER BY n), '[]'::jsonb)
     FROM jsonb_array_elements(body::jsonb->'balance'->'cv') WITH ORDINALITY AS c(cv, n))
)::json
WHERE jsonb_typeof(body::jsonb->'balance'->'cv') = 'array';
