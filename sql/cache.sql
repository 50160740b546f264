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

DROP EXTENSION dblink;
