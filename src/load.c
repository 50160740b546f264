/*-------------------------------------------------------------------------
 *
 * load.c
 *		icd10_load_release: load one ICD-10-CM release from the official
 *		"Code Descriptions in Tabular Order" order file.
 *
 * The file is read through zlib, which reads gzip-compressed and plain
 * files alike.  Every line is checked before anything is written; the rows
 * then replace the release's rows in one statement, so a load either
 * completes or leaves the tables as they were, and loading the same file
 * twice gives the same tables.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <zlib.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "icdspasm.h"

/* Order-file columns, 0-based: order number, code, flag and titles. */
#define ORDER_CODE_COL		6
#define ORDER_FLAG_COL		14
#define ORDER_SHORT_COL		16
#define ORDER_SHORT_LEN		60
#define ORDER_LONG_COL		77

/* The longest line we accept; official lines are about 310 bytes. */
#define ORDER_MAX_LINE		4096

/*
 * The rows read from an order file.  Columns: code, billable, short title,
 * long title, order number, and the file line (for messages, not stored).
 */
#define ORDER_COL_CODE		0
#define ORDER_COL_LINE		5

typedef struct OrderRows
{
	Icd10Rows	cols;
	int64		nbillable;
} OrderRows;

/* Report a malformed order-file line and stop the load. */
static void
malformed_line(const char *path, int lineno, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
			 errmsg("malformed line %d in ICD-10-CM order file \"%s\"",
					lineno, path),
			 errdetail_internal("%s", detail)));
}

/* A copy of str[0..len) without trailing blanks, as a text Datum. */
static Datum
trimmed_text(const char *str, int len)
{
	while (len > 0 && str[len - 1] == ' ')
		len--;
	return PointerGetDatum(cstring_to_text_with_len(str, len));
}

/*
 * parse_order_line
 *		Check one line of an order file and append it to rows.  line has its
 *		line end removed.
 */
static void
parse_order_line(OrderRows *rows, const char *path, int lineno,
				 const char *line, int len)
{
	Icd10		code;
	Icd10Parse	parse = {0};
	char		detail[256];
	int			order_number = 0;
	int			r;

	/* The fixed columns must be there, separated by blanks. */
	if (len <= ORDER_LONG_COL)
		malformed_line(path, lineno,
					   psprintf("The line has %d characters; an order-file "
								"line has at least %d.", len,
								ORDER_LONG_COL + 1));
	if (line[ORDER_CODE_COL - 1] != ' ' || line[ORDER_FLAG_COL - 1] != ' ' ||
		line[ORDER_SHORT_COL - 1] != ' ' || line[ORDER_LONG_COL - 1] != ' ')
		malformed_line(path, lineno,
					   "Columns 6, 14, 16 and 77 must be blank.");
	if (pg_verify_mbstr(GetDatabaseEncoding(), line, len, true) != true)
		malformed_line(path, lineno,
					   "The line is not valid in the database encoding.");

	/* Columns 1-5: the order number. */
	for (int i = 0; i < ORDER_CODE_COL - 1; i++)
	{
		if (line[i] < '0' || line[i] > '9')
			malformed_line(path, lineno,
						   "Columns 1 to 5 must hold the order number.");
		order_number = order_number * 10 + (line[i] - '0');
	}

	/* Columns 7-13: the code, without a dot. */
	if (memchr(line + ORDER_CODE_COL, '.', ICD10_MAX_LEN) != NULL ||
		!icd10_parse(line + ORDER_CODE_COL, ICD10_MAX_LEN, ICD10_MIN_LEN,
					 &code, &parse))
	{
		char		field[ICD10_MAX_LEN + 1];

		memcpy(field, line + ORDER_CODE_COL, ICD10_MAX_LEN);
		field[ICD10_MAX_LEN] = '\0';
		if (parse.fault == ICD10_FAULT_NONE)
			snprintf(detail, sizeof(detail), "The code has a dot.");
		else
			icd10_fault_detail(field, &parse, detail, sizeof(detail));
		malformed_line(path, lineno,
					   psprintf("Columns 7 to 13 must hold a code: \"%s\". %s",
								field, detail));
	}

	/* Column 15: 1 for billable, 0 for a header. */
	if (line[ORDER_FLAG_COL] != '0' && line[ORDER_FLAG_COL] != '1')
		malformed_line(path, lineno,
					   "Column 15 must hold 1 for a billable code or 0 for "
					   "a header.");

	/* Keep the row. */
	r = icd10_rows_add(&rows->cols);
	rows->cols.values[0][r] = Icd10GetDatum(code);
	rows->cols.values[1][r] = BoolGetDatum(line[ORDER_FLAG_COL] == '1');
	rows->cols.values[2][r] = trimmed_text(line + ORDER_SHORT_COL,
										   ORDER_SHORT_LEN);
	rows->cols.values[3][r] = trimmed_text(line + ORDER_LONG_COL,
										   len - ORDER_LONG_COL);
	rows->cols.values[4][r] = Int32GetDatum(order_number);
	rows->cols.values[ORDER_COL_LINE][r] = Int32GetDatum(lineno);
	if (line[ORDER_FLAG_COL] == '1')
		rows->nbillable++;
}

/*
 * read_lines
 *		Read and check every line of an open order file.
 */
static void
read_lines(gzFile file, const char *path, OrderRows *rows)
{
	char	   *buf = palloc(ORDER_MAX_LINE + 2);
	int			lineno = 0;

	while (gzgets(file, buf, ORDER_MAX_LINE + 2) != NULL)
	{
		int			len = strlen(buf);

		lineno++;
		if (len > 0 && buf[len - 1] == '\n')
			len--;
		else if (!gzeof(file))
			malformed_line(path, lineno,
						   psprintf("The line is longer than %d bytes.",
									ORDER_MAX_LINE));
		else
			icd10_check_gzip(file, path);	/* a cut-off last line: damaged? */
		if (len > 0 && buf[len - 1] == '\r')
			len--;

		parse_order_line(rows, path, lineno, buf, len);

		if ((lineno & 0x3FFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	/* A damaged gzip stream ends the reading early: say so. */
	icd10_check_gzip(file, path);

	if (rows->cols.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg("ICD-10-CM order file \"%s\" holds no codes", path)));
	pfree(buf);
}

/*
 * read_order_file
 *		Read and check an order file, plain or gzip-compressed.  The file is
 *		closed whether or not reading succeeds.
 */
static void
read_order_file(const char *path, OrderRows *rows)
{
	gzFile		file = icd10_open_gz(path);

	PG_TRY();
	{
		read_lines(file, path, rows);
	}
	PG_FINALLY();
	{
		gzclose(file);
	}
	PG_END_TRY();
}

/* The rows compare_row_codes sorts; qsort passes no context. */
static OrderRows *sort_rows;

/* Order two row indexes by code, for the duplicate check. */
static int
compare_row_codes(const void *a, const void *b)
{
	Datum	   *codes = sort_rows->cols.values[ORDER_COL_CODE];
	Icd10		ca = DatumGetIcd10(codes[*(const int *) a]);
	Icd10		cb = DatumGetIcd10(codes[*(const int *) b]);

	return (ca < cb) ? -1 : (ca > cb) ? 1 : 0;
}

/* Stop the load when a code appears twice, naming both lines. */
static void
check_duplicates(const char *path, OrderRows *rows)
{
	int			n = rows->cols.n;
	Datum	   *codes = rows->cols.values[ORDER_COL_CODE];
	Datum	   *lines = rows->cols.values[ORDER_COL_LINE];
	int		   *idx = palloc(sizeof(int) * n);

	for (int i = 0; i < n; i++)
		idx[i] = i;
	sort_rows = rows;
	qsort(idx, n, sizeof(int), compare_row_codes);

	for (int i = 1; i < n; i++)
	{
		int			a = Min(idx[i - 1], idx[i]);
		int			b = Max(idx[i - 1], idx[i]);
		char		text[ICD10_TEXT_BUFLEN];

		if (codes[a] != codes[b])
			continue;
		icd10_to_text(DatumGetIcd10(codes[a]), text);
		malformed_line(path, DatumGetInt32(lines[b]),
					   psprintf("Code %s already appeared on line %d.", text,
								DatumGetInt32(lines[a])));
	}
	pfree(idx);
}

/*
 * store_release
 *		Replace the release's rows with the rows read, and record the
 *		release, all through SPI in the caller's transaction.
 */
static void
store_release(Oid fn_oid, const char *name, OrderRows *rows,
			  Datum effective_from, Datum effective_to, const char *source)
{
	const char *nsp = icd10_schema_name(fn_oid);
	Oid			argtypes[4] = {TEXTOID, DATEOID, DATEOID, TEXTOID};
	Datum		args[4];

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* Step 1: record the release, or update it when it exists. */
	args[0] = CStringGetTextDatum(name);
	args[1] = effective_from;
	args[2] = effective_to;
	args[3] = CStringGetTextDatum(source);
	icd10_run(psprintf("INSERT INTO %s.icd10_release AS r (name, "
					   "effective_from, effective_to, source, complete, "
					   "loaded_at) VALUES ($1, $2, $3, $4, true, "
					   "pg_catalog.statement_timestamp()) "
					   "ON CONFLICT (name) DO UPDATE SET "
					   "effective_from = excluded.effective_from, "
					   "effective_to = excluded.effective_to, "
					   "source = excluded.source, complete = true, "
					   "loaded_at = excluded.loaded_at", nsp),
			  4, argtypes, args, SPI_OK_INSERT);

	/* Step 2: drop the release's old rows. */
	icd10_run(psprintf("DELETE FROM %s.icd10_code WHERE release = $1", nsp),
			  1, argtypes, args, SPI_OK_DELETE);

	/* Step 3: insert the new rows in one statement. */
	icd10_rows_insert(nsp, "icd10_code",
					  "code, billable, short_title, long_title, order_no",
					  name, &rows->cols, 5, NULL);

	SPI_finish();
}

/* Arguments of store_release, for icd10_as_table_owner. */
typedef struct StoreReleaseArgs
{
	Oid			fn_oid;
	const char *name;
	OrderRows  *rows;
	Datum		effective_from;
	Datum		effective_to;
	const char *source;
} StoreReleaseArgs;

/* store_release, called through icd10_as_table_owner. */
static void
store_release_cb(void *arg)
{
	StoreReleaseArgs *a = (StoreReleaseArgs *) arg;

	store_release(a->fn_oid, a->name, a->rows, a->effective_from,
				  a->effective_to, a->source);
}

/*
 * icd10_load_release
 *		icd10_load_release(release, order_file, effective_from,
 *		effective_to [, source]): load one release from an order file.
 *
 * Allowed to superusers and to roles with the privileges of
 * pg_read_server_files, because it reads a file on the server.  The tables
 * are written as their owner, so such a role needs no table privileges.
 * Returns the release name and the numbers of rows, billable codes and
 * headers loaded.
 */
PG_FUNCTION_INFO_V1(icd10_load_release);
Datum
icd10_load_release(PG_FUNCTION_ARGS)
{
	char	   *name;
	char	   *path;
	char	   *source;
	OrderRows	rows;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	StoreReleaseArgs args;

	/* Who may read server files may load a release. */
	icd10_check_loader_privilege();

	/* Check the arguments. */
	for (int i = 0; i < 4; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("release name, file and effective dates must not "
							"be null")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	path = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (name[0] == '\0' || strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid release name \"%s\"", name),
				 errdetail("A release name has 1 to %d bytes.",
						   NAMEDATALEN - 1)));
	if (PG_GETARG_DATEADT(2) > PG_GETARG_DATEADT(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("release \"%s\" would end before it begins", name)));
	source = (PG_NARGS() > 4 && !PG_ARGISNULL(4)) ?
		text_to_cstring(PG_GETARG_TEXT_PP(4)) : path;

	/* Read and check the whole file before touching the tables. */
	{
		Oid			types[6] = {icd10_type_oid(fcinfo->flinfo->fn_oid),
		BOOLOID, TEXTOID, TEXTOID, INT4OID, INT4OID};

		icd10_rows_init(&rows.cols, 6, types);
		rows.nbillable = 0;
	}
	read_order_file(path, &rows);
	check_duplicates(path, &rows);
	elog(DEBUG1, "icdspasm: read %d codes of release \"%s\" from \"%s\"",
		 rows.cols.n, name, path);

	/* Write as the owner of the tables. */
	args.fn_oid = fcinfo->flinfo->fn_oid;
	args.name = name;
	args.rows = &rows;
	args.effective_from = PG_GETARG_DATUM(2);
	args.effective_to = PG_GETARG_DATUM(3);
	args.source = source;
	icd10_as_table_owner(fcinfo->flinfo->fn_oid, store_release_cb, &args);

	/* Report what was loaded. */
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(name);
	values[1] = Int64GetDatum((int64) rows.cols.n);
	values[2] = Int64GetDatum(rows.nbillable);
	values[3] = Int64GetDatum((int64) rows.cols.n - rows.nbillable);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
