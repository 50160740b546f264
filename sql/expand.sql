--
-- Family expansion: the billable codes, with titles, under a prefix.
--

-- Three spellings of one family give exactly M62.830, M62.831, M62.838.
SELECT * FROM icd10_expand('M62.83-');
SELECT * FROM icd10_expand('M62.83');
SELECT * FROM icd10_expand('m6283*');
SELECT * FROM icd10_expand('S39.012-');

-- Any prefix: shorter than a category, a category, a full code.
SELECT count(*) FROM icd10_expand('M6');
SELECT count(*) FROM icd10_expand('M62');
SELECT count(*) FROM icd10_expand('G73.-');
SELECT * FROM icd10_expand('M62.830');

-- In a named release: G35 was one billable code in FY2025.
SELECT * FROM icd10_expand('G35-', 'FY2025');
SELECT code FROM icd10_expand('G35-', 'FY2027');

-- The expansion equals the billable codes <@ the prefix in the table.
SELECT (SELECT array_agg(code ORDER BY code) FROM icd10_expand('M54.5-')) =
	(SELECT array_agg(code ORDER BY code) FROM icd10_code
	 WHERE release = 'FY2027' AND billable AND code <@ 'M54.5') AS same;

-- An unknown prefix: no rows and a NOTICE.
SELECT * FROM icd10_expand('M62.86-');
SELECT * FROM icd10_expand('U99-');

-- A malformed pattern is an error.
SELECT * FROM icd10_expand('M62.8$-');
SELECT * FROM icd10_expand('-');
