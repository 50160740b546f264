# Makefile for the icdspasm PostgreSQL extension (PGXS)

EXTENSION = icdspasm
EXTVERSION = 0.1

MODULE_big = icdspasm
OBJS = \
	src/icd10.o \
	src/cache.o \
	src/check.o \
	src/load.o \
	src/rows.o \
	src/sequence.o \
	src/tabular.o

# The install script is built from its source and the embedded data files.
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
EXTRA_CLEAN = $(EXTENSION)--$(EXTVERSION).sql

# Regression tests run in this order; later ones rely on earlier loads.
REGRESS = \
	amvalidate \
	icd10_type \
	default_set \
	icd10_index \
	releases \
	loader \
	check \
	expand \
	hierarchy \
	cache \
	tabular \
	sequence
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# The loaders read gzip-compressed files through zlib, and the Tabular
# List XML through libxml2, the library of PostgreSQL's own XML support.
PG_CPPFLAGS += $(shell xml2-config --cflags)
SHLIB_LINK += -lz $(shell xml2-config --libs)

# Extra warnings; -Wno-unused-parameter because PostgreSQL's own headers
# (ilist.h, bufpage.h) trip it.  CI adds -Werror (see .ci/run).
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Concatenate the script source with INSERTs generated from data/*.tsv.
$(EXTENSION)--$(EXTVERSION).sql: src/$(EXTENSION).sql src/tsv2sql.awk \
		data/chapters.tsv data/blocks.tsv data/default_codes.tsv
	cat src/$(EXTENSION).sql > $@
	awk -v table=icd10_chapter -f src/tsv2sql.awk data/chapters.tsv >> $@
	awk -v table=icd10_block -v array_field=5 -v seq=1 -f src/tsv2sql.awk \
		data/blocks.tsv >> $@
	awk -v table=icd10_code -v "lead='FY2027', " -v seq=1 \
		-f src/tsv2sql.awk data/default_codes.tsv >> $@
