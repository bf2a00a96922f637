// libFuzzer target for the TAS's simservs document (tas/simservs): the XML
// parser and validator, the writer, and XCAP node selectors with GET / PUT /
// DELETE.
//
// Input without a NUL byte: a whole document. Parsed; when accepted, it must
// write back to XML that parses to the same bytes again, and a set of node
// selectors is run on it (GET, PUT of what GET returned, DELETE).
// Input "selector NUL body": the selector (percent-decoded form) and a PUT body
// applied to a fixed valid document. After any PUT or DELETE the document
// must still be valid: its written form parses again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "tas/simservs/document.h"
#include "tas/simservs/node_selector.h"
#include "tas/simservs/rules.h"

namespace {

using namespace imsbox::tas::simservs;

constexpr std::string_view kBase =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<ss:simservs xmlns:ss="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy">
<ss:communication-diversion active="true"><ss:NoReplyTimer>20</ss:NoReplyTimer><cp:ruleset>
<cp:rule id="cfb"><cp:conditions><ss:busy/></cp:conditions><cp:actions><ss:forward-to><ss:target>tel:+331</ss:target></ss:forward-to></cp:actions></cp:rule>
<cp:rule id="cfu"><cp:conditions/><cp:actions><ss:forward-to><ss:target>tel:+332</ss:target></ss:forward-to></cp:actions></cp:rule>
</cp:ruleset></ss:communication-diversion>
<ss:incoming-communication-barring><cp:ruleset><cp:rule id="acr"><cp:conditions><ss:anonymous/></cp:conditions><cp:actions><ss:allow>false</ss:allow></cp:actions></cp:rule></cp:ruleset></ss:incoming-communication-barring>
</ss:simservs>)";

constexpr std::string_view kSelectors[] = {
    "simservs",
    "simservs/communication-diversion",
    "simservs/communication-diversion/cp:ruleset",
    "simservs/communication-diversion/cp:ruleset/cp:rule[1]",
    "simservs/communication-diversion/cp:ruleset/cp:rule[@id=\"cfb\"]",
    "simservs/incoming-communication-barring/cp:ruleset/cp:rule[1][@id=\"acr\"]",
    "simservs/*[2]",
    "simservs/originating-identity-presentation-restriction",
};

void check_valid(const Document& d) {
  const std::string written = d.write();
  auto again = parse(written);
  if (!std::holds_alternative<Document>(again)) std::abort();  // a kept document must stay valid
  if (std::get<Document>(again).write() != written) std::abort();  // and write the same
}

void exercise(const Document& document, const NodeSelector& selector, std::string_view body) {
  const auto got = get_element(document, selector);
  {
    Document copy = document;
    const auto put = put_element(copy, selector, body);
    if (std::holds_alternative<PutOutcome>(put)) check_valid(copy);
    else if (copy.write() != document.write()) std::abort();  // a refused PUT changes nothing
  }
  if (const auto* element = std::get_if<std::string>(&got)) {
    Document copy = document;
    const auto put = put_element(copy, selector, *element);  // putting back what GET gave is a no-op
    if (!std::holds_alternative<PutOutcome>(put) || copy.write() != document.write()) std::abort();
    Document removed = document;
    if (!delete_element(removed, selector)) check_valid(removed);
  }
  const auto& s = document.services();
  CallContext call;
  call.caller = "sip:+441234@example.org";
  call.callee = "tel:+33123";
  call.media = {"audio"};
  (void)communication_diversion(s, call);
  (void)communication_barring(s, call, "33");
  (void)add_privacy_id(s, call);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  if (nul == std::string_view::npos) {
    auto parsed = parse(input);
    if (!std::holds_alternative<Document>(parsed)) return 0;
    const Document& document = std::get<Document>(parsed);
    check_valid(document);
    for (const auto text : kSelectors) {
      const auto selector = parse_node_selector(text);
      if (const auto* s = std::get_if<NodeSelector>(&selector)) exercise(document, *s, "<ss:x/>");
    }
    return 0;
  }
  static const Document base = std::get<Document>(parse(kBase));
  const std::string_view body = input.substr(nul + 1);
  const auto decoded = percent_decode(input.substr(0, nul));
  if (!decoded) return 0;
  const auto query = decoded->find('?');
  const auto selector = parse_node_selector(std::string_view(*decoded).substr(0, query),
                                            query == std::string::npos ? std::string_view{}
                                                                       : std::string_view(*decoded).substr(query + 1));
  if (const auto* s = std::get_if<NodeSelector>(&selector)) exercise(base, *s, body);
  return 0;
}
