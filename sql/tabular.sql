--
-- The Tabular List: code references in note text, the XML loader, the
-- 7th characters it drives in icd10_check, the derived manifestation
-- flags, and the edit attribute loader.
--
-- Only the FY2021 Tabular XML is available (a stand-in, see SOURCES.md),
-- so it is loaded for FY2027 here; every message names the tabular's
-- version, so its notes are never presented as current.
--

\getenv icd10cm ICDSPASM_ICD10CM
SET DateStyle = ISO;

-- Code references: codes, families, ranges, and text without a code.
SELECT n.note, r.*
FROM unnest(ARRAY[
	'cramp and spasm (R25.2)',
	'myalgia (M79.1-)',
	'myopathy in diseases classified elsewhere (G73.-)',
	'diabetes mellitus (E08-E13)',
	'hypothyroidism, acquired (E00-E03.-)',
	'trypanosomiasis (B56.-, B57.-)',
	'traumatic separation of muscle- see strain of muscle by body region',
	'dementia in alcohol and psychoactive substance disorders (F10-F19, with .17, .27, .97)',
	'underdosing during care (Y63.6, Y63.8-Y63.9)',
	'nephropathy (N14.0-N14.2)',
	'neoplasm (C00-D49)',
	'unbalanced (M62.830',
	'not a code (hello, 12, X)'
]) WITH ORDINALITY AS n(note, i)
LEFT JOIN LATERAL icd10_note_refs(n.note) r ON true
ORDER BY n.i, r.first_code;

-- The families a reference covers, as icd10 ranges SQL can join on.
SELECT c.code, r.reference
FROM (VALUES ('M79.1'::icd10), ('M79.10'), ('M79.2'), ('E08.9'), ('E13.9'),
	('E14'), ('C7A.0'), ('D49.9'), ('D50.0')) AS c(code),
	LATERAL (SELECT * FROM icd10_note_refs('(M79.1-, E08-E13, C00-D49)')) r
WHERE c.code BETWEEN r.first_code AND r.last_code
ORDER BY c.code;

-- Loading the FY2021 XML for FY2027, twice: the same counts both times.
SELECT * FROM icd10_load_tabular('FY2027',
	:'icd10cm' || '/icd10cm_tabular_2021.xml.gz', 'FY2021 stand-in');
SELECT * FROM icd10_load_tabular('FY2027',
	:'icd10cm' || '/icd10cm_tabular_2021.xml.gz', 'FY2021 stand-in');
SELECT release, version, source FROM icd10_tabular;

-- Notes per kind, and the nodes that carry them.  507 nodes define 7th
-- characters, as SOURCES.md counts sevenChrDef elements.
SELECT kind, count(DISTINCT node) AS nodes, count(*) AS notes
FROM icd10_note GROUP BY kind ORDER BY kind;
SELECT count(DISTINCT code) AS nodes_with_7th FROM icd10_seventh;

-- Notes apply to everything under their node: M62.830 inherits M62's.
SELECT * FROM icd10_notes('M62.830') WHERE kind = 'excludes1';
SELECT r.ref_text, r.ref_kind, r.first_code, r.last_code
FROM icd10_note n JOIN icd10_note_ref r USING (release, note_id)
WHERE n.code = 'M62' AND n.kind = 'excludes1' ORDER BY r.first_code;
-- Section and chapter notes are kept on their node.
SELECT node_kind, count(*) FROM icd10_note GROUP BY 1 ORDER BY 1;
SELECT category, section, chapter FROM icd10_scope
WHERE category IN ('M62', 'S39', 'M1A', 'T50') ORDER BY category;

-- 7th characters from the tabular drive needs_7th and bad_7th.
SELECT code, character, meaning FROM icd10_seventh
WHERE code IN ('S39', 'T50') ORDER BY code, character;
SELECT code, status, message FROM icd10_check('S39.012', 'FY2027');
SELECT code, status, message FROM icd10_check('S39.012B', 'FY2027');
SELECT code, status, message FROM icd10_check('T50.1X5Q', 'FY2027');
-- A release without a tabular still answers from its codes.
SELECT code, status, message FROM icd10_check('S39.012B', 'FY2026');

-- Loader errors: each leaves the loaded notes alone.
SELECT current_setting('data_directory') || '/icdspasm_not.xml' AS notxml
\gset
COPY (SELECT '<other><chapter/></other>') TO :'notxml';
SELECT * FROM icd10_load_tabular('FY2027', 'icdspasm_not.xml');
COPY (SELECT 'this is not XML <') TO :'notxml';
SELECT * FROM icd10_load_tabular('FY2027', 'icdspasm_not.xml');
SELECT * FROM icd10_load_tabular('FY2027', 'no_such_file.xml');
COPY (SELECT '<ICD10CM.tabular><chapter><name>1</name><section id="A00-A09">'
	|| '<diag><name>A00</name><desc>x</desc><sevenChrDef>'
	|| '<extension char="AB">two characters</extension></sevenChrDef></diag>'
	|| '</section></chapter></ICD10CM.tabular>') TO :'notxml';
SELECT * FROM icd10_load_tabular('FY2027', 'icdspasm_not.xml');
COPY (SELECT '<ICD10CM.tabular><chapter><name>one</name></chapter>'
	|| '</ICD10CM.tabular>') TO :'notxml';
SELECT * FROM icd10_load_tabular('FY2027', 'icdspasm_not.xml');
-- Deep nesting is refused before the stack runs out.
COPY (SELECT '<ICD10CM.tabular><chapter><name>1</name><section id="A00-A09">'
	|| repeat('<diag><name>A00</name>', 60000) || repeat('</diag>', 60000)
	|| '</section></chapter></ICD10CM.tabular>') TO :'notxml';
\set VERBOSITY terse
SELECT * FROM icd10_load_tabular('FY2027', 'icdspasm_not.xml');
\set VERBOSITY default
SELECT * FROM icd10_load_tabular('FY1999', 'icdspasm_not.xml');
CREATE ROLE icdspasm_reader;
SET ROLE icdspasm_reader;
SELECT * FROM icd10_load_tabular('FY2027', 'icdspasm_not.xml');
SELECT * FROM icd10_load_edits('FY2027', 'icdspasm_not.xml');
RESET ROLE;
DROP ROLE icdspasm_reader;
SELECT count(*) AS notes FROM icd10_note WHERE release = 'FY2027';

-- Derived manifestation flags against the third-party MCE v43 list
-- (not official).  Load that list as edit attributes, then compare on the
-- codes billable in FY2027.  The agreement rate is printed; the README
-- states it.
SELECT icd10_load_edits('FY2027',
	:'icd10cm' || '/mce_v43_fy2026_dx_edits.tsv.gz', 'MCE v43 (third party)');
SELECT edit, count(*) FROM icd10_code_edit WHERE release = 'FY2027'
GROUP BY edit ORDER BY edit;

WITH derived AS (
	SELECT DISTINCT c.code
	FROM icd10_code_edit e
	JOIN icd10_code c ON c.release = 'FY2027' AND c.billable
		AND c.code <@ e.code
	WHERE e.release = 'FY2027' AND e.edit = 'manifestation'
), listed AS (
	SELECT e.code FROM icd10_code_edit e
	JOIN icd10_code c ON c.release = 'FY2027' AND c.billable
		AND c.code = e.code
	WHERE e.release = 'FY2027' AND e.edit = 'manifestation_not_pdx'
), flags AS (
	SELECT c.code, d.code IS NOT NULL AS derived, l.code IS NOT NULL AS listed
	FROM icd10_code c
	LEFT JOIN derived d ON d.code = c.code
	LEFT JOIN listed l ON l.code = c.code
	WHERE c.release = 'FY2027' AND c.billable
)
SELECT count(*) AS codes,
	count(*) FILTER (WHERE derived AND listed) AS both,
	count(*) FILTER (WHERE derived AND NOT listed) AS derived_only,
	count(*) FILTER (WHERE listed AND NOT derived) AS listed_only,
	round(100.0 * count(*) FILTER (WHERE derived = listed) / count(*), 2)
		AS agreement_pct,
	round(100.0 * count(*) FILTER (WHERE derived AND listed) /
		  nullif(count(*) FILTER (WHERE derived), 0), 1) AS precision_pct,
	round(100.0 * count(*) FILTER (WHERE derived AND listed) /
		  nullif(count(*) FILTER (WHERE listed), 0), 1) AS recall_pct
FROM flags;

-- The index serves family joins too: each family is one range scan.
EXPLAIN (COSTS OFF)
SELECT c.code FROM icd10_code_edit e
JOIN icd10_code c ON c.release = 'FY2027' AND c.code <@ e.code
WHERE e.release = 'FY2027' AND e.edit = 'manifestation';

-- Rows users add under another source survive a reload of the file.
INSERT INTO icd10_code_edit (release, code, edit, source)
VALUES ('FY2027', 'N40.0', 'sex_male', 'local rules');

-- Loading the edit file again gives the same rows.
SELECT icd10_load_edits('FY2027',
	:'icd10cm' || '/mce_v43_fy2026_dx_edits.tsv.gz', 'MCE v43 (third party)');

-- A malformed edit file stops with its line number; an empty or cut-off
-- one stops too.
COPY (SELECT '' WHERE false) TO :'notxml';
SELECT icd10_load_edits('FY2027', 'icdspasm_not.xml');
COPY (SELECT 'edit	code' UNION ALL SELECT 'bogus_edit	M62830') TO :'notxml'
	WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');
SELECT icd10_load_edits('FY2027', 'icdspasm_not.xml');
COPY (SELECT 'edit	code' UNION ALL SELECT 'age_adult	M62$	15	124') TO :'notxml'
	WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');
SELECT icd10_load_edits('FY2027', 'icdspasm_not.xml');
COPY (SELECT 'edit	code	age_min' UNION ALL SELECT 'age_adult	M62830	old')
	TO :'notxml' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');
SELECT icd10_load_edits('FY2027', 'icdspasm_not.xml');
SELECT source, count(*) FROM icd10_code_edit
WHERE release = 'FY2027' GROUP BY source ORDER BY source;
DELETE FROM icd10_code_edit WHERE source = 'local rules';

-- The third-party FY2026 notes extract (not official, partial): where
-- have the FY2021 notes the sequencing tests rely on changed since?  This
-- lists, per code and note kind, whether the FY2026 extract has the same
-- notes as the FY2021 XML.  A difference means the tests' expectations
-- rest on FY2021 text; see sql/sequence.sql for how each is handled.
CREATE TEMP TABLE notes2026_lines (n serial, line text);
SELECT 'zcat "' || :'icd10cm' || '/icd10cm_tabular_notes_2026_partial.json.gz"'
	AS zcat_notes \gset
COPY notes2026_lines (line) FROM PROGRAM :'zcat_notes'
	WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');
CREATE TEMP TABLE notes2026 AS
SELECT string_agg(line, E'\n' ORDER BY n)::jsonb -> 'codes' AS codes
FROM notes2026_lines;
SELECT count(*) AS codes_in_extract FROM notes2026, jsonb_object_keys(codes);

WITH relied(code) AS (VALUES ('M62'), ('F02'), ('F02.80'), ('G30'), ('S39'),
	('S39.012'), ('M43.6'), ('M43'), ('R25.2'), ('R25'), ('O26'),
	('O26.89'), ('O80'), ('T50'), ('M48.06'), ('E83.5'), ('R20'),
	('Z38'), ('M62.83')),
kinds(kind) AS (VALUES ('excludes1'), ('excludes2'), ('codeFirst'),
	('useAdditionalCode'), ('includes'), ('inclusionTerm')),
fy2021 AS (
	SELECT r.code, k.kind,
		coalesce((SELECT jsonb_agg(n.note ORDER BY n.note_id)
				  FROM icd10_note n
				  WHERE n.release = 'FY2027' AND n.node = r.code
					AND n.kind = k.kind), '[]') AS notes
	FROM relied r, kinds k
),
fy2026 AS (
	SELECT r.code, k.kind,
		coalesce(c.codes -> r.code -> k.kind, '[]') AS notes
	FROM relied r, kinds k, notes2026 c
)
SELECT a.code, a.kind,
	CASE WHEN a.notes = b.notes THEN 'same'
		 ELSE 'changed since FY2021' END AS fy2026,
	NULLIF(b.notes - coalesce((SELECT array_agg(x)
		FROM jsonb_array_elements_text(a.notes) x), '{}'), '[]') AS added,
	NULLIF(a.notes - coalesce((SELECT array_agg(x)
		FROM jsonb_array_elements_text(b.notes) x), '{}'), '[]') AS removed
FROM fy2021 a JOIN fy2026 b USING (code, kind)
WHERE a.notes <> '[]' OR b.notes <> '[]'
ORDER BY a.code, a.kind;
