--
-- Hierarchy: parent, children, ancestors, chapter and block.
--

SELECT icd10_parent('M62.830'), icd10_parent('M62.83'), icd10_parent('M62'),
	icd10_parent('T50.1X5A'), icd10_parent('T50.1X5'),
	icd10_parent('M62.8399') AS parent_of_unknown,
	icd10_parent('G35.A', 'FY2025') AS not_in_fy2025;

SELECT * FROM icd10_children('M62.83');
SELECT * FROM icd10_children('G35');
SELECT * FROM icd10_children('G35', 'FY2025');
SELECT count(*) FROM icd10_children('M62');

SELECT * FROM icd10_ancestors('M62.830');
SELECT * FROM icd10_ancestors('T50.1X5A');
SELECT * FROM icd10_ancestors('M62');

SELECT code, icd10_category(code), icd10_chapter(code), icd10_block(code)
FROM (VALUES ('M62.830'::icd10), ('I10'), ('M1A.0'), ('C4A.0'), ('C7A.0'),
	('C77.0'), ('D3A.0'), ('D37.0'), ('J4A'), ('K6A'), ('Z3A.38'),
	('QA0'), ('U07.1'), ('A00.0'), ('Z99.89'), ('O9A.1')) AS v(code);

SELECT chapter, first_category, last_category, title FROM icd10_chapter
ORDER BY chapter;

-- Every category of the official FY2027 file falls in exactly one
-- chapter and one block, and blocks follow the tabular order of the file.
WITH cats AS (
	SELECT code, order_no FROM icd10_code
	WHERE release = 'FY2027' AND length(code::text) = 3
), placed AS (
	SELECT c.code, c.order_no,
		(SELECT count(*) FROM icd10_chapter ch
		 WHERE c.code >= ch.first_category AND c.code <= ch.last_category)
			AS chapters,
		(SELECT count(*) FROM icd10_block b
		 WHERE c.code = ANY (b.members)) AS listed,
		(SELECT count(*) FROM icd10_block b
		 WHERE c.code >= b.first_category AND c.code <= b.last_category)
			AS in_range,
		icd10_block(c.code) AS block
	FROM cats c
)
SELECT count(*) AS categories,
	count(*) FILTER (WHERE chapters <> 1) AS not_in_one_chapter,
	count(*) FILTER (WHERE block IS NULL) AS without_block,
	count(*) FILTER (WHERE listed = 0 AND in_range <> 1) AS ambiguous
FROM placed;

-- Blocks in file order never go back: each category's block is the same
-- as, or after, the block of the category before it in the order file.
WITH cats AS (
	SELECT c.code, c.order_no, b.position
	FROM icd10_code c
	JOIN icd10_block b
	  ON b.first_category::text || '-' || b.last_category::text =
		 icd10_block(c.code)
	WHERE c.release = 'FY2027' AND length(c.code::text) = 3
), steps AS (
	SELECT code, position, lag(position) OVER (ORDER BY order_no) AS previous
	FROM cats
)
SELECT count(*) AS steps,
	count(*) FILTER (WHERE position < previous) AS backwards,
	count(DISTINCT position) AS blocks_used,
	(SELECT count(*) FROM icd10_block) AS blocks
FROM steps;
SELECT icd10_children('M62.83'), icd10_ancestors('M62.830');
