/*-------------------------------------------------------------------------
 *
 * tabular.c
 *		The instructional notes of the ICD-10-CM Tabular List: the parser of
 *		code references inside note text, the Tabular XML loader, and the
 *		loader of per-code edit attributes from a tab-separated file.
 *
 * The XML is read with libxml2, the library PostgreSQL's own XML support
 * uses; it reads gzip-compressed files too.  Notes are stored as they are
 * written, next to the code references parsed out of them, so that SQL
 * can join a note to the codes it names.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>
#include <zlib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
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
#include "utils/tuplestore.h"

#include "icdspasm.h"

/* The note kinds of the Tabular List, in the order the schema lists them. */
static const char *const note_kinds[] = {
	"inclusionTerm", "includes", "excludes1", "excludes2", "codeFirst",
	"useAdditionalCode", "codeAlso", "notes", "sevenChrNote", NULL
};

/*
 * looks_like_code
 *		Notes write codes in upper case with a digit among the first three
 *		characters (M62, QA0); words such as "with" are not references.
 */
static bool
looks_like_code(const char *s, int len)
{
	bool		digit = false;

	for (int i = 0; i < len; i++)
		if (s[i] >= 'a' && s[i] <= 'z')
			return false;
	for (int i = 1; i < Min(len, ICD10_MIN_LEN); i++)
		if (s[i] >= '0' && s[i] <= '9')
			digit = true;
	return digit;
}

/*
 * icd10_parse_refs
 *		Find the code references in a note's text.
 *
 * References sit in parentheses, separated by commas: a code ("(G72.1)"),
 * a family ("(M79.1-)", "(G73.-)") or a range ("(E08-E13)",
 * "(E00-E03.-)").  Each names the codes from first to last inclusive in
 * icd10 order: a code or a family covers the code and everything under
 * it; a range covers everything from its first code to the end of its
 * last.  Text without a code ("see strain of muscle by body region") gives
 * nothing.  Up to max references are stored; the count found is returned.
 *
 * XXX: qualifiers after a reference are not understood: "(F10-F19, with
 * .17, .27, .97)" gives the whole range F10-F19.
 */
int
icd10_parse_refs(const char *text, Icd10Ref *refs, int max)
{
	int			n = 0;
	const char *p = text;

	while ((p = strchr(p, '(')) != NULL)
	{
		const char *close = strchr(p, ')');
		const char *piece = p + 1;

		if (close == NULL)
			break;

		/* Each comma-separated piece may start with a reference. */
		while (piece < close)
		{
			const char *end = piece;
			const char *s;
			Icd10		first;
			Icd10		last;
			Icd10		second;
			Icd10Parse	parse;
			Icd10RefKind kind = ICD10_REF_CODE;
			int			len;

			while (end < close && *end != ',')
				end++;
			s = piece;
			while (s < end && (*s == ' ' || *s == '('))
				s++;

			/* The first code: letters, digits and a dot. */
			len = 0;
			while (s + len < end && (isalnum((unsigned char) s[len]) ||
									 s[len] == '.'))
				len++;
			if (len > 0 && s[len - 1] == '.' && s + len < end &&
				s[len] == '-')
				len--;			/* "G73.-": the dot belongs to the dash */
			if (len >= ICD10_MIN_LEN && looks_like_code(s, len) &&
				icd10_parse(s, len, ICD10_MIN_LEN, &first, &parse))
			{
				const char *q = s + len;

				last = first;

				/* A family dash, or a range to a second code. */
				if (q < end && *q == '.' && q + 1 < end && q[1] == '-')
					q++;
				if (q < end && *q == '-')
				{
					const char *r = q + 1;
					int			rlen = 0;

					while (r + rlen < end &&
						   (isalnum((unsigned char) r[rlen]) || r[rlen] == '.'))
						rlen++;
					if (rlen > 0 && r[rlen - 1] == '.')
						rlen--;
					if (rlen >= ICD10_MIN_LEN && looks_like_code(r, rlen) &&
						icd10_parse(r, rlen, ICD10_MIN_LEN, &second, &parse) &&
						second >= first)
					{
						last = second;
						kind = ICD10_REF_RANGE;
						q = r + rlen;
						if (q < end && *q == '.')
							q++;
						if (q < end && *q == '-')
							q++;
					}
					else
					{
						kind = ICD10_REF_FAMILY;
						q++;
					}
				}

				if (n < max)
				{
					refs[n].kind = kind;
					refs[n].first = first;
					refs[n].last = icd10_prefix_upper(last);
					refs[n].text = pnstrdup(s, q - s);
				}
				n++;
			}
			piece = end + 1;
		}
		p = close + 1;
	}
	return n;
}

/* Names of the reference kinds, as stored. */
const char *
icd10_ref_kind_name(Icd10RefKind kind)
{
	switch (kind)
	{
		case ICD10_REF_CODE:
			return "code";
		case ICD10_REF_FAMILY:
			return "family";
		case ICD10_REF_RANGE:
			return "range";
	}
	return "code";
}

/*
 * icd10_note_refs(note text): the code references in a note's text, as
 * rows of (reference, kind, first_code, last_code).
 */
PG_FUNCTION_INFO_V1(icd10_note_refs);
Datum
icd10_note_refs(PG_FUNCTION_ARGS)
{
	char	   *note = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Icd10Ref	refs[64];
	int			n;

	icd10_init_srf(fcinfo);
	n = Min(icd10_parse_refs(note, refs, lengthof(refs)), (int) lengthof(refs));
	for (int i = 0; i < n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(refs[i].text);
		values[1] = CStringGetTextDatum(icd10_ref_kind_name(refs[i].kind));
		values[2] = Icd10GetDatum(refs[i].first);
		values[3] = Icd10GetDatum(refs[i].last);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	return (Datum) 0;
}

/* What the XML walk collects. */
typedef struct TabularRows
{
	Icd10Rows	notes;			/* note_id, node, node_kind, code, kind,
								 * note */
	Icd10Rows	refs;			/* note_id, ref_no, ref_text, ref_kind,
								 * first, last */
	Icd10Rows	seventh;		/* code, character, meaning */
	Icd10Rows	scope;			/* category, section, chapter */
	Icd10Rows	manifest;		/* code */
	const char *chapter;
	const char *section;
} TabularRows;

/*
 * The text content of a node, as a palloc'd string in the database
 * encoding (never NULL).  libxml2 gives UTF-8.
 */
static char *
node_text(xmlNodePtr node)
{
	xmlChar    *content = xmlNodeGetContent(node);
	const char *utf8 = content ? (const char *) content : "";
	char	   *result = pstrdup(pg_any_to_server(utf8, strlen(utf8),
												  PG_UTF8));

	if (content)
		xmlFree(content);
	return result;
}

/* The first child element of node with that name, or NULL. */
static xmlNodePtr
child_named(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr c = node->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
			strcmp((const char *) c->name, name) == 0)
			return c;
	return NULL;
}

/* Is name one of the note kinds we store? */
static bool
is_note_kind(const char *name)
{
	for (int i = 0; note_kinds[i] != NULL; i++)
		if (strcmp(note_kinds[i], name) == 0)
			return true;
	return false;
}

/*
 * collect_notes
 *		Store the notes on one node (a chapter, a section or a diag), with
 *		their parsed references.  Returns whether the node has a codeFirst
 *		note.
 */
static bool
collect_notes(TabularRows *rows, xmlNodePtr node, const char *label,
			  const char *node_kind, bool is_code, Icd10 code)
{
	bool		has_code_first = false;

	for (xmlNodePtr c = node->children; c != NULL; c = c->next)
	{
		const char *kind = (const char *) c->name;

		if (c->type != XML_ELEMENT_NODE || !is_note_kind(kind))
			continue;
		if (strcmp(kind, "codeFirst") == 0)
			has_code_first = true;

		for (xmlNodePtr note = c->children; note != NULL; note = note->next)
		{
			char	   *text;
			int			row;
			int			note_id;
			Icd10Ref	refs[64];
			int			nrefs;

			if (note->type != XML_ELEMENT_NODE ||
				strcmp((const char *) note->name, "note") != 0)
				continue;

			/* The note itself. */
			text = node_text(note);
			row = icd10_rows_add(&rows->notes);
			note_id = row + 1;
			rows->notes.values[0][row] = Int32GetDatum(note_id);
			rows->notes.values[1][row] = CStringGetTextDatum(label);
			rows->notes.values[2][row] = CStringGetTextDatum(node_kind);
			rows->notes.values[3][row] = Icd10GetDatum(code);
			rows->notes.nulls[3][row] = !is_code;
			rows->notes.values[4][row] = CStringGetTextDatum(kind);
			rows->notes.values[5][row] = CStringGetTextDatum(text);

			/* The code references inside it. */
			nrefs = Min(icd10_parse_refs(text, refs, lengthof(refs)),
						(int) lengthof(refs));
			for (int i = 0; i < nrefs; i++)
			{
				int			r = icd10_rows_add(&rows->refs);

				rows->refs.values[0][r] = Int32GetDatum(note_id);
				rows->refs.values[1][r] = Int32GetDatum(i + 1);
				rows->refs.values[2][r] = CStringGetTextDatum(refs[i].text);
				rows->refs.values[3][r] =
					CStringGetTextDatum(icd10_ref_kind_name(refs[i].kind));
				rows->refs.values[4][r] = Icd10GetDatum(refs[i].first);
				rows->refs.values[5][r] = Icd10GetDatum(refs[i].last);
			}
		}
	}
	return has_code_first;
}

/* Does a title name a manifestation ("in diseases classified elsewhere")? */
static bool
title_says_elsewhere(const char *title, bool diseases_only)
{
	if (diseases_only)
		return strstr(title, "in diseases classified elsewhere") != NULL;
	return strstr(title, " classified elsewhere") != NULL &&
		strstr(title, " in ") != NULL;
}

/*
 * walk_diag
 *		Store one diag node and everything under it.
 *
 * The manifestation flag is derived here for leaves: a title (its own or
 * an ancestor's) says "in diseases classified elsewhere", or the code has a
 * Code first note (its own or inherited) and a title says "in ...
 * classified elsewhere".
 *
 * XXX: this finds about two thirds of the codes a Medicare Code Editor
 * list flags (see the README); manifestations whose titles do not say so,
 * such as E08 diabetes due to an underlying condition, are missed unless
 * an attribute file flags them.
 */
static void
walk_diag(TabularRows *rows, xmlNodePtr diag, bool idce_above,
		  bool elsewhere_above, bool code_first_above, int depth)
{
	xmlNodePtr name_node = child_named(diag, "name");
	xmlNodePtr desc_node = child_named(diag, "desc");
	char	   *name;
	char	   *desc;
	Icd10		code;
	Icd10Parse	parse;
	bool		has_children = false;
	bool		idce;
	bool		elsewhere;
	bool		code_first;

	check_stack_depth();
	if (name_node == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_XML_DOCUMENT),
				 errmsg("diag element without a name in the Tabular List"),
				 errdetail("The element is on line %d of the XML file.",
						   diag->line)));
	name = node_text(name_node);
	desc = desc_node ? node_text(desc_node) : pstrdup("");
	if (!icd10_parse(name, strlen(name), ICD10_MIN_LEN, &code, &parse))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_XML_DOCUMENT),
				 errmsg("diag name \"%s\" in the Tabular List is not a code",
						name),
				 errdetail("The element is on line %d of the XML file.",
						   diag->line)));

	/* A category belongs to the section and chapter around it. */
	if (depth == 0)
	{
		int			r = icd10_rows_add(&rows->scope);

		rows->scope.values[0][r] = Icd10GetDatum(code);
		rows->scope.values[1][r] = CStringGetTextDatum(rows->section);
		rows->scope.values[2][r] = Int32GetDatum(atoi(rows->chapter));
	}

	/* Its notes and 7th characters. */
	code_first = collect_notes(rows, diag, name, "code", true, code) ||
		code_first_above;
	{
		xmlNodePtr def = child_named(diag, "sevenChrDef");

		for (xmlNodePtr e = def ? def->children : NULL; e; e = e->next)
		{
			xmlChar    *ch;
			int			r;

			if (e->type != XML_ELEMENT_NODE ||
				strcmp((const char *) e->name, "extension") != 0)
				continue;
			ch = xmlGetProp(e, (const xmlChar *) "char");
			if (ch == NULL || strlen((const char *) ch) != 1 ||
				!((ch[0] >= 'A' && ch[0] <= 'Z') ||
				  (ch[0] >= '0' && ch[0] <= '9')))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_XML_DOCUMENT),
						 errmsg("7th character \"%s\" of %s in the Tabular "
								"List is not a letter or a digit",
								ch ? (const char *) ch : "", name),
						 errdetail("The element is on line %d of the XML "
								   "file.", e->line)));
			r = icd10_rows_add(&rows->seventh);
			rows->seventh.values[0][r] = Icd10GetDatum(code);
			rows->seventh.values[1][r] =
				CStringGetTextDatum(ch ? (const char *) ch : "");
			rows->seventh.values[2][r] = CStringGetTextDatum(node_text(e));
			if (ch)
				xmlFree(ch);
		}
	}

	/* Its children, which inherit what is above. */
	idce = idce_above || title_says_elsewhere(desc, true);
	elsewhere = elsewhere_above || title_says_elsewhere(desc, false);
	for (xmlNodePtr c = diag->children; c != NULL; c = c->next)
	{
		if (c->type == XML_ELEMENT_NODE &&
			strcmp((const char *) c->name, "diag") == 0)
		{
			has_children = true;
			walk_diag(rows, c, idce, elsewhere, code_first, depth + 1);
		}
	}

	/* A leaf may be a manifestation. */
	if (!has_children && (idce || (code_first && elsewhere)))
	{
		int			r = icd10_rows_add(&rows->manifest);

		rows->manifest.values[0][r] = Icd10GetDatum(code);
		rows->manifest.values[1][r] = CStringGetTextDatum("manifestation");
		rows->manifest.values[2][r] = CStringGetTextDatum("tabular");
	}

	CHECK_FOR_INTERRUPTS();
}

/*
 * walk_tabular
 *		Walk the chapters and sections of a parsed Tabular List.  Returns
 *		the <version> text.
 */
static char *
walk_tabular(TabularRows *rows, xmlNodePtr root)
{
	char	   *volatile version = NULL;

	for (xmlNodePtr ch = root->children; ch != NULL; ch = ch->next)
	{
		xmlNodePtr name;
		char	   *chapter;
		char	   *label;
		bool		chapter_code_first;

		if (ch->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *) ch->name, "version") == 0)
			version = node_text(ch);
		if (strcmp((const char *) ch->name, "chapter") != 0)
			continue;

		/* The chapter's own notes. */
		name = child_named(ch, "name");
		chapter = name ? node_text(name) : pstrdup("");
		if (strspn(chapter, "0123456789") != strlen(chapter) ||
			chapter[0] == '\0' || strlen(chapter) > 3)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_XML_DOCUMENT),
					 errmsg("chapter name \"%s\" in the Tabular List is not "
							"a number", chapter),
					 errdetail("The element is on line %d of the XML file.",
							   ch->line)));
		rows->chapter = chapter;
		label = psprintf("chapter %s", chapter);
		chapter_code_first = collect_notes(rows, ch, label, "chapter", false,
										   0);

		/* Its sections, their notes, and the codes in them. */
		for (xmlNodePtr sec = ch->children; sec != NULL; sec = sec->next)
		{
			xmlChar    *id;
			bool		section_code_first;

			if (sec->type != XML_ELEMENT_NODE ||
				strcmp((const char *) sec->name, "section") != 0)
				continue;
			id = xmlGetProp(sec, (const xmlChar *) "id");
			rows->section = pstrdup(id ? (const char *) id : "");
			if (id)
				xmlFree(id);
			section_code_first = collect_notes(rows, sec, rows->section,
											   "section", false, 0);

			for (xmlNodePtr d = sec->children; d != NULL; d = d->next)
				if (d->type == XML_ELEMENT_NODE &&
					strcmp((const char *) d->name, "diag") == 0)
					walk_diag(rows, d, false, false,
							  chapter_code_first || section_code_first, 0);
		}
	}
	return version ? version : pstrdup("");
}

/*
 * icd10_check_loader_privilege
 *		Loading reads a server file: allowed to superusers and to roles with
 *		the privileges of pg_read_server_files.
 */
void
icd10_check_loader_privilege(void)
{
	if (!superuser() &&
		!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to load ICD-10-CM reference data"),
				 errdetail("Only superusers and roles with privileges of the "
						   "\"pg_read_server_files\" role may load reference "
						   "data from a file.")));
}

/*
 * store_tabular
 *		Replace the release's notes, references, 7th characters, scopes and
 *		derived manifestation flags with the rows collected.
 */
static void
store_tabular(Oid fn_oid, const char *release, const char *version,
			  const char *source, TabularRows *rows)
{
	const char *nsp = icd10_schema_name(fn_oid);
	Datum		args[3];
	Oid			types[3];
	const char *tables[] = {"icd10_note", "icd10_seventh", "icd10_scope"};

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * Step 1: record the tabular of the release.  This locks its row, so
	 * that concurrent loads of one release run one after the other.
	 */
	types[0] = TEXTOID;
	types[1] = TEXTOID;
	types[2] = TEXTOID;
	args[0] = CStringGetTextDatum(release);
	args[1] = CStringGetTextDatum(version);
	args[2] = CStringGetTextDatum(source);
	icd10_run(psprintf("INSERT INTO %s.icd10_tabular AS t (release, "
					   "version, source, loaded_at) VALUES ($1, $2, $3, "
					   "pg_catalog.statement_timestamp()) "
					   "ON CONFLICT (release) DO UPDATE SET "
					   "version = excluded.version, "
					   "source = excluded.source, "
					   "loaded_at = excluded.loaded_at", nsp),
			  3, types, args, SPI_OK_INSERT);

	/* Step 2: forget what an earlier load of this release stored. */
	for (int i = 0; i < (int) lengthof(tables); i++)
		icd10_run(psprintf("DELETE FROM %s.%s WHERE release = $1", nsp,
						   tables[i]), 1, types, args, SPI_OK_DELETE);
	icd10_run(psprintf("DELETE FROM %s.icd10_code_edit WHERE release = $1 "
					   "AND source = 'tabular'", nsp),
			  1, types, args, SPI_OK_DELETE);

	/* Step 3: the notes, their references, 7th characters and scopes. */
	icd10_rows_insert(nsp, "icd10_note",
					  "note_id, node, node_kind, code, kind, note",
					  release, &rows->notes, 6, NULL);
	icd10_rows_insert(nsp, "icd10_note_ref",
					  "note_id, ref_no, ref_text, ref_kind, first_code, "
					  "last_code", release, &rows->refs, 6, NULL);
	icd10_rows_insert(nsp, "icd10_seventh", "code, character, meaning",
					  release, &rows->seventh, 3, NULL);
	icd10_rows_insert(nsp, "icd10_scope", "category, section, chapter",
					  release, &rows->scope, 3, NULL);

	/* Step 4: the derived manifestation flags. */
	icd10_rows_insert(nsp, "icd10_code_edit", "code, edit, source",
					  release, &rows->manifest, 3, "ON CONFLICT DO NOTHING");

	SPI_finish();
}

/* Run f(arg) as the owner of our tables, with a safe search_path. */
void
icd10_as_table_owner(Oid fn_oid, void (*f) (void *), void *arg)
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(icd10_table_owner(fn_oid),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);

	f(arg);

	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

/* Arguments of store_tabular, for icd10_as_table_owner. */
typedef struct StoreTabularArgs
{
	Oid			fn_oid;
	const char *release;
	const char *version;
	const char *source;
	TabularRows *rows;
} StoreTabularArgs;

/* store_tabular, called through icd10_as_table_owner. */
static void
store_tabular_cb(void *arg)
{
	StoreTabularArgs *a = (StoreTabularArgs *) arg;

	store_tabular(a->fn_oid, a->release, a->version, a->source, a->rows);
}

/*
 * loader_args
 *		Check the caller and the arguments (release, file [, source]) of a
 *		loader of notes or attributes: the release must be loaded.
 */
static void
loader_args(FunctionCallInfo fcinfo, char **release, char **path,
			char **source)
{
	Icd10Cache *cache;

	icd10_check_loader_privilege();
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("release name and file must not be null")));
	*release = text_to_cstring(PG_GETARG_TEXT_PP(0));
	*path = text_to_cstring(PG_GETARG_TEXT_PP(1));
	*source = (PG_NARGS() > 2 && !PG_ARGISNULL(2)) ?
		text_to_cstring(PG_GETARG_TEXT_PP(2)) : *path;

	cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	(void) icd10_release_named(cache, *release, 0);
}

/*
 * icd10_load_tabular(release, tabular_file [, source]): load the
 * instructional notes of a Tabular List XML file (plain or gzip) for a
 * loaded release.  Returns what was loaded.
 */
PG_FUNCTION_INFO_V1(icd10_load_tabular);
Datum
icd10_load_tabular(PG_FUNCTION_ARGS)
{
	char	   *release;
	char	   *path;
	char	   *source;
	xmlDocPtr	doc;
	xmlNodePtr	root;
	TabularRows rows;
	char	   *volatile version = NULL;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};
	StoreTabularArgs args;

	loader_args(fcinfo, &release, &path, &source);

	/* Parse the whole file; libxml2 reads gzip by itself. */
	memset(&rows, 0, sizeof(rows));
	{
		Oid			icd10 = icd10_type_oid(fcinfo->flinfo->fn_oid);
		Oid			note_types[] = {INT4OID, TEXTOID, TEXTOID, icd10,
		TEXTOID, TEXTOID};
		Oid			ref_types[] = {INT4OID, INT4OID, TEXTOID, TEXTOID,
		icd10, icd10};
		Oid			seventh_types[] = {icd10, TEXTOID, TEXTOID};
		Oid			scope_types[] = {icd10, TEXTOID, INT4OID};
		Oid			manifest_types[] = {icd10, TEXTOID, TEXTOID};

		icd10_rows_init(&rows.notes, 6, note_types);
		icd10_rows_init(&rows.refs, 6, ref_types);
		icd10_rows_init(&rows.seventh, 3, seventh_types);
		icd10_rows_init(&rows.scope, 3, scope_types);
		icd10_rows_init(&rows.manifest, 3, manifest_types);
	}

	icd10_check_file(path);
	doc = xmlReadFile(path, NULL,
					  XML_PARSE_NONET |
					  XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
	{
		xmlErrorPtr err = xmlGetLastError();

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_XML_DOCUMENT),
				 errmsg("could not read Tabular List XML file \"%s\"", path),
				 err ? errdetail("%s (line %d).",
								 pnstrdup(err->message,
										  strcspn(err->message, "\n")),
								 err->line) : 0));
	}

	PG_TRY();
	{
		root = xmlDocGetRootElement(doc);
		if (root == NULL ||
			strcmp((const char *) root->name, "ICD10CM.tabular") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_XML_DOCUMENT),
					 errmsg("\"%s\" is not an ICD-10-CM Tabular List file",
							path),
					 errdetail("Its root element is not ICD10CM.tabular.")));
		version = walk_tabular(&rows, root);
	}
	PG_FINALLY();
	{
		xmlFreeDoc(doc);
	}
	PG_END_TRY();

	if (rows.scope.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_XML_DOCUMENT),
				 errmsg("tabular list file \"%s\" holds no codes", path)));

	/* Write as the tables' owner. */
	args.fn_oid = fcinfo->flinfo->fn_oid;
	args.release = release;
	args.version = version;
	args.source = source;
	args.rows = &rows;
	icd10_as_table_owner(fcinfo->flinfo->fn_oid, store_tabular_cb, &args);

	/* Report what was loaded. */
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = CStringGetTextDatum(release);
	values[1] = CStringGetTextDatum(version);
	values[2] = Int64GetDatum((int64) rows.notes.n);
	values[3] = Int64GetDatum((int64) rows.refs.n);
	values[4] = Int64GetDatum((int64) rows.seventh.n);
	values[5] = Int64GetDatum((int64) rows.scope.n);
	values[6] = Int64GetDatum((int64) rows.manifest.n);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

/* The edits an attribute file may name, and what they mean. */
static const char *const edit_names[] = {
	"manifestation_not_pdx", "unacceptable_pdx",
	"unacceptable_pdx_unless_secondary", "age_newborn", "age_pediatric",
	"age_maternity", "age_adult", "sex_male", "sex_female", NULL
};

/* Arguments of store_edits, for icd10_as_table_owner. */
typedef struct StoreEditsArgs
{
	Oid			fn_oid;
	const char *release;
	const char *source;
	Icd10Rows  *rows;
	uint64		stored;			/* out: rows inserted */
} StoreEditsArgs;

/* Replace the release's edits from a file with the rows read. */
static void
store_edits_cb(void *arg)
{
	StoreEditsArgs *a = (StoreEditsArgs *) arg;
	const char *nsp = icd10_schema_name(a->fn_oid);
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	args[0] = CStringGetTextDatum(a->release);
	args[1] = CStringGetTextDatum(a->source);
	icd10_run(psprintf("DELETE FROM %s.icd10_code_edit WHERE release = $1 "
					   "AND source = $2", nsp),
			  2, types, args, SPI_OK_DELETE);
	icd10_rows_insert(nsp, "icd10_code_edit",
					  "edit, code, age_min, age_max, source", a->release,
					  a->rows, 5, "ON CONFLICT DO NOTHING");
	a->stored = SPI_processed;
	SPI_finish();
}

/* Report a malformed line of an attribute file. */
static void
bad_edit_line(const char *path, int lineno, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
			 errmsg("malformed line %d in edit attribute file \"%s\"",
					lineno, path),
			 errdetail_internal("%s", detail)));
}

/* Parse an optional whole number field; -1 means empty. */
static int
parse_age(const char *path, int lineno, const char *field)
{
	char	   *end;
	long		v;

	if (field[0] == '\0')
		return -1;
	v = strtol(field, &end, 10);
	if (*end != '\0' || v < 0 || v > 200)
		bad_edit_line(path, lineno,
					  psprintf("Age \"%s\" is not a whole number of years.",
							   field));
	return (int) v;
}

/*
 * read_edit_lines
 *		Read a tab-separated attribute file: a header line, then lines of
 *		edit, code (with or without dot), age_min, age_max, description.
 */
static void
read_edit_lines(gzFile file, const char *path, const char *source,
				Icd10Rows *rows)
{
	char		buf[4096];
	int			lineno = 0;

	while (gzgets(file, buf, sizeof(buf)) != NULL)
	{
		char	   *fields[5] = {NULL, NULL, NULL, NULL, NULL};
		int			nfields = 0;
		char	   *p = buf;
		Icd10		code;
		Icd10Parse	parse;
		bool		known = false;
		int			r;
		int			age_min;
		int			age_max;

		lineno++;
		if (strchr(buf, '\n') == NULL && !gzeof(file))
			bad_edit_line(path, lineno,
						  psprintf("The line is longer than %d bytes.",
								   (int) sizeof(buf) - 2));
		icd10_check_gzip(file, path);
		buf[strcspn(buf, "\r\n")] = '\0';
		if (lineno == 1 || buf[0] == '\0')
			continue;			/* the header, or a blank line */

		/* Split on tabs. */
		while (nfields < 5)
		{
			fields[nfields++] = p;
			p = strchr(p, '\t');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		if (nfields < 2)
			bad_edit_line(path, lineno, "A line needs at least an edit and a "
						  "code, separated by a tab.");

		for (int i = 0; edit_names[i] != NULL; i++)
			if (strcmp(edit_names[i], fields[0]) == 0)
				known = true;
		if (!known)
			bad_edit_line(path, lineno,
						  psprintf("Unknown edit \"%s\".", fields[0]));
		if (!icd10_parse(fields[1], strlen(fields[1]), ICD10_MIN_LEN, &code,
						 &parse))
			bad_edit_line(path, lineno,
						  psprintf("\"%s\" is not a code.", fields[1]));
		age_min = parse_age(path, lineno, nfields > 2 ? fields[2] : "");
		age_max = parse_age(path, lineno, nfields > 3 ? fields[3] : "");

		r = icd10_rows_add(rows);
		rows->values[0][r] = CStringGetTextDatum(fields[0]);
		rows->values[1][r] = Icd10GetDatum(code);
		rows->values[2][r] = Int32GetDatum(age_min);
		rows->nulls[2][r] = (age_min < 0);
		rows->values[3][r] = Int32GetDatum(age_max);
		rows->nulls[3][r] = (age_max < 0);
		rows->values[4][r] = CStringGetTextDatum(source);

		if ((lineno & 0x3FFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	/* A damaged gzip stream ends the reading early: say so. */
	icd10_check_gzip(file, path);
	if (lineno == 0)
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg("edit attribute file \"%s\" is empty", path),
				 errdetail("A header line is expected first.")));
}

/*
 * icd10_load_edits(release, edit_file [, source]): load per-code edit
 * attributes (Medicare Code Editor style) for a release from a
 * tab-separated file, plain or gzip.  The rows replace the release's rows
 * of the same source; rows of other sources, such as rows users add, stay.
 * Returns the rows stored (a line repeating another is stored once).
 */
PG_FUNCTION_INFO_V1(icd10_load_edits);
Datum
icd10_load_edits(PG_FUNCTION_ARGS)
{
	char	   *release;
	char	   *path;
	char	   *source;
	gzFile		file;
	Icd10Rows	rows;
	StoreEditsArgs args;
	Oid			types[5] = {TEXTOID, InvalidOid, INT4OID, INT4OID, TEXTOID};

	loader_args(fcinfo, &release, &path, &source);
	if (strcmp(source, "tabular") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source \"tabular\" is reserved for attributes "
						"derived from the Tabular List")));

	/* Read the file, closing it whatever happens. */
	types[1] = icd10_type_oid(fcinfo->flinfo->fn_oid);
	icd10_rows_init(&rows, 5, types);
	file = icd10_open_gz(path);
	PG_TRY();
	{
		read_edit_lines(file, path, source, &rows);
	}
	PG_FINALLY();
	{
		gzclose(file);
	}
	PG_END_TRY();

	/* Write as the tables' owner. */
	args.fn_oid = fcinfo->flinfo->fn_oid;
	args.release = release;
	args.source = source;
	args.rows = &rows;
	icd10_as_table_owner(fcinfo->flinfo->fn_oid, store_edits_cb, &args);

	PG_RETURN_INT64((int64) args.stored);
}
