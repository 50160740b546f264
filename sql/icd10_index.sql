--
-- Indexes: btree and hash indexes on icd10, index use for the hierarchy
-- operators, and joins of every kind.
--

CREATE TABLE claims (id serial PRIMARY KEY, dx icd10 NOT NULL);
INSERT INTO claims (dx)
SELECT code FROM icd10_code, generate_series(1, 20) WHERE release = 'FY2027';
CREATE INDEX claims_dx ON claims (dx);
ANALYZE claims;

SET enable_seqscan = off;
SET enable_bitmapscan = off;

-- <@ with a constant family is a btree range scan.
EXPLAIN (COSTS OFF) SELECT dx FROM claims WHERE dx <@ 'M62.83';
SELECT dx, count(*) FROM claims WHERE dx <@ 'M62.83' GROUP BY dx ORDER BY dx;

-- The commuted form, @>, uses the same range.
EXPLAIN (COSTS OFF) SELECT dx FROM claims WHERE 'M62.83' @> dx;
SELECT count(*) FROM claims WHERE 'M62.83' @> dx;

-- With the column as the ancestor side the range is searched and the
-- operator rechecked: the ancestors of S39.012A.
EXPLAIN (COSTS OFF) SELECT DISTINCT dx FROM claims WHERE dx @> 'S39.012A';
SELECT DISTINCT dx FROM claims WHERE dx @> 'S39.012A' ORDER BY dx;
SELECT DISTINCT dx FROM claims WHERE 'S39.012A' <@ dx ORDER BY dx;

-- Plain comparisons and sorting use the index.
EXPLAIN (COSTS OFF) SELECT dx FROM claims WHERE dx = 'R25.2';
EXPLAIN (COSTS OFF) SELECT dx FROM claims ORDER BY dx LIMIT 3;
SELECT dx FROM claims ORDER BY dx LIMIT 3;
SELECT dx FROM claims ORDER BY dx DESC LIMIT 3;

-- A hash index.
CREATE INDEX claims_dx_hash ON claims USING hash (dx);
DROP INDEX claims_dx;
EXPLAIN (COSTS OFF) SELECT count(*) FROM claims WHERE dx = 'r252';
SELECT count(*) FROM claims WHERE dx = 'r252';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Hash, merge and nested-loop joins agree.
CREATE TABLE lookup AS SELECT code, billable FROM icd10_code
WHERE release = 'FY2027';
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM claims c JOIN lookup l ON l.code = c.dx;
SELECT count(*), count(*) FILTER (WHERE l.billable)
FROM claims c JOIN lookup l ON l.code = c.dx;
RESET enable_mergejoin; SET enable_hashjoin = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM claims c JOIN lookup l ON l.code = c.dx;
SELECT count(*), count(*) FILTER (WHERE l.billable)
FROM claims c JOIN lookup l ON l.code = c.dx;
RESET enable_nestloop; RESET enable_hashjoin;

-- Hash partitioning needs the extended hash function.
CREATE TABLE parts (dx icd10) PARTITION BY HASH (dx);
CREATE TABLE parts_0 PARTITION OF parts FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO parts SELECT code FROM lookup;
SELECT (SELECT count(*) FROM parts_0) + (SELECT count(*) FROM parts_1) AS rows,
	(SELECT count(*) FROM parts_0) > 0 AND (SELECT count(*) FROM parts_1) > 0
		AS both_used;

-- A unique index rejects the same code however it is written.
CREATE UNIQUE INDEX lookup_code ON lookup (code);
INSERT INTO lookup VALUES ('m62830', true);

DROP TABLE claims, lookup, parts;
