-- V-17 is per stage (学段): a scorecard's CVs now name the stage they are across
-- (`IndicatorCv.stage`), seven per stage its group's schools span. A body stored before
-- holds seven CVs judged on the line of its lead school's stage, so each is labelled with
-- that stage as it was judged: primary, senior, or junior for every other stage. A CV that
-- could not be computed was shown as within its line; missing data is no pass, so its
-- `group_within` / `county_within` become null. The values are left as they were computed
-- (a stored scorecard is the record of its round). Runs with search_path = evaluation.
UPDATE scorecards
SET body = jsonb_set(
    body::jsonb,
    '{balance,cv}',
    (SELECT coalesce(jsonb_agg(
                cv || jsonb_build_object(
                    'stage', CASE body->'balance'->>'stage'
                                 WHEN 'primary' THEN 'primary'
                                 WHEN 'senior' THEN 'senior'
                                 ELSE 'junior'
                             END,
                    'group_within', CASE WHEN jsonb_typeof(cv->'group_cv') = 'number'
                                         THEN cv->'group_within' ELSE 'null'::jsonb END,
                    'county_within', CASE WHEN jsonb_typeof(cv->'county_cv') = 'number'
                                          THEN cv->'county_within' ELSE 'null'::jsonb END)
                ORDER BY n), '[]'::jsonb)
     FROM jsonb_array_elements(body::jsonb->'balance'->'cv') WITH ORDINALITY AS c(cv, n))
)::json
WHERE jsonb_typeof(body::jsonb->'balance'->'cv') = 'array'
  AND NOT coalesce(body::jsonb->'balance'->'cv'->0 ? 'stage', true);
