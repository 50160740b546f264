-- bench/setup.sql: the benchmark data, built from the loaded FY2027
-- release and its notes, with a fixed seed so that every run is alike.
-- The plain-SQL side gets text-keyed copies of what it needs; nothing on
-- that side calls an icdspasm function or operator when timed.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- The codes claims are drawn from: every FY2027 code (billable and
-- headers), numbered, and invented codes that look right but are in no
-- release: a billable code with its last character changed to 9 when the
-- result is unknown (M62.830 gives M62.839).
CREATE TABLE pool AS
	SELECT row_number() OVER (ORDER BY code) AS n, code
	FROM icd10_code WHERE release = 'FY2027';
CREATE TABLE invented AS
	SELECT row_number() OVER (ORDER BY code) AS n, code
	FROM (SELECT DISTINCT (left(c.code::text, -1) || '9')::icd10 AS code
		  FROM icd10_code c
		  WHERE c.release = 'FY2027' AND c.billable
			AND length(c.code::text) >= 5) s
	WHERE NOT EXISTS (SELECT FROM icd10_code k
					  WHERE k.release = 'FY2027' AND k.code = s.code);
ALTER TABLE pool ADD PRIMARY KEY (n);
ALTER TABLE invented ADD PRIMARY KEY (n);

-- 1,000,000 claim codes, about 5% invented.  dx_text is the canonical
-- (dotted, upper-case) text of dx, as a text-only system would store it.
SELECT setseed(0.2027);
CREATE TABLE draws AS
	SELECT g AS id, random() AS r, random() AS s
	FROM generate_series(1, 1000000) g;
CREATE TABLE claims (id integer PRIMARY KEY, dx icd10 NOT NULL,
					 dx_text text NOT NULL);
INSERT INTO claims (id, dx, dx_text)
	SELECT d.id, coalesce(i.code, p.code), coalesce(i.code, p.code)::text
	FROM draws d
	LEFT JOIN invented i ON d.r < 0.05
		AND i.n = 1 + floor(d.s * (SELECT count(*) FROM invented))::bigint
	LEFT JOIN pool p ON d.r >= 0.05
		AND p.n = 1 + floor(d.s * (SELECT count(*) FROM pool))::bigint;
DROP TABLE draws;

-- The plain-SQL reference: the same codes, keyed by their text.
CREATE TABLE ref (code text PRIMARY KEY, billable boolean NOT NULL);
INSERT INTO ref SELECT code::text, billable
	FROM icd10_code WHERE release = 'FY2027';

-- 100,000 encounters of 2 to 12 billable codes.  Half the codes of an
-- encounter are drawn near a random anchor in code order (related
-- conditions, as real lists have), half from anywhere.
CREATE TABLE bill AS
	SELECT row_number() OVER (ORDER BY code) AS n, code
	FROM icd10_code WHERE release = 'FY2027' AND billable;
ALTER TABLE bill ADD PRIMARY KEY (n);
SELECT setseed(0.1027);
CREATE TABLE enc_len AS
	SELECT id, random() AS anchor, 2 + floor(random() * 11)::int AS len
	FROM generate_series(1, 100000) id;
CREATE TABLE enc_draws AS
	SELECT e.id, k.pos, e.anchor, random() AS near, random() AS r
	FROM enc_len e CROSS JOIN LATERAL generate_series(1, e.len) AS k(pos)
	ORDER BY e.id, k.pos;
CREATE TABLE encounters AS
	SELECT d.id, array_agg(b.code ORDER BY d.pos) AS codes
	FROM enc_draws d,
		LATERAL (SELECT count(*) AS total FROM bill) t,
		LATERAL (SELECT CASE WHEN d.near < 0.5
					 THEN least(greatest(1 + floor(d.anchor * t.total)::bigint
										 + floor((d.r - 0.5) * 400)::bigint, 1),
								t.total)
					 ELSE 1 + floor(d.r * t.total)::bigint END AS n) x
	JOIN bill b ON b.n = x.n
	GROUP BY d.id;
ALTER TABLE encounters ADD PRIMARY KEY (id);
DROP TABLE enc_len, enc_draws;

-- The plain-SQL side of the sequencing benchmark: the encounters as text
-- arrays, and text copies of the loaded notes, their parsed references
-- and the scope (section, chapter) of each category, as a system without
-- the extension would keep them.
CREATE TABLE enc_text AS SELECT id, codes::text[] AS codes FROM encounters;
ALTER TABLE enc_text ADD PRIMARY KEY (id);
CREATE TABLE note_t AS
	SELECT note_id, node, node_kind, code::text AS code, kind
	FROM icd10_note WHERE release = 'FY2027';
ALTER TABLE note_t ADD PRIMARY KEY (note_id);
CREATE TABLE ref_t AS
	SELECT note_id, ref_no, first_code::text AS first_code,
		last_code::text AS last_code
	FROM icd10_note_ref WHERE release = 'FY2027';
ALTER TABLE ref_t ADD PRIMARY KEY (note_id, ref_no);
CREATE TABLE scope_t AS
	SELECT category::text AS category, section, chapter
	FROM icd10_scope WHERE release = 'FY2027';
ALTER TABLE scope_t ADD PRIMARY KEY (category);

-- Excludes1 findings as distinct (encounter, position, related position).
-- The extension: every finding of rule excludes1.
CREATE VIEW ext_excludes1 AS
	SELECT e.id, f.position AS pos, f.related_position AS related
	FROM encounters e, icd10_sequence_findings(e.codes, 'FY2027') f
	WHERE f.rule = 'excludes1';

-- Plain SQL: position a's code, or an ancestor of it (a prefix: lengths
-- 3, 5, 6, 7 and 8 of the dotted text), or its category's section or
-- chapter carries an Excludes1 note with a reference first..last that
-- covers the code at another position b, which is not the same code.
-- This is the rule of the extension's check_excludes1, section and
-- chapter notes included.  Dotted text sorts like icd10 in the C
-- collation (bench.sql checks it on the data).  The notes that apply to
-- each listed code are found first (hits), then the encounter's other
-- codes are tested against their references; of the formulations tried,
-- this one was the fastest (see README.md).
CREATE VIEW plain_excludes1 AS
	WITH rules AS (
		SELECT n.code AS key, r.first_code, r.last_code
		FROM note_t n JOIN ref_t r USING (note_id)
		WHERE n.kind = 'excludes1' AND n.node_kind = 'code'
		UNION ALL
		SELECT s.category, r.first_code, r.last_code
		FROM note_t n JOIN ref_t r USING (note_id)
		JOIN scope_t s
		  ON (n.node_kind = 'section' AND n.node = s.section)
		  OR (n.node_kind = 'chapter' AND n.node = 'chapter ' || s.chapter)
		WHERE n.kind = 'excludes1'
	), hits AS MATERIALIZED (
		SELECT e.id, a.pos, a.code, x.first_code, x.last_code
		FROM enc_text e
		CROSS JOIN LATERAL unnest(e.codes) WITH ORDINALITY AS a(code, pos)
		JOIN (VALUES (3), (5), (6), (7), (8)) AS l(len)
		  ON l.len <= length(a.code)
		JOIN rules x ON x.key = left(a.code, l.len)
	)
	SELECT DISTINCT h.id, h.pos::integer AS pos, b.pos::integer AS related
	FROM hits h
	JOIN enc_text e ON e.id = h.id
	CROSS JOIN LATERAL unnest(e.codes) WITH ORDINALITY AS b(code, pos)
	WHERE b.pos <> h.pos AND b.code <> h.code
	  AND b.code COLLATE "C" BETWEEN h.first_code AND h.last_code;

VACUUM ANALYZE;
