// `lakeshare admin audit`: the newest events first (a page at a time, saying when more match),
// or the whole log exported as JSON lines, oldest first.

#include <fmt/format.h>

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
  std::string from, to, since, action, principal, recipient, page_token;
  int64_t max_results = 100;
  int64_t max_export_mib = 4096;  // --jsonl: the answer held (memory + TMPDIR) at most
  bool jsonl = false;
  bool oldest_first = false;
};

/// Up to `limit` events of the listing (newest first unless `oldest_first`) from `page_token`
/// on, as {"events": [...], "next_page_token": ...} (the token only when more events match).
CallResult<Json> AuditPage(Api& api, std::vector<http::Field> query, const AuditOptions& o) {
  query.emplace_back("order", o.oldest_first ? "oldest" : "newest");
  Json events = Json::array();
  std::string token = o.page_token;
  for (;;) {
    const int64_t want = o.max_results - static_cast<int64_t>(events.size());
    std::vector<http::Field> q = query;
    q.emplace_back("max_results", std::to_string(std::min<int64_t>(want, 1000)));
    if (!token.empty()) {
      q.emplace_back("page_token", token);
    }
    auto page = api.Call("GET", kAuditPath, q);
    if (!page) {
      return tl::unexpected(page.error());
    }
    if (auto it = page->find("events"); it != page->end() && it->is_array()) {
      for (Json& e : *it) {
        events.push_back(std::move(e));
      }
    }
    const Json* next = Lookup(*page, "next_page_token");
    std::string next_token = next && next->is_string() ? next->get<std::string>() : "";
    if (next_token.empty() || static_cast<int64_t>(events.size()) >= o.max_results) {
      Json out{{"events", std::move(events)}};
      SetIfGiven(out, "next_page_token", next_token);
      return out;
    }
    if (next_token == token) {
      return tl::unexpected(CallError{500, "", "the server returned the same page token twice"});
    }
    token = std::move(next_token);
  }
}

CallResult<void> RunAudit(Api& api, const GlobalOptions& g, const AuditOptions& o) {
  std::vector<http::Field> query;
  const int64_t now = ClockOr(g.clock).NowMs();
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
    // they go to stdout once the answer is complete and known to be no error (Api::Stream). They
    // are the server's bytes, not TerminalSafe: an export meant for a file or a pipe (docs/cli.md).
    query.emplace_back("format", "jsonl");
    int64_t lines = 0;
    auto st = api.Stream(kAuditPath, query, [&](std::string_view data) {
      lines += std::count(data.begin(), data.end(), '\n');
      return std::fwrite(data.data(), 1, data.size(), stdout) == data.size();
    }, o.max_export_mib << 20);
    if (!st) {
      return st;
    }
    std::fflush(stdout);
    std::fprintf(stderr, "exported %lld audit events\n", static_cast<long long>(lines));
    return {};
  }
  auto page = AuditPage(api, query, o);
  if (!page) {
    return tl::unexpected(page.error());
  }
  if (g.json) {
    PrintJson(*page);
    return {};
  }
  const Json& events = (*page)["events"];
  PrintRows(events, {{"TIME", "event_time"},
                     {"ACTION", "action_name"},
                     {"PRINCIPAL", "principal"},
                     {"RECIPIENT", "recipient"},
                     {"STATUS", "response/status_code"},
                     {"SOURCE IP", "source_ip_address"},
                     {"ERROR", "response/error_message"}});
  // On stderr, so that the table on stdout stays a table.
  std::fputs(AuditPageSummary(*page, o.oldest_first).c_str(), stderr);
  return {};
}

}  // namespace

std::string AuditPageSummary(const Json& page, bool oldest_first) {
  const char* order = oldest_first ? "oldest" : "newest";
  const Json* events = Lookup(page, "events");
  const size_t shown = events != nullptr && events->is_array() ? events->size() : 0;
  // The token is the server's text: a hostile --host could put ESC or CR in it, or a number.
  const Json* next = Lookup(page, "next_page_token");
  if (next != nullptr && next->is_string() && !next->get_ref<const std::string&>().empty()) {
    return fmt::format(
        "{} events shown ({} first); more match: see the next ones with --page-token {} (same "
        "filters), raise --limit, or export all with --jsonl\n",
        shown, order, TerminalSafe(next->get_ref<const std::string&>()));
  }
  return fmt::format("{} events ({} first); no more match\n", shown, order);
}

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
  c->add_option("--limit,--max-results", o->max_results,
                "At most this many events (default 100); says when more match")
      ->check(CLI::PositiveNumber);
  c->add_option("--page-token", o->page_token,
                "Continue a listing where the previous one stopped (the token it printed)");
  c->add_flag("--oldest-first", o->oldest_first,
              "List the oldest events first (default: the newest first)");
  c->add_flag("--jsonl", o->jsonl,
              "Export every matching event as one JSON object per line, oldest first (all "
              "pages)");
  c->add_option("--max-export-mib", o->max_export_mib,
                "With --jsonl: the most the export may hold, in MiB; it waits in a temporary file "
                "(TMPDIR) until the answer is complete")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30))
      ->capture_default_str();
  Context ctx{"audit", ""};
  c->callback([o, ctx] {
    std::exit(
        RunAction(ctx, [o](Api& api, const GlobalOptions& g) { return RunAudit(api, g, *o); }));
  });
}

}  // namespace lakeshare::admin::cli
