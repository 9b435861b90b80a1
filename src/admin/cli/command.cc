#include "admin/cli/command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "admin/cli/args.h"

namespace lakeshare::admin::cli {

std::string Hint(const CallError& e, const Context& ctx, const GlobalOptions& g) {
  const std::string command = ctx.verb.empty() ? ctx.noun : ctx.noun + " " + ctx.verb;
  if (e.error_code == "USAGE") {
    return fmt::format("see `lakeshare admin {} --help`", command);
  }
  if (e.error_code == kRefusedAnswer) {
    return fmt::format(
        "check that --host (now {}) names a Lakeshare server, over https:// so that no one "
        "between can change its answers",
        g.host);
  }
  if (e.error_code == kExportTooLarge) {
    return "the answer waits in a temporary file (TMPDIR) until it is complete: export a shorter "
           "time range (--from/--to) or fewer events (--action, --recipient, --principal), or "
           "raise --max-export-mib if TMPDIR has room";
  }
  if (e.status == 0) {
    return fmt::format(
        "is the server running? Start it with `lakeshare serve --data-dir DIR`, or point --host "
        "(or LAKESHARE_HOST) at it; now {}",
        g.host);
  }
  if (e.status == 401) {
    return "pass the admin token with --token-file DATA_DIR/admin-token, LAKESHARE_TOKEN or "
           "--token";
  }
  if (e.status == 403) {
    return "this token may not do that: ask a metastore admin or the object's owner for the "
           "privilege";
  }
  if (e.status == 404) {
    if (e.error_code.empty() || e.message.rfind("No endpoint", 0) == 0) {
      return "the server does not serve the management API: start it with `lakeshare serve "
             "--data-dir DIR`";
    }
    return fmt::format("check the name; `lakeshare admin {} list` shows what exists", ctx.noun);
  }
  if (e.already_exists()) {
    return fmt::format(
        "the name is taken: choose another, or use `lakeshare admin {} get` / `update` on it",
        ctx.noun);
  }
  if (e.client_error()) {
    return fmt::format(
        "fix the value the message names; `lakeshare admin {} --help` lists the options", command);
  }
  return "the server failed: its log has the details under the request id; retry later";
}

std::string Describe(const CallError& e) {
  if (e.status == 0 || e.error_code == "USAGE") {
    return e.message;
  }
  if (e.error_code.empty()) {
    return fmt::format("{} (HTTP {})", e.message, e.status);
  }
  return fmt::format("{} ({}, HTTP {})", e.message, e.error_code, e.status);
}

int Report(const CallError& e, const Context& ctx, const GlobalOptions& g) {
  // The message and code come from the server (or quote a partner's names): shown escaped.
  std::fprintf(stderr, "error: %s\nhint: %s\n", TerminalSafe(Describe(e)).c_str(),
               TerminalSafe(Hint(e, ctx, g)).c_str());
  return e.status == 0 || e.status >= 500 ? 1 : 2;
}

CallResult<std::string> ResolveToken(const GlobalOptions& g) {
  if (!g.token.empty()) {
    return g.token;
  }
  if (g.token_file.empty()) {
    return tl::unexpected(UsageError(
        "no admin token: pass --token-file DATA_DIR/admin-token (written by the first `lakeshare "
        "serve --data-dir DATA_DIR`), or set LAKESHARE_TOKEN"));
  }
  std::ifstream in(g.token_file);
  if (!in) {
    return tl::unexpected(UsageError(fmt::format(
        "cannot read the token file '{}': check the path (DATA_DIR/admin-token) and that you may "
        "read it",
        g.token_file)));
  }
  constexpr size_t kMaxTokenFileBytes = 64 * 1024;
  std::optional<std::string> text = ReadAtMost(in, kMaxTokenFileBytes);
  if (!text) {
    return tl::unexpected(UsageError(fmt::format(
        "the token file '{}' is over 64 KiB, so it is not an admin token (one line): check that "
        "--token-file names DATA_DIR/admin-token",
        g.token_file)));
  }
  std::string token = std::string(Trim(*text));
  if (token.empty()) {
    return tl::unexpected(UsageError(fmt::format("the token file '{}' is empty", g.token_file)));
  }
  return token;
}

GlobalOptions& Globals() {
  static GlobalOptions* g = new GlobalOptions;
  return *g;
}

int RunAction(const Context& ctx, const Action& action) {
  const GlobalOptions& g = Globals();
  auto token = ResolveToken(g);
  if (!token) {
    return Report(token.error(), ctx, g);
  }
  Api api(g.host, *token);
  auto result = action(api, g);
  if (!result) {
    return Report(result.error(), ctx, g);
  }
  return 0;
}

CLI::App* Noun(CLI::App* admin, const std::string& name, const std::string& description) {
  CLI::App* noun = admin->add_subcommand(name, description);
  noun->require_subcommand(1);
  noun->fallthrough();
  return noun;
}

std::string Collection::Item(const std::string& name) const {
  return path + "/" + EncodePathSegment(name);
}

CLI::App* Verb(CLI::App* noun, const std::string& verb, const std::string& description,
               const Action& action) {
  CLI::App* cmd = noun->add_subcommand(verb, description);
  cmd->fallthrough();
  Context ctx{noun->get_name(), verb};
  cmd->callback([ctx, action] { std::exit(RunAction(ctx, action)); });
  return cmd;
}

CLI::App* NamedVerb(CLI::App* noun, const std::string& verb, const std::string& description,
                    const std::string& label, const std::string& help, const NamedAction& action) {
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = Verb(noun, verb, description, [name, action](Api& api, const GlobalOptions& g) {
    return action(api, g, *name);
  });
  cmd->add_option(label, *name, help)->required();
  return cmd;
}

CLI::App* ListVerb(CLI::App* noun, const std::string& description, const Collection& objects,
                   const std::string& key, const std::vector<Column>& columns) {
  return Verb(noun, "list", description,
              [path = objects.path, key, columns](Api& api, const GlobalOptions& g) {
                return ShowList(ListAll(api, path, {}, key), g, key, columns);
              });
}

CLI::App* GetVerb(CLI::App* noun, const std::string& description, const Collection& objects) {
  return NamedVerb(noun, "get", description, objects.label, objects.help,
                   [objects](Api& api, const GlobalOptions& g, const std::string& name) {
                     return ShowObject(api.Call("GET", objects.Item(name)), g);
                   });
}

CLI::App* UpdateVerb(CLI::App* noun, const std::string& description, const Collection& objects) {
  auto flags = std::make_shared<UpdateFlags>();
  CLI::App* cmd =
      NamedVerb(noun, "update", description, objects.label, objects.help,
                [objects, flags](Api& api, const GlobalOptions& g,
                                 const std::string& name) -> CallResult<void> {
                  Json body = flags->Body();
                  if (auto st = NeedChanges(body, "--new-name, --comment, --owner"); !st) {
                    return st;
                  }
                  return ShowObject(api.Call("PATCH", objects.Item(name), {}, &body), g);
                });
  flags->Add(cmd);
  return cmd;
}

CLI::App* CreateVerb(CLI::App* noun, const std::string& description, const Collection& objects,
                     const std::function<std::string(const std::string& name)>& done) {
  auto o = std::make_shared<std::pair<std::string, std::string>>();
  auto* c = Verb(noun, "create", description, [o, objects, done](Api& api, const GlobalOptions& g) {
    Json body = {{"name", o->first}};
    SetIfGiven(body, "comment", o->second);
    return Done(api.Call("POST", objects.path, {}, &body), g, done(o->first));
  });
  c->add_option(objects.label, o->first, objects.help)->required();
  c->add_option("--comment", o->second, "Comment");
  return c;
}

CLI::App* DeleteVerb(CLI::App* noun, const std::string& description, const Collection& objects) {
  return NamedVerb(noun, "delete", description, objects.label, objects.help,
                   [objects](Api& api, const GlobalOptions& g, const std::string& name) {
                     return Done(api.Call("DELETE", objects.Item(name)), g,
                                 fmt::format("{} {} deleted", objects.what, name));
                   });
}

CallResult<void> Show(CallResult<Json> r, const GlobalOptions& g,
                      const std::function<void(const Json&)>& print) {
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (g.json) {
    PrintJson(*r);
  } else {
    print(*r);
  }
  return {};
}

CallResult<void> Done(CallResult<Json> r, const GlobalOptions& g, const std::string& what) {
  return Show(std::move(r), g, [&what](const Json&) { std::printf("%s\n", what.c_str()); });
}

CallResult<void> ShowObject(CallResult<Json> r, const GlobalOptions& g) {
  return Show(std::move(r), g, [](const Json& obj) { PrintObject(obj); });
}

CallResult<void> ShowList(CallResult<Json> r, const GlobalOptions& g, const std::string& key,
                          const std::vector<Column>& columns) {
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (g.json) {
    Json doc = Json::object();
    doc[key] = std::move(*r);
    PrintJson(doc);
  } else {
    PrintRows(*r, columns);
  }
  return {};
}

void UpdateFlags::Add(CLI::App* cmd) {
  cmd->add_option("--new-name", new_name, "Rename");
  cmd->add_option("--comment", comment, "New comment");
  cmd->add_option("--owner", owner, "New owner (user or group)");
}

void SetIfGiven(Json& body, const char* key, const std::string& value) {
  if (!value.empty()) {
    body[key] = value;
  }
}

Json UpdateFlags::Body() const {
  Json body = Json::object();
  SetIfGiven(body, "new_name", new_name);
  SetIfGiven(body, "comment", comment);
  SetIfGiven(body, "owner", owner);
  return body;
}

CallResult<void> NeedChanges(const Json& body, const std::string& flags) {
  if (body.empty()) {
    return tl::unexpected(UsageError("nothing to update: give at least one of " + flags));
  }
  return {};
}

std::optional<std::string> ReadAtMost(std::istream& in, size_t max_bytes) {
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(max_bytes + 1));
  const auto got = static_cast<size_t>(in.gcount());
  if (got > max_bytes) {
    return std::nullopt;
  }
  text.resize(got);
  return text;
}

}  // namespace lakeshare::admin::cli
