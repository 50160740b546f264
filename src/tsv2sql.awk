# tsv2sql.awk
#	Turn one of the tab-separated files in data/ into INSERT statements
#	for the extension script.
#
# Variables: table (target table), lead (SQL text put before the fields,
# such as a release name), array_field (a field written as an array
# literal of its comma-separated items) and seq (when set, a running row
# number is added after the fields).  Lines starting with "#" are comments.

BEGIN {
	FS = "\t"
}

/^#/ || /^$/ {
	next
}

{
	row++
	values = lead
	for (i = 1; i <= NF; i++)
	{
		field = $i
		gsub(/'/, "''", field)
		if (i == array_field)
			field = "{" field "}"
		values = values (i > 1 ? ", " : "") "'" field "'"
	}
	if (seq)
		values = values ", " row
	printf "INSERT INTO @extschema@.%s VALUES (%s);\n", table, values
}
