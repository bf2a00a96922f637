// libFuzzer target for the ng control protocol's decoding: a whole datagram
// (`<cookie> <bencode or JSON dictionary>`) through parse_message(), and the
// bencode and JSON decoders on their own.
//
// Besides "never crash, never hang, never leak" it checks properties:
//   * bencode is canonical here, so a decoded value re-encodes to the very
//     bytes it came from;
//   * a value decoded from JSON, written as JSON, decodes to the same value
//     (compared through its bencode form);
//   * a refused message's reply, and a reply carrying a parsed request's
//     strings, decode again as dictionaries with the right `result`.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agw/ng/encoder.h"
#include "agw/ng/reply.h"
#include "agw/ng/request.h"
#include "agw/ng/value.h"

namespace {

using namespace imsbox::agw::ng;

std::string as_bencode(const Value& v) { return Encoder(Format::bencode).value(v).take(); }

void check_reply(const NgReply& reply, std::string_view result) {
  for (const auto format : {Format::bencode, Format::json}) {
    const std::string text = encode_reply(reply, format);
    const auto back = format == Format::bencode ? decode_bencode(text) : decode_json(text);
    if (!back.document) std::abort();
    const auto r = back.document->root().get("result");
    if (!r || r->str() != result) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  const auto message = parse_message(bytes);
  if (message.parsed.request) {
    const auto& r = *message.parsed.request;
    NgReply reply = NgReply::with_sdp(r.sdp);
    reply.warning = r.call_id + r.from_tag + r.label;
    check_reply(reply, "ok");
  } else {
    if (message.parsed.error.empty()) std::abort();  // a refusal always says why
    check_reply(NgReply::error(message.parsed.error), "error");
  }

  // the dictionary part alone, through each decoder
  const auto space = bytes.find(' ');
  const auto body = space == std::string_view::npos ? bytes : bytes.substr(space + 1);
  if (const auto b = decode_bencode(body); b.document) {
    if (as_bencode(b.document->root()) != body) std::abort();
  }
  if (const auto j = decode_json(body); j.document) {
    const std::string json = Encoder(Format::json).value(j.document->root()).take();
    const auto again = decode_json(json);
    if (!again.document || as_bencode(again.document->root()) != as_bencode(j.document->root())) std::abort();
  }
  return 0;
}
