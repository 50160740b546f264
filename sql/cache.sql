--
-- The backend-local cache: a release loaded or changed by another session
-- is seen by this session's next statement.
--

CREATE EXTENSION dblink;
SELECT 'dbname=' || current_database() || ' port=' || current_setting('port')
	|| ' host=' || split_part(current_setting('unix_socket_directories'), ',', 1)
	AS conninfo \gset

-- Warm this session's cache.
SELECT icd10_billable('M62.830', 'FY2027') AS before;

-- Another session adds a release and changes FY2027; it commits.
SELECT dblink_exec(:'conninfo', $$
	INSERT INTO icd10_release (name, effective_from, effective_to, source,
		complete)
	VALUES ('OTHER', '2040-10-01', '2041-09-30', 'test', false);
	INSERT INTO icd10_code VALUES ('OTHER', 'M62.830', true, 'x', 'x', 1);
	UPDATE icd10_code SET billable = false
	WHERE release = 'FY2027' AND code = 'M62.830'$$);

-- This session sees both at once.
SELECT icd10_billable('M62.830', 'OTHER') AS other_release,
	icd10_billable('M62.830', 'FY2027') AS after_update,
	icd10_release_name() AS newest;

-- Undo in another session again; seen again.
SELECT dblink_exec(:'conninfo', $$
	DELETE FROM icd10_release WHERE name = 'OTHER';
	UPDATE icd10_code SET billable = true
	WHERE release = 'FY2027' AND code = 'M62.830'$$);
SELECT icd10_billable('M62.830', 'FY2027') AS restored,
	icd10_release_name() AS newest;
SELECT icd10_billable('M62.830', 'OTHER');

-- A change rolled back in this session leaves no trace in the cache.
BEGIN;
UPDATE icd10_code SET billable = false
WHERE release = 'FY2027' AND code = 'M62.830';
SELECT icd10_billable('M62.830', 'FY2027') AS inside_transaction;
ROLLBACK;
SELECT icd10_billable('M62.830', 'FY2027') AS after_rollback;

-- A reset forces a rebuild and changes nothing.
SELECT icd10_cache_reset();
SELECT icd10_billable('M62.830', 'FY2027') AS after_reset;

-- A release committed by another session during this session's first
-- statement is seen by that statement's first look at the cache: the
-- cache is read with the latest snapshot, not the statement's.
\c
SELECT dblink_exec(:'conninfo', $$
	INSERT INTO icd10_release (name, effective_from, effective_to, source,
		complete)
	VALUES ('LATE', '2040-10-01', '2041-09-30', 'test', false);
	INSERT INTO icd10_code VALUES ('LATE', 'M62.830', true, 'x', 'x', 1)$$)
	AS other_session, icd10_billable('M62.830', 'LATE') AS seen;
SELECT icd10_billable('M62.830', 'LATE') AS still_seen;
SELECT dblink_exec(:'conninfo',
	$$DELETE FROM icd10_release WHERE name = 'LATE'$$);

DROP EXTENSION dblink;

-- After DROP and CREATE EXTENSION the cache follows the new tables.
SELECT icd10_exists('M62.830', 'FY2027') AS before_drop;
CREATE TEMP TABLE kept_releases AS SELECT * FROM icd10_release;
CREATE TEMP TABLE kept_codes AS SELECT release, code::text AS code, billable,
	short_title, long_title, order_no FROM icd10_code;
DROP EXTENSION icdspasm CASCADE;
CREATE EXTENSION icdspasm;
SELECT count(*) AS default_codes FROM icd10_code;
SELECT icd10_release_name(), icd10_exists('A00.0', 'FY2027') AS a00_0;
DELETE FROM icd10_release;
INSERT INTO icd10_release SELECT * FROM kept_releases;
INSERT INTO icd10_code SELECT release, code::icd10, billable, short_title,
	long_title, order_no FROM kept_codes;
SELECT icd10_exists('A00.0', 'FY2027') AS a00_0, icd10_billable('G35', 'FY2025');

-- Release names longer than 63 bytes are refused by the table.
\set VERBOSITY terse
INSERT INTO icd10_release VALUES (repeat('x', 64), '2040-10-01', '2041-09-30',
	'test', false);
\set VERBOSITY default
