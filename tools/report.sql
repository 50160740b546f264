--
-- tools/report.sql
--		The main job's report: the ICD-10-CM releases loaded, the encounter
--		diagnoses in mimic_dx, and what icd10_check says of those codes in
--		each release.  Plain psql output for an analyst.
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
