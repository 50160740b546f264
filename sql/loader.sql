--
-- The release loader: the happy path from a plain (not compressed) file,
-- idempotence, malformed lines, and who may load.
--
-- The files are written into the server's data directory with COPY and
-- loaded by a path relative to it, so that messages do not depend on
-- where the cluster lives.
--

SET DateStyle = ISO;
SELECT current_setting('data_directory') AS datadir,
	current_setting('data_directory') || '/icdspasm_bad.txt' AS badfile \gset

-- Order-file lines built from parts: order number, code, flag, titles.
CREATE TEMP TABLE order_lines (n int, code text, flag text, short text,
							   long text);
INSERT INTO order_lines VALUES
	(1, 'M62', '0', 'Other disorders of muscle', 'Other disorders of muscle'),
	(2, 'M6283', '0', 'Muscle spasm', 'Muscle spasm'),
	(3, 'M62830', '1', 'Muscle spasm of back', 'Muscle spasm of back'),
	(4, 'M62831', '1', 'Muscle spasm of calf', 'Muscle spasm of calf'),
	(5, 'M62838', '1', 'Other muscle spasm', 'Other muscle spasm');
CREATE FUNCTION pg_temp.write_order_file(path text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY (SELECT lpad(n::text, 5, ''0'') || '' '' ||
		rpad(code, 7) || '' '' || flag || '' '' || rpad(short, 60) ||
		'' '' || long FROM order_lines ORDER BY n) TO %L', path);
END
$$;

-- Happy path: a plain file loads, and says what it loaded.
SELECT pg_temp.write_order_file(:'datadir' || '/icdspasm_order.txt');
SELECT * FROM icd10_load_release('TEST', 'icdspasm_order.txt',
	'2030-10-01', '2031-09-30', 'synthetic test file');
SELECT name, effective_from, effective_to, source, complete
FROM icd10_release WHERE name = 'TEST';
SELECT code, billable, short_title, long_title, order_no
FROM icd10_code WHERE release = 'TEST' ORDER BY order_no;
SELECT md5(string_agg(code::text || billable || short_title || long_title ||
	order_no, '|' ORDER BY code)) AS digest
FROM icd10_code WHERE release = 'TEST' \gset first_

-- Loading the same release twice gives the same tables.
SELECT * FROM icd10_load_release('TEST', 'icdspasm_order.txt',
	'2030-10-01', '2031-09-30', 'synthetic test file');
SELECT md5(string_agg(code::text || billable || short_title || long_title ||
	order_no, '|' ORDER BY code)) = :'first_digest' AS same_tables,
	count(*) AS codes
FROM icd10_code WHERE release = 'TEST';

-- A malformed line stops the load with the file and line number, and
-- leaves the release as it was.
UPDATE order_lines SET flag = 'x' WHERE n = 3;
SELECT pg_temp.write_order_file(:'datadir' || '/icdspasm_bad.txt');
SELECT * FROM icd10_load_release('TEST', 'icdspasm_bad.txt',
	'2030-10-01', '2031-09-30');
UPDATE order_lines SET flag = '1' WHERE n = 3;
UPDATE order_lines SET code = 'M62.83' WHERE n = 2;
SELECT pg_temp.write_order_file(:'datadir' || '/icdspasm_bad.txt');
SELECT * FROM icd10_load_release('TEST', 'icdspasm_bad.txt',
	'2030-10-01', '2031-09-30');
UPDATE order_lines SET code = 'M6283' WHERE n = 2;
UPDATE order_lines SET code = 'M62$30' WHERE n = 3;
SELECT pg_temp.write_order_file(:'datadir' || '/icdspasm_bad.txt');
SELECT * FROM icd10_load_release('TEST', 'icdspasm_bad.txt',
	'2030-10-01', '2031-09-30');
UPDATE order_lines SET code = 'M62830' WHERE n = 3;
INSERT INTO order_lines VALUES (6, 'M62830', '1', 'Again', 'Again');
SELECT pg_temp.write_order_file(:'datadir' || '/icdspasm_bad.txt');
SELECT * FROM icd10_load_release('TEST', 'icdspasm_bad.txt',
	'2030-10-01', '2031-09-30');
DELETE FROM order_lines WHERE n = 6;
COPY (SELECT '00006 M629    1 Disorder of muscle') TO :'badfile';
SELECT * FROM icd10_load_release('TEST', 'icdspasm_bad.txt',
	'2030-10-01', '2031-09-30');
COPY (SELECT 'x0001 M62     0 ' || rpad('Other disorders of muscle', 60) ||
	' Other disorders of muscle') TO :'badfile';
SELECT * FROM icd10_load_release('TEST', 'icdspasm_bad.txt',
	'2030-10-01', '2031-09-30');
COPY (SELECT '' WHERE false) TO :'badfile';
SELECT * FROM icd10_load_release('TEST', 'icdspasm_bad.txt',
	'2030-10-01', '2031-09-30');
SELECT md5(string_agg(code::text || billable || short_title || long_title ||
	order_no, '|' ORDER BY code)) = :'first_digest' AS unchanged,
	count(*) AS codes
FROM icd10_code WHERE release = 'TEST';

-- A damaged gzip file and a directory stop the load too.
\getenv icd10cm ICDSPASM_ICD10CM
SELECT 'cat > /dev/null; head -c 300000 "' || :'icd10cm'
	|| '/icd10cm_order_2027.txt.gz" > "' || :'datadir'
	|| '/icdspasm_cut.txt.gz"' AS cut_cmd \gset
COPY (SELECT 1) TO PROGRAM :'cut_cmd';
SELECT * FROM icd10_load_release('TEST', 'icdspasm_cut.txt.gz',
	'2030-10-01', '2031-09-30');
SELECT * FROM icd10_load_release('TEST', 'base', '2030-10-01', '2031-09-30');
SELECT count(*) AS codes FROM icd10_code WHERE release = 'TEST';

-- Bad arguments.
SELECT * FROM icd10_load_release('TEST', 'no_such_file.txt',
	'2030-10-01', '2031-09-30');
SELECT * FROM icd10_load_release('TEST', 'icdspasm_order.txt',
	'2031-10-01', '2030-09-30');
SELECT * FROM icd10_load_release('', 'icdspasm_order.txt',
	'2030-10-01', '2031-09-30');
SELECT * FROM icd10_load_release('TEST', NULL, '2030-10-01', '2031-09-30');

-- An ordinary role may not load; a member of pg_read_server_files may,
-- without any privilege on the tables.
CREATE ROLE icdspasm_clerk;
CREATE ROLE icdspasm_loader IN ROLE pg_read_server_files;
SET ROLE icdspasm_clerk;
SELECT * FROM icd10_load_release('TEST', 'icdspasm_order.txt',
	'2030-10-01', '2031-09-30');
INSERT INTO icd10_code VALUES ('TEST', 'M62.9', true, 'x', 'x', 9);
SELECT icd10_billable('M62.830', 'TEST');
SET ROLE icdspasm_loader;
SELECT * FROM icd10_load_release('TEST', 'icdspasm_order.txt',
	'2030-10-01', '2031-09-30', 'loaded by a file reader');
RESET ROLE;
SELECT source FROM icd10_release WHERE name = 'TEST';
DROP ROLE icdspasm_clerk, icdspasm_loader;

-- Dropping a release drops its codes.
DELETE FROM icd10_release WHERE name = 'TEST';
SELECT count(*) FROM icd10_code WHERE release = 'TEST';
