/*-------------------------------------------------------------------------
 *
 * check.c
 *		Questions about codes in a release: is a code billable, does it
 *		exist, what is wrong with it (icd10_check), its parent, children and
 *		ancestors, and the billable codes of a family (icd10_expand).
 *
 * Every answer comes from the backend-local cache (cache.c).  Only
 * icd10_expand reads the code table, once per call, for the titles.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "icdspasm.h"

/* A family with at most this many billable codes is listed in messages. */
#define ICD10_LIST_MAX	10

/* The names of the statuses, as they appear in icd10_check's result. */
static const char *const icd10_status_names[] = {
	"billable",
	"syntax",
	"unknown",
	"header",
	"extends_billable",
	"needs_7th",
	"bad_7th",
	"needs_placeholder",
	"other_release",
	"no_release"
};

/* The name of a status. */
const char *
icd10_status_name(Icd10Status status)
{
	return icd10_status_names[status];
}

/* Is the code in the release billable? */
static bool
rel_billable(const Icd10Release *rel, Icd10 code)
{
	int			i = icd10_release_find(rel, code);

	return i >= 0 && (rel->flags[i] & ICD10_FLAG_BILLABLE);
}

/*
 * rel_parent
 *		The nearest proper ancestor of code that exists in the release, or 0
 *		when there is none.  Placeholder levels (T50.1X) are skipped because
 *		they are not codes.
 */
static Icd10
rel_parent(const Icd10Release *rel, Icd10 code)
{
	for (int len = icd10_length(code) - 1; len >= ICD10_MIN_LEN; len--)
	{
		Icd10		prefix = icd10_prefix(code, len);

		if (icd10_release_find(rel, prefix) >= 0)
			return prefix;
	}
	return 0;
}

/*
 * rel_billable_under
 *		Count the billable codes under a prefix (the prefix included), and
 *		copy up to max of them into list.
 */
static int
rel_billable_under(const Icd10Release *rel, Icd10 prefix, Icd10 *list,
				   int max)
{
	Icd10		upper = icd10_prefix_upper(prefix);
	int			n = 0;

	for (int i = icd10_release_lower(rel, prefix);
		 i < rel->ncodes && rel->codes[i] <= upper; i++)
	{
		if (!(rel->flags[i] & ICD10_FLAG_BILLABLE))
			continue;
		if (n < max)
			list[n] = rel->codes[i];
		n++;
	}
	return n;
}

/*
 * rel_needs_7th
 *		Is code a header whose billable codes all complete it with
 *		placeholder X characters and a 7th character?  S39.012 and W19 are;
 *		M62.83 is not.
 */
static bool
rel_needs_7th(const Icd10Release *rel, Icd10 code)
{
	Icd10		upper = icd10_prefix_upper(code);
	int			len = icd10_length(code);
	int			seen = 0;

	for (int i = icd10_release_lower(rel, code);
		 i < rel->ncodes && rel->codes[i] <= upper; i++)
	{
		Icd10		c = rel->codes[i];

		if (!(rel->flags[i] & ICD10_FLAG_BILLABLE))
			continue;
		if (icd10_length(c) != ICD10_MAX_LEN)
			return false;
		for (int pos = len; pos < ICD10_MAX_LEN - 1; pos++)
			if (icd10_char_at(c, pos) != 'X')
				return false;
		seen++;
	}
	return seen > 0;
}

/* Append ", A, B and C"-style list of codes to buf. */
static void
append_code_list(StringInfo buf, const Icd10 *list, int n)
{
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, i == n - 1 ? " and " : ", ");
		appendStringInfoString(buf, icd10_code_text(list[i]));
	}
}

/*
 * append_family
 *		Describe the billable codes under prefix: list them when there are
 *		few, or else count them.
 */
static void
append_family(StringInfo buf, const Icd10Release *rel, Icd10 prefix)
{
	Icd10		list[ICD10_LIST_MAX];
	int			n = rel_billable_under(rel, prefix, list, ICD10_LIST_MAX);

	if (n == 0)
		appendStringInfoString(buf, "no billable codes lie under it");
	else if (n == 1)
		appendStringInfo(buf, "its only billable code is %s",
						 icd10_code_text(list[0]));
	else if (n <= ICD10_LIST_MAX)
	{
		appendStringInfo(buf, "its %d billable codes are ", n);
		append_code_list(buf, list, n);
	}
	else
		appendStringInfo(buf, "%d billable codes lie under it", n);
}

/*
 * append_other_releases
 *		Say in which other loaded releases code exists, and how, as in
 *		" billable in FY2025 and FY2026, and a header in FY2027".  With
 *		billable_only, name only the releases where it is billable.
 *		Returns the number of releases named.
 */
static int
append_other_releases(StringInfo buf, const Icd10Cache *cache,
					  const Icd10Release *rel, Icd10 code, bool billable_only)
{
	int			named = 0;

	/* Every other release's codes are needed. */
	for (int i = 0; i < cache->nreleases; i++)
		icd10_release_load((Icd10Cache *) cache, &cache->releases[i],
						   ICD10_PART_CODES);

	for (int kind = 0; kind < (billable_only ? 1 : 2); kind++)
	{
		const char *names[64];
		int			n = 0;

		/* Kind 0 gathers releases where it is billable, 1 headers. */
		for (int i = 0; i < cache->nreleases && n < (int) lengthof(names);
			 i++)
		{
			const Icd10Release *other = &cache->releases[i];
			int			idx = icd10_release_find(other, code);

			if (other == rel || idx < 0 ||
				((other->flags[idx] & ICD10_FLAG_BILLABLE) != 0) != (kind == 0))
				continue;
			names[n++] = other->name;
		}
		if (n == 0)
			continue;

		appendStringInfo(buf, "%s %s in ", named > 0 ? ", and" : "",
						 kind == 0 ? "billable" : "a header");
		for (int i = 0; i < n; i++)
		{
			if (i > 0)
				appendStringInfoString(buf, i == n - 1 ? " and " : ", ");
			appendStringInfoString(buf, names[i]);
		}
		named += n;
	}
	return named;
}

/*
 * find_placeholder_form
 *		For a code that lacks placeholder X characters before its 7th
 *		character (T50.15A), find the code in the release that inserts them
 *		(T50.1X5A).  Returns 0 when no such code exists.
 */
static Icd10
find_placeholder_form(const Icd10Release *rel, Icd10 code)
{
	int			len = icd10_length(code);
	int			missing = ICD10_MAX_LEN - len;
	char		seventh = icd10_char_at(code, len - 1);

	if (len < ICD10_MIN_LEN + 1 || missing <= 0)
		return 0;

	/* Try the X run at each place between the category and the 7th. */
	for (int at = ICD10_MIN_LEN; at <= len - 1; at++)
	{
		Icd10		candidate = icd10_prefix(code, at);
		int			pos = at;

		for (int k = 0; k < missing; k++)
			candidate = icd10_with_char(candidate, pos++, 'X');
		for (int k = at; k < len - 1; k++)
			candidate = icd10_with_char(candidate, pos++,
										icd10_char_at(code, k));
		candidate = icd10_with_char(candidate, pos, seventh);

		if (rel_billable(rel, candidate))
			return candidate;
	}
	return 0;
}

/*
 * append_seventh
 *		When the release's Tabular List defines 7th characters for the code
 *		or an ancestor, list them with their meanings.
 */
static void
append_seventh(StringInfo buf, const Icd10Release *rel,
			   const Icd10Seventh *sev)
{
	if (sev == NULL)
		return;
	appendStringInfo(buf, " The Tabular List (%s) defines these 7th "
					 "characters for %s: ", rel->tabular_version,
					 icd10_code_text(sev->code));
	for (int i = 0; sev->chars[i] != '\0'; i++)
		appendStringInfo(buf, "%s%c (%s)", i > 0 ? ", " : "", sev->chars[i],
						 sev->meanings[i]);
	appendStringInfoChar(buf, '.');
}

/*
 * icd10_diagnose
 *		The heart of icd10_check: classify a well-formed code against a
 *		release and explain the verdict in buf.  The sequencing checks use
 *		it too.
 */
Icd10Status
icd10_diagnose(const Icd10Cache *cache, const Icd10Release *rel, Icd10 code,
			   StringInfo buf)
{
	const char *text = icd10_code_text(code);
	int			idx = icd10_release_find(rel, code);
	Icd10		parent;
	Icd10		fixed;

	/* In the release: billable, or a header of some kind. */
	if (idx >= 0 && (rel->flags[idx] & ICD10_FLAG_BILLABLE))
	{
		appendStringInfo(buf, "%s is a billable code in %s.", text,
						 rel->name);
		return ICD10_BILLABLE;
	}
	if (idx >= 0 && rel_needs_7th(rel, code))
	{
		appendStringInfo(buf, "%s needs %s in %s: ", text,
						 icd10_length(code) == ICD10_MAX_LEN - 1 ?
						 "a 7th character" :
						 "placeholder X characters and a 7th character",
						 rel->name);
		append_family(buf, rel, code);
		appendStringInfoChar(buf, '.');
		append_seventh(buf, rel, icd10_release_seventh(rel, code));
		return ICD10_NEEDS_7TH;
	}
	if (idx >= 0)
	{
		appendStringInfo(buf, "%s is a header in %s, not a billable code; "
						 "it needs more characters: ", text, rel->name);
		append_family(buf, rel, code);
		appendStringInfoChar(buf, '.');
		{
			StringInfoData others;

			initStringInfo(&others);
			if (append_other_releases(&others, cache, rel, code, true) > 0)
				appendStringInfo(buf, " It is%s.", others.data);
			pfree(others.data);
		}
		return ICD10_HEADER;
	}

	/* Not in the release but in another loaded one. */
	{
		StringInfoData others;
		int			named;

		initStringInfo(&others);
		named = append_other_releases(&others, cache, rel, code, false);
		if (named > 0)
		{
			appendStringInfo(buf, "%s is not a code in %s; it is%s.", text,
							 rel->name, others.data);
			parent = rel_parent(rel, code);
			if (parent != 0)
			{
				appendStringInfo(buf, " In %s its nearest ancestor is %s, and ",
								 rel->name, icd10_code_text(parent));
				append_family(buf, rel, parent);
				appendStringInfoChar(buf, '.');
			}
			pfree(others.data);
			return ICD10_OTHER_RELEASE;
		}
		pfree(others.data);
	}

	/* A 7th character the Tabular List does not define for the code. */
	if (icd10_length(code) == ICD10_MAX_LEN)
	{
		const Icd10Seventh *sev = icd10_release_seventh(rel, code);
		char		seventh = icd10_char_at(code, ICD10_MAX_LEN - 1);

		if (sev != NULL && strchr(sev->chars, seventh) == NULL)
		{
			appendStringInfo(buf, "7th character %c is not defined for %s "
							 "in %s.", seventh, text, rel->name);
			append_seventh(buf, rel, sev);
			return ICD10_BAD_7TH;
		}
	}

	/* A 7th character the codes of the release do not use. */
	if (icd10_length(code) == ICD10_MAX_LEN)
	{
		Icd10		stem = icd10_prefix(code, ICD10_MAX_LEN - 1);

		if (icd10_release_find(rel, stem) >= 0 && rel_needs_7th(rel, stem))
		{
			appendStringInfo(buf, "7th character %c is not defined for %s "
							 "in %s; ",
							 icd10_char_at(code, ICD10_MAX_LEN - 1),
							 icd10_code_text(stem), rel->name);
			append_family(buf, rel, stem);
			appendStringInfoChar(buf, '.');
			return ICD10_BAD_7TH;
		}
	}

	/* A 7th character written without its placeholder X characters. */
	fixed = find_placeholder_form(rel, code);
	if (fixed != 0)
	{
		appendStringInfo(buf, "%s lacks the placeholder X; the code in %s "
						 "is %s.", text, rel->name, icd10_code_text(fixed));
		return ICD10_NEEDS_PLACEHOLDER;
	}

	/* Too long: a proper prefix is already a complete code. */
	parent = rel_parent(rel, code);
	if (parent != 0 && rel_billable(rel, parent))
	{
		appendStringInfo(buf, "%s extends %s, which is a complete billable "
						 "code in %s; drop the extra characters.", text,
						 icd10_code_text(parent), rel->name);
		return ICD10_EXTENDS_BILLABLE;
	}

	/* Unknown: name the nearest existing ancestor and its family. */
	appendStringInfo(buf, "%s is not a code in %s", text, rel->name);
	if (parent != 0)
	{
		appendStringInfo(buf, "; its nearest existing ancestor is %s, and ",
						 icd10_code_text(parent));
		append_family(buf, rel, parent);
	}
	else
		appendStringInfo(buf, ", and neither is its category %s",
						 icd10_code_text(icd10_prefix(code, ICD10_MIN_LEN)));
	appendStringInfoChar(buf, '.');
	if (!rel->complete)
		appendStringInfo(buf, " %s is loaded incompletely (the embedded "
						 "default); load the official file to be sure.",
						 rel->name);
	return ICD10_UNKNOWN;
}

/*
 * icd10_check_text
 *		Check a code given as text.  Input longer than seven characters
 *		whose first seven already reach a billable code is reported as
 *		extends_billable; any other malformed input as syntax.  *code is
 *		set, and *has_code true, when the text is a well-formed code.
 */
static Icd10Status
icd10_check_text(const Icd10Cache *cache, const Icd10Release *rel,
				 text *input, Icd10 *code, bool *has_code, StringInfo buf)
{
	char	   *str = text_to_cstring(input);
	Icd10Parse	parse;
	char		detail[256];

	*has_code = icd10_parse(str, strlen(str), ICD10_MIN_LEN, code, &parse);
	if (*has_code)
		return icd10_diagnose(cache, rel, *code, buf);

	/* Over-long: do the first seven characters reach a billable code? */
	if (parse.fault == ICD10_FAULT_TOO_LONG)
	{
		Icd10Parse	head;
		Icd10		stem;
		bool		rest_ok = true;

		for (const char *p = str + parse.offset; *p; p++)
			if (!isalnum((unsigned char) *p) && !isspace((unsigned char) *p))
				rest_ok = false;
		if (rest_ok &&
			icd10_parse(str, parse.offset, ICD10_MIN_LEN, &stem, &head))
		{
			Icd10		reach = rel_billable(rel, stem) ? stem :
				rel_parent(rel, stem);

			if (reach != 0 && rel_billable(rel, reach))
			{
				appendStringInfo(buf, "\"%s\" extends %s, which is a complete "
								 "billable code in %s; a code has at most "
								 "%d characters.", str, icd10_code_text(reach),
								 rel->name, ICD10_MAX_LEN);
				return ICD10_EXTENDS_BILLABLE;
			}
		}
	}

	icd10_fault_detail(str, &parse, detail, sizeof(detail));
	appendStringInfo(buf, "\"%s\" is not an ICD-10-CM code: %s", str, detail);
	return ICD10_SYNTAX;
}

/*
 * icd10_check_result
 *		Build icd10_check's result row for one input against one release
 *		(rel may be NULL: no release was in force on the date asked).
 */
static Datum
icd10_check_result(FunctionCallInfo fcinfo, const Icd10Cache *cache,
				   const Icd10Release *rel, text *input, DateADT date)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	StringInfoData buf;
	Icd10Status status;
	Icd10		code = 0;
	bool		has_code = false;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	initStringInfo(&buf);
	if (rel != NULL)
		status = icd10_check_text(cache, rel, input, &code, &has_code, &buf);
	else
	{
		char	   *str = text_to_cstring(input);
		Icd10Parse	parse;

		has_code = icd10_parse(str, strlen(str), ICD10_MIN_LEN, &code,
							   &parse);
		status = ICD10_NO_RELEASE;
		appendStringInfo(&buf, "No loaded release is in force on %s.",
						 icd10_date_text(date));
	}

	values[0] = Icd10GetDatum(code);
	nulls[0] = !has_code;
	values[1] = CStringGetTextDatum(icd10_status_name(status));
	values[2] = CStringGetTextDatum(buf.data);
	if (rel != NULL)
		values[3] = CStringGetTextDatum(rel->name);
	else
		nulls[3] = true;

	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
											 values, nulls));
}

/*
 * icd10_check
 *		icd10_check(code text [, release text]): what is wrong with a code,
 *		if anything, in the named or the current release.
 */
PG_FUNCTION_INFO_V1(icd10_check);
Datum
icd10_check(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10Release *rel;

	if (PG_NARGS() > 1)
		rel = icd10_release_named(cache,
								  text_to_cstring(PG_GETARG_TEXT_PP(1)),
								  ICD10_PART_CHECK);
	else
		rel = icd10_release_current(cache, ICD10_PART_CHECK);

	return icd10_check_result(fcinfo, cache, rel, PG_GETARG_TEXT_PP(0), 0);
}

/*
 * icd10_check_on
 *		icd10_check(code text, service_date date): the same, in the release
 *		in force on the date of service.
 */
PG_FUNCTION_INFO_V1(icd10_check_on);
Datum
icd10_check_on(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	DateADT		date = PG_GETARG_DATEADT(1);
	Icd10Release *rel = icd10_release_on(cache, date, ICD10_PART_CHECK);

	return icd10_check_result(fcinfo, cache, rel, PG_GETARG_TEXT_PP(0), date);
}

/*
 * release_from_args
 *		The release named by argument 1 when there is one, else the
 *		current release, with its codes read.
 */
static Icd10Release *
release_from_args(FunctionCallInfo fcinfo, Icd10Cache *cache)
{
	if (PG_NARGS() > 1)
		return icd10_release_named(cache,
								   text_to_cstring(PG_GETARG_TEXT_PP(1)),
								   ICD10_PART_CODES);
	return icd10_release_current(cache, ICD10_PART_CODES);
}

/* icd10_billable(code [, release]): is the code billable in the release? */
PG_FUNCTION_INFO_V1(icd10_billable);
Datum
icd10_billable(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);

	PG_RETURN_BOOL(rel_billable(release_from_args(fcinfo, cache),
								PG_GETARG_ICD10(0)));
}

/*
 * icd10_billable_on(code, service_date): is the code billable in the
 * release in force on that date?  NULL when no loaded release is.
 */
PG_FUNCTION_INFO_V1(icd10_billable_on);
Datum
icd10_billable_on(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10Release *rel = icd10_release_on(cache, PG_GETARG_DATEADT(1),
										 ICD10_PART_CODES);

	if (rel == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(rel_billable(rel, PG_GETARG_ICD10(0)));
}

/* icd10_exists(code [, release]): is the code in the release at all? */
PG_FUNCTION_INFO_V1(icd10_exists);
Datum
icd10_exists(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);

	PG_RETURN_BOOL(icd10_release_find(release_from_args(fcinfo, cache),
									  PG_GETARG_ICD10(0)) >= 0);
}

/*
 * icd10_exists_on(code, service_date): is the code in the release in force
 * on that date?  NULL when no loaded release is.
 */
PG_FUNCTION_INFO_V1(icd10_exists_on);
Datum
icd10_exists_on(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10Release *rel = icd10_release_on(cache, PG_GETARG_DATEADT(1),
										 ICD10_PART_CODES);

	if (rel == NULL)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(icd10_release_find(rel, PG_GETARG_ICD10(0)) >= 0);
}

/*
 * icd10_release_name(release text): the release a call would use: the one
 * named, which must be loaded, or with NULL the current one.
 */
PG_FUNCTION_INFO_V1(icd10_release_name);
Datum
icd10_release_name(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10Release *rel;

	if (PG_ARGISNULL(0))
		rel = icd10_release_current(cache, 0);
	else
		rel = icd10_release_named(cache,
								  text_to_cstring(PG_GETARG_TEXT_PP(0)), 0);
	PG_RETURN_TEXT_P(cstring_to_text(rel->name));
}

/*
 * icd10_release_on_date(service_date): the release in force on a date, or
 * NULL when no loaded release is.
 */
PG_FUNCTION_INFO_V1(icd10_release_on_date);
Datum
icd10_release_on_date(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10Release *rel = icd10_release_on(cache, PG_GETARG_DATEADT(0), 0);

	if (rel == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(rel->name));
}

/*
 * icd10_parent(code [, release]): the nearest ancestor of the code that is
 * a code in the release; NULL for a category or when none exists.
 */
PG_FUNCTION_INFO_V1(icd10_parent);
Datum
icd10_parent(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10		parent = rel_parent(release_from_args(fcinfo, cache),
									PG_GETARG_ICD10(0));

	if (parent == 0)
		PG_RETURN_NULL();
	PG_RETURN_ICD10(parent);
}

/* Append one code to a materialized single-column result. */
static void
put_code(FunctionCallInfo fcinfo, Icd10 code)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		value = Icd10GetDatum(code);
	bool		isnull = false;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value,
						 &isnull);
}

/*
 * icd10_children(code [, release]): the codes directly under a code in the
 * release, in tabular order.  Placeholder levels are looked through, so
 * the children of T50.1 include T50.1X1.
 */
PG_FUNCTION_INFO_V1(icd10_children);
Datum
icd10_children(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10Release *rel = release_from_args(fcinfo, cache);
	Icd10		code = PG_GETARG_ICD10(0);
	Icd10		upper = icd10_prefix_upper(code);

	icd10_init_srf(fcinfo);
	for (int i = icd10_release_lower(rel, code);
		 i < rel->ncodes && rel->codes[i] <= upper; i++)
	{
		if (rel->codes[i] != code && rel_parent(rel, rel->codes[i]) == code)
			put_code(fcinfo, rel->codes[i]);
	}
	return (Datum) 0;
}

/*
 * icd10_ancestors(code [, release]): the codes above a code in the
 * release, from its category down.
 */
PG_FUNCTION_INFO_V1(icd10_ancestors);
Datum
icd10_ancestors(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10Release *rel = release_from_args(fcinfo, cache);
	Icd10		code = PG_GETARG_ICD10(0);

	icd10_init_srf(fcinfo);
	for (int len = ICD10_MIN_LEN; len < icd10_length(code); len++)
	{
		Icd10		prefix = icd10_prefix(code, len);

		if (icd10_release_find(rel, prefix) >= 0)
			put_code(fcinfo, prefix);
	}
	return (Datum) 0;
}

/*
 * parse_family
 *		Parse a family pattern: a code prefix of any length, optionally
 *		followed by "-" or "*" ("M62.83-", "M62.83*", "G73.-", "M62.83").
 */
static Icd10
parse_family(text *pattern)
{
	char	   *str = text_to_cstring(pattern);
	int			len = strlen(str);
	Icd10		prefix;
	Icd10Parse	parse;
	char		detail[256];

	/* Drop blanks, then one trailing wildcard, then a dot it leaves. */
	while (len > 0 && isspace((unsigned char) str[len - 1]))
		len--;
	if (len > 0 && (str[len - 1] == '-' || str[len - 1] == '*'))
		len--;
	if (len > 0 && str[len - 1] == '.')
		len--;

	if (!icd10_parse(str, len, 1, &prefix, &parse))
	{
		icd10_fault_detail(str, &parse, detail, sizeof(detail));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid ICD-10-CM family pattern: \"%s\"", str),
				 errdetail_internal("%s", detail),
				 errhint("A pattern is a code prefix, optionally followed by "
						 "\"-\" or \"*\", such as \"M62.83-\".")));
	}
	return prefix;
}

/*
 * icd10_expand(pattern text [, release text]): the billable codes of a
 * family, with their long titles, in code order.  An unknown family
 * returns no rows and a NOTICE.
 */
PG_FUNCTION_INFO_V1(icd10_expand);
Datum
icd10_expand(PG_FUNCTION_ARGS)
{
	Icd10Cache *cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	Icd10Release *rel = release_from_args(fcinfo, cache);
	Icd10		prefix = parse_family(PG_GETARG_TEXT_PP(0));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Icd10		first;
	int			n;
	StringInfoData query;
	Oid			fn_oid = fcinfo->flinfo->fn_oid;
	Oid			argtypes[3] = {TEXTOID, InvalidOid, InvalidOid};
	Datum		args[3];
	const char *nsp;

	icd10_init_srf(fcinfo);

	/* The cache tells whether the family has any billable code. */
	n = rel_billable_under(rel, prefix, &first, 1);
	if (n == 0)
	{
		char		buf[ICD10_TEXT_BUFLEN];
		int			len = icd10_length(prefix);

		/* A prefix may be shorter than a code; print what there is. */
		for (int i = 0; i < len; i++)
			buf[i] = icd10_char_at(prefix, i);
		buf[len] = '\0';
		if (len > ICD10_MIN_LEN)
			icd10_to_text(prefix, buf);
		ereport(NOTICE,
				(errmsg("no billable codes under \"%s\" in release %s",
						buf, rel->name)));
		return (Datum) 0;
	}

	/* Read the titles of the family with one index range scan. */
	nsp = icd10_schema_name(fn_oid);
	initStringInfo(&query);
	appendStringInfo(&query,
					 "SELECT code, long_title FROM %s.icd10_code "
					 "WHERE release OPERATOR(pg_catalog.=) $1 AND billable "
					 "AND code OPERATOR(%s.>=) $2 AND code OPERATOR(%s.<=) $3 "
					 "ORDER BY code USING OPERATOR(%s.<)",
					 nsp, nsp, nsp, nsp);
	argtypes[1] = argtypes[2] = icd10_type_oid(fn_oid);
	args[0] = CStringGetTextDatum(rel->name);
	args[1] = Icd10GetDatum(prefix);
	args[2] = Icd10GetDatum(icd10_prefix_upper(prefix));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(query.data, 3, argtypes, args, NULL, true, 0) !=
		SPI_OK_SELECT)
		elog(ERROR, "could not read the code table");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		Datum		values[2];
		bool		nulls[2];

		if ((i & 0xFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		values[0] = SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &nulls[0]);
		values[1] = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &nulls[1]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
