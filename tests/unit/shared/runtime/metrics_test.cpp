#include "runtime/metrics.h"

#include <gtest/gtest.h>

namespace imsbox::runtime {
namespace {

TEST(Metrics, RendersPrometheusTextFormat) {
  Metrics m;
  m.counter("sip_requests_total", "SIP requests received", {{"method", "INVITE"}}).inc(3);
  m.counter("sip_requests_total", "SIP requests received", {{"method", "REGISTER"}}).inc();
  m.gauge("registrations", "Active registrations").set(2.5);
  EXPECT_EQ(m.render(),
            "# HELP registrations Active registrations\n"
            "# TYPE registrations gauge\n"
            "registrations 2.5\n"
            "# HELP sip_requests_total SIP requests received\n"
            "# TYPE sip_requests_total counter\n"
            "sip_requests_total{method=\"INVITE\"} 3\n"
            "sip_requests_total{method=\"REGISTER\"} 1\n");
}

TEST(Metrics, SameSeriesIsTheSameCell) {
  Metrics m;
  auto& a = m.counter("x_total", "x");
  auto& b = m.counter("x_total", "x");
  EXPECT_EQ(&a, &b);
  a.inc();
  b.inc();
  EXPECT_EQ(a.value(), 2u);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m;
  m.counter("e_total", "e", {{"reason", "bad \"quote\"\\\n"}}).inc();
  EXPECT_NE(m.render().find("e_total{reason=\"bad \\\"quote\\\"\\\\\\n\"} 1"), std::string::npos) << m.render();
}

TEST(Metrics, InvalidNamesAndTypeClashesThrow) {
  Metrics m;
  EXPECT_THROW(m.counter("9bad", "x"), std::invalid_argument);
  EXPECT_THROW(m.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(m.counter("ok", "x", {{"bad label", "v"}}), std::invalid_argument);
  m.counter("twice", "x");
  EXPECT_THROW(m.gauge("twice", "x"), std::invalid_argument);
}

TEST(Metrics, GaugeAdd) {
  Metrics m;
  auto& g = m.gauge("g", "g");
  g.add(2);
  g.add(-0.5);
  EXPECT_DOUBLE_EQ(g.value(), 1.5);
}

}  // namespace
}  // namespace imsbox::runtime
