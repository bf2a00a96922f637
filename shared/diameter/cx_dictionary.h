#pragma once
// The Cx application in freeDiameter's dictionary, and the dictionary
// objects ("models") the codec builds messages from.
//
// freeDiameter 1.2.1 ships no Cx application or commands, and its
// dict_dcca_3gpp.fdx defines most TS 29.229 AVPs but not all: load() adds
// application 16777216 (vendor 10415, auth), the six command pairs 300-305
// with their flags (REQ/PXY per TS 29.229 §6.1) and rules, and every AVP of
// cx_avps.h that is missing (Initial-CSeq-Sequence-Number, SAR-Flags,
// Allowed-WAF-WWSF-Identities and its two children; and the RFC 4740
// Digest-Realm/-QoP/-Algorithm/-HA1 with Vendor-Id 0, which dict_dcca_3gpp
// gets wrong by declaring them under vendor 10415 so that a received
// SIP-Digest-Authenticate would not parse).
//
// The command rules are loose on purpose: every AVP is optional, requests
// limit single AVPs to one occurrence (freeDiameter then answers 5009 by
// itself). Presence and values are checked by the codec, which reports the
// precise Result-Code and Failed-AVP, and answers are never dropped by
// freeDiameter's rule check.
//
// freeDiameter's dictionary is process-global; so is what load() adds. The
// returned object only holds pointers into it, valid until the freeDiameter
// core shuts down. Call load() after fd_core_parseconf (which loads the
// dict_* extensions) and before fd_core_start, on one thread.
#include <array>

#include "diameter/cx_avps.h"
#include "diameter/cx_types.h"

struct dict_object;  // freeDiameter's, opaque here

namespace imsbox::diameter {

class CxDictionary {
 public:
  // Throws std::runtime_error naming the object it could neither find nor define.
  static CxDictionary load();

  dict_object* avp(Avp a) const { return avps_[static_cast<std::size_t>(a)]; }
  dict_object* request(CxCommand c) const { return requests_[index(c)]; }
  dict_object* answer(CxCommand c) const { return answers_[index(c)]; }
  dict_object* application() const { return application_; }
  dict_object* vendor() const { return vendor_; }

 private:
  static std::size_t index(CxCommand c) { return static_cast<std::size_t>(c) - 300; }
  std::array<dict_object*, kAvpCount> avps_{};
  std::array<dict_object*, 6> requests_{};
  std::array<dict_object*, 6> answers_{};
  dict_object* application_ = nullptr;
  dict_object* vendor_ = nullptr;
};

}  // namespace imsbox::diameter
