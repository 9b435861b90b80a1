// metastore_scale_bench: the scale goal of issue 5 ("10,000 recipients, 1,000 shares, 100,000
// grants — authentication plus list-shares stays under 2 ms at the 99th percentile on SQLite and
// on PostgreSQL"), measured through MetastoreShareProvider and, with `serve`, through the real
// HTTP stack (bench/40_metastore_scale.sh drives it with wrk).
//
//   metastore_scale_bench fill    METASTORE [--recipients N] [--shares N] [--grants N] [--threads
//   N] metastore_scale_bench measure METASTORE [--recipients N] [--samples N] metastore_scale_bench
//   serve   METASTORE [--listen HOST:PORT] metastore_scale_bench token   I          (the bearer
//   token of recipient I)
//
// METASTORE is a SQLite path or a postgresql:// URL. `fill` is idempotent (skips when the last
// recipient and share exist); progress goes to stderr, results (JSON) to stdout.
// Designated initializers leave the other option fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "auth/recipient_authenticator.h"
#include "catalog/catalog.h"
#include "http/server.h"
#include "sharing/bench_support.h"
#include "sharing/metastore_share_provider.h"
#include "sharing/sharing_service.h"

namespace lakeshare::sharing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTables = 100;
constexpr int kObjectsPerShare = 3;

std::string RecipientName(int i) { return fmt::format("partner{:05d}", i); }
std::string ShareName(int i) { return fmt::format("share{:04d}", i); }
std::string TableName(int i) { return fmt::format("t{:03d}", i); }
// Deterministic so that wrk can rotate through them (a benchmark, not a deployment).
std::string Token(int i) {
  return fmt::format("bench-token-{:05d}-7f3a9c2e5b1d4086a2c4e6f8091b3d5f", i);
}

struct Args {
  std::string mode;
  std::string metastore;
  int recipients = 10'000;
  int shares = 1'000;
  int grants = 100'000;
  int samples = 20'000;
  int threads = 1;
  std::string listen = "127.0.0.1:0";
};

Args Parse(int argc, char** argv) {
  Args a;
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s fill|measure|serve METASTORE [--recipients N] [--shares N] "
                 "[--grants N] [--samples N] [--threads N] [--listen HOST:PORT]\n"
                 "       %s token I\n",
                 argv[0], argv[0]);
    std::exit(2);
  }
  a.mode = argv[1];
  a.metastore = argv[2];
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--recipients") {
      a.recipients = std::stoi(v);
    } else if (k == "--shares") {
      a.shares = std::stoi(v);
    } else if (k == "--grants") {
      a.grants = std::stoi(v);
    } else if (k == "--samples") {
      a.samples = std::stoi(v);
    } else if (k == "--threads") {
      a.threads = std::max(1, std::stoi(v));
    } else if (k == "--listen") {
      a.listen = v;
    } else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

using bench::Check;
using bench::ServeUntilSignal;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Run `n` jobs on `threads` threads, reporting progress every 1,000.
template <typename F>
void Parallel(int n, int threads, const char* what, F job) {
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  auto worker = [&] {
    for (int i = next++; i < n; i = next++) {
      job(i);
      int d = ++done;
      if (d % 1000 == 0 || d == n) {
        std::fprintf(stderr, "\r  %s: %d/%d", what, d, n);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  std::fprintf(stderr, "\n");
}

// Share s holds tables s, s+1, s+2 (mod 100); the third one is partitioned per partner.
// Recipient r holds SELECT on grants/recipients shares spread evenly over all shares.
int Fill(const Args& a) {
  auto catalog = Check(catalog::OpenCatalog(a.metastore), "open metastore");
  if (catalog->GetRecipient(RecipientName(a.recipients - 1)) &&
      catalog->GetShare(ShareName(a.shares - 1), false)) {
    std::fprintf(stderr, "  metastore already filled\n");
    std::printf("{\"fill_seconds\": null}\n");
    return 0;
  }
  const auto start = Clock::now();
  if (!catalog->GetCatalog("main")) {
    Check(catalog->CreateCatalog({.id = "", .name = "main", .owner = "admin", .comment = ""}),
          "create catalog");
    Check(catalog->CreateSchema(
              {.id = "", .catalog_name = "main", .name = "sales", .owner = "admin", .comment = ""}),
          "create schema");
  }
  Parallel(kTables, a.threads, "tables", [&](int i) {
    catalog::TableInfo t;
    t.catalog_name = "main";
    t.schema_name = "sales";
    t.name = TableName(i);
    t.storage_location = "s3://bench-bucket/" + t.name;
    t.owner = "admin";
    auto r = catalog->CreateTable(t);
    if (!r && r.error().code != ErrorCode::kAlreadyExists) Check(std::move(r), "create table");
  });
  Parallel(a.shares, a.threads, "shares", [&](int s) {
    catalog::ShareInfo info;
    info.name = ShareName(s);
    info.owner = "admin";
    info.comment = "benchmark share";
    auto created = catalog->CreateShare(info);
    if (!created) {
      if (created.error().code == ErrorCode::kAlreadyExists) return;
      Check(std::move(created), "create share");
    }
    std::vector<catalog::SharedObjectChange> changes;
    for (int k = 0; k < kObjectsPerShare; ++k) {
      catalog::SharedObjectChange c;
      c.object.name = "main.sales." + TableName((s + k) % kTables);
      c.object.history_data_sharing_status = k == 0 ? "ENABLED" : "DISABLED";
      if (k == 2) {
        c.object.partitions_json =
            R"([{"values":[{"name":"partner_id","op":"EQUAL","recipient_property_key":"partner_id"}]}])";
      }
      changes.push_back(std::move(c));
    }
    Check(catalog->UpdateShare(info.name, {}, changes, "admin"), "add tables");
  });
  Parallel(a.recipients, a.threads, "recipients", [&](int i) {
    catalog::RecipientInfo r;
    r.name = RecipientName(i);
    r.owner = "admin";
    r.properties = {{"partner_id", std::to_string(i)}};
    auto created = catalog->CreateRecipient(r);
    if (!created) {
      if (created.error().code == ErrorCode::kAlreadyExists) return;
      Check(std::move(created), "create recipient");
    }
    Check(catalog->AddRecipientToken(r.name, Token(i), std::nullopt, "admin"), "add token");
  });
  // Recipient i gets shares (i + k * stride) mod shares for k < per_recipient: evenly spread,
  // distinct while per_recipient * stride <= shares.
  const int per_recipient = std::max(1, a.grants / a.recipients);
  const int stride = std::max(1, a.shares / per_recipient);
  std::vector<std::vector<std::string>> grantees(static_cast<size_t>(a.shares));
  for (int i = 0; i < a.recipients; ++i) {
    for (int k = 0; k < per_recipient; ++k) {
      grantees[static_cast<size_t>((i + k * stride) % a.shares)].push_back(RecipientName(i));
    }
  }
  Parallel(a.shares, a.threads, "grants (one call per share)", [&](int s) {
    std::vector<catalog::PermissionsChange> changes;
    for (const std::string& r : grantees[static_cast<size_t>(s)]) {
      changes.push_back({.principal = r, .add = {catalog::Privilege::kSelect}, .remove = {}});
    }
    Check(catalog->UpdatePermissions(catalog::SecurableType::kShare, ShareName(s), changes),
          "grant");
  });
  std::printf("{\"fill_seconds\": %.1f, \"recipients\": %d, \"shares\": %d, \"grants\": %d}\n",
              Seconds(start), a.recipients, a.shares, per_recipient * a.recipients);
  return 0;
}

struct Summary {
  double p50 = 0, p99 = 0, max = 0, mean = 0;
};

Summary Summarize(std::vector<double> us) {
  Summary s;
  if (us.empty()) return s;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * static_cast<double>(us.size())))];
  };
  s.p50 = at(0.50);
  s.p99 = at(0.99);
  s.max = us.back();
  double sum = 0;
  for (double v : us) sum += v;
  s.mean = sum / static_cast<double>(us.size());
  return s;
}

// Who a recipient is and what it sees, wired as `lakeshare serve` does.
struct Stack {
  std::shared_ptr<MetastoreShareProvider> provider;
  std::shared_ptr<auth::RecipientAuthenticator> auth;

  Stack(catalog::Catalog& catalog, int64_t ttl_ms, bool require_external_location = true) {
    MetastoreProviderOptions options;
    options.ttl_ms = ttl_ms;
    options.require_external_location = require_external_location;
    provider = std::make_shared<MetastoreShareProvider>(catalog, options);
    auth::RecipientAuthOptions auth_options;
    auth_options.ttl_ms = ttl_ms;
    auth_options.on_recipient_read = [p = provider](const catalog::RecipientInfo& r) {
      return p->RememberRecipient(r);
    };
    auth = std::make_shared<auth::RecipientAuthenticator>(catalog, auth_options);
  }
  void InvalidateRecipient(const std::string& name) {
    auth->InvalidateRecipient(name);
    provider->InvalidateRecipient(name);
  }
};

// One sample: authenticate a random recipient's token and list its shares (as GET /shares does).
double Sample(const Stack& stack, int i, size_t* shares_seen) {
  const std::string header = "Bearer " + Token(i);
  const auto t0 = Clock::now();
  auto r = stack.auth->Authenticate({&header, "127.0.0.1"});
  if (!r) {
    std::fprintf(stderr, "authenticate %d: %s\n", i, r.error().ToString().c_str());
    std::exit(1);
  }
  auto page = stack.provider->ListShares(Recipient{r->name, false}, ListOptions{});
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  if (!page) {
    std::fprintf(stderr, "list shares %d: %s\n", i, page.error().ToString().c_str());
    std::exit(1);
  }
  *shares_seen += page->items.size();
  return us;
}

std::string Json(const char* name, const Summary& s, size_t n, const Stack* stack) {
  std::string out = fmt::format(
      "\"{}\": {{\"samples\": {}, \"p50_us\": {:.1f}, \"p99_us\": {:.1f}, \"max_us\": {:.1f}, "
      "\"mean_us\": {:.1f}",
      name, n, s.p50, s.p99, s.max, s.mean);
  if (stack) {
    const auth::RecipientAuthStats tokens = stack->auth->stats();
    const MetastoreProviderStats st = stack->provider->stats();
    out += fmt::format(
        ", \"token_hits\": {}, \"token_misses\": {}, \"share_hits\": {}, "
        "\"share_misses\": {}",
        tokens.token_hits, tokens.token_misses, st.share_hits, st.share_misses);
  }
  return out + "}";
}

int Measure(const Args& a) {
  auto catalog = Check(catalog::OpenCatalog(a.metastore), "open metastore");
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(0, a.recipients - 1);
  size_t seen = 0;
  std::vector<std::string> parts;

  // 1. Every request is a cold recipient (its token and grants dropped before the request, the
  //    shares it lists cached): what a cache miss costs.
  {
    Stack provider(*catalog, 3'600'000);
    const int n = std::min(a.samples, 5000);
    std::vector<double> us;
    // Load every share once first (untimed), so that the samples cost what the row says: the
    // token and the grants read from the metastore, the shares from the cache.
    std::fprintf(stderr, "  cold recipient: loading the shares of all %d recipients\n", a.recipients);
    for (int i = 0; i < a.recipients; ++i) (void)Sample(provider, i, &seen);
    std::fprintf(stderr, "  cold recipient: %d samples\n", n);
    for (int k = 0; k < n; ++k) {
      const int i = pick(rng);
      provider.InvalidateRecipient(RecipientName(i));
      us.push_back(Sample(provider, i, &seen));
    }
    parts.push_back(Json("cold_recipient", Summarize(us), us.size(), &provider));
  }
  // 2. The default 2 s TTL from a cold start, random recipients: what a replica serves.
  {
    Stack provider(*catalog, MetastoreProviderOptions{}.ttl_ms);
    std::vector<double> us;
    std::fprintf(stderr, "  default ttl from cold: %d samples\n", a.samples);
    for (int k = 0; k < a.samples; ++k) us.push_back(Sample(provider, pick(rng), &seen));
    parts.push_back(Json("ttl_2s_from_cold", Summarize(us), us.size(), &provider));
  }
  // 3. Everything cached (long TTL, warmed over every recipient): the hit path.
  {
    Stack provider(*catalog, 3'600'000);
    std::fprintf(stderr, "  warming %d recipients\n", a.recipients);
    for (int i = 0; i < a.recipients; ++i) Sample(provider, i, &seen);
    std::vector<double> us;
    std::fprintf(stderr, "  warm: %d samples\n", a.samples);
    for (int k = 0; k < a.samples; ++k) us.push_back(Sample(provider, pick(rng), &seen));
    parts.push_back(Json("warm", Summarize(us), us.size(), &provider));
  }
  std::string out = "{";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  std::printf("%s, \"shares_listed\": %zu}\n", out.c_str(), seen);
  return 0;
}

int Serve(const Args& a) {
  http::BlockShutdownSignals();
  auto catalog = Check(catalog::OpenCatalog(a.metastore), "open metastore");
  // The bench's catalog has no location policy.
  Stack stack(*catalog, MetastoreProviderOptions{}.ttl_ms, /*require_external_location=*/false);
  SharingOptions options;
  auto service =
      Check(SharingService::Create(stack.provider, stack.auth, options), "sharing service");
  ServeUntilSignal(*service, http::ServerOptions{.listen = a.listen});
  const auth::RecipientAuthStats tokens = stack.auth->stats();
  const MetastoreProviderStats st = stack.provider->stats();
  std::fprintf(stderr, "  served: token hits %lld misses %lld, share hits %lld misses %lld\n",
               static_cast<long long>(tokens.token_hits),
               static_cast<long long>(tokens.token_misses),
               static_cast<long long>(st.share_hits), static_cast<long long>(st.share_misses));
  return 0;
}

}  // namespace
}  // namespace lakeshare::sharing

int main(int argc, char** argv) {
  using namespace lakeshare::sharing;
  if (argc == 3 && std::string(argv[1]) == "token") {
    std::printf("%s\n", Token(std::atoi(argv[2])).c_str());
    return 0;
  }
  Args a = Parse(argc, argv);
  if (a.mode == "fill") return Fill(a);
  if (a.mode == "measure") return Measure(a);
  if (a.mode == "serve") return Serve(a);
  std::fprintf(stderr, "unknown mode %s\n", a.mode.c_str());
  return 2;
}
