// Where an S3 store's settings come from (ResolveS3Config), highest precedence first:
//   credentials: StoreOptions::credentials; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
//                AWS_SESSION_TOKEN; the profile (StoreOptions::profile, else AWS_PROFILE, else
//                "default") in ~/.aws/credentials, then in ~/.aws/config; otherwise anonymous.
//   region:      StoreOptions::region; AWS_REGION; AWS_DEFAULT_REGION; the profile's "region";
//                "us-east-1".
//   endpoint:    StoreOptions::endpoint; AWS_ENDPOINT_URL_S3; AWS_ENDPOINT_URL; the profile's
//                "endpoint_url"; https://s3.<region>.amazonaws.com.
// File locations follow AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE. Instance metadata,
// SSO and web-identity credentials are not supported. Pure functions of their inputs (and of
// the files they name), thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "storage/object_store.h"

namespace lakeshare::storage {

/// Everything an S3 store needs, resolved. Holds secrets: never log it.
struct S3Config {
  std::string bucket;
  std::string prefix;  // key prefix of the store root: empty or ending in '/'
  std::string region;
  std::string scheme;         // "https" or "http"
  std::string endpoint_host;  // host[:port] of the service, without the bucket
  bool path_style = false;
  AwsCredentials credentials;  // empty: unsigned (anonymous) requests
  std::string ca_bundle;
  StoreOptions options;  // timeouts, retries, page size, clock
};

/// Looks up an environment variable; tests pass a map instead of the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment.
EnvLookup ProcessEnvironment();

/// Parse an "s3://bucket/prefix" (or s3a://, s3n://) URI and resolve the configuration by the
/// precedence above. kInvalidArgument for a bad URI or endpoint, or a named profile that exists
/// in neither file.
Result<S3Config> ResolveS3Config(std::string_view uri, const StoreOptions& options,
                                 const EnvLookup& env);

}  // namespace lakeshare::storage
