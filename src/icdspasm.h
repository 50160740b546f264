/*-------------------------------------------------------------------------
 *
 * icdspasm.h
 *		Shared declarations of the icdspasm extension: the encoding of the
 *		icd10 type, the code parser and the backend-local release cache.
 *
 * An ICD-10-CM code has 3 to 7 characters drawn from [0-9A-Z].  We store it
 * in a uint64 as seven 6-bit symbols, the first character in the highest
 * symbol.  Symbol 0 means "no character", digits are 1 to 10 and letters 11
 * to 36.  Because a missing character sorts below any character, and digits
 * below letters, comparing two encoded values as integers gives the order
 * of their canonical text forms: "M62" < "M62.0" < "M62.830" < "M62.A".
 *
 *-------------------------------------------------------------------------
 */
#ifndef ICDSPASM_H
#define ICDSPASM_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/date.h"

/* The type is 8 bytes and passed by value, which needs a 64-bit Datum. */
#if SIZEOF_DATUM < 8
#error "icdspasm needs a 64-bit Datum to pass the icd10 type by value"
#endif

typedef uint64 Icd10;

#define ICD10_MIN_LEN		3	/* a category has three characters */
#define ICD10_MAX_LEN		7	/* the 7th character is the last */
#define ICD10_SYM_BITS		6
#define ICD10_SYM_MASK		((Icd10) 0x3F)

/* Longest canonical text: 7 characters, a dot and the terminator. */
#define ICD10_TEXT_BUFLEN	(ICD10_MAX_LEN + 2)

#define DatumGetIcd10(X)	((Icd10) DatumGetInt64(X))
#define Icd10GetDatum(X)	Int64GetDatum((int64) (X))
#define PG_GETARG_ICD10(n)	DatumGetIcd10(PG_GETARG_DATUM(n))
#define PG_RETURN_ICD10(x)	return Icd10GetDatum(x)

/* What is wrong with a string that is not a well-formed code. */
typedef enum Icd10Fault
{
	ICD10_FAULT_NONE = 0,
	ICD10_FAULT_EMPTY,			/* nothing but blanks */
	ICD10_FAULT_TOO_SHORT,		/* fewer characters than allowed */
	ICD10_FAULT_TOO_LONG,		/* more than seven characters */
	ICD10_FAULT_BAD_CHAR,		/* a character its position does not allow */
	ICD10_FAULT_BAD_DOT			/* a dot anywhere but after the third */
} Icd10Fault;

/* The outcome of parsing a string, fault details included. */
typedef struct Icd10Parse
{
	Icd10Fault	fault;
	int			length;			/* code characters seen, dot not counted */
	int			position;		/* 1-based code position of a bad char */
	int			offset;			/* byte offset of the fault in the input */
	int			dots;			/* dots seen, the faulty one included */
	char		upper[ICD10_MAX_LEN + 1];	/* first characters, upper case */
} Icd10Parse;

/* src/icd10.c: encoding and parsing, shared by every module */
extern bool icd10_parse(const char *str, int len, int min_len,
						Icd10 *code, Icd10Parse *parse);
extern void icd10_fault_detail(const char *str, const Icd10Parse *parse,
							   char *buf, size_t buflen);
extern int	icd10_length(Icd10 code);
extern Icd10 icd10_prefix(Icd10 code, int len);
extern Icd10 icd10_prefix_upper(Icd10 code);
extern bool icd10_is_under(Icd10 code, Icd10 ancestor);
extern char icd10_char_at(Icd10 code, int pos);
extern Icd10 icd10_with_char(Icd10 code, int pos, char c);
extern int	icd10_to_text(Icd10 code, char *buf);

/* src/cache.c: the backend-local cache of loaded releases */

#define ICD10_FLAG_BILLABLE	0x01

typedef struct Icd10Release
{
	char		name[NAMEDATALEN];
	DateADT		effective_from;
	DateADT		effective_to;
	bool		complete;
	int			ncodes;
	Icd10	   *codes;			/* sorted ascending */
	uint8	   *flags;			/* ICD10_FLAG_* per code */
} Icd10Release;

typedef struct Icd10Cache
{
	int			nreleases;
	Icd10Release *releases;		/* sorted by effective_from, oldest first */
} Icd10Cache;

extern char *icd10_release_guc;

extern Icd10Cache *icd10_cache_get(Oid fn_oid);
extern Icd10Release *icd10_release_named(Icd10Cache *cache,
										 const char *name);
extern Icd10Release *icd10_release_current(Icd10Cache *cache);
extern Icd10Release *icd10_release_on(Icd10Cache *cache, DateADT date);
extern int	icd10_release_find(const Icd10Release *rel, Icd10 code);
extern int	icd10_release_lower(const Icd10Release *rel, Icd10 code);
extern char *icd10_qualified_table(Oid fn_oid, const char *table);
extern Oid	icd10_type_oid(Oid fn_oid);

/* Materialized set-returning functions on every supported server. */
extern void icd10_init_srf(FunctionCallInfo fcinfo);

#endif							/* ICDSPASM_H */
