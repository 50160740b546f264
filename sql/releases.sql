--
-- Releases side by side: load FY2025, FY2026 and FY2027 from the official
-- order files, pick a release by name, by date of service or by setting.
--

\getenv icd10cm ICDSPASM_ICD10CM
SET DateStyle = ISO;

-- The counts equal those CMS/NCHS publish (see SOURCES.md).
SELECT * FROM icd10_load_release('FY2025',
	:'icd10cm' || '/icd10cm_order_2025.txt.gz', '2024-10-01', '2025-09-30');
SELECT * FROM icd10_load_release('FY2026',
	:'icd10cm' || '/icd10cm_order_2026.txt.gz', '2025-10-01', '2026-09-30');

-- Loading the official FY2027 file completes the embedded default.
SELECT complete FROM icd10_release WHERE name = 'FY2027';
SELECT * FROM icd10_load_release('FY2027',
	:'icd10cm' || '/icd10cm_order_2027.txt.gz', '2026-10-01', '2027-09-30');
SELECT name, effective_from, effective_to, complete,
	source LIKE '%icd10cm_order_%' AS from_file
FROM icd10_release ORDER BY effective_from;

-- The newest release is used when a call names none.
SELECT icd10_release_name();
SELECT icd10_billable('G35'), icd10_exists('G35'), icd10_billable('G35.A');

-- By name.
SELECT r, icd10_billable('G35', r) AS g35_billable,
	icd10_exists('G35.A', r) AS g35a_exists,
	icd10_billable('S30.1XXA', r) AS s301xxa_billable
FROM unnest(ARRAY['FY2025', 'FY2026', 'FY2027']) AS r;

-- By date of service: G35 is billable on 2025-09-30 and a header on
-- 2025-10-01.
SELECT d, icd10_release_on(d) AS release, icd10_billable('G35', d) AS billable,
	icd10_exists('G35', d) AS exists
FROM unnest(ARRAY['2024-09-30', '2024-10-01', '2025-09-30', '2025-10-01',
	'2026-10-01', '2027-09-30', '2027-10-01']::date[]) AS d;

-- The setting names the default release.
SET icdspasm.release = 'FY2025';
SELECT icd10_release_name(), icd10_billable('G35');
SET icdspasm.release = 'FY1999';
SELECT icd10_billable('G35');
RESET icdspasm.release;
SELECT icd10_release_name();

-- A release that is not loaded is an error; a date with no release in
-- force gives NULL.
SELECT icd10_billable('G35', 'FY2030');
SELECT icd10_billable('G35', '2025-10-01');
SELECT icd10_billable('G35', date '2019-01-01') IS NULL AS no_release;

-- Titles and counts per release.
SELECT icd10_title('M62.830'), icd10_title('G35', 'FY2025'),
	icd10_title('M62.839') IS NULL AS no_title;
SELECT release, count(*) AS codes, count(*) FILTER (WHERE billable) AS billable
FROM icd10_code GROUP BY release ORDER BY release;
