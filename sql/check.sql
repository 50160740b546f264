--
-- icd10_check: every status, with the cases the issue names.  FY2025,
-- FY2026 and FY2027 are loaded by the releases test.
--

SET DateStyle = ISO;

CREATE FUNCTION pg_temp.show(input text, rel text)
RETURNS TABLE (input text, code icd10, status text, message text)
LANGUAGE sql AS $$
	SELECT $1, c.code, c.status, c.message FROM icd10_check($1, $2) c
$$;

-- billable
SELECT * FROM pg_temp.show('M62.830', 'FY2027');
SELECT * FROM pg_temp.show(' m62830 ', 'FY2027');

-- syntax: not the shape of a code at all; code is NULL
SELECT * FROM pg_temp.show('M6$', 'FY2027');
SELECT * FROM pg_temp.show('', 'FY2027');
SELECT * FROM pg_temp.show('62.1', 'FY2027');
SELECT * FROM pg_temp.show('M62.8A3111', 'FY2027');

-- unknown: the nearest existing ancestor, and its codes when few
SELECT * FROM pg_temp.show('M62.8399', 'FY2027');
SELECT * FROM pg_temp.show('M62.839', 'FY2027');
SELECT * FROM pg_temp.show('M62.7', 'FY2027');
SELECT * FROM pg_temp.show('U99.1', 'FY2027');

-- header: how many billable codes lie under it, and where it was billable
SELECT * FROM pg_temp.show('M62.83', 'FY2027');
SELECT * FROM pg_temp.show('M62', 'FY2027');
SELECT * FROM pg_temp.show('G35', 'FY2026');
SELECT * FROM pg_temp.show('G35', 'FY2027');
SELECT * FROM pg_temp.show('M48.06', 'FY2027');

-- extends_billable: too long, a prefix is already complete
SELECT * FROM pg_temp.show('M62.8311', 'FY2027');
SELECT * FROM pg_temp.show('M62.83111', 'FY2027');
SELECT * FROM pg_temp.show('R25.21', 'FY2027');

-- needs_7th
SELECT * FROM pg_temp.show('S39.012', 'FY2027');
SELECT * FROM pg_temp.show('T50.1X5', 'FY2027');
SELECT * FROM pg_temp.show('W19', 'FY2027');

-- bad_7th: a 7th character the category does not define
SELECT * FROM pg_temp.show('S39.012B', 'FY2027');
SELECT * FROM pg_temp.show('S39.012X', 'FY2027');

-- needs_placeholder
SELECT * FROM pg_temp.show('T50.15A', 'FY2027');
SELECT * FROM pg_temp.show('W19A', 'FY2027');
SELECT * FROM pg_temp.show('S3901A', 'FY2027');

-- other_release: gone from this release, present in another
SELECT * FROM pg_temp.show('S30.1XXA', 'FY2025');
SELECT * FROM pg_temp.show('S30.1XXA', 'FY2026');
SELECT * FROM pg_temp.show('G35.A', 'FY2025');

-- By date of service, and no_release for a date no release covers.
SELECT d, c.* FROM unnest(ARRAY['2025-09-30', '2025-10-01',
	'2019-01-01']::date[]) AS d, icd10_check('S30.1XXA', d) c;
SELECT d, c.status FROM unnest(ARRAY['2025-09-30', '2025-10-01']::date[]) AS d,
	icd10_check('G35', d) c;

-- An icd10 value checks the same way, so a column needs no cast.
SELECT c.code, c.status, c.release
FROM (VALUES ('M62.83'::icd10), ('G35')) AS v(code),
	icd10_check(v.code, 'FY2026') c;
SELECT status FROM icd10_check('S30.1XXA'::icd10, date '2025-09-30');

-- Without a release: the current one.
SELECT status, release FROM icd10_check('M62.830');

-- Every status appears above; this lists the ones the checks produce
-- over a mixed list, for a quick overview.
SELECT c.status, count(*)
FROM unnest(ARRAY['M62.830', 'M6$', 'M62.8399', 'M62.83', 'M62.8311',
	'S39.012', 'S39.012B', 'T50.15A', 'S30.1XXA']) AS i,
	icd10_check(i, 'FY2026') c
GROUP BY 1 ORDER BY 1;

-- An unloaded release is an error that says how to pass a date.
SELECT * FROM icd10_check('M62.830', 'FY2030');
SELECT * FROM icd10_check('M62.830', '2025-10-01');
SELECT * FROM icd10_check(NULL, 'FY2027');
