#pragma once
// A simservs document (TS 24.623) of the given service elements, for the
// TAS's tests; throws when it is not valid.
#include <stdexcept>
#include <string>
#include <variant>

#include "tas/simservs/document.h"

namespace imsbox::tas {

inline simservs::Document simservs_document(const std::string& services) {
  auto parsed = simservs::parse("<simservs xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\" "
                                "xmlns:cp=\"urn:ietf:params:xml:ns:common-policy\">" +
                                services + "</simservs>");
  if (auto* e = std::get_if<std::string>(&parsed)) throw std::runtime_error(*e);
  return std::get<simservs::Document>(std::move(parsed));
}

}  // namespace imsbox::tas
