--
-- Every operator class of the extension passes amvalidate, and the
-- extension owns the objects it should.
--

SELECT opc.opcname, am.amname, pg_catalog.amvalidate(opc.oid) AS valid
FROM pg_opclass opc
JOIN pg_am am ON am.oid = opc.opcmethod
JOIN pg_depend d ON d.classid = 'pg_opclass'::regclass
	AND d.objid = opc.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'icdspasm'
ORDER BY 1;

-- = can hash and merge; the type is 8 bytes and passed by value.
SELECT oprname, oprcanhash, oprcanmerge
FROM pg_operator WHERE oprleft = 'icd10'::regtype AND oprname = '=';
SELECT typlen, typbyval, typalign FROM pg_type WHERE oid = 'icd10'::regtype;

-- Every function of the extension carries a comment.
SELECT p.oid::regprocedure AS uncommented
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
	AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'icdspasm'
WHERE pg_catalog.obj_description(p.oid, 'pg_proc') IS NULL
ORDER BY 1;
