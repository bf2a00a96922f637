#include "runtime/metrics.h"

#include <cstdio>
#include <stdexcept>

namespace imsbox::runtime {

namespace {

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                       (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!valid_name(k, false)) throw std::invalid_argument("invalid metric label name: " + k);
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void Gauge::add(double d) {
  double cur = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

Metrics::Family& Metrics::family(std::string_view name, std::string_view help, Type type) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name: " + std::string(name));
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), {}, {}}).first;
  } else if (it->second.type != type) {
    throw std::invalid_argument("metric registered with two types: " + std::string(name));
  }
  return it->second;
}

Counter& Metrics::counter(std::string_view name, std::string_view help, const Labels& labels) {
  auto& cell = family(name, help, Type::counter).counters[render_labels(labels)];
  if (!cell) cell = std::make_unique<Counter>();
  return *cell;
}

Gauge& Metrics::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  auto& cell = family(name, help, Type::gauge).gauges[render_labels(labels)];
  if (!cell) cell = std::make_unique<Gauge>();
  return *cell;
}

std::string Metrics::render() const {
  std::string out;
  for (const auto& [name, fam] : families_) {
    out += "# HELP " + name + ' ' + escape_help(fam.help) + '\n';
    out += "# TYPE " + name + (fam.type == Type::counter ? " counter\n" : " gauge\n");
    for (const auto& [labels, c] : fam.counters) {
      out += name + labels + ' ' + std::to_string(c->value()) + '\n';
    }
    for (const auto& [labels, g] : fam.gauges) {
      out += name + labels + ' ' + format_double(g->value()) + '\n';
    }
  }
  return out;
}

}  // namespace imsbox::runtime
