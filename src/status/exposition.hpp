#pragma once
// The Prometheus text exposition format (version 0.0.4), pure: metric families in, text out.
// Names follow Prometheus' conventions (netbootd_ prefix, base units, counters end in _total);
// the encoder checks names and escapes label values and help text, so nothing a client sent
// (a label value) can break the format.
#include <string>
#include <string_view>
#include <vector>

#include "status/histogram.hpp"

namespace netboot::status {

enum class MetricType { Counter, Gauge, Histogram };

struct Label {
  std::string name;
  std::string value;
};

struct Sample {
  std::vector<Label> labels;
  double value = 0;
};

struct HistogramSample {
  std::vector<Label> labels;
  const Histogram* histogram = nullptr;  // read while encoding
};

struct MetricFamily {
  std::string name;  // full name: netbootd_tftp_sent_bytes_total
  std::string help;
  MetricType type = MetricType::Gauge;
  std::vector<Sample> samples;               // counters and gauges
  std::vector<HistogramSample> histograms;   // histograms
};

/// Whether `name` is a valid metric or label name ([a-zA-Z_:][a-zA-Z0-9_:]*, no ':' for labels).
[[nodiscard]] bool valid_metric_name(std::string_view name) noexcept;
[[nodiscard]] bool valid_label_name(std::string_view name) noexcept;

/// A sample value as the format writes it: integers without a fraction, +Inf, -Inf, NaN.
[[nodiscard]] std::string format_value(double value);
/// A label value between its quotes: \ " and newline escaped.
[[nodiscard]] std::string escape_label_value(std::string_view value);

/// The families in order, each with its HELP and TYPE lines; a family with an invalid name
/// or label name is left out (a programming error, never client input).
[[nodiscard]] std::string encode_exposition(const std::vector<MetricFamily>& families);

/// The Content-Type of that text.
inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace netboot::status
