#include "storage/s3_config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include "common/strings.h"
#include "storage/location.h"

namespace lakeshare::storage {

namespace {

// Spaces, tabs and a CRLF file's carriage return around a line's parts.
constexpr std::string_view kLineSpace = " \t\r";

// Shared config/credentials files: "[section]" headers, "key = value" lines, '#'/';' comments.
// Indented lines continue a nested block (e.g. "s3 =") and are skipped.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

std::optional<IniFile> ReadIniFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return std::nullopt;
  }
  IniFile out;
  std::string section;
  bool in_section = false;
  std::string line;
  while (std::getline(in, line)) {
    std::string_view view = line;
    bool indented = !view.empty() && (view.front() == ' ' || view.front() == '\t');
    view = Trim(view, kLineSpace);
    if (view.empty() || view.front() == '#' || view.front() == ';') continue;
    if (view.front() == '[' && view.back() == ']') {
      section = std::string(Trim(view.substr(1, view.size() - 2), kLineSpace));
      in_section = true;
      out[section];
      continue;
    }
    if (!in_section || indented) continue;
    size_t eq = view.find('=');
    if (eq == std::string_view::npos) continue;
    out[section][ToLower(Trim(view.substr(0, eq), kLineSpace))] =
        std::string(Trim(view.substr(eq + 1), kLineSpace));
  }
  return out;
}

struct Endpoint {
  std::string scheme;
  std::string host;  // host[:port], default port dropped
};

Result<Endpoint> ParseEndpoint(std::string_view endpoint) {
  Endpoint out;
  std::string_view rest = endpoint;
  size_t sep = rest.find("://");
  if (sep == std::string_view::npos) {
    out.scheme = "https";
  } else {
    out.scheme = ToLower(rest.substr(0, sep));
    rest.remove_prefix(sep + 3);
  }
  if (out.scheme != "http" && out.scheme != "https") {
    return InvalidArgument("S3 endpoint '{}' must use http or https", endpoint);
  }
  size_t slash = rest.find_first_of("/?#");
  std::string_view host = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (host.find('@') != std::string_view::npos) {
    // Do not echo it: the user-info part may hold a password.
    return InvalidArgument("S3 endpoint must not contain user information");
  }
  if (host.empty() || host.find(' ') != std::string_view::npos) {
    return InvalidArgument("S3 endpoint '{}' has no valid host", endpoint);
  }
  if (!path.empty() && path != "/") {
    return InvalidArgument("S3 endpoint '{}' must not have a path", endpoint);
  }
  std::string host_str = ToLower(host);
  // Host header rule (RFC 9110 §7.2): the port is omitted when it is the scheme's default.
  std::string_view default_port = out.scheme == "https" ? ":443" : ":80";
  if (host_str.ends_with(default_port) && host_str.back() != ']') {
    host_str.resize(host_str.size() - default_port.size());
  }
  out.host = std::move(host_str);
  return out;
}

// Virtual-hosted addressing needs a bucket that is a single DNS label (dots would break TLS
// wildcard certificates).
bool IsDnsLabelBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-';
}

std::optional<std::string> FirstSet(const EnvLookup& env, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    std::optional<std::string> value = env(name);
    if (value && !value->empty()) return value;
  }
  return std::nullopt;
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

namespace {

// The selected profile of the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE,
// AWS_CONFIG_FILE, ~/.aws/...): options.profile, else AWS_PROFILE, else "default".
struct SharedProfile {
  std::map<std::string, std::string> credentials;
  std::map<std::string, std::string> config;

  // A key of the profile, the credentials file first.
  std::string Value(const std::string& key) const {
    if (auto it = credentials.find(key); it != credentials.end()) return it->second;
    if (auto it = config.find(key); it != config.end()) return it->second;
    return {};
  }
};

// A profile named explicitly (option or AWS_PROFILE) must exist unless credentials are given.
Result<SharedProfile> LoadSharedProfile(const StoreOptions& options, const EnvLookup& env) {
  std::optional<std::string> home = env("HOME");
  std::string credentials_path = FirstSet(env, {"AWS_SHARED_CREDENTIALS_FILE"})
                                     .value_or(home ? *home + "/.aws/credentials" : "");
  std::string config_path =
      FirstSet(env, {"AWS_CONFIG_FILE"}).value_or(home ? *home + "/.aws/config" : "");
  std::string profile = options.profile;
  bool explicit_profile = !profile.empty();
  if (profile.empty()) {
    std::optional<std::string> from_env = FirstSet(env, {"AWS_PROFILE"});
    explicit_profile = from_env.has_value();
    profile = from_env.value_or("default");
  }
  std::map<std::string, std::string> profile_credentials;
  std::map<std::string, std::string> profile_config;
  bool profile_found = false;
  if (options.use_environment) {
    if (auto file = credentials_path.empty() ? std::nullopt : ReadIniFile(credentials_path)) {
      if (auto it = file->find(profile); it != file->end()) {
        profile_credentials = it->second;
        profile_found = true;
      }
    }
    if (auto file = config_path.empty() ? std::nullopt : ReadIniFile(config_path)) {
      std::string section = profile == "default" ? "default" : "profile " + profile;
      auto it = file->find(section);
      if (it == file->end() && profile == "default") it = file->find("profile default");
      if (it != file->end()) {
        profile_config = it->second;
        profile_found = true;
      }
    }
  }
  if (explicit_profile && !profile_found && !options.anonymous &&
      options.credentials.empty()) {
    return InvalidArgument("AWS profile '{}' was not found in the shared credentials or config "
                           "file",
                           profile);
  }
  return SharedProfile{std::move(profile_credentials), std::move(profile_config)};
}

// Anonymous, given, from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or from the profile.
AwsCredentials ResolveCredentials(const StoreOptions& options, const EnvLookup& env,
                                  const SharedProfile& profile) {
  AwsCredentials credentials;
  if (options.anonymous) {
    credentials = {};
  } else if (!options.credentials.empty()) {
    credentials = options.credentials;
  } else {
    std::optional<std::string> key_id = FirstSet(env, {"AWS_ACCESS_KEY_ID"});
    std::optional<std::string> secret = FirstSet(env, {"AWS_SECRET_ACCESS_KEY"});
    if (!options.profile.empty() || !key_id || !secret) {
      credentials.access_key_id = profile.Value("aws_access_key_id");
      credentials.secret_access_key = profile.Value("aws_secret_access_key");
      credentials.session_token = profile.Value("aws_session_token");
    } else {
      credentials.access_key_id = *key_id;
      credentials.secret_access_key = *secret;
      credentials.session_token = FirstSet(env, {"AWS_SESSION_TOKEN"}).value_or("");
    }
    if (credentials.empty()) credentials = {};
  }
  return credentials;
}

// The endpoint (option, AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL, profile, else AWS's own for the
// region) and the addressing style.
Status ResolveEndpoint(const StoreOptions& options, const EnvLookup& env,
                       const SharedProfile& profile, S3Config* config) {
  std::string endpoint = options.endpoint;
  if (endpoint.empty()) {
    endpoint = FirstSet(env, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}).value_or("");
  }
  if (endpoint.empty()) endpoint = profile.Value("endpoint_url");
  bool custom_endpoint = !endpoint.empty();
  if (!custom_endpoint) {
    endpoint = "https://s3." + config->region + ".amazonaws.com";
    if (config->region.starts_with("cn-")) endpoint += ".cn";
  }
  LS_ASSIGN_OR_RETURN(Endpoint parsed, ParseEndpoint(endpoint));
  config->scheme = parsed.scheme;
  config->endpoint_host = parsed.host;
  switch (options.addressing) {
    case S3Addressing::kPathStyle:
      config->path_style = true;
      break;
    case S3Addressing::kVirtualHosted:
      config->path_style = false;
      break;
    case S3Addressing::kAuto:
      config->path_style = custom_endpoint || !IsDnsLabelBucket(config->bucket);
      break;
  }
  return OkStatus();
}

}  // namespace

Result<S3Config> ResolveS3Config(std::string_view uri, const StoreOptions& options,
                                 const EnvLookup& env_in) {
  S3Config config;
  config.options = options;

  // s3://bucket/prefix, parsed (and percent-decoded once) by the one location parser.
  LS_ASSIGN_OR_RETURN(Location location, ParseLocation(uri));
  if (location.scheme != LocationScheme::kS3) {
    return InvalidArgument("'{}' is not an s3:// location", uri);
  }
  config.bucket = location.bucket;
  if (!location.path.empty()) {
    LS_RETURN_IF_ERROR(ValidateObjectPath(location.path));
    config.prefix = location.path + "/";
  }

  EnvLookup env = options.use_environment
                      ? env_in
                      : EnvLookup([](const std::string&) { return std::optional<std::string>(); });

  LS_ASSIGN_OR_RETURN(SharedProfile profile, LoadSharedProfile(options, env));
  config.credentials = ResolveCredentials(options, env, profile);

  // Region.
  config.region = options.region;
  if (config.region.empty()) {
    config.region = FirstSet(env, {"AWS_REGION", "AWS_DEFAULT_REGION"}).value_or("");
  }
  if (config.region.empty()) config.region = profile.Value("region");
  if (config.region.empty()) config.region = "us-east-1";

  LS_RETURN_IF_ERROR(ResolveEndpoint(options, env, profile, &config));

  config.ca_bundle = options.ca_bundle;
  if (config.ca_bundle.empty()) config.ca_bundle = FirstSet(env, {"AWS_CA_BUNDLE"}).value_or("");
  if (config.ca_bundle.empty()) config.ca_bundle = profile.Value("ca_bundle");

  config.options.list_page_size = std::clamp(options.list_page_size, 1, 1000);
  config.options.max_attempts = std::max(1, options.max_attempts);
  return config;
}

}  // namespace lakeshare::storage
