/*-------------------------------------------------------------------------
 *
 * sequence.c
 *		The rule engine: sequencing and edit checks for an encounter's
 *		ordered list of diagnosis codes (icd10_sequence_findings and
 *		icd10_sequence_ok).
 *
 * The first code is the principal (inpatient) or first-listed
 * (outpatient) diagnosis.  Every rule reads the backend-local cache: the
 * codes of the release, the notes of its Tabular List, the edit
 * attributes and the integral-symptom rules.  The codes are sorted once,
 * so that asking whether any code of a family is present is a binary
 * search; a list of n codes costs O(n log n) plus the notes it touches.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "icdspasm.h"

/* The rules, in the order findings are listed within one position. */
typedef enum Rule
{
	RULE_NO_RELEASE,
	RULE_NULL_CODE,
	RULE_INVALID_CODE,
	RULE_DUPLICATE,
	RULE_EXTERNAL_CAUSE_FIRST,
	RULE_MANIFESTATION_FIRST,
	RULE_UNACCEPTABLE_PRINCIPAL,
	RULE_CODE_FIRST_ORDER,
	RULE_CODE_FIRST_MISSING,
	RULE_USE_ADDITIONAL_MISSING,
	RULE_EXCLUDES1,
	RULE_PREGNANCY_NOT_FIRST,
	RULE_MATERNAL_NEWBORN_MIX,
	RULE_ADVERSE_EFFECT_FIRST,
	RULE_POISONING_NOT_FIRST,
	RULE_UNDERDOSING_FIRST,
	RULE_SEQUELA_FIRST,
	RULE_SYMPTOM_FIRST,
	RULE_INTEGRAL_SYMPTOM,
	RULE_AGE_CONFLICT,
	RULE_SEX_CONFLICT
} Rule;

static const struct
{
	const char *id;
	const char *severity;
}			rules[] =
{
	{"no_release", "error"},
	{"null_code", "error"},
	{"invalid_code", "error"},
	{"duplicate", "error"},
	{"external_cause_first", "error"},
	{"manifestation_first", "error"},
	{"unacceptable_principal", "error"},
	{"code_first_order", "error"},
	{"code_first_missing", "warning"},
	{"use_additional_missing", "info"},
	{"excludes1", "warning"},
	{"pregnancy_not_first", "warning"},
	{"maternal_newborn_mix", "error"},
	{"adverse_effect_first", "warning"},
	{"poisoning_not_first", "warning"},
	{"underdosing_first", "warning"},
	{"sequela_first", "warning"},
	{"symptom_first", "warning"},
	{"integral_symptom", "warning"},
	{"age_conflict", "warning"},
	{"sex_conflict", "warning"}
};

/*
 * The most findings one list may give.  Real encounters give a handful; a
 * list that gives more is not an encounter, and the limit keeps memory
 * bounded.
 */
#define ICD10_MAX_FINDINGS	100000

/* One finding; positions are 0-based here, -1 for none. */
typedef struct Finding
{
	int			position;
	Rule		rule;
	int			related;
	char	   *message;
} Finding;

/* An encounter under check. */
typedef struct Encounter
{
	const Icd10Cache *cache;
	const Icd10Release *rel;
	int			n;
	Icd10	   *codes;
	bool	   *nulls;
	int		   *order;			/* positions of non-null codes, by code */
	int			norder;
	bool	   *first_listing;	/* is the code at i not listed before i? */
	bool		inpatient;
	int			age;			/* -1 when not given */
	char		sex;			/* 'M', 'F' or '\0' */
	Finding    *findings;
	int			nfindings;
	int			maxfindings;
} Encounter;

/* Record a finding. */
static void
add_finding(Encounter *enc, int position, Rule rule, int related,
			char *message)
{
	if (enc->nfindings >= ICD10_MAX_FINDINGS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("diagnosis list gives more than %d findings",
						ICD10_MAX_FINDINGS),
				 errdetail("The list has %d codes.", enc->n)));
	if (enc->nfindings == enc->maxfindings)
	{
		enc->maxfindings *= 2;
		enc->findings = repalloc(enc->findings,
								 sizeof(Finding) * enc->maxfindings);
	}
	enc->findings[enc->nfindings].position = position;
	enc->findings[enc->nfindings].rule = rule;
	enc->findings[enc->nfindings].related = related;
	enc->findings[enc->nfindings].message = message;
	enc->nfindings++;
}

/* The encounter order_by_code sorts; qsort passes no context. */
static Encounter *sort_encounter;

/* Order positions by code, then by position. */
static int
order_by_code(const void *a, const void *b)
{
	int			pa = *(const int *) a;
	int			pb = *(const int *) b;
	Icd10		ca = sort_encounter->codes[pa];
	Icd10		cb = sort_encounter->codes[pb];

	if (ca != cb)
		return (ca < cb) ? -1 : 1;
	return pa - pb;
}

static bool note_allows(const Icd10Note *note, Icd10 code);

/* The index in enc->order of the first code >= first. */
static int
order_lower(const Encounter *enc, Icd10 first)
{
	int			lo = 0;
	int			hi = enc->norder;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (enc->codes[enc->order[mid]] < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * find_in_range
 *		The first position (other than skip) whose code lies in
 *		[first, last] and, when note is given, that the note's qualifier
 *		allows; -1 when there is none.
 */
static int
find_in_range(const Encounter *enc, Icd10 first, Icd10 last, int skip,
			  const Icd10Note *note)
{
	int			best = -1;

	for (int i = order_lower(enc, first);
		 i < enc->norder && enc->codes[enc->order[i]] <= last; i++)
	{
		int			pos = enc->order[i];

		if (pos != skip && (best < 0 || pos < best) &&
			(note == NULL || note_allows(note, enc->codes[pos])))
			best = pos;
	}
	return best;
}

/* The category of a code lies in [first, last] (three-character codes). */
static bool
category_between(Icd10 code, const char *first, const char *last)
{
	char		cat[ICD10_MIN_LEN + 1];

	for (int i = 0; i < ICD10_MIN_LEN; i++)
		cat[i] = icd10_char_at(code, i);
	cat[ICD10_MIN_LEN] = '\0';
	return strcmp(cat, first) >= 0 && strcmp(cat, last) <= 0;
}

/* External cause codes, V00-Y99. */
static bool
is_external(Icd10 code)
{
	char		c = icd10_char_at(code, 0);

	return c == 'V' || c == 'W' || c == 'X' || c == 'Y';
}

/*
 * The intent character of a T36-T65 code: the 6th character, or the 5th
 * where the 6th is a placeholder or absent (T36.95XA).  '\0' if none.
 */
static char
t_intent(Icd10 code)
{
	char		c6 = icd10_char_at(code, 5);
	char		c5 = icd10_char_at(code, 4);

	if (c6 >= '0' && c6 <= '9')
		return c6;
	if (c5 >= '0' && c5 <= '9')
		return c5;
	return '\0';
}

/* Drug codes (T36-T50) with a given intent character. */
static bool
is_drug_intent(Icd10 code, char intent)
{
	return category_between(code, "T36", "T50") && t_intent(code) == intent;
}

/* Poisoning: T36-T65 with intent 1 to 4. */
static bool
is_poisoning(Icd10 code)
{
	char		intent = t_intent(code);

	return category_between(code, "T36", "T65") &&
		intent >= '1' && intent <= '4';
}

/*
 * note_allows
 *		Does a note's qualifier allow this code?  Notes restrict drug and
 *		toxin ranges by intent: "(T36-T65 with fifth or sixth character 1-4
 *		or 6)" names poisonings and underdosing, not adverse effects.  Codes
 *		outside T36-T65, and notes without such a qualifier, are allowed.
 *
 * XXX: only this wording of qualifiers is understood.
 */
static bool
note_allows(const Icd10Note *note, Icd10 code)
{
	const char *p = strstr(note->text, "character ");
	char		intent;
	bool		allowed[10] = {false};
	bool		any = false;

	if (p == NULL || !category_between(code, "T36", "T65"))
		return true;

	/* Read "1-4 or 6", "1-4", "5, 6" after the word "character". */
	p += strlen("character ");
	while (*p)
	{
		if (*p >= '0' && *p <= '9')
		{
			int			lo = *p - '0';
			int			hi = lo;

			if (p[1] == '-' && p[2] >= '0' && p[2] <= '9')
			{
				hi = p[2] - '0';
				p += 2;
			}
			for (int d = lo; d <= hi; d++)
				allowed[d] = any = true;
			p++;
		}
		else if (*p == ' ' || *p == ',')
			p++;
		else if (strncmp(p, "or ", 3) == 0)
			p += 3;
		else
			break;
	}
	if (!any)
		return true;

	intent = t_intent(code);
	return intent != '\0' && allowed[intent - '0'];
}

/* Symptom codes: chapter 18, and muscle spasm M62.83 in chapter 13. */
static bool
is_symptom(Icd10 code)
{
	return icd10_char_at(code, 0) == 'R' ||
		(category_between(code, "M62", "M62") &&
		 icd10_char_at(code, 3) == '8' && icd10_char_at(code, 4) == '3');
}

/*
 * A code that can be the definitive diagnosis explaining a symptom: not a
 * symptom, not a factor (Z), not an external cause, and not the drug code
 * of an adverse effect or underdosing.
 *
 * XXX: the classification does not say which diagnosis explains which
 * symptom, so symptom_first treats any definitive diagnosis as a possible
 * explanation; a symptom unrelated to it is flagged too (a warning).
 */
static bool
is_definitive(Icd10 code)
{
	return !is_symptom(code) && icd10_char_at(code, 0) != 'Z' &&
		!is_external(code) && !is_drug_intent(code, '5') &&
		!is_drug_intent(code, '6');
}

/* Is the code a manifestation, by derived or loaded attributes? */
static bool
is_manifestation(const Encounter *enc, Icd10 code)
{
	const Icd10Edit *e = icd10_release_edit(enc->rel, code);

	return e != NULL &&
		(e->flags & (ICD10_EDIT_MANIFESTATION | ICD10_EDIT_MANIFESTATION_PDX));
}

/*
 * A code with 7th character S meaning sequela: by the tabular's 7th
 * character definitions when loaded, else injuries and poisonings (S, T).
 */
static bool
is_sequela(const Encounter *enc, Icd10 code)
{
	const Icd10Seventh *sev;

	if (icd10_length(code) != ICD10_MAX_LEN ||
		icd10_char_at(code, ICD10_MAX_LEN - 1) != 'S')
		return false;
	sev = icd10_release_seventh(enc->rel, code);
	if (sev != NULL)
	{
		const char *at = strchr(sev->chars, 'S');

		return at != NULL &&
			strstr(sev->meanings[at - sev->chars], "sequela") != NULL;
	}
	return icd10_char_at(code, 0) == 'S' || icd10_char_at(code, 0) == 'T';
}

/*
 * A group of notes of one kind that sit on one node and so form one
 * instruction: F02's Code first note is a lead line and a list of notes,
 * each naming codes.
 */
typedef struct NoteGroup
{
	const char *node;
	Icd10NoteKind kind;
	int			notes[64];
	int			nnotes;
} NoteGroup;

/*
 * gather_groups
 *		The notes of one kind that apply to a code (on it, an ancestor, its
 *		section or its chapter), grouped by the node they sit on.
 */
static int
gather_groups(const Encounter *enc, Icd10 code, Icd10NoteKind kind,
			  NoteGroup *groups, int maxgroups)
{
	const Icd10Release *rel = enc->rel;
	int			ngroups = 0;

	for (int len = ICD10_MIN_LEN; len <= icd10_length(code); len++)
	{
		Icd10		key = icd10_prefix(code, len);
		int			lo = icd10_lower_bound(rel->links, rel->nlinks,
										   sizeof(Icd10NoteLink), key);

		for (int i = lo; i < rel->nlinks && rel->links[i].key == key; i++)
		{
			const Icd10Note *note = &rel->notes[rel->links[i].note];
			int			g;

			if (note->kind != kind)
				continue;
			for (g = 0; g < ngroups; g++)
				if (strcmp(groups[g].node, note->node) == 0)
					break;
			if (g == ngroups)
			{
				if (ngroups == maxgroups)
					continue;
				groups[g].node = note->node;
				groups[g].kind = kind;
				groups[g].nnotes = 0;
				ngroups++;
			}
			if (groups[g].nnotes < (int) lengthof(groups[g].notes))
				groups[g].notes[groups[g].nnotes++] = rel->links[i].note;
		}
	}
	return ngroups;
}

/*
 * group_find
 *		The first position other than skip holding a code that a group of
 *		notes names; -1 when none does.  *before is set to whether one
 *		such code comes before position skip.
 */
static int
group_find(const Encounter *enc, const NoteGroup *group, int skip,
		   bool *before, int *nrefs)
{
	int			best = -1;

	*before = false;
	*nrefs = 0;
	for (int k = 0; k < group->nnotes; k++)
	{
		const Icd10Note *note = &enc->rel->notes[group->notes[k]];

		for (int r = 0; r < note->nrefs; r++)
		{
			int			pos = find_in_range(enc, note->first[r],
											note->last[r], skip, note);

			(*nrefs)++;
			if (pos < 0)
				continue;
			if (pos < skip)
				*before = true;
			if (best < 0 || pos < best)
				best = pos;
		}
	}
	return best;
}

/* Does any note of a group contain a phrase? */
static bool
group_mentions(const Encounter *enc, const NoteGroup *group,
			   const char *phrase)
{
	for (int k = 0; k < group->nnotes; k++)
		if (strstr(enc->rel->notes[group->notes[k]].text, phrase) != NULL)
			return true;
	return false;
}

/*
 * Does a group say the instruction holds only sometimes ("if
 * applicable")?  Then a missing code is not a finding.
 *
 * XXX: this and the "such as", "for adverse effects" and menu tests
 * read the wording of the notes, which the XML schema leaves as prose.
 */
static bool
group_is_conditional(const Encounter *enc, const NoteGroup *group)
{
	/* "any associated:", "any follow-up examination ..." */
	for (int k = 0; k < group->nnotes; k++)
		if (pg_strncasecmp(enc->rel->notes[group->notes[k]].text, "any ",
						   4) == 0)
			return true;

	return group_mentions(enc, group, "if applicable") ||
		group_mentions(enc, group, "if known") ||
		group_mentions(enc, group, "if present");
}

/*
 * Is a group a menu: a lead line ending in a colon ("Use additional code
 * to identify:") and the choices under it?  Each choice applies only when
 * the patient has it, so none being present is not a finding.
 */
static bool
group_is_menu(const Encounter *enc, const NoteGroup *group)
{
	for (int k = 0; k < group->nnotes; k++)
	{
		const Icd10Note *note = &enc->rel->notes[group->notes[k]];
		int			len = strlen(note->text);

		if (note->nrefs == 0 && len > 0 && note->text[len - 1] == ':')
			return true;
	}
	return false;
}

/*
 * Is a condition (not a Z code or external cause) listed before position
 * i, or with anywhere, anywhere but at i?  A Code first note whose list is
 * open ("such as:") names examples, so any other condition may be the one
 * it asks for.
 */
static bool
other_condition(const Encounter *enc, int i, bool earlier_only)
{
	for (int j = 0; j < (earlier_only ? i : enc->n); j++)
		if (j != i && !enc->nulls[j] && !is_external(enc->codes[j]) &&
			icd10_char_at(enc->codes[j], 0) != 'Z')
			return true;
	return false;
}

/* Append the first few references of a group, as written in the notes. */
static void
append_group_refs(StringInfo buf, const Encounter *enc,
				  const NoteGroup *group)
{
	int			shown = 0;

	for (int k = 0; k < group->nnotes && shown < 6; k++)
	{
		const Icd10Note *note = &enc->rel->notes[group->notes[k]];

		if (note->nrefs == 0)
			continue;
		appendStringInfo(buf, "%s\"%s\"", shown > 0 ? ", " : "", note->text);
		shown++;
	}
	if (shown < group->nnotes)
		appendStringInfoString(buf, ", ...");
}

/* "the Code first note on F02 (Tabular List 2021)" */
static char *
note_source(const Encounter *enc, const char *what, const char *node)
{
	return psprintf("the %s note on %s (Tabular List %s)", what, node,
					enc->rel->tabular_version);
}

/* Rules 1 and 2: null and invalid codes, and duplicates. */
static void
check_codes(Encounter *enc)
{
	for (int i = 0; i < enc->n; i++)
	{
		StringInfoData buf;
		Icd10Status status;

		CHECK_FOR_INTERRUPTS();
		if (enc->nulls[i])
		{
			add_finding(enc, i, RULE_NULL_CODE, -1,
						psprintf("Position %d holds no code (NULL).", i + 1));
			continue;
		}
		if (!enc->first_listing[i])
			continue;			/* a repeat: reported as a duplicate */
		initStringInfo(&buf);
		status = icd10_diagnose(enc->cache, enc->rel, enc->codes[i], &buf);
		if (status != ICD10_BILLABLE)
			add_finding(enc, i, RULE_INVALID_CODE, -1,
						psprintf("%s (%s)", buf.data,
								 icd10_status_name(status)));
		else
			pfree(buf.data);
	}

	/*
	 * Duplicates sit next to each other in code order, the first listed
	 * first; each repeat points at it.
	 */
	for (int k = 1, first = 0; k < enc->norder; k++)
	{
		int			again = enc->order[k];

		if (enc->codes[enc->order[first]] != enc->codes[again])
		{
			first = k;
			continue;
		}
		add_finding(enc, again, RULE_DUPLICATE, enc->order[first],
					psprintf("%s is listed again; it was already listed at "
							 "position %d.", icd10_code_text(enc->codes[again]),
							 enc->order[first] + 1));
	}
}

/* Rules 3, 4, 13: what may not be first-listed. */
static void
check_first_listed(Encounter *enc)
{
	Icd10		first = enc->codes[0];
	const Icd10Edit *edit;

	if (enc->nulls[0])
		return;
	edit = icd10_release_edit(enc->rel, first);

	if (is_external(first))
		add_finding(enc, 0, RULE_EXTERNAL_CAUSE_FIRST, -1,
					psprintf("%s is an external cause code (V00-Y99); it is "
							 "never first-listed. List the injury or "
							 "condition first.", icd10_code_text(first)));

	if (is_manifestation(enc, first))
		add_finding(enc, 0, RULE_MANIFESTATION_FIRST, -1,
					psprintf("%s is a manifestation code; it is never "
							 "first-listed. List the underlying condition "
							 "first.", icd10_code_text(first)));

	if (enc->inpatient && edit != NULL &&
		(edit->flags & ICD10_EDIT_UNACCEPTABLE_PDX))
		add_finding(enc, 0, RULE_UNACCEPTABLE_PRINCIPAL, -1,
					psprintf("%s is unacceptable as the principal diagnosis "
							 "of an inpatient claim.", icd10_code_text(first)));
	else if (enc->inpatient && edit != NULL && enc->n == 1 &&
			 (edit->flags & ICD10_EDIT_UNACCEPTABLE_ALONE))
		add_finding(enc, 0, RULE_UNACCEPTABLE_PRINCIPAL, -1,
					psprintf("%s is unacceptable as the principal diagnosis "
							 "of an inpatient claim unless a secondary "
							 "diagnosis is coded.", icd10_code_text(first)));
}

/* Rules 5 and 6: Code first and Use additional code notes. */
static void
check_paired_notes(Encounter *enc)
{
	NoteGroup  *groups = palloc(sizeof(NoteGroup) * 16);

	for (int i = 0; i < enc->n; i++)
	{
		int			ngroups;

		/* A repeated code was checked at its first listing. */
		if (enc->nulls[i] || !enc->first_listing[i])
			continue;
		CHECK_FOR_INTERRUPTS();

		/*
		 * Code first: a named code listed later is out of order; for a
		 * manifestation, none at all is missing.  An open list ("such
		 * as:") is met by any other condition listed earlier.
		 */
		ngroups = gather_groups(enc, enc->codes[i], ICD10_NOTE_CODE_FIRST,
								groups, 16);
		for (int g = 0; g < ngroups; g++)
		{
			bool		before;
			bool		open_list;
			int			nrefs;
			int			pos;
			StringInfoData names;

			pos = group_find(enc, &groups[g], i, &before, &nrefs);
			open_list = group_mentions(enc, &groups[g], "such as");
			if (nrefs == 0 || before ||
				(group_mentions(enc, &groups[g], "for adverse effects") &&
				 !is_drug_intent(enc->codes[i], '5')) ||
				(open_list && other_condition(enc, i, true)))
				continue;
			if (pos >= 0)
				add_finding(enc, i, RULE_CODE_FIRST_ORDER, pos,
							psprintf("%s is listed before %s, but %s says "
									 "to code %s first.",
									 icd10_code_text(enc->codes[i]),
									 icd10_code_text(enc->codes[pos]),
									 note_source(enc, "Code first",
												 groups[g].node),
									 icd10_code_text(enc->codes[pos])));
			else if (is_manifestation(enc, enc->codes[i]) &&
					 !group_is_conditional(enc, &groups[g]) &&
					 !(open_list && other_condition(enc, i, false)))
			{
				initStringInfo(&names);
				append_group_refs(&names, enc, &groups[g]);
				add_finding(enc, i, RULE_CODE_FIRST_MISSING, -1,
							psprintf("%s: %s names codes to list first "
									 "(%s); none of them is present.",
									 icd10_code_text(enc->codes[i]),
									 note_source(enc, "Code first",
												 groups[g].node),
									 names.data));
			}
		}

		/* Use additional code: say when no named code is present. */
		ngroups = gather_groups(enc, enc->codes[i], ICD10_NOTE_USE_ADDITIONAL,
								groups, 16);
		for (int g = 0; g < ngroups; g++)
		{
			bool		before;
			int			nrefs;
			int			pos;
			StringInfoData names;

			pos = group_find(enc, &groups[g], i, &before, &nrefs);
			if (nrefs == 0 || pos >= 0 ||
				group_is_conditional(enc, &groups[g]) ||
				group_is_menu(enc, &groups[g]))
				continue;
			initStringInfo(&names);
			append_group_refs(&names, enc, &groups[g]);
			add_finding(enc, i, RULE_USE_ADDITIONAL_MISSING, -1,
						psprintf("%s: %s names additional codes (%s); none "
								 "of them is present.",
								 icd10_code_text(enc->codes[i]),
								 note_source(enc, "Use additional code",
											 groups[g].node),
								 names.data));
		}
	}
	pfree(groups);
}

/* Rule 7: Excludes1, from each code's own and inherited notes. */
static void
check_excludes1(Encounter *enc)
{
	NoteGroup  *groups = palloc(sizeof(NoteGroup) * 16);

	/* reported_for[j] == i + 1: position j is already reported for i. */
	int		   *reported_for = palloc0(sizeof(int) * enc->n);

	for (int i = 0; i < enc->n; i++)
	{
		int			ngroups;

		/* A repeated code was reported at its first listing. */
		if (enc->nulls[i] || !enc->first_listing[i])
			continue;
		CHECK_FOR_INTERRUPTS();
		ngroups = gather_groups(enc, enc->codes[i], ICD10_NOTE_EXCLUDES1,
								groups, 16);

		for (int g = 0; g < ngroups; g++)
			for (int k = 0; k < groups[g].nnotes; k++)
			{
				const Icd10Note *note = &enc->rel->notes[groups[g].notes[k]];

				for (int r = 0; r < note->nrefs; r++)
				{
					/* Every other code the reference covers. */
					for (int o = order_lower(enc, note->first[r]);
						 o < enc->norder &&
						 enc->codes[enc->order[o]] <= note->last[r]; o++)
					{
						int			j = enc->order[o];

						if (j == i || reported_for[j] == i + 1 ||
							!enc->first_listing[j] ||
							enc->codes[j] == enc->codes[i] ||
							!note_allows(note, enc->codes[j]))
							continue;
						reported_for[j] = i + 1;
						add_finding(enc, i, RULE_EXCLUDES1, j,
									psprintf("%s and %s are not coded "
											 "together unless unrelated: %s "
											 "excludes \"%s\".",
											 icd10_code_text(enc->codes[i]),
											 icd10_code_text(enc->codes[j]),
											 note_source(enc, "Excludes1",
														 note->node),
											 note->text));
					}
				}
			}
	}
	pfree(reported_for);
	pfree(groups);
}

/* Rule 8: pregnancy codes first, and never with newborn codes. */
static void
check_pregnancy(Encounter *enc)
{
	int			first_o = -1;

	for (int i = 0; i < enc->n; i++)
		if (!enc->nulls[i] && icd10_char_at(enc->codes[i], 0) == 'O')
		{
			first_o = i;
			break;
		}
	if (first_o < 0)
		return;

	if (first_o > 0 && !enc->nulls[0])
		add_finding(enc, 0, RULE_PREGNANCY_NOT_FIRST, first_o,
					psprintf("%s is listed before the pregnancy code %s; "
							 "chapter 15 codes take sequencing priority. "
							 "If the pregnancy is incidental, use Z33.1 "
							 "instead.", icd10_code_text(enc->codes[0]),
							 icd10_code_text(enc->codes[first_o])));

	for (int i = 0; i < enc->n; i++)
	{
		Icd10		c = enc->codes[i];

		if (enc->nulls[i] ||
			!(category_between(c, "P00", "P96") ||
			  category_between(c, "Z38", "Z38")))
			continue;
		add_finding(enc, i, RULE_MATERNAL_NEWBORN_MIX, first_o,
					psprintf("%s is a newborn code and %s a maternal code; "
							 "they never belong on the same record.",
							 icd10_code_text(c),
							 icd10_code_text(enc->codes[first_o])));
	}
}

/*
 * Rule 9: adverse effects, poisonings and underdosing.
 *
 * XXX: poisoning_not_first cannot tell whether the earlier condition is a
 * manifestation of the poisoning; it flags any earlier condition that is
 * not an injury or external cause.
 */
static void
check_drugs(Encounter *enc)
{
	Icd10		first = enc->codes[0];

	if (!enc->nulls[0] && is_drug_intent(first, '5'))
	{
		int			nature = -1;

		for (int j = 1; j < enc->n && nature < 0; j++)
			if (!enc->nulls[j] && !is_external(enc->codes[j]) &&
				!category_between(enc->codes[j], "T36", "T50"))
				nature = j;
		if (nature > 0)
			add_finding(enc, 0, RULE_ADVERSE_EFFECT_FIRST, nature,
						psprintf("%s is an adverse effect code; list the "
								 "nature of the effect (%s) first, then "
								 "the drug code.", icd10_code_text(first),
								 icd10_code_text(enc->codes[nature])));
	}

	if (!enc->nulls[0] && is_drug_intent(first, '6'))
		add_finding(enc, 0, RULE_UNDERDOSING_FIRST, -1,
					psprintf("%s is an underdosing code; it is never "
							 "first-listed. List the condition first.",
							 icd10_code_text(first)));

	/* The first condition that is not an injury or external cause. */
	for (int i = 0, condition = -1; i < enc->n; i++)
	{
		char		c;

		if (enc->nulls[i])
			continue;
		if (condition >= 0 && is_poisoning(enc->codes[i]))
			add_finding(enc, i, RULE_POISONING_NOT_FIRST, condition,
						psprintf("%s is a poisoning code listed after %s; "
								 "list the poisoning first, then its "
								 "manifestations.",
								 icd10_code_text(enc->codes[i]),
								 icd10_code_text(enc->codes[condition])));
		c = icd10_char_at(enc->codes[i], 0);
		if (condition < 0 && c != 'S' && c != 'T' &&
			!is_external(enc->codes[i]))
			condition = i;
	}
}

/* Rules 10 and 11: sequela and symptoms first; integral symptoms. */
static void
check_sequela_and_symptoms(Encounter *enc)
{
	Icd10		first = enc->codes[0];

	if (!enc->nulls[0] && is_sequela(enc, first))
	{
		for (int j = 1; j < enc->n; j++)
			if (!enc->nulls[j] && !is_external(enc->codes[j]))
			{
				add_finding(enc, 0, RULE_SEQUELA_FIRST, j,
							psprintf("%s is a sequela code; list the "
									 "residual condition (%s) first, then "
									 "the sequela code.",
									 icd10_code_text(first),
									 icd10_code_text(enc->codes[j])));
				break;
			}
	}

	if (!enc->nulls[0] && is_symptom(first))
	{
		for (int j = 1; j < enc->n; j++)
			if (!enc->nulls[j] && is_definitive(enc->codes[j]))
			{
				add_finding(enc, 0, RULE_SYMPTOM_FIRST, j,
							psprintf("%s is a symptom code listed first "
									 "while %s, a definitive diagnosis, is "
									 "present; a symptom is not first-listed "
									 "when a related diagnosis explains it.",
									 icd10_code_text(first),
									 icd10_code_text(enc->codes[j])));
				break;
			}
	}

	for (int r = 0; r < enc->cache->nintegral; r++)
	{
		const Icd10Integral *rule = &enc->cache->integral[r];
		int			cond = find_in_range(enc, rule->condition,
										 icd10_prefix_upper(rule->condition),
										 -1, NULL);
		int			sym;

		if (cond < 0)
			continue;
		sym = find_in_range(enc, rule->symptom,
							icd10_prefix_upper(rule->symptom), cond, NULL);
		if (sym < 0)
			continue;
		add_finding(enc, sym, RULE_INTEGRAL_SYMPTOM, cond,
					psprintf("%s is integral to %s and is not coded "
							 "separately: %s.",
							 icd10_code_text(enc->codes[sym]),
							 icd10_code_text(enc->codes[cond]), rule->reason));
	}
}

/* Rule 12: age and sex, when given. */
static void
check_age_sex(Encounter *enc)
{
	for (int i = 0; i < enc->n; i++)
	{
		const Icd10Edit *e;

		if (enc->nulls[i])
			continue;
		e = icd10_release_edit(enc->rel, enc->codes[i]);
		if (e == NULL)
			continue;
		if (enc->age >= 0 && (e->flags & ICD10_EDIT_AGE) &&
			(enc->age < e->age_min || enc->age > e->age_max))
			add_finding(enc, i, RULE_AGE_CONFLICT, -1,
						psprintf("%s is a %s code (ages %d to %d); the "
								 "patient is %d.",
								 icd10_code_text(enc->codes[i]),
								 e->age_group, e->age_min, e->age_max,
								 enc->age));
		if ((enc->sex == 'M' && (e->flags & ICD10_EDIT_SEX_FEMALE)) ||
			(enc->sex == 'F' && (e->flags & ICD10_EDIT_SEX_MALE)))
			add_finding(enc, i, RULE_SEX_CONFLICT, -1,
						psprintf("%s is for %s patients; the patient is "
								 "%s.", icd10_code_text(enc->codes[i]),
								 (e->flags & ICD10_EDIT_SEX_FEMALE) ?
								 "female" : "male",
								 enc->sex == 'M' ? "male" : "female"));
	}
}

/* Order findings by position, then rule, then related position. */
static int
finding_order(const void *a, const void *b)
{
	const Finding *fa = (const Finding *) a;
	const Finding *fb = (const Finding *) b;

	if (fa->position != fb->position)
		return fa->position - fb->position;
	if (fa->rule != fb->rule)
		return (int) fa->rule - (int) fb->rule;
	return fa->related - fb->related;
}

/*
 * run_checks
 *		Read the arguments, run every rule, and leave the findings, sorted,
 *		in enc.  by_date says whether argument 1 is a date of service.
 */
static void
run_checks(FunctionCallInfo fcinfo, bool by_date, Encounter *enc)
{
	ArrayType  *arr;
	Datum	   *elems;
	int			ndims;

	memset(enc, 0, sizeof(Encounter));
	enc->age = -1;
	enc->maxfindings = 16;
	enc->findings = palloc(sizeof(Finding) * enc->maxfindings);

	/* The options: setting, age and sex. */
	if (!PG_ARGISNULL(2))
	{
		char	   *setting = text_to_cstring(PG_GETARG_TEXT_PP(2));

		if (pg_strcasecmp(setting, "inpatient") == 0)
			enc->inpatient = true;
		else if (pg_strcasecmp(setting, "outpatient") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid setting \"%s\"", setting),
					 errhint("Use \"inpatient\", \"outpatient\" or NULL.")));
	}
	if (!PG_ARGISNULL(3))
	{
		enc->age = PG_GETARG_INT32(3);
		if (enc->age < 0 || enc->age > 124)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("age %d is out of range", enc->age),
					 errdetail("An age is a whole number of years from 0 "
							   "to 124.")));
	}
	if (!PG_ARGISNULL(4))
	{
		char	   *sex = text_to_cstring(PG_GETARG_TEXT_PP(4));

		if (pg_strcasecmp(sex, "M") == 0 || pg_strcasecmp(sex, "F") == 0)
			enc->sex = pg_ascii_toupper(sex[0]);
		else if (pg_strcasecmp(sex, "U") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid sex \"%s\"", sex),
					 errhint("Use \"M\", \"F\", \"U\" or NULL.")));
	}

	/* A NULL list has no findings, whatever the release. */
	if (PG_ARGISNULL(0))
		return;

	/* The release. */
	enc->cache = icd10_cache_get(fcinfo->flinfo->fn_oid);
	if (by_date)
	{
		DateADT		date;

		if (PG_ARGISNULL(1) ||
			(enc->rel = icd10_release_on((Icd10Cache *) enc->cache,
										 date = PG_GETARG_DATEADT(1),
										 ICD10_PART_ALL)) == NULL)
		{
			add_finding(enc, -1, RULE_NO_RELEASE, -1,
						PG_ARGISNULL(1) ?
						pstrdup("No date of service was given.") :
						psprintf("No loaded release is in force on %s.",
								 icd10_date_text(date)));
			return;
		}
	}
	else if (PG_ARGISNULL(1))
		enc->rel = icd10_release_current((Icd10Cache *) enc->cache,
										 ICD10_PART_ALL);
	else
		enc->rel = icd10_release_named((Icd10Cache *) enc->cache,
									   text_to_cstring(PG_GETARG_TEXT_PP(1)),
									   ICD10_PART_ALL);

	/* The list: an empty list has no findings. */
	arr = PG_GETARG_ARRAYTYPE_P(0);
	ndims = ARR_NDIM(arr);
	if (ndims > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("a diagnosis list must be a one-dimensional array"),
				 errdetail("The array has %d dimensions.", ndims)));
	if (ndims == 0)
		return;
	deconstruct_array(arr, ARR_ELEMTYPE(arr), sizeof(Icd10), true,
					  TYPALIGN_DOUBLE, &elems, &enc->nulls, &enc->n);
	enc->codes = palloc(sizeof(Icd10) * enc->n);
	for (int i = 0; i < enc->n; i++)
		enc->codes[i] = enc->nulls[i] ? 0 : DatumGetIcd10(elems[i]);

	/* Sort once: every family question is then a binary search. */
	enc->order = palloc(sizeof(int) * enc->n);
	for (int i = 0; i < enc->n; i++)
		if (!enc->nulls[i])
			enc->order[enc->norder++] = i;
	sort_encounter = enc;
	qsort(enc->order, enc->norder, sizeof(int), order_by_code);
	enc->first_listing = palloc0(sizeof(bool) * enc->n);
	for (int k = 0; k < enc->norder; k++)
		enc->first_listing[enc->order[k]] =
			(k == 0 || enc->codes[enc->order[k - 1]] !=
			 enc->codes[enc->order[k]]);

	/* The rules. */
	check_codes(enc);
	CHECK_FOR_INTERRUPTS();
	check_first_listed(enc);
	check_paired_notes(enc);
	CHECK_FOR_INTERRUPTS();
	check_excludes1(enc);
	CHECK_FOR_INTERRUPTS();
	check_pregnancy(enc);
	check_drugs(enc);
	check_sequela_and_symptoms(enc);
	check_age_sex(enc);

	qsort(enc->findings, enc->nfindings, sizeof(Finding), finding_order);
}

/* Return the findings as rows. */
static Datum
findings_result(FunctionCallInfo fcinfo, bool by_date)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Encounter	enc;

	icd10_init_srf(fcinfo);
	run_checks(fcinfo, by_date, &enc);

	for (int f = 0; f < enc.nfindings; f++)
	{
		Finding    *fi = &enc.findings[f];
		Datum		values[7];
		bool		nulls[7] = {0};

		values[0] = Int32GetDatum(fi->position + 1);
		nulls[0] = (fi->position < 0);
		values[1] = Icd10GetDatum(fi->position >= 0 ?
								  enc.codes[fi->position] : 0);
		nulls[1] = (fi->position < 0 || enc.nulls[fi->position]);
		values[2] = CStringGetTextDatum(rules[fi->rule].id);
		values[3] = CStringGetTextDatum(rules[fi->rule].severity);
		values[4] = Int32GetDatum(fi->related + 1);
		nulls[4] = (fi->related < 0);
		values[5] = Icd10GetDatum(fi->related >= 0 ?
								  enc.codes[fi->related] : 0);
		nulls[5] = (fi->related < 0);
		values[6] = CStringGetTextDatum(fi->message);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	return (Datum) 0;
}

/*
 * icd10_sequence_findings(codes icd10[], release text, setting text,
 * age int, sex text): one row per finding.
 */
PG_FUNCTION_INFO_V1(icd10_sequence_findings);
Datum
icd10_sequence_findings(PG_FUNCTION_ARGS)
{
	return findings_result(fcinfo, false);
}

/* The same, in the release in force on a date of service. */
PG_FUNCTION_INFO_V1(icd10_sequence_findings_on);
Datum
icd10_sequence_findings_on(PG_FUNCTION_ARGS)
{
	return findings_result(fcinfo, true);
}

/* True when the checks find no error; NULL for a NULL list. */
static Datum
sequence_ok(FunctionCallInfo fcinfo, bool by_date)
{
	Encounter	enc;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	run_checks(fcinfo, by_date, &enc);
	for (int f = 0; f < enc.nfindings; f++)
		if (strcmp(rules[enc.findings[f].rule].severity, "error") == 0)
			PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(true);
}

/* icd10_sequence_ok(codes icd10[], release text, ...): no errors? */
PG_FUNCTION_INFO_V1(icd10_sequence_ok);
Datum
icd10_sequence_ok(PG_FUNCTION_ARGS)
{
	return sequence_ok(fcinfo, false);
}

/* The same, in the release in force on a date of service. */
PG_FUNCTION_INFO_V1(icd10_sequence_ok_on);
Datum
icd10_sequence_ok_on(PG_FUNCTION_ARGS)
{
	return sequence_ok(fcinfo, true);
}
