/*-------------------------------------------------------------------------
 *
 * cache.c
 *		The backend-local cache of loaded ICD-10-CM releases, and the
 *		icdspasm.release setting that picks the release used by default.
 *
 * Validation must not query the reference tables code by code.  On first
 * use each backend reads icd10_release and icd10_code once into sorted
 * arrays, one per release, and answers lookups by binary search.
 *
 * The cache is rebuilt after any change to those tables.  A statement-level
 * trigger on both tables queues a relcache invalidation for the table; it
 * reaches this backend at the next command and every other backend when the
 * changing transaction commits.  Our relcache callback then marks the cache
 * stale, and the next lookup rebuilds it.  A rebuild is done into a fresh
 * memory context that is swapped in only once it is complete.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "icdspasm.h"

/* The icdspasm.release setting: a release name, or empty for the newest. */
char	   *icd10_release_guc = NULL;

static Icd10Cache *cache = NULL;
static MemoryContext cache_context = NULL;
static bool cache_valid = false;

/* Was any of the cache read during a parallel query, with its snapshot? */
static bool cache_read_in_parallel = false;
static bool callback_registered = false;

/* Our tables: a change to any of them makes the cache stale. */
static const char *const cached_tables[] = {
	"icd10_release", "icd10_code", "icd10_tabular", "icd10_note",
	"icd10_note_ref", "icd10_seventh", "icd10_scope", "icd10_code_edit",
	"icd10_integral_symptom"
};
static Oid	cached_relids[lengthof(cached_tables)];

void		_PG_init(void);

/*
 * _PG_init
 *		Define the icdspasm.release setting when the library is loaded.
 */
void
_PG_init(void)
{
	DefineCustomStringVariable("icdspasm.release",
							   "Release used when a call names none.",
							   "Empty means the loaded release with the "
							   "latest effective date.",
							   &icd10_release_guc,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("icdspasm");
#else
	EmitWarningsOnPlaceholders("icdspasm");
#endif
}

/*
 * icd10_relcache_callback
 *		Mark the cache stale when one of our reference tables changes, or
 *		when the whole relcache is reset.
 */
static void
icd10_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid)
		cache_valid = false;
	for (int i = 0; i < (int) lengthof(cached_relids); i++)
		if (cached_relids[i] == relid)
			cache_valid = false;
}

/* The OID of the icd10 type, found in the schema of the calling function. */
Oid
icd10_type_oid(Oid fn_oid)
{
	Oid			nsp = get_func_namespace(fn_oid);
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum("icd10"),
										ObjectIdGetDatum(nsp));

	if (!OidIsValid(typid))
		elog(ERROR, "type icd10 not found");
	return typid;
}

/* The owner of our tables, who writes them on behalf of loaders. */
Oid
icd10_table_owner(Oid fn_oid)
{
	Oid			relid = get_relname_relid("icd10_code",
										  get_func_namespace(fn_oid));
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* Compare two releases by effective date, then by name. */
static int
icd10_release_order(const void *a, const void *b)
{
	const Icd10Release *ra = (const Icd10Release *) a;
	const Icd10Release *rb = (const Icd10Release *) b;

	if (ra->effective_from != rb->effective_from)
		return (ra->effective_from < rb->effective_from) ? -1 : 1;
	return strcmp(ra->name, rb->name);
}

/* The cached release of that name, or NULL (during a build). */
static Icd10Release *
release_by_name(Icd10Cache *c, const char *name)
{
	for (int i = 0; i < c->nreleases; i++)
		if (strcmp(c->releases[i].name, name) == 0)
			return &c->releases[i];
	return NULL;
}

/* The quoted name of our schema (the caller's), for building queries. */
const char *
icd10_schema_name(Oid fn_oid)
{
	return quote_identifier(get_namespace_name(get_func_namespace(fn_oid)));
}

/* The release named in column 1 of an SPI result row, or NULL. */
static Icd10Release *
row_release(Icd10Cache *c, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		name = SPI_getbinval(tup, desc, 1, &isnull);

	return isnull ? NULL : release_by_name(c, TextDatumGetCString(name));
}

/* A date as text, for messages. */
char *
icd10_date_text(DateADT date)
{
	return DatumGetCString(DirectFunctionCall1(date_out,
											   DateADTGetDatum(date)));
}

/* Copy an icd10[] Datum into a new C array in context; returns its length. */
static int
copy_code_array(Datum array, Icd10 **out, MemoryContext context)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	int			n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	Datum	   *elems;
	bool	   *nulls;

	deconstruct_array(arr, ARR_ELEMTYPE(arr), sizeof(Icd10), true,
					  TYPALIGN_DOUBLE, &elems, &nulls, &n);
	*out = MemoryContextAlloc(context, sizeof(Icd10) * Max(n, 1));
	for (int i = 0; i < n; i++)
		(*out)[i] = DatumGetIcd10(elems[i]);
	return n;
}

/* Order note links by key, then by note. */
static int
link_order(const void *a, const void *b)
{
	const Icd10NoteLink *la = (const Icd10NoteLink *) a;
	const Icd10NoteLink *lb = (const Icd10NoteLink *) b;

	if (la->key != lb->key)
		return (la->key < lb->key) ? -1 : 1;
	return la->note - lb->note;
}

/*
 * cache_read_begin, cache_read_end
 *		Bracket the reading of our tables into the cache.
 *
 * The cache is read with the latest snapshot, not the statement's: an
 * invalidation from a release another session committed may be taken in
 * while this statement runs, and a cache read with the statement's older
 * snapshot would then miss that release for good.  The latest snapshot
 * also sees this transaction's own changes.
 */
static void
cache_read_begin(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * Parallel mode may not take a new snapshot, so a parallel query reads
	 * with its own; icd10_cache_get reads such a cache again afterwards.
	 */
	if (IsInParallelMode())
	{
		PushActiveSnapshot(GetActiveSnapshot());
		cache_read_in_parallel = true;
	}
	else
		PushActiveSnapshot(GetLatestSnapshot());
}

/* See cache_read_begin. */
static void
cache_read_end(void)
{
	PopActiveSnapshot();
	SPI_finish();
}

/* Run a read-only query with the release name as $1. */
static void
query_release(const char *query, const Icd10Release *rel)
{
	Oid			types[1] = {TEXTOID};
	Datum		args[1];

	args[0] = CStringGetTextDatum(rel->name);
	if (SPI_execute_with_args(query, 1, types, args, NULL, true, 0) !=
		SPI_OK_SELECT)
		elog(ERROR, "could not run \"%s\"", query);
}

/*
 * read_codes
 *		Read a release's codes, in code order, with their billable flags.
 */
static void
read_codes(Icd10Cache *c, Icd10Release *rel)
{
	query_release(psprintf("SELECT code, billable FROM %s.icd10_code "
						   "WHERE release OPERATOR(pg_catalog.=) $1 "
						   "ORDER BY code",
						   icd10_schema_name(c->fn_oid)), rel);

	rel->codes = MemoryContextAlloc(c->context, sizeof(Icd10) *
									Max(SPI_processed, 1));
	rel->flags = MemoryContextAlloc(c->context, Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		rel->codes[i] = DatumGetIcd10(SPI_getbinval(tup, desc, 1, &isnull));
		rel->flags[i] = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull)) ?
			ICD10_FLAG_BILLABLE : 0;
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	rel->ncodes = (int) SPI_processed;
}

/*
 * read_notes
 *		Read the notes the checks use (Excludes1, Code first, Use additional
 *		code) of a release, each with its references and the keys it
 *		applies under: its code, or every category of the section or
 *		chapter it sits on.
 */
static void
read_notes(Icd10Cache *c, Icd10Release *rel)
{
	const char *nsp = icd10_schema_name(c->fn_oid);
	uint64		nrows;

	query_release(psprintf("SELECT n.kind, n.node, n.note, "
						   "COALESCE((SELECT pg_catalog.array_agg("
						   "r.first_code ORDER BY r.ref_no) "
						   "FROM %s.icd10_note_ref r WHERE r.release "
						   "OPERATOR(pg_catalog.=) n.release AND r.note_id "
						   "OPERATOR(pg_catalog.=) n.note_id), '{}'), "
						   "COALESCE((SELECT pg_catalog.array_agg("
						   "r.last_code ORDER BY r.ref_no) "
						   "FROM %s.icd10_note_ref r WHERE r.release "
						   "OPERATOR(pg_catalog.=) n.release AND r.note_id "
						   "OPERATOR(pg_catalog.=) n.note_id), '{}'), "
						   "CASE WHEN n.code IS NOT NULL THEN ARRAY[n.code] "
						   "ELSE COALESCE((SELECT pg_catalog.array_agg("
						   "s.category) FROM %s.icd10_scope s "
						   "WHERE s.release OPERATOR(pg_catalog.=) n.release "
						   "AND ((n.node_kind OPERATOR(pg_catalog.=) 'section' "
						   "AND s.section OPERATOR(pg_catalog.=) n.node) OR "
						   "(n.node_kind OPERATOR(pg_catalog.=) 'chapter' AND "
						   "pg_catalog.concat('chapter ', s.chapter) "
						   "OPERATOR(pg_catalog.=) n.node))), '{}') END "
						   "FROM %s.icd10_note n WHERE n.release "
						   "OPERATOR(pg_catalog.=) $1 AND n.kind "
						   "OPERATOR(pg_catalog.=) ANY ('{excludes1,codeFirst,"
						   "useAdditionalCode}'::pg_catalog.text[]) "
						   "ORDER BY n.note_id",
						   nsp, nsp, nsp, nsp), rel);
	nrows = SPI_processed;

	/* First pass: count the links. */
	rel->nlinks = 0;
	for (uint64 i = 0; i < nrows; i++)
	{
		bool		isnull;
		HeapTuple	tup = SPI_tuptable->vals[i];
		ArrayType  *keys;

		keys = DatumGetArrayTypeP(SPI_getbinval(tup, SPI_tuptable->tupdesc,
												6, &isnull));

		rel->nlinks += ArrayGetNItems(ARR_NDIM(keys), ARR_DIMS(keys));
	}
	rel->notes = MemoryContextAllocZero(c->context,
										sizeof(Icd10Note) * Max(nrows, 1));
	rel->links = MemoryContextAllocZero(c->context, sizeof(Icd10NoteLink) *
										Max(rel->nlinks, 1));
	rel->nnotes = 0;
	rel->nlinks = 0;

	/* Second pass: the notes and their links. */
	for (uint64 i = 0; i < nrows; i++)
	{
		bool		isnull;
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Icd10Note  *note = &rel->notes[rel->nnotes];
		char	   *kind = SPI_getvalue(tup, desc, 1);
		Icd10	   *keys;
		int			nkeys;

		note->kind = strcmp(kind, "excludes1") == 0 ? ICD10_NOTE_EXCLUDES1 :
			strcmp(kind, "codeFirst") == 0 ? ICD10_NOTE_CODE_FIRST :
			ICD10_NOTE_USE_ADDITIONAL;
		note->node = MemoryContextStrdup(c->context,
										 SPI_getvalue(tup, desc, 2));
		note->text = MemoryContextStrdup(c->context,
										 SPI_getvalue(tup, desc, 3));
		note->nrefs = copy_code_array(SPI_getbinval(tup, desc, 4, &isnull),
									  &note->first, c->context);
		(void) copy_code_array(SPI_getbinval(tup, desc, 5, &isnull),
							   &note->last, c->context);
		nkeys = copy_code_array(SPI_getbinval(tup, desc, 6, &isnull), &keys,
								c->context);
		for (int k = 0; k < nkeys; k++)
		{
			rel->links[rel->nlinks].key = keys[k];
			rel->links[rel->nlinks].note = rel->nnotes;
			rel->nlinks++;
		}
		rel->nnotes++;

		if ((i & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	if (rel->nlinks > 1)
		qsort(rel->links, rel->nlinks, sizeof(Icd10NoteLink), link_order);
}

/*
 * read_seventh
 *		Read the 7th characters each node of a release's tabular defines.
 */
static void
read_seventh(Icd10Cache *c, Icd10Release *rel)
{
	const char *nsp = icd10_schema_name(c->fn_oid);

	query_release(psprintf("SELECT code, "
						   "pg_catalog.string_agg(character, '' "
						   "ORDER BY character), "
						   "pg_catalog.array_agg(meaning ORDER BY character) "
						   "FROM %s.icd10_seventh "
						   "WHERE release OPERATOR(pg_catalog.=) $1 "
						   "GROUP BY code ORDER BY code USING OPERATOR(%s.<)",
						   nsp, nsp), rel);

	rel->nseventh = 0;
	rel->seventh = MemoryContextAllocZero(c->context, sizeof(Icd10Seventh) *
										  Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Icd10Seventh *sev = &rel->seventh[rel->nseventh++];
		Datum	   *elems;
		int			n;

		sev->code = DatumGetIcd10(SPI_getbinval(tup, desc, 1, &isnull));
		sev->chars = MemoryContextStrdup(c->context,
										 SPI_getvalue(tup, desc, 2));
		deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 3,
														   &isnull)),
						  TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
		if (n != (int) strlen(sev->chars))
			elog(ERROR, "7th characters of %s are not one byte each",
				 SPI_getvalue(tup, desc, 1));
		sev->meanings = MemoryContextAlloc(c->context,
										   sizeof(char *) * Max(n, 1));
		for (int k = 0; k < n; k++)
		{
			char	   *meaning = TextDatumGetCString(elems[k]);

			sev->meanings[k] = MemoryContextStrdup(c->context, meaning);
		}
	}
}

/*
 * read_edits
 *		Read a release's per-code edit attributes, merging the edits of one
 *		code into one entry.
 */
static void
read_edits(Icd10Cache *c, Icd10Release *rel)
{
	const char *nsp = icd10_schema_name(c->fn_oid);

	query_release(psprintf("SELECT code, edit, age_min, age_max "
						   "FROM %s.icd10_code_edit "
						   "WHERE release OPERATOR(pg_catalog.=) $1 "
						   "ORDER BY code USING OPERATOR(%s.<)", nsp, nsp),
				  rel);

	rel->nedits = 0;
	rel->edits = MemoryContextAllocZero(c->context, sizeof(Icd10Edit) *
										Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Icd10		code = DatumGetIcd10(SPI_getbinval(tup, desc, 1, &isnull));
		char	   *edit = SPI_getvalue(tup, desc, 2);
		Icd10Edit  *e;

		/* One entry per code. */
		if (rel->nedits == 0 || rel->edits[rel->nedits - 1].code != code)
		{
			e = &rel->edits[rel->nedits++];
			e->code = code;
		}
		else
			e = &rel->edits[rel->nedits - 1];

		if (strcmp(edit, "manifestation") == 0)
			e->flags |= ICD10_EDIT_MANIFESTATION;
		else if (strcmp(edit, "manifestation_not_pdx") == 0)
			e->flags |= ICD10_EDIT_MANIFESTATION_PDX;
		else if (strcmp(edit, "unacceptable_pdx") == 0)
			e->flags |= ICD10_EDIT_UNACCEPTABLE_PDX;
		else if (strcmp(edit, "unacceptable_pdx_unless_secondary") == 0)
			e->flags |= ICD10_EDIT_UNACCEPTABLE_ALONE;
		else if (strcmp(edit, "sex_male") == 0)
			e->flags |= ICD10_EDIT_SEX_MALE;
		else if (strcmp(edit, "sex_female") == 0)
			e->flags |= ICD10_EDIT_SEX_FEMALE;
		else if (strncmp(edit, "age_", 4) == 0)
		{
			Datum		min = SPI_getbinval(tup, desc, 3, &isnull);
			bool		min_null = isnull;
			Datum		max = SPI_getbinval(tup, desc, 4, &isnull);

			e->flags |= ICD10_EDIT_AGE;
			e->age_group = MemoryContextStrdup(c->context, edit + 4);
			e->age_min = min_null ? 0 : DatumGetInt32(min);
			e->age_max = isnull ? 124 : DatumGetInt32(max);
		}
	}
}

/*
 * icd10_release_load
 *		Make sure the parts of a release a caller needs (ICD10_PART_*) are
 *		in the cache, reading the missing ones now.  A backend, or a
 *		parallel worker, thus reads only the releases and parts it uses.
 */
void
icd10_release_load(Icd10Cache *c, Icd10Release *rel, int parts)
{
	int			missing = parts & ~rel->loaded;

	if (missing == 0)
		return;

	cache_read_begin();
	if (missing & ICD10_PART_CODES)
		read_codes(c, rel);
	if ((missing & ICD10_PART_SEVENTH) && rel->has_tabular)
		read_seventh(c, rel);
	if (missing & ICD10_PART_NOTES)
	{
		if (rel->has_tabular)
			read_notes(c, rel);
		read_edits(c, rel);
	}
	cache_read_end();

	rel->loaded |= missing;
	elog(DEBUG1, "icdspasm: cached parts %d of release \"%s\"", missing,
		 rel->name);
}

/*
 * read_integral
 *		Read the rules of symptoms integral to a condition.
 */
static void
read_integral(Icd10Cache *c)
{
	char	   *query;

	query = psprintf("SELECT condition, symptom, reason "
					 "FROM %s.icd10_integral_symptom",
					 icd10_schema_name(c->fn_oid));
	if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the integral symptom table");
	c->integral = MemoryContextAllocZero(c->context, sizeof(Icd10Integral) *
										 Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Icd10Integral *rule = &c->integral[c->nintegral++];

		rule->condition = DatumGetIcd10(SPI_getbinval(tup, desc, 1, &isnull));
		rule->symptom = DatumGetIcd10(SPI_getbinval(tup, desc, 2, &isnull));
		rule->reason = MemoryContextStrdup(c->context,
										   SPI_getvalue(tup, desc, 3));
	}
}

/*
 * icd10_lower_bound
 *		The index of the first of n elements (each size bytes, sorted by an
 *		Icd10 key at their start) whose key is >= key; n when there is none.
 */
int
icd10_lower_bound(const void *base, int n, size_t size, Icd10 key)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		Icd10		k = *(const Icd10 *) ((const char *) base + mid * size);

		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The element of a sorted array (as for icd10_lower_bound) keyed by the
 * code or by its nearest ancestor, or NULL.
 */
static const void *
nearest_entry(const void *base, int n, size_t size, Icd10 code)
{
	for (int len = icd10_length(code); len >= ICD10_MIN_LEN; len--)
	{
		Icd10		key = icd10_prefix(code, len);
		int			i = icd10_lower_bound(base, n, size, key);
		const void *entry = (const char *) base + i * size;

		if (i < n && *(const Icd10 *) entry == key)
			return entry;
	}
	return NULL;
}

/* The edit attributes of a code: its own, or its nearest ancestor's. */
const Icd10Edit *
icd10_release_edit(const Icd10Release *rel, Icd10 code)
{
	return nearest_entry(rel->edits, rel->nedits, sizeof(Icd10Edit), code);
}

/* The 7th characters defined on a code or its nearest ancestor. */
const Icd10Seventh *
icd10_release_seventh(const Icd10Release *rel, Icd10 code)
{
	return nearest_entry(rel->seventh, rel->nseventh, sizeof(Icd10Seventh),
						 code);
}

/*
 * icd10_cache_build
 *		Read the list of loaded releases, which of them have a tabular, and
 *		the integral rules into a new cache allocated in context.  The codes
 *		and notes of each release are read later, when first needed
 *		(icd10_release_load).
 */
static Icd10Cache *
icd10_cache_build(Oid fn_oid, MemoryContext context)
{
	Icd10Cache *result;
	const char *nsp = icd10_schema_name(fn_oid);
	uint64		nrows;

	result = MemoryContextAllocZero(context, sizeof(Icd10Cache));
	result->fn_oid = fn_oid;
	result->context = context;

	cache_read_begin();

	/* Step 1: the releases. */
	if (SPI_execute(psprintf("SELECT name, effective_from, effective_to, "
							 "complete FROM %s.icd10_release", nsp),
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the release table");
	nrows = SPI_processed;
	result->nreleases = (int) nrows;
	result->releases = MemoryContextAllocZero(context,
											  sizeof(Icd10Release) *
											  Max(nrows, 1));
	for (uint64 i = 0; i < nrows; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Icd10Release *rel = &result->releases[i];
		bool		isnull;

		strlcpy(rel->name, SPI_getvalue(tup, desc, 1), NAMEDATALEN);
		rel->effective_from = DatumGetDateADT(SPI_getbinval(tup, desc, 2,
															&isnull));
		rel->effective_to = DatumGetDateADT(SPI_getbinval(tup, desc, 3,
														  &isnull));
		rel->complete = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
	}

	/* Step 2: which releases have a tabular, and its version. */
	if (SPI_execute(psprintf("SELECT release, version FROM %s.icd10_tabular",
							 nsp), true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the tabular table");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Icd10Release *rel = row_release(result, SPI_tuptable->vals[i],
										SPI_tuptable->tupdesc);

		if (rel == NULL)
			continue;
		rel->has_tabular = true;
		strlcpy(rel->tabular_version,
				SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2),
				sizeof(rel->tabular_version));
	}

	/* Step 3: the integral rules, which hold for every release. */
	read_integral(result);

	cache_read_end();

	/* Step 4: releases in effective-date order, oldest first. */
	if (result->nreleases > 1)
		qsort(result->releases, result->nreleases, sizeof(Icd10Release),
			  icd10_release_order);

	elog(DEBUG1, "icdspasm: cached %d releases", result->nreleases);
	return result;
}

/*
 * icd10_cache_get
 *		Return the cache, building it first when it is missing or stale.
 *
 * fn_oid is the calling SQL function, whose schema holds our tables.  A
 * caller must call this once per call and keep the pointer only for that
 * call: a later call may free the cache it returned.
 */
Icd10Cache *
icd10_cache_get(Oid fn_oid)
{
	MemoryContext build_context;
	Icd10Cache *fresh;

	/*
	 * A cache read during a parallel query used that query's snapshot; it
	 * is read again, with the latest, once outside parallel mode.
	 */
	if (cache_valid && cache != NULL &&
		!(cache_read_in_parallel && !IsInParallelMode()))
		return cache;
	cache_read_in_parallel = false;

	/* Hook into invalidation, once per backend. */
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(icd10_relcache_callback, (Datum) 0);
		callback_registered = true;
	}

	/*
	 * Learn our table OIDs at every build: DROP and CREATE EXTENSION give
	 * the tables new ones.
	 */
	for (int i = 0; i < (int) lengthof(cached_tables); i++)
		cached_relids[i] = get_relname_relid(cached_tables[i],
											 get_func_namespace(fn_oid));

	/*
	 * Mark the cache valid before reading: an invalidation that arrives
	 * while we read marks it stale again, and the next call rebuilds.
	 */
	cache_valid = true;

	/* Build aside in a child of the current context, freed on error. */
	build_context = AllocSetContextCreate(CurrentMemoryContext,
										  "icdspasm release cache",
										  ALLOCSET_DEFAULT_SIZES);
	PG_TRY();
	{
		fresh = icd10_cache_build(fn_oid, build_context);
	}
	PG_CATCH();
	{
		cache_valid = false;
		PG_RE_THROW();
	}
	PG_END_TRY();

	/* Swap it in and drop the old one. */
	MemoryContextSetParent(build_context, CacheMemoryContext);
	if (cache_context != NULL)
		MemoryContextDelete(cache_context);
	cache_context = build_context;
	cache = fresh;
	return cache;
}

/*
 * icd10_release_named
 *		The cached release of that name, with the parts asked for read; an
 *		error when it is not loaded.
 */
Icd10Release *
icd10_release_named(Icd10Cache *c, const char *name, int parts)
{
	for (int i = 0; i < c->nreleases; i++)
		if (strcmp(c->releases[i].name, name) == 0)
		{
			icd10_release_load(c, &c->releases[i], parts);
			return &c->releases[i];
		}

	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("ICD-10-CM release \"%s\" is not loaded", name),
			 errhint("Load it with icd10_load_release(), or pass a date of "
					 "service as a date to use the release in force then.")));
	return NULL;				/* keep the compiler quiet */
}

/*
 * icd10_release_current
 *		The release used when a call names none: the one icdspasm.release
 *		names, or else the loaded release with the latest effective date.
 */
Icd10Release *
icd10_release_current(Icd10Cache *c, int parts)
{
	if (icd10_release_guc != NULL && icd10_release_guc[0] != '\0')
		return icd10_release_named(c, icd10_release_guc, parts);

	if (c->nreleases == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no ICD-10-CM release is loaded"),
				 errhint("Load one with icd10_load_release().")));
	icd10_release_load(c, &c->releases[c->nreleases - 1], parts);
	return &c->releases[c->nreleases - 1];
}

/*
 * icd10_release_on
 *		The release in force on a date of service: among the releases whose
 *		date range holds it, the one that took effect last (so an April
 *		update wins over its fiscal year).  NULL when none is.
 */
Icd10Release *
icd10_release_on(Icd10Cache *c, DateADT date, int parts)
{
	for (int i = c->nreleases - 1; i >= 0; i--)
	{
		Icd10Release *rel = &c->releases[i];

		if (rel->effective_from <= date && date <= rel->effective_to)
		{
			icd10_release_load(c, rel, parts);
			return rel;
		}
	}
	return NULL;
}

/* Index of the first code >= code in a release (ncodes when none). */
int
icd10_release_lower(const Icd10Release *rel, Icd10 code)
{
	return icd10_lower_bound(rel->codes, rel->ncodes, sizeof(Icd10), code);
}

/* Index of code in a release, or -1 when it is not there. */
int
icd10_release_find(const Icd10Release *rel, Icd10 code)
{
	int			i = icd10_release_lower(rel, code);

	return (i < rel->ncodes && rel->codes[i] == code) ? i : -1;
}

/*
 * icd10_cache_invalidate
 *		Statement-level trigger on the reference tables: queue a relcache
 *		invalidation so that every backend rebuilds its cache.
 */
PG_FUNCTION_INFO_V1(icd10_cache_invalidate);
Datum
icd10_cache_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("icd10_cache_invalidate() must be called as a "
						"trigger")));

	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}

/*
 * icd10_cache_reset
 *		Drop this backend's cache, so that the next lookup rebuilds it.
 *		Meant for tests.
 */
PG_FUNCTION_INFO_V1(icd10_cache_reset);
Datum
icd10_cache_reset(PG_FUNCTION_ARGS)
{
	cache_valid = false;
	PG_RETURN_VOID();
}

/*
 * icd10_init_srf
 *		Set up a materialized set-returning call whose rows take the shape
 *		the executor expects.  Servers before 15 lack InitMaterializedSRF,
 *		so we do its work there.
 */
void
icd10_init_srf(FunctionCallInfo fcinfo)
{
#if PG_VERSION_NUM >= 150000
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
#else
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcontext;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize) ||
		rsinfo->expectedDesc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot "
						"accept a set")));

	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(rsinfo->expectedDesc);
	MemoryContextSwitchTo(oldcontext);
#endif
}
