/*
 * icdspasm.sql
 *		Install script source for icdspasm 0.1.  The Makefile appends the
 *		embedded reference data in data/ to build icdspasm--0.1.sql.
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION icdspasm" to load this file. \quit

--
-- The icd10 type
--

CREATE TYPE @extschema@.icd10;

CREATE FUNCTION @extschema@.icd10_in(cstring) RETURNS @extschema@.icd10
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_out(@extschema@.icd10) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_recv(internal) RETURNS @extschema@.icd10
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_send(@extschema@.icd10) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.icd10 (
	INPUT = @extschema@.icd10_in,
	OUTPUT = @extschema@.icd10_out,
	RECEIVE = @extschema@.icd10_recv,
	SEND = @extschema@.icd10_send,
	INTERNALLENGTH = 8,
	PASSEDBYVALUE,
	ALIGNMENT = double,
	STORAGE = plain
);

COMMENT ON TYPE @extschema@.icd10 IS
	'ICD-10-CM code: a letter, 2 to 6 letters or digits, an optional dot '
	'after the third character, any case';
COMMENT ON FUNCTION @extschema@.icd10_in(cstring) IS 'I/O';
COMMENT ON FUNCTION @extschema@.icd10_out(@extschema@.icd10) IS 'I/O';
COMMENT ON FUNCTION @extschema@.icd10_recv(internal) IS 'I/O';
COMMENT ON FUNCTION @extschema@.icd10_send(@extschema@.icd10) IS 'I/O';

CREATE CAST (text AS @extschema@.icd10) WITH INOUT AS ASSIGNMENT;
CREATE CAST (@extschema@.icd10 AS text) WITH INOUT AS ASSIGNMENT;

--
-- Comparison.  These functions never throw, so they are LEAKPROOF; that
-- lets the planner use them under security barrier views and row security.
--

CREATE FUNCTION @extschema@.icd10_eq(@extschema@.icd10, @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_ne(@extschema@.icd10, @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_lt(@extschema@.icd10, @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_le(@extschema@.icd10, @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_gt(@extschema@.icd10, @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_ge(@extschema@.icd10, @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_cmp(@extschema@.icd10, @extschema@.icd10)
	RETURNS integer AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_hash(@extschema@.icd10) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_hash_extended(@extschema@.icd10, bigint)
	RETURNS bigint AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION @extschema@.icd10_eq(@extschema@.icd10, @extschema@.icd10)
	IS 'implementation of = operator';
COMMENT ON FUNCTION @extschema@.icd10_ne(@extschema@.icd10, @extschema@.icd10)
	IS 'implementation of <> operator';
COMMENT ON FUNCTION @extschema@.icd10_lt(@extschema@.icd10, @extschema@.icd10)
	IS 'implementation of < operator';
COMMENT ON FUNCTION @extschema@.icd10_le(@extschema@.icd10, @extschema@.icd10)
	IS 'implementation of <= operator';
COMMENT ON FUNCTION @extschema@.icd10_gt(@extschema@.icd10, @extschema@.icd10)
	IS 'implementation of > operator';
COMMENT ON FUNCTION @extschema@.icd10_ge(@extschema@.icd10, @extschema@.icd10)
	IS 'implementation of >= operator';
COMMENT ON FUNCTION @extschema@.icd10_cmp(@extschema@.icd10, @extschema@.icd10)
	IS 'less-equal-greater';
COMMENT ON FUNCTION @extschema@.icd10_sortsupport(internal)
	IS 'sort support';
COMMENT ON FUNCTION @extschema@.icd10_hash(@extschema@.icd10) IS 'hash';
COMMENT ON FUNCTION @extschema@.icd10_hash_extended(@extschema@.icd10, bigint)
	IS 'hash';

CREATE OPERATOR @extschema@.= (
	LEFTARG = @extschema@.icd10, RIGHTARG = @extschema@.icd10,
	FUNCTION = @extschema@.icd10_eq,
	COMMUTATOR = OPERATOR(@extschema@.=),
	NEGATOR = OPERATOR(@extschema@.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR @extschema@.<> (
	LEFTARG = @extschema@.icd10, RIGHTARG = @extschema@.icd10,
	FUNCTION = @extschema@.icd10_ne,
	COMMUTATOR = OPERATOR(@extschema@.<>),
	NEGATOR = OPERATOR(@extschema@.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR @extschema@.< (
	LEFTARG = @extschema@.icd10, RIGHTARG = @extschema@.icd10,
	FUNCTION = @extschema@.icd10_lt,
	COMMUTATOR = OPERATOR(@extschema@.>),
	NEGATOR = OPERATOR(@extschema@.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR @extschema@.<= (
	LEFTARG = @extschema@.icd10, RIGHTARG = @extschema@.icd10,
	FUNCTION = @extschema@.icd10_le,
	COMMUTATOR = OPERATOR(@extschema@.>=),
	NEGATOR = OPERATOR(@extschema@.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR @extschema@.> (
	LEFTARG = @extschema@.icd10, RIGHTARG = @extschema@.icd10,
	FUNCTION = @extschema@.icd10_gt,
	COMMUTATOR = OPERATOR(@extschema@.<),
	NEGATOR = OPERATOR(@extschema@.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR @extschema@.>= (
	LEFTARG = @extschema@.icd10, RIGHTARG = @extschema@.icd10,
	FUNCTION = @extschema@.icd10_ge,
	COMMUTATOR = OPERATOR(@extschema@.<=),
	NEGATOR = OPERATOR(@extschema@.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR @extschema@.= (@extschema@.icd10, @extschema@.icd10)
	IS 'equal';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.icd10, @extschema@.icd10)
	IS 'not equal';
COMMENT ON OPERATOR @extschema@.< (@extschema@.icd10, @extschema@.icd10)
	IS 'less than';
COMMENT ON OPERATOR @extschema@.<= (@extschema@.icd10, @extschema@.icd10)
	IS 'less than or equal';
COMMENT ON OPERATOR @extschema@.> (@extschema@.icd10, @extschema@.icd10)
	IS 'greater than';
COMMENT ON OPERATOR @extschema@.>= (@extschema@.icd10, @extschema@.icd10)
	IS 'greater than or equal';

-- btequalimage: equal codes are bitwise equal, so deduplication is safe.
CREATE OPERATOR CLASS @extschema@.icd10_ops
	DEFAULT FOR TYPE @extschema@.icd10 USING btree AS
	OPERATOR 1 @extschema@.<,
	OPERATOR 2 @extschema@.<=,
	OPERATOR 3 @extschema@.=,
	OPERATOR 4 @extschema@.>=,
	OPERATOR 5 @extschema@.>,
	FUNCTION 1 @extschema@.icd10_cmp(@extschema@.icd10, @extschema@.icd10),
	FUNCTION 2 @extschema@.icd10_sortsupport(internal),
	FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS @extschema@.icd10_hash_ops
	DEFAULT FOR TYPE @extschema@.icd10 USING hash AS
	OPERATOR 1 @extschema@.=,
	FUNCTION 1 @extschema@.icd10_hash(@extschema@.icd10),
	FUNCTION 2 @extschema@.icd10_hash_extended(@extschema@.icd10, bigint);

COMMENT ON OPERATOR CLASS @extschema@.icd10_ops USING btree
	IS 'default btree operator class for icd10';
COMMENT ON OPERATOR CLASS @extschema@.icd10_hash_ops USING hash
	IS 'default hash operator class for icd10';

--
-- Hierarchy: a <@ b when a is b or lies under it.  The support functions
-- turn a constant family into a btree range scan.
--

CREATE FUNCTION @extschema@.icd10_contained_support(internal)
	RETURNS internal AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_contains_support(internal)
	RETURNS internal AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_contained(@extschema@.icd10,
											@extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
	SUPPORT @extschema@.icd10_contained_support;
CREATE FUNCTION @extschema@.icd10_contains(@extschema@.icd10,
										   @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF
	SUPPORT @extschema@.icd10_contains_support;

COMMENT ON FUNCTION @extschema@.icd10_contained_support(internal)
	IS 'planner support for icd10_contained';
COMMENT ON FUNCTION @extschema@.icd10_contains_support(internal)
	IS 'planner support for icd10_contains';
COMMENT ON FUNCTION @extschema@.icd10_contained(@extschema@.icd10,
												@extschema@.icd10)
	IS 'implementation of <@ operator';
COMMENT ON FUNCTION @extschema@.icd10_contains(@extschema@.icd10,
											   @extschema@.icd10)
	IS 'implementation of @> operator';

CREATE FUNCTION @extschema@.icd10_category(code @extschema@.icd10)
	RETURNS @extschema@.icd10 AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION @extschema@.icd10_family_upper(code @extschema@.icd10)
	RETURNS @extschema@.icd10 AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION @extschema@.icd10_family_upper(@extschema@.icd10)
	IS 'the largest code under a code: the upper bound of its family';

CREATE OPERATOR @extschema@.<@ (
	LEFTARG = @extschema@.icd10, RIGHTARG = @extschema@.icd10,
	FUNCTION = @extschema@.icd10_contained,
	COMMUTATOR = OPERATOR(@extschema@.@>),
	RESTRICT = contsel, JOIN = contjoinsel
);
CREATE OPERATOR @extschema@.@> (
	LEFTARG = @extschema@.icd10, RIGHTARG = @extschema@.icd10,
	FUNCTION = @extschema@.icd10_contains,
	COMMUTATOR = OPERATOR(@extschema@.<@),
	RESTRICT = contsel, JOIN = contjoinsel
);

COMMENT ON OPERATOR @extschema@.<@ (@extschema@.icd10, @extschema@.icd10)
	IS 'is the same code as or lies under';
COMMENT ON OPERATOR @extschema@.@> (@extschema@.icd10, @extschema@.icd10)
	IS 'is the same code as or lies above';

--
-- Reference tables.  Releases sit side by side; every code row names its
-- release.  The tables are registered with pg_extension_config_dump so
-- that pg_dump keeps loaded releases.  XXX: the embedded default release
-- (FY2027) is left out of dumps because CREATE EXTENSION recreates it; a
-- restored database therefore has the embedded FY2027 again, and an
-- official FY2027 load must be repeated after a restore.
--

CREATE TABLE @extschema@.icd10_release (
	name text PRIMARY KEY,
	effective_from date NOT NULL,
	effective_to date NOT NULL,
	source text NOT NULL,
	complete boolean NOT NULL,
	loaded_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CHECK (effective_from <= effective_to),
	CHECK (pg_catalog.octet_length(name) BETWEEN 1 AND 63)
);

CREATE TABLE @extschema@.icd10_code (
	release text NOT NULL
		REFERENCES @extschema@.icd10_release (name) ON DELETE CASCADE,
	code @extschema@.icd10 NOT NULL,
	billable boolean NOT NULL,
	short_title text NOT NULL,
	long_title text NOT NULL,
	order_no integer NOT NULL,
	PRIMARY KEY (release, code)
);

-- XXX: chapters and blocks are one static FY2027 table, not per release;
-- a block added in a later release needs a new extension version.
CREATE TABLE @extschema@.icd10_chapter (
	chapter integer PRIMARY KEY,
	first_category @extschema@.icd10 NOT NULL,
	last_category @extschema@.icd10 NOT NULL,
	title text NOT NULL
);

CREATE TABLE @extschema@.icd10_block (
	chapter integer NOT NULL REFERENCES @extschema@.icd10_chapter,
	first_category @extschema@.icd10 NOT NULL,
	last_category @extschema@.icd10 NOT NULL,
	title text NOT NULL,
	members @extschema@.icd10[] NOT NULL,
	position integer NOT NULL UNIQUE,
	PRIMARY KEY (first_category, last_category)
);

COMMENT ON TABLE @extschema@.icd10_release IS
	'loaded ICD-10-CM releases and the dates they are in force';
COMMENT ON TABLE @extschema@.icd10_code IS
	'every header and billable code of each loaded release';
COMMENT ON TABLE @extschema@.icd10_chapter IS
	'the 22 chapters of ICD-10-CM, as category ranges';
COMMENT ON TABLE @extschema@.icd10_block IS
	'ICD-10-CM blocks (sections) in tabular order; members lists '
	'categories outside the text range';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.icd10_release',
										   'WHERE name <> ''FY2027''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.icd10_code',
										   'WHERE release <> ''FY2027''');

GRANT SELECT ON @extschema@.icd10_release, @extschema@.icd10_code,
	@extschema@.icd10_chapter, @extschema@.icd10_block TO PUBLIC;

--
-- The backend-local cache of releases, and the trigger that tells every
-- backend to rebuild it after a change.
--

CREATE FUNCTION @extschema@.icd10_cache_invalidate() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE FUNCTION @extschema@.icd10_cache_reset() RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.icd10_cache_invalidate()
	IS 'trigger: rebuild release caches after a change';
COMMENT ON FUNCTION @extschema@.icd10_cache_reset()
	IS 'drop this backend''s release cache';

CREATE TRIGGER icd10_release_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.icd10_release
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();
CREATE TRIGGER icd10_code_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.icd10_code
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();

--
-- Loading a release
--

CREATE FUNCTION @extschema@.icd10_load_release(release text,
											   order_file text,
											   effective_from date,
											   effective_to date,
											   source text DEFAULT NULL,
											   OUT release text,
											   OUT codes bigint,
											   OUT billable bigint,
											   OUT headers bigint)
	RETURNS record AS 'MODULE_PATHNAME'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.icd10_load_release(text, text, date, date,
												   text)
	IS 'load a release from an official ICD-10-CM order file';

--
-- Which release a call uses
--

CREATE FUNCTION @extschema@.icd10_release_name(release text DEFAULT NULL)
	RETURNS text AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_release_on(service_date date)
	RETURNS text AS 'MODULE_PATHNAME', 'icd10_release_on_date'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.icd10_release_name(text)
	IS 'the release a call uses: the one named, or the current one';
COMMENT ON FUNCTION @extschema@.icd10_release_on(date)
	IS 'the release in force on a date of service';

--
-- Questions about one code
--

CREATE FUNCTION @extschema@.icd10_billable(code @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_billable(code @extschema@.icd10,
										   release text)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_billable(code @extschema@.icd10,
										   service_date date)
	RETURNS boolean AS 'MODULE_PATHNAME', 'icd10_billable_on'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_exists(code @extschema@.icd10)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_exists(code @extschema@.icd10,
										 release text)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_exists(code @extschema@.icd10,
										 service_date date)
	RETURNS boolean AS 'MODULE_PATHNAME', 'icd10_exists_on'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.icd10_billable(@extschema@.icd10)
	IS 'is the code billable in the current release';
COMMENT ON FUNCTION @extschema@.icd10_billable(@extschema@.icd10, text)
	IS 'is the code billable in the release';
COMMENT ON FUNCTION @extschema@.icd10_billable(@extschema@.icd10, date)
	IS 'is the code billable in the release in force on the date';
COMMENT ON FUNCTION @extschema@.icd10_exists(@extschema@.icd10)
	IS 'is the code in the current release';
COMMENT ON FUNCTION @extschema@.icd10_exists(@extschema@.icd10, text)
	IS 'is the code in the release';
COMMENT ON FUNCTION @extschema@.icd10_exists(@extschema@.icd10, date)
	IS 'is the code in the release in force on the date';

CREATE FUNCTION @extschema@.icd10_check(code text,
										OUT code @extschema@.icd10,
										OUT status text,
										OUT message text,
										OUT release text)
	RETURNS record AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_check(code text, release text,
										OUT code @extschema@.icd10,
										OUT status text,
										OUT message text,
										OUT release text)
	RETURNS record AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_check(code text, service_date date,
										OUT code @extschema@.icd10,
										OUT status text,
										OUT message text,
										OUT release text)
	RETURNS record AS 'MODULE_PATHNAME', 'icd10_check_on'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- The same for an icd10 value, so that a column of codes can be checked
-- without a cast.
CREATE FUNCTION @extschema@.icd10_check(code @extschema@.icd10,
										release text DEFAULT NULL,
										OUT code @extschema@.icd10,
										OUT status text,
										OUT message text,
										OUT release text)
	RETURNS record LANGUAGE sql STABLE PARALLEL SAFE
	AS $$
	SELECT * FROM @extschema@.icd10_check($1::text,
		@extschema@.icd10_release_name($2))
$$;
CREATE FUNCTION @extschema@.icd10_check(code @extschema@.icd10,
										service_date date,
										OUT code @extschema@.icd10,
										OUT status text,
										OUT message text,
										OUT release text)
	RETURNS record LANGUAGE sql STABLE STRICT PARALLEL SAFE
	AS $$ SELECT * FROM @extschema@.icd10_check($1::text, $2) $$;

COMMENT ON FUNCTION @extschema@.icd10_check(@extschema@.icd10, text)
	IS 'check an icd10 value against a release and say what is wrong';
COMMENT ON FUNCTION @extschema@.icd10_check(@extschema@.icd10, date)
	IS 'check an icd10 value against the release in force on a date';
COMMENT ON FUNCTION @extschema@.icd10_check(text)
	IS 'check a code against the current release and say what is wrong';
COMMENT ON FUNCTION @extschema@.icd10_check(text, text)
	IS 'check a code against a release and say what is wrong';
COMMENT ON FUNCTION @extschema@.icd10_check(text, date)
	IS 'check a code against the release in force on a date';

CREATE FUNCTION @extschema@.icd10_title(code @extschema@.icd10,
										release text DEFAULT NULL)
	RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
	AS $$
	SELECT c.long_title FROM @extschema@.icd10_code c
	WHERE c.release = @extschema@.icd10_release_name($2)
	  AND c.code OPERATOR(@extschema@.=) $1
$$;

COMMENT ON FUNCTION @extschema@.icd10_title(@extschema@.icd10, text)
	IS 'long title of a code in a release';

--
-- Hierarchy
--

CREATE FUNCTION @extschema@.icd10_parent(code @extschema@.icd10)
	RETURNS @extschema@.icd10 AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_parent(code @extschema@.icd10,
										 release text)
	RETURNS @extschema@.icd10 AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_children(code @extschema@.icd10)
	RETURNS SETOF @extschema@.icd10 AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
CREATE FUNCTION @extschema@.icd10_children(code @extschema@.icd10,
										   release text)
	RETURNS SETOF @extschema@.icd10 AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 10;
CREATE FUNCTION @extschema@.icd10_ancestors(code @extschema@.icd10)
	RETURNS SETOF @extschema@.icd10 AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 4;
CREATE FUNCTION @extschema@.icd10_ancestors(code @extschema@.icd10,
											release text)
	RETURNS SETOF @extschema@.icd10 AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 4;

COMMENT ON FUNCTION @extschema@.icd10_parent(@extschema@.icd10)
	IS 'nearest ancestor in the current release';
COMMENT ON FUNCTION @extschema@.icd10_parent(@extschema@.icd10, text)
	IS 'nearest ancestor in the release';
COMMENT ON FUNCTION @extschema@.icd10_children(@extschema@.icd10)
	IS 'codes directly under a code in the current release';
COMMENT ON FUNCTION @extschema@.icd10_children(@extschema@.icd10, text)
	IS 'codes directly under a code in the release';
COMMENT ON FUNCTION @extschema@.icd10_ancestors(@extschema@.icd10)
	IS 'codes above a code in the current release, category first';
COMMENT ON FUNCTION @extschema@.icd10_ancestors(@extschema@.icd10, text)
	IS 'codes above a code in the release, category first';


CREATE FUNCTION @extschema@.icd10_chapter(code @extschema@.icd10)
	RETURNS integer LANGUAGE sql STABLE STRICT PARALLEL SAFE
	AS $$
	SELECT ch.chapter FROM @extschema@.icd10_chapter ch
	WHERE @extschema@.icd10_category($1)
		OPERATOR(@extschema@.>=) ch.first_category
	  AND @extschema@.icd10_category($1)
		OPERATOR(@extschema@.<=) ch.last_category
$$;

CREATE FUNCTION @extschema@.icd10_block(code @extschema@.icd10)
	RETURNS text LANGUAGE sql STABLE STRICT PARALLEL SAFE
	AS $$
	SELECT b.first_category::text || '-' || b.last_category::text
	FROM @extschema@.icd10_block b,
		LATERAL (SELECT @extschema@.icd10_category($1) AS cat) c
	WHERE c.cat OPERATOR(@extschema@.=) ANY (b.members)
	   OR (c.cat OPERATOR(@extschema@.>=) b.first_category
		   AND c.cat OPERATOR(@extschema@.<=) b.last_category)
	ORDER BY c.cat OPERATOR(@extschema@.=) ANY (b.members) DESC
	LIMIT 1
$$;

COMMENT ON FUNCTION @extschema@.icd10_category(@extschema@.icd10)
	IS 'the three-character category of a code';
COMMENT ON FUNCTION @extschema@.icd10_chapter(@extschema@.icd10)
	IS 'chapter number (1 to 22) of a code';
COMMENT ON FUNCTION @extschema@.icd10_block(@extschema@.icd10)
	IS 'block (section) of a code, as a category range such as M60-M63';

--
-- Families
--

CREATE FUNCTION @extschema@.icd10_expand(pattern text,
										 OUT code @extschema@.icd10,
										 OUT title text)
	RETURNS SETOF record AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 20;
CREATE FUNCTION @extschema@.icd10_expand(pattern text, release text,
										 OUT code @extschema@.icd10,
										 OUT title text)
	RETURNS SETOF record AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 20;

COMMENT ON FUNCTION @extschema@.icd10_expand(text)
	IS 'billable codes of a family such as M62.83- in the current release';
COMMENT ON FUNCTION @extschema@.icd10_expand(text, text)
	IS 'billable codes of a family such as M62.83- in the release';

--
-- Instructional notes from the Tabular List XML, one set per release.
-- A note sits on a code, a section or a chapter and applies to everything
-- under it; its code references are parsed into ranges SQL can join on.
--

CREATE TABLE @extschema@.icd10_tabular (
	release text PRIMARY KEY
		REFERENCES @extschema@.icd10_release (name) ON DELETE CASCADE,
	version text NOT NULL,
	source text NOT NULL,
	loaded_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE @extschema@.icd10_note (
	release text NOT NULL
		REFERENCES @extschema@.icd10_tabular (release) ON DELETE CASCADE,
	note_id integer NOT NULL,
	node text NOT NULL,
	node_kind text NOT NULL CHECK (node_kind IN ('code', 'section', 'chapter')),
	code @extschema@.icd10,
	kind text NOT NULL,
	note text NOT NULL,
	PRIMARY KEY (release, note_id),
	CHECK ((node_kind = 'code') = (code IS NOT NULL))
);
CREATE INDEX icd10_note_code ON @extschema@.icd10_note (release, code);

CREATE TABLE @extschema@.icd10_note_ref (
	release text NOT NULL,
	note_id integer NOT NULL,
	ref_no integer NOT NULL,
	ref_text text NOT NULL,
	ref_kind text NOT NULL CHECK (ref_kind IN ('code', 'family', 'range')),
	first_code @extschema@.icd10 NOT NULL,
	last_code @extschema@.icd10 NOT NULL,
	PRIMARY KEY (release, note_id, ref_no),
	FOREIGN KEY (release, note_id)
		REFERENCES @extschema@.icd10_note ON DELETE CASCADE
);

CREATE TABLE @extschema@.icd10_seventh (
	release text NOT NULL
		REFERENCES @extschema@.icd10_tabular (release) ON DELETE CASCADE,
	code @extschema@.icd10 NOT NULL,
	character text NOT NULL CHECK (pg_catalog.octet_length(character) = 1),
	meaning text NOT NULL,
	PRIMARY KEY (release, code, character)
);

CREATE TABLE @extschema@.icd10_scope (
	release text NOT NULL
		REFERENCES @extschema@.icd10_tabular (release) ON DELETE CASCADE,
	category @extschema@.icd10 NOT NULL,
	section text NOT NULL,
	chapter integer NOT NULL,
	PRIMARY KEY (release, category)
);

CREATE TABLE @extschema@.icd10_code_edit (
	release text NOT NULL
		REFERENCES @extschema@.icd10_release (name) ON DELETE CASCADE,
	code @extschema@.icd10 NOT NULL,
	edit text NOT NULL CHECK (edit IN ('manifestation',
		'manifestation_not_pdx', 'unacceptable_pdx',
		'unacceptable_pdx_unless_secondary', 'age_newborn', 'age_pediatric',
		'age_maternity', 'age_adult', 'sex_male', 'sex_female')),
	age_min integer CHECK (age_min BETWEEN 0 AND 124),
	age_max integer CHECK (age_max BETWEEN 0 AND 124),
	source text NOT NULL,
	PRIMARY KEY (release, code, edit, source)
);

CREATE TABLE @extschema@.icd10_integral_symptom (
	condition @extschema@.icd10 NOT NULL,
	symptom @extschema@.icd10 NOT NULL,
	reason text NOT NULL,
	seeded boolean NOT NULL DEFAULT false,
	PRIMARY KEY (condition, symptom)
);

COMMENT ON TABLE @extschema@.icd10_tabular IS
	'releases whose Tabular List XML is loaded, with its version';
COMMENT ON TABLE @extschema@.icd10_note IS
	'instructional notes of the Tabular List, on a code, section or chapter';
COMMENT ON TABLE @extschema@.icd10_note_ref IS
	'code references parsed from note text: codes first_code..last_code';
COMMENT ON TABLE @extschema@.icd10_seventh IS
	'7th characters a tabular node defines, inherited by codes under it';
COMMENT ON TABLE @extschema@.icd10_scope IS
	'the section and chapter of each category, as the tabular has them';
COMMENT ON TABLE @extschema@.icd10_code_edit IS
	'per-code edit attributes: derived from the tabular or loaded from a file';
COMMENT ON TABLE @extschema@.icd10_integral_symptom IS
	'symptoms integral to a condition (families); users may add rows';

-- Seeds: symptoms the notes or the guidelines make integral.  Hypocalcemia
-- (E83.51) with cramp and spasm (R25.2) is deliberately not here: both are
-- coded.
INSERT INTO @extschema@.icd10_integral_symptom
	(condition, symptom, reason, seeded) VALUES
	('M43.6', 'M62.838', 'torticollis is a spasm of the neck muscles, so the '
	 'spasm is part of the condition (Official Guidelines I.B.5)', true),
	('G43', 'R51.9', 'headache is routinely part of migraine '
	 '(Official Guidelines I.B.5)', true);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.icd10_tabular',
										   'WHERE release <> ''FY2027''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.icd10_note',
										   'WHERE release <> ''FY2027''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.icd10_note_ref',
										   'WHERE release <> ''FY2027''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.icd10_seventh',
										   'WHERE release <> ''FY2027''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.icd10_scope',
										   'WHERE release <> ''FY2027''');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.icd10_code_edit',
										   'WHERE release <> ''FY2027''');
SELECT pg_catalog.pg_extension_config_dump(
	'@extschema@.icd10_integral_symptom', 'WHERE NOT seeded');

GRANT SELECT ON @extschema@.icd10_tabular, @extschema@.icd10_note,
	@extschema@.icd10_note_ref, @extschema@.icd10_seventh,
	@extschema@.icd10_scope, @extschema@.icd10_code_edit,
	@extschema@.icd10_integral_symptom TO PUBLIC;
CREATE TRIGGER icd10_tabular_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.icd10_tabular
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();
CREATE TRIGGER icd10_note_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.icd10_note
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();
CREATE TRIGGER icd10_note_ref_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.icd10_note_ref
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();
CREATE TRIGGER icd10_seventh_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.icd10_seventh
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();
CREATE TRIGGER icd10_scope_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.icd10_scope
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();
CREATE TRIGGER icd10_code_edit_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.icd10_code_edit
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();
CREATE TRIGGER icd10_integral_symptom_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON @extschema@.icd10_integral_symptom
	FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.icd10_cache_invalidate();

CREATE FUNCTION @extschema@.icd10_load_tabular(release text,
											   tabular_file text,
											   source text DEFAULT NULL,
											   OUT release text,
											   OUT version text,
											   OUT notes bigint,
											   OUT refs bigint,
											   OUT seventh bigint,
											   OUT categories bigint,
											   OUT manifestations bigint)
	RETURNS record AS 'MODULE_PATHNAME'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.icd10_load_edits(release text, edit_file text,
											 source text DEFAULT NULL)
	RETURNS bigint AS 'MODULE_PATHNAME'
	LANGUAGE C VOLATILE PARALLEL UNSAFE;
CREATE FUNCTION @extschema@.icd10_note_refs(note text,
											OUT reference text,
											OUT kind text,
											OUT first_code @extschema@.icd10,
											OUT last_code @extschema@.icd10)
	RETURNS SETOF record AS 'MODULE_PATHNAME'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 3;

COMMENT ON FUNCTION @extschema@.icd10_load_tabular(text, text, text)
	IS 'load the instructional notes of a Tabular List XML file for a release';
COMMENT ON FUNCTION @extschema@.icd10_load_edits(text, text, text)
	IS 'load per-code edit attributes for a release from a tab-separated file';
COMMENT ON FUNCTION @extschema@.icd10_note_refs(text)
	IS 'code references in the text of a note';

CREATE FUNCTION @extschema@.icd10_notes(code @extschema@.icd10,
										release text DEFAULT NULL)
	RETURNS TABLE (node text, kind text, note text)
	LANGUAGE sql STABLE PARALLEL SAFE ROWS 10
	AS $$
	SELECT n.node, n.kind, n.note
	FROM @extschema@.icd10_note n
	LEFT JOIN @extschema@.icd10_scope s
	  ON s.release = n.release
	 AND s.category OPERATOR(@extschema@.=) @extschema@.icd10_category($1)
	WHERE n.release = @extschema@.icd10_release_name($2)
	  AND ((n.node_kind = 'code' AND $1 OPERATOR(@extschema@.<@) n.code)
		   OR (n.node_kind = 'section' AND n.node = s.section)
		   OR (n.node_kind = 'chapter' AND n.node = 'chapter ' || s.chapter))
	ORDER BY n.note_id
$$;

COMMENT ON FUNCTION @extschema@.icd10_notes(@extschema@.icd10, text)
	IS 'the notes that apply to a code: its own and inherited ones';

--
-- Sequencing and edit checks for an encounter's ordered diagnosis list
--

CREATE FUNCTION @extschema@.icd10_sequence_findings(codes @extschema@.icd10[],
	release text DEFAULT NULL, setting text DEFAULT NULL,
	age integer DEFAULT NULL, sex text DEFAULT NULL,
	OUT "position" integer, OUT code @extschema@.icd10, OUT rule text,
	OUT severity text, OUT related_position integer,
	OUT related_code @extschema@.icd10, OUT message text)
	RETURNS SETOF record AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE PARALLEL SAFE ROWS 3;
CREATE FUNCTION @extschema@.icd10_sequence_findings(codes @extschema@.icd10[],
	service_date date, setting text DEFAULT NULL,
	age integer DEFAULT NULL, sex text DEFAULT NULL,
	OUT "position" integer, OUT code @extschema@.icd10, OUT rule text,
	OUT severity text, OUT related_position integer,
	OUT related_code @extschema@.icd10, OUT message text)
	RETURNS SETOF record AS 'MODULE_PATHNAME', 'icd10_sequence_findings_on'
	LANGUAGE C STABLE PARALLEL SAFE ROWS 3;
CREATE FUNCTION @extschema@.icd10_sequence_ok(codes @extschema@.icd10[],
	release text DEFAULT NULL, setting text DEFAULT NULL,
	age integer DEFAULT NULL, sex text DEFAULT NULL)
	RETURNS boolean AS 'MODULE_PATHNAME'
	LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.icd10_sequence_ok(codes @extschema@.icd10[],
	service_date date, setting text DEFAULT NULL,
	age integer DEFAULT NULL, sex text DEFAULT NULL)
	RETURNS boolean AS 'MODULE_PATHNAME', 'icd10_sequence_ok_on'
	LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.icd10_sequence_findings(@extschema@.icd10[],
	text, text, integer, text)
	IS 'sequencing and edit findings for an ordered diagnosis list';
COMMENT ON FUNCTION @extschema@.icd10_sequence_findings(@extschema@.icd10[],
	date, text, integer, text)
	IS 'sequencing and edit findings, in the release in force on a date';
COMMENT ON FUNCTION @extschema@.icd10_sequence_ok(@extschema@.icd10[],
	text, text, integer, text)
	IS 'true when an ordered diagnosis list has no error findings';
COMMENT ON FUNCTION @extschema@.icd10_sequence_ok(@extschema@.icd10[],
	date, text, integer, text)
	IS 'true when a diagnosis list has no error findings on a date';

--
-- The embedded default: a small, incomplete FY2027 set for the
-- muscle-spasm domain.  Loading the official FY2027 file completes it.
--

INSERT INTO @extschema@.icd10_release
	(name, effective_from, effective_to, source, complete)
	VALUES ('FY2027', '2026-10-01', '2027-09-30', 'embedded default', false);
