/*-------------------------------------------------------------------------
 *
 * rows.c
 *		Rows collected by the loaders, and how they are written: every
 *		loader gathers its rows as parallel column arrays and writes each
 *		table with one INSERT ... SELECT FROM unnest() through SPI.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "icdspasm.h"

/*
 * icd10_check_file
 *		Before a loader opens a file: it must exist, be readable and not be
 *		a directory, or the load stops with the error core's COPY gives.
 */
void
icd10_check_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || access(path, R_OK) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path)));
	if (S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a directory", path)));
}

/*
 * icd10_open_gz
 *		Open a loader's file, plain or gzip-compressed, for reading.
 */
void *
icd10_open_gz(const char *path)
{
	gzFile		file;

	icd10_check_file(path);
	file = gzopen(path, "rb");
	if (file == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path)));
	return file;
}

/*
 * icd10_check_gzip
 *		Stop a load when zlib reports a damaged or cut-off gzip stream, or a
 *		read error.
 */
void
icd10_check_gzip(void *gzfile, const char *path)
{
	int			errnum;
	const char *zmsg = gzerror((gzFile) gzfile, &errnum);

	if (errnum == Z_ERRNO)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read file \"%s\": %m", path)));
	if (errnum == Z_OK || errnum == Z_STREAM_END)
		return;

	/* zlib puts the file name first; we name it already. */
	if (strncmp(zmsg, path, strlen(path)) == 0 &&
		strncmp(zmsg + strlen(path), ": ", 2) == 0)
		zmsg += strlen(path) + 2;
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("could not read file \"%s\": %s", path, zmsg),
			 errdetail("The gzip data is damaged or cut off.")));
}

/*
 * icd10_rows_init
 *		Start an empty set of rows with ncols columns of the given element
 *		types.
 */
void
icd10_rows_init(Icd10Rows *rows, int ncols, const Oid *types)
{
	Assert(ncols <= ICD10_ROWS_MAX_COLS);

	rows->ncols = ncols;
	rows->n = 0;
	rows->size = 1024;
	for (int i = 0; i < ncols; i++)
	{
		rows->types[i] = types[i];
		rows->values[i] = palloc(sizeof(Datum) * rows->size);
		rows->nulls[i] = palloc(sizeof(bool) * rows->size);
	}
}

/*
 * icd10_rows_add
 *		Make room for one more row, with no NULLs, and return its index.
 */
int
icd10_rows_add(Icd10Rows *rows)
{
	if (rows->n == rows->size)
	{
		rows->size *= 2;
		for (int i = 0; i < rows->ncols; i++)
		{
			rows->values[i] = repalloc(rows->values[i],
									   sizeof(Datum) * rows->size);
			rows->nulls[i] = repalloc(rows->nulls[i],
									  sizeof(bool) * rows->size);
		}
	}
	for (int i = 0; i < rows->ncols; i++)
		rows->nulls[i][rows->n] = false;
	return rows->n++;
}

/* One column as an array Datum. */
static Datum
rows_array(Icd10Rows *rows, int col)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {rows->n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(rows->types[col], &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(rows->values[col],
											  rows->nulls[col], 1, dims, lbs,
											  rows->types[col], typlen,
											  typbyval, typalign));
}

/*
 * icd10_run
 *		Run one statement through SPI; it must give the expected result.
 */
void
icd10_run(const char *query, int nargs, Oid *types, Datum *args,
		  int expected)
{
	if (SPI_execute_with_args(query, nargs, types, args, NULL, false, 0) !=
		expected)
		elog(ERROR, "could not run \"%s\"", query);
}

/*
 * icd10_rows_insert
 *		Insert the first ncols columns of rows into nsp.table, with the
 *		release name as the first column:
 *
 *		INSERT INTO nsp.table (release, columns) SELECT $1, c1, ...
 *		FROM ROWS FROM (unnest($2), ...) suffix
 *
 * columns names the table's columns, comma-separated; suffix may add an
 * ON CONFLICT clause.  The caller is connected to SPI.
 */
void
icd10_rows_insert(const char *nsp, const char *table, const char *columns,
				  const char *release, Icd10Rows *rows, int ncols,
				  const char *suffix)
{
	StringInfoData query;
	Oid			types[ICD10_ROWS_MAX_COLS + 1];
	Datum		args[ICD10_ROWS_MAX_COLS + 1];

	/* The statement. */
	initStringInfo(&query);
	appendStringInfo(&query, "INSERT INTO %s.%s (release, %s) SELECT $1",
					 nsp, table, columns);
	for (int i = 0; i < ncols; i++)
		appendStringInfo(&query, ", c%d", i);
	appendStringInfoString(&query, " FROM ROWS FROM (");
	for (int i = 0; i < ncols; i++)
		appendStringInfo(&query, "%spg_catalog.unnest($%d)",
						 i > 0 ? ", " : "", i + 2);
	appendStringInfoString(&query, ") AS u(");
	for (int i = 0; i < ncols; i++)
		appendStringInfo(&query, "%sc%d", i > 0 ? ", " : "", i);
	appendStringInfo(&query, ") %s", suffix ? suffix : "");

	/* Its arguments: the release, then one array per column. */
	types[0] = TEXTOID;
	args[0] = CStringGetTextDatum(release);
	for (int i = 0; i < ncols; i++)
	{
		types[i + 1] = get_array_type(rows->types[i]);
		args[i + 1] = rows_array(rows, i);
	}

	icd10_run(query.data, ncols + 1, types, args, SPI_OK_INSERT);
}
