// libFuzzer target for the sec-agree fields a UE sends the P-CSCF (RFC 3329,
// TS 33.203 Annex H): the input is the value of Security-Client (and, after
// a NUL byte, of Security-Verify) of a REGISTER. Besides "never crash":
// every ipsec-3gpp mechanism read writes back, as our Security-Server, to
// text that reads to the same mechanism; the choice is one of the offers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pcscf/sec_agree.h"
#include "sip/parser.h"

namespace {

using namespace imsbox;

sip::Message register_with(std::string_view client, std::string_view verify) {
  std::string text =
      "REGISTER sip:ims.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bKf\r\nMax-Forwards: 70\r\n"
      "From: <sip:a@ims.test>;tag=1\r\nTo: <sip:a@ims.test>\r\nCall-ID: f\r\nCSeq: 1 REGISTER\r\n"
      "Authorization: Digest username=\"a@ims.test\", realm=\"ims.test\", nonce=\"\", uri=\"sip:ims.test\", "
      "response=\"\"\r\n"
      "Require: sec-agree\r\nProxy-Require: sec-agree\r\n";
  text += "Security-Client: " + std::string(client) + "\r\n";
  if (!verify.empty()) text += "Security-Verify: " + std::string(verify) + "\r\n";
  text += "Content-Length: 0\r\n\r\n";
  auto parsed = sip::parse_message(std::move(text), sip::Framing::datagram, {});
  if (!parsed.message) return sip::Message::request("REGISTER", "sip:ims.test");
  return std::move(*parsed.message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nul = input.find('\0');
  const auto client = input.substr(0, nul);
  const auto verify = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  if (client.find_first_of("\r\n") != std::string_view::npos || verify.find_first_of("\r\n\0") != std::string_view::npos) {
    return 0;  // one field each: line breaks would make other fields
  }
  auto m = register_with(client, verify);
  const auto offer = pcscf::security_mechanisms(m, sip::HeaderId::security_client);
  pcscf::security_mechanisms(m, sip::HeaderId::security_verify);
  for (const auto& mech : offer.ipsec) {
    const auto again = register_with(pcscf::security_server_value(mech), {});
    const auto back = pcscf::security_mechanisms(again, sip::HeaderId::security_client);
    if (back.error || back.ipsec.size() != 1 || !(back.ipsec[0] == mech)) std::abort();
  }
  const auto prefs = pcscf::default_algorithm_pairs();
  if (const auto chosen = pcscf::choose_mechanism(offer.ipsec, prefs)) {
    bool offered = false;
    for (const auto& mech : offer.ipsec) offered |= mech == *chosen;
    if (!offered) std::abort();
  }
  pcscf::strip_sec_agree(m);
  pcscf::set_integrity_protected(m, true);
  if (m.count(sip::HeaderId::security_client) || m.count(sip::HeaderId::security_verify)) std::abort();
  return 0;
}
