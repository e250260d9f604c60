#include "status/exposition.hpp"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>

namespace netboot::status {
namespace {

bool name_char(char c, bool first, bool colon_ok) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return colon_ok;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view name, bool colon_ok) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!name_char(name[i], i == 0, colon_ok)) return false;
  return true;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void append_labels(std::string& out, const std::vector<Label>& labels, const Label* extra) {
  if (labels.empty() && extra == nullptr) return;
  out += '{';
  bool first = true;
  const auto one = [&](const Label& label) {
    if (!first) out += ',';
    first = false;
    out += label.name;
    out += "=\"";
    out += escape_label_value(label.value);
    out += '"';
  };
  for (const auto& label : labels) one(label);
  if (extra != nullptr) one(*extra);
  out += '}';
}

bool labels_valid(const std::vector<Label>& labels) noexcept {
  for (const auto& label : labels)
    if (!valid_label_name(label.name) || label.name == "le" || label.name.starts_with("__")) return false;
  return true;
}

std::string_view type_name(MetricType type) noexcept {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

bool valid_metric_name(std::string_view name) noexcept { return valid_name(name, true); }
bool valid_label_name(std::string_view name) noexcept { return valid_name(name, false); }

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9.007199254740992e15)
    return fmt::format("{}", static_cast<std::int64_t>(value));
  return fmt::format("{}", value);  // shortest text that reads back as the same double
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string encode_exposition(const std::vector<MetricFamily>& families) {
  std::string out;
  out.reserve(families.size() * 256);
  for (const auto& family : families) {
    if (!valid_metric_name(family.name)) continue;
    bool ok = true;
    for (const auto& sample : family.samples) ok = ok && labels_valid(sample.labels);
    for (const auto& sample : family.histograms) ok = ok && labels_valid(sample.labels) && sample.histogram != nullptr;
    if (!ok) continue;
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, escape_help(family.help), family.name,
                       type_name(family.type));
    if (family.type != MetricType::Histogram) {
      for (const auto& sample : family.samples) {
        out += family.name;
        append_labels(out, sample.labels, nullptr);
        out += ' ';
        out += format_value(sample.value);
        out += '\n';
      }
      continue;
    }
    for (const auto& sample : family.histograms) {
      const auto& h = *sample.histogram;
      const auto bounds = h.upper_bounds();
      const auto counts = h.bucket_counts();
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += counts[i];
        const Label le{"le", i < bounds.size() ? format_value(bounds[i]) : std::string("+Inf")};
        out += family.name;
        out += "_bucket";
        append_labels(out, sample.labels, &le);
        out += fmt::format(" {}\n", cumulative);
      }
      out += family.name;
      out += "_sum";
      append_labels(out, sample.labels, nullptr);
      out += ' ';
      out += format_value(h.sum());
      out += '\n';
      out += family.name;
      out += "_count";
      append_labels(out, sample.labels, nullptr);
      out += fmt::format(" {}\n", h.count());
    }
  }
  return out;
}

}  // namespace netboot::status
