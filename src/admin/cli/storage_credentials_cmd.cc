// `lakeshare admin storage-credentials create|list|get|delete` (issue 10, storage governance):
// the S3 keys (or the name of a profile of the server's own AWS configuration) the server reads
// external locations with, so that teams never hold cloud keys. Secrets are read from a file or
// stdin, never from the command line (where `ps` and shell history would keep them), and the
// server never returns them.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"

namespace lakeshare::admin::cli {
namespace {

/// The largest secret file read (AWS session tokens are a few KiB).
constexpr size_t kMaxSecretFileBytes = 16 * 1024;

/// The first line of `path` ("-": stdin), trimmed; a usage error naming `what` when it cannot be
/// read, is larger than kMaxSecretFileBytes or is empty.
CallResult<std::string> ReadSecret(const std::string& path, const std::string& what) {
  std::ifstream file;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) {
      return tl::unexpected(UsageError(fmt::format(
          "cannot read the {} file '{}': check the path and that you may read it", what, path)));
    }
  }
  std::optional<std::string> text = ReadAtMost(path == "-" ? std::cin : file, kMaxSecretFileBytes);
  if (!text) {
    return tl::unexpected(UsageError(
        fmt::format("the {} file '{}' is larger than {} bytes: give a file holding only the {}",
                    what, path, kMaxSecretFileBytes, what)));
  }
  std::string_view line = *text;
  line = line.substr(0, line.find('\n'));
  std::string secret(Trim(line));
  if (secret.empty()) {
    return tl::unexpected(UsageError(
        fmt::format("the {} file '{}' is empty: put the {} on its first line", what, path, what)));
  }
  return secret;
}

struct CreateOptions {
  std::string name, access_key_id, secret_file, session_token_file, profile, comment, owner;
  bool read_only = false;
};

CallResult<Json> CreateBody(const CreateOptions& o) {
  if (o.access_key_id.empty() == o.profile.empty()) {
    return tl::unexpected(UsageError(
        "give either --access-key-id ID --secret-file FILE (keys), or --profile NAME (a profile "
        "of the server's own AWS configuration)"));
  }
  Json body = {{"name", o.name}};
  if (!o.profile.empty()) {
    if (!o.secret_file.empty() || !o.session_token_file.empty()) {
      return tl::unexpected(
          UsageError("--profile names keys the server holds: drop --secret-file and "
                     "--session-token-file"));
    }
    body["aws_profile"] = Json{{"profile_name", o.profile}};
  } else {
    if (o.secret_file.empty()) {
      return tl::unexpected(UsageError(
          "--access-key-id needs --secret-file FILE ('-' reads stdin) holding the secret access "
          "key; it is never taken from the command line"));
    }
    if (o.secret_file == "-" && o.session_token_file == "-") {
      return tl::unexpected(
          UsageError("stdin holds one secret: give --secret-file or --session-token-file a file"));
    }
    auto secret = ReadSecret(o.secret_file, "secret access key");
    if (!secret) return tl::unexpected(secret.error());
    Json keys = {{"access_key_id", o.access_key_id}, {"secret_access_key", *secret}};
    if (!o.session_token_file.empty()) {
      auto token = ReadSecret(o.session_token_file, "session token");
      if (!token) return tl::unexpected(token.error());
      keys["session_token"] = *token;
    }
    body["aws_access_key"] = std::move(keys);
  }
  SetIfGiven(body, "comment", o.comment);
  SetIfGiven(body, "owner", o.owner);
  if (o.read_only) body["read_only"] = true;
  return body;
}

}  // namespace

void AddStorageCredentialCommands(CLI::App* admin) {
  CLI::App* noun = Noun(
      admin, "storage-credentials",
      "S3 keys the server reads external locations with (metastore admins); secrets from a file");
  {
    auto o = std::make_shared<CreateOptions>();
    auto* c = Verb(noun, "create", "Store a storage credential (its secret is never shown again)",
                   [o](Api& api, const GlobalOptions& g) -> CallResult<void> {
                     auto body = CreateBody(*o);
                     if (!body) return tl::unexpected(body.error());
                     return Done(api.Uc("POST", "storage-credentials", {}, &*body), g,
                                 fmt::format("storage credential {} created", o->name));
                   });
    c->add_option("NAME", o->name, "Storage credential name")->required();
    c->add_option("--access-key-id", o->access_key_id, "AWS access key id");
    c->add_option("--secret-file", o->secret_file,
                  "File whose first line is the secret access key ('-': stdin)");
    c->add_option("--session-token-file", o->session_token_file,
                  "File whose first line is the session token of temporary keys ('-': stdin)");
    c->add_option("--profile", o->profile,
                  "Instead of keys: a profile of the server's own AWS configuration files");
    c->add_option("--comment", o->comment, "Comment");
    c->add_option("--owner", o->owner, "Owner (principal or group); default: you");
    c->add_flag("--read-only", o->read_only, "Mark it read-only");
  }
  const Collection credentials{std::string(kUcPrefix) + "storage-credentials", "storage credential",
                               "NAME", "Storage credential name"};
  ListVerb(
      noun, "List the storage credentials you may see", credentials, "storage_credentials",
      {{"NAME", "name"}, {"OWNER", "owner"}, {"COMMENT", "comment"}, {"CREATED", "created_at"}});
  GetVerb(noun, "Show a storage credential (never its secret)", credentials);
  DeleteVerb(noun, "Delete a storage credential (no external location using it)", credentials);
}

}  // namespace lakeshare::admin::cli
