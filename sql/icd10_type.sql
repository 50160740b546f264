--
-- The icd10 type: input, canonical output, errors, comparison, hashing,
-- casts and COPY.
--

-- The same value, however it is written.
SELECT 'm62830'::icd10 = ' M62.830 '::icd10 AS same,
	'M62.830'::icd10 = 'm62830'::icd10 AS same_again;

-- Canonical output: upper case, a dot after the third character when
-- there are more than three.
SELECT code, code::icd10 AS canonical
FROM (VALUES ('i10'), ('M62830'), ('m62.830'), ('s39012a'), ('T501X5A'),
			 ('w19xxxa'), (' r252 '), ('G35'), ('g35a'), ('O9A'),
			 ('z3a38'), (E'\tE83.51\n')) AS v(code);

-- The official files from FY2026 on hold codes with a letter second
-- (QA0 and its codes), so the type accepts them although the usual shape
-- of a code has a digit there.
SELECT 'QA0'::icd10, 'qa00101'::icd10, 'QA1.71'::icd10;

-- Malformed literals: each is rejected with SQLSTATE 22P02 and a detail
-- that names the fault.
\set VERBOSITY default
CREATE FUNCTION pg_temp.try_icd10(literal text, OUT state text,
								  OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM literal::icd10;
	state := 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE,
		message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
END
$$;

SELECT input, (pg_temp.try_icd10(input)).*
FROM unnest(ARRAY[
	'',					-- empty
	'   ',				-- only blanks
	'M',				-- too short
	'M6',				-- too short
	'M6.',				-- dot after the second character
	'M62.8311',			-- fine: seven characters, the dot not counted
	'M62.83111',		-- eight characters
	'M62.831111',		-- nine characters
	'M6283111',			-- eight characters without a dot
	'S39.012AX',		-- eight characters
	'6M2',				-- digit first
	'.M62',				-- dot first
	'M.62',				-- dot after the first character
	'M6.2',				-- dot after the second character
	'M628.30',			-- dot after the fourth character
	'M62..830',			-- two dots
	'M62.8.30',			-- two dots apart
	'M62.',				-- dot with nothing after it
	'M62 830',			-- blank inside
	'M62-830',			-- hyphen
	'M62_830',			-- underscore
	'M62/830',			-- slash
	'M62.83-',			-- family pattern is not a code
	'M62.83*',			-- family pattern is not a code
	'M62,830',			-- comma
	'M62.8é',			-- accented letter
	'Ä62',				-- accented first letter
	'M62.83€',			-- euro sign
	'-M62',				-- sign
	'+M62',				-- sign
	'M62;',				-- semicolon
	'''M62''',			-- quotes
	'"M62"',			-- double quotes
	'M6#',				-- hash sign
	'M62.8%',			-- percent
	'M62.830 A',		-- blank before the 7th character
	'123',				-- all digits
	'$62',				-- dollar first
	'M62.83_',			-- trailing underscore
	'M62.8300000000',	-- far too long
	'ICD10',			-- two letters then digits: fine shape (control)
	'M62.830.',			-- trailing dot
	'M62:830',			-- colon
	'M62	830'		-- tab inside
]) AS input;

-- The message quotes the input like core does.
SELECT 'M62.83111'::icd10;
SELECT 'M6$'::icd10;
SELECT ''::icd10;

-- Ordering is the order of the canonical text.
SELECT code FROM (VALUES ('M62.830'::icd10), ('M62'), ('M62.83'), ('M62.A'),
	('M62.0'), ('M6A'), ('M60'), ('A00'), ('Z99.89'), ('QA0'), ('Q99.9'),
	('M62.838'), ('M62.831'), ('M621')) AS v(code)
ORDER BY code;

SELECT a, b, a < b AS lt, a <= b AS le, a = b AS eq, a <> b AS ne,
	a >= b AS ge, a > b AS gt, icd10_cmp(a, b) AS cmp
FROM (VALUES ('M62'::icd10, 'M62.0'::icd10), ('M62.830', 'M62.830'),
	('M62.9', 'M62.A'), ('Q99', 'QA0'), ('S39.012A', 'S39.012')) AS v(a, b);

-- The order agrees with text order on every code of the default set.
SELECT count(*) AS codes,
	bool_and(rank_code = rank_text) AS same_order
FROM (SELECT rank() OVER (ORDER BY code) AS rank_code,
		rank() OVER (ORDER BY code::text COLLATE "C") AS rank_text
	  FROM icd10_code) s;

-- Hashing: equal values hash equally, and the hash is int8's hash of the
-- encoding, stable across releases of the extension.
SELECT icd10_hash('m62830') = icd10_hash('M62.830') AS same_hash,
	icd10_hash('M62.830') <> icd10_hash('M62.831') AS different_hash,
	icd10_hash_extended('M62.830', 0) = icd10_hash_extended('m62830', 0)
		AS same_extended,
	icd10_hash_extended('M62.830', 0) <> icd10_hash_extended('M62.830', 1)
		AS seed_matters;

-- GROUP BY and DISTINCT, sorted and hashed.
CREATE TEMP TABLE dx (id int, code icd10);
INSERT INTO dx VALUES (1, 'M62.830'), (2, 'm62830'), (3, 'R25.2'),
	(4, 'r252'), (5, 'M62.830'), (6, 'I10');
SET enable_hashagg = off;
SELECT code, count(*) FROM dx GROUP BY code ORDER BY code;
SELECT DISTINCT code FROM dx ORDER BY code;
RESET enable_hashagg;
SET enable_sort = off;
SELECT code, count(*) FROM dx GROUP BY code ORDER BY 2 DESC, 1;
RESET enable_sort;

-- Casts to and from text; text assigns to an icd10 column.
SELECT 'M62.830'::icd10::text AS to_text, 'm62830'::text::icd10 AS from_text;
INSERT INTO dx SELECT 7, 'e8351'::text;
SELECT code FROM dx WHERE id = 7;

-- Binary send: the code's characters without the dot (hex canaries).
SELECT code, icd10_send(code) FROM (VALUES ('I10'::icd10), ('M62.830'),
	('S39.012A'), ('QA0')) AS v(code);

-- Binary COPY round trip, and a text COPY round trip, through files in
-- the server's data directory.
SELECT current_setting('data_directory') || '/icdspasm_dx.bin' AS binfile,
	current_setting('data_directory') || '/icdspasm_dx.txt' AS txtfile,
	current_setting('data_directory') || '/icdspasm_raw.bin' AS rawfile
\gset
COPY dx TO :'binfile' WITH (FORMAT binary);
CREATE TEMP TABLE dx_bin (LIKE dx);
COPY dx_bin FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS rows,
	count(*) FILTER (WHERE d.code = b.code) AS equal
FROM dx d JOIN dx_bin b USING (id);
COPY dx TO :'txtfile';
CREATE TEMP TABLE dx_txt (LIKE dx);
COPY dx_txt FROM :'txtfile';
SELECT count(*) AS rows,
	count(*) FILTER (WHERE d.code = t.code) AS equal
FROM dx d JOIN dx_txt t USING (id);

-- A malformed value in text COPY fails the COPY and leaves the table alone.
COPY (SELECT 1, 'M62.83111') TO :'txtfile';
COPY dx_txt FROM :'txtfile';
SELECT count(*) FROM dx_txt;

-- Binary input takes the bytes send gives, and rejects anything else:
-- write bytea values in binary COPY and read them back as icd10.
CREATE TEMP TABLE raw (id int, code bytea);
INSERT INTO raw VALUES (1, 'M62830'::bytea);
COPY raw TO :'rawfile' WITH (FORMAT binary);
COPY dx_bin FROM :'rawfile' WITH (FORMAT binary);
SELECT code FROM dx_bin WHERE id = 1 ORDER BY code;
TRUNCATE raw;
INSERT INTO raw VALUES (1, 'M62.830'::bytea);
COPY raw TO :'rawfile' WITH (FORMAT binary);
COPY dx_bin FROM :'rawfile' WITH (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw VALUES (1, 'M62830AB'::bytea);
COPY raw TO :'rawfile' WITH (FORMAT binary);
COPY dx_bin FROM :'rawfile' WITH (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw VALUES (1, 'm62830'::bytea);
COPY raw TO :'rawfile' WITH (FORMAT binary);
COPY dx_bin FROM :'rawfile' WITH (FORMAT binary);

-- Hierarchy operators.
SELECT a, b, a <@ b AS contained, a @> b AS contains
FROM (VALUES ('M62.830'::icd10, 'M62.83'::icd10), ('M62.830', 'M62'),
	('M62.830', 'M62.830'), ('M62.83', 'M62.830'), ('M62.830', 'M62.8'),
	('M62.830', 'M63'), ('M6A', 'M62'), ('T50.1X5A', 'T50.1')) AS v(a, b);
