--
-- tools/report.sql
--		The main job's report: the ICD-10-CM releases loaded, the encounter
--		diagnoses in mimic_dx, what icd10_check says of those codes in
--		each release, and what the sequencing checks say of each admission
--		in FY2027.  Plain psql output for an analyst.
--
-- Run by tools/main-job after it has loaded the releases and filled
-- mimic_dx(subject_id, hadm_id, seq_num, icd_code, icd_version); the codes
-- are undotted text as MIMIC-IV stores them.
--

\pset null '-'
\pset footer off
SET DateStyle = ISO;

-- Every ICD-10 row checked against every loaded release, once.
CREATE TEMP TABLE dx_check AS
SELECT r.name AS release, r.effective_from, d.hadm_id, d.icd_code,
	c.status, c.message
FROM mimic_dx d
	CROSS JOIN icd10_release r
	CROSS JOIN LATERAL icd10_check(d.icd_code, r.name) c
WHERE d.icd_version = 10;

-- The order in which statuses are listed: billable first, then faults.
CREATE TEMP TABLE status_order (status text PRIMARY KEY, pos int);
INSERT INTO status_order VALUES
	('billable', 1), ('header', 2), ('needs_7th', 3), ('bad_7th', 4),
	('needs_placeholder', 5), ('extends_billable', 6), ('other_release', 7),
	('unknown', 8), ('syntax', 9), ('no_release', 10);

\echo
\echo '=== 1. Releases loaded ==='
\echo

-- Each release: when it is in force, whether it is complete, its size.
SELECT r.name AS release, r.effective_from, r.effective_to, r.complete,
	count(c.code) AS codes,
	count(*) FILTER (WHERE c.billable) AS billable,
	count(*) FILTER (WHERE NOT c.billable) AS headers,
	r.source
FROM icd10_release r
	LEFT JOIN icd10_code c ON c.release = r.name
GROUP BY r.name
ORDER BY r.effective_from, r.name;

-- Which releases are incomplete (the embedded default set), if any.
SELECT coalesce(bool_or(NOT complete), false) AS any_incomplete,
	string_agg(name, ', ' ORDER BY effective_from, name)
		FILTER (WHERE NOT complete) AS incomplete_names,
	count(*) > 1 AS several_releases
FROM icd10_release
\gset
\if :any_incomplete
\echo 'WARNING:' :incomplete_names 'is incomplete (the embedded default set):'
\echo '         codes outside its muscle-spasm domain show as unknown.'
\echo
\endif

\echo
\echo '=== 2. Input: encounter diagnoses (mimic_dx) ==='
\echo

-- The size of the input, and how much of it is ICD-10-CM.
SELECT count(*) AS rows,
	count(*) FILTER (WHERE icd_version = 10) AS icd10_rows,
	count(*) FILTER (WHERE icd_version = 9) AS icd9_rows,
	count(DISTINCT icd_code) FILTER (WHERE icd_version = 10)
		AS icd10_codes,
	count(DISTINCT hadm_id) FILTER (WHERE icd_version = 10)
		AS icd10_admissions,
	count(DISTINCT subject_id) FILTER (WHERE icd_version = 10)
		AS icd10_patients
FROM mimic_dx;

\echo
\echo '=== 3. icd10_check per release: rows and distinct codes by status ==='
\echo

-- For each release, how many ICD-10 rows and distinct codes fall in each
-- status, and the share of rows.
SELECT k.release, k.status, count(*) AS rows,
	count(DISTINCT k.icd_code) AS codes,
	round(100.0 * count(*) /
		  sum(count(*)) OVER (PARTITION BY k.release), 1) AS pct_rows
FROM dx_check k
	LEFT JOIN status_order o ON o.status = k.status
GROUP BY k.release, k.effective_from, k.status, o.pos
ORDER BY k.effective_from, k.release, o.pos;

\echo
\echo '=== 4. icd10_check per release: the 10 most common problem codes ==='
\echo '    (status other than billable; ties broken by code)'
\echo

-- For each release, the ten non-billable codes with the most rows, with
-- the status and the message icd10_check gives, wrapped at spaces.
SELECT release, rank AS "#", icd_code AS code, status, rows,
	rtrim(regexp_replace(message, '(.{1,72})( +|$)', E'\\1\n', 'g'),
		  E'\n') AS message
FROM (SELECT release, effective_from, icd_code, status, message,
		count(*) AS rows,
		row_number() OVER (PARTITION BY release
						   ORDER BY count(*) DESC, icd_code) AS rank
	  FROM dx_check
	  WHERE status <> 'billable'
	  GROUP BY release, effective_from, icd_code, status, message) p
WHERE rank <= 10
ORDER BY effective_from, release, rank;

\echo
\echo '=== 5. Across releases ==='
\echo
\echo 'Distinct codes per status (one column per release):'

-- Distinct codes per status, releases side by side.
SELECT k.status, k.release, count(DISTINCT k.icd_code) AS codes,
	min(o.pos) AS pos,
	dense_rank() OVER (ORDER BY k.effective_from, k.release) AS release_pos
FROM dx_check k
	LEFT JOIN status_order o ON o.status = k.status
GROUP BY k.status, k.release, k.effective_from
ORDER BY pos, k.status
\crosstabview status release codes release_pos

\echo 'Admissions with at least one non-billable ICD-10 code:'

-- Admissions that a claim check would stop, per release.
SELECT release,
	count(DISTINCT hadm_id) FILTER (WHERE status <> 'billable')
		AS admissions_with_problem,
	count(DISTINCT hadm_id) AS admissions,
	round(100.0 * count(DISTINCT hadm_id) FILTER (WHERE status <> 'billable')
		  / count(DISTINCT hadm_id), 1) AS pct
FROM dx_check
GROUP BY release, effective_from
ORDER BY effective_from, release;

-- How many codes get a different verdict in some release.
SELECT count(*) AS changed_codes,
	count(*) > 0 AS any_changed
FROM (SELECT icd_code FROM dx_check
	  GROUP BY icd_code
	  HAVING count(DISTINCT status) > 1) c
\gset

\if :several_releases
\echo 'Codes whose status differs between releases:' :changed_codes
\if :any_changed

-- Each code whose verdict is not the same in every release, with its
-- status in each.
SELECT k.icd_code AS code, k.release, min(k.status) AS status,
	dense_rank() OVER (ORDER BY k.effective_from, k.release) AS release_pos
FROM dx_check k
WHERE k.icd_code IN (SELECT icd_code FROM dx_check
					 GROUP BY icd_code
					 HAVING count(DISTINCT status) > 1)
GROUP BY k.icd_code, k.release, k.effective_from
ORDER BY k.icd_code
\crosstabview code release status release_pos
\endif
\else
\echo 'Only one release is loaded: no comparison between releases.'
\endif

\echo
\echo '=== 6. Sequencing (MIMIC-IV demo admissions) ==='
\echo
\echo 'Each admission (hadm_id) is one encounter: its ICD-10 codes in'
\echo 'seq_num order, the first as the principal diagnosis, checked with'
\echo 'icd10_sequence_findings(codes, ''FY2027'', ''inpatient'').'
\echo 'No age or sex is passed (the file has none), so age_conflict and'
\echo 'sex_conflict never fire.'
\echo

-- What FY2027 holds for the checks: whether its code set is complete,
-- which Tabular List gives its notes, and how many edit attributes it has
-- (derived from the tabular, or loaded from a file).
SELECT r.complete AS fy2027_complete,
	t.release IS NOT NULL AS has_notes,
	format('NOTE: FY2027''s notes come from "%s" (Tabular List %s).',
		   t.source, t.version) AS notes_line,
	(SELECT count(*) FROM icd10_code_edit e
	 WHERE e.release = r.name AND e.source <> 'tabular') AS loaded_edits
FROM icd10_release r
	LEFT JOIN icd10_tabular t ON t.release = r.name
WHERE r.name = 'FY2027'
\gset
\if :fy2027_complete
\else
\echo 'WARNING: FY2027 is the incomplete embedded default set: most codes are'
\echo '         not in it, so most findings below are invalid_code, and the'
\echo '         other rules see only the codes it has.'
\endif
\if :has_notes
\echo :notes_line
\echo '      The FY2027 Tabular List XML is not available yet, so findings of'
\echo '      excludes1, code_first_*, use_additional_missing and'
\echo '      manifestation_first reflect the notes of that year, not FY2027.'
\else
\echo 'NOTE: no Tabular List is loaded for FY2027: excludes1, code_first_*,'
\echo '      use_additional_missing and manifestation_first are off.'
\endif
SELECT :loaded_edits = 0 AS no_loaded_edits
\gset
\if :no_loaded_edits
\echo 'NOTE: no edit attribute file is loaded: unacceptable_principal never'
\echo '      fires, and manifestation_first knows only the manifestations'
\echo '      derived from the Tabular List.'
\endif
\echo

-- Each admission's ordered list of ICD-10 codes, kept for the counts and
-- the examples below.
CREATE TEMP TABLE seq_enc AS
SELECT hadm_id, array_agg(icd_code::icd10 ORDER BY seq_num) AS codes
FROM mimic_dx
WHERE icd_version = 10
GROUP BY 1;

-- The sequencing pass, timed: every finding of every admission, once, in
-- the query shape of the issue.
SELECT clock_timestamp() AS seq_started
\gset
CREATE TEMP TABLE seq_findings AS
SELECT hadm_id, f.*
FROM (SELECT hadm_id, array_agg(icd_code::icd10 ORDER BY seq_num) AS codes
	  FROM mimic_dx
	  WHERE icd_version = 10
	  GROUP BY 1) e,
	icd10_sequence_findings(e.codes, 'FY2027', 'inpatient') f;
SELECT round(1000 * extract(epoch FROM
	clock_timestamp() - :'seq_started'::timestamptz), 1) AS seq_ms
\gset

-- The size of the pass and its time, and the admissions with no error
-- (icd10_sequence_ok), against those with no error finding in the pass.
SELECT count(*) AS admissions,
	sum(cardinality(e.codes)) AS codes_checked,
	(SELECT count(*) FROM seq_findings) AS findings,
	count(*) FILTER (WHERE icd10_sequence_ok(e.codes, 'FY2027', 'inpatient'))
		AS admissions_ok,
	count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM seq_findings f
									   WHERE f.hadm_id = e.hadm_id
										 AND f.severity = 'error'))
		AS without_error_finding,
	:seq_ms AS findings_pass_ms
FROM seq_enc e;

\echo 'Findings by rule and severity:'

-- How often each rule fires, and in how many admissions.
SELECT rule, severity, count(*) AS findings,
	count(DISTINCT hadm_id) AS admissions
FROM seq_findings
GROUP BY rule, severity
ORDER BY count(*) DESC, rule;

\echo 'Five example admissions: for each of the most common rules of'
\echo 'severity error or warning (up to five), the lowest hadm_id with that'
\echo 'rule not already shown; then, if fewer than five rules fired, the'
\echo 'admissions with the most findings.'

-- The examples, picked one rule at a time so that no admission is shown
-- twice.
CREATE TEMP TABLE seq_example AS
WITH RECURSIVE top_rule AS (
	SELECT rule, row_number() OVER (ORDER BY count(*) DESC, rule) AS n
	FROM seq_findings
	WHERE severity IN ('error', 'warning')
	GROUP BY rule
	ORDER BY n
	LIMIT 5
), pick (n, rule, hadm_id, shown) AS (
	SELECT 0::bigint, NULL::text, NULL::int, '{}'::int[]
	UNION ALL
	SELECT t.n, t.rule, h.hadm_id,
		CASE WHEN h.hadm_id IS NULL THEN p.shown
			 ELSE p.shown || h.hadm_id END
	FROM pick p
		JOIN top_rule t ON t.n = p.n + 1
		CROSS JOIN LATERAL (SELECT min(f.hadm_id) AS hadm_id
							FROM seq_findings f
							WHERE f.rule = t.rule
							  AND f.hadm_id <> ALL (p.shown)) h
), picked AS (
	SELECT n AS example, rule, hadm_id FROM pick
	WHERE hadm_id IS NOT NULL
), busiest AS (
	SELECT hadm_id,
		row_number() OVER (ORDER BY count(*) FILTER (WHERE severity IN
			('error', 'warning')) DESC, count(*) DESC, hadm_id) AS n
	FROM seq_findings
	WHERE hadm_id NOT IN (SELECT hadm_id FROM picked)
	GROUP BY hadm_id
)
SELECT example, rule, hadm_id FROM picked
UNION ALL
SELECT (SELECT count(*) FROM picked) + n, 'most findings', hadm_id
FROM busiest
WHERE n <= 5 - (SELECT count(*) FROM picked);

-- Each example with its codes, numbered by position and wrapped.
SELECT x.example AS "#", x.hadm_id, x.rule AS picked_for,
	cardinality(e.codes) AS n,
	rtrim(regexp_replace(
		(SELECT string_agg(c.i || ' ' || c.code::text, ', ' ORDER BY c.i)
		 FROM unnest(e.codes) WITH ORDINALITY AS c(code, i)),
		'(.{1,52})(, |$)', E'\\1\n', 'g'), E'\n') AS codes
FROM seq_example x
	JOIN seq_enc e USING (hadm_id)
ORDER BY x.example;

-- Every finding of the examples, with the message wrapped at spaces.
SELECT x.example AS "#", f.hadm_id, f.position AS pos, f.code, f.rule,
	f.severity, f.related_position AS rel_pos, f.related_code AS rel_code,
	rtrim(regexp_replace(f.message, '(.{1,60})( +|$)', E'\\1\n', 'g'),
		  E'\n') AS message
FROM seq_example x
	JOIN seq_findings f USING (hadm_id)
ORDER BY x.example, f.position, f.rule, f.related_position;
