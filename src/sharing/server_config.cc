#include "sharing/server_config.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/numbers.h"
#include "common/strings.h"
#include "delta/predicate.h"
#include "sharing/share_provider.h"

namespace lakeshare::sharing {

namespace {

// yaml-cpp reports problems by throwing; everything here runs inside one try block in
// ParseSharingConfig and turns into kInvalidArgument naming the key.
struct ConfigError {
  std::string message;
};

[[noreturn]] void Fail(const std::string& where, std::string_view what) {
  throw ConfigError{where + ": " + std::string(what)};
}

std::string Scalar(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) Fail(where, "expected a string");
  return node.Scalar();
}

bool Bool(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) Fail(where, "expected true or false");
  std::string v = ToLower(node.Scalar());
  if (v == "true" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "no" || v == "off") return false;
  Fail(where, "expected true or false, got '" + node.Scalar() + "'");
}

int64_t Int(const YAML::Node& node, const std::string& where, int64_t min, int64_t max) {
  if (!node.IsScalar()) Fail(where, "expected an integer");
  const std::string& s = node.Scalar();
  std::optional<int64_t> parsed = ParseInteger<int64_t>(s);
  if (!parsed) {
    Fail(where, "expected an integer, got '" + s + "'");
  }
  int64_t v = *parsed;
  if (v < min || v > max) {
    Fail(where, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

std::string Key(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

// Warn about keys of a mapping outside `known`.
void CheckKeys(const YAML::Node& map, const std::string& where,
               std::initializer_list<std::string_view> known,
               std::initializer_list<std::string_view> ignored,
               std::vector<std::string>& warnings) {
  for (const auto& kv : map) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    bool is_known = false;
    for (auto k : known) is_known = is_known || k == key;
    if (is_known) continue;
    bool is_ignored = false;
    for (auto k : ignored) is_ignored = is_ignored || k == key;
    warnings.push_back(is_ignored ? Key(where, key) + ": accepted for compatibility, ignored"
                                  : Key(where, key) + ": unknown key, ignored");
  }
}

const YAML::Node Child(const YAML::Node& map, std::string_view key) {
  return map[std::string(key)];
}

std::string NameOf(const YAML::Node& node, const std::string& where, std::string_view kind) {
  YAML::Node n = Child(node, "name");
  if (!n) Fail(Key(where, "name"), "required");
  std::string name = Scalar(n, Key(where, "name"));
  Status st = ValidateObjectName(kind, name);
  if (!st) Fail(Key(where, "name"), st.error().message);
  return name;
}

void CheckUnique(std::set<std::string>& seen, const std::string& name, const std::string& where,
                 std::string_view kind) {
  if (!seen.insert(ToLower(name)).second) {
    Fail(where,
         "duplicate " + std::string(kind) + " name '" + name + "' (names are case-insensitive)");
  }
}

TableConfig ParseTable(const YAML::Node& node, const std::string& where,
                       std::vector<std::string>& warnings) {
  if (!node.IsMap()) Fail(where, "expected a mapping");
  CheckKeys(node, where,
            {"name", "location", "id", "historyShared", "startVersion", "changeDataFeed",
             "partitionFilter", "sourceName", "cdfEnabled"},
            {}, warnings);
  TableConfig t;
  t.name = NameOf(node, where, "table");
  YAML::Node loc = Child(node, "location");
  if (!loc) Fail(Key(where, "location"), "required");
  t.location = Scalar(loc, Key(where, "location"));
  if (t.location.empty()) Fail(Key(where, "location"), "must not be empty");
  if (auto n = Child(node, "id")) t.id = Scalar(n, Key(where, "id"));
  if (auto n = Child(node, "historyShared"))
    t.history_shared = Bool(n, Key(where, "historyShared"));
  if (auto n = Child(node, "startVersion")) {
    t.start_version = Int(n, Key(where, "startVersion"), 0, INT64_MAX);
  }
  // The README of the reference server once called it cdfEnabled; accept both spellings.
  if (auto n = Child(node, "changeDataFeed")) {
    t.change_data_feed = Bool(n, Key(where, "changeDataFeed"));
  } else if (auto n2 = Child(node, "cdfEnabled")) {
    t.change_data_feed = Bool(n2, Key(where, "cdfEnabled"));
  }
  if (auto n = Child(node, "partitionFilter")) {
    t.partition_filter = Scalar(n, Key(where, "partitionFilter"));
    auto parsed = delta::Predicate::Parse(t.partition_filter);
    if (!parsed) Fail(Key(where, "partitionFilter"), parsed.error().message);
  }
  if (auto n = Child(node, "sourceName")) t.source_name = Scalar(n, Key(where, "sourceName"));
  return t;
}

TokenDigest ParseHexDigest(const std::string& hex, const std::string& where) {
  if (hex.size() != 64) Fail(where, "expected 64 hex digits (a SHA-256 digest)");
  std::optional<std::string> bytes = HexDecode(hex);
  if (!bytes) Fail(where, "expected hex digits");
  TokenDigest d{};
  std::copy(bytes->begin(), bytes->end(), d.begin());
  return d;
}

const YAML::Node List(const YAML::Node& map, std::string_view key, const std::string& where) {
  YAML::Node n = Child(map, key);
  if (n && !n.IsSequence() && !n.IsNull()) Fail(where, "expected a list");
  return n;
}

std::string Indexed(const std::string& where, std::string_view list, size_t i) {
  return Key(where, std::string(list) + "[" + std::to_string(i) + "]");
}

SchemaConfig ParseSchema(const YAML::Node& node, const std::string& where,
                         std::set<std::string>& schema_names, std::vector<std::string>& warnings) {
  if (!node.IsMap()) Fail(where, "expected a mapping");
  CheckKeys(node, where, {"name", "tables"}, {}, warnings);
  SchemaConfig schema;
  schema.name = NameOf(node, where, "schema");
  CheckUnique(schema_names, schema.name, Key(where, "name"), "schema");
  std::set<std::string> table_names;
  if (YAML::Node tables = List(node, "tables", Key(where, "tables"))) {
    for (size_t k = 0; k < tables.size(); ++k) {
      std::string twhere = Indexed(where, "tables", k);
      TableConfig t = ParseTable(tables[k], twhere, warnings);
      CheckUnique(table_names, t.name, Key(twhere, "name"), "table");
      schema.tables.push_back(std::move(t));
    }
  }
  return schema;
}

ShareConfig ParseShare(const YAML::Node& node, const std::string& where,
                       std::set<std::string>& share_names, std::vector<std::string>& warnings) {
  if (!node.IsMap()) Fail(where, "expected a mapping");
  CheckKeys(node, where, {"name", "schemas", "id", "comment"}, {}, warnings);
  ShareConfig share;
  share.name = NameOf(node, where, "share");
  CheckUnique(share_names, share.name, Key(where, "name"), "share");
  if (auto n = Child(node, "id")) share.id = Scalar(n, Key(where, "id"));
  if (auto n = Child(node, "comment")) share.comment = Scalar(n, Key(where, "comment"));
  std::set<std::string> schema_names;
  if (YAML::Node schemas = List(node, "schemas", Key(where, "schemas"))) {
    for (size_t j = 0; j < schemas.size(); ++j) {
      share.schemas.push_back(
          ParseSchema(schemas[j], Indexed(where, "schemas", j), schema_names, warnings));
    }
  }
  return share;
}

void ParseAuthorization(const YAML::Node& auth, SharingConfig& c) {
  if (!auth.IsMap()) Fail("authorization", "expected a mapping");
  CheckKeys(auth, "authorization", {"bearerToken", "bearerTokenSha256"}, {}, c.warnings);
  if (auto n = Child(auth, "bearerToken")) {
    std::string token = Scalar(n, "authorization.bearerToken");
    if (token.empty()) Fail("authorization.bearerToken", "must not be empty");
    c.global_token_sha256 = DigestToken(token);
    OPENSSL_cleanse(token.data(), token.size());
  } else if (auto h = Child(auth, "bearerTokenSha256")) {
    c.global_token_sha256 = ParseHexDigest(ToLower(Scalar(h, "authorization.bearerTokenSha256")),
                                           "authorization.bearerTokenSha256");
  }
}

// The recipient's token: given in clear (digested here, then wiped) or as its SHA-256.
TokenDigest ParseRecipientToken(const YAML::Node& rn, const std::string& where) {
  if (auto t = Child(rn, "bearerToken")) {
    std::string token = Scalar(t, Key(where, "bearerToken"));
    if (token.size() < 16) {
      Fail(Key(where, "bearerToken"), "must be at least 16 characters");
    }
    TokenDigest digest = DigestToken(token);
    OPENSSL_cleanse(token.data(), token.size());
    return digest;
  }
  if (auto h = Child(rn, "bearerTokenSha256")) {
    return ParseHexDigest(ToLower(Scalar(h, Key(where, "bearerTokenSha256"))),
                          Key(where, "bearerTokenSha256"));
  }
  Fail(where, "bearerToken or bearerTokenSha256 is required");
}

void ParseRecipientShares(const YAML::Node& rn, const std::string& where,
                          const std::set<std::string>& share_names, RecipientConfig& r) {
  YAML::Node shares = Child(rn, "shares");
  if (!shares) Fail(Key(where, "shares"), "required (a list of share names, or \"*\")");
  if (shares.IsScalar() && shares.Scalar() == "*") {
    r.all_shares = true;
  } else if (shares.IsSequence()) {
    for (size_t j = 0; j < shares.size(); ++j) {
      std::string s = Scalar(shares[j], Indexed(where, "shares", j));
      if (!share_names.count(ToLower(s))) {
        Fail(Indexed(where, "shares", j), "unknown share '" + s + "'");
      }
      r.shares.push_back(s);
    }
  } else {
    Fail(Key(where, "shares"), "expected a list of share names, or \"*\"");
  }
}

RecipientConfig ParseRecipient(const YAML::Node& rn, const std::string& where,
                               const std::set<std::string>& share_names,
                               std::set<std::string>& names, std::vector<std::string>& warnings) {
  if (!rn.IsMap()) Fail(where, "expected a mapping");
  CheckKeys(rn, where, {"name", "bearerToken", "bearerTokenSha256", "shares"}, {}, warnings);
  RecipientConfig r;
  YAML::Node name = Child(rn, "name");
  if (!name) Fail(Key(where, "name"), "required");
  r.name = Scalar(name, Key(where, "name"));
  if (r.name.empty() || r.name.size() > 255) Fail(Key(where, "name"), "1 to 255 characters");
  // "default" names the holder of authorization.bearerToken, "anonymous" the caller of a
  // server without tokens.
  if (ToLower(r.name) == "default" || ToLower(r.name) == "anonymous") {
    Fail(Key(where, "name"), "'" + r.name + "' is reserved");
  }
  CheckUnique(names, r.name, Key(where, "name"), "recipient");
  r.token_sha256 = ParseRecipientToken(rn, where);
  ParseRecipientShares(rn, where, share_names, r);
  return r;
}

void ParseEndpoint(const YAML::Node& n, SharingConfig& c) {
  c.endpoint = Scalar(n, "endpoint");
  while (c.endpoint.size() > 1 && c.endpoint.back() == '/') c.endpoint.pop_back();
  if (c.endpoint.empty() || c.endpoint[0] != '/') Fail("endpoint", "must start with '/'");
  if (c.endpoint == "/") c.endpoint.clear();
  if (c.endpoint.find_first_of("{}?#") != std::string::npos) {
    Fail("endpoint", "must be a plain path");
  }
}

void ParseSsl(const YAML::Node& ssl, SharingConfig& c) {
  if (!ssl.IsMap()) Fail("ssl", "expected a mapping");
  CheckKeys(ssl, "ssl", {"selfSigned", "certificateFile", "certificateKeyFile"},
            {"certificatePasswordFile"}, c.warnings);
  c.ssl = true;
  if (auto n = Child(ssl, "selfSigned")) c.ssl_self_signed = Bool(n, "ssl.selfSigned");
  if (auto n = Child(ssl, "certificateFile"))
    c.ssl_certificate_file = Scalar(n, "ssl.certificateFile");
  if (auto n = Child(ssl, "certificateKeyFile")) {
    c.ssl_key_file = Scalar(n, "ssl.certificateKeyFile");
  }
  if (c.ssl_self_signed) {
    Fail("ssl.selfSigned", "not supported: give certificateFile and certificateKeyFile");
  }
  if (c.ssl_certificate_file.empty() || c.ssl_key_file.empty()) {
    Fail("ssl", "certificateFile and certificateKeyFile are both required");
  }
}

void ParseS3(const YAML::Node& s3, SharingConfig& c) {
  if (!s3.IsMap()) Fail("s3", "expected a mapping");
  CheckKeys(s3, "s3", {"endpoint", "region", "addressing", "anonymous"}, {}, c.warnings);
  if (auto n = Child(s3, "endpoint")) c.s3.endpoint = Scalar(n, "s3.endpoint");
  if (auto n = Child(s3, "region")) c.s3.region = Scalar(n, "s3.region");
  if (auto n = Child(s3, "addressing")) {
    c.s3.addressing = ToLower(Scalar(n, "s3.addressing"));
    if (c.s3.addressing != "auto" && c.s3.addressing != "path" && c.s3.addressing != "virtual") {
      Fail("s3.addressing", "expected auto, path or virtual");
    }
  }
  if (auto n = Child(s3, "anonymous")) c.s3.anonymous = Bool(n, "s3.anonymous");
}

// The server's listening and protocol settings: host, port, endpoint, ssl, public URL, signing.
void ParseServer(const YAML::Node& root, SharingConfig& c) {
  if (auto n = Child(root, "host")) c.host = Scalar(n, "host");
  if (auto n = Child(root, "port")) c.port = static_cast<int>(Int(n, "port", 0, 65535));
  if (auto n = Child(root, "endpoint")) ParseEndpoint(n, c);
  if (YAML::Node ssl = Child(root, "ssl")) ParseSsl(ssl, c);
  if (auto n = Child(root, "preSignedUrlTimeoutSeconds")) {
    c.presigned_url_timeout_seconds = Int(n, "preSignedUrlTimeoutSeconds", 1, 7 * 24 * 3600);
  }
  if (auto n = Child(root, "evaluatePredicateHints")) {
    c.evaluate_predicate_hints = Bool(n, "evaluatePredicateHints");
  }
  if (auto n = Child(root, "evaluateJsonPredicateHints")) {
    c.evaluate_json_predicate_hints = Bool(n, "evaluateJsonPredicateHints");
  }
  if (auto n = Child(root, "queryTablePageSizeLimit")) {
    c.query_table_page_size_limit =
        static_cast<int>(Int(n, "queryTablePageSizeLimit", 1, 10'000'000));
  }
  if (auto n = Child(root, "queryTablePageTokenTtlMs")) {
    c.query_table_page_token_ttl_ms = Int(n, "queryTablePageTokenTtlMs", 1, INT64_MAX / 4);
  }
  if (auto n = Child(root, "refreshTokenTtlMs")) {
    c.refresh_token_ttl_ms = Int(n, "refreshTokenTtlMs", 1, INT64_MAX / 4);
  }
  if (auto n = Child(root, "stalenessAcceptable")) {
    c.staleness_acceptable = Bool(n, "stalenessAcceptable");
  }
  if (auto n = Child(root, "requestTimeoutSeconds")) {
    c.request_timeout_seconds = Int(n, "requestTimeoutSeconds", 0, 24 * 3600);
  }
  if (auto n = Child(root, "signingKey")) {
    c.signing_key = Scalar(n, "signingKey");
    if (c.signing_key.size() < 16) Fail("signingKey", "must be at least 16 characters");
  }
  if (auto n = Child(root, "publicUrl")) {
    c.public_url = Scalar(n, "publicUrl");
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    if (c.public_url.rfind("http://", 0) != 0 && c.public_url.rfind("https://", 0) != 0) {
      Fail("publicUrl", "must start with http:// or https://");
    }
  }
}

SharingConfig ParseRoot(const YAML::Node& root) {
  SharingConfig c;
  if (!root.IsMap()) Fail("<root>", "expected a mapping");
  CheckKeys(root, "",
            {"version",
             "shares",
             "authorization",
             "recipients",
             "host",
             "port",
             "endpoint",
             "ssl",
             "preSignedUrlTimeoutSeconds",
             "evaluatePredicateHints",
             "evaluateJsonPredicateHints",
             "queryTablePageSizeLimit",
             "queryTablePageTokenTtlMs",
             "refreshTokenTtlMs",
             "stalenessAcceptable",
             "requestTimeoutSeconds",
             "signingKey",
             "publicUrl",
             "s3",
             "snapshotCacheBytes",
             "maxRequestBodyBytes"},
            {"deltaTableCacheSize", "evaluateJsonPredicateHintsV2",
             "temporaryCredentialValiditySeconds", "useAsyncQuery"},
            c.warnings);
  YAML::Node version = Child(root, "version");
  if (!version) Fail("version", "required (must be 1)");
  c.version = static_cast<int>(Int(version, "version", 1, 1));

  std::set<std::string> share_names;
  if (YAML::Node shares = List(root, "shares", "shares")) {
    for (size_t i = 0; i < shares.size(); ++i) {
      c.shares.push_back(ParseShare(shares[i], Indexed("", "shares", i), share_names, c.warnings));
    }
  }
  if (YAML::Node auth = Child(root, "authorization")) ParseAuthorization(auth, c);
  if (YAML::Node recipients = List(root, "recipients", "recipients")) {
    std::set<std::string> names;
    for (size_t i = 0; i < recipients.size(); ++i) {
      c.recipients.push_back(ParseRecipient(recipients[i], Indexed("", "recipients", i),
                                            share_names, names, c.warnings));
    }
  }
  ParseServer(root, c);
  if (YAML::Node s3 = Child(root, "s3")) ParseS3(s3, c);
  if (auto n = Child(root, "snapshotCacheBytes")) {
    c.snapshot_cache_bytes = Int(n, "snapshotCacheBytes", 1 << 20, INT64_MAX / 2);
  }
  if (auto n = Child(root, "maxRequestBodyBytes")) {
    c.max_request_body_bytes = Int(n, "maxRequestBodyBytes", 1024, 1 << 30);
  }
  return c;
}

bool IsLocalRelative(const std::string& location) {
  if (location.find("://") != std::string::npos) return false;
  if (location.rfind("file:", 0) == 0) return false;
  return !location.empty() && location[0] != '/';
}

}  // namespace

TokenDigest DigestToken(std::string_view token) {
  TokenDigest d{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
  return d;
}

Result<SharingConfig> ParseSharingConfig(std::string_view yaml_text) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    return ParseRoot(root);
  } catch (const ConfigError& e) {
    return InvalidArgument("Invalid configuration: {}", e.message);
  } catch (const YAML::Exception& e) {
    return InvalidArgument("Invalid configuration: YAML error at line {}, column {}: {}",
                           e.mark.line + 1, e.mark.column + 1, e.msg);
  } catch (const std::exception& e) {
    return InvalidArgument("Invalid configuration: {}", e.what());
  }
}

Result<SharingConfig> LoadSharingConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("Cannot read configuration file '{}'", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  LS_ASSIGN_OR_RETURN(SharingConfig config, ParseSharingConfig(buffer.str()));
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(path, ec).parent_path();
  for (auto& share : config.shares) {
    for (auto& schema : share.schemas) {
      for (auto& table : schema.tables) {
        if (IsLocalRelative(table.location)) {
          table.location = (dir / table.location).lexically_normal().string();
        }
      }
    }
  }
  return config;
}

}  // namespace lakeshare::sharing
