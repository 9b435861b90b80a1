#include "http/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "common/check.h"

namespace lakeshare::http {
namespace {

bool IsValidMetricName(std::string_view name) {
  // Text format: [a-zA-Z_:][a-zA-Z0-9_:]*; label names the same without ':'.
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

// The text format escapes backslash and line feed in "# HELP" text, and double quote too in
// label values.
void AppendPrometheusEscaped(std::string& out, std::string_view text, bool label_value) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && label_value) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendHeader(std::string& out, const MetricFamily& family, std::string_view type) {
  out += "# HELP ";
  out += family.name();
  out += ' ';
  AppendPrometheusEscaped(out, family.help(), /*label_value=*/false);
  out += "\n# TYPE ";
  out += family.name();
  out += ' ';
  out += type;
  out += '\n';
}

// name{a="x",b="y"[,extra_name="extra_value"]} value
void AppendSample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const LabelValues& values, std::string_view extra_name,
                  std::string_view extra_value, double value) {
  out += name;
  if (!names.empty() || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (size_t i = 0; i < names.size(); ++i) {
      if (!first) {
        out += ',';
      }
      first = false;
      out += names[i];
      out += "=\"";
      AppendPrometheusEscaped(out, values[i], /*label_value=*/true);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) {
        out += ',';
      }
      out += extra_name;
      out += "=\"";
      out += extra_value;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += FormatMetricValue(value);
  out += '\n';
}

// The caller holds the lock that guards `cells`.
template <typename Cell>
Cell& FindOrAddCell(std::map<LabelValues, std::unique_ptr<Cell>>& cells, const LabelValues& labels,
                    const std::function<std::unique_ptr<Cell>()>& make) {
  auto it = cells.find(labels);
  if (it == cells.end()) {
    it = cells.emplace(labels, make()).first;
  }
  return *it->second;
}

void AtomicAdd(std::atomic<double>& cell, double amount) {
  double current = cell.load(std::memory_order_relaxed);
  while (!cell.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

}  // namespace

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);
}

MetricFamily::MetricFamily(Type type, std::string name, std::string help,
                           std::vector<std::string> label_names)
    : type_(type),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {
  LS_CHECK(IsValidMetricName(name_), "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*");
  for (const std::string& label : label_names_) {
    LS_CHECK(IsValidMetricName(label) && label.find(':') == std::string::npos &&
                 label.rfind("__", 0) != 0 && label != "le",
             "label names match [a-zA-Z_][a-zA-Z0-9_]*, not reserved");
  }
}

void MetricFamily::CheckLabelCount(size_t count) const {
  LS_CHECK(count == label_names_.size(), "one label value per label name");
}

// ---- Counters and gauges ----

std::atomic<double>& ScalarFamily::Cell(const LabelValues& labels) {
  CheckLabelCount(labels.size());
  MutexLock lock(mu_);
  return FindOrAddCell<std::atomic<double>>(
      cells_, labels, [] { return std::make_unique<std::atomic<double>>(0.0); });
}

double ScalarFamily::Value(const LabelValues& labels) const {
  MutexLock lock(mu_);
  auto it = cells_.find(labels);
  return it == cells_.end() ? 0.0 : it->second->load();
}

void ScalarFamily::Render(std::string& out) const {
  AppendHeader(out, *this, type() == Type::kCounter ? "counter" : "gauge");
  MutexLock lock(mu_);
  for (const auto& [labels, cell] : cells_) {
    AppendSample(out, name(), label_names(), labels, {}, {}, cell->load());
  }
}

Counter::Counter(std::string name, std::string help, std::vector<std::string> label_names)
    : ScalarFamily(Type::kCounter, std::move(name), std::move(help), std::move(label_names)) {}

void Counter::Inc(const LabelValues& labels, double amount) {
  LS_DCHECK(amount >= 0, "counters only go up");
  AtomicAdd(Cell(labels), amount);
}

Gauge::Gauge(std::string name, std::string help, std::vector<std::string> label_names)
    : ScalarFamily(Type::kGauge, std::move(name), std::move(help), std::move(label_names)) {}

void Gauge::Set(const LabelValues& labels, double value) { Cell(labels).store(value); }

void Gauge::Add(const LabelValues& labels, double delta) { AtomicAdd(Cell(labels), delta); }

// ---- Histogram ----

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> bounds)
    : MetricFamily(Type::kHistogram, std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    LS_CHECK(std::isfinite(bounds_[i]) && (i == 0 || bounds_[i - 1] < bounds_[i]),
             "histogram bounds are finite and strictly increasing");
  }
}

Histogram::Series& Histogram::Cell(const LabelValues& labels) {
  CheckLabelCount(labels.size());
  size_t buckets = bounds_.size();
  MutexLock lock(mu_);
  return FindOrAddCell<Series>(cells_, labels,
                               [buckets] { return std::make_unique<Series>(buckets); });
}

void Histogram::Observe(const LabelValues& labels, double value) {
  Series& series = Cell(labels);
  // Bucket i counts observations <= bounds_[i] (and > bounds_[i-1]); the last one is +Inf.
  size_t index = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  series.counts[index].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(series.sum, value);
}

uint64_t Histogram::Count(const LabelValues& labels) const {
  MutexLock lock(mu_);
  auto it = cells_.find(labels);
  if (it == cells_.end()) {
    return 0;
  }
  uint64_t total = 0;
  for (const auto& count : it->second->counts) {
    total += count.load();
  }
  return total;
}

void Histogram::Render(std::string& out) const {
  AppendHeader(out, *this, "histogram");
  MutexLock lock(mu_);
  std::string bucket_name = name() + "_bucket";
  for (const auto& [labels, series] : cells_) {
    // _count is the +Inf bucket, so the two always agree even while observations land.
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += series->counts[i].load(std::memory_order_relaxed);
      std::string le = i < bounds_.size() ? FormatMetricValue(bounds_[i]) : "+Inf";
      AppendSample(out, bucket_name, label_names(), labels, "le", le,
                   static_cast<double>(cumulative));
    }
    AppendSample(out, name() + "_sum", label_names(), labels, {}, {}, series->sum.load());
    AppendSample(out, name() + "_count", label_names(), labels, {}, {},
                 static_cast<double>(cumulative));
  }
}

// ---- Registry ----

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

std::vector<double> MetricsRegistry::DefaultLatencyBounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

MetricFamily* MetricsRegistry::Find(std::string_view name, MetricFamily::Type type,
                                    const std::vector<std::string>& label_names) {
  for (const auto& family : families_) {
    if (family->name() == name) {
      LS_CHECK(family->type() == type && family->label_names() == label_names,
               "a metric name is registered again with the same type and labels only");
      return family.get();
    }
  }
  return nullptr;
}

template <typename Family, typename... Extra>
Family& MetricsRegistry::FindOrAdd(MetricFamily::Type type, std::string name, std::string help,
                                   std::vector<std::string> label_names, Extra&&... extra) {
  MutexLock lock(mu_);
  if (MetricFamily* found = Find(name, type, label_names)) {
    return static_cast<Family&>(*found);
  }
  families_.push_back(std::make_unique<Family>(std::move(name), std::move(help),
                                               std::move(label_names),
                                               std::forward<Extra>(extra)...));
  return static_cast<Family&>(*families_.back());
}

Counter& MetricsRegistry::AddCounter(std::string name, std::string help,
                                     std::vector<std::string> label_names) {
  return FindOrAdd<Counter>(MetricFamily::Type::kCounter, std::move(name), std::move(help),
                            std::move(label_names));
}

Gauge& MetricsRegistry::AddGauge(std::string name, std::string help,
                                 std::vector<std::string> label_names) {
  return FindOrAdd<Gauge>(MetricFamily::Type::kGauge, std::move(name), std::move(help),
                          std::move(label_names));
}

Histogram& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                         std::vector<std::string> label_names,
                                         std::vector<double> bounds) {
  return FindOrAdd<Histogram>(MetricFamily::Type::kHistogram, std::move(name), std::move(help),
                              std::move(label_names), std::move(bounds));
}

std::string MetricsRegistry::Render() const {
  std::string out;
  MutexLock lock(mu_);
  for (const auto& family : families_) {
    family->Render(out);
  }
  return out;
}

}  // namespace lakeshare::http
