-- The I-CSCF's view of the S-CSCFs (ims_icscf reads these tables once, at
-- start): the test inserts its one S-CSCF, which has no capabilities.
CREATE TABLE s_cscf (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', s_cscf_uri TEXT NOT NULL DEFAULT '');
CREATE TABLE s_cscf_capabilities (id INTEGER PRIMARY KEY, id_s_cscf INTEGER NOT NULL DEFAULT 0,
                                  capability INTEGER NOT NULL DEFAULT 0);
CREATE TABLE nds_trusted_domains (id INTEGER PRIMARY KEY, trusted_domain TEXT NOT NULL DEFAULT '');
