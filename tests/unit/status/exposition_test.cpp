#include "status/exposition.hpp"

#include <gtest/gtest.h>

namespace netboot::status {
namespace {

TEST(Exposition, CounterFamilyHasHelpTypeAndLabelledSamples) {
  MetricFamily f{.name = "netbootd_dhcp_replies_sent_total", .help = "DHCP replies sent", .type = MetricType::Counter};
  f.samples.push_back({{{"type", "OFFER"}}, 3});
  f.samples.push_back({{{"type", "ACK"}}, 2});
  EXPECT_EQ(encode_exposition({f}),
            "# HELP netbootd_dhcp_replies_sent_total DHCP replies sent\n"
            "# TYPE netbootd_dhcp_replies_sent_total counter\n"
            "netbootd_dhcp_replies_sent_total{type=\"OFFER\"} 3\n"
            "netbootd_dhcp_replies_sent_total{type=\"ACK\"} 2\n");
}

TEST(Exposition, GaugeWithoutLabels) {
  MetricFamily f{.name = "netbootd_tftp_transfers_active", .help = "h", .type = MetricType::Gauge};
  f.samples.push_back({{}, 7});
  EXPECT_EQ(encode_exposition({f}), "# HELP netbootd_tftp_transfers_active h\n# TYPE netbootd_tftp_transfers_active gauge\n"
                                    "netbootd_tftp_transfers_active 7\n");
}

TEST(Exposition, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  static constexpr double bounds[] = {0.1, 1};
  Histogram h(bounds);
  h.observe(0.05);
  h.observe(0.1);   // on the bound: in le="0.1"
  h.observe(0.5);
  h.observe(20);
  MetricFamily f{.name = "netbootd_x_seconds", .help = "h", .type = MetricType::Histogram};
  f.histograms.push_back({{{"pool", "a"}}, &h});
  EXPECT_EQ(encode_exposition({f}),
            "# HELP netbootd_x_seconds h\n# TYPE netbootd_x_seconds histogram\n"
            "netbootd_x_seconds_bucket{pool=\"a\",le=\"0.1\"} 2\n"
            "netbootd_x_seconds_bucket{pool=\"a\",le=\"1\"} 3\n"
            "netbootd_x_seconds_bucket{pool=\"a\",le=\"+Inf\"} 4\n"
            "netbootd_x_seconds_sum{pool=\"a\"} 20.65\n"
            "netbootd_x_seconds_count{pool=\"a\"} 4\n");
}

TEST(Exposition, LabelValuesAndHelpAreEscaped) {
  MetricFamily f{.name = "netbootd_y_total", .help = "back\\slash\nnewline", .type = MetricType::Counter};
  f.samples.push_back({{{"reason", "a\"b\\c\nd"}}, 1});
  EXPECT_EQ(encode_exposition({f}), "# HELP netbootd_y_total back\\\\slash\\nnewline\n# TYPE netbootd_y_total counter\n"
                                    "netbootd_y_total{reason=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(Exposition, FamiliesWithInvalidNamesAreLeftOut) {
  MetricFamily bad{.name = "9bad", .help = "h", .type = MetricType::Counter};
  bad.samples.push_back({{}, 1});
  MetricFamily bad_label{.name = "netbootd_ok_total", .help = "h", .type = MetricType::Counter};
  bad_label.samples.push_back({{{"le-gal", "x"}}, 1});
  MetricFamily reserved{.name = "netbootd_h", .help = "h", .type = MetricType::Gauge};
  reserved.samples.push_back({{{"__name__", "x"}}, 1});
  EXPECT_EQ(encode_exposition({bad, bad_label, reserved}), "");
  EXPECT_TRUE(valid_metric_name("netbootd_a:b_total"));
  EXPECT_FALSE(valid_label_name("a:b"));
}

TEST(Exposition, ValuesAreIntegersOrShortestDecimals) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(18446744073709.0), "18446744073709");
  EXPECT_EQ(format_value(0.0025), "0.0025");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
}

}  // namespace
}  // namespace netboot::status
