// `lakeshare admin audit`: query the audit log, or export it as JSON lines.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "admin/cli/args.h"
#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"

namespace lakeshare::admin::cli {

namespace {

struct AuditOptions {
  std::string from, to, since, action, principal, recipient;
  int64_t max_results = 100;
  bool jsonl = false;
};

CallResult<void> RunAudit(Api& api, const GlobalOptions& g, const AuditOptions& o) {
  std::vector<http::Field> query;
  const int64_t now = NowMs();
  auto time_arg = [&](const std::string& text, const char* name) -> CallResult<void> {
    if (text.empty()) {
      return {};
    }
    auto t = ParseTimeArg(text, now);
    if (!t) {
      return tl::unexpected(UsageError(t.error().message));
    }
    query.emplace_back(name, std::to_string(*t));
    return {};
  };
  if (!o.since.empty() && !o.from.empty()) {
    return tl::unexpected(UsageError("give --since or --from, not both"));
  }
  if (auto st = time_arg(o.since.empty() ? o.from : o.since, "from_time_ms"); !st) {
    return st;
  }
  if (auto st = time_arg(o.to, "to_time_ms"); !st) {
    return st;
  }
  if (!o.action.empty()) {
    query.emplace_back("action", o.action);
  }
  if (!o.principal.empty()) {
    query.emplace_back("principal", o.principal);
  }
  if (!o.recipient.empty()) {
    query.emplace_back("recipient", o.recipient);
  }
  if (o.jsonl) {
    // The server streams every matching event as JSON lines (format=jsonl without max_results);
    // they go to stdout as they arrive.
    query.emplace_back("format", "jsonl");
    int64_t lines = 0;
    auto st = api.Stream(kAuditPath, query, [&](std::string_view data) {
      lines += std::count(data.begin(), data.end(), '\n');
      return std::fwrite(data.data(), 1, data.size(), stdout) == data.size();
    });
    if (!st) {
      return st;
    }
    std::fflush(stdout);
    std::fprintf(stderr, "exported %lld audit events\n", static_cast<long long>(lines));
    return {};
  }
  auto events = ListAll(api, kAuditPath, query, "events", o.max_results);
  return ShowList(std::move(events), g, "events",
                  {{"TIME", "event_time"},
                   {"ACTION", "action_name"},
                   {"PRINCIPAL", "principal"},
                   {"RECIPIENT", "recipient"},
                   {"STATUS", "response/status_code"},
                   {"SOURCE IP", "source_ip_address"},
                   {"ERROR", "response/error_message"}});
}

}  // namespace

void AddAuditCommand(CLI::App* admin) {
  auto o = std::make_shared<AuditOptions>();
  CLI::App* c = admin->add_subcommand("audit", "Query the audit log, or export it as JSON lines");
  c->fallthrough();
  c->add_option("--from", o->from, "Events at or after (epoch ms, ISO-8601, or 24h/7d ago)");
  c->add_option("--since", o->since, "Same as --from, e.g. --since 1h");
  c->add_option("--to", o->to, "Events before (epoch ms or ISO-8601)");
  c->add_option("--action", o->action, "Action name, e.g. createRecipient");
  c->add_option("--principal", o->principal, "Who acted (an admin or team member)");
  c->add_option("--recipient", o->recipient, "Recipient acted as or on");
  c->add_option("--max-results", o->max_results, "At most this many events (default 100)")
      ->check(CLI::PositiveNumber);
  c->add_flag("--jsonl", o->jsonl,
              "Export every matching event as one JSON object per line (all pages)");
  Context ctx{"audit", ""};
  c->callback([o, ctx] {
    std::exit(
        RunAction(ctx, [o](Api& api, const GlobalOptions& g) { return RunAudit(api, g, *o); }));
  });
}

}  // namespace lakeshare::admin::cli
