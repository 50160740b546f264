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
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "icdspasm.h"

/* The icdspasm.release setting: a release name, or empty for the newest. */
char	   *icd10_release_guc = NULL;

static Icd10Cache *cache = NULL;
static MemoryContext cache_context = NULL;
static bool cache_valid = false;
static bool callback_registered = false;
static Oid	code_relid = InvalidOid;
static Oid	release_relid = InvalidOid;

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
	if (relid == InvalidOid || relid == code_relid ||
		relid == release_relid)
		cache_valid = false;
}

/*
 * icd10_qualified_table
 *		The schema-qualified, quoted name of one of our tables, found in the
 *		schema of the calling function (the extension's schema).
 */
char *
icd10_qualified_table(Oid fn_oid, const char *table)
{
	Oid			nsp = get_func_namespace(fn_oid);

	return quote_qualified_identifier(get_namespace_name(nsp), table);
}

/* The OID of the icd10 type, found in the schema of the calling function. */
Oid
icd10_type_oid(Oid fn_oid)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum("icd10"),
										ObjectIdGetDatum(get_func_namespace(fn_oid)));

	if (!OidIsValid(typid))
		elog(ERROR, "type icd10 not found");
	return typid;
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

/*
 * icd10_cache_build
 *		Read every loaded release into a new cache, allocated in context.
 */
static Icd10Cache *
icd10_cache_build(Oid fn_oid, MemoryContext context)
{
	Icd10Cache *result;
	char	   *release_table = icd10_qualified_table(fn_oid, "icd10_release");
	char	   *code_table = icd10_qualified_table(fn_oid, "icd10_code");
	StringInfoData query;
	uint64		nrows;

	result = MemoryContextAllocZero(context, sizeof(Icd10Cache));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* Step 1: the releases, with their code counts. */
	initStringInfo(&query);
	appendStringInfo(&query,
					 "SELECT r.name, r.effective_from, r.effective_to, "
					 "r.complete, "
					 "(SELECT pg_catalog.count(*) FROM %s c "
					 "WHERE c.release = r.name) "
					 "FROM %s r ORDER BY r.name",
					 code_table, release_table);
	if (SPI_execute(query.data, true, 0) != SPI_OK_SELECT)
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
		int64		count;

		strlcpy(rel->name, TextDatumGetCString(SPI_getbinval(tup, desc, 1,
															 &isnull)),
				NAMEDATALEN);
		rel->effective_from = DatumGetDateADT(SPI_getbinval(tup, desc, 2,
															&isnull));
		rel->effective_to = DatumGetDateADT(SPI_getbinval(tup, desc, 3,
														  &isnull));
		rel->complete = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		count = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
		rel->codes = MemoryContextAlloc(context,
										sizeof(Icd10) * Max(count, 1));
		rel->flags = MemoryContextAlloc(context, Max(count, 1));
	}

	/* Step 2: every code, grouped by release in name order, then sorted. */
	resetStringInfo(&query);
	appendStringInfo(&query,
					 "SELECT release, code, billable FROM %s "
					 "ORDER BY release, code", code_table);
	if (SPI_execute(query.data, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the code table");
	{
		int			r = -1;
		const char *current = NULL;

		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			char	   *name = TextDatumGetCString(SPI_getbinval(tup, desc, 1,
																  &isnull));
			Icd10Release *rel;

			if (current == NULL || strcmp(current, name) != 0)
			{
				r++;
				if (r >= result->nreleases ||
					strcmp(result->releases[r].name, name) != 0)
					elog(ERROR, "code table changed while it was read");
				current = result->releases[r].name;
			}
			rel = &result->releases[r];
			rel->codes[rel->ncodes] =
				DatumGetIcd10(SPI_getbinval(tup, desc, 2, &isnull));
			rel->flags[rel->ncodes] =
				DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull)) ?
				ICD10_FLAG_BILLABLE : 0;
			rel->ncodes++;
			pfree(name);

			if ((i & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}

	SPI_finish();

	/* Step 3: releases in effective-date order, oldest first. */
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

	if (cache_valid && cache != NULL)
		return cache;

	/* Learn our table OIDs and hook into invalidation, once. */
	if (!callback_registered)
	{
		Oid			nsp = get_func_namespace(fn_oid);

		code_relid = get_relname_relid("icd10_code", nsp);
		release_relid = get_relname_relid("icd10_release", nsp);
		CacheRegisterRelcacheCallback(icd10_relcache_callback, (Datum) 0);
		callback_registered = true;
	}

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
 *		The cached release of that name; an error when it is not loaded.
 */
Icd10Release *
icd10_release_named(Icd10Cache *c, const char *name)
{
	for (int i = 0; i < c->nreleases; i++)
		if (strcmp(c->releases[i].name, name) == 0)
			return &c->releases[i];

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
icd10_release_current(Icd10Cache *c)
{
	if (icd10_release_guc != NULL && icd10_release_guc[0] != '\0')
		return icd10_release_named(c, icd10_release_guc);

	if (c->nreleases == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("no ICD-10-CM release is loaded"),
				 errhint("Load one with icd10_load_release().")));
	return &c->releases[c->nreleases - 1];
}

/*
 * icd10_release_on
 *		The release in force on a date of service: among the releases whose
 *		date range holds it, the one that took effect last (so an April
 *		update wins over its fiscal year).  NULL when none is.
 */
Icd10Release *
icd10_release_on(Icd10Cache *c, DateADT date)
{
	for (int i = c->nreleases - 1; i >= 0; i--)
	{
		Icd10Release *rel = &c->releases[i];

		if (rel->effective_from <= date && date <= rel->effective_to)
			return rel;
	}
	return NULL;
}

/* Index of the first code >= code in a release (ncodes when none). */
int
icd10_release_lower(const Icd10Release *rel, Icd10 code)
{
	int			lo = 0;
	int			hi = rel->ncodes;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (rel->codes[mid] < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
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
