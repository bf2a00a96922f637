#include "sdp/writer.h"

namespace imsbox::sdp {

namespace {

void line(std::string& out, char type, std::string_view value) {
  out += type;
  out += '=';
  out += value;
  out += "\r\n";
}

void append_connection(std::string& out, const Connection& c) {
  out += c.nettype;
  out += ' ';
  out += c.addrtype;
  out += ' ';
  out += c.address;
  if (c.ttl) {
    out += '/';
    out += std::to_string(*c.ttl);
  }
  if (c.count) {
    out += '/';
    out += std::to_string(*c.count);
  }
}

void append_bandwidth(std::string& out, const Bandwidth& b) {
  out += b.type;
  out += ':';
  out += std::to_string(b.value);
}

void append_media_line(std::string& out, const MediaDescription& m) {
  out += m.media;
  out += ' ';
  out += std::to_string(m.port);
  if (m.port_count) {
    out += '/';
    out += std::to_string(*m.port_count);
  }
  out += ' ';
  out += m.proto;
  for (const auto& f : m.formats) {
    out += ' ';
    out += f;
  }
}

void connection_line(std::string& out, const Connection& c) {
  out += "c=";
  append_connection(out, c);
  out += "\r\n";
}

void bandwidth_line(std::string& out, const Bandwidth& b) {
  out += "b=";
  append_bandwidth(out, b);
  out += "\r\n";
}

void attribute_lines(std::string& out, const Attributes& attributes) {
  for (const auto& a : attributes) {
    out += "a=";
    out += a.name;
    if (a.value) {
      out += ':';
      out += *a.value;
    }
    out += "\r\n";
  }
}

}  // namespace

void write_to(const SessionDescription& d, std::string& out) {
  line(out, 'v', std::to_string(d.version));
  const Origin& o = d.origin;
  out += "o=";
  for (const std::string* field : {&o.username, &o.session_id, &o.session_version, &o.nettype, &o.addrtype}) {
    out += *field;
    out += ' ';
  }
  out += o.address;
  out += "\r\n";
  line(out, 's', d.session_name);
  if (d.information) line(out, 'i', *d.information);
  if (d.uri) line(out, 'u', *d.uri);
  for (const auto& e : d.emails) line(out, 'e', e);
  for (const auto& p : d.phones) line(out, 'p', p);
  if (d.connection) connection_line(out, *d.connection);
  for (const auto& b : d.bandwidths) bandwidth_line(out, b);
  for (const auto& t : d.timings) {
    line(out, 't', std::to_string(t.start) + ' ' + std::to_string(t.stop));
    for (const auto& r : t.repeats) line(out, 'r', r);
    if (t.zone) line(out, 'z', *t.zone);
  }
  if (d.key) line(out, 'k', *d.key);
  attribute_lines(out, d.attributes);
  for (const auto& m : d.media) {
    out += "m=";
    append_media_line(out, m);
    out += "\r\n";
    if (m.title) line(out, 'i', *m.title);
    for (const auto& c : m.connections) connection_line(out, c);
    for (const auto& b : m.bandwidths) bandwidth_line(out, b);
    if (m.key) line(out, 'k', *m.key);
    attribute_lines(out, m.attributes);
  }
}

std::string write(const SessionDescription& d) {
  std::string out;
  out.reserve(512 + 64 * d.attributes.size() + [&] {
    std::size_t n = 0;
    for (const auto& m : d.media) n += 64 * (m.attributes.size() + 2);
    return n;
  }());
  write_to(d, out);
  return out;
}

std::string format(const Connection& c) {
  std::string out;
  append_connection(out, c);
  return out;
}

std::string format(const Bandwidth& b) {
  std::string out;
  append_bandwidth(out, b);
  return out;
}

std::string format_media_line(const MediaDescription& m) {
  std::string out;
  append_media_line(out, m);
  return out;
}

}  // namespace imsbox::sdp
