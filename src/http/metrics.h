// MetricsRegistry: a small Prometheus registry rendered at /metrics in the text exposition
// format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). Families are
// counters, gauges and histograms, each with a fixed list of label names; a series is one
// combination of label values. The server records request counts, latencies and bytes by route
// pattern; other modules register their own families (files served, cache hits, snapshot load
// times) on the same registry, which app/ owns and passes down.
//
// Thread-safety: everything is thread-safe. Add* returns a reference that lives as long as the
// registry; adding a name again returns the existing family when type and label names agree
// (so modules can "get or create"), and aborts (LS_CHECK) when they do not. Passing the wrong
// number of label values is a bug and aborts too. Label values come from code (route patterns,
// status codes), never raw client input, to keep the number of series bounded.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace lakeshare::http {

using LabelValues = std::vector<std::string>;

class MetricFamily {
 public:
  enum class Type { kCounter, kGauge, kHistogram };
  virtual ~MetricFamily() = default;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  Type type() const { return type_; }

  /// Append this family's "# HELP", "# TYPE" and sample lines.
  virtual void Render(std::string& out) const = 0;

 protected:
  MetricFamily(Type type, std::string name, std::string help, std::vector<std::string> label_names);
  void CheckLabelCount(size_t count) const;

 private:
  Type type_;
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

/// A family whose series each hold one number: what counters and gauges share.
class ScalarFamily : public MetricFamily {
 public:
  /// The series `labels`' value; 0 when it has none yet.
  double Value(const LabelValues& labels = {}) const;
  void Render(std::string& out) const override;

 protected:
  using MetricFamily::MetricFamily;
  /// The series `labels`' cell, added at 0 when new.
  std::atomic<double>& Cell(const LabelValues& labels);

 private:
  mutable Mutex mu_;
  std::map<LabelValues, std::unique_ptr<std::atomic<double>>> cells_ LS_GUARDED_BY(mu_);
};

/// A value that only goes up (requests, bytes).
class Counter final : public ScalarFamily {
 public:
  Counter(std::string name, std::string help, std::vector<std::string> label_names);
  /// Add `amount` (>= 0) to the series `labels`.
  void Inc(const LabelValues& labels = {}, double amount = 1);
};

/// A value that goes up and down (open connections, in-flight requests).
class Gauge final : public ScalarFamily {
 public:
  Gauge(std::string name, std::string help, std::vector<std::string> label_names);
  void Set(const LabelValues& labels, double value);
  void Add(const LabelValues& labels, double delta);
};

/// Observations counted into cumulative buckets, plus their sum and count.
class Histogram final : public MetricFamily {
 public:
  /// `bounds`: strictly increasing upper bounds; +Inf is implicit.
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> bounds);
  void Observe(const LabelValues& labels, double value);
  /// Observations in the series so far.
  uint64_t Count(const LabelValues& labels = {}) const;
  void Render(std::string& out) const override;

 private:
  struct Series {
    explicit Series(size_t buckets) : counts(buckets + 1) {}
    std::vector<std::atomic<uint64_t>> counts;  // per bucket, not cumulative; last is +Inf
    std::atomic<double> sum{0};
  };
  Series& Cell(const LabelValues& labels);
  std::vector<double> bounds_;
  mutable Mutex mu_;
  std::map<LabelValues, std::unique_ptr<Series>> cells_ LS_GUARDED_BY(mu_);
};

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& AddCounter(std::string name, std::string help,
                      std::vector<std::string> label_names = {});
  Gauge& AddGauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Histogram& AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                          std::vector<double> bounds = DefaultLatencyBounds());

  /// Every family, in registration order, in text format 0.0.4.
  std::string Render() const;

  /// Seconds, 1 ms to 60 s, for request and load latencies.
  static std::vector<double> DefaultLatencyBounds();

 private:
  MetricFamily* Find(std::string_view name, MetricFamily::Type type,
                     const std::vector<std::string>& label_names) LS_REQUIRES(mu_);
  // The family `name` if registered (same type and labels), else a new Family built from the
  // arguments. Defined in metrics.cc, the only place that instantiates it.
  template <typename Family, typename... Extra>
  Family& FindOrAdd(MetricFamily::Type type, std::string name, std::string help,
                    std::vector<std::string> label_names, Extra&&... extra) LS_EXCLUDES(mu_);
  mutable Mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_ LS_GUARDED_BY(mu_);
};

/// The content type of Render()'s output.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// Format a sample value as the text format wants it: integers without a fraction,
/// "+Inf"/"-Inf"/"NaN", otherwise the shortest round-trip decimal.
std::string FormatMetricValue(double value);

}  // namespace lakeshare::http
