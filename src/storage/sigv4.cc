#include "storage/sigv4.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "common/strings.h"

namespace lakeshare::storage {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// "Trimall": remove leading and trailing whitespace and turn runs of spaces into one space.
std::string TrimAll(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool encode_slash) {
  return PercentEncode(s, /*keep_slash=*/!encode_slash);
}

std::string CanonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) {
    return "/";
  }
  return UriEncode(raw_path, /*encode_slash=*/false);
}

std::string CanonicalQueryString(const QueryList& raw_query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(raw_query.size());
  for (const auto& [name, value] : raw_query) {
    encoded.emplace_back(UriEncode(name, true), UriEncode(value, true));
  }
  // "Sort the encoded parameter names by character code point in ascending order. Parameters
  // with duplicate names should be sorted by value." std::string compares bytes as unsigned.
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) {
      out.push_back('&');
    }
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string SigV4Timestamp(SystemTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, n);
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  // EVP_Digest with SHA-256 cannot fail on valid arguments short of memory exhaustion.
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

Result<std::string> HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                sizeof(out), &out_len) == nullptr) {
    return Errorf(ErrorCode::kInternal, "HMAC-SHA256 failed in OpenSSL");
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

Result<std::string> DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                                     std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret += secret_access_key;
  LS_ASSIGN_OR_RETURN(std::string k_date, HmacSha256(secret, date));
  LS_ASSIGN_OR_RETURN(std::string k_region, HmacSha256(k_date, region));
  LS_ASSIGN_OR_RETURN(std::string k_service, HmacSha256(k_region, service));
  return HmacSha256(k_service, "aws4_request");
}

SigV4Signer::SigV4Signer(AwsCredentials credentials, std::string region, std::string service)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      service_(std::move(service)) {}

SigV4Signer::Canonical SigV4Signer::BuildCanonicalRequest(const SigV4Request& request,
                                                          const HeaderList& extra_headers,
                                                          const QueryList& query,
                                                          std::string_view payload_hash) const {
  // CanonicalHeaders: "Lowercase(<HeaderName>)+":"+Trim(<value>)+"\n"", sorted by name; repeated
  // headers have their values joined with ','.
  std::map<std::string, std::string> headers;
  auto add = [&](std::string_view name, std::string_view value) {
    std::string& slot = headers[ToLower(name)];
    if (!slot.empty()) {
      slot.push_back(',');
    }
    slot += TrimAll(value);
  };
  bool has_host = false;
  for (const auto& [name, value] : request.headers) {
    has_host = has_host || ToLower(name) == "host";
    add(name, value);
  }
  if (!has_host) {
    add("host", request.host);
  }
  for (const auto& [name, value] : extra_headers) {
    add(name, value);
  }

  Canonical out;
  std::string& cr = out.request;
  cr += request.method;
  cr.push_back('\n');
  cr += CanonicalUri(request.path);
  cr.push_back('\n');
  cr += CanonicalQueryString(query);
  cr.push_back('\n');
  for (const auto& [name, value] : headers) {
    cr += name;
    cr.push_back(':');
    cr += value;
    cr.push_back('\n');
    if (!out.signed_headers.empty()) {
      out.signed_headers.push_back(';');
    }
    out.signed_headers += name;
  }
  cr.push_back('\n');
  cr += out.signed_headers;
  cr.push_back('\n');
  cr += payload_hash;
  return out;
}

std::string SigV4Signer::Scope(std::string_view date) const {
  std::string scope(date);
  scope.push_back('/');
  scope += region_;
  scope.push_back('/');
  scope += service_;
  scope += "/aws4_request";
  return scope;
}

Result<std::string> SigV4Signer::Signature(std::string_view date,
                                           std::string_view string_to_sign) const {
  LS_ASSIGN_OR_RETURN(std::string key,
                      DeriveSigningKey(credentials_.secret_access_key, date, region_, service_));
  LS_ASSIGN_OR_RETURN(std::string mac, HmacSha256(key, string_to_sign));
  return HexEncode(mac);
}

Result<SigV4Signature> SigV4Signer::Sign(const SigV4Request& request, SystemTime now) const {
  if (credentials_.empty()) {
    return InvalidArgument("Cannot sign a request without an access key id and secret");
  }
  const std::string timestamp = SigV4Timestamp(now);
  const std::string date = timestamp.substr(0, 8);
  const std::string payload_hash = request.payload_sha256.empty()
                                       ? std::string(kEmptyPayloadSha256)
                                       : request.payload_sha256;

  // Headers the signer adds; a caller-supplied header of the same name is replaced.
  HeaderList added = {{"x-amz-content-sha256", payload_hash}, {"x-amz-date", timestamp}};
  if (!credentials_.session_token.empty()) {
    added.emplace_back("x-amz-security-token", credentials_.session_token);
  }
  SigV4Request stripped = request;
  std::erase_if(stripped.headers, [&](const auto& header) {
    std::string name = ToLower(header.first);
    return name == "authorization" || std::any_of(added.begin(), added.end(), [&](const auto& a) {
             return a.first == name;
           });
  });

  Canonical canonical = BuildCanonicalRequest(stripped, added, stripped.query, payload_hash);
  SigV4Signature out;
  out.canonical_request = std::move(canonical.request);
  const std::string scope = Scope(date);
  out.string_to_sign = fmt::format("{}\n{}\n{}\n{}", kAlgorithm, timestamp, scope,
                                   Sha256Hex(out.canonical_request));
  LS_ASSIGN_OR_RETURN(out.signature, Signature(date, out.string_to_sign));
  out.headers = std::move(added);
  out.headers.emplace_back(
      "authorization",
      fmt::format("{} Credential={}/{}, SignedHeaders={}, Signature={}", kAlgorithm,
                  credentials_.access_key_id, scope, canonical.signed_headers, out.signature));
  return out;
}

Result<SigV4Presigned> SigV4Signer::Presign(const SigV4Request& request, SystemTime now,
                                            int64_t expires_seconds) const {
  if (credentials_.empty()) {
    return InvalidArgument("Cannot pre-sign a URL without an access key id and secret");
  }
  if (expires_seconds < 1 || expires_seconds > kMaxPresignExpiresSeconds) {
    return InvalidArgument("Pre-signed URL lifetime must be between 1 and {} seconds, got {}",
                           kMaxPresignExpiresSeconds, expires_seconds);
  }
  const std::string timestamp = SigV4Timestamp(now);
  const std::string date = timestamp.substr(0, 8);
  const std::string scope = Scope(date);

  // The signed-header list is needed inside the query, so compute it first from the headers.
  Canonical probe = BuildCanonicalRequest(request, {}, {}, kUnsignedPayload);

  QueryList query = request.query;
  query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  query.emplace_back("X-Amz-Credential", credentials_.access_key_id + "/" + scope);
  query.emplace_back("X-Amz-Date", timestamp);
  query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  if (!credentials_.session_token.empty()) {
    query.emplace_back("X-Amz-Security-Token", credentials_.session_token);
  }
  query.emplace_back("X-Amz-SignedHeaders", probe.signed_headers);

  Canonical canonical = BuildCanonicalRequest(request, {}, query, kUnsignedPayload);
  SigV4Presigned out;
  out.canonical_request = std::move(canonical.request);
  out.string_to_sign = fmt::format("{}\n{}\n{}\n{}", kAlgorithm, timestamp, scope,
                                   Sha256Hex(out.canonical_request));
  LS_ASSIGN_OR_RETURN(out.signature, Signature(date, out.string_to_sign));
  out.query = CanonicalQueryString(query);
  out.query += "&X-Amz-Signature=";
  out.query += out.signature;
  return out;
}

}  // namespace lakeshare::storage
