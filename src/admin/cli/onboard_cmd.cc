// `lakeshare admin onboard`: partners from flags or a CSV file, run on worker threads with
// progress on stderr, a summary, and the activation links printed or written to a 0600 file.

#include <fcntl.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "admin/cli/args.h"
#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/onboard.h"
#include "admin/cli/output.h"
#include "admin/cli/partners_csv.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/parallel.h"
#include "common/strings.h"

namespace lakeshare::admin::cli {
namespace {

/// Progress on stderr: a bar redrawn in place on a terminal (with the rate since the start, by
/// `clock`'s monotonic reading), a line every `every` partners otherwise.
class Progress {
 public:
  Progress(int64_t total, const Clock& clock)
      : total_(total),
        tty_(isatty(STDERR_FILENO) != 0),
        every_(std::max<int64_t>(1, std::min<int64_t>(100, total / 10))),
        clock_(clock),
        start_ms_(clock.MonotonicMs()) {}

  void Tick(bool failed) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++done_;
    failed_ += failed ? 1 : 0;
    if (total_ <= 1) {
      return;  // one partner: the summary says it all
    }
    if (tty_) {
      if (done_ == total_ || done_ % std::max<int64_t>(1, total_ / 200) == 0) {
        Draw();
      }
    } else if (done_ % every_ == 0 || done_ == total_) {
      std::fprintf(stderr, "onboard: %lld/%lld partners done, %lld failed\n",
                   static_cast<long long>(done_), static_cast<long long>(total_),
                   static_cast<long long>(failed_));
    }
  }

  void Finish() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (tty_ && done_ > 0 && total_ > 1) {
      std::fputc('\n', stderr);
    }
  }

 private:
  void Draw() LS_REQUIRES(mu_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done_ / std::max<int64_t>(1, total_));
    const double secs = static_cast<double>(clock_.MonotonicMs() - start_ms_) / 1000.0;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\ronboard [%s] %lld/%lld  failed %lld  %.0f/s ", bar.c_str(),
                 static_cast<long long>(done_), static_cast<long long>(total_),
                 static_cast<long long>(failed_), secs > 0 ? done_ / secs : 0.0);
    std::fflush(stderr);
  }

  const int64_t total_;
  const bool tty_;
  const int64_t every_;
  const Clock& clock_;
  const int64_t start_ms_;
  Mutex mu_;
  int64_t done_ LS_GUARDED_BY(mu_) = 0;
  int64_t failed_ LS_GUARDED_BY(mu_) = 0;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

CallResult<std::vector<PartnerSpec>> OnboardSpecs(const OnboardOptions& o) {
  if (o.csv.empty() == o.partner.empty()) {
    return tl::unexpected(UsageError(
        "name one partner with --partner NAME --table ..., or many with --csv FILE (not both)"));
  }
  if (!o.csv.empty()) {
    if (!o.share.empty() || !o.tables.empty() || !o.properties.empty() || !o.ips.empty() ||
        !o.partitions.empty() || !o.comment.empty()) {
      return tl::unexpected(UsageError(
          "with --csv, give the share, tables, properties, IP list and partitions as columns of "
          "the file, not as flags"));
    }
    std::string text;
    if (o.csv == "-") {
      std::stringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      std::ifstream in(o.csv, std::ios::binary);
      if (!in) {
        return tl::unexpected(UsageError(fmt::format("cannot read '{}': check the path", o.csv)));
      }
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    auto specs = ParsePartnersCsv(text);
    if (!specs) {
      return tl::unexpected(UsageError(fmt::format("{}: {}", o.csv, specs.error().message)));
    }
    return std::move(*specs);
  }
  PartnerSpec spec;
  spec.partner = o.partner;
  spec.share = o.share.empty() ? o.partner : o.share;
  spec.comment = o.comment;
  spec.ip_access_list = o.ips;
  for (const std::string& t : o.tables) {
    auto item = ParseTableItem(t);
    if (!item) {
      return tl::unexpected(UsageError(item.error().message));
    }
    spec.tables.push_back(std::move(*item));
  }
  for (const std::string& p : o.properties) {
    auto kv = ParseProperty(p);
    if (!kv) {
      return tl::unexpected(UsageError(kv.error().message));
    }
    spec.properties.push_back(std::move(*kv));
  }
  for (const std::string& p : o.partitions) {
    auto item = ParsePartitionItem(p);
    if (!item) {
      return tl::unexpected(UsageError(item.error().message));
    }
    spec.partitions.push_back(std::move(*item));
  }
  if (auto st = ValidatePartner(spec); !st) {
    return tl::unexpected(UsageError(st.error().message));
  }
  return std::vector<PartnerSpec>{std::move(spec)};
}

/// The links file, created before any work so that a run never fails at the end for want of it.
class LinksFile {
 public:
  static CallResult<std::unique_ptr<LinksFile>> Open(const std::string& path) {
    if (path.empty()) {
      return std::unique_ptr<LinksFile>();
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) {
        return tl::unexpected(UsageError(fmt::format(
            "'{}' exists and may hold activation links that cannot be shown again: move it away "
            "or name another --links-out file",
            path)));
      }
      return tl::unexpected(
          UsageError(fmt::format("cannot create '{}': {}", path, std::strerror(errno))));
    }
    ::fchmod(fd, 0600);
    return std::unique_ptr<LinksFile>(
        new LinksFile(::fdopen(fd, "w"), EndsWith(ToLower(path), ".json"), path));
  }
  ~LinksFile() {
    if (file_ != nullptr) {
      std::fclose(file_);
    }
  }

  /// Record a link. Each is written at once, so that an interrupted run loses none (a JSON file
  /// then lacks only its closing bracket).
  void Add(const PartnerOutcome& p) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    std::string row;
    if (json_) {
      row = count_ == 0 ? "\n  " : ",\n  ";
      row += Json{{"partner", p.partner}, {"share", p.share}, {"activation_url", p.activation_url}}
                 .dump();
    } else {
      row = CsvField(p.partner) + "," + CsvField(p.share) + "," + CsvField(p.activation_url) + "\n";
    }
    ++count_;
    std::fputs(row.c_str(), file_);
    std::fflush(file_);
  }

  Status Close() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (json_) {
      std::fputs(count_ == 0 ? "]\n" : "\n]\n", file_);
    }
    const bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    std::fclose(file_);
    file_ = nullptr;
    if (!ok) {
      return MakeError(ErrorCode::kUnavailable,
                       fmt::format("writing '{}' failed: {}", path_, std::strerror(errno)));
    }
    return OkStatus();
  }

  const std::string& path() const { return path_; }

 private:
  LinksFile(std::FILE* file, bool json, std::string path)
      : json_(json), path_(std::move(path)), file_(file) {
    std::fputs(json_ ? "[" : "partner,share,activation_url\n", file_);
    std::fflush(file_);
  }

  const bool json_;
  const std::string path_;
  Mutex mu_;
  std::FILE* file_ LS_GUARDED_BY(mu_);
  int64_t count_ LS_GUARDED_BY(mu_) = 0;
};

/// Set the organisation name the activation page shows when `name` is given; else warn when
/// none is set (a nameless sender on a credential page looks like phishing).
CallResult<void> EnsureOrganizationName(const GlobalOptions& g, const std::string& token,
                                        const std::string& name) {
  Api api(g.host, token);
  if (!name.empty()) {
    auto set = SetOrganizationName(api, name);
    if (!set) {
      return tl::unexpected(set.error());
    }
    std::fprintf(stderr, "onboard: organisation name set to '%s' (shown on activation pages)\n",
                 name.c_str());
    return {};
  }
  auto current = OrganizationName(api);
  if (current && current->empty()) {
    std::fprintf(stderr,
                 "warning: no organisation name is set: the activation page shows partners no "
                 "sender, which looks like phishing; set it with --organization-name NAME or "
                 "`lakeshare admin settings set --organization-name NAME`\n");
  }
  return {};  // an unreadable setting is no reason to stop: the onboarding reports the cause
}

/// What exists, by list calls, so that creating does not start with GETs answering 404. An error
/// only when the server is unreachable or refuses the token; otherwise (e.g. a principal that may
/// not list everything) an empty set, and each object is probed instead.
CallResult<ExistingObjects> LoadExisting(const GlobalOptions& g, const std::string& token,
                                         const std::vector<PartnerSpec>& specs) {
  Api api(g.host, token);
  auto loaded = ExistingObjects::Load(api, specs);
  if (loaded) {
    return std::move(*loaded);
  }
  if (loaded.error().status == 0 || loaded.error().status == 401) {
    return tl::unexpected(loaded.error());
  }
  return ExistingObjects{};
}

/// The outcome of a partner skipped because the server was unreachable.
PartnerOutcome NotAttempted(const PartnerSpec& spec) {
  PartnerOutcome out;
  out.partner = spec.partner;
  out.share = spec.share;
  out.line = spec.line;
  out.status = PartnerOutcome::Status::kFailed;
  out.step = "not attempted";
  out.error = CallError{0, "", "not attempted: the server was unreachable"};
  return out;
}

/// The connections of a run: a worker takes one for a partner and gives it back after, so each
/// worker thread keeps reusing a connection and there are never more than workers at once.
class ApiPool {
 public:
  ApiPool(const std::string& host, const std::string& token) : host_(host), token_(token) {}

  std::unique_ptr<Api> Take() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (idle_.empty()) {
      return std::make_unique<Api>(host_, token_);
    }
    std::unique_ptr<Api> api = std::move(idle_.back());
    idle_.pop_back();
    return api;
  }
  void Give(std::unique_ptr<Api> api) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    idle_.push_back(std::move(api));
  }

 private:
  const std::string& host_;
  const std::string& token_;
  Mutex mu_;
  std::vector<std::unique_ptr<Api>> idle_ LS_GUARDED_BY(mu_);
};

/// Onboards every partner on `workers` threads, each link recorded in `links` (when given) as
/// soon as it is issued. Once the server is unreachable (or refuses the token), the partners
/// left are not attempted: it is not hammered once per remaining partner.
std::vector<PartnerOutcome> OnboardAll(const std::vector<PartnerSpec>& specs, Onboarder& onboarder,
                                       LinksFile* links, const GlobalOptions& g,
                                       const std::string& token, int workers) {
  Progress progress(static_cast<int64_t>(specs.size()), ClockOr(g.clock));
  std::vector<PartnerOutcome> outcomes(specs.size());
  std::atomic<bool> unreachable{false};
  ApiPool apis(g.host, token);
  ParallelFor(specs.size(), static_cast<size_t>(workers), [&](size_t i) {
    PartnerOutcome& out = outcomes[i];
    if (unreachable.load()) {
      out = NotAttempted(specs[i]);
    } else {
      std::unique_ptr<Api> api = apis.Take();
      out = onboarder.Run(*api, specs[i]);
      apis.Give(std::move(api));
      if (out.status == PartnerOutcome::Status::kFailed &&
          (out.error.status == 0 || out.error.status == 401)) {
        unreachable.store(true);
      }
    }
    if (links != nullptr && !out.activation_url.empty()) {
      links->Add(out);
    }
    progress.Tick(out.status == PartnerOutcome::Status::kFailed);
  });
  progress.Finish();
  return outcomes;
}

/// The counts of a run.
struct Tally {
  int64_t total = 0, created = 0, present = 0, failed = 0, no_link = 0, links = 0;
  bool all_client_errors = true;  // every failure a 4xx (exit code 2, else 1)
};

Tally Count(const std::vector<PartnerOutcome>& outcomes) {
  Tally t;
  t.total = static_cast<int64_t>(outcomes.size());
  for (const PartnerOutcome& p : outcomes) {
    switch (p.status) {
      case PartnerOutcome::Status::kCreated:
        ++t.created;
        break;
      case PartnerOutcome::Status::kPresent:
        ++t.present;
        break;
      case PartnerOutcome::Status::kFailed:
        ++t.failed;
        t.all_client_errors = t.all_client_errors && p.error.client_error();
        break;
    }
    t.no_link += p.unactivated_without_link ? 1 : 0;
    t.links += p.activation_url.empty() ? 0 : 1;
  }
  return t;
}

Json PartnerJson(const PartnerOutcome& p, bool with_link) {
  Json row = {{"partner", p.partner},
              {"share", p.share},
              {"status", p.status == PartnerOutcome::Status::kCreated   ? "created"
                         : p.status == PartnerOutcome::Status::kPresent ? "present"
                                                                        : "failed"}};
  if (!p.activation_url.empty() && with_link) {
    row["activation_url"] = p.activation_url;
  }
  if (p.status == PartnerOutcome::Status::kFailed) {
    row["step"] = p.step;
    row["error"] = Describe(p.error);
    row["error_code"] = p.error.error_code;
    row["http_status"] = p.error.status;
  }
  if (!p.settings_left.empty()) {
    row["settings_left"] = p.settings_left;
  }
  return row;
}

void PrintSummaryJson(const Tally& t, const std::vector<PartnerOutcome>& outcomes,
                      const Onboarder& onboarder, const LinksFile* links) {
  Json doc = {{"partners_total", t.total},
              {"created", t.created},
              {"already_present", t.present},
              {"failed", t.failed}};
  Json objects = Json::object();
  for (int k = 0; k < kKinds; ++k) {
    objects[kKindNames[k]] = {{"created", onboarder.created(k)},
                              {"present", onboarder.present(k)}};
  }
  doc["objects"] = objects;
  Json partners = Json::array();
  for (const PartnerOutcome& p : outcomes) {
    partners.push_back(PartnerJson(p, links == nullptr));
  }
  doc["partners"] = std::move(partners);
  if (links != nullptr) {
    doc["links_out"] = links->path();
  }
  PrintJson(doc);
}

/// The first 20 failures as a table.
void PrintFailures(int64_t failed, const std::vector<PartnerOutcome>& outcomes) {
  std::vector<std::vector<std::string>> frows;
  constexpr size_t kShown = 20;
  for (const PartnerOutcome& p : outcomes) {
    if (p.status == PartnerOutcome::Status::kFailed && frows.size() < kShown) {
      frows.push_back(
          {p.partner, p.line > 0 ? std::to_string(p.line) : "", p.step, Describe(p.error)});
    }
  }
  if (failed > static_cast<int64_t>(kShown)) {
    frows.push_back({fmt::format("... and {} more (--json lists all)", failed - kShown)});
  }
  std::printf("\nfailed:\n");
  std::fputs(FormatTable({"PARTNER", "LINE", "STEP", "ERROR"}, frows).c_str(), stdout);
}

void PrintLinks(const std::vector<PartnerOutcome>& outcomes) {
  std::vector<std::vector<std::string>> lrows;
  std::string expiry;
  for (const PartnerOutcome& p : outcomes) {
    if (!p.activation_url.empty()) {
      lrows.push_back({p.partner, p.share, p.activation_url});
      // One lifetime for all ("expires in 72 hours"); each link's own instant differs.
      expiry = expiry.empty() ? p.link_expiry.substr(0, p.link_expiry.find(" (at")) : expiry;
    }
  }
  std::printf("\nactivation links (send each to its partner; each works once%s):\n",
              expiry.empty() ? "" : (" and " + expiry).c_str());
  std::fputs(FormatTable({"PARTNER", "SHARE", "ACTIVATION LINK"}, lrows).c_str(), stdout);
}

void PrintSummaryText(const Tally& t, const std::vector<PartnerOutcome>& outcomes,
                      const Onboarder& onboarder, const LinksFile* links) {
  std::printf("partners: %lld total, %lld created, %lld already present, %lld failed\n",
              static_cast<long long>(t.total), static_cast<long long>(t.created),
              static_cast<long long>(t.present), static_cast<long long>(t.failed));
  std::vector<std::vector<std::string>> rows;
  rows.reserve(kKinds);
  for (int k = 0; k < kKinds; ++k) {
    rows.push_back({kKindNames[k], std::to_string(onboarder.created(k)),
                    std::to_string(onboarder.present(k))});
  }
  std::fputs(FormatTable({"OBJECT", "CREATED", "ALREADY PRESENT"}, rows).c_str(), stdout);
  if (t.failed > 0) {
    PrintFailures(t.failed, outcomes);
  }
  if (t.links > 0 && links != nullptr) {
    std::printf("\n%lld activation link(s) written to %s (mode 0600); each works once\n",
                static_cast<long long>(t.links), links->path().c_str());
  } else if (t.links > 0) {
    PrintLinks(outcomes);
  }
}

/// Existing recipients whose properties or IP access list differ from what was asked: onboarding
/// leaves them as they are (docs/cli.md), so say so, with the commands that apply the asked ones
/// (a partition filter on @KEY hides the table from a recipient without KEY; an IP list left out
/// leaves the partner open to every address).
void PrintSettingsLeft(const std::vector<PartnerOutcome>& outcomes) {
  constexpr size_t kShown = 20;
  std::vector<const std::string*> commands;
  for (const PartnerOutcome& p : outcomes) {
    if (!p.settings_left.empty()) commands.push_back(&p.settings_left);
  }
  if (commands.empty()) return;
  std::fprintf(stderr,
               "note: %zu partner(s) already existed with other properties or another IP access "
               "list than asked; onboarding does not change an existing recipient, so they keep "
               "theirs. To apply what was asked:\n",
               commands.size());
  for (size_t i = 0; i < commands.size() && i < kShown; ++i) {
    std::fprintf(stderr, "  %s\n", commands[i]->c_str());
  }
  if (commands.size() > kShown) {
    std::fprintf(stderr, "  ... and %zu more (--json lists each partner's settings_left)\n",
                 commands.size() - kShown);
  }
}

/// Notes and the first failure's hint on stderr; the exit code.
int FinishRun(const Tally& t, const std::vector<PartnerOutcome>& outcomes, Onboarder& onboarder,
              const GlobalOptions& g) {
  if (std::vector<std::string> plain = onboarder.TablesWithoutChanges(); !plain.empty()) {
    std::fprintf(stderr,
                 "note: %zu table(s) have no change data feed: partners get their history (time "
                 "travel) but not their changes: %s; to serve changes, set the table property "
                 "delta.enableChangeDataFeed=true on each\n",
                 plain.size(), fmt::format("{}", fmt::join(plain, ", ")).c_str());
  }
  if (t.no_link > 0) {
    std::fprintf(stderr,
                 "note: %lld partner(s) exist but have not activated and no link is on record; "
                 "rerun with --reissue-links to issue new links (the old ones stop working)\n",
                 static_cast<long long>(t.no_link));
  }
  PrintSettingsLeft(outcomes);
  if (t.failed == 0) {
    return 0;
  }
  // The first failure's hint, once.
  for (const PartnerOutcome& p : outcomes) {
    if (p.status == PartnerOutcome::Status::kFailed) {
      std::fprintf(stderr, "hint: %s; fix and rerun: what exists is skipped\n",
                   Hint(p.error, Context{"recipients", "list"}, g).c_str());
      break;
    }
  }
  return t.all_client_errors ? 2 : 1;
}

int RunOnboard(const OnboardOptions& o) {
  const GlobalOptions& g = Globals();
  const Context ctx{"onboard", ""};
  auto specs = OnboardSpecs(o);
  if (!specs) {
    std::fprintf(stderr, "error: %s\nhint: see `lakeshare admin onboard --help` and docs/cli.md\n",
                 TerminalSafe(specs.error().message).c_str());
    return 2;
  }
  auto token = ResolveToken(g);
  if (!token) {
    return Report(token.error(), ctx, g);
  }
  auto links = LinksFile::Open(o.links_out);
  if (!links) {
    return Report(links.error(), ctx, g);
  }
  if (auto st = EnsureOrganizationName(g, *token, o.organization_name); !st) {
    return Report(st.error(), ctx, g);
  }
  auto existing = LoadExisting(g, *token, *specs);
  if (!existing) {
    return Report(existing.error(), ctx, g);
  }
  Onboarder onboarder(o, *existing);
  const int workers =
      static_cast<int>(std::clamp<int64_t>(o.parallel, 1, std::max<int64_t>(1, specs->size())));
  LinksFile* links_file = links->get();
  std::vector<PartnerOutcome> outcomes =
      OnboardAll(*specs, onboarder, links_file, g, *token, workers);
  if (links_file != nullptr) {
    if (auto st = links_file->Close(); !st) {
      std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
    }
  }
  const Tally tally = Count(outcomes);
  if (g.json) {
    PrintSummaryJson(tally, outcomes, onboarder, links_file);
  } else {
    PrintSummaryText(tally, outcomes, onboarder, links_file);
  }
  return FinishRun(tally, outcomes, onboarder, g);
}

}  // namespace

void AddOnboardCommand(CLI::App* admin) {
  auto o = std::make_shared<OnboardOptions>();
  CLI::App* c = admin->add_subcommand(
      "onboard",
      "Onboard partners: register tables, create the share, add the tables, create the recipient, "
      "grant; one partner from flags or many from --csv (idempotent)");
  c->fallthrough();
  c->add_option("--partner", o->partner, "Partner (recipient) name");
  c->add_option("--share", o->share, "Share name (default: the partner's name)");
  c->add_option("--table", o->tables,
                "Table to share: catalog.schema.table[=LOCATION] (LOCATION registers it; "
                "repeatable)");
  c->add_option("--property", o->properties, "Recipient property KEY=VALUE (repeatable)");
  c->add_option("--ip", o->ips, "Allowed IP address or CIDR range (repeatable)");
  c->add_option("--partition", o->partitions,
                "Partition filter TABLE:COLUMN=VALUE or TABLE:COLUMN=@PROPERTY (repeatable)");
  c->add_option("--comment", o->comment, "Recipient comment");
  c->add_option("--csv", o->csv,
                "Partners file with a header: partner,share,tables,properties,ip_access_list,"
                "partitions,comment (lists separated by ';'; '-' reads stdin)");
  c->add_option("--parallel", o->parallel, "Partners onboarded at once (default 4)")
      ->check(CLI::Range(1, 64));
  c->add_flag("--with-history", o->with_history,
              "Share the tables with history (and their change data feed, where the table has "
              "one enabled; the others are named)");
  c->add_flag("--reissue-links", o->reissue_links,
              "For existing partners that never activated: issue a new activation link");
  c->add_flag("--rotate-activated", o->rotate_activated,
              "Also rotate the tokens of partners that already activated");
  c->add_option("--existing-token-expire-in-seconds", o->existing_token_expire_in_seconds,
                "With --rotate-activated: grace for the current tokens (default 86400)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--organization-name", o->organization_name,
                "Set your organisation's name, shown to partners as the sender on the "
                "activation page (warned about when unset)");
  c->add_option("--links-out", o->links_out,
                "Write partner -> activation link to this new file (mode 0600; .json for JSON, "
                "else CSV) instead of printing the links");
  c->callback([o] { std::exit(RunOnboard(*o)); });
}

}  // namespace lakeshare::admin::cli
