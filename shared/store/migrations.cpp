#include "store/migrations.h"

#include <string>

#include "store/database.h"

namespace imsbox::store {

namespace {

// Append only. Each table is named after the node that owns (writes) it.
constexpr Migration kBoxSchema[] = {
    {1, "HSS subscribers and their public identities", R"sql(
CREATE TABLE hss_subscriber (
  impi        TEXT PRIMARY KEY NOT NULL,       -- private identity (NAI), TS 23.003 §13.3
  k           BLOB CHECK (k IS NULL OR length(k) = 16),
  opc         BLOB CHECK (opc IS NULL OR length(opc) = 16),
  amf         BLOB CHECK (amf IS NULL OR length(amf) = 2),
  sqn         INTEGER CHECK (sqn IS NULL OR (sqn >= 0 AND sqn < 281474976710656)),
  realm       TEXT,                            -- digest realm the HA1 values were made for
  ha1_md5     TEXT,                            -- H(IMPI:realm:password), RFC 2617
  ha1_sha256  TEXT,                            -- the same with SHA-256, RFC 7616 / RFC 8760
  created_at  INTEGER NOT NULL,
  CHECK ((k IS NULL) = (opc IS NULL) AND (k IS NULL) = (amf IS NULL) AND (k IS NULL) = (sqn IS NULL)),
  CHECK ((ha1_md5 IS NULL) = (realm IS NULL) AND (ha1_md5 IS NULL) = (ha1_sha256 IS NULL)),
  CHECK (k IS NOT NULL OR ha1_md5 IS NOT NULL)
) STRICT;

CREATE TABLE hss_public_identity (
  impu     TEXT PRIMARY KEY NOT NULL,          -- sip:, sips: or tel: URI
  impi     TEXT NOT NULL REFERENCES hss_subscriber(impi) ON DELETE CASCADE,
  position INTEGER NOT NULL,                   -- order given at provisioning; the first is the default
  barred   INTEGER NOT NULL DEFAULT 0 CHECK (barred IN (0, 1))
) STRICT;
CREATE INDEX hss_public_identity_by_impi ON hss_public_identity(impi, position);
)sql"},
    {2, "HSS service profiles, iFCs, application servers, implicit sets, registration state", R"sql(
-- TS 29.228 Annex B/E: what the S-CSCF downloads as User-Data.
CREATE TABLE hss_application_server (
  name                      TEXT PRIMARY KEY NOT NULL,
  server_name               TEXT NOT NULL,   -- SIP URI the S-CSCF routes to (ISC)
  default_handling          INTEGER NOT NULL DEFAULT 0 CHECK (default_handling IN (0, 1)),  -- SESSION_CONTINUED, SESSION_TERMINATED
  service_info              TEXT,
  include_register_request  INTEGER NOT NULL DEFAULT 0 CHECK (include_register_request IN (0, 1)),
  include_register_response INTEGER NOT NULL DEFAULT 0 CHECK (include_register_response IN (0, 1))
) STRICT;

CREATE TABLE hss_service_profile (
  name TEXT PRIMARY KEY NOT NULL
) STRICT;

CREATE TABLE hss_ifc (
  service_profile        TEXT NOT NULL REFERENCES hss_service_profile(name) ON DELETE CASCADE,
  priority               INTEGER NOT NULL CHECK (priority >= 0),
  application_server     TEXT NOT NULL REFERENCES hss_application_server(name),
  -- the TriggerPoint as JSON: {"cnf": bool, "spt": [{"group": n, "negated": bool,
  -- "method" | "request_uri" | "session_case" | "header": {"name", "content"} |
  -- "sdp": {"line", "content"}, "registration_type": [0, 1, 2]}]}; absent: always
  trigger_point          TEXT,
  profile_part_indicator INTEGER CHECK (profile_part_indicator IS NULL OR profile_part_indicator IN (0, 1)),
  PRIMARY KEY (service_profile, priority)
) STRICT;

-- Implicit registration sets (TS 23.228 §4.3.3.4): IMPUs of one subscriber
-- with the same implicit_set register and deregister together; within a set,
-- IMPUs with the same service profile are aliases.
ALTER TABLE hss_public_identity ADD COLUMN implicit_set INTEGER NOT NULL DEFAULT 1;
ALTER TABLE hss_public_identity ADD COLUMN service_profile TEXT REFERENCES hss_service_profile(name) ON DELETE SET NULL;
ALTER TABLE hss_public_identity ADD COLUMN display_name TEXT;
-- Which authentication schemes the subscriber may use (comma-separated, as in
-- SIP-Authentication-Scheme); NULL: every scheme its credentials allow.
ALTER TABLE hss_subscriber ADD COLUMN auth_schemes TEXT;

-- TS 29.228 §6.1.2, §8.1.2: the registration state of each IMPU and the
-- S-CSCF assigned to it. No row: NOT_REGISTERED and no S-CSCF; state 0 with
-- an S-CSCF: NOT_REGISTERED, the name kept (assigned during authentication,
-- or *_STORE_SERVER_NAME).
CREATE TABLE hss_registration (
  impu        TEXT PRIMARY KEY NOT NULL REFERENCES hss_public_identity(impu) ON DELETE CASCADE,
  state       INTEGER NOT NULL CHECK (state IN (0, 1, 2)),  -- NOT_REGISTERED, REGISTERED, UNREGISTERED (terminating services)
  impi        TEXT REFERENCES hss_subscriber(impi) ON DELETE CASCADE,  -- who registered it
  scscf_name  TEXT NOT NULL,
  origin_host TEXT,                            -- the S-CSCF's Diameter identity, for RTR and PPR
  origin_realm TEXT,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX hss_registration_by_impi ON hss_registration(impi);
)sql"},
    {3, "HSS change log for Push-Profile and administrative deregistration requests", R"sql(
-- Subscribers whose User-Data changed since the HSS last pushed it (Cx PPR,
-- TS 29.228 §6.5.2.1). Triggers fill it whoever writes (imsbox subscriber,
-- the provisioning API); the HSS empties it.
CREATE TABLE hss_profile_change (
  impi       TEXT PRIMARY KEY NOT NULL REFERENCES hss_subscriber(impi) ON DELETE CASCADE,
  changed_at INTEGER NOT NULL
) STRICT;

CREATE TRIGGER hss_identity_inserted AFTER INSERT ON hss_public_identity BEGIN
  INSERT INTO hss_profile_change (impi, changed_at) VALUES (NEW.impi, unixepoch())
    ON CONFLICT (impi) DO UPDATE SET changed_at = excluded.changed_at;
END;
CREATE TRIGGER hss_identity_updated AFTER UPDATE ON hss_public_identity BEGIN
  INSERT INTO hss_profile_change (impi, changed_at) VALUES (NEW.impi, unixepoch())
    ON CONFLICT (impi) DO UPDATE SET changed_at = excluded.changed_at;
END;
CREATE TRIGGER hss_identity_deleted AFTER DELETE ON hss_public_identity
WHEN EXISTS (SELECT 1 FROM hss_subscriber WHERE impi = OLD.impi) BEGIN
  INSERT INTO hss_profile_change (impi, changed_at) VALUES (OLD.impi, unixepoch())
    ON CONFLICT (impi) DO UPDATE SET changed_at = excluded.changed_at;
END;
CREATE TRIGGER hss_ifc_inserted AFTER INSERT ON hss_ifc BEGIN
  INSERT INTO hss_profile_change (impi, changed_at)
    SELECT DISTINCT impi, unixepoch() FROM hss_public_identity WHERE service_profile = NEW.service_profile
    ON CONFLICT (impi) DO UPDATE SET changed_at = excluded.changed_at;
END;
CREATE TRIGGER hss_ifc_updated AFTER UPDATE ON hss_ifc BEGIN
  INSERT INTO hss_profile_change (impi, changed_at)
    SELECT DISTINCT impi, unixepoch() FROM hss_public_identity WHERE service_profile = NEW.service_profile
    ON CONFLICT (impi) DO UPDATE SET changed_at = excluded.changed_at;
END;
CREATE TRIGGER hss_ifc_deleted AFTER DELETE ON hss_ifc BEGIN
  INSERT INTO hss_profile_change (impi, changed_at)
    SELECT DISTINCT impi, unixepoch() FROM hss_public_identity WHERE service_profile = OLD.service_profile
    ON CONFLICT (impi) DO UPDATE SET changed_at = excluded.changed_at;
END;
CREATE TRIGGER hss_application_server_updated AFTER UPDATE ON hss_application_server BEGIN
  INSERT INTO hss_profile_change (impi, changed_at)
    SELECT DISTINCT p.impi, unixepoch() FROM hss_public_identity p JOIN hss_ifc i ON i.service_profile = p.service_profile
    WHERE i.application_server = NEW.name
    ON CONFLICT (impi) DO UPDATE SET changed_at = excluded.changed_at;
END;

-- Administrative deregistrations asked for (imsbox subscriber deregister):
-- the HSS sends the Registration-Termination-Request (TS 29.228 §6.2) and
-- records how it went.
CREATE TABLE hss_deregistration_request (
  id           INTEGER PRIMARY KEY,
  impi         TEXT NOT NULL REFERENCES hss_subscriber(impi) ON DELETE CASCADE,
  reason       TEXT,
  requested_at INTEGER NOT NULL,
  done_at      INTEGER,
  outcome      TEXT
) STRICT;
)sql"},
    {4, "S-CSCF registrations and their contact bindings", R"sql(
-- The S-CSCF's registrar (TS 24.229 §5.4.1.2), so that a restart keeps the
-- registrations: one row per registered implicit set (keyed by the IMPU the
-- UE registered) with the User-Data of its SAA, and its contacts.
CREATE TABLE scscf_registration (
  impu       TEXT PRIMARY KEY NOT NULL,
  impi       TEXT NOT NULL,
  user_data  TEXT NOT NULL,     -- the IMSSubscription XML (TS 29.228 Annex E)
  updated_at INTEGER NOT NULL   -- unix seconds
) STRICT;
CREATE TABLE scscf_binding (
  impu       TEXT NOT NULL REFERENCES scscf_registration(impu) ON DELETE CASCADE,
  uri        TEXT NOT NULL,     -- the contact URI
  contact    TEXT NOT NULL,     -- the Contact value as registered, without expires
  instance   TEXT,              -- +sip.instance (RFC 5626)
  reg_id     INTEGER,
  path       TEXT NOT NULL,     -- the Path values of the REGISTER, comma-separated
  call_id    TEXT NOT NULL,
  cseq       INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,  -- unix seconds
  PRIMARY KEY (impu, uri)
) STRICT;
)sql"},
    {5, "S-CSCF call detail records", R"sql(
-- One row per call attempt the S-CSCF routed (issue 6; `imsbox calls`).
-- Times are unix milliseconds; answered_at / ended_at stay NULL until then.
CREATE TABLE scscf_call_record (
  call_id     TEXT PRIMARY KEY NOT NULL,
  icid        TEXT NOT NULL,     -- P-Charging-Vector icid-value
  caller      TEXT NOT NULL,
  callee      TEXT NOT NULL,
  invite_at   INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at    INTEGER,
  status      INTEGER NOT NULL,  -- the INVITE's final SIP status, 0 while none
  cause       TEXT NOT NULL,     -- normal, cancelled, rejected, failed; empty while going on
  ended_by    TEXT NOT NULL      -- caller, callee, network; empty while going on
) STRICT;
CREATE INDEX scscf_call_record_invite_at ON scscf_call_record (invite_at);
)sql"},
    {6, "indexes for IMPIs with many public identities", R"sql(
-- Cx requests read one implicit registration set of an IMPI, not all its
-- IMPUs (an IMPI may have thousands).
CREATE INDEX hss_public_identity_by_set ON hss_public_identity(impi, implicit_set, position);
)sql"},
    {7, "S-CSCF reg-event subscriptions", R"sql(
-- The S-CSCF's reg-event subscriptions (RFC 3680), so that the P-CSCFs and
-- UEs watching a registration still hear of it after an S-CSCF restart.
CREATE TABLE scscf_reg_subscription (
  id            TEXT PRIMARY KEY NOT NULL,  -- Call-ID;our tag
  impu          TEXT NOT NULL,              -- the registration watched
  call_id       TEXT NOT NULL,
  local_tag     TEXT NOT NULL,
  local_uri     TEXT NOT NULL,
  remote        TEXT NOT NULL,              -- the subscriber's From, tag included
  remote_target TEXT NOT NULL,
  route_set     TEXT NOT NULL,              -- Route values, one per line
  subscriber    TEXT NOT NULL,
  by_user       INTEGER NOT NULL,
  cseq          INTEGER NOT NULL,
  version       INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL            -- unix seconds
) STRICT;
)sql"},
    {8, "HSS digest HA1 values for the bare user name", R"sql(
-- H(user:realm:password) with the user part of the IMPI alone ("alice" of
-- alice@realm), for clients that send the bare user name as the digest
-- username (the S-CSCF takes user@realm as the IMPI, TS 23.003 §13.3).
-- NULL for a password set before this migration (set it again to fill them)
-- and when the IMPI's realm is not the digest realm.
ALTER TABLE hss_subscriber ADD COLUMN username_ha1_md5 TEXT;
ALTER TABLE hss_subscriber ADD COLUMN username_ha1_sha256 TEXT;
)sql"},
    {9, "why the network released a call, and its media figures", R"sql(
-- A call released by the network (cause 'released'): the cause and text of
-- its BYE's Reason (RFC 3326), e.g. 408 'media timeout' from the P-CSCF.
-- The media figures one P-CSCF gave for its UE (P-RTP-Stat on the BYE or its
-- 2xx): rtp_party is 'caller' or 'callee', whose view they are (sent: by
-- that party; received: toward it; lost and jitter: of the stream toward
-- it). All NULL when not known.
ALTER TABLE scscf_call_record ADD COLUMN reason_cause INTEGER;
ALTER TABLE scscf_call_record ADD COLUMN reason_text TEXT;
ALTER TABLE scscf_call_record ADD COLUMN rtp_party TEXT;
ALTER TABLE scscf_call_record ADD COLUMN rtp_packets_sent INTEGER;
ALTER TABLE scscf_call_record ADD COLUMN rtp_octets_sent INTEGER;
ALTER TABLE scscf_call_record ADD COLUMN rtp_packets_received INTEGER;
ALTER TABLE scscf_call_record ADD COLUMN rtp_octets_received INTEGER;
ALTER TABLE scscf_call_record ADD COLUMN rtp_packets_lost INTEGER;
ALTER TABLE scscf_call_record ADD COLUMN rtp_jitter_ms INTEGER;
)sql"},
    {10, "TAS supplementary-services documents", R"sql(
-- One simservs XML document (TS 24.623) per public user identity, written by
-- the TAS (XCAP, star codes, CLI, REST) only after it parsed and validated
-- it. etag: the document's current strong entity tag (RFC 7232), quoted.
-- updated_at: unix seconds of the last write.
CREATE TABLE tas_simservs (
  impu       TEXT PRIMARY KEY,
  document   TEXT NOT NULL,
  etag       TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
)sql"},
    {11, "TAS decisions per call: diversions and barrings", R"sql(
-- What the TAS did to a call (`imsbox calls`): one row per diversion (CDIV,
-- TS 24.604) or barring (OCB/ICB/ACR, TS 24.611), written when it happens.
-- service: CFU, CFB, CFNR, CFNL, CFNRc, CD, OCB, ICB, ACR. cause: the RFC
-- 4458 cause of a diversion (302, 486, 408, 404, 503, 480), the SIP status a
-- barred call got (603, 433). target: where a diversion sent the call, NULL
-- for a barring. at: unix milliseconds.
CREATE TABLE tas_call_event (
  id           INTEGER PRIMARY KEY,
  call_id      TEXT NOT NULL,
  at           INTEGER NOT NULL,
  served_user  TEXT NOT NULL,
  session_case TEXT NOT NULL CHECK (session_case IN ('originating', 'terminating')),
  service      TEXT NOT NULL,
  cause        INTEGER NOT NULL,
  rule_id      TEXT NOT NULL,
  target       TEXT
) STRICT;
CREATE INDEX tas_call_event_by_call ON tas_call_event (call_id, id);
)sql"},
    {12, "MRF IVR menus", R"sql(
-- The MRF's IVR menus (issue 19): one definition per name, the text format of
-- mrf/ivr_menu.h (prompt, choices, timeouts, retries), written by
-- `imsbox ivr add` after it parsed it. updated_at: unix seconds.
CREATE TABLE mrf_ivr_menu (
  name       TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
)sql"},
};

}  // namespace

std::span<const Migration> box_schema() { return kBoxSchema; }

void migrate(Database& db, std::span<const Migration> schema) {
  const int latest = schema.empty() ? 0 : schema.back().version;
  // Check outside a write transaction first so that a newer store is refused
  // without ever taking its write lock.
  if (const int current = db.schema_version(); current > latest) {
    throw StoreError("the store's schema version " + std::to_string(current) +
                     " is newer than this imsbox knows (" + std::to_string(latest) +
                     "): run a newer imsbox or use another --data-dir");
  } else if (current == latest) {
    return;
  }
  for (const auto& m : schema) {
    Database::Transaction tx(db);
    // Re-read under the write lock: another process may have migrated meanwhile.
    const int current = db.schema_version();
    if (current > latest) {
      throw StoreError("the store's schema version " + std::to_string(current) +
                       " is newer than this imsbox knows (" + std::to_string(latest) + ")");
    }
    if (m.version <= current) continue;
    if (m.version != current + 1) {
      throw StoreError("migration " + std::to_string(m.version) + " cannot follow schema version " +
                       std::to_string(current));
    }
    try {
      db.exec_script(std::string(m.sql).c_str());
      db.exec_script(("PRAGMA user_version = " + std::to_string(m.version)).c_str());
    } catch (const StoreError& e) {
      throw StoreError("migration " + std::to_string(m.version) + " (" + std::string(m.description) +
                       ") failed: " + e.what());
    }
    tx.commit();
  }
}

}  // namespace imsbox::store
