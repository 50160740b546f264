-- bench/bench.sql: answer checks, then the timed pairs, then the table.
-- Run by bench/run after setup.sql, in one session.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- JIT compilation would add a fixed cost of 0.1 to 0.5 s to whichever
-- plans pass jit_above_cost, which is about the planner's estimates and
-- not about icd10 or text; it is off for both sides.
SET jit = off;

CREATE TABLE bench_result (
	ord serial,
	benchmark text NOT NULL,
	ext_ms float8[] NOT NULL,
	plain_ms float8[] NOT NULL,
	ext_answer text,
	plain_answer text,
	answers_stable boolean NOT NULL
);
CREATE TABLE bench_check (
	ord serial,
	check_name text NOT NULL,
	ok boolean NOT NULL,
	detail text
);

-- Set a setting for the plain side only, or reset it (value NULL).
CREATE FUNCTION plain_set(setting text, value text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF setting IS NULL THEN
		RETURN;
	ELSIF value IS NULL THEN
		EXECUTE format('RESET %I', setting);
	ELSE
		PERFORM set_config(setting, value, false);
	END IF;
END $$;

-- bench(name, extension query, plain query, reps, loops): run each query
-- once to warm caches, then reps times, alternating which goes first,
-- each sample timing `loops` back-to-back executions.  Each query returns
-- one value; every execution's value must equal the warm-up's and the
-- two warm-up values must be equal.  Planning is included (EXECUTE plans
-- every time), for both sides alike.  When plain_setting is given, it is
-- set to plain_value around the plain query only.
CREATE FUNCTION bench(name text, ext_sql text, plain_sql text,
					  reps integer DEFAULT 5, loops integer DEFAULT 1,
					  plain_setting text DEFAULT NULL,
					  plain_value text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	ext_answer text;
	plain_answer text;
	v text;
	stable boolean := true;
	ext_ms float8[] := '{}';
	plain_ms float8[] := '{}';
	t0 timestamptz;
	ms float8;
	side integer;
BEGIN
	EXECUTE ext_sql INTO ext_answer;
	PERFORM plain_set(plain_setting, plain_value);
	EXECUTE plain_sql INTO plain_answer;
	PERFORM plain_set(plain_setting, NULL);
	FOR r IN 1..reps LOOP
		FOR k IN 0..1 LOOP
			side := (r + k) % 2;		-- 0: extension, 1: plain SQL
			IF side = 1 THEN
				PERFORM plain_set(plain_setting, plain_value);
			END IF;
			t0 := clock_timestamp();
			FOR i IN 1..loops LOOP
				IF side = 0 THEN
					EXECUTE ext_sql INTO v;
					stable := stable AND v IS NOT DISTINCT FROM ext_answer;
				ELSE
					EXECUTE plain_sql INTO v;
					stable := stable AND v IS NOT DISTINCT FROM plain_answer;
				END IF;
			END LOOP;
			ms := extract(epoch FROM clock_timestamp() - t0) * 1000 / loops;
			IF side = 0 THEN
				ext_ms := ext_ms || ms;
			ELSE
				plain_ms := plain_ms || ms;
				PERFORM plain_set(plain_setting, NULL);
			END IF;
		END LOOP;
	END LOOP;
	INSERT INTO bench_result (benchmark, ext_ms, plain_ms, ext_answer,
							  plain_answer, answers_stable)
		VALUES (name, ext_ms, plain_ms, ext_answer, plain_answer, stable);
END $$;

CREATE FUNCTION check_that(name text, ok boolean, detail text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO bench_check (check_name, ok, detail) VALUES ($1, $2, $3)
$$;

CREATE FUNCTION median(float8[]) RETURNS float8 LANGUAGE sql AS $$
	SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest($1) x
$$;

\o /dev/null

--
-- Answer checks, once, beyond the comparison of every timed answer.
--

-- The text side relies on dotted text sorting like icd10 (C collation).
SELECT check_that('icd10 order = C order of dotted text (all claim codes)',
	bool_and(a = b), count(*) || ' distinct codes')
FROM (SELECT row_number() OVER (ORDER BY dx) AS a,
			 row_number() OVER (ORDER BY dx_text COLLATE "C") AS b
	  FROM (SELECT DISTINCT dx, dx_text FROM claims) d) s;

SELECT check_that('1: same claims billable (by id)', count(*) = 0,
	count(*) || ' claims differ')
FROM ((SELECT id FROM claims WHERE icd10_billable(dx, 'FY2027')
	   EXCEPT SELECT c.id FROM claims c JOIN ref r ON r.code = c.dx_text
			  WHERE r.billable)
	  UNION ALL
	  (SELECT c.id FROM claims c JOIN ref r ON r.code = c.dx_text
	   WHERE r.billable
	   EXCEPT SELECT id FROM claims WHERE icd10_billable(dx, 'FY2027'))) d;

SELECT check_that('2: same claims in ' || f || ' (by id)', count(d.id) = 0,
	count(d.id) || ' claims differ')
FROM unnest(ARRAY['M62', 'M62.83', 'E11', 'S72']) f
LEFT JOIN LATERAL (
	(SELECT id FROM claims WHERE dx <@ f::icd10
	 EXCEPT SELECT id FROM claims WHERE dx_text LIKE f || '%')
	UNION ALL
	(SELECT id FROM claims WHERE dx_text LIKE f || '%'
	 EXCEPT SELECT id FROM claims WHERE dx <@ f::icd10)) d ON true
GROUP BY f ORDER BY f;

SELECT check_that('3: same groups and counts', count(*) = 0,
	count(*) || ' rows differ')
FROM (((SELECT dx::text, count(*) FROM claims GROUP BY dx)
	   EXCEPT ALL (SELECT dx_text, count(*) FROM claims GROUP BY dx_text))
	  UNION ALL
	  ((SELECT dx_text, count(*) FROM claims GROUP BY dx_text)
	   EXCEPT ALL (SELECT dx::text, count(*) FROM claims GROUP BY dx))) d;

SELECT check_that('4: same excludes1 (encounter, position, related) triples',
	count(*) = 0, count(*) || ' triples differ')
FROM ((TABLE ext_excludes1 EXCEPT ALL TABLE plain_excludes1)
	  UNION ALL (TABLE plain_excludes1 EXCEPT ALL TABLE ext_excludes1)) d;

--
-- 1. Validation of 1,000,000 claim codes
--

SET max_parallel_workers_per_gather = 0;
SELECT bench('1. billable count, 1M claims (serial)',
	$q$SELECT count(*) FILTER (WHERE icd10_billable(dx, 'FY2027'))
	   FROM claims$q$,
	$q$SELECT count(*) FROM claims c JOIN ref r ON r.code = c.dx_text
	   WHERE r.billable$q$);
RESET max_parallel_workers_per_gather;
SELECT bench('1. billable count, 1M claims (parallel, default)',
	$q$SELECT count(*) FILTER (WHERE icd10_billable(dx, 'FY2027'))
	   FROM claims$q$,
	$q$SELECT count(*) FROM claims c JOIN ref r ON r.code = c.dx_text
	   WHERE r.billable$q$);

--
-- 3. Grouping (before any index exists on dx or dx_text): hash
-- aggregation, then sort and group aggregation.  Serial, so that the
-- sort is one sort of 1M values.
--

SET max_parallel_workers_per_gather = 0;
SELECT bench('3. GROUP BY code, hash (serial)',
	$q$SELECT count(*) || '/' || sum(n)
	   FROM (SELECT dx, count(*) AS n FROM claims GROUP BY dx) s$q$,
	$q$SELECT count(*) || '/' || sum(n)
	   FROM (SELECT dx_text, count(*) AS n FROM claims GROUP BY dx_text) s$q$);
SET enable_hashagg = off;
SELECT bench('3. GROUP BY code, sort (serial)',
	$q$SELECT count(*) || '/' || sum(n)
	   FROM (SELECT dx, count(*) AS n FROM claims GROUP BY dx) s$q$,
	$q$SELECT count(*) || '/' || sum(n)
	   FROM (SELECT dx_text, count(*) AS n FROM claims GROUP BY dx_text) s$q$);
RESET enable_hashagg;
RESET max_parallel_workers_per_gather;

--
-- 2. Family membership: first without indexes (sequential scans), then
-- with a btree on dx and a text_pattern_ops btree on dx_text.
--

SELECT bench('2. family ' || f || ', no index',
	format('SELECT count(*) FROM claims WHERE dx <@ %L', f),
	format('SELECT count(*) FROM claims WHERE dx_text LIKE %L', f || '%'),
	5, 1)
FROM unnest(ARRAY['M62', 'S72']) f;

CREATE INDEX claims_dx ON claims (dx);
CREATE INDEX claims_dx_text ON claims (dx_text text_pattern_ops);
VACUUM ANALYZE claims;

SELECT bench('2. family ' || f || ', btree',
	format('SELECT count(*) FROM claims WHERE dx <@ %L', f),
	format('SELECT count(*) FROM claims WHERE dx_text LIKE %L', f || '%'),
	5, 200)
FROM unnest(ARRAY['M62', 'M62.83', 'E11', 'S72']) f;

--
-- 4. Sequencing: Excludes1 findings over 100,000 encounters
--

SELECT bench('4. excludes1, 100k encounters',
	$q$SELECT count(*) FROM encounters e,
			icd10_sequence_findings(e.codes, 'FY2027') f
	   WHERE f.rule = 'excludes1'$q$,
	'SELECT count(*) FROM plain_excludes1',
	3, 1);
-- The planner sorts 3 million code prefixes for a merge join where a hash
-- join is about twice as fast; the plain side again, with merge joins off.
SELECT bench('4. excludes1, 100k encounters (plain: mergejoin off)',
	$q$SELECT count(*) FROM encounters e,
			icd10_sequence_findings(e.codes, 'FY2027') f
	   WHERE f.rule = 'excludes1'$q$,
	'SELECT count(*) FROM plain_excludes1',
	3, 1, 'enable_mergejoin', 'off');

\o

--
-- The plans of the indexed family queries, to show what is compared.
--

\echo
\echo 'Plans, family M62 with indexes (extension, then plain SQL):'
EXPLAIN (COSTS OFF) SELECT count(*) FROM claims WHERE dx <@ 'M62';
EXPLAIN (COSTS OFF) SELECT count(*) FROM claims WHERE dx_text LIKE 'M62%';

--
-- The table: medians, and the ratio plain / extension (above 1: the
-- extension is faster).
--

\pset footer off
\echo 'Answer checks (once, outside the timings):'
SELECT check_name AS "check", CASE WHEN ok THEN 'ok' ELSE 'MISMATCH' END
	AS result, detail
FROM bench_check ORDER BY ord;

\echo 'Medians in ms per query; ratio = plain SQL / extension (above 1: the extension is faster).'
\echo '[n] = timed repetitions per side, after one warm-up run each.'
SELECT benchmark,
	to_char(median(ext_ms), 'FM999990.000') AS "extension ms",
	to_char(median(plain_ms), 'FM999990.000') AS "plain SQL ms",
	to_char(median(plain_ms) / median(ext_ms), 'FM9990.00') AS ratio,
	CASE WHEN ext_answer IS DISTINCT FROM plain_answer OR NOT answers_stable
		THEN 'MISMATCH: ' || coalesce(ext_answer, 'NULL') || ' vs '
			|| coalesce(plain_answer, 'NULL')
		ELSE ext_answer || ' [' || cardinality(ext_ms) || ']' END
		AS "answer (both)"
FROM bench_result ORDER BY left(benchmark, 2), ord;
