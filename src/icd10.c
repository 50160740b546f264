/*-------------------------------------------------------------------------
 *
 * icd10.c
 *		The icd10 data type: parsing, canonical output, binary I/O,
 *		comparison, hashing, sort support and the hierarchy operators.
 *
 * The encoding is described in icdspasm.h.  Every comparison goes through
 * icd10_cmp_internal, so the operators, the btree support function and sort
 * support cannot disagree.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/sortsupport.h"
#include "utils/syscache.h"

#include "icdspasm.h"

PG_MODULE_MAGIC;

/* Map a character to its 6-bit symbol, or -1 when codes never use it. */
static inline int
icd10_symbol(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0' + 1;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 11;
	return -1;
}

/* Map a non-zero symbol back to its character. */
static inline char
icd10_symbol_char(int sym)
{
	return (sym <= 10) ? (char) ('0' + sym - 1) : (char) ('A' + sym - 11);
}

/* Bit shift of the symbol at 0-based position pos. */
static inline int
icd10_shift(int pos)
{
	return (ICD10_MAX_LEN - 1 - pos) * ICD10_SYM_BITS;
}

/*
 * icd10_parse
 *		Parse str (len bytes, not necessarily terminated) as a code.
 *
 * Blanks around the code are ignored, letters may be in either case and a
 * dot may follow the third character.  min_len is the fewest characters
 * accepted: ICD10_MIN_LEN for a code, less for a family prefix.  Returns
 * true and sets *code on success; otherwise fills *parse with the fault so
 * that the caller can report it.  parse is filled in both cases.
 */
bool
icd10_parse(const char *str, int len, int min_len, Icd10 *code,
			Icd10Parse *parse)
{
	int			start = 0;
	int			end = len;
	int			n = 0;
	bool		seen_dot = false;
	Icd10		result = 0;

	memset(parse, 0, sizeof(Icd10Parse));

	/* Trim blanks on both sides. */
	while (start < end && isspace((unsigned char) str[start]))
		start++;
	while (end > start && isspace((unsigned char) str[end - 1]))
		end--;
	if (start == end)
	{
		parse->fault = ICD10_FAULT_EMPTY;
		return false;
	}

	/* Walk the characters, checking each against its position. */
	for (int i = start; i < end; i++)
	{
		char		c = str[i];
		bool		ok;

		if (c == '.')
		{
			parse->dots++;
			if (n != ICD10_MIN_LEN || seen_dot || i + 1 == end)
			{
				parse->fault = ICD10_FAULT_BAD_DOT;
				parse->offset = i;
				parse->position = n + 1;
				parse->length = n;
				return false;
			}
			seen_dot = true;
			continue;
		}

		/* An eighth character: count the rest for the message. */
		if (n == ICD10_MAX_LEN)
		{
			int			total = n;

			for (int j = i; j < end; j++)
				if (str[j] != '.')
					total++;
			parse->fault = ICD10_FAULT_TOO_LONG;
			parse->offset = i;
			parse->length = total;
			return false;
		}

		/*
		 * The first character is a letter and the rest are letters or
		 * digits.  The second is usually a digit, but the official files
		 * from FY2026 on hold codes such as QA0, so we accept a letter.
		 */
		c = pg_ascii_toupper(c);
		if (n == 0)
			ok = (c >= 'A' && c <= 'Z');
		else
			ok = (icd10_symbol(c) > 0);
		if (!ok)
		{
			parse->fault = ICD10_FAULT_BAD_CHAR;
			parse->offset = i;
			parse->position = n + 1;
			parse->length = n;
			return false;
		}

		parse->upper[n] = c;
		result |= ((Icd10) icd10_symbol(c)) << icd10_shift(n);
		n++;
	}

	/* Enough characters? */
	parse->length = n;
	if (n < min_len)
	{
		parse->fault = ICD10_FAULT_TOO_SHORT;
		parse->offset = end;
		return false;
	}

	*code = result;
	return true;
}

/*
 * icd10_fault_detail
 *		Write a full-sentence description of a parse fault into buf.
 *
 * str is the input given to icd10_parse; it is needed to quote an offending
 * character whole, even when it is a multibyte one.
 */
void
icd10_fault_detail(const char *str, const Icd10Parse *parse, char *buf,
				   size_t buflen)
{
	char		ch[8];
	int			chlen;

	switch (parse->fault)
	{
		case ICD10_FAULT_EMPTY:
			snprintf(buf, buflen, "The input is empty.");
			break;
		case ICD10_FAULT_TOO_SHORT:
			snprintf(buf, buflen,
					 "The code has %d character%s; a code has at least %d.",
					 parse->length, parse->length == 1 ? "" : "s",
					 ICD10_MIN_LEN);
			break;
		case ICD10_FAULT_TOO_LONG:
			snprintf(buf, buflen,
					 "The code has %d characters; a code has at most %d.",
					 parse->length, ICD10_MAX_LEN);
			break;
		case ICD10_FAULT_BAD_DOT:
			if (parse->dots > 1)
				snprintf(buf, buflen, "The code has more than one dot.");
			else if (parse->length == 0)
				snprintf(buf, buflen,
						 "The code starts with a dot; a dot may only follow "
						 "the third character.");
			else if (parse->length != ICD10_MIN_LEN)
				snprintf(buf, buflen,
						 "The dot follows character %d; a dot may only "
						 "follow the third character.", parse->length);
			else
				snprintf(buf, buflen,
						 "Nothing follows the dot; drop the dot or add the "
						 "characters after it.");
			break;
		case ICD10_FAULT_BAD_CHAR:
			chlen = pg_mblen(str + parse->offset);
			chlen = Min(chlen, (int) sizeof(ch) - 1);
			memcpy(ch, str + parse->offset, chlen);
			ch[chlen] = '\0';
			snprintf(buf, buflen,
					 "Character %d must be %s, not \"%s\".",
					 parse->position,
					 parse->position == 1 ? "a letter" : "a letter or a digit",
					 ch);
			break;
		case ICD10_FAULT_NONE:
			snprintf(buf, buflen, "The code is well formed.");
			break;
	}
}

/* Number of characters in a code. */
int
icd10_length(Icd10 code)
{
	int			n = 0;

	while (n < ICD10_MAX_LEN &&
		   ((code >> icd10_shift(n)) & ICD10_SYM_MASK) != 0)
		n++;
	return n;
}

/* The first len characters of a code. */
Icd10
icd10_prefix(Icd10 code, int len)
{
	if (len >= ICD10_MAX_LEN)
		return code;
	if (len <= 0)
		return 0;
	return code & ~(((Icd10) 1 << icd10_shift(len - 1)) - 1);
}

/*
 * The largest code that has code as a prefix: every missing position is
 * filled with Z, the highest character (M62.83 gives M62.83ZZ).
 */
Icd10
icd10_prefix_upper(Icd10 code)
{
	int			len = icd10_length(code);

	for (int pos = len; pos < ICD10_MAX_LEN; pos++)
		code = icd10_with_char(code, pos, 'Z');
	return code;
}

/* Is code the same as ancestor, or under it? */
bool
icd10_is_under(Icd10 code, Icd10 ancestor)
{
	int			len = icd10_length(ancestor);

	return icd10_prefix(code, len) == ancestor;
}

/* The character at 0-based position pos, or '\0' when there is none. */
char
icd10_char_at(Icd10 code, int pos)
{
	int			sym = (int) ((code >> icd10_shift(pos)) & ICD10_SYM_MASK);

	return sym == 0 ? '\0' : icd10_symbol_char(sym);
}

/* The code with the character at 0-based position pos replaced by c. */
Icd10
icd10_with_char(Icd10 code, int pos, char c)
{
	code &= ~(ICD10_SYM_MASK << icd10_shift(pos));
	return code | ((Icd10) icd10_symbol(c) << icd10_shift(pos));
}

/*
 * icd10_to_text
 *		Write the canonical form of a code into buf, which must hold
 *		ICD10_TEXT_BUFLEN bytes.  Returns the length written.
 */
int
icd10_to_text(Icd10 code, char *buf)
{
	int			n = 0;

	for (int pos = 0; pos < ICD10_MAX_LEN; pos++)
	{
		char		c = icd10_char_at(code, pos);

		if (c == '\0')
			break;
		if (pos == ICD10_MIN_LEN)
			buf[n++] = '.';
		buf[n++] = c;
	}
	buf[n] = '\0';
	return n;
}

/*
 * icd10_code_text
 *		The canonical text of a code, for messages, in one of four static
 *		buffers used in turn: valid until four more calls.
 */
const char *
icd10_code_text(Icd10 code)
{
	static char buf[4][ICD10_TEXT_BUFLEN];
	static int	which = 0;

	which = (which + 1) % 4;
	icd10_to_text(code, buf[which]);
	return buf[which];
}

/* Three-way comparison shared by every operator and support function. */
static inline int
icd10_cmp_internal(Icd10 a, Icd10 b)
{
	if (a < b)
		return -1;
	if (a > b)
		return 1;
	return 0;
}

/*
 * icd10_in
 *		Text input.  Malformed input is reported softly where the server
 *		supports it, so that pg_input_is_valid() works.
 */
PG_FUNCTION_INFO_V1(icd10_in);
Datum
icd10_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Icd10		code;
	Icd10Parse	parse;
	char		detail[256];

	if (icd10_parse(str, strlen(str), ICD10_MIN_LEN, &code, &parse))
		PG_RETURN_ICD10(code);

	icd10_fault_detail(str, &parse, detail, sizeof(detail));
#if PG_VERSION_NUM >= 160000
	ereturn(fcinfo->context, (Datum) 0,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					"icd10", str),
			 errdetail_internal("%s", detail)));
#else
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					"icd10", str),
			 errdetail_internal("%s", detail)));
#endif
	PG_RETURN_NULL();			/* keep the compiler quiet */
}

/* icd10_out: canonical text output. */
PG_FUNCTION_INFO_V1(icd10_out);
Datum
icd10_out(PG_FUNCTION_ARGS)
{
	Icd10		code = PG_GETARG_ICD10(0);
	char	   *buf = palloc(ICD10_TEXT_BUFLEN);

	icd10_to_text(code, buf);
	PG_RETURN_CSTRING(buf);
}

/*
 * icd10_recv
 *		Binary input: the code's characters without the dot, as sent by
 *		icd10_send.
 */
PG_FUNCTION_INFO_V1(icd10_recv);
Datum
icd10_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes = buf->len - buf->cursor;
	const char *bytes = pq_getmsgbytes(buf, nbytes);
	Icd10		code;
	Icd10Parse	parse;

	/* Only the exact bytes icd10_send writes are accepted. */
	if (nbytes > ICD10_MAX_LEN ||
		!icd10_parse(bytes, nbytes, ICD10_MIN_LEN, &code, &parse) ||
		parse.length != nbytes ||
		memcmp(parse.upper, bytes, nbytes) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external icd10 value")));
	PG_RETURN_ICD10(code);
}

/* icd10_send: binary output, the code's characters without the dot. */
PG_FUNCTION_INFO_V1(icd10_send);
Datum
icd10_send(PG_FUNCTION_ARGS)
{
	Icd10		code = PG_GETARG_ICD10(0);
	StringInfoData buf;
	char		chars[ICD10_MAX_LEN];
	int			n = 0;

	while (n < ICD10_MAX_LEN && (chars[n] = icd10_char_at(code, n)) != '\0')
		n++;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, chars, n);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* icd10_eq: the = operator. */
PG_FUNCTION_INFO_V1(icd10_eq);
Datum
icd10_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(icd10_cmp_internal(PG_GETARG_ICD10(0),
									  PG_GETARG_ICD10(1)) == 0);
}

/* icd10_ne: the <> operator. */
PG_FUNCTION_INFO_V1(icd10_ne);
Datum
icd10_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(icd10_cmp_internal(PG_GETARG_ICD10(0),
									  PG_GETARG_ICD10(1)) != 0);
}

/* icd10_lt: the < operator. */
PG_FUNCTION_INFO_V1(icd10_lt);
Datum
icd10_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(icd10_cmp_internal(PG_GETARG_ICD10(0),
									  PG_GETARG_ICD10(1)) < 0);
}

/* icd10_le: the <= operator. */
PG_FUNCTION_INFO_V1(icd10_le);
Datum
icd10_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(icd10_cmp_internal(PG_GETARG_ICD10(0),
									  PG_GETARG_ICD10(1)) <= 0);
}

/* icd10_gt: the > operator. */
PG_FUNCTION_INFO_V1(icd10_gt);
Datum
icd10_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(icd10_cmp_internal(PG_GETARG_ICD10(0),
									  PG_GETARG_ICD10(1)) > 0);
}

/* icd10_ge: the >= operator. */
PG_FUNCTION_INFO_V1(icd10_ge);
Datum
icd10_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(icd10_cmp_internal(PG_GETARG_ICD10(0),
									  PG_GETARG_ICD10(1)) >= 0);
}

/* icd10_cmp: btree three-way comparison. */
PG_FUNCTION_INFO_V1(icd10_cmp);
Datum
icd10_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(icd10_cmp_internal(PG_GETARG_ICD10(0),
									   PG_GETARG_ICD10(1)));
}

#if PG_VERSION_NUM < 150000
/* Sort comparator for servers without ssup_datum_signed_cmp. */
static int
icd10_fastcmp(Datum a, Datum b, SortSupport ssup)
{
	return icd10_cmp_internal(DatumGetIcd10(a), DatumGetIcd10(b));
}
#endif

/*
 * icd10_sortsupport
 *		Btree sort support.  Encoded codes are non-negative integers whose
 *		order is the code order, so core's signed Datum comparator serves,
 *		with its radix-sort fast path on servers that have it.
 */
PG_FUNCTION_INFO_V1(icd10_sortsupport);
Datum
icd10_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

#if PG_VERSION_NUM >= 150000
	ssup->comparator = ssup_datum_signed_cmp;
#else
	ssup->comparator = icd10_fastcmp;
#endif
	PG_RETURN_VOID();
}

/* icd10_hash: hash support, the same hash as int8 of the encoding. */
PG_FUNCTION_INFO_V1(icd10_hash);
Datum
icd10_hash(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1(hashint8, PG_GETARG_DATUM(0));
}

/* icd10_hash_extended: 64-bit seeded hash, for hash partitioning. */
PG_FUNCTION_INFO_V1(icd10_hash_extended);
Datum
icd10_hash_extended(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall2(hashint8extended, PG_GETARG_DATUM(0),
							   PG_GETARG_DATUM(1));
}

/* icd10_contained: a <@ b, a is b or lies under it. */
PG_FUNCTION_INFO_V1(icd10_contained);
Datum
icd10_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(icd10_is_under(PG_GETARG_ICD10(0), PG_GETARG_ICD10(1)));
}

/* icd10_contains: a @> b, b is a or lies under it. */
PG_FUNCTION_INFO_V1(icd10_contains);
Datum
icd10_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(icd10_is_under(PG_GETARG_ICD10(1), PG_GETARG_ICD10(0)));
}

/* Build "indexkey op bound" with op taken from a btree opfamily. */
static Expr *
icd10_range_clause(Oid opfamily, Oid typid, int strategy, Node *indexkey,
				   Expr *bound)
{
	Oid			opno = get_opfamily_member(opfamily, typid, typid, strategy);

	if (!OidIsValid(opno))
		return NULL;
	return make_opclause(opno, BOOLOID, false, (Expr *) indexkey, bound,
						 InvalidOid, InvalidOid);
}

/* Identity, for bounds that are the other side itself. */
static Icd10
icd10_same(Icd10 code)
{
	return code;
}

/* The category of a code, as a C function for icd10_bound. */
static Icd10
icd10_category_of(Icd10 code)
{
	return icd10_prefix(code, ICD10_MIN_LEN);
}

/* The schema of a type. */
static Oid
type_namespace(Oid typid)
{
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	Oid			nsp;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", typid);
	nsp = ((Form_pg_type) GETSTRUCT(tup))->typnamespace;
	ReleaseSysCache(tup);
	return nsp;
}

/*
 * A bound of the range: the constant's value mapped by fn when the other
 * side is a constant, or else a call of the SQL function named sqlname
 * (in the type's schema) on the other side, computed at run time.
 */
static Expr *
icd10_bound(Node *other, Oid typid, Icd10 (*fn) (Icd10), const char *sqlname)
{
	Oid			nsp;
	Oid			funcid;

	if (fn == icd10_same)
		return (Expr *) other;
	if (IsA(other, Const))
	{
		Icd10		value = DatumGetIcd10(((Const *) other)->constvalue);

		return (Expr *) makeConst(typid, -1, InvalidOid, sizeof(Icd10),
								  Icd10GetDatum(fn(value)), false, true);
	}

	nsp = type_namespace(typid);
	funcid = LookupFuncName(list_make2(makeString(get_namespace_name(nsp)),
									   makeString(pstrdup(sqlname))),
							1, &typid, true);
	if (!OidIsValid(funcid))
		return NULL;
	return (Expr *) makeFuncExpr(funcid, typid, list_make1(other),
								 InvalidOid, InvalidOid,
								 COERCE_EXPLICIT_CALL);
}

/*
 * icd10_hierarchy_index_condition
 *		Planner support shared by <@ and @>: turn "column <@ constant" into
 *		the btree range "column >= constant AND column <= upper bound", so
 *		that a family is read by an index range scan.
 *
 * descendant_arg is the argument position (0 or 1) of the operator's
 * descendant side.  When the indexed column is the ancestor side
 * ("constant <@ column") the range from the constant's category to the
 * constant is searched and the operator is rechecked (lossy).  With a
 * constant the bounds are computed now; otherwise they are calls of
 * icd10_family_upper() and icd10_category() on the other side, so that a
 * join can look up each family with an index range scan.
 */
static List *
icd10_hierarchy_index_condition(Node *rawreq, int descendant_arg)
{
	SupportRequestIndexCondition *req;
	OpExpr	   *clause;
	Node	   *indexkey;
	Node	   *other;
	Oid			typid;
	Expr	   *lower;
	Expr	   *upper;

	if (!IsA(rawreq, SupportRequestIndexCondition))
		return NIL;
	req = (SupportRequestIndexCondition *) rawreq;

	/*
	 * Only a binary operator clause qualifies.  An index whose opfamily has
	 * no btree range operators (a hash index) gets no condition below.
	 */
	if (!is_opclause(req->node))
		return NIL;
	clause = (OpExpr *) req->node;
	if (list_length(clause->args) != 2 || req->indexarg > 1)
		return NIL;

	/*
	 * Which side is the index key?  The other side must not change during
	 * the scan: a constant, a parameter, or an outer relation's column in
	 * a nested loop.
	 */
	indexkey = (Node *) list_nth(clause->args, req->indexarg);
	other = (Node *) list_nth(clause->args, 1 - req->indexarg);
	typid = exprType(indexkey);
	if (exprType(other) != typid ||
		(IsA(other, Const) && ((Const *) other)->constisnull) ||
		!is_pseudo_constant_for_index(req->root, other, req->index))
		return NIL;

	/* Build the range and say whether it is exact. */
	if (req->indexarg == descendant_arg)
	{
		lower = icd10_bound(other, typid, icd10_same, NULL);
		upper = icd10_bound(other, typid, icd10_prefix_upper,
							"icd10_family_upper");
		req->lossy = false;
	}
	else
	{
		lower = icd10_bound(other, typid, icd10_category_of,
							"icd10_category");
		upper = icd10_bound(other, typid, icd10_same, NULL);
		req->lossy = true;
	}
	if (lower == NULL || upper == NULL)
		return NIL;
	lower = icd10_range_clause(req->opfamily, typid,
							   BTGreaterEqualStrategyNumber, indexkey, lower);
	upper = icd10_range_clause(req->opfamily, typid,
							   BTLessEqualStrategyNumber, indexkey, upper);
	if (lower == NULL || upper == NULL)
		return NIL;

	return list_make2(lower, upper);
}

/* icd10_contained_support: planner support for a <@ b. */
PG_FUNCTION_INFO_V1(icd10_contained_support);
Datum
icd10_contained_support(PG_FUNCTION_ARGS)
{
	List	   *result;

	result = icd10_hierarchy_index_condition((Node *) PG_GETARG_POINTER(0),
											 0);
	PG_RETURN_POINTER(result);
}

/* icd10_contains_support: planner support for a @> b. */
PG_FUNCTION_INFO_V1(icd10_contains_support);
Datum
icd10_contains_support(PG_FUNCTION_ARGS)
{
	List	   *result;

	result = icd10_hierarchy_index_condition((Node *) PG_GETARG_POINTER(0),
											 1);
	PG_RETURN_POINTER(result);
}

/* icd10_family_upper(code): the largest code under a code (M62.83ZZ). */
PG_FUNCTION_INFO_V1(icd10_family_upper);
Datum
icd10_family_upper(PG_FUNCTION_ARGS)
{
	PG_RETURN_ICD10(icd10_prefix_upper(PG_GETARG_ICD10(0)));
}

/* icd10_category(code): the three-character category of a code. */
PG_FUNCTION_INFO_V1(icd10_category);
Datum
icd10_category(PG_FUNCTION_ARGS)
{
	PG_RETURN_ICD10(icd10_prefix(PG_GETARG_ICD10(0), ICD10_MIN_LEN));
}
