#include "http/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

namespace lakeshare::http {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersCountersWithHelpTypeAndSortedSeries) {
  MetricsRegistry registry;
  Counter& requests =
      registry.AddCounter("lakeshare_http_requests_total", "Requests.", {"route", "status"});
  requests.Inc({"/shares", "200"});
  requests.Inc({"/shares", "200"}, 2);
  requests.Inc({"/a", "404"});
  EXPECT_EQ(registry.Render(),
            "# HELP lakeshare_http_requests_total Requests.\n"
            "# TYPE lakeshare_http_requests_total counter\n"
            "lakeshare_http_requests_total{route=\"/a\",status=\"404\"} 1\n"
            "lakeshare_http_requests_total{route=\"/shares\",status=\"200\"} 3\n");
  EXPECT_EQ(requests.Value({"/shares", "200"}), 3);
  EXPECT_EQ(requests.Value({"/none", "200"}), 0);
}

TEST(MetricsTest, RendersUnlabelledGaugesAndEscapes) {
  MetricsRegistry registry;
  Gauge& open = registry.AddGauge("open_connections", "Open\\connections\nnow.");
  open.Add({}, 3);
  open.Add({}, -1);
  Counter& odd = registry.AddCounter("odd_total", "Odd labels.", {"v"});
  odd.Inc({"a\"b\\c\nd"}, 0.5);
  EXPECT_EQ(registry.Render(),
            "# HELP open_connections Open\\\\connections\\nnow.\n"
            "# TYPE open_connections gauge\n"
            "open_connections 2\n"
            "# HELP odd_total Odd labels.\n"
            "# TYPE odd_total counter\n"
            "odd_total{v=\"a\\\"b\\\\c\\nd\"} 0.5\n");
}

TEST(MetricsTest, RendersHistogramsWithCumulativeBucketsSumAndCount) {
  MetricsRegistry registry;
  Histogram& latency =
      registry.AddHistogram("request_seconds", "Latency.", {"route"}, {0.1, 0.5, 1});
  latency.Observe({"/x"}, 0.05);
  latency.Observe({"/x"}, 0.1);  // upper bounds are inclusive
  latency.Observe({"/x"}, 0.7);
  latency.Observe({"/x"}, 3);
  EXPECT_EQ(registry.Render(),
            "# HELP request_seconds Latency.\n"
            "# TYPE request_seconds histogram\n"
            "request_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
            "request_seconds_bucket{route=\"/x\",le=\"0.5\"} 2\n"
            "request_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
            "request_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "request_seconds_sum{route=\"/x\"} 3.85\n"
            "request_seconds_count{route=\"/x\"} 4\n");
  EXPECT_EQ(latency.Count({"/x"}), 4u);
}

TEST(MetricsTest, AddingTheSameFamilyAgainReturnsIt) {
  MetricsRegistry registry;
  Counter& a = registry.AddCounter("files_served_total", "Files.", {"share"});
  Counter& b = registry.AddCounter("files_served_total", "Files.", {"share"});
  EXPECT_EQ(&a, &b);
  Gauge& g = registry.AddGauge("open_connections", "Open.");
  EXPECT_EQ(&g, &registry.AddGauge("open_connections", "Open."));
  Histogram& h = registry.AddHistogram("load_seconds", "Loads.", {"table"});
  EXPECT_EQ(&h, &registry.AddHistogram("load_seconds", "Loads.", {"table"}));
  EXPECT_NE(static_cast<MetricFamily*>(&g), static_cast<MetricFamily*>(&h));
}

TEST(MetricsTest, FormatsValuesAsTheTextFormatWants) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(-3), "-3");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(1e300), "1e+300");
  EXPECT_EQ(FormatMetricValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatMetricValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatMetricValue(NAN), "NaN");
}

TEST(MetricsTest, CountsFromManyThreads) {
  MetricsRegistry registry;
  Counter& counter = registry.AddCounter("c_total", "C.", {"k"});
  Histogram& histogram = registry.AddHistogram("h", "H.", {}, {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counter, &histogram, t] {
      for (int i = 0; i < 10000; ++i) {
        counter.Inc({t % 2 == 0 ? "even" : "odd"});
        histogram.Observe({}, 0.5);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(counter.Value({"even"}), 20000);
  EXPECT_EQ(counter.Value({"odd"}), 20000);
  EXPECT_EQ(histogram.Count(), 40000u);
  EXPECT_THAT(registry.Render(), HasSubstr("h_sum 20000\n"));
}

TEST(MetricsDeathTest, WrongLabelCountIsABug) {
  MetricsRegistry registry;
  Counter& counter = registry.AddCounter("x_total", "X.", {"a"});
  EXPECT_DEATH(counter.Inc({"1", "2"}), "one label value per label name");
  EXPECT_DEATH(registry.AddGauge("x_total", "X."), "same type and labels");
  EXPECT_DEATH(registry.AddCounter("bad-name", "X."), "metric names");
}

}  // namespace
}  // namespace lakeshare::http
