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
#include "lib/stringinfo.h"
#include "utils/date.h"

/*
 * XXX: the type is 8 bytes and passed by value, which needs a 64-bit Datum;
 * 32-bit builds are refused rather than given a slower by-reference type.
 */
#if SIZEOF_DATUM < 8
#error "icdspasm needs a 64-bit Datum to pass the icd10 type by value"
#endif

/* PostgreSQL 13 names the predefined roles "default roles". */
#if PG_VERSION_NUM < 140000
#define ROLE_PG_READ_SERVER_FILES DEFAULT_ROLE_READ_SERVER_FILES
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
	int			length;			/* code characters seen, not the dot */
	int			position;		/* 1-based code position of a bad char */
	int			offset;			/* byte offset of the fault */
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
extern const char *icd10_code_text(Icd10 code);

/* src/cache.c: the backend-local cache of loaded releases */

#define ICD10_FLAG_BILLABLE	0x01

/* The note kinds the sequencing checks read, as cached. */
typedef enum Icd10NoteKind
{
	ICD10_NOTE_EXCLUDES1,
	ICD10_NOTE_CODE_FIRST,
	ICD10_NOTE_USE_ADDITIONAL
} Icd10NoteKind;

/* An instructional note with its parsed code references. */
typedef struct Icd10Note
{
	Icd10NoteKind kind;
	const char *node;			/* where it sits: "M62", "M60-M63", ... */
	const char *text;
	int			nrefs;
	Icd10	   *first;			/* reference i covers first[i]..last[i] */
	Icd10	   *last;
} Icd10Note;

/*
 * Notes apply to everything under their node: key is that node's code, or
 * each category of a section or chapter that carries the note.  Here and in
 * Icd10Edit and Icd10Seventh the Icd10 key comes first, for
 * icd10_lower_bound.
 */
typedef struct Icd10NoteLink
{
	Icd10		key;
	int			note;
} Icd10NoteLink;

/* Per-code edit attributes (icd10_code_edit). */
#define ICD10_EDIT_MANIFESTATION	0x01	/* derived from the tabular */
#define ICD10_EDIT_MANIFESTATION_PDX 0x02	/* loaded: not principal */
#define ICD10_EDIT_UNACCEPTABLE_PDX 0x04
#define ICD10_EDIT_AGE			0x08
#define ICD10_EDIT_SEX_MALE		0x10
#define ICD10_EDIT_SEX_FEMALE	0x20
#define ICD10_EDIT_UNACCEPTABLE_ALONE 0x40	/* unless a secondary is coded */

typedef struct Icd10Edit
{
	Icd10		code;
	uint8		flags;
	int16		age_min;
	int16		age_max;
	const char *age_group;
} Icd10Edit;

/* The 7th characters a node defines, and their meanings. */
typedef struct Icd10Seventh
{
	Icd10		code;
	char	   *chars;			/* e.g. "ADS" */
	char	  **meanings;
} Icd10Seventh;

/* The parts of a release that are read into the cache when first needed. */
#define ICD10_PART_CODES	0x01	/* codes and billable flags */
#define ICD10_PART_SEVENTH	0x02	/* 7th characters of the tabular */
#define ICD10_PART_NOTES	0x04	/* notes, their links, edit attributes */
#define ICD10_PART_CHECK	(ICD10_PART_CODES | ICD10_PART_SEVENTH)
#define ICD10_PART_ALL		(ICD10_PART_CHECK | ICD10_PART_NOTES)

typedef struct Icd10Release
{
	char		name[NAMEDATALEN];
	int			loaded;			/* ICD10_PART_* read so far */
	DateADT		effective_from;
	DateADT		effective_to;
	bool		complete;
	int			ncodes;
	Icd10	   *codes;			/* sorted ascending */
	uint8	   *flags;			/* ICD10_FLAG_* per code */

	/* From the Tabular List XML, when one is loaded for the release. */
	bool		has_tabular;
	char		tabular_version[32];
	int			nnotes;
	Icd10Note  *notes;
	int			nlinks;
	Icd10NoteLink *links;		/* sorted by key */
	int			nseventh;
	Icd10Seventh *seventh;		/* sorted by code */

	/* Edit attributes, derived or loaded. */
	int			nedits;
	Icd10Edit  *edits;			/* sorted by code */
} Icd10Release;

/* A row of icd10_integral_symptom: families as code ranges. */
typedef struct Icd10Integral
{
	Icd10		condition;
	Icd10		symptom;
	const char *reason;
} Icd10Integral;

typedef struct Icd10Cache
{
	Oid			fn_oid;			/* one of our functions, for our schema */
	MemoryContext context;		/* where the cache and its parts live */
	int			nreleases;
	Icd10Release *releases;		/* sorted by effective_from, oldest first */
	int			nintegral;
	Icd10Integral *integral;
} Icd10Cache;

extern char *icd10_release_guc;

extern Icd10Cache *icd10_cache_get(Oid fn_oid);
extern Icd10Release *icd10_release_named(Icd10Cache *cache,
										 const char *name, int parts);
extern Icd10Release *icd10_release_current(Icd10Cache *cache, int parts);
extern Icd10Release *icd10_release_on(Icd10Cache *cache, DateADT date,
									  int parts);
extern void icd10_release_load(Icd10Cache *cache, Icd10Release *rel,
							   int parts);
extern int	icd10_release_find(const Icd10Release *rel, Icd10 code);
extern int	icd10_release_lower(const Icd10Release *rel, Icd10 code);
extern int	icd10_lower_bound(const void *base, int n, size_t size,
							  Icd10 key);
extern Oid	icd10_type_oid(Oid fn_oid);
extern const char *icd10_schema_name(Oid fn_oid);
extern char *icd10_date_text(DateADT date);

extern Oid	icd10_table_owner(Oid fn_oid);
extern const Icd10Edit *icd10_release_edit(const Icd10Release *rel,
										   Icd10 code);
extern const Icd10Seventh *icd10_release_seventh(const Icd10Release *rel,
												 Icd10 code);

/* src/check.c: what is wrong with a code */

typedef enum Icd10Status
{
	ICD10_BILLABLE,
	ICD10_SYNTAX,
	ICD10_UNKNOWN,
	ICD10_HEADER,
	ICD10_EXTENDS_BILLABLE,
	ICD10_NEEDS_7TH,
	ICD10_BAD_7TH,
	ICD10_NEEDS_PLACEHOLDER,
	ICD10_OTHER_RELEASE,
	ICD10_NO_RELEASE
} Icd10Status;

extern Icd10Status icd10_diagnose(const Icd10Cache *cache,
								  const Icd10Release *rel, Icd10 code,
								  StringInfo buf);
extern const char *icd10_status_name(Icd10Status status);

/* src/tabular.c: notes, code references and loaders */

typedef enum Icd10RefKind
{
	ICD10_REF_CODE,				/* "(G72.1)": it and what lies under it */
	ICD10_REF_FAMILY,			/* "(M79.1-)" */
	ICD10_REF_RANGE				/* "(E08-E13)" */
} Icd10RefKind;

/* A code reference: the codes from first to last, inclusive. */
typedef struct Icd10Ref
{
	Icd10RefKind kind;
	Icd10		first;
	Icd10		last;
	char	   *text;			/* the reference as written */
} Icd10Ref;

extern int	icd10_parse_refs(const char *text, Icd10Ref *refs, int max);
extern const char *icd10_ref_kind_name(Icd10RefKind kind);
extern void icd10_check_loader_privilege(void);
extern void icd10_as_table_owner(Oid fn_oid, void (*f) (void *), void *arg);

/* src/rows.c: rows gathered by the loaders, written with one INSERT */

#define ICD10_ROWS_MAX_COLS 8

typedef struct Icd10Rows
{
	int			ncols;
	int			n;
	int			size;
	Oid			types[ICD10_ROWS_MAX_COLS];
	Datum	   *values[ICD10_ROWS_MAX_COLS];
	bool	   *nulls[ICD10_ROWS_MAX_COLS];
} Icd10Rows;

extern void icd10_rows_init(Icd10Rows *rows, int ncols, const Oid *types);
extern int	icd10_rows_add(Icd10Rows *rows);
extern void icd10_rows_insert(const char *nsp, const char *table,
							  const char *columns, const char *release,
							  Icd10Rows *rows, int ncols,
							  const char *suffix);
extern void icd10_check_file(const char *path);
extern void icd10_check_gzip(void *gzfile, const char *path);
extern void *icd10_open_gz(const char *path);
extern void icd10_run(const char *query, int nargs, Oid *types, Datum *args,
					  int expected);

/* Materialized set-returning functions on every supported server. */
extern void icd10_init_srf(FunctionCallInfo fcinfo);

#endif							/* ICDSPASM_H */
